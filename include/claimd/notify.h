/* notify.h — sd_notify helpers: READY, STATUS, WATCHDOG, RELOADING, STOPPING. */
#ifndef CLAIMD_NOTIFY_H
#define CLAIMD_NOTIFY_H
#include <stdint.h>

void notify_ready(void);
void notify_reloading(void);   /* RELOADING=1 + MONOTONIC_USEC= */
void notify_stopping(void);
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void notify_watchdog(void);
/* Watchdog ping interval in ms (half of WATCHDOG_USEC), or 0 when no watchdog. */
int64_t notify_watchdog_interval_ms(void);

#endif
