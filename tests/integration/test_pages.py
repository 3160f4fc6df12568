"""Article pages through the real daemon: a local HTTP server serves feeds of summaries
whose links point at pages on the same server; a real ZeroMQ subscriber receives each
article once, with the page's body (text_source "page") and the claims of the page, or,
when the page cannot be used, with the feed's text and the reason, logged once. Pages on
non-public addresses are refused unless the source allows them; a restart (also after
kill -9) fetches no page twice; other sources are unaffected."""
import json
import os
import re
import shutil
import signal
import subprocess
import time
from xml.sax.saxutils import escape

import pytest

from conftest import CLAIMD, DATA, Daemon, replay, validate, wait_for
from test_supervision import journal_stream, journald  # noqa: F401 (fixture)

PAGES = DATA / "pages"
SHORT = "The harbour council voted on a flood barrier."
STORY_WORDS = ("Tomas Berg", "Anna Holm", "48 million euros")


def rss(path, items):
    """items: (guid, title, link, description); newest first, as feeds list them."""
    out = []
    for i, (guid, title, link, desc) in enumerate(items):
        out.append("<item><title>%s</title><link>%s</link><guid isPermaLink=\"false\">%s</guid>"
                   "<pubDate>Tue, 02 Apr 2024 %02d:00:00 +0000</pubDate>"
                   "<description>%s</description></item>"
                   % (escape(title), escape(link), guid, 10 - i % 10, escape(desc)))
    path.write_text('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                    "<title>Courier</title><link>http://127.0.0.1/</link>"
                    + "".join(out) + "</channel></rss>")


def www(httpd):
    pages = httpd.root / "pages"
    pages.mkdir(exist_ok=True)
    for name in ("story.html", "wall.html", "teaser.html"):
        shutil.copy(PAGES / name, pages / name)
    return pages


def articles(sub):
    return [(t, b) for t, b, _ in sub.msgs if t.startswith("article/")]


def by_guid_title(sub):
    return {b["title"]: b for _, b in articles(sub)}


def page_hits(httpd, prefix):
    return {k: v for k, v in httpd.hits().items() if k.startswith(prefix)}


def connected(sub):
    sub.collect(lambda m: any(t == "sys/heartbeat" for t, _, _ in m), what="a heartbeat")


def test_pages_fill_text_and_every_failure_gives_the_feed_text(httpd, daemons, sub_factory):
    pages = www(httpd)
    for name in ("a", "b"):
        shutil.copy(PAGES / "story.html", pages / ("strict-%s.html" % name))
    shutil.copy(PAGES / "story.html", pages / "plain.html")
    shutil.copy(PAGES / "story.html", pages / "long.html")
    shutil.copy(PAGES / "story.html", pages / "cut.html")
    (pages / "data.json").write_text(json.dumps({"text": "not a page " * 100}))
    # 20 MB of HTML: over the default max_body (16M), cut while downloading
    with open(pages / "big.html", "w") as fh:
        fh.write("<html><body><article>")
        para = "<p>" + "A paragraph that goes on and on about nothing in particular. " * 16 + "</p>\n"
        while fh.tell() < 20 * 1024 * 1024:
            fh.write(para)
        fh.write("</article></body></html>")
    long_text = ("The council met for six hours on Tuesday. " * 25).strip()
    cut_text = ("The council met for six hours on Tuesday and heard from residents. " * 13
                + "Read more")
    base = httpd.base
    stage = httpd.root / "stage"  # the feeds appear once the subscriber is connected
    stage.mkdir()
    rss(stage / "paged.xml", [
        ("story", "Harbour council approves new flood barrier", base + "/count/pages/story.html", SHORT),
        ("missing", "A page that is gone", base + "/status/404", "Gone, short."),
        ("stall", "A page that never answers", base + "/stall", "Stalls, short."),
        ("json", "A page that is JSON", base + "/pages/data.json", "JSON, short."),
        ("wall", "Budget talks stall", base + "/pages/wall.html", "Talks broke down, short."),
        ("teaser", "Port strike enters second week", base + "/pages/teaser.html",
         "The strike goes on, short."),
        ("long", "A long entry", base + "/pages/long.html", long_text),
        ("cut", "A cut entry", base + "/pages/cut.html", cut_text),
    ])
    rss(stage / "strict.xml", [
        ("lit", "Page on a loopback address", base + "/pages/strict-a.html", SHORT),
        ("name", "Page on a name of a loopback address",
         "http://localhost:%d/pages/strict-b.html" % httpd.port, SHORT),
    ])
    # its own source: 16 MiB take a while to come (more under the sanitizers), longer than
    # the short timeout that bounds the stalled page above
    rss(stage / "big.xml", [("big", "A page of 20 MB", base + "/pages/big.html", "Huge, short.")])
    rss(stage / "plain.xml", [
        ("plain", "A source that never fetches pages", base + "/pages/plain.html", SHORT),
    ])
    d = daemons({
        "paged": {"url": httpd.url("paged.xml"), "page_allow_private": "yes",
                  "page_delay": "100ms", "page_max_wait": "4s", "timeout": "3s"},
        "strict": {"url": httpd.url("strict.xml")},
        "plain": {"url": httpd.url("plain.xml"), "fetch_page": "never"},
        "big": {"url": httpd.url("big.xml"), "page_allow_private": "yes", "timeout": "60s"},
    })
    sub = sub_factory(d.publish)
    d.start()
    connected(sub)
    t0 = time.monotonic()
    for name in ("paged.xml", "strict.xml", "plain.xml", "big.xml"):
        os.rename(stage / name, httpd.root / name)
    sub.collect(lambda m: any(b.get("title") == "A page that never answers" for _, b, _ in m),
                timeout=30, what="the article of the stalled page")
    elapsed = time.monotonic() - t0
    sub.collect(lambda m: len([x for x in m if x[0].startswith("article/")]) >= 12,
                timeout=60, what="12 articles")
    arts = articles(sub)
    ids = [b["id"] for _, b in arts]
    assert len(ids) == len(set(ids)) == 12, "each article is published exactly once"
    for _, b in arts:
        validate(b)
    a = by_guid_title(sub)

    story = a["Harbour council approves new flood barrier"]
    assert story["text_source"] == "page"
    assert story["text_source_reason"] == "feed-text-short"
    assert story["page_url"].endswith("/count/pages/story.html")
    for w in STORY_WORDS:
        assert w in story["text"], w
    assert "\n\n" in story["text"], "paragraphs kept"
    assert "Ferry timetable" not in story["text"] and "Home" not in story["text"]
    assert story["summary"] == SHORT
    assert story["published"] == "2024-04-02T10:00:00Z", "the feed's date wins"
    assert story["authors"] == [{"name": "Maria Lindqvist", "email": None, "uri": None}], \
        "the page fills what the feed lacks"
    assert story["canonical_url"] == "https://courier.example/local/flood-barrier"
    assert story["section"] == "Local"

    reasons = {t: (b["text_source"], b["text_source_reason"]) for t, b in a.items()}
    assert reasons["A page that is gone"] == ("feed", "http-404")
    assert reasons["A page that never answers"] == ("feed", "timeout")
    assert reasons["A page that is JSON"] == ("feed", "not-html")
    assert reasons["A page of 20 MB"] == ("feed", "too-large")
    assert reasons["Budget talks stall"] == ("feed", "login-wall")
    assert reasons["Port strike enters second week"] == ("feed", "login-wall"), "a teaser only"
    assert a["Port strike enters second week"]["text"] == "The strike goes on, short."
    assert reasons["A long entry"] == ("feed", "feed-text-long-enough")
    assert reasons["A cut entry"] == ("page", "feed-text-cut")
    assert reasons["Page on a loopback address"] == ("feed", "refused-private")
    assert reasons["Page on a name of a loopback address"] == ("feed", "refused-private")
    assert reasons["A source that never fetches pages"] == ("feed", "fetch-page-never")
    assert a["A page that is gone"]["text"] == "Gone, short."
    assert a["Budget talks stall"]["text"] == "Talks broke down, short."
    assert a["A long entry"]["text"] == long_text
    assert a["A long entry"]["page_url"] is None
    for w in STORY_WORDS:
        assert w in a["A cut entry"]["text"]
    # the stalled page was waited for, but not longer than page_max_wait allows
    assert elapsed < 4 + 8, elapsed
    # the heartbeat counts them: 9 transfers ended (404, stall, JSON, 20 MB, wall, teaser,
    # story, cut, the refused localhost one), 2 bodies used, none waiting
    sub.collect(lambda m: any(t == "sys/heartbeat" and b["pages"]["queued"] == 0
                              and b["pages"]["fetched"] == 9 for t, b, _ in m[-5:]),
                what="a heartbeat counting the pages")
    hb = [b for t, b, _ in sub.msgs if t == "sys/heartbeat"][-1]
    validate(hb)
    assert hb["pages"] == {"fetched": 9, "used": 2, "queued": 0}, hb["pages"]

    # what was never to be fetched was not; what was refused never reached the server
    hits = httpd.hits()
    assert hits.get("/pages/long.html", 0) == 0
    assert hits.get("/pages/plain.html", 0) == 0
    assert hits.get("/pages/strict-a.html", 0) == 0
    assert hits.get("/pages/strict-b.html", 0) == 0
    assert hits.get("/pages/story.html", 0) == 1

    # the claims come from the page, after their article
    sub.collect(lambda m: any(t == "claim/paged" and b["article_id"] == story["id"]
                              for t, b, _ in m), what="claims of the page")
    claims = [b for t, b, _ in sub.msgs if t == "claim/paged" and b["article_id"] == story["id"]]
    for c in claims:
        validate(c)
    text = " ".join(c["sentence"] for c in claims)
    assert "Berg" in text or "Holm" in text, text
    speakers = {(c.get("speaker") or {}).get("text") for c in claims}
    assert any(s and ("Berg" in s or "Holm" in s) for s in speakers), speakers

    # every outcome that left the feed's text is logged once, with its reason
    time.sleep(2.5)  # more polls of the same feeds: nothing is fetched or logged again
    log = d.log()
    for reason in ("http-404", "timeout", "not-html", "too-large", "login-wall"):
        lines = [l for l in log.splitlines() if "not used (%s" % reason in l]
        assert len(lines) == (2 if reason == "login-wall" else 1), (reason, lines)
    refused = [l for l in log.splitlines() if "refused" in l and "strict" in l]
    assert len(refused) == 2, refused
    assert any("127.0.0.1 is a loopback address" in l for l in refused)
    assert "long-enough" not in log
    sub.poll(0.2)
    assert len(articles(sub)) == 12, "nothing published twice"
    assert httpd.hits().get("/pages/story.html", 0) == 1
    assert d.stop() == 0


def test_restart_fetches_no_page_twice(httpd, daemons, sub_factory):
    www(httpd)
    base = httpd.base
    rss(httpd.root / "paged.xml", [
        ("one", "Harbour council approves new flood barrier", base + "/count/pages/story.html", SHORT),
        ("two", "Budget talks stall", base + "/count/pages/wall.html", "Short."),
    ])
    d = daemons({"paged": {"url": httpd.url("paged.xml"), "page_allow_private": "yes",
                           "page_delay": "100ms"}})
    d.start()
    first, end = wait_for(lambda: (lambda r: r if len(r[0]) >= 2 else None)(
        replay(d.replay, "article/", 0)), what="2 articles journalled")
    hits = page_hits(httpd, "/pages/")
    assert hits == {"/pages/story.html": 1, "/pages/wall.html": 1}, hits
    assert d.stop() == 0
    d.start()
    sub = sub_factory(d.publish)
    connected(sub)
    time.sleep(3)  # three polls of the unchanged feed
    sub.poll(0.2)
    assert articles(sub) == []
    assert page_hits(httpd, "/pages/") == hits, "a page was fetched again after the restart"
    msgs, _ = replay(d.replay, "article/", 0)
    assert len(msgs) == 2
    # an entry whose text changes is a new content hash: its page is fetched once more
    rss(httpd.root / "paged.xml", [
        ("one", "Harbour council approves new flood barrier", base + "/count/pages/story.html",
         SHORT + " Updated."),
        ("two", "Budget talks stall", base + "/count/pages/wall.html", "Short."),
    ])
    sub.collect(lambda m: len([x for x in m if x[0] == "article/paged"]) >= 1,
                what="the changed article")
    _, body = articles(sub)[0]
    assert body["id"] in {b["id"] for _, b, _ in first}
    assert body["text_source"] == "page" and "Tomas Berg" in body["text"]
    assert page_hits(httpd, "/pages/")["/pages/story.html"] == 2
    assert d.stop() == 0


def test_kill9_while_a_page_is_fetched(httpd, daemons):
    """An article waiting for its page survives kill -9: published once, after the
    restart, with the page's body."""
    www(httpd)
    rss(httpd.root / "paged.xml", [
        ("slow", "Harbour council approves new flood barrier",
         httpd.base + "/slow/1500/pages/story.html", SHORT),
    ])
    d = daemons({"paged": {"url": httpd.url("paged.xml"), "page_allow_private": "yes",
                           "page_max_wait": "30s"}})
    d.start()
    wait_for(lambda: httpd.hits().get("/slow/1500/pages/story.html", 0) >= 1,
             what="the page request")
    d.kill()
    arts, queued = journal_after_kill(d)
    assert arts == [], "published before its page came"
    assert [q[1] for q in queued] == ["queued"], "the article waits, durably, for its page"
    d.start()
    msgs, _ = wait_for(lambda: (lambda r: r if r[0] else None)(replay(d.replay, "article/", 0)),
                       timeout=15, what="the article after the restart")
    assert len(msgs) == 1
    body = msgs[0][1]
    assert body["text_source"] == "page", body["text_source_reason"]
    assert "Tomas Berg" in body["text"]
    time.sleep(2)
    msgs, _ = replay(d.replay, "article/", 0)
    assert len(msgs) == 1, "published once"
    assert httpd.hits().get("/slow/1500/pages/story.html") == 2
    assert d.stop() == 0


def journal_after_kill(d):
    """What the state database holds after kill -9: journalled articles, queued pages."""
    import sqlite3
    db = sqlite3.connect(str(d.state / "claimd.db"))
    try:
        arts = db.execute("SELECT body FROM journal WHERE topic LIKE 'article/%'").fetchall()
        queued = db.execute("SELECT id, state FROM pages").fetchall()
    finally:
        db.close()
    return arts, queued


def test_page_delay_per_host(httpd, daemons, sub_factory):
    pages = www(httpd)
    for i in range(3):
        shutil.copy(PAGES / "story.html", pages / ("s%d.html" % i))
    d = daemons({"paged": {"url": httpd.url("paged.xml"), "page_allow_private": "yes",
                           "page_delay": "2s"}})
    sub = sub_factory(d.publish, ("article/", "sys/heartbeat"))
    d.start()
    connected(sub)
    rss(httpd.root / "paged.xml", [
        ("s%d" % i, "Story %d" % i, httpd.base + "/pages/s%d.html" % i, SHORT) for i in range(3)
    ])
    when = {}
    end = time.monotonic() + 20
    while len(when) < 3 and time.monotonic() < end:
        sub.poll(0.05)
        for t, b, _ in sub.msgs:
            if t.startswith("article/"):
                when.setdefault(b["title"], time.monotonic())
    assert len(when) == 3, when
    # the starts are 2 s apart; what is measured here also holds each page's extraction
    # and claims, which vary a little (more under the sanitizers)
    ts = sorted(when.values())
    assert ts[1] - ts[0] >= 1.4 and ts[2] - ts[1] >= 1.4, ts
    assert all(b["text_source"] == "page" for _, b in articles(sub))
    assert d.stop() == 0


def test_refusal_is_journalled_once_with_fields(journald, httpd, tmp_path):  # noqa: F811
    www(httpd)
    rss(httpd.root / "strict.xml", [
        ("name", "Page on a name of a loopback address",
         "http://localhost:%d/pages/story.html" % httpd.port, SHORT),
    ])
    d = Daemon(tmp_path, {"strict": httpd.url("strict.xml")})
    s, stream = journal_stream("claimd-pages-%d" % os.getpid())
    env = dict(os.environ, JOURNAL_STREAM=stream, NOTIFY_SOCKET=d.notify.path)
    t_start = time.time()
    proc = subprocess.Popen([CLAIMD, "-c", str(d.conf)], stderr=s.fileno(), stdout=s.fileno(),
                            env=env, pass_fds=(s.fileno(),))
    try:
        wait_for(lambda: d.notify.has("READY=1"), what="READY=1")
        since = "@%d" % int(t_start - 1)

        def entries():
            out = subprocess.run(["journalctl", "--no-pager", "-o", "json", "--since", since,
                                  "_PID=%d" % proc.pid], capture_output=True, text=True).stdout
            return [json.loads(line) for line in out.splitlines() if line.strip()]

        def refused():
            return [e for e in entries()
                    if e.get("MESSAGE_ID") == "a9032d8aea074350b2a6cf45eb75ccf9"]

        got = wait_for(refused, 15, what="the refusal in the journal")
        e = got[0]
        assert e["CLAIMD_SOURCE"] == "strict"
        assert e["CLAIMD_URL"] == "http://localhost:%d/pages/story.html" % httpd.port
        assert re.fullmatch(r"[0-9a-f]+", e["CLAIMD_ARTICLE_ID"])
        assert e["CLAIMD_PAGE_REASON"] == "refused-private"
        assert e["PRIORITY"] == "4"
        assert "127.0.0.1" in e["MESSAGE"] and "loopback" in e["MESSAGE"]
        time.sleep(3)  # three more polls
        assert len(refused()) == 1, "logged once"
        assert httpd.hits().get("/pages/story.html", 0) == 0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        s.close()
        d.close()


@pytest.mark.parametrize("conf,message", [
    ("fetch_page = sometimes", "key 'fetch_page': invalid value 'sometimes' (one of auto|always|never)"),
    ("page_min_chars = -1", "key 'page_min_chars': -1 is out of range"),
    ("page_allow_private = maybe", "key 'page_allow_private': invalid boolean 'maybe'"),
    ("page_delay = soon", "key 'page_delay': invalid duration 'soon'"),
    ("page_max_wait = 0s", "key 'page_max_wait': 0s is out of range"),
])
def test_check_config_rejects_bad_page_keys(tmp_path, conf, message):
    p = tmp_path / "c.conf"
    p.write_text("[claimd]\nstate_dir = %s\n\n[source a]\nurl = http://127.0.0.1:1/f.xml\n%s\n"
                 % (tmp_path / "state", conf))
    r = subprocess.run([CLAIMD, "--check-config", "-c", str(p)], capture_output=True, text=True)
    assert r.returncode == 1
    assert re.search(re.escape(str(p)) + r":6: " + re.escape(message), r.stderr + r.stdout), \
        r.stderr + r.stdout


def test_pages_follow_redirects_and_decode(httpd, daemons, sub_factory):
    """Pages come through redirects (at most 5), gzip and brotli, as feeds do; a link
    that is not http(s), or none, leaves the feed's text without a request."""
    www(httpd)
    base = httpd.base
    d = daemons({"paged": {"url": httpd.url("paged.xml"), "page_allow_private": "yes",
                           "page_delay": "0s"}})
    sub = sub_factory(d.publish)
    d.start()
    connected(sub)
    rss(httpd.root / "paged.xml", [
        ("r5", "Five redirects", base + "/redirect/5?to=/pages/story.html", SHORT),
        ("r6", "Six redirects", base + "/redirect/6?to=/pages/story.html", SHORT),
        ("gz", "Gzip", base + "/gzip/pages/story.html", SHORT),
        ("br", "Brotli", base + "/br/pages/story.html", SHORT),
        ("ftp", "Not http", "ftp://127.0.0.1/pages/story.html", SHORT),
        ("file", "Redirect to a file", base + "/redirect/1?to=file:///etc/passwd", SHORT),
        ("gopher", "Redirect to gopher", base + "/redirect/1?to=gopher://127.0.0.1:70/", SHORT),
    ])
    sub.collect(lambda m: len([x for x in m if x[0].startswith("article/")]) >= 7,
                what="7 articles")
    a = by_guid_title(sub)
    assert a["Five redirects"]["text_source"] == "page"
    assert a["Five redirects"]["page_url"] == base + "/pages/story.html"
    assert "Tomas Berg" in a["Five redirects"]["text"]
    assert (a["Six redirects"]["text_source"], a["Six redirects"]["text_source_reason"]) == \
        ("feed", "too-many-redirects")
    for t in ("Gzip", "Brotli"):
        assert a[t]["text_source"] == "page", (t, a[t]["text_source_reason"])
        assert "Anna Holm" in a[t]["text"]
    # the article keeps no link that is not http(s): no page to fetch
    assert (a["Not http"]["text_source"], a["Not http"]["text_source_reason"]) == \
        ("feed", "no-link")
    assert a["Not http"]["page_url"] is None
    for t in ("Redirect to a file", "Redirect to gopher"):
        assert (a[t]["text_source"], a[t]["text_source_reason"]) == ("feed", "not-http"), t
        assert "root:" not in a[t]["text"]
    assert d.stop() == 0


def test_never_held_forever(httpd, daemons, sub_factory):
    """An article whose page cannot start before page_max_wait (the host's page_delay is
    longer) goes out with the feed's text; so does one whose source is removed by a reload
    while its page stalls; fetch_page = always fetches even a long entry's page."""
    www(httpd)
    base = httpd.base
    long_text = ("The council met for six hours on Tuesday. " * 25).strip()
    rss(httpd.root / "slow.xml", [
        ("second", "Second on the host", base + "/pages/story.html?2", SHORT),
        ("first", "First on the host", base + "/pages/story.html?1", SHORT),
    ])
    # another host name for the same server: the per-host delay of "slow" does not apply
    rss(httpd.root / "gone.xml", [("stalls", "Stalls", "http://localhost:%d/stall" % httpd.port,
                                   SHORT)])
    # (behind the stalled page on that host name: one page request per host at a time)
    rss(httpd.root / "always.xml", [("long", "Long", "http://localhost:%d/pages/story.html"
                                     % httpd.port, long_text)])
    srcs = {
        "slow": {"url": httpd.url("slow.xml"), "page_allow_private": "yes",
                 "page_delay": "10m", "page_max_wait": "2s"},
        "gone": {"url": httpd.url("gone.xml"), "page_allow_private": "yes",
                 "page_max_wait": "1h", "timeout": "1h"},
        "always": {"url": httpd.url("always.xml"), "page_allow_private": "yes",
                   "fetch_page": "always"},
    }
    d = daemons(srcs, extra="timeout = 1h")
    sub = sub_factory(d.publish)
    d.start()
    wait_for(lambda: httpd.hits().get("/stall", 0) >= 1, what="the stalled page request")
    del srcs["gone"]
    d.write_config(srcs)
    d.signal(signal.SIGHUP)
    d.wait_log("reloaded")
    msgs, _ = wait_for(lambda: (lambda r: r if len(r[0]) >= 4 else None)(
        replay(d.replay, "article/", 0)), timeout=15, what="4 articles")
    a = {b["title"]: b for _, b, _ in msgs}
    assert len(msgs) == 4
    assert a["First on the host"]["text_source"] == "page"
    assert (a["Second on the host"]["text_source"],
            a["Second on the host"]["text_source_reason"]) == ("feed", "wait-exceeded")
    assert (a["Stalls"]["text_source"], a["Stalls"]["text_source_reason"]) == \
        ("feed", "source-removed")
    assert (a["Long"]["text_source"], a["Long"]["text_source_reason"]) == \
        ("page", "fetch-page-always")
    assert d.stop() == 0


def test_page_requests_share_the_per_host_limit(httpd, daemons):
    """max_per_host counts page and feed transfers together: with 1, a feed poll waits
    while a slow page of the same host is being fetched."""
    import urllib.request
    www(httpd)
    rss(httpd.root / "paged.xml", [
        ("slow", "Slow page", httpd.base + "/slow/1500/pages/story.html", SHORT),
    ])
    d = daemons({"paged": {"url": httpd.url("count/paged.xml"), "page_allow_private": "yes"}},
                extra="max_per_host = 1")
    d.start()
    msgs, _ = wait_for(lambda: (lambda r: r if r[0] else None)(replay(d.replay, "article/", 0)),
                       timeout=15, what="the article")
    assert msgs[0][1]["text_source"] == "page"
    polls = httpd.hits().get("/paged.xml", 0)
    time.sleep(1.5)
    assert httpd.hits().get("/paged.xml", 0) > polls, "polls go on"
    with urllib.request.urlopen(httpd.base + "/stats", timeout=5) as r:
        stats = json.loads(r.read())
    assert stats["max_concurrent"] == 1, stats
    assert d.stop() == 0


def test_state_full_when_the_page_arrives(httpd, daemons, tmp_path):
    """The state database refuses the article when its page arrives (disk full): nothing is
    lost; once there is space it is published, once, with the page's text, and the page is
    not fetched again."""
    import sqlite3
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail("cannot mount a tmpfs (tests run as root): " + r.stderr)
    try:
        pages = www(httpd)
        story = (PAGES / "story.html").read_text()
        para = ("<p>The committee heard that the barrier's gates would be tested every month, "
                "officials said, and that the council would publish each result.</p>\n")
        (pages / "long.html").write_text(story.replace("</article>", para * 3000 + "</article>"))
        rss(httpd.root / "paged.xml", [
            ("big", "Harbour council approves new flood barrier",
             httpd.base + "/slow/1500/pages/long.html", SHORT),
        ])
        d = daemons({"paged": {"url": httpd.url("paged.xml"), "page_allow_private": "yes",
                               "page_max_wait": "1m", "max_body": "64M"}})
        d.state = mnt / "state"
        d.write_config()
        d.start()
        wait_for(lambda: httpd.hits().get("/slow/1500/pages/long.html", 0) >= 1,
                 what="the page request")
        ballast = mnt / "ballast"
        subprocess.run(["dd", "if=/dev/zero", "of=%s" % ballast, "bs=64k"], capture_output=True)
        d.wait_log("State database error while storing an article of paged", timeout=15)
        assert d.proc.poll() is None
        ballast.unlink()
        msgs, _ = wait_for(lambda: (lambda r: r if r[0] else None)(
            replay(d.replay, "article/", 0)), timeout=20, what="the article once space is back")
        assert len(msgs) == 1
        assert msgs[0][1]["text_source"] == "page"
        assert "gates would be tested every month" in msgs[0][1]["text"]
        time.sleep(1.5)
        assert len(replay(d.replay, "article/", 0)[0]) == 1
        assert httpd.hits().get("/slow/1500/pages/long.html") == 1
        assert d.stop() == 0
        db = sqlite3.connect(str(d.state / "claimd.db"))
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT state, reason FROM pages").fetchall() == [("done", "page")]
        db.close()
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


NETNS_SCRIPT = r'''
import json, os, socket, sqlite3, subprocess, sys, time, urllib.request
root, www, claimd, httpd_py, lexicon = sys.argv[1:6]
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["ip", "addr", "add", "8.8.8.8/32", "dev", "lo"], check=True)
portfile = os.path.join(root, "port")
srv = subprocess.Popen([sys.executable, httpd_py, "--host", "0.0.0.0", "--port", "0",
                        "--root", www, "--port-file", portfile, "-q"])
for _ in range(200):
    if os.path.exists(portfile):
        break
    time.sleep(0.05)
port = int(open(portfile).read())
pub = "http://8.8.8.8:%d" % port
def item(guid, link):
    return ("<item><title>%s</title><link>%s</link><guid isPermaLink=\"false\">%s</guid>"
            "<description>Short.</description></item>" % (guid, link.replace("&", "&amp;"), guid))
with open(os.path.join(www, "feed.xml"), "w") as f:
    f.write('<rss version="2.0"><channel><title>t</title>' + "".join([
        item("public", pub + "/pages/story.html"),
        item("to-literal", pub + "/redirect/1?to=http://127.0.0.1:%d/pages/b.html" % port),
        item("to-name", pub + "/redirect/2?to=http://localhost:%d/pages/c.html" % port),
    ]) + "</channel></rss>")
def free():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
conf = os.path.join(root, "claimd.conf")
with open(conf, "w") as f:
    f.write("[claimd]\nstate_dir = %s/state\npublish = tcp://127.0.0.1:%d\n"
            "replay = tcp://127.0.0.1:%d\nlexicon_dir = %s\npage_delay = 0s\n\n"
            "[source net]\nurl = http://127.0.0.1:%d/feed.xml\ninterval = 1s\n"
            % (root, free(), free(), lexicon, port))
err = open(os.path.join(root, "claimd.stderr"), "w")
d = subprocess.Popen([claimd, "-c", conf], stderr=err, stdout=err)
arts = []
try:
    for _ in range(200):
        time.sleep(0.1)
        try:
            db = sqlite3.connect(os.path.join(root, "state", "claimd.db"))
            arts = [json.loads(b) for (b,) in db.execute(
                "SELECT body FROM journal WHERE topic LIKE 'article/%'")]
            db.close()
        except sqlite3.Error:
            continue
        if len(arts) >= 3:
            break
    time.sleep(1.5)
    hits = json.loads(urllib.request.urlopen("http://127.0.0.1:%d/hits" % port).read())
finally:
    d.terminate(); d.wait(10); srv.terminate(); srv.wait(10)
print(json.dumps({"articles": arts, "hits": hits,
                  "log": open(os.path.join(root, "claimd.stderr")).read()}))
'''


def test_redirects_from_a_public_page_to_private_addresses_are_refused(tmp_path):
    """In a network namespace of its own (nothing leaves it), the server also answers on a
    public address (8.8.8.8 on its loopback): a page there is fetched with the default
    settings, and its redirects to 127.0.0.1 and to localhost are refused at the hop."""
    from conftest import ROOT, PY
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace: " + probe.stderr.strip())
    w = tmp_path / "www"
    (w / "pages").mkdir(parents=True)
    for name in ("story.html", "b.html", "c.html"):
        shutil.copy(PAGES / "story.html", w / "pages" / name)
    r = subprocess.run(["unshare", "--net", PY, "-c", NETNS_SCRIPT, str(tmp_path), str(w), CLAIMD,
                        str(ROOT / "tests" / "httpd.py"), str(ROOT / "conf" / "lexicon")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    a = {b["title"]: b for b in out["articles"]}
    assert len(out["articles"]) == 3, out["log"]
    assert a["public"]["text_source"] == "page", a["public"]["text_source_reason"]
    assert "Tomas Berg" in a["public"]["text"]
    for t in ("to-literal", "to-name"):
        assert (a[t]["text_source"], a[t]["text_source_reason"]) == ("feed", "refused-private"), t
        assert a[t]["text"] == "Short."
    assert out["hits"].get("/pages/story.html") == 1
    assert "/pages/b.html" not in out["hits"] and "/pages/c.html" not in out["hits"], out["hits"]
    refused = [l for l in out["log"].splitlines() if "refused" in l]
    assert len(refused) == 2, refused
    assert all("loopback" in l for l in refused), refused
    assert any("127.0.0.1" in l for l in refused), refused


def test_kill9_rounds_with_pages_lose_and_repeat_nothing(httpd, daemons):
    """kill -9 at random moments while articles wait for their pages: in the end each is
    journalled exactly once, with its page's text (or, for one whose page was in flight at
    too many kills, the feed's text and "gave-up")."""
    import random
    pages = www(httpd)
    n = 8
    for i in range(n):
        shutil.copy(PAGES / "story.html", pages / ("s%d.html" % i))
    rss(httpd.root / "paged.xml", [
        ("k%d" % i, "Story %d" % i, httpd.base + "/slow/300/pages/s%d.html" % i, SHORT)
        for i in range(n)])
    d = daemons({"paged": {"url": httpd.url("paged.xml"), "page_allow_private": "yes",
                           "page_delay": "0s"}})
    rng = random.Random(9)
    for _ in range(6):
        d.start()
        time.sleep(rng.uniform(0.1, 1.2))
        d.kill()
    d.start()
    msgs, _ = wait_for(lambda: (lambda r: r if len(r[0]) >= n else None)(
        replay(d.replay, "article/", 0)), timeout=30, what="every article")
    time.sleep(1.5)
    msgs, end = replay(d.replay, "", 0)
    arts = [b for t, b, _ in msgs if t.startswith("article/")]
    assert sorted(b["title"] for b in arts) == sorted("Story %d" % i for i in range(n)), \
        "each article exactly once"
    for b in arts:
        assert (b["text_source"] == "page" and "Tomas Berg" in b["text"]) or \
            (b["text_source"], b["text_source_reason"]) == ("feed", "gave-up"), b
    gseqs = [b["gseq"] for _, b, _ in msgs]
    assert gseqs == sorted(set(gseqs))
    # claims only for what was published, each article's claims once
    claims = [b for t, b, _ in msgs if t.startswith("claim/")]
    per = {}
    for c in claims:
        per.setdefault(c["article_id"], []).append(c["id"])
    assert set(per) <= {b["id"] for b in arts}
    assert all(len(v) == len(set(v)) for v in per.values())
    assert d.stop() == 0
