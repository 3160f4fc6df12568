"""test_schema.py — the JSON Schemas of include/claimd/schema/ mean something, checked both
ways with an independent validator (python3-jsonschema, Draft 2020-12, with a FormatChecker):

- every body the real daemon publishes validates: articles and claims of the bundled sample
  and of every feed fixture, heartbeats, and source events added, failing, recovered,
  disabled and removed;
- a set of wrong bodies (each a real body with one thing broken: a date that is prose, a
  URL that is not one, an unknown speaker type, a claim without article_id, a failing
  source with no error, ...) is rejected, and formats are enforced on their own (with the
  patterns taken out of the schemas, the FormatChecker still rejects them);
- replay `since 0` on a pruned journal returns everything retained, and an older cursor
  gets ["ERR", "expired", oldest].

jsonschema checks `date-time` only with rfc3339-validator, which Debian 12 does not ship:
the checker here adds one from the standard library (RFC 3339: full date, time, offset).

Run: /usr/bin/python3 -m pytest -q tests/integration/test_schema.py (after make all).
"""
import copy
import datetime
import json
import re
import shutil
import signal
import time

import jsonschema
import pytest

from conftest import ROOT, SCHEMAS, replay, wait_for
from test_lose_nothing import write_feed

FEEDS = ROOT / "tests" / "fixtures" / "feeds"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def checker():
    fc = jsonschema.FormatChecker()

    @fc.checks("date-time", raises=ValueError)
    def date_time(v):
        if not isinstance(v, str):
            return True
        if not RFC3339.match(v):
            return False
        datetime.datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
        return True

    assert fc.conforms("not a url", "uri") is False, "rfc3987 missing: uri is not checked"
    return fc


FC = checker()


def schemas(strip_patterns=False):
    out = {}
    for p in sorted(SCHEMAS.glob("*.json")):
        s = json.loads(p.read_text())
        if strip_patterns:
            s = strip(s)
        out[s["title"]] = s
    assert set(out) == {"claimd.article/1", "claimd.claim/1", "claimd.cluster/1",
                        "claimd.heartbeat/1", "claimd.nats/1", "claimd.source/1",
                        "claimd.status/1"}
    return out


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k != "pattern"}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def errors(body, sch=None, kind=None):
    """The validator's errors for body, against the schema of kind (default: its own)."""
    sch = sch or schemas()
    s = sch[kind or body["schema"]]
    jsonschema.Draft202012Validator.check_schema(s)
    return list(jsonschema.Draft202012Validator(s, format_checker=FC).iter_errors(body))


@pytest.fixture(scope="module")
def bodies(tmp_path_factory):
    """Real bodies from the real daemon: the sample, every feed fixture, source events."""
    import conftest
    tmp = tmp_path_factory.mktemp("schema")
    www = tmp / "www"
    www.mkdir()
    srv = conftest.HTTPServer(www, tmp)
    made = []
    try:
        shutil.copy(ROOT / "conf" / "seed-feed.xml", www / "seed.xml")
        sources = {"seed": srv.url("seed.xml"), "later": srv.url("later.xml"),
                   "gone": srv.url("seed.xml")}
        for f in sorted(FEEDS.iterdir()):
            if f.suffix == ".xml" or f.name.endswith(".feed.json"):
                shutil.copy(f, www / f.name)
                name = re.sub(r"[^a-z0-9_.-]", "-", f.name.split(".")[0].lower())
                sources[name] = srv.url(f.name)
        d = conftest.Daemon(tmp, sources)
        made.append(d)
        d.start()
        wait_for(lambda: any(t == "sys/source/later" and b["event"] == "failing"
                             for t, b, _ in replay(d.replay, "sys/source/", 0)[0]),
                 what="source later failing")
        write_feed(www / "later.xml", 1, 2)
        wait_for(lambda: any(t == "sys/source/later" and b["event"] == "recovered"
                             for t, b, _ in replay(d.replay, "sys/source/", 0)[0]),
                 timeout=15, what="source later recovered")
        del sources["gone"]
        d.write_config(sources)
        d.signal(signal.SIGHUP)
        wait_for(lambda: any(t == "sys/source/gone" and b["event"] == "removed"
                             for t, b, _ in replay(d.replay, "sys/source/", 0)[0]),
                 what="source gone removed")
        got = [b for _, b, _ in replay(d.replay, "", 0)[0]]
        sub = conftest.Subscriber(d.publish, ("sys/heartbeat",))
        got += [b for _, b, _ in sub.collect(lambda m: len(m) >= 2, what="heartbeats")]
        sub.close()
        # disabled: a second daemon whose source fails for longer than disable_after
        (tmp / "d2").mkdir()
        d2 = conftest.Daemon(tmp / "d2", {"dead": srv.url("nothing-here.xml")},
                             extra="disable_after = 1s", name="d2")
        made.append(d2)
        d2.start()
        wait_for(lambda: any(b["event"] == "disabled"
                             for _, b, _ in replay(d2.replay, "sys/source/", 0)[0]),
                 timeout=20, what="source dead disabled")
        got += [b for _, b, _ in replay(d2.replay, "sys/source/", 0)[0]]
        return got
    finally:
        for d in made:
            d.close()
        srv.stop()


def test_real_bodies_validate(bodies):
    kinds = {}
    for b in bodies:
        errs = errors(b)
        assert not errs, (b.get("schema"), b.get("id"), [e.message for e in errs][:5])
        kinds.setdefault(b["schema"], []).append(b)
    assert len(kinds["claimd.article/1"]) >= 20
    assert len(kinds["claimd.claim/1"]) >= 20
    assert len(kinds["claimd.heartbeat/1"]) >= 2
    events = {b["event"] for b in kinds["claimd.source/1"]}
    assert events == {"added", "failing", "recovered", "removed", "disabled"}, events
    claims = kinds["claimd.claim/1"]
    # the fields the mutations below break are really there in real bodies
    assert any(c["speaker"] for c in claims) and any(c["speaker"] is None for c in claims)
    assert any(c["entities"] for c in claims) and any(c["time"] for c in claims)
    assert any(c["quantities"] for c in claims)


def pick(bodies, schema, pred=lambda b: True):
    return copy.deepcopy(next(b for b in bodies if b["schema"] == schema and pred(b)))


def art(bodies):
    return pick(bodies, "claimd.article/1", lambda b: b["url"] and b["published"]
                and b["authors"] and b["categories"])


def clm(bodies):
    return pick(bodies, "claimd.claim/1", lambda b: b["speaker"] and b["entities"] and b["time"]
                and b["quantities"])


def setp(body, path, value):
    b = copy.deepcopy(body)
    node = b
    for k in path[:-1]:
        node = node[k]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return b


DELETE = object()
WRONG_ARTICLE = [
    (("published",), "2023-11-02 is when it happened"),
    (("published",), "2023-11-02"),
    (("published",), "2023-13-45T99:00:00Z"),
    (("updated",), 1699000000),
    (("fetched_at",), None),
    (("emitted_at",), "yesterday"),
    (("url",), "not a url"),
    (("url",), "http://exa mple.org/a"),
    (("id",), ""),
    (("id",), "ARTICLE-1"),
    (("epoch",), "xyz"),
    (("gseq",), 0),
    (("gseq",), "5"),
    (("source",), "Big Source"),
    (("title",), 5),
    (("lang",), "en us"),
    (("authors", 0, "email"), DELETE),
    (("categories", 0, "term"), ""),
    (("enclosures",), [{"url": "not a url", "type": None, "length": -1}]),
    (("content_hash",), "abc"),
    (("content_hash",), DELETE),
    (("text",), DELETE),
    (("schema",), "claimd.article/2"),
    (("surprise",), True),
]
WRONG_CLAIM = [
    (("speaker", "type"), "banana"),
    (("speaker",), {}),
    (("speaker", "name"), None),
    (("article_id",), DELETE),
    (("article_id",), None),
    (("stance",), "maybe"),
    (("score",), 1.5),
    (("score",), None),
    (("time", 0, "value"), "next tuesday"),
    (("entities", 0, "code"), "kor"),
    (("entities", 0, "type"), "planet"),
    (("quantities", 0, "value"), "ten"),
    (("sentence",), ""),
    (("hedges",), [1]),
    (("published",), "2023-11-02 is when it happened"),
    (("url",), "not a url"),
    (("source",), None),
    (("cue",), ""),
]


@pytest.mark.parametrize("path,value", WRONG_ARTICLE, ids=[str(p) for p, _ in WRONG_ARTICLE])
def test_wrong_article_rejected(bodies, path, value):
    good = art(bodies)
    assert not errors(good)
    assert errors(setp(good, path, value), kind="claimd.article/1"), (path, value)


@pytest.mark.parametrize("path,value", WRONG_CLAIM, ids=[str(p) for p, _ in WRONG_CLAIM])
def test_wrong_claim_rejected(bodies, path, value):
    good = clm(bodies)
    assert not errors(good)
    assert errors(setp(good, path, value)), (path, value)


def test_wrong_heartbeat_and_source_rejected(bodies):
    hb = pick(bodies, "claimd.heartbeat/1")
    for path, value in [(("sources",), DELETE), (("sources", "ok"), -1), (("id",), "beat"),
                        (("claims",), None), (("replay",), "5557"), (("extra",), 1),
                        (("sources", "unknown"), 3)]:
        assert errors(setp(hb, path, value)), (path, value)
    failing = pick(bodies, "claimd.source/1", lambda b: b["event"] == "failing")
    recovered = pick(bodies, "claimd.source/1", lambda b: b["event"] == "recovered")
    assert not errors(failing) and not errors(recovered)
    for body, path, value in [(failing, ("error",), None), (failing, ("error",), DELETE),
                              (failing, ("error",), ""), (failing, ("state",), "ok"),
                              (failing, ("errors",), 0), (failing, ("event",), "exploded"),
                              (recovered, ("state",), "failing"),
                              (recovered, ("error",), "still broken"),
                              (recovered, ("state",), "fine"), (recovered, ("url",), "not a url"),
                              (recovered, ("errors",), DELETE), (recovered, ("id",), "x")]:
        assert errors(setp(body, path, value)), (body["event"], path, value)


def test_formats_enforced_without_patterns(bodies):
    """The FormatChecker alone rejects a prose date and a non-URL."""
    loose = schemas(strip_patterns=True)
    good = art(bodies)
    assert not errors(good, loose)
    for path, value in [(("published",), "2023-11-02 is when it happened"),
                        (("emitted_at",), "soon"), (("url",), "not a url")]:
        assert errors(setp(good, path, value), loose), (path, value)
    c = clm(bodies)
    assert errors(setp(c, ("url",), "not a url"), loose)
    assert errors(setp(c, ("published",), "Thursday"), loose)


def test_replay_since_zero_on_pruned_journal(httpd, daemons):
    write_feed(httpd.root / "big.xml", 1, 120, pad=1500)
    d = daemons({"big": httpd.url("big.xml")}, extra="journal_max_bytes = 64k")
    d.start()
    wait_for(lambda: len(replay(d.replay, "article/", 0)[0]) >= 40, what="articles")
    d.stop()
    d.start()   # prunes one second after start

    # the rest of the 120 articles are published after the restart (16 a pass; slower
    # under ASan): wait until the high gseq stands still, so the replays below compare
    # the same journal
    def quiet():
        a = replay(d.replay, "", 0)[1]
        time.sleep(1.5)
        b = replay(d.replay, "", 0)[1]
        return a == b
    wait_for(quiet, timeout=60, what="publishing to finish")

    def expired():
        _, end = replay(d.replay, "", 1)
        return end if end[0] == "ERR" else None
    end = wait_for(expired, timeout=15, what="the journal pruned")
    assert end[1] == "expired" and int(end[2]) > 2, end
    oldest = int(end[2])
    msgs, end0 = replay(d.replay, "", 0)
    assert end0[0] == "END", end0
    gseqs = [b["gseq"] for _, b, _ in msgs]
    assert gseqs and gseqs[0] == oldest and gseqs == sorted(gseqs)
    # the cursor the ERR names works, and an older one is refused again
    msgs2, end2 = replay(d.replay, "", oldest - 1)
    assert end2[0] == "END" and [b["gseq"] for _, b, _ in msgs2] == gseqs
    assert replay(d.replay, "", oldest - 2)[1][:2] == ["ERR", "expired"]
    assert d.stop() == 0
