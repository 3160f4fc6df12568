"""Bad input gets a clear error and loses nothing: each case is logged, the daemon keeps
serving, and a healthy source beside it still publishes."""
import shutil
import time

import pytest

from conftest import DATA, replay, wait_for


def run_with_bad(httpd, daemons, bad_url, expect_log, extra=""):
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    d = daemons({"good": httpd.url("news.xml"), "bad": bad_url}, extra=extra)
    d.start()
    alts = expect_log if isinstance(expect_log, tuple) else (expect_log,)
    wait_for(lambda: any(a in d.log() for a in alts), 15, what="log line %r" % (alts,))
    msgs, end = wait_for(lambda: (lambda r: r if len(r[0]) >= 2 else None)(
        replay(d.replay, "article/good", 0)), what="the good source's articles")
    assert d.proc.poll() is None, "daemon died"
    return d


def passwd_free(d):
    msgs, _ = replay(d.replay, "", 0)
    everything = d.log() + "".join(str(b) for _, b, _ in msgs)
    assert "root:x:0:0" not in everything


@pytest.mark.parametrize("name,expect", [
    ("xxe.xml", "bad"), ("laughs.xml", "bad"),
])
def test_hostile_xml(httpd, daemons, name, expect):
    shutil.copy(DATA / name, httpd.root / name)
    d = run_with_bad(httpd, daemons, httpd.url(name),
                     ("Source bad failing", "Feed of bad"))
    passwd_free(d)
    assert d.stop() == 0


def test_broken_xml_is_recovered_and_flagged(httpd, daemons):
    shutil.copy(DATA / "broken.xml", httpd.root / "broken.xml")
    d = run_with_bad(httpd, daemons, httpd.url("broken.xml"), "not well-formed")
    msgs, _ = wait_for(lambda: (lambda r: r if r[0] else None)(replay(d.replay, "article/bad", 0)),
                       what="the recovered article")
    assert "Fish & chips" in msgs[0][1]["title"]
    assert d.stop() == 0


def test_not_a_feed(httpd, daemons):
    shutil.copy(DATA / "notafeed.html", httpd.root / "notafeed.html")
    d = run_with_bad(httpd, daemons, httpd.url("notafeed.html"), "unparseable")
    assert d.stop() == 0


@pytest.mark.parametrize("path,expect", [
    ("status/404", "HTTP status 404"),
    ("status/500", "HTTP status 500"),
])
def test_http_errors_logged_once(httpd, daemons, path, expect):
    d = run_with_bad(httpd, daemons, httpd.url(path), expect)
    time.sleep(3)  # several more failed polls (backoff_max is 2s)
    assert d.log().count(expect) == 1, d.log()
    assert d.stop() == 0


def test_connection_refused(httpd, daemons):
    from conftest import free_port
    d = run_with_bad(httpd, daemons, "http://127.0.0.1:%d/feed.xml" % free_port(), "Source bad failing")
    assert "failing" in d.log()
    assert d.stop() == 0


def test_body_over_limit(httpd, daemons):
    d = run_with_bad(httpd, daemons, httpd.url("huge"),
                     "Source bad failing", extra="max_body = 1M")
    assert d.stop() == 0


def test_stalled_server_times_out(httpd, daemons):
    d = run_with_bad(httpd, daemons, {"url": httpd.url("stall"), "timeout": "2s"},
                     "Source bad failing")
    assert "too slow" in d.log() or "timed out" in d.log().lower(), d.log()
    assert d.stop() == 0


def test_source_recovers(httpd, daemons):
    d = daemons({"late": httpd.url("news.xml")})
    d.start()
    d.wait_log("failing")
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    d.wait_log("recovered", timeout=15)
    msgs, _ = wait_for(lambda: (lambda r: r if len(r[0]) >= 2 else None)(
        replay(d.replay, "article/late", 0)), what="articles after recovery")
    status, _ = replay(d.replay, "sys/source/late", 0)
    events = [b["event"] for _, b, _ in status]
    assert events[:3] == ["added", "failing", "recovered"], events
    assert d.stop() == 0


def test_repeated_guids_degrade_to_links(httpd, daemons):
    shutil.copy(DATA / "dupguid.xml", httpd.root / "dupguid.xml")
    d = run_with_bad(httpd, daemons, httpd.url("dupguid.xml"), "ids from links")
    msgs, _ = wait_for(lambda: (lambda r: r if len(r[0]) >= 2 else None)(
        replay(d.replay, "article/bad", 0)), what="both articles, with distinct ids")
    assert len({b["id"] for _, b, _ in msgs}) == 2
    time.sleep(2.5)
    assert d.log().count("ids from links") == 1, d.log()
    assert d.stop() == 0
