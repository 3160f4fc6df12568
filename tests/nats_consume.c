/* nats_consume.c — the integration tests' JetStream consumer (the nats CLI is not in
 * Debian): reads every message of a stream and prints one JSON line per message
 * {"seq", "subject", "msg_id", "gseq", "shard", "epoch", "body"}, the body as the exact
 * string stored; then one line {"end": true, "stream": ..., "replicas": ..., "leader": ...,
 * "messages": ...}.
 *
 *   nats_consume URLS STREAM          every message, then the summary
 *   nats_consume URLS STREAM --info   the summary only (stream state and cluster leader)
 *   nats_consume URLS STREAM --create SUBJECT   create a stream (a test's conflicting one)
 *
 * Exit 0, or 1 with a reason on stderr (2 when the stream does not exist). */
#include <errno.h>
#include <jansson.h>
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *hdr(natsMsg *m, const char *k)
{
	const char *v = NULL;
	if (natsMsgHeader_Get(m, k, &v) != NATS_OK)
		return NULL;
	return v;
}

static void put_opt(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v ? json_string(v) : json_null());
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: nats_consume URLS STREAM [--info | --create SUBJECT]\n");
		return 1;
	}
	bool info_only = argc > 3 && !strcmp(argv[3], "--info");
	const char *create = argc > 4 && !strcmp(argv[3], "--create") ? argv[4] : NULL;
	natsOptions *o = NULL;
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	natsStatus s = natsOptions_Create(&o);
	char *urls[16];
	int nurls = 0;
	char *save = NULL;
	for (char *t = strtok_r(argv[1], ",", &save); t && nurls < 16; t = strtok_r(NULL, ",", &save))
		urls[nurls++] = t;
	if (s == NATS_OK)
		s = natsOptions_SetServers(o, (const char **)urls, nurls);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, 2000);
	if (s == NATS_OK)
		s = natsConnection_Connect(&nc, o);
	if (s == NATS_OK)
		s = natsConnection_JetStream(&js, nc, NULL);
	if (s != NATS_OK) {
		fprintf(stderr, "nats_consume: connect: %s\n", natsStatus_GetText(s));
		return 1;
	}
	jsOptions jo;
	jsOptions_Init(&jo);
	jo.Wait = 5000;
	jsErrCode code = 0;
	int rc = 0;
	if (create) {
		jsStreamConfig sc;
		jsStreamConfig_Init(&sc);
		const char *subj[1] = { create };
		sc.Name = argv[2];
		sc.Subjects = subj;
		sc.SubjectsLen = 1;
		sc.Storage = js_FileStorage;
		jsStreamInfo *si = NULL;
		s = js_AddStream(&si, js, &sc, &jo, &code);
		jsStreamInfo_Destroy(si);
		rc = s == NATS_OK ? 0 : 1;
		if (rc)
			fprintf(stderr, "nats_consume: create: %s (%d)\n", natsStatus_GetText(s), code);
		goto out;
	}
	jsStreamInfo *si = NULL;
	s = js_GetStreamInfo(&si, js, argv[2], &jo, &code);
	if (s != NATS_OK) {
		fprintf(stderr, "nats_consume: stream %s: %s (%d)\n", argv[2], natsStatus_GetText(s),
			code);
		rc = s == NATS_NOT_FOUND ? 2 : 1;
		goto out;
	}
	uint64_t first = si->State.FirstSeq, last = si->State.LastSeq, got = 0;
	if (!info_only) {
		for (uint64_t seq = first; seq && seq <= last; seq++) {
			natsMsg *m = NULL;
			s = js_GetMsg(&m, js, argv[2], seq, &jo, &code);
			if (s == NATS_NOT_FOUND)
				continue;
			if (s != NATS_OK) {
				fprintf(stderr, "nats_consume: message %llu: %s (%d)\n",
					(unsigned long long)seq, natsStatus_GetText(s), code);
				rc = 1;
				break;
			}
			json_t *line = json_object();
			json_object_set_new(line, "seq", json_integer((json_int_t)seq));
			json_object_set_new(line, "subject", json_string(natsMsg_GetSubject(m)));
			put_opt(line, "msg_id", hdr(m, "Nats-Msg-Id"));
			const char *g = hdr(m, "Claimd-Gseq");
			json_object_set_new(line, "gseq",
					    g ? json_integer((json_int_t)strtoull(g, NULL, 10)) : json_null());
			put_opt(line, "shard", hdr(m, "Claimd-Shard"));
			put_opt(line, "epoch", hdr(m, "Claimd-Epoch"));
			json_object_set_new(line, "body",
					    json_stringn(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m)));
			char *txt = json_dumps(line, JSON_COMPACT);
			if (txt)
				puts(txt);
			free(txt);
			json_decref(line);
			natsMsg_Destroy(m);
			got++;
		}
	}
	json_t *end = json_pack("{s:b, s:s, s:I, s:I, s:I, s:I}", "end", 1, "stream", argv[2],
				"replicas", (json_int_t)(si->Config ? si->Config->Replicas : 0),
				"messages", (json_int_t)si->State.Msgs, "got", (json_int_t)got,
				"duplicate_window_ns",
				(json_int_t)(si->Config ? si->Config->Duplicates : 0));
	json_object_set_new(end, "leader",
			    si->Cluster && si->Cluster->Leader ? json_string(si->Cluster->Leader)
							       : json_null());
	json_t *subs = json_array();
	for (int i = 0; si->Config && i < si->Config->SubjectsLen; i++)
		json_array_append_new(subs, json_string(si->Config->Subjects[i]));
	json_object_set_new(end, "subjects", subs);
	json_object_set_new(end, "max_age_ns", json_integer(si->Config ? si->Config->MaxAge : 0));
	json_object_set_new(end, "max_bytes", json_integer(si->Config ? si->Config->MaxBytes : 0));
	char *txt = json_dumps(end, JSON_COMPACT);
	puts(txt);
	free(txt);
	json_decref(end);
	jsStreamInfo_Destroy(si);
out:
	fflush(stdout);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	natsOptions_Destroy(o);
	nats_Close();
	return rc;
}
