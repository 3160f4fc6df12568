"""test_examples.py — the example subscribers in three languages, each against the real
daemon polling a real local HTTP server, each gap-free with replay:

- examples/sub.py (pyzmq), examples/sub.c (libzmq + jansson, built by `make examples`),
  examples/sub.js (Node.js, npm zeromq 6: installed on first use into a cache directory
  outside the repository, $CLAIMD_NODE_DIR or ~/.cache/claimd/node; skipped with a message
  when node or npm is missing or the registry cannot be reached);
- each starts with --since 0 after the first articles were published (so it must replay
  them); then it is stopped (SIGSTOP) while claimd restarts and publishes new articles to
  nobody, and continued: those can only come from replay (its heartbeat shows a gseq ahead
  of what it has). Then 40 more arrive live. It must print every article exactly once, in
  gseq order, the same ids as the journal.

Run: /usr/bin/python3 -m pytest -q tests/integration/test_examples.py (after make all
examples).
"""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import BINDIR, PY, ROOT, replay, wait_for
from test_lose_nothing import write_feed

BUILD = ROOT / ("build-san" if BINDIR.name == "build-san" else "build")
NODE_DIR = pathlib.Path(os.environ.get("CLAIMD_NODE_DIR",
                                       pathlib.Path.home() / ".cache" / "claimd" / "node"))


def node_ready():
    """Returns None when examples/sub.js can run, else why not."""
    if not shutil.which("node"):
        return "node not found"
    if (NODE_DIR / "node_modules" / "zeromq" / "package.json").is_file():
        return None
    if not shutil.which("npm"):
        return "npm not found"
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    if not (NODE_DIR / "package.json").exists():
        (NODE_DIR / "package.json").write_text('{"private": true}\n')
    try:
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "zeromq@6"],
                           cwd=NODE_DIR, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "npm install zeromq@6 timed out (registry unreachable?)"
    if r.returncode != 0:
        return "npm install zeromq@6 failed (registry unreachable?): " + r.stderr[-300:]
    return None


def command(lang, pub, rep, n):
    args = ["--since", "0", "-n", str(n), pub, rep, "article/"]
    if lang == "python":
        return [PY, str(ROOT / "examples" / "sub.py")] + args, None
    if lang == "c":
        exe = BUILD / "examples" / "sub"
        assert exe.is_file(), "%s missing: run make examples" % exe
        return [str(exe)] + args, None
    why = node_ready()
    if why:
        pytest.skip("Node example skipped: " + why)
    env = dict(os.environ, NODE_PATH=str(NODE_DIR / "node_modules"))
    return ["node", str(ROOT / "examples" / "sub.js")] + args, env


class Reader:
    def __init__(self, proc):
        self.lines, self.proc = [], proc
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        for l in self.proc.stdout:
            self.lines.append(l)


@pytest.mark.parametrize("lang", ["python", "c", "node"])
def test_example_is_gap_free(lang, httpd, daemons):
    feeds = ("one", "two")
    for f in feeds:
        write_feed(httpd.root / ("%s.xml" % f), 1, 2)
    d = daemons({f: {"url": httpd.url("%s.xml" % f), "interval": "1s"} for f in feeds})
    d.start()
    wait_for(lambda: len(replay(d.replay, "article/", 0)[0]) >= 4, what="4 articles")
    total = 2 * 60
    cmd, env = command(lang, d.publish, d.replay, total)
    err = open(d.tmp / ("%s.stderr" % lang), "w+")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    try:
        r = Reader(proc)
        wait_for(lambda: len(r.lines) >= 4, timeout=20, what="the replayed first articles")
        time.sleep(0.5)
        proc.send_signal(signal.SIGSTOP)
        assert d.stop() == 0
        for f in feeds:
            write_feed(httpd.root / ("%s.xml" % f), 1, 40, pad=2000)
        d.start()
        wait_for(lambda: len(replay(d.replay, "article/", 0)[0]) >= 80, what="80 articles")
        proc.send_signal(signal.SIGCONT)
        wait_for(lambda: len(r.lines) >= 80, timeout=30, what="the missed articles replayed")
        for f in feeds:
            write_feed(httpd.root / ("%s.xml" % f), 1, 60, pad=2000)
        proc.wait(60)
        r.t.join(5)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.kill()
            proc.wait()
    err.seek(0)
    log = err.read()
    assert proc.returncode == 0, log[-2000:]
    got = [json.loads(l) for l in r.lines if l.startswith("{")]
    gseqs = [m["gseq"] for m in got]
    assert gseqs == sorted(set(gseqs)), "out of order or repeated"
    journal = [b for t, b, _ in replay(d.replay, "article/", 0, timeout=20)[0]]
    assert [m["body"]["id"] for m in got] == [b["id"] for b in journal][:total]
    assert all(m["body"]["gseq"] == m["gseq"] for m in got)
    assert d.stop() == 0
