"""The README's own example configuration starts claimd from the build tree: no
lexicon_dir, nothing installed in /etc/claimd. The lexicons that come with claimd are found
next to the binary, and claims are extracted with them."""
import os
import re
import subprocess


from conftest import CLAIMD, ROOT, NotifySocket, free_port, replay, wait_for


def readme_config():
    text = (ROOT / "README.md").read_text()
    m = re.search(r"## Configuration.*?```ini\n(.*?)```", text, re.S)
    assert m, "no ini block in the README's Configuration section"
    return m.group(1)


def test_readme_configuration_starts_from_build_tree(tmp_path, httpd):
    (httpd.root / "rss.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        '<item><title>Dam</title><guid isPermaLink="false">g1</guid>'
        '<pubDate>Tue, 05 Mar 2024 10:00:00 +0000</pubDate><description>The mayor said on '
        'Monday that about 400 people were evacuated from the valley.</description></item>'
        '</channel></rss>')
    conf = readme_config()
    assert "lexicon_dir" not in conf
    pub, rep = free_port(), free_port()
    drop = tmp_path / "sources.d"
    drop.mkdir()
    # only what cannot work on a test machine changes: paths, ports, the feed's URL
    conf = (conf.replace("/var/lib/claimd", str(tmp_path / "state"))
            .replace("tcp://127.0.0.1:5556", "tcp://127.0.0.1:%d" % pub)
            .replace("tcp://127.0.0.1:5557", "tcp://127.0.0.1:%d" % rep)
            .replace("/etc/claimd/sources.d", str(drop))
            .replace("https://example.org/rss.xml", httpd.url("rss.xml")))
    path = tmp_path / "claimd.conf"
    path.write_text(conf)
    ns = NotifySocket(tmp_path / "notify")
    env = dict(os.environ, NOTIFY_SOCKET=ns.path)
    env.pop("CLAIMD_LEXICON_DIR", None)
    env.pop("JOURNAL_STREAM", None)
    err = open(tmp_path / "stderr", "w")
    p = subprocess.Popen([CLAIMD, "-c", str(path)], stderr=err, stdout=err, env=env)
    try:
        wait_for(lambda: ns.has("READY=1") or p.poll() is not None, what="READY=1")
        log = (tmp_path / "stderr").read_text()
        assert p.poll() is None, log
        assert "Cannot load lexicons" not in log
        rep_ep = "tcp://127.0.0.1:%d" % rep
        claims = wait_for(lambda: replay(rep_ep, "claim/", 0)[0], timeout=10,
                          what="a claim extracted with the shipped lexicons")
        assert claims[0][1]["speaker"]["text"], claims
    finally:
        p.terminate()
        assert p.wait(10) == 0
        err.close()
        ns.close()
