/* ctl/status.c — `claimctl status`: asks the running claimd how it and its sources are
 * doing (["STATUS"] on its replay socket) and prints it for a human, or as JSON (--json).
 *
 * Takes: the replay endpoint (an argument; else the `replay` of -c FILE; else of the
 *        installed configuration when it can be read; else tcp://127.0.0.1:5557).
 * Gives: exit 0 (running: the answer is printed), 3 (claimd is not running there: no
 *        answer), 1 (an answer that is not a status), 2 (usage). Needs no privileges: it
 *        is a request on a loopback socket, not a look at the state database (which the
 *        unit keeps private to its service user).
 * Must not: change anything in the daemon. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <zmq.h>

#include "claimd/config.h"
#include "claimd/ctl.h"
#include "claimd/wire.h"

#define STATUS_TIMEOUT_MS 2000
#define STATUS_EXIT_NOT_RUNNING 3 /* as systemctl status and LSB init scripts */
#define DEFAULT_CONFIG CLAIMD_SYSCONFDIR "/claimd/claimd.conf"

static void usage(FILE *f)
{
	fprintf(f, "usage: claimctl status [--json] [-c FILE] [REPLAY_ENDPOINT]\n"
		   "\n"
		   "Asks the running claimd (on its replay endpoint: the argument, else the one of\n"
		   "-c FILE, else of %s when readable, else %s) how it and\n"
		   "every source are doing. --json prints the answer as it came (claimd.status/1).\n"
		   "Exit status: 0 running, 3 not running (no answer), 1 a bad answer, 2 usage.\n",
		   DEFAULT_CONFIG, CLAIMD_DEFAULT_REPLAY);
}

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

static json_int_t ji(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void human_bytes(json_int_t b, char *out, size_t len)
{
	if (b < 1024)
		snprintf(out, len, "%lldB", (long long)b);
	else if (b < 1024 * 1024)
		snprintf(out, len, "%.1fkB", (double)b / 1024);
	else
		snprintf(out, len, "%.1fMB", (double)b / (1024 * 1024));
}

/* "2026-12-04T18:34:05Z" as "18:34:05" when it is today (UTC), else as is. */
static const char *short_time(const char *iso, const char *now, char *buf, size_t len)
{
	if (!iso || strlen(iso) < 19)
		return "-";
	if (now && !strncmp(iso, now, 10)) {
		snprintf(buf, len, "%.8s", iso + 11);
		return buf;
	}
	snprintf(buf, len, "%.10s %.8s", iso, iso + 11);
	return buf;
}

static void print_human(json_t *st)
{
	json_t *c = json_object_get(st, "counters"), *sc = json_object_get(st, "sources_count");
	json_t *rr = json_object_get(st, "replay_requests");
	const char *now = json_string_value(json_object_get(st, "now"));
	char b1[32];
	human_bytes(ji(c, "bytes_fetched"), b1, sizeof(b1));
	printf("claimd %s: %s (pid %lld) since %s\n", js(st, "version"), js(st, "state"),
	       (long long)ji(st, "pid"), js(st, "started_at"));
	printf("  config %s, state in %s, epoch %s\n", js(st, "config"), js(st, "state_dir"),
	       js(st, "epoch"));
	printf("  sources: %lld (%lld ok, %lld failing)\n", (long long)ji(sc, "total"),
	       (long long)ji(sc, "ok"), (long long)ji(sc, "failing"));
	printf("  published: %lld articles, %lld claims; gseq %lld, %lld messages sent, journal "
	       "%lld bytes\n",
	       (long long)ji(c, "articles"), (long long)ji(c, "claims"), (long long)ji(st, "gseq"),
	       (long long)ji(c, "messages_sent"), (long long)ji(c, "journal_bytes"));
	printf("  fetched: %lld fetches (%lld failed, %lld unparseable), %s, %lld in flight\n",
	       (long long)ji(c, "fetches"), (long long)ji(c, "fetch_errors"),
	       (long long)ji(c, "parse_errors"), b1, (long long)ji(c, "in_flight"));
	printf("  replay requests: %lld snapshots (%lld expired), %lld malformed\n\n",
	       (long long)ji(rr, "snapshot"), (long long)ji(rr, "expired"),
	       (long long)ji(rr, "bad_request"));
	printf("%-20s %-8s %-28s %-9s %6s %8s %7s  %s\n", "SOURCE", "HEALTH", "LAST FETCH",
	       "NEXT POLL", "ERRORS", "ARTICLES", "CLAIMS", "LAST ERROR");
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(st, "sources"), i, s)
	{
		char last[64] = "never", t1[32], t2[32], bb[32];
		json_t *lf = json_object_get(s, "last_fetch");
		if (json_is_object(lf)) {
			json_t *code = json_object_get(lf, "status");
			char cs[16];
			if (json_is_integer(code))
				snprintf(cs, sizeof(cs), "%lld", (long long)json_integer_value(code));
			else
				snprintf(cs, sizeof(cs), "%s", !strcmp(js(lf, "result"), "error") ? "error" : "ok");
			human_bytes(ji(lf, "bytes"), bb, sizeof(bb));
			snprintf(last, sizeof(last), "%s %s %s %lldms", cs,
				 short_time(json_string_value(json_object_get(lf, "at")), now, t1,
					    sizeof(t1)),
				 bb, (long long)ji(lf, "duration_ms"));
		}
		const char *health = js(s, "health");
		if (!json_is_true(json_object_get(s, "enabled")))
			health = "off";
		printf("%-20s %-8s %-28s %-9s %6lld %8lld %7lld  %s\n", js(s, "name"), health, last,
		       short_time(json_string_value(json_object_get(s, "next_poll")), now, t2,
				  sizeof(t2)),
		       (long long)ji(s, "errors"), (long long)ji(s, "articles"),
		       (long long)ji(s, "claims"),
		       json_is_string(json_object_get(s, "last_error")) ? js(s, "last_error") : "");
	}
}

/* The replay endpoint of a configuration file, or NULL (a message on stderr when loud). */
static char *endpoint_of(const char *path, bool loud)
{
	struct cfg *c = NULL;
	struct cfg_errors e = { 0 };
	int r = cfg_load(path, &c, &e);
	if (r < 0) {
		if (loud) {
			for (size_t i = 0; i < e.n; i++)
				fprintf(stderr, "%s\n", e.msgs[i]);
			if (!e.n)
				fprintf(stderr, "claimctl status: %s: %s\n", path, strerror(-r));
		}
		cfg_errors_clear(&e);
		return NULL;
	}
	cfg_errors_clear(&e);
	char *ep = c->replay && *c->replay ? strdup(c->replay) : NULL;
	if (!ep && loud)
		fprintf(stderr, "claimctl status: %s turns replay off: nothing to ask\n", path);
	cfg_free(c);
	return ep;
}

int ctl_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool json = false;
	const char *conf = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1 || (conf && argc - optind == 1)) {
		usage(stderr);
		return 2;
	}
	char *ep = NULL;
	if (argc - optind == 1)
		ep = strdup(argv[optind]);
	else if (conf && !(ep = endpoint_of(conf, true)))
		return 1;
	else if (!conf && access(DEFAULT_CONFIG, R_OK) == 0)
		ep = endpoint_of(DEFAULT_CONFIG, false);
	if (!ep)
		ep = strdup(CLAIMD_DEFAULT_REPLAY);
	int ret = 1;
	void *ctx = zmq_ctx_new();
	void *d = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
	int zero = 0, tmo = STATUS_TIMEOUT_MS;
	if (!d) {
		fprintf(stderr, "claimctl status: %s\n", zmq_strerror(errno));
		goto out;
	}
	zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(d, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
	if (zmq_connect(d, ep) < 0) {
		fprintf(stderr, "claimctl status: cannot connect to %s: %s\n", ep, zmq_strerror(errno));
		ret = 2;
		goto out;
	}
	zmq_send(d, CLAIMD_REPLAY_STATUS, strlen(CLAIMD_REPLAY_STATUS), ZMQ_DONTWAIT);
	char *fr[3] = { 0 };
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, d, 0) < 0) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		if (n < 3) {
			fr[n] = strndup(zmq_msg_data(&m), zmq_msg_size(&m));
			n++;
		}
		zmq_msg_close(&m);
	}
	if (n == 0) {
		fprintf(stderr, "claimctl status: claimd is not running: nothing answers on %s "
				"(or replay is elsewhere: give the endpoint, or -c FILE)\n",
			ep);
		ret = STATUS_EXIT_NOT_RUNNING;
	} else if (n == 3 && !strcmp(fr[0], CLAIMD_REPLAY_STATUS) &&
		   !strcmp(fr[1], CLAIMD_SCHEMA_STATUS)) {
		json_error_t e;
		json_t *st = json_loads(fr[2], 0, &e);
		if (!st) {
			fprintf(stderr, "claimctl status: the answer is not JSON: %s\n", e.text);
		} else {
			if (json)
				printf("%s\n", fr[2]);
			else
				print_human(st);
			json_decref(st);
			ret = 0;
		}
	} else {
		fprintf(stderr, "claimctl status: %s answered %s %s: not a claimd that knows STATUS\n",
			ep, fr[0], n > 1 ? fr[1] : "");
	}
	for (int i = 0; i < n; i++)
		free(fr[i]);
out:
	if (d)
		zmq_close(d);
	if (ctx)
		zmq_ctx_term(ctx);
	free(ep);
	return ret;
}
