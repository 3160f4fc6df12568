"""A claim stage without its part-of-speech model falls back to the word lists: the article
and its claims are still published, and the fallback is logged once per article at debug
level with its MESSAGE_ID (issue 16: bad input keeps its rules)."""
import shutil

from conftest import ROOT, replay, wait_for

MSGID = "d8394c6447674839a25173455bc0eccc"

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Plant news</title><link>http://127.0.0.1/</link>
<item><title>Appliance maker to cut jobs</title><link>http://127.0.0.1/a1</link><guid>a1</guid>
<pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate>
<description>The Ohio-based maker of kitchen appliances said on Monday that it would cut
1,200 jobs by March, after sales fell 14 percent last year.</description></item>
</channel></rss>
"""


def run(httpd, daemons, tmp_path, with_model):
    lex = tmp_path / "lexicon"
    shutil.copytree(ROOT / "conf" / "lexicon", lex)
    if not with_model:
        (lex / "tagger.model").unlink()
    (httpd.root / "plant.xml").write_text(FEED)
    d = daemons({"plant": {"url": httpd.url("plant.xml"), "fetch_page": "never"}},
                extra="lexicon_dir = %s\nlog_level = debug" % lex)
    d.start()
    claims, _ = wait_for(lambda: (lambda r: r if r[0] else None)(replay(d.replay, "claim/plant", 0)),
                         15, what="the article's claims")
    arts, _ = replay(d.replay, "article/plant", 0)
    assert len(arts) == 1
    assert any("1,200 jobs" in c[1]["sentence"] for c in claims)
    wait_for(lambda: "Published article" in d.log(), 10, what="the publish log line")
    log = d.log()
    assert d.proc.poll() is None
    assert d.stop() == 0
    return log


def test_no_model_falls_back_logged_once(httpd, daemons, tmp_path):
    log = run(httpd, daemons, tmp_path, with_model=False)
    lines = [l for l in log.splitlines() if "without part-of-speech tags" in l]
    assert len(lines) == 1, log
    assert lines[0].startswith("<7>"), lines[0]


def test_with_model_nothing_logged(httpd, daemons, tmp_path):
    log = run(httpd, daemons, tmp_path, with_model=True)
    assert "without part-of-speech tags" not in log
