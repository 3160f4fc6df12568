"""claimd end to end: a real local HTTP server serves feeds, the real daemon polls them, a
real ZeroMQ subscriber receives articles and claims and checks them against the schemas."""
import json
import shutil
import signal
import subprocess
import time

import pytest

from conftest import CLAIMD, CLAIMCTL, DATA, replay, validate, wait_for


def serve(httpd, *names):
    for n in names:
        shutil.copy(DATA / n, httpd.root / n)


def connected(sub):
    """Waits for a heartbeat, which proves the subscription is live."""
    sub.collect(lambda m: any(t == "sys/heartbeat" for t, _, _ in m), what="a heartbeat")


def test_publishes_articles_and_claims(httpd, daemons, sub_factory):
    d = daemons({"gazette": httpd.url("news.xml"), "wire": httpd.url("atom.xml"),
                 "desk": httpd.url("feed.json")})
    sub = sub_factory(d.publish)
    d.start()
    connected(sub)
    serve(httpd, "news.xml", "atom.xml", "feed.json")
    sub.collect(lambda m: len([x for x in m if x[0].startswith("article/")]) >= 4,
                what="4 articles")
    arts = sub.of("article/")
    by_title = {b["title"]: (t, b) for t, b, _ in arts}
    t, cargo = by_title["Port authority reports record cargo volume"]
    assert t == "article/gazette"
    assert cargo["url"] == "http://127.0.0.1:%d/news/2024/03/port-cargo" % httpd.port
    assert cargo["published"] == "2024-03-05T10:00:00Z"
    assert "1.2 million containers" in cargo["text"]
    assert "alert" not in cargo["text"] and "Read more" not in cargo["text"]
    assert "\n\n" in cargo["text"]
    assert "last year’s" in cargo["text"]
    t, inflation = by_title["Minister says inflation fell to 2.4 percent"]
    assert t == "article/wire"
    assert inflation["url"] == "http://127.0.0.1/atom/stories/inflation"
    assert inflation["published"] == "2024-03-05T07:00:00Z"
    assert by_title["Union says 3,000 workers will strike"][0] == "article/desk"
    for topic, body, seq in arts:
        validate(body)
        for k in ("schema", "id", "gseq", "epoch", "emitted_at"):
            assert k in body
    # per-topic seq counts 1, 2, ... and gseq grows
    gazette = [(b["gseq"], s) for t, b, s in sub.msgs if t == "article/gazette"]
    assert [s for _, s in gazette] == list(range(gazette[0][1], gazette[0][1] + len(gazette)))
    gseqs = [b["gseq"] for t, b, s in sub.msgs if not t.startswith("sys/heartbeat")]
    assert gseqs == sorted(gseqs) and len(set(gseqs)) == len(gseqs)
    # claims follow their article, on claim/<source>, valid against the schema
    sub.collect(lambda m: any(t == "claim/gazette" for t, _, _ in m), what="claims")
    for t, body, _ in sub.of("claim/"):
        validate(body)
        assert body["article_id"] in {b["id"] for _, b, _ in arts}
    assert d.stop() == 0


def test_restart_republishes_nothing_and_counters_continue(httpd, daemons, sub_factory):
    serve(httpd, "news.xml")
    d = daemons({"gazette": httpd.url("news.xml")})
    d.start()
    first, end = wait_for(lambda: (lambda r: r if len(r[0]) >= 2 else None)(
        replay(d.replay, "article/", 0)), what="2 articles journalled")
    assert end[0] == "END"
    high1 = int(end[1])
    epoch = end[2]
    assert d.stop() == 0
    d.start()
    sub = sub_factory(d.publish)
    connected(sub)
    time.sleep(2.5)  # two more polls of an unchanged feed
    sub.poll(0.2)
    assert sub.of("article/") == [], "unchanged articles were republished"
    msgs, end = replay(d.replay, "article/", 0)
    assert len(msgs) == 2 and end[2] == epoch
    # a changed article is published again with the same id and the next seq
    text = (DATA / "news.xml").read_text().replace("1.2 million", "1.3 million")
    (httpd.root / "news.xml").write_text(text)
    sub.collect(lambda m: len([x for x in m if x[0] == "article/gazette"]) >= 1,
                what="the changed article")
    t, body, seq = sub.of("article/gazette")[0]
    assert body["id"] in {b["id"] for _, b, _ in first}
    assert "1.3 million" in body["text"]
    assert body["gseq"] > high1
    assert seq == max(s for _, _, s in first) + 1
    assert d.stop() == 0


def test_conditional_get_uses_etag(httpd, daemons):
    serve(httpd, "news.xml")
    d = daemons({"gazette": httpd.url("count/news.xml")})
    d.start()
    wait_for(lambda: httpd.hits().get("/news.xml", httpd.hits().get("news.xml", 0)) >= 3,
             what="three polls")
    assert d.stop() == 0
    # tests/httpd.py logs each request with its status: later polls got 304
    log = (httpd.root.parent).glob("httpd-*.log")
    text = "".join(p.read_text() for p in log)
    assert " 304 " in text or '" 304' in text, text[-2000:]


def test_sigterm_stops_cleanly_with_notify(httpd, daemons):
    serve(httpd, "news.xml")
    d = daemons({"gazette": httpd.url("news.xml")})
    d.start()
    msgs = [m for _, m in d.notify.messages()]
    assert any("READY=1" in m for m in msgs)
    assert d.stop() == 0
    assert d.stop_seconds < 5
    assert d.notify.has("STOPPING=1")


def test_check_config_reports_file_and_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("[claimd]\nheartbeat = soon\nbogus = 1\n\n[source x]\ninterval = 5m\n")
    p = subprocess.run([CLAIMD, "--check-config", "-c", str(conf)], capture_output=True,
                       text=True, timeout=10)
    assert p.returncode == 1
    assert "%s:2:" % conf in p.stderr and "heartbeat" in p.stderr
    assert "%s:3:" % conf in p.stderr and "bogus" in p.stderr
    assert "url" in p.stderr
    p2 = subprocess.run([CLAIMCTL, "check", str(conf)], capture_output=True, text=True, timeout=10)
    assert p2.returncode == 1 and "%s:2:" % conf in p2.stderr
    # the daemon refuses to start on it, with the same errors
    p3 = subprocess.run([CLAIMD, "-c", str(conf)], capture_output=True, text=True, timeout=10)
    assert p3.returncode != 0 and "%s:2:" % conf in p3.stderr


def test_non_loopback_endpoint_without_curve_is_refused(tmp_path, daemons):
    d = daemons({"x": "http://127.0.0.1:9/feed.xml"}, notify=True)
    d.publish = "tcp://0.0.0.0:%d" % d.pub_port
    d.write_config()
    d.start(wait_ready=False)
    rc = d.proc.wait(10)
    assert rc != 0
    assert "CURVE" in d.log() or "curve" in d.log()
    assert not d.notify.has("READY=1")


def test_version_and_help():
    p = subprocess.run([CLAIMD, "--version"], capture_output=True, text=True, timeout=5)
    assert p.returncode == 0 and p.stdout.startswith("claimd ")
    p = subprocess.run([CLAIMD, "--help"], capture_output=True, text=True, timeout=5)
    assert p.returncode == 0 and "--check-config" in p.stdout


def test_gzip_brotli_and_redirects(httpd, daemons):
    serve(httpd, "news.xml", "atom.xml", "feed.json")
    d = daemons({"gz": httpd.url("gzip/news.xml"), "redir": httpd.url("redirect/2?to=/atom.xml"),
                 "br": httpd.url("br/feed.json")})
    d.start()
    for src, n in (("gz", 2), ("redir", 1), ("br", 1)):
        wait_for(lambda: len(replay(d.replay, "article/%s" % src, 0)[0]) >= n,
                 what="articles of %s" % src)
    msgs, _ = replay(d.replay, "article/redir", 0)
    # relative links resolve against where the feed really came from
    assert msgs[0][1]["url"] == "http://127.0.0.1/atom/stories/inflation"
    assert d.stop() == 0
