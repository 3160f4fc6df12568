"""Resource limits under attack, through the real daemon: a feed of 100,000 items, an item
of 15 MB of text, 5,000-deep HTML nesting, a 1 MB title, a sentence of 50,000 words without
punctuation, 10,000 entities in one paragraph. Each is served by the local HTTP server
beside a normal source; each test checks that

  - the loop is never held for long: heartbeats (every 200 ms) keep coming, the longest gap
    between two of them is the time the hostile feed's worst article took, and it stays
    under LOOP_BOUND (the bound per article);
  - memory stays bounded: the daemon's peak RSS (VmHWM) stays under RSS_BOUND;
  - the normal source publishes its articles, and a new article of it after the attack;
  - what was cut is said in a log line.

Under AddressSanitizer (make SAN=1 test) the bounds are scaled by SAN_SCALE: the same code
runs several times slower and ASan's allocator keeps freed memory in quarantine.
The figures are printed (pytest -s shows them)."""
import datetime
import html
import random
import shutil
import subprocess
import time

import pytest

from conftest import CLAIMD, DATA, replay, wait_for

SAN = b"asan" in subprocess.run(["ldd", CLAIMD], capture_output=True).stdout or \
    b"__asan_init" in subprocess.run(["nm", "-D", CLAIMD], capture_output=True).stdout
SAN_SCALE = 5 if SAN else 1
# Seconds the loop may be held by one article (or by parsing one feed): 5 s, a sixth of
# WatchdogSec. Measured here: at most one heartbeat (0.2 s) for all but the 15 MB text node
# (0.6 s); up to 2.8 s on a machine busy with other work.
LOOP_BOUND = 5.0 * SAN_SCALE
RSS_BOUND = 400 * 1024 * (4 if SAN else 1)  # KiB of peak RSS

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        '<title>Hostile</title><link>http://127.0.0.1/</link><description>d</description>\n')
TAIL = '</channel></rss>\n'
WORDS = ("the minister said that officials would review budget plans across several "
         "regions next year").split()


def item(i, title, desc):
    return ('<item><title>%s</title><link>http://127.0.0.1/h/%d</link><guid>h-%d</guid>'
            '<description>%s</description></item>\n' % (html.escape(title), i, i,
                                                         html.escape(desc)))


def feed_many():
    return HEAD + "".join('<item><title>Item %d</title><link>http://127.0.0.1/m/%d</link>'
                          '<guid>m%d</guid></item>\n' % (i, i, i)
                          for i in range(100000)) + TAIL


def feed_big_text():
    # Atom xhtml content: 15 MB of text in many paragraphs (libxml2 caps one text node
    # at 10 MB, which a single escaped <description> would hit first)
    para = ("<p>The minister said on Tuesday that the budget would rise by 4 percent next "
            "year, officials said. The port handled 1.2 million containers, the authority "
            "said.</p>\n")
    n = 15 * 1000 * 1000 // len(para)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            '<title>Hostile</title><id>urn:hostile</id><updated>2024-03-05T10:00:00Z</updated>'
            '<entry><title>Fifteen megabytes</title><id>urn:hostile:big</id>'
            '<link href="http://127.0.0.1/h/big"/><updated>2024-03-05T10:00:00Z</updated>'
            '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
            + para * n + '</div></content></entry></feed>\n')


def feed_deep():
    return HEAD + item(1, "Deep nesting", "<div>" * 5000 +
                       "The mayor said the bridge would reopen in May." + "</div>" * 5000) + TAIL


def feed_big_title():
    return HEAD + item(1, "Big title " + "word " * 200000,
                       "The mayor said the bridge would reopen in May.") + TAIL


def feed_long_sentence():
    r = random.Random(1)
    return HEAD + item(1, "Long sentence", "Officials said " +
                       " ".join(r.choice(WORDS) for _ in range(50000))) + TAIL


def feed_entities():
    r = random.Random(2)
    first = ("Alice Bob Carol David Emma Frank Grace Henry Irene James Karen Louis Maria "
             "Nadia Oscar Paula").split()
    last = ("Smith Jones Brown Garcia Miller Davis Wilson Moore Taylor Thomas Martin Clark "
            "Lewis Walker Young King").split()
    names = ["%s %s%d" % (r.choice(first), r.choice(last), i) for i in range(10000)]
    # one paragraph: sentences of 20 names each, and one of all 10,000
    sents = ["%s and %s said the deal would cost $5 million." % (", ".join(names[i:i + 19]),
                                                                  names[i + 19])
             for i in range(0, 10000, 20)]
    sents.append("Officials from " + ", ".join(names) + " said the deal would cost $5 million.")
    return HEAD + item(1, "Many entities", "<p>" + " ".join(sents) + "</p>") + TAIL


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    import os
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def attack(httpd, daemons, sub_factory, name, body, expect_log=None, extra_src=None,
           wait_articles=1):
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    (httpd.root / name).write_text(body)
    bad = {"url": httpd.url(name), "interval": "1h", "fetch_page": "never"}
    bad.update(extra_src or {})
    d = daemons({"good": {"url": httpd.url("news.xml"), "fetch_page": "never"}, "bad": bad})
    d.start()
    sub = sub_factory(d.publish, ("sys/heartbeat", "article/bad"))
    beats = []

    def arrived():
        # the daemon's own clock (emitted_at), not when this busy test reads the message
        before = len(sub.msgs)
        sub.poll(0.05)
        beats.extend(datetime.datetime.strptime(b["emitted_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
                     .timestamp() for t, b, _ in sub.msgs[before:] if t == "sys/heartbeat")
        return sub.msgs

    t0 = time.monotonic()
    bound = 120 if SAN else 60
    wait_for(lambda: (arrived(), len(replay(d.replay, "article/bad", 0)[0]) >= wait_articles)[1],
             bound, step=0.05, what="the hostile source's articles")
    elapsed = time.monotonic() - t0
    for _ in range(10):  # a second more of heartbeats after the last article
        arrived()
        time.sleep(0.1)
    gaps = [b - a for a, b in zip(beats, beats[1:])]
    worst = max(gaps) if gaps else elapsed
    rss = rss_kib(d.proc.pid)
    cpu = cpu_seconds(d.proc.pid)
    print("\n%s: %d articles in %.2fs, longest loop hold %.2fs, peak RSS %d MiB, CPU %.2fs"
          % (name, wait_articles, elapsed, worst, rss // 1024, cpu))
    assert len(beats) >= 3, "heartbeats stopped"
    assert worst < LOOP_BOUND, "the loop was held %.2fs (bound %.1fs)" % (worst, LOOP_BOUND)
    assert rss < RSS_BOUND, "peak RSS %d KiB over %d KiB" % (rss, RSS_BOUND)
    # the normal source is unaffected: its articles, then a new one after the attack
    good, _ = wait_for(lambda: (lambda r: r if len(r[0]) >= 2 else None)(
        replay(d.replay, "article/good", 0)), what="the good source's articles")
    fresh = (DATA / "news.xml").read_text().replace(
        "<item>", "<item><title>Ferry service resumes after storm</title>"
        "<link>http://127.0.0.1/news/ferry</link><guid>after-attack</guid>"
        "<description>The ferry operator said services would resume on Friday.</description>"
        "</item>\n<item>", 1)
    (httpd.root / "news.xml").write_text(fresh)
    wait_for(lambda: any(b["title"] == "Ferry service resumes after storm"
                         for _, b, _ in replay(d.replay, "article/good", 0)[0]),
             20, what="the good source's article published after the attack")
    if expect_log:
        d.wait_log(expect_log, 10)
    assert d.proc.poll() is None, "daemon died:\n" + d.log()[-3000:]
    msgs, _ = replay(d.replay, "article/bad", 0)
    return d, msgs


def test_feed_of_100000_items(httpd, daemons, sub_factory):
    d, msgs = attack(httpd, daemons, sub_factory, "many.xml", feed_many(),
                     expect_log="the rest was not read", wait_articles=1000)
    assert len(msgs) == 1000  # max_items
    assert d.stop() == 0


def test_item_of_15mb_text(httpd, daemons, sub_factory):
    d, msgs = attack(httpd, daemons, sub_factory, "big.xml", feed_big_text(),
                     expect_log="claims read from the first 1048576 only")
    art = msgs[0][1]
    assert 1 << 20 < len(art["text"].encode()) <= 4 << 20  # HTML_TEXT_MAX
    assert "cut there (HTML_TEXT_MAX)" in d.log()
    claims, _ = replay(d.replay, "claim/bad", 0)
    assert claims, "no claims from the first MiB"
    assert len(claims) <= 400  # CLAIMS_MAX_PER_ARTICLE
    assert d.stop() == 0


def test_5000_deep_nesting(httpd, daemons, sub_factory):
    d, msgs = attack(httpd, daemons, sub_factory, "deep.xml", feed_deep())
    # libxml2 stops at depth 256; the text below is kept all the same
    assert msgs[0][1]["text"] == "The mayor said the bridge would reopen in May."
    assert d.stop() == 0


def test_title_of_1mb(httpd, daemons, sub_factory):
    d, msgs = attack(httpd, daemons, sub_factory, "title.xml", feed_big_title(),
                     expect_log="cut to 2048 (ARTICLE_MAX_TITLE)")
    title = msgs[0][1]["title"]
    assert title.startswith("Big title word word") and len(title.encode()) <= 2048
    assert d.stop() == 0


def test_sentence_of_50000_words(httpd, daemons, sub_factory):
    d, msgs = attack(httpd, daemons, sub_factory, "sentence.xml", feed_long_sentence())
    assert len(msgs[0][1]["text"].split()) == 50002
    # over CLAIMS_MAX_SENT_BYTES: not a claim (and never more than 400 tokens are read)
    claims, _ = replay(d.replay, "claim/bad", 0)
    assert claims == []
    assert d.stop() == 0


def test_10000_entities_in_one_paragraph(httpd, daemons, sub_factory):
    d, msgs = attack(httpd, daemons, sub_factory, "entities.xml", feed_entities())
    claims, _ = replay(d.replay, "claim/bad", 0)
    assert claims, "the sentences of twenty names are claims"
    assert all(len(b["entities"]) <= 32 for _, b, _ in claims)  # 2 * CLAIMS_MAX_ITEMS
    assert all(len(b["sentence"]) <= 4000 for _, b, _ in claims)
    assert d.stop() == 0


def test_item_of_15mb_in_one_text_node(httpd, daemons, sub_factory):
    # RSS: one <description> of 15 MB is one text node, over libxml2's 10 MB cap (which
    # claimd never lifts): the item is published with what was read, and the log says why
    para = "<p>The mayor said the bridge would reopen in May, officials said.</p>\n"
    body = (HEAD + '<item><title>One node</title><link>http://127.0.0.1/h/1</link>'
            '<guid>h-1</guid><description><![CDATA[' + para * (15 * 1000 * 1000 // len(para))
            + ']]></description></item>' + TAIL)
    d, msgs = attack(httpd, daemons, sub_factory, "node.xml", body,
                     expect_log="a text node over libxml2's 10 MB limit")
    assert msgs[0][1]["title"] == "One node"
    assert msgs[0][1]["text"].startswith("The mayor said the bridge would reopen in May")
    assert d.stop() == 0
