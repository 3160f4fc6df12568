"""Servers that misbehave, and a state directory that fills up or turns read-only: each
case is logged once with the right fields, backed off, and the healthy source beside it
keeps publishing."""
import os
import shutil
import sqlite3
import subprocess
import time

import pytest

from conftest import DATA, replay, wait_for


def good_and_bad(httpd, daemons, bad, extra=""):
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    d = daemons({"good": httpd.url("news.xml"), "bad": bad}, extra=extra)
    d.start()
    return d


def good_published(d):
    wait_for(lambda: len(replay(d.replay, "article/good", 0)[0]) >= 2,
             what="the healthy source's articles")


def hits(httpd, path):
    return httpd.hits().get(path, 0)


@pytest.mark.parametrize("path,why,status", [
    ("redirect-loop", "redirects followed", 0),
    ("gzip-bomb", "max_body", 0),
    ("trickle", "too slow", 0),
    ("invalid-utf8", "Feed of bad", 0),
    ("retry-after/3", "HTTP status 429", 429),
])
def test_misbehaving_server(httpd, daemons, path, why, status):
    d = good_and_bad(httpd, daemons, {"url": httpd.url(path), "max_body": "1M", "timeout": "3s"})
    wait_for(lambda: why in d.log(), 20, what=repr(why))
    good_published(d)
    time.sleep(3)
    lines = [l for l in d.log().splitlines() if "source=bad" in l and why in l]
    assert len(lines) == 1, "logged %d times:\n%s" % (len(lines), d.log())
    if status:
        assert "status=%d" % status in lines[0]
    assert d.proc.poll() is None
    assert d.stop() == 0


def test_retry_after_is_honoured(httpd, daemons):
    d = good_and_bad(httpd, daemons, {"url": httpd.url("retry-after/4"), "interval": "1s"},
                     extra="backoff_max = 1s")
    wait_for(lambda: hits(httpd, "/retry-after/4") >= 1, what="the first poll")
    t0 = time.monotonic()
    time.sleep(3)
    # interval 1s and backoff_max 1s would poll three more times; Retry-After: 4 holds it
    assert hits(httpd, "/retry-after/4") == 1, httpd.hits()
    assert d.stop() == 0


def test_max_age_lengthens_interval(httpd, daemons):
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    d = daemons({"cached": {"url": httpd.url("cache/4/news.xml"), "interval": "1s"}})
    d.start()
    wait_for(lambda: hits(httpd, "/cache/4/news.xml") >= 1, what="the first poll")
    time.sleep(3)
    assert hits(httpd, "/cache/4/news.xml") == 1, httpd.hits()
    assert d.stop() == 0


def test_permanent_redirect_updates_url(httpd, daemons):
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    d = daemons({"moved": {"url": httpd.url("moved?to=/news.xml"), "interval": "1s"}})
    d.start()
    d.wait_log("moved permanently")
    wait_for(lambda: hits(httpd, "/news.xml") >= 3, what="polls of the new URL")
    assert hits(httpd, "/moved") == 1, httpd.hits()
    assert d.stop() == 0
    # the new URL is kept across a restart
    d.start()
    wait_for(lambda: hits(httpd, "/news.xml") >= 4, what="a poll after restart")
    assert hits(httpd, "/moved") == 1
    assert d.stop() == 0


def test_disable_after(httpd, daemons):
    d = good_and_bad(httpd, daemons, httpd.url("status/500"),
                     extra="disable_after = 2s\nbackoff_max = 1s")
    d.wait_log("longer than disable_after", timeout=15)
    events = [b["event"] for _, b, _ in replay(d.replay, "sys/source/bad", 0)[0]]
    assert events[:3] == ["added", "failing", "disabled"], events
    assert d.stop() == 0


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail("cannot mount a tmpfs (tests run as root): " + r.stderr)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)])


def write_feed(path, n, pad):
    filler = "x" * pad
    items = "".join(
        "<item><title>Item %d</title><guid>g-%d</guid><description>Officials said %d "
        "people left. %s</description></item>" % (i, i, i, filler) for i in range(n))
    path.write_text('<rss version="2.0"><channel><title>t</title>%s</channel></rss>' % items)


def test_state_dir_full_then_recovers(httpd, daemons, small_fs):
    feed = httpd.root / "big.xml"
    write_feed(feed, 2, 100)
    d = daemons({"big": {"url": httpd.url("big.xml"), "interval": "1s"}})
    d.state = small_fs / "state"
    d.write_config()
    d.start()
    wait_for(lambda: len(replay(d.replay, "article/big", 0)[0]) >= 2, what="first articles")
    # fill the file system, then serve 30 new articles of 50 KB
    ballast = small_fs / "ballast"
    subprocess.run(["dd", "if=/dev/zero", "of=%s" % ballast, "bs=64k"], capture_output=True)
    write_feed(feed, 32, 50000)
    d.wait_log("State database error", timeout=15)
    assert d.proc.poll() is None
    ballast.unlink()
    wait_for(lambda: len(replay(d.replay, "article/big", 0)[0]) >= 32, 20,
             what="all articles once space is back")
    msgs, _ = replay(d.replay, "article/big", 0)
    # 30 new articles, and the first two again (their text changed), each exactly once
    assert len({b["id"] for _, b, _ in msgs}) == 32 and len(msgs) == 34
    assert len({b["content_hash"] for _, b, _ in msgs}) == 34
    assert d.stop() == 0
    db = sqlite3.connect(str(d.state / "claimd.db"))
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_state_dir_read_only_then_recovers(httpd, daemons, small_fs):
    feed = httpd.root / "ro.xml"
    write_feed(feed, 2, 10)
    d = daemons({"ro": {"url": httpd.url("ro.xml"), "interval": "1s"}})
    d.state = small_fs / "state"
    d.write_config()
    d.start()
    wait_for(lambda: len(replay(d.replay, "article/ro", 0)[0]) >= 2, what="first articles")
    _, end = replay(d.replay, "", 0)
    high = int(end[1])
    assert d.stop() == 0
    # a read-only state directory: a clear error naming it, nothing touched
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    try:
        write_feed(feed, 5, 10)
        d.start(wait_ready=False)
        rc = d.proc.wait(10)
        assert rc != 0
        assert "state" in d.log() and ("Read-only" in d.log() or "read-only" in d.log()), d.log()
        assert not d.notify.has("READY=1", d.started_at)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    # writable again: it starts, counters continue, the new articles come out once
    d.start()
    wait_for(lambda: len(replay(d.replay, "article/ro", 0)[0]) >= 5, 20,
             what="the new articles once writable")
    msgs, end = replay(d.replay, "", 0)
    assert min(b["gseq"] for _, b, _ in msgs if b["gseq"] > high) == high + 1
    assert d.stop() == 0
    db = sqlite3.connect(str(d.state / "claimd.db"))
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
