/* store.c — the state database: SQLite in WAL mode at state_dir/claimd.db.
 *
 * Takes: a state directory (created with mkdir -p semantics).
 * Gives: per-source fetch state, the seen-set, and the message journal with its two
 *        counters (gseq, and a seq per exact topic), both allocated inside the transaction
 *        that stores the message, so neither ever repeats, also after kill -9; retention by
 *        age and bytes that keeps the gseq high-water even when everything is pruned.
 * Must not: log, or hide an SQLite failure: every error comes back as -errno
 *        (SQLITE_FULL -> -ENOSPC, READONLY -> -EROFS, BUSY -> -EBUSY, ...) with the reason
 *        in store_errmsg(). A failed write leaves the database as it was; the caller may
 *        retry once the directory is writable again. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "claimd/store.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_BUSY_TIMEOUT_MS 2000

enum {
	ST_GET_HIGH,
	ST_GET_SEQ,
	ST_PUT_SEQ,
	ST_INSERT,
	ST_SET_HIGH,
	ST_SEEN_GET,
	ST_SEEN_PUT,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_MAX
};

static const char *const stmt_sql[ST_MAX] = {
	[ST_GET_HIGH] = "SELECT value FROM meta WHERE key = 'gseq_high'",
	[ST_GET_SEQ] = "SELECT seq FROM topic_seq WHERE topic = ?1",
	[ST_PUT_SEQ] = "INSERT INTO topic_seq(topic, seq) VALUES (?1, ?2) "
		       "ON CONFLICT(topic) DO UPDATE SET seq = excluded.seq",
	[ST_INSERT] = "INSERT INTO journal(gseq, topic, seq, body, at_ms, bytes) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_SET_HIGH] = "UPDATE meta SET value = ?1 WHERE key = 'gseq_high'",
	[ST_SEEN_GET] = "SELECT hash FROM seen WHERE id = ?1",
	[ST_SAVEPOINT] = "SAVEPOINT journal_append",
	[ST_RELEASE] = "RELEASE journal_append",
	[ST_SEEN_PUT] = "INSERT INTO seen(id, hash, at_ms) VALUES (?1, ?2, ?3) "
			"ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, at_ms = excluded.at_ms",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX];
	char *path;
	char epoch[33];
	uint64_t high;     /* last gseq handed out (uncommitted ones included) */
	uint64_t floor;    /* 1 + highest gseq pruned */
	int64_t bytes;     /* journal bytes */
	bool in_tx;
	store_tx_fn tx_fn;
	void *tx_ud;
	char err[512];
};

static int map_rc(struct store *s, int rc)
{
	int sys = s && s->db ? sqlite3_system_errno(s->db) : 0;
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		if (sys == ENOSPC || sys == EDQUOT || sys == EFBIG)
			return -ENOSPC;
		if (sys == EROFS || sys == EACCES || sys == EPERM)
			return -sys;
		return -EIO;
	default:
		return -EIO;
	}
}

/* Records "what: sqlite's message" and returns the -errno for rc. */
static int fail(struct store *s, int rc, const char *what)
{
	int r = map_rc(s, rc);
	if (r == 0)
		r = -EIO;
	int sys = s->db ? sqlite3_system_errno(s->db) : 0;
	snprintf(s->err, sizeof(s->err), "%s: %s%s%s (%s)", what,
		 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), sys ? ": " : "",
		 sys ? strerror(sys) : "", s->path ? s->path : "state");
	return r;
}

const char *store_errmsg(const struct store *s)
{
	return s && s->err[0] ? s->err : NULL;
}

static int exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	sqlite3_free(msg);
	return rc == SQLITE_OK ? 0 : fail(s, rc, sql);
}

static sqlite3_stmt *stmt(struct store *s, int which)
{
	if (!s->st[which]) {
		int rc = sqlite3_prepare_v3(s->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
					    &s->st[which], NULL);
		if (rc != SQLITE_OK) {
			fail(s, rc, "prepare");
			return NULL;
		}
	}
	sqlite3_reset(s->st[which]);
	sqlite3_clear_bindings(s->st[which]);
	return s->st[which];
}

/* One-off statement returning a single integer (or def when no row / NULL). */
static int query_int(struct store *s, const char *sql, int64_t def, int64_t *ret)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, sql);
	rc = sqlite3_step(q);
	int64_t v = def;
	if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(q, 0);
	int r = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : fail(s, rc, sql);
	sqlite3_finalize(q);
	if (r == 0)
		*ret = v;
	return r;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0750) < 0 && errno != EEXIST)
		return -errno;
	struct stat st;
	if (stat(buf, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int make_epoch(char out[33])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t k = getrandom(b + got, sizeof(b) - got, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)k;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS sources (name TEXT PRIMARY KEY, url TEXT, etag TEXT,"
	" last_modified TEXT, next_poll_ms INTEGER NOT NULL DEFAULT 0,"
	" errors INTEGER NOT NULL DEFAULT 0, failing_since_ms INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT);"
	"CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, hash TEXT,"
	" at_ms INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS journal (gseq INTEGER PRIMARY KEY, topic TEXT NOT NULL,"
	" seq INTEGER NOT NULL, body TEXT NOT NULL, at_ms INTEGER NOT NULL,"
	" bytes INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS topic_seq (topic TEXT PRIMARY KEY,"
	" seq INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS pages (id TEXT NOT NULL, hash TEXT NOT NULL,"
	" source TEXT NOT NULL, url TEXT, article TEXT, state TEXT NOT NULL, reason TEXT,"
	" queued_ms INTEGER NOT NULL, done_ms INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (id, hash)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS pages_waiting ON pages(queued_ms) WHERE state = 'queued';"
	"CREATE INDEX IF NOT EXISTS pages_done ON pages(done_ms) WHERE state = 'done';"
	"INSERT OR IGNORE INTO meta(key, value) VALUES ('gseq_high', 0), ('floor', 1);";

/* Re-reads the cached counters from the database (after open and rollback). */
static int reload(struct store *s)
{
	int64_t high = 0, floor = 1, bytes = 0;
	int r = query_int(s, "SELECT value FROM meta WHERE key = 'gseq_high'", 0, &high);
	if (r == 0)
		r = query_int(s, "SELECT value FROM meta WHERE key = 'floor'", 1, &floor);
	if (r == 0)
		r = query_int(s, "SELECT TOTAL(bytes) FROM journal", 0, &bytes);
	if (r < 0)
		return r;
	s->high = (uint64_t)high;
	s->floor = floor < 1 ? 1 : (uint64_t)floor;
	s->bytes = bytes;
	return 0;
}

static int init_schema(struct store *s)
{
	int r = exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	int64_t version = 0;
	r = query_int(s, "PRAGMA user_version", 0, &version);
	if (r < 0)
		goto rollback;
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(s->err, sizeof(s->err),
			 "%s: schema version %" PRId64 " is newer than this claimd knows (%d)",
			 s->path, version, STORE_SCHEMA_VERSION);
		r = -EPROTO;
		goto rollback;
	}
	if ((r = exec(s, schema_sql)) < 0)
		goto rollback;
	if (version < STORE_SCHEMA_VERSION) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		if ((r = exec(s, sql)) < 0)
			goto rollback;
	}
	/* The epoch: made once, when the state is created. */
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'epoch'", -1, &q,
				    NULL);
	if (rc != SQLITE_OK) {
		r = fail(s, rc, "read epoch");
		goto rollback;
	}
	rc = sqlite3_step(q);
	const unsigned char *e = rc == SQLITE_ROW ? sqlite3_column_text(q, 0) : NULL;
	if (e && strlen((const char *)e) == 32)
		memcpy(s->epoch, e, 33);
	sqlite3_finalize(q);
	if (!s->epoch[0]) {
		if ((r = make_epoch(s->epoch)) < 0) {
			snprintf(s->err, sizeof(s->err), "getrandom: %s", strerror(-r));
			goto rollback;
		}
		char sql[128];
		snprintf(sql, sizeof(sql),
			 "INSERT OR REPLACE INTO meta(key, value) VALUES ('epoch', '%s')", s->epoch);
		if ((r = exec(s, sql)) < 0)
			goto rollback;
	}
	if ((r = exec(s, "COMMIT")) < 0)
		goto rollback;
	return reload(s);
rollback:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

int store_open(const char *state_dir, struct store **ret)
{
	if (!state_dir || !*state_dir)
		return -EINVAL;
	int r = mkdir_p(state_dir);
	if (r < 0)
		return r;
	struct store *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (asprintf(&s->path, "%s/claimd.db", state_dir) < 0) {
		free(s);
		return -ENOMEM;
	}
	int rc = sqlite3_open_v2(s->path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		r = fail(s, rc, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	/* WAL: readers (replay) never block the writer; synchronous=NORMAL is durable against
	 * a crash of the process (kill -9), and a power loss can lose only the last commits,
	 * never corrupt. */
	sqlite3_stmt *q = NULL;
	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &q, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(q, 0) : NULL;
	bool wal = mode && !strcmp((const char *)mode, "wal");
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW) {
		r = fail(s, rc, "set WAL mode");
		goto fail;
	}
	if (!wal) {
		snprintf(s->err, sizeof(s->err), "%s: cannot switch to WAL mode", s->path);
		r = -EIO;
		goto fail;
	}
	if ((r = exec(s, "PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864;"
			 "PRAGMA foreign_keys = OFF;")) < 0)
		goto fail;
	if ((r = init_schema(s)) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	store_close(s);
	return r;
}

struct store *store_close(struct store *s)
{
	if (!s)
		return NULL;
	if (s->db && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db)
		sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
	return NULL;
}

const char *store_epoch(const struct store *s)
{
	return s->epoch;
}

/* ---- sources ---- */

static char *col_dup(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? strdup((const char *)t) : NULL;
}

void store_source_clear(struct store_source *src)
{
	if (!src)
		return;
	free(src->url);
	free(src->etag);
	free(src->last_modified);
	free(src->last_error);
	memset(src, 0, sizeof(*src));
}

int store_source_get(struct store *s, const char *name, struct store_source *ret)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT url, etag, last_modified, next_poll_ms, errors,"
				    " failing_since_ms, last_error FROM sources WHERE name = ?1",
				    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "read source");
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	int r = 0;
	if (rc == SQLITE_ROW) {
		struct store_source o = {
			.url = col_dup(q, 0),
			.etag = col_dup(q, 1),
			.last_modified = col_dup(q, 2),
			.next_poll_ms = sqlite3_column_int64(q, 3),
			.errors = sqlite3_column_int(q, 4),
			.failing_since_ms = sqlite3_column_int64(q, 5),
			.last_error = col_dup(q, 6),
		};
		*ret = o;
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = fail(s, rc, "read source");
	}
	sqlite3_finalize(q);
	return r;
}

int store_source_put(struct store *s, const char *name, const struct store_source *src)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(
		s->db,
		"INSERT OR REPLACE INTO sources(name, url, etag, last_modified, next_poll_ms,"
		" errors, failing_since_ms, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		-1, &q, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "write source");
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, src->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, src->etag, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, src->last_modified, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, src->next_poll_ms);
	sqlite3_bind_int(q, 6, src->errors);
	sqlite3_bind_int64(q, 7, src->failing_since_ms);
	sqlite3_bind_text(q, 8, src->last_error, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	int r = rc == SQLITE_DONE ? 0 : fail(s, rc, "write source");
	sqlite3_finalize(q);
	return r;
}

/* ---- transactions ---- */

bool store_in_tx(const struct store *s)
{
	return s->in_tx;
}

void store_set_tx_hook(struct store *s, store_tx_fn fn, void *ud)
{
	s->tx_fn = fn;
	s->tx_ud = ud;
}

int store_begin(struct store *s)
{
	if (s->in_tx)
		return -EBUSY;
	int r = exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	s->in_tx = true;
	return 0;
}

int store_commit(struct store *s)
{
	if (!s->in_tx)
		return -EINVAL;
	int r = exec(s, "COMMIT");
	if (r < 0)
		return r; /* still in the transaction: the caller rolls back */
	s->in_tx = false;
	if (s->tx_fn)
		s->tx_fn(s->tx_ud, true);
	return 0;
}

int store_rollback(struct store *s)
{
	if (!s->in_tx)
		return 0;
	int r = 0;
	if (!sqlite3_get_autocommit(s->db))
		r = exec(s, "ROLLBACK");
	s->in_tx = false;
	int r2 = reload(s);
	if (s->tx_fn)
		s->tx_fn(s->tx_ud, false);
	return r < 0 ? r : r2;
}

/* ---- seen-set ---- */

int store_seen(struct store *s, const char *article_id, const char *content_hash)
{
	sqlite3_stmt *q = stmt(s, ST_SEEN_GET);
	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, article_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	int r;
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(q, 0);
		bool same = (!h && !content_hash) || (h && content_hash && !strcmp(h, content_hash));
		r = same ? 1 : 2;
	} else if (rc == SQLITE_DONE) {
		r = 0;
	} else {
		r = fail(s, rc, "read seen-set");
	}
	sqlite3_reset(q);
	return r;
}

int store_mark_seen(struct store *s, const char *article_id, const char *content_hash,
		    int64_t now_ms)
{
	if (!article_id)
		return -EINVAL;
	sqlite3_stmt *q = stmt(s, ST_SEEN_PUT);
	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, article_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, content_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now_ms);
	int rc = sqlite3_step(q);
	int r = rc == SQLITE_DONE ? 0 : fail(s, rc, "write seen-set");
	sqlite3_reset(q);
	return r;
}

/* ---- journal ---- */

static int step_done(struct store *s, sqlite3_stmt *q, const char *what)
{
	int rc = sqlite3_step(q);
	int r = rc == SQLITE_DONE ? 0 : fail(s, rc, what);
	sqlite3_reset(q);
	return r;
}

static int topic_seq_get(struct store *s, const char *topic, uint64_t *ret)
{
	sqlite3_stmt *q = stmt(s, ST_GET_SEQ);
	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, topic, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	int r = 0;
	if (rc == SQLITE_ROW)
		*ret = (uint64_t)sqlite3_column_int64(q, 0);
	else if (rc == SQLITE_DONE)
		*ret = 0;
	else
		r = fail(s, rc, "read topic seq");
	sqlite3_reset(q);
	return r;
}

static int topic_seq_put(struct store *s, const char *topic, uint64_t seq)
{
	sqlite3_stmt *q = stmt(s, ST_PUT_SEQ);
	if (!q)
		return -EIO;
	sqlite3_bind_text(q, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)seq);
	return step_done(s, q, "write topic seq");
}

int store_journal_append(struct store *s, const char *topic, int64_t now_ms,
			 store_body_fn body_fn, void *ud, uint64_t *ret_gseq, uint64_t *ret_seq,
			 char **ret_body)
{
	if (!topic || !*topic || !body_fn)
		return -EINVAL;
	bool outer = !s->in_tx;
	/* Inside the caller's transaction a savepoint, prepared once: appends are hot. */
	int r = outer ? exec(s, "BEGIN IMMEDIATE") : step_done(s, stmt(s, ST_SAVEPOINT), "savepoint");
	if (r < 0)
		return r;
	char *body = NULL;
	int64_t high = 0;
	uint64_t seq = 0;
	sqlite3_stmt *q = stmt(s, ST_GET_HIGH);
	if (!q) {
		r = -EIO;
		goto undo;
	}
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		high = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW) {
		r = fail(s, rc, "read gseq");
		goto undo;
	}
	if ((r = topic_seq_get(s, topic, &seq)) < 0)
		goto undo;
	uint64_t gseq = (uint64_t)high + 1;
	seq++;
	body = body_fn(ud, gseq, seq);
	if (!body) {
		r = -ENOMEM;
		snprintf(s->err, sizeof(s->err), "cannot serialise the message body");
		goto undo;
	}
	int64_t bytes = (int64_t)(strlen(body) + strlen(topic) + 8);
	if (!(q = stmt(s, ST_INSERT))) {
		r = -EIO;
		goto undo;
	}
	sqlite3_bind_int64(q, 1, (int64_t)gseq);
	sqlite3_bind_text(q, 2, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, (int64_t)seq);
	sqlite3_bind_text(q, 4, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, now_ms);
	sqlite3_bind_int64(q, 6, bytes);
	if ((r = step_done(s, q, "append to journal")) < 0)
		goto undo;
	if (!(q = stmt(s, ST_SET_HIGH))) {
		r = -EIO;
		goto undo;
	}
	sqlite3_bind_int64(q, 1, (int64_t)gseq);
	if ((r = step_done(s, q, "write gseq")) < 0)
		goto undo;
	if ((r = topic_seq_put(s, topic, seq)) < 0)
		goto undo;
	if ((r = outer ? exec(s, "COMMIT") : step_done(s, stmt(s, ST_RELEASE), "release")) < 0)
		goto undo;
	s->high = gseq;
	s->bytes += bytes;
	if (ret_gseq)
		*ret_gseq = gseq;
	if (ret_seq)
		*ret_seq = seq;
	if (ret_body)
		*ret_body = body;
	else
		free(body);
	return 0;
undo:
	free(body);
	if (!sqlite3_get_autocommit(s->db)) {
		if (outer)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		else
			sqlite3_exec(s->db, "ROLLBACK TO journal_append; RELEASE journal_append",
				     NULL, NULL, NULL);
	}
	return r;
}

int store_topic_next(struct store *s, const char *topic, uint64_t at_least,
		     uint64_t *ret_seq)
{
	if (!topic || !*topic)
		return -EINVAL;
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "INSERT INTO topic_seq(topic, seq) VALUES (?1, MAX(1, ?2)) "
				    "ON CONFLICT(topic) DO UPDATE SET seq = MAX(seq + 1, ?2) "
				    "RETURNING seq",
				    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "next topic seq");
	sqlite3_bind_text(q, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, at_least > INT64_MAX ? INT64_MAX : (int64_t)at_least);
	rc = sqlite3_step(q);
	int r = 0;
	uint64_t v = 0;
	if (rc == SQLITE_ROW) {
		v = (uint64_t)sqlite3_column_int64(q, 0);
		rc = sqlite3_step(q);
	}
	if (rc != SQLITE_DONE)
		r = fail(s, rc, "next topic seq");
	sqlite3_finalize(q);
	if (r == 0)
		*ret_seq = v;
	return r;
}

int store_journal_scan(struct store *s, const char *prefix, uint64_t since, store_msg_fn fn,
		       void *ud)
{
	if (!prefix)
		prefix = "";
	if (since > INT64_MAX)
		return 0;
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT gseq, topic, seq, body FROM journal WHERE gseq > ?1 AND"
				    " (?2 = 0 OR substr(CAST(topic AS BLOB), 1, ?2) ="
				    " CAST(?3 AS BLOB)) ORDER BY gseq",
				    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "read journal");
	sqlite3_bind_int64(q, 1, (int64_t)since);
	sqlite3_bind_int(q, 2, (int)strlen(prefix));
	sqlite3_bind_text(q, 3, prefix, -1, SQLITE_STATIC);
	int r = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *topic = (const char *)sqlite3_column_text(q, 1);
		const char *body = (const char *)sqlite3_column_text(q, 3);
		if (fn(ud, (uint64_t)sqlite3_column_int64(q, 0), topic ? topic : "",
		       (uint64_t)sqlite3_column_int64(q, 2), body ? body : ""))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = fail(s, rc, "read journal");
	sqlite3_finalize(q);
	return r;
}

uint64_t store_gseq_high(const struct store *s)
{
	return s ? s->high : 0;
}

uint64_t store_gseq_floor(const struct store *s)
{
	return s->floor;
}

uint64_t store_gseq_low(struct store *s)
{
	int64_t v = 0;
	if (query_int(s, "SELECT MIN(gseq) FROM journal", 0, &v) < 0)
		return 0;
	return (uint64_t)v;
}

int64_t store_journal_bytes(struct store *s)
{
	return s ? s->bytes : 0;
}

int store_journal_prune(struct store *s, int64_t now_ms, int64_t max_age_ms, int64_t max_bytes)
{
	if (s->in_tx)
		return -EBUSY;
	if (max_age_ms <= 0 && (max_bytes <= 0 || s->bytes <= max_bytes))
		return 0;
	int r = exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	int64_t cut = 0, c2 = 0, deleted = 0;
	sqlite3_stmt *q = NULL;
	int rc;
	if (max_age_ms > 0) {
		rc = sqlite3_prepare_v2(s->db, "SELECT MAX(gseq) FROM journal WHERE at_ms < ?1", -1,
					&q, NULL);
		if (rc != SQLITE_OK) {
			r = fail(s, rc, "prune");
			goto rollback;
		}
		sqlite3_bind_int64(q, 1, now_ms - max_age_ms);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			cut = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		q = NULL;
		if (rc != SQLITE_ROW) {
			r = fail(s, rc, "prune");
			goto rollback;
		}
	}
	if (max_bytes > 0) {
		rc = sqlite3_prepare_v2(s->db,
					"SELECT gseq FROM (SELECT gseq, SUM(bytes) OVER (ORDER BY gseq"
					" DESC ROWS UNBOUNDED PRECEDING) AS cum FROM journal)"
					" WHERE cum > ?1 ORDER BY gseq DESC LIMIT 1",
					-1, &q, NULL);
		if (rc != SQLITE_OK) {
			r = fail(s, rc, "prune");
			goto rollback;
		}
		sqlite3_bind_int64(q, 1, max_bytes);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			c2 = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		q = NULL;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			r = fail(s, rc, "prune");
			goto rollback;
		}
		if (c2 > cut)
			cut = c2;
	}
	if (cut > 0) {
		rc = sqlite3_prepare_v2(s->db, "DELETE FROM journal WHERE gseq <= ?1", -1, &q,
					NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(q, 1, cut);
			rc = sqlite3_step(q);
		}
		sqlite3_finalize(q);
		if (rc != SQLITE_DONE) {
			r = fail(s, rc, "prune");
			goto rollback;
		}
		deleted = sqlite3_changes(s->db);
		char sql[128];
		snprintf(sql, sizeof(sql),
			 "UPDATE meta SET value = MAX(value, %" PRId64 ") WHERE key = 'floor'",
			 cut + 1);
		if ((r = exec(s, sql)) < 0)
			goto rollback;
	}
	if ((r = exec(s, "COMMIT")) < 0)
		goto rollback;
	if ((r = reload(s)) < 0)
		return r;
	return deleted > INT_MAX ? INT_MAX : (int)deleted;
rollback:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* ---- article pages ---- */

/* One statement, prepared each time: page calls are few (one per article that wants its
 * page), so they stay out of the journal's prepared set. */
static int page_exec(struct store *s, const char *sql, const char *what, const char *a,
		     const char *b, const char *c, const char *d, const char *e, int64_t n)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, what);
	const char *v[5] = { a, b, c, d, e };
	int np = sqlite3_bind_parameter_count(q);
	for (int i = 0; i < 5 && i < np; i++)
		sqlite3_bind_text(q, i + 1, v[i], -1, SQLITE_STATIC);
	if (np >= 6)
		sqlite3_bind_int64(q, 6, n);
	rc = sqlite3_step(q);
	int r = rc == SQLITE_DONE ? 0 : fail(s, rc, what);
	if (r == 0)
		r = sqlite3_changes(s->db);
	sqlite3_finalize(q);
	return r;
}

int store_page_queue(struct store *s, const char *id, const char *hash, const char *source,
		     const char *url, const char *article, int64_t now_ms)
{
	if (!id || !hash || !source || !article)
		return -EINVAL;
	int r = page_exec(s,
			  "INSERT OR REPLACE INTO pages(id, hash, source, url, article, state,"
			  " queued_ms) VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6)",
			  "queue article page", id, hash, source, url, article, now_ms);
	return r < 0 ? r : 0;
}

int store_page_attempt(struct store *s, const char *id, const char *hash)
{
	int r = page_exec(s,
			  "UPDATE pages SET attempts = attempts + 1 WHERE id = ?1 AND hash = ?2"
			  " AND state = 'queued'",
			  "count page attempt", id, hash, NULL, NULL, NULL, 0);
	return r < 0 ? r : 0;
}

#define STORE_PAGE_KEEP_MS (30LL * 24 * 3600 * 1000) /* outcomes kept this long */

int store_page_done(struct store *s, const char *id, const char *hash, const char *reason,
		    int64_t now_ms)
{
	int r = page_exec(s,
			  "UPDATE pages SET state = 'done', article = NULL, reason = ?3,"
			  " done_ms = ?6 WHERE id = ?1 AND hash = ?2",
			  "record page outcome", id, hash, reason, NULL, NULL, now_ms);
	if (r < 0)
		return r;
	/* Now and then, forget outcomes older than a month (the seen-set remembers the
	 * articles; these only tell an operator what happened). */
	static unsigned every;
	if (++every % 256 == 0) {
		r = page_exec(s, "DELETE FROM pages WHERE state = 'done' AND done_ms < ?6",
			      "prune page outcomes", NULL, NULL, NULL, NULL, NULL,
			      now_ms - STORE_PAGE_KEEP_MS);
		if (r < 0)
			return r;
	}
	return 0;
}

int store_page_state(struct store *s, const char *id, const char *hash, char **ret_reason)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db, "SELECT state, reason FROM pages WHERE id = ?1 AND hash = ?2",
				    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "read page state");
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	int r = 0;
	if (rc == SQLITE_ROW) {
		const char *st = (const char *)sqlite3_column_text(q, 0);
		r = st && !strcmp(st, "done") ? 2 : 1;
		if (ret_reason)
			*ret_reason = col_dup(q, 1);
	} else if (rc != SQLITE_DONE) {
		r = fail(s, rc, "read page state");
	}
	sqlite3_finalize(q);
	return r;
}

int store_page_scan(struct store *s, store_page_fn fn, void *ud)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT id, hash, source, url, article, queued_ms, attempts FROM pages"
				    " WHERE state = 'queued' ORDER BY queued_ms",
				    -1, &q, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "read page queue");
	int r = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *c[5];
		for (int i = 0; i < 5; i++)
			c[i] = (const char *)sqlite3_column_text(q, i);
		if (!c[0] || !c[1] || !c[2] || !c[4])
			continue;
		r = fn(ud, c[0], c[1], c[2], c[3], c[4], sqlite3_column_int64(q, 5),
		       sqlite3_column_int(q, 6));
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = fail(s, rc, "read page queue");
	sqlite3_finalize(q);
	return r;
}
