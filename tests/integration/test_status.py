"""test_status.py — `claimctl status` asks the running daemon (["STATUS"] on its replay
socket) and prints every source's health, last fetch (status, time, bytes, duration), next
poll, consecutive errors, last error, articles and claims, and the daemon's counters:

- --json validates against include/claimd/schema/claimd.status-1.json and agrees with the
  journal (articles, claims per source) and with what the sources did (a 200 and a 404);
- the human form names each source with its health and last error;
- it works as an unprivileged user (nobody), finds the endpoint in -c FILE, and says
  clearly, with exit 3, when claimd is not running; replay requests are counted.

Run: /usr/bin/python3 -m pytest -q tests/integration/test_status.py (after make all).
"""
import json
import os
import shutil
import subprocess

import jsonschema
import pytest

from conftest import CLAIMCTL, SCHEMAS, free_port, replay, wait_for
from test_lose_nothing import write_feed


def status(*args, user=None):
    pre = ["runuser", "-u", user, "--"] if user else []
    return subprocess.run(pre + [CLAIMCTL, "status", *args], capture_output=True, text=True,
                          timeout=20)


@pytest.fixture
def running(httpd, daemons):
    write_feed(httpd.root / "good.xml", 1, 3)
    d = daemons({"good": httpd.url("good.xml"), "broken": httpd.url("missing.xml"),
                 "off": {"url": httpd.url("good.xml"), "enabled": "no"}})
    d.start()
    wait_for(lambda: len(replay(d.replay, "article/", 0)[0]) >= 3, what="3 articles")
    wait_for(lambda: any(b["event"] == "failing"
                         for _, b, _ in replay(d.replay, "sys/source/", 0)[0]), what="failing")
    return d


def test_json_matches_schema_and_journal(running):
    d = running
    p = status("--json", d.replay)
    assert p.returncode == 0, p.stderr
    st = json.loads(p.stdout)
    sch = json.loads((SCHEMAS / "claimd.status-1.json").read_text())
    jsonschema.Draft202012Validator(sch, format_checker=jsonschema.FormatChecker()).validate(st)
    assert st["pid"] == d.proc.pid and st["state"] == "running"
    msgs = replay(d.replay, "", 0)[0]
    src = {s["name"]: s for s in st["sources"]}
    assert set(src) == {"good", "broken", "off"}
    good, broken, off = src["good"], src["broken"], src["off"]
    assert good["health"] == "ok" and good["errors"] == 0 and good["last_error"] is None
    assert good["last_fetch"]["status"] == 200 and good["last_fetch"]["result"] == "ok"
    assert good["last_fetch"]["bytes"] > 1000 and good["last_fetch"]["duration_ms"] >= 0
    assert good["articles"] == len([1 for t, _, _ in msgs if t == "article/good"]) == 3
    assert good["claims"] == len([1 for t, _, _ in msgs if t == "claim/good"]) > 0
    assert good["next_poll"] and good["fetches"] >= 1
    assert broken["health"] == "failing" and broken["errors"] >= 1
    assert broken["last_error"] == "HTTP status 404"
    assert broken["last_fetch"]["status"] == 404 and broken["last_fetch"]["result"] == "http_error"
    assert broken["failing_since"] and broken["articles"] == 0
    assert off["enabled"] is False and off["last_fetch"] is None and off["next_poll"] is None
    c = st["counters"]
    assert c["articles"] == 3 and c["claims"] == good["claims"] and c["fetch_errors"] >= 1
    assert st["gseq"] == max(b["gseq"] for _, b, _ in msgs)
    before = json.loads(status("--json", d.replay).stdout)["replay_requests"]
    replay(d.replay, "", 0)
    after = json.loads(status("--json", d.replay).stdout)["replay_requests"]
    assert after["snapshot"] == before["snapshot"] + 1
    assert after["status"] == before["status"] + 1


def test_human_form(running):
    p = status(running.replay)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith("claimd ") and ": running (pid %d)" % running.proc.pid in out
    lines = {l.split()[0]: l for l in out.splitlines() if l and not l.startswith((" ", "claimd"))}
    assert lines["SOURCE"].split()[:2] == ["SOURCE", "HEALTH"]
    assert lines["good"].split()[1:3] == ["ok", "200"]
    assert lines["broken"].split()[1:3] == ["failing", "404"]
    assert lines["broken"].rstrip().endswith("HTTP status 404")
    assert lines["off"].split()[1] == "off"
    assert "published: 3 articles" in out


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"),
                    reason="needs root to run as another user")
def test_as_unprivileged_user(running):
    p = status("--json", running.replay, user="nobody")
    assert p.returncode == 0, p.stderr
    assert {s["name"] for s in json.loads(p.stdout)["sources"]} == {"good", "broken", "off"}


def test_endpoint_from_config(running):
    p = status("--json", "-c", str(running.conf))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["replay"] == running.replay


def test_not_running():
    ep = "tcp://127.0.0.1:%d" % free_port()
    p = status(ep)
    assert p.returncode == 3
    assert "claimd is not running" in p.stderr and ep in p.stderr and p.stdout == ""
    p = status("--json", ep)
    assert p.returncode == 3 and p.stdout == ""


def test_usage():
    assert status("--bogus").returncode == 2
    assert status("a", "b").returncode == 2
    assert status("--help").returncode == 0
