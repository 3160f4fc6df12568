/* main.c — claimd: start-up order, signals, supervision, reload and shutdown. The only
 * file that exits.
 *
 * Start-up: block signals (before curl_global_init and zmq_ctx_new, whose threads inherit
 * the mask) → parse options → load configuration → logging → state database → lexicons →
 * ZeroMQ sockets bound → fetcher → scheduler → READY=1 → loop.
 * Shutdown (SIGTERM/SIGINT): STOPPING=1, no new polls, in-flight transfers get up to
 * STOP_GRACE_MS to finish, then everything is closed in reverse order; exit 0. */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <zmq.h>

#include "claimd/checkconf.h"
#include "claimd/config.h"
#include "claimd/cluster.h"
#include "claimd/daemon.h"
#include "claimd/log.h"
#include "claimd/metrics.h"
#include "claimd/msgid.h"
#include "claimd/nats.h"
#include "claimd/notify.h"
#include "claimd/stats.h"
#include "claimd/status.h"
#include "claimd/wire.h"

#define STOP_GRACE_MS 3000
#define DEFAULT_CONFIG CLAIMD_SYSCONFDIR "/claimd/claimd.conf"

static struct daemon D;
static struct metrics *M;
static struct nats *N; /* JetStream output, NULL when [nats] url is empty */
static struct loop_timer *t_heartbeat, *t_watchdog, *t_stop, *t_prune;
static int64_t stop_deadline;
static const char *config_path = DEFAULT_CONFIG;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: claimd [-c FILE] [--check-config] [--version] [--help]\n"
		"\n"
		"Polls news feeds, extracts claims and publishes articles and claims on ZeroMQ.\n"
		"\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"      --check-config  validate the configuration, print errors as file:line, exit\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          print this help and exit\n"
		"\n"
		"Signals: SIGHUP reloads the configuration; SIGTERM and SIGINT stop cleanly.\n"
		"See claimd(8) and claimd.conf(5).\n",
		DEFAULT_CONFIG);
}

static void print_errors(const struct cfg_errors *e, int to_log)
{
	for (size_t i = 0; i < e->n; i++) {
		if (to_log)
			log_ev(LOG_ERR, MSGID_CONFIG_REJECTED, NULL, "%s", e->msgs[i]);
		else
			fprintf(stderr, "%s\n", e->msgs[i]);
	}
}

static int log_level(const char *s)
{
	static const char *names[] = { "emerg", "alert", "crit", "err", "warning", "notice",
				       "info", "debug" };
	for (int i = 0; s && i < 8; i++)
		if (!strcmp(s, names[i]))
			return i;
	return LOG_INFO;
}

static void update_status(void)
{
	unsigned ok = 0, failing = 0;
	if (D.sched)
		sched_counts(D.sched, &ok, &failing);
	notify_status("%u sources (%u failing), %llu articles, %llu claims published, gseq %llu",
		      ok + failing, failing, (unsigned long long)D.n.articles,
		      (unsigned long long)D.n.claims,
		      (unsigned long long)store_gseq_high(D.store));
}

static void heartbeat(struct loop *l, struct loop_timer *t, void *ud)
{
	(void)l;
	(void)ud;
	unsigned ok = 0, failing = 0;
	sched_counts(D.sched, &ok, &failing);
	json_t *b = json_pack("{s:s, s:{s:i, s:i}, s:I, s:I, s:I, s:I, s:I, s:I}", "id", "heartbeat",
			      "sources", "ok", (json_int_t)ok, "failing", (json_int_t)failing,
			      "articles", (json_int_t)D.n.articles, "claims",
			      (json_int_t)D.n.claims, "bytes_fetched", (json_int_t)D.n.bytes,
			      "fetches", (json_int_t)D.n.fetches, "in_flight",
			      (json_int_t)fetch_in_flight(D.fetch), "journal_bytes",
			      (json_int_t)store_journal_bytes(D.store));
	if (b)
		json_object_set_new(b, "pages",
				    json_pack("{s:I, s:I, s:I}", "fetched", (json_int_t)D.n.pages,
					      "used", (json_int_t)D.n.pages_used, "queued",
					      (json_int_t)pages_queued(D.pages)));
	if (b && N) {
		struct nats_stats ns;
		nats_stats(N, &ns);
		json_object_set_new(b, "nats",
				    json_pack("{s:b, s:I, s:I, s:I, s:I, s:I}", "connected",
					      ns.connected, "cursor", (json_int_t)ns.cursor, "backlog",
					      (json_int_t)ns.backlog, "acked", (json_int_t)ns.acked,
					      "duplicates", (json_int_t)ns.duplicates, "errors",
					      (json_int_t)ns.errors));
	}
	if (b) {
		pub_heartbeat(D.pub, b);
		json_decref(b);
	}
	update_status();
	log_flush_suppressed();
	loop_timer_arm(t, D.cfg->heartbeat_ms);
}

static void watchdog(struct loop *l, struct loop_timer *t, void *ud)
{
	(void)l;
	(void)ud;
	notify_watchdog();
	loop_timer_arm(t, notify_watchdog_interval_ms());
}

static void prune(struct loop *l, struct loop_timer *t, void *ud)
{
	(void)l;
	(void)ud;
	int r = store_journal_prune(D.store, now_wall_ms(), D.cfg->journal_max_age_ms,
				    D.cfg->journal_max_bytes);
	if (r < 0) {
		struct log_ctx lc = { .err = -r };
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &lc, "Cannot prune the message journal: %s",
		       store_errmsg(D.store));
	}
	loop_timer_arm(t, 60000);
}

static void stop_check(struct loop *l, struct loop_timer *t, void *ud)
{
	(void)ud;
	if (fetch_in_flight(D.fetch) == 0 || now_mono_ms() >= stop_deadline) {
		loop_quit(l);
		return;
	}
	loop_timer_arm(t, 50);
}

/* File descriptors claimd may need at once: a socket per transfer (max_parallel) and
 * the pair curl's resolver thread opens per name lookup, SQLite's three, the ZeroMQ
 * context's own and one per connected subscriber. Timers and sources cost none. */
static rlim_t fds_needed(const struct cfg *c)
{
	return (rlim_t)(c->max_parallel > 0 ? c->max_parallel : 32) * 3 + 512;
}

/* Raises the soft RLIMIT_NOFILE towards what is needed (never above the hard limit, never
 * lowers it), and says so. */
static void raise_nofile(const struct cfg *c)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rlim_t want = fds_needed(c);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= want)
		return;
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	rlim_t to = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	if (to <= rl.rlim_cur) {
		log_ev(LOG_WARNING, NULL, NULL,
		       "Open file limit %llu is below the %llu that max_parallel = %d needs, and "
		       "the hard limit does not allow more; raise LimitNOFILE=",
		       (unsigned long long)rl.rlim_cur, (unsigned long long)want, c->max_parallel);
		return;
	}
	rlim_t was = rl.rlim_cur;
	rl.rlim_cur = to;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_ev(LOG_WARNING, NULL, &(struct log_ctx){ .err = errno },
		       "Cannot raise the open file limit from %llu to %llu: %m",
		       (unsigned long long)was, (unsigned long long)to);
		return;
	}
	log_ev(LOG_INFO, NULL, NULL, "Raised the open file limit from %llu to %llu (max_parallel = %d)",
	       (unsigned long long)was, (unsigned long long)to, c->max_parallel);
}

static void reload(void)
{
	notify_reloading();
	struct cfg *c = NULL;
	struct cfg_errors errs = { 0 };
	int r = cfg_load(config_path, &c, &errs);
	if (r < 0) {
		print_errors(&errs, 1);
		struct log_ctx lc = { .err = -r };
		log_ev(LOG_ERR, MSGID_CONFIG_REJECTED, &lc,
		       "Configuration %s rejected (%zu errors); still running on the previous one",
		       config_path, errs.n);
		cfg_errors_clear(&errs);
		notify_ready();
		return;
	}
	cfg_errors_clear(&errs);
	bool endpoints_changed = c->n_publish != D.cfg->n_publish ||
				 strcmp(c->replay ? c->replay : "", D.cfg->replay ? D.cfg->replay : "") ||
				 strcmp(c->state_dir, D.cfg->state_dir) ||
				 strcmp(c->metrics ? c->metrics : "", D.cfg->metrics ? D.cfg->metrics : "");
	for (size_t i = 0; !endpoints_changed && i < c->n_publish; i++)
		endpoints_changed = strcmp(c->publish[i], D.cfg->publish[i]) != 0;
	/* shard and [nats] are fixed for the life of the process: the messages' shard label
	 * and the stream must not change under the journal's cursor */
	bool nats_changed = strcmp(c->shard, D.cfg->shard) || strcmp(c->nats.url, D.cfg->nats.url) ||
			    strcmp(c->nats.stream, D.cfg->nats.stream) ||
			    strcmp(c->nats.subject_prefix, D.cfg->nats.subject_prefix);
	if (nats_changed) {
		char *keep = strdup(D.cfg->shard);
		if (keep) {
			free(c->shard);
			c->shard = keep;
			c->shard_k = D.cfg->shard_k;
			c->shard_n = D.cfg->shard_n;
		}
	}
	struct cfg *old = D.cfg;
	D.cfg = c;
	sched_apply(D.sched);
	pages_apply(D.pages);
	struct fetch_cfg fc = { .max_parallel = c->max_parallel, .max_per_host = c->max_per_host,
				.user_agent = c->user_agent };
	fetch_set_limits(D.fetch, &fc);
	log_set_max_priority(log_level(c->log_level));
	raise_nofile(c);
	char kerr[512];
	if (pub_reload_keys(D.pub, c, kerr, sizeof(kerr)) < 0)
		log_ev(LOG_ERR, NULL, NULL, "CURVE keys not reloaded: %s", kerr);
	cfg_free(old);
	if (endpoints_changed)
		log_ev(LOG_WARNING, NULL, NULL,
		       "publish, replay, state_dir or metrics changed: they take effect at the next "
		       "restart");
	if (nats_changed)
		log_ev(LOG_WARNING, NULL, NULL,
		       "shard or [nats] url, stream or subject_prefix changed: they take effect at "
		       "the next restart");
	log_ev(LOG_NOTICE, MSGID_CONFIG_RELOADED, NULL, "Configuration %s reloaded (%zu sources)",
	       config_path, c->n_sources);
	update_status();
	notify_ready();
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *ud)
{
	(void)events;
	(void)ud;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (!D.stopping)
				reload();
			continue;
		}
		if (D.stopping)
			continue;
		D.stopping = true;
		pages_stop(D.pages); /* queued pages are fetched after the restart */
		notify_stopping();
		log_ev(LOG_INFO, NULL, NULL, "Received %s, stopping", strsignal((int)si.ssi_signo));
		loop_timer_arm(t_heartbeat, -1);
		stop_deadline = now_mono_ms() + STOP_GRACE_MS;
		if (loop_timer_new(l, stop_check, NULL, &t_stop) < 0)
			loop_quit(l);
		else
			loop_timer_arm(t_stop, 0);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int check = 0, c;
	while ((c = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'V':
			printf("claimd %s\n", CLAIMD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "claimd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct cfg_errors errs = { 0 };
	int r = cfg_load(config_path, &D.cfg, &errs);
	if (check) {
		if (r == 0)
			checkconf_run(D.cfg, &errs); /* what the start would refuse */
		print_errors(&errs, 0);
		if (r == -EINVAL || errs.n > 0) {
			fprintf(stderr, "%s: %zu error%s\n", config_path, errs.n, errs.n == 1 ? "" : "s");
			cfg_errors_clear(&errs);
			cfg_free(D.cfg);
			return 1;
		}
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", config_path, strerror(-r));
			return 1;
		}
		printf("%s: ok (%zu sources)\n", config_path, D.cfg->n_sources);
		cfg_free(D.cfg);
		return 0;
	}
	stats_started_ms(); /* the start time status reports */
	log_init("claimd", 0);
	if (r < 0) {
		print_errors(&errs, 1);
		struct log_ctx lc = { .err = -r };
		log_ev(LOG_ERR, MSGID_CONFIG_REJECTED, &lc, "Cannot load configuration %s: %s",
		       config_path, r == -EINVAL ? "errors above" : strerror(-r));
		cfg_errors_clear(&errs);
		return 1;
	}
	cfg_errors_clear(&errs);
	log_set_max_priority(log_level(D.cfg->log_level));
	raise_nofile(D.cfg);

	int exit_code = 1;
	void *zctx = NULL;
	int sfd = -1;
	char err[512] = "";
	xmlInitParser();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_ev(LOG_ERR, NULL, NULL, "Cannot initialise libcurl");
		goto out;
	}
	r = loop_new(&D.loop);
	if (r < 0) {
		log_ev(LOG_ERR, NULL, &(struct log_ctx){ .err = -r }, "Cannot create the event loop: %s",
		       strerror(-r));
		goto out;
	}
	r = store_open(D.cfg->state_dir, &D.store);
	if (r < 0 && access(D.cfg->state_dir, W_OK) < 0 && errno != ENOENT)
		r = -errno; /* a plainer reason than SQLite's, e.g. a read-only file system */
	if (r < 0) {
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &(struct log_ctx){ .err = -r },
		       "Cannot open the state database in %s: %s", D.cfg->state_dir, strerror(-r));
		goto out;
	}
	char lexdir[PATH_MAX];
	checkconf_lexicon_dir(D.cfg, lexdir, sizeof(lexdir));
	r = claims_new(lexdir, &D.claims, err, sizeof(err));
	if (r < 0) {
		log_ev(LOG_ERR, NULL, &(struct log_ctx){ .err = -r }, "Cannot load lexicons from %s: %s",
		       lexdir, err);
		goto out;
	}
	if (strcmp(lexdir, D.cfg->lexicon_dir))
		log_ev(LOG_INFO, NULL, NULL, "Lexicons from %s (%s has none)", lexdir,
		       D.cfg->lexicon_dir);
	r = pipeline_cluster_init(&D);
	if (r < 0) {
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &(struct log_ctx){ .err = -r },
		       "Cannot rebuild the claim clusters from %s: %s", D.cfg->state_dir,
		       store_errmsg(D.store) ? store_errmsg(D.store) : strerror(-r));
		goto out;
	}
	zctx = zmq_ctx_new();
	if (!zctx) {
		log_ev(LOG_ERR, NULL, NULL, "Cannot create the ZeroMQ context: %s", zmq_strerror(errno));
		goto out;
	}
	r = pub_new(zctx, D.loop, D.cfg, D.store, &D.pub, err, sizeof(err));
	if (r < 0) {
		log_ev(LOG_ERR, NULL, &(struct log_ctx){ .err = -r }, "Cannot start the publisher: %s",
		       err);
		goto out;
	}
	pub_set_status(D.pub, status_text, &D); /* claimctl status */
	for (size_t i = 0; i < D.cfg->n_publish; i++)
		log_ev(LOG_INFO, MSGID_PUBLISHER_BOUND,
		       &(struct log_ctx){ .extra = NULL }, "Publishing on %s", D.cfg->publish[i]);
	if (D.cfg->replay && *D.cfg->replay)
		log_ev(LOG_INFO, MSGID_PUBLISHER_BOUND, NULL, "Replay on %s", D.cfg->replay);
	r = nats_new(D.loop, D.cfg, D.store, D.pub, &N, err, sizeof(err));
	if (r < 0) {
		log_ev(LOG_ERR, MSGID_NATS_STREAM, &(struct log_ctx){ .err = -r },
		       "Cannot start the JetStream output: %s", err);
		goto out;
	}
	if (N)
		pub_set_sent_hook(D.pub, nats_kick, N);
	struct fetch_cfg fc = { .max_parallel = D.cfg->max_parallel,
				.max_per_host = D.cfg->max_per_host,
				.user_agent = D.cfg->user_agent };
	r = fetch_new(D.loop, &fc, sched_fetch_done, &D, &D.fetch);
	if (r < 0) {
		log_ev(LOG_ERR, NULL, &(struct log_ctx){ .err = -r }, "Cannot start the fetcher: %s",
		       strerror(-r));
		goto out;
	}
	if (D.cfg->metrics && *D.cfg->metrics) {
		r = metrics_new(&D, D.cfg->metrics, &M, err, sizeof(err));
		if (r < 0) {
			log_ev(LOG_ERR, NULL, &(struct log_ctx){ .err = -r }, "%s", err);
			goto out;
		}
		log_ev(LOG_INFO, NULL, NULL, "Metrics on http://%s/metrics", D.cfg->metrics);
	}
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || loop_add(D.loop, sfd, EPOLLIN, on_signal, NULL) < 0) {
		log_ev(LOG_ERR, NULL, &(struct log_ctx){ .err = errno }, "Cannot watch signals: %m");
		goto out;
	}
	if ((r = pages_new(&D, &D.pages)) < 0 || (r = pages_resume(D.pages)) < 0) {
		log_ev(LOG_ERR, MSGID_STATE_ERROR, &(struct log_ctx){ .err = -r },
		       "Cannot resume the article page queue: %s",
		       store_errmsg(D.store) ? store_errmsg(D.store) : strerror(-r));
		goto out;
	}
	if ((r = sched_new(&D, &D.sched)) < 0 || (r = sched_apply(D.sched)) < 0 ||
	    (r = loop_timer_new(D.loop, heartbeat, NULL, &t_heartbeat)) < 0 ||
	    (r = loop_timer_new(D.loop, watchdog, NULL, &t_watchdog)) < 0 ||
	    (r = loop_timer_new(D.loop, prune, NULL, &t_prune)) < 0) {
		log_ev(LOG_ERR, NULL, &(struct log_ctx){ .err = -r }, "Cannot start: %s", strerror(-r));
		goto out;
	}
	loop_timer_arm(t_heartbeat, D.cfg->heartbeat_ms);
	loop_timer_arm(t_prune, 1000);
	if (notify_watchdog_interval_ms() > 0)
		loop_timer_arm(t_watchdog, 0);

	log_ev(LOG_INFO, MSGID_STARTED, NULL,
	       "claimd %s started: %zu sources, state in %s, epoch %s, gseq %llu", CLAIMD_VERSION,
	       D.cfg->n_sources, D.cfg->state_dir, store_epoch(D.store),
	       (unsigned long long)store_gseq_high(D.store));
	notify_ready();
	update_status();

	r = loop_run(D.loop);
	if (r < 0) {
		log_ev(LOG_CRIT, NULL, &(struct log_ctx){ .err = -r }, "Event loop failed: %s",
		       strerror(-r));
		goto out;
	}
	exit_code = 0;
	log_ev(LOG_INFO, MSGID_STOPPED, NULL, "claimd stopped: %llu articles, %llu claims published",
	       (unsigned long long)D.n.articles, (unsigned long long)D.n.claims);
out:
	if (exit_code != 0)
		notify_stopping();
	loop_timer_free(t_stop);
	loop_timer_free(t_prune);
	loop_timer_free(t_watchdog);
	loop_timer_free(t_heartbeat);
	metrics_free(M);
	sched_free(D.sched);
	pages_free(D.pages);
	fetch_free(D.fetch);
	if (N)
		pub_set_sent_hook(D.pub, NULL, NULL);
	N = nats_free(N);
	pub_free(D.pub);
	if (zctx)
		zmq_ctx_term(zctx);
	clusterer_free(D.cluster);
	claims_free(D.claims);
	store_close(D.store);
	if (sfd >= 0)
		close(sfd);
	loop_free(D.loop);
	cfg_free(D.cfg);
	curl_global_cleanup();
	xmlCleanupParser();
	return exit_code;
}
