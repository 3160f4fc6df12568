"""JetStream output and sharding, for real: a 3-server JetStream cluster on 127.0.0.1
(Debian's nats-server, with configs and stores of its own in the test's temp dir), claimd
shards over a local HTTP server's feeds, and a consumer (tests/nats_consume.c, libnats)
reading the stream. Every journalled message arrives exactly once, with its body byte for
byte as on ZeroMQ, through kill -9, a stopped stream leader and a cluster down for 30 s."""
import json
import os
import pathlib
import random
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

from conftest import CLAIMCTL, ROOT, Daemon, free_port, replay, validate, wait_for

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
CONSUME = os.environ.get("NATS_CONSUME", str(ROOT / "build" / "tests" / "nats_consume"))

pytestmark = pytest.mark.skipif(not os.path.exists(NATS_SERVER) or not os.path.exists(CONSUME),
                                reason="nats-server or tests/nats_consume not built (make deps)")


class Cluster:
    """Three nats-server processes with JetStream, routed to each other."""

    def __init__(self, tmp, n=3):
        self.tmp = pathlib.Path(tmp) / "nats"
        self.tmp.mkdir(exist_ok=True)
        self.names = ["n%d" % (i + 1) for i in range(n)]
        self.port = {k: free_port() for k in self.names}
        self.cport = {k: free_port() for k in self.names}
        self.mport = {k: free_port() for k in self.names}
        self.procs = {}
        for k in self.names:
            routes = ", ".join("nats-route://127.0.0.1:%d" % self.cport[o]
                               for o in self.names if o != k)
            cluster = ("cluster { name: claimdtest, listen: 127.0.0.1:%d, routes: [%s] }"
                       % (self.cport[k], routes)) if n > 1 else ""
            (self.tmp / (k + ".conf")).write_text(
                "server_name: %s\nlisten: 127.0.0.1:%d\nhttp: 127.0.0.1:%d\n"
                "jetstream { store_dir: \"%s\", max_memory_store: 64MB, max_file_store: 1GB }\n"
                "%s\n" % (k, self.port[k], self.mport[k], self.tmp / (k + "-store"), cluster))
        for k in self.names:
            self.start(k)
        self.wait_ready()

    @property
    def urls(self):
        return ",".join("nats://127.0.0.1:%d" % self.port[k] for k in self.names)

    def start(self, k):
        log = open(self.tmp / (k + ".log"), "a")
        self.procs[k] = subprocess.Popen([NATS_SERVER, "-c", str(self.tmp / (k + ".conf"))],
                                         stdout=log, stderr=log)

    def stop(self, k, sig=signal.SIGTERM):
        p = self.procs.get(k)
        if p and p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def jsz(self, k):
        with urllib.request.urlopen("http://127.0.0.1:%d/jsz?streams=true&accounts=true"
                                    % self.mport[k], timeout=2) as r:
            return json.loads(r.read())

    def wait_ready(self, timeout=30):
        def ready():
            try:
                return all((self.jsz(k).get("meta_cluster") or {}).get("leader")
                           for k in self.names if self.procs[k].poll() is None) \
                    if len(self.names) > 1 else self.jsz(self.names[0]) is not None
            except OSError:
                return False
        wait_for(ready, timeout, 0.2, what="JetStream meta leader")

    def close(self):
        for k in self.names:
            self.stop(k, signal.SIGKILL)


def consume(urls, stream, *extra, check=True):
    r = subprocess.run([CONSUME, urls, stream] + list(extra), capture_output=True, text=True,
                       timeout=60)
    if check:
        assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    return [x for x in lines if "end" not in x], (lines[-1] if lines else None), r


def stream_info(urls, stream):
    _, end, r = consume(urls, stream, "--info", check=False)
    return end if r.returncode == 0 else None


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


def fnv1a(name):
    h = 0xcbf29ce484222325
    for b in name.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def write_feed(path, tag, first, last):
    items = []
    for i in range(last, first - 1, -1):
        items.append(
            "<item><title>%s report %d: officials say %d people were evacuated</title>"
            "<guid isPermaLink=\"false\">%s-item-%d</guid>"
            "<pubDate>Tue, 05 Mar 2024 10:%02d:00 +0000</pubDate>"
            "<description>Officials said on Monday that about %d people were evacuated "
            "from the valley. The mayor denied that the dam had failed.</description></item>"
            % (tag, i, i * 10, tag, i, i % 60, i * 10))
    path.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>' % tag
                    + "".join(items) + "</channel></rss>")


def nats_conf(cluster, stream="CLAIMD", extra=""):
    return ("\n[nats]\nurl = %s\nstream = %s\nsubject_prefix = news\n"
            "ack_timeout = 2s\n%s" % (cluster.urls, stream, extra))


def journal(d):
    """Every journalled message of a daemon (the replay socket), as {gseq: (topic, body)}."""
    msgs, end = replay(d.replay, "", 0, timeout=10)
    assert end[0] == "END", end
    return {b["gseq"]: (t, json.dumps(b, sort_keys=True)) for t, b, _ in msgs}, msgs


def raw_journal(d):
    """Bodies exactly as stored, from the replay socket's frames."""
    import zmq
    s = zmq.Context.instance().socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(d.replay)
    s.send_multipart([b"SNAPSHOT", b"", b"0"])
    out = {}
    try:
        while True:
            assert s.poll(10000), "replay timed out"
            f = s.recv_multipart()
            if f[0] != b"MSG":
                assert f[0] == b"END", f
                return out
            out[json.loads(f[2])["gseq"]] = (f[1].decode(), f[2].decode())
    finally:
        s.close()


def wait_stream_has(cluster, stream, daemons_, timeout=60, articles=0):
    """Waits until the stream holds every message the daemons journalled; returns the
    stream's messages and the journals."""
    state = {}

    def done():
        want = 0
        jr = []
        for d in daemons_:
            j = raw_journal(d)
            jr.append(j)
            want += len(j)
        msgs, end, r = consume(cluster.urls, stream, check=False)
        if r.returncode != 0:
            return False
        state["msgs"], state["journals"] = msgs, jr
        epochs = {}
        for m in msgs:
            epochs.setdefault(m["epoch"], set()).add(m["gseq"])
        have = 0
        for d, j in zip(daemons_, jr):
            ep = json.loads(next(iter(j.values()))[1])["epoch"] if j else None
            have += len(epochs.get(ep, set()) & set(j))
        n_art = sum(1 for j in jr for t, _ in j.values() if t.startswith("article/"))
        return have >= want and want > 0 and n_art >= articles
    wait_for(done, timeout, 0.5, what="the stream to hold every journalled message")
    return state["msgs"], state["journals"]


def check_exactly_once(msgs, journals):
    """Every journalled message is in the stream once, body byte for byte, and nothing
    else is."""
    by_key = {}
    for m in msgs:
        by_key.setdefault((m["epoch"], m["gseq"]), []).append(m)
    dups = [k for k, v in by_key.items() if len(v) > 1]
    assert not dups, "doubled in the stream: %s" % dups[:10]
    ids = [m["msg_id"] for m in msgs]
    assert len(ids) == len(set(ids)), "a Nats-Msg-Id is in the stream twice"
    want = 0
    for j in journals:
        if not j:
            continue
        ep = json.loads(next(iter(j.values()))[1])["epoch"]
        for g, (topic, body) in j.items():
            m = by_key.get((ep, g))
            assert m, "lost: gseq %d (%s) of epoch %s" % (g, topic, ep)
            m = m[0]
            assert m["subject"] == "news." + topic.replace("/", "."), (m["subject"], topic)
            assert m["body"] == body, "body differs from ZeroMQ's for gseq %d" % g
            want += 1
    assert len(msgs) == want, "the stream holds %d messages, the journals %d" % (len(msgs), want)
    return want


# ---- sharding and exactly once ---------------------------------------------------------

SOURCES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def test_two_shards_exactly_once(tmp_path, httpd, cluster):
    for s in SOURCES:
        write_feed(httpd.root / (s + ".xml"), s, 1, 6)
    srcs = {s: {"url": httpd.url(s + ".xml"), "interval": "1s"} for s in SOURCES}
    owner = {s: fnv1a(s) % 2 for s in SOURCES}
    assert set(owner.values()) == {0, 1}, "both shards own a source"
    ds = []
    for k in (0, 1):
        (tmp_path / ("s%d" % k)).mkdir(exist_ok=True)
        d = Daemon(tmp_path / ("s%d" % k), srcs, name="shard%d" % k,
                   extra="shard = %d/2\n%s" % (k, nats_conf(cluster)))
        ds.append(d)
    try:
        # claimctl check shows which sources a shard owns
        out = subprocess.run([CLAIMCTL, "check", str(ds[0].conf)], capture_output=True,
                             text=True, timeout=30)
        assert out.returncode == 0, out.stdout + out.stderr
        for s in SOURCES:
            line = [x for x in out.stdout.splitlines() if x.split()[:1] == [s]]
            assert line, (s, out.stdout)
            assert ("owned" in line[0]) == (owner[s] == 0), line[0]
        for d in ds:
            d.start()
        msgs, journals = wait_stream_has(cluster, "CLAIMD", ds, articles=6 * len(SOURCES))
        n = check_exactly_once(msgs, journals)
        arts = [m for m in msgs if m["subject"].startswith("news.article.")]
        claims = [m for m in msgs if m["subject"].startswith("news.claim.")]
        assert len(arts) == 6 * len(SOURCES), len(arts)
        assert len(claims) >= len(arts), len(claims)
        art_ids = [json.loads(m["body"])["id"] for m in arts]
        assert len(art_ids) == len(set(art_ids)), "an article arrived twice across the shards"
        for m in msgs:
            body = json.loads(m["body"])
            validate(body)  # "shard" is in every envelope schema
            assert m["shard"] == body["shard"], m
            assert m["msg_id"].startswith(body["id"]), m
            if m["subject"].startswith(("news.article.", "news.claim.")):
                src = m["subject"].split(".", 2)[2]
                assert body["shard"] == "%d/2" % owner[src], (src, body["shard"])
        info = stream_info(cluster.urls, "CLAIMD")
        assert info["replicas"] == 3, info     # default with a 3-server cluster
        assert info["subjects"] == ["news.>"], info
        assert info["max_age_ns"] == 7 * 86400 * 10**9, info
        print("two shards: %d messages (%d articles, %d claims), duplicates 0, lost 0"
              % (n, len(arts), len(claims)))
        for d in ds:
            assert d.stop() == 0
    finally:
        for d in ds:
            d.close()


# ---- kill -9 during publishing -----------------------------------------------------------

def test_kill9_rounds_lose_and_double_nothing(tmp_path, httpd, cluster):
    feed = httpd.root / "live.xml"
    write_feed(feed, "live", 1, 5)
    d = Daemon(tmp_path, {"live": {"url": httpd.url("live.xml"), "interval": "1s"},
                          "wire": {"url": httpd.url("wire.xml"), "interval": "1s"}},
               extra=nats_conf(cluster, extra="max_pending = 2\n"))
    write_feed(httpd.root / "wire.xml", "wire", 1, 3)
    rng = random.Random(12)
    last = 5
    rounds = 12
    try:
        for rnd in range(rounds):
            d.start()
            last += rng.randint(30, 80)
            write_feed(feed, "live", 1, last)
            time.sleep(rng.uniform(0.05, 0.4))
            d.kill()
        d.start()
        msgs, journals = wait_stream_has(cluster, "CLAIMD", [d], articles=last + 3)
        n = check_exactly_once(msgs, journals)
        arts = {json.loads(m["body"])["id"] for m in msgs if ".article." in m["subject"]}
        assert len(arts) == last + 3, (len(arts), last + 3)
        import re
        starts = re.findall(r"resuming after gseq (\d+) \(journal at (\d+)\)", d.log())
        behind = sum(1 for c, h in starts if int(c) < int(h))
        print("kill -9: %d rounds, %d messages, %d restarts with unacknowledged messages "
              "to resend, duplicates 0, lost 0" % (rounds, n, behind))
        assert behind >= 2, "the kills did not land while messages were unacknowledged"
        assert d.stop() == 0
    finally:
        d.close()


# ---- the stream leader's server stops mid-run ------------------------------------------

def stream_leader(cluster, stream):
    for k in cluster.names:
        if cluster.procs[k].poll() is not None:
            continue
        try:
            z = cluster.jsz(k)
        except OSError:
            continue
        for acc in z.get("account_details") or []:
            for st in acc.get("stream_detail") or []:
                if st.get("name") == stream and (st.get("cluster") or {}).get("leader"):
                    return st["cluster"]["leader"]
    return None


def test_stream_leader_stopped_loses_nothing(tmp_path, httpd, cluster):
    feed = httpd.root / "live.xml"
    write_feed(feed, "live", 1, 5)
    d = Daemon(tmp_path, {"live": {"url": httpd.url("live.xml"), "interval": "1s"}},
               extra=nats_conf(cluster))
    try:
        d.start()
        wait_for(lambda: (stream_info(cluster.urls, "CLAIMD") or {}).get("messages", 0) > 5,
                 20, 0.2, what="first messages in the stream")
        leader = wait_for(lambda: stream_leader(cluster, "CLAIMD"), 20, 0.2,
                          what="the stream leader")
        last = 5
        for step in range(6):
            last += 6
            write_feed(feed, "live", 1, last)
            time.sleep(0.7)
            if step == 1:
                cluster.stop(leader)
        new_leader = wait_for(lambda: (stream_leader(cluster, "CLAIMD") or leader) != leader
                              and stream_leader(cluster, "CLAIMD"), 30, 0.2,
                              what="a new stream leader")
        assert new_leader != leader
        msgs, journals = wait_stream_has(cluster, "CLAIMD", [d], articles=last)
        n = check_exactly_once(msgs, journals)
        arts = [m for m in msgs if ".article." in m["subject"]]
        assert len(arts) == last, (len(arts), last)
        cluster.start(leader)
        print("leader %s stopped: %d messages, duplicates 0, lost 0" % (leader, n))
        assert d.stop() == 0
    finally:
        d.close()


# ---- the whole cluster down for 30 s -----------------------------------------------------

def test_cluster_down_30s_backlog_in_order(tmp_path, httpd, cluster, sub_factory):
    feed = httpd.root / "live.xml"
    write_feed(feed, "live", 1, 5)
    d = Daemon(tmp_path, {"live": {"url": httpd.url("live.xml"), "interval": "1s"}},
               extra=nats_conf(cluster))
    try:
        d.start()
        wait_for(lambda: (stream_info(cluster.urls, "CLAIMD") or {}).get("messages", 0) > 5,
                 20, 0.2, what="first messages in the stream")
        sub = sub_factory(d.publish, ("article/", "sys/nats", "sys/heartbeat"))
        time.sleep(0.3)
        for k in cluster.names:
            cluster.stop(k)
        t0 = time.monotonic()
        last = 5
        # ZeroMQ keeps serving while NATS is down
        while time.monotonic() - t0 < 30:
            last += 5
            write_feed(feed, "live", 1, last)
            sub.collect(lambda ms: len([m for m in ms if m[0].startswith("article/")])
                        >= last - 5, 10, what="articles on ZeroMQ during the outage")
            time.sleep(2)
        down = [b for t, b, _ in sub.msgs if t == "sys/nats" and b["state"] == "down"]
        assert down, sub.msgs[-3:]
        validate(down[0])
        hb = [b for t, b, _ in sub.msgs if t == "sys/heartbeat"][-1]
        validate(hb)
        assert hb["nats"]["connected"] is False and hb["nats"]["backlog"] > 0, hb["nats"]
        assert "337ad03131224375a68a36a0cb04847b" in d.log() or "JetStream unreachable" in d.log()
        arts_zmq = [b for t, b, _ in sub.msgs if t.startswith("article/")]
        assert len(arts_zmq) >= last - 5
        for k in cluster.names:
            cluster.start(k)
        cluster.wait_ready(60)
        msgs, journals = wait_stream_has(cluster, "CLAIMD", [d], timeout=90, articles=last)
        n = check_exactly_once(msgs, journals)
        # in order per subject: stream order follows the journal's gseq order
        per = {}
        for m in msgs:
            per.setdefault(m["subject"], []).append(m["gseq"])
        for subj, gs in per.items():
            assert gs == sorted(gs), (subj, gs[:40])
        sub.collect(lambda ms: any(t == "sys/nats" and b["state"] == "up" for t, b, _ in ms),
                    20, what="sys/nats up")
        sub.collect(lambda ms: any(t == "sys/heartbeat" and b["nats"]["connected"]
                                   and b["nats"]["backlog"] == 0 for t, b, _ in ms),
                    30, what="a heartbeat with the backlog sent")
        up = [b for t, b, _ in sub.msgs if t == "sys/nats" and b["state"] == "up"][0]
        validate(up)
        assert up["backlog"] > 0 and up["cursor"] < up["high"], up   # what was resent
        assert any(m["subject"] == "news.sys.nats" for m in msgs)   # the event is in the stream too
        print("30 s outage: %d messages, backlog of %d articles, in order, duplicates 0, lost 0"
              % (n, last - 5))
        assert d.stop() == 0
    finally:
        d.close()


# ---- the stream, configuration -----------------------------------------------------------

def test_conflicting_stream_refused(tmp_path, cluster):
    _, _, r = consume(cluster.urls, "CLAIMD", "--create", "other.>", check=False)
    assert r.returncode == 0, r.stderr
    d = Daemon(tmp_path, {}, extra=nats_conf(cluster))
    try:
        d.start(wait_ready=False)
        rc = d.proc.wait(20)
        assert rc == 1
        assert "stream CLAIMD exists without subject news.>" in d.log(), d.log()
    finally:
        d.close()


def test_unreachable_at_start_then_up(tmp_path, httpd):
    c = Cluster(tmp_path, n=1)
    for k in c.names:
        c.stop(k)
    write_feed(httpd.root / "a.xml", "a", 1, 4)
    d = Daemon(tmp_path, {"a": {"url": httpd.url("a.xml"), "interval": "1s"}},
               extra=nats_conf(c))
    try:
        t0 = time.monotonic()
        d.start()
        assert time.monotonic() - t0 < 8, "start waited for NATS"
        d.wait_log("JetStream unreachable at start")
        c.start(c.names[0])
        c.wait_ready()
        msgs, journals = wait_stream_has(c, "CLAIMD", [d], articles=4)
        check_exactly_once(msgs, journals)
        info = stream_info(c.urls, "CLAIMD")
        assert info["replicas"] == 1, info   # one server: one replica
        assert d.stop() == 0
    finally:
        d.close()
        c.close()


def test_config_errors(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("[claimd]\nstate_dir = %s\nshard = 2/2\n[nats]\nurl = nats://127.0.0.1:1\n"
                    "replicas = 9\nstrem = X\n" % tmp_path)
    r = subprocess.run([str(ROOT / "claimd") if not os.environ.get("CLAIMD_BINDIR") else
                        os.path.join(os.environ["CLAIMD_BINDIR"], "claimd"),
                        "--check-config", "-c", str(conf)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "bad.conf:3: key 'shard': '2/2' is not K/N" in r.stderr, r.stderr
    assert "bad.conf:6: key 'replicas'" in r.stderr, r.stderr
    assert "bad.conf:7: key 'strem': unknown key in [nats] (did you mean 'stream'?)" in r.stderr, r.stderr


def test_backlog_beyond_journal_retention_is_logged(tmp_path, httpd):
    """NATS down longer than the journal keeps messages: what was pruned before JetStream
    acknowledged it is logged with its gseq range (MESSAGE_ID 67d8a91f...), the rest
    arrives, once."""
    c = Cluster(tmp_path, n=1)
    for k in c.names:
        c.stop(k)
    filler = " ".join("filler%d" % i for i in range(400))
    items = "".join(
        "<item><title>Big %d</title><guid>big-%d</guid><description>Officials said %d people "
        "left. %s</description></item>" % (i, i, i, filler) for i in range(60))
    (httpd.root / "big.xml").write_text('<?xml version="1.0"?><rss version="2.0"><channel>'
                                        "<title>B</title>%s</channel></rss>" % items)
    d = Daemon(tmp_path, {"big": {"url": httpd.url("big.xml"), "interval": "1h",
                                  "fetch_page": "never"}},
               extra="journal_max_bytes = 64k\n" + nats_conf(c))
    try:
        d.start()
        wait_for(lambda: len(raw_journal(d)) >= 60, 30, 0.2, what="60 articles journalled")
        assert d.stop() == 0
        d.start()            # the journal is pruned 1 s after start
        wait_for(lambda: min(raw_journal(d)) > 1, 15, 0.2, what="the journal pruned")
        j = raw_journal(d)
        lowest = min(j)
        c.start(c.names[0])
        c.wait_ready()
        d.wait_log("messages JetStream never acknowledged", 30)
        assert "(gseq 1 to %d)" % (lowest - 1) in d.log(), d.log()[-2000:]
        msgs, journals = wait_stream_has(c, "CLAIMD", [d], timeout=60)
        n = check_exactly_once(msgs, journals)  # the retained rest, once
        assert n == len(journals[0]) and min(m["gseq"] for m in msgs) == lowest, (n, lowest)
        assert d.stop() == 0
    finally:
        d.close()
        c.close()


def test_shard_split_and_reload_keeps_it(tmp_path, httpd):
    """Only owned sources are polled; a reload that changes the shard is refused for the
    shard (logged) until the next restart, so the body label and the split never differ."""
    for s in SOURCES:
        write_feed(httpd.root / (s + ".xml"), s, 1, 2)
    srcs = {s: {"url": httpd.url(s + ".xml"), "interval": "1s"} for s in SOURCES}
    d = Daemon(tmp_path, srcs, extra="shard = 1/2\n")
    mine = {s for s in SOURCES if fnv1a(s) % 2 == 1}

    def arts():
        return [json.loads(b) for t, b in raw_journal(d).values() if t.startswith("article/")]
    try:
        d.start()
        wait_for(lambda: {a["source"] for a in arts()} >= mine, 15, 0.2, what="owned sources")
        time.sleep(1.5)
        assert {a["source"] for a in arts()} == mine
        assert all(a["shard"] == "1/2" for a in arts())
        hits = json.dumps(httpd.hits())
        assert all(("/%s.xml" % s) in hits for s in mine), hits
        assert not any(("/%s.xml" % s) in hits for s in set(SOURCES) - mine), hits
        d.write_config(extra="shard = 0/2\n")
        d.signal(signal.SIGHUP)
        d.wait_log("shard or [nats] url, stream or subject_prefix changed")
        time.sleep(1.5)
        assert "removed" not in d.log(), d.log()[-1500:]
        assert {a["source"] for a in arts()} == mine
        assert d.stop() == 0
    finally:
        d.close()
