"""test_metrics.py — the Prometheus endpoint (`metrics = HOST:PORT`, libmicrohttpd inside
claimd's own loop), against the real daemon polling a real local HTTP server:

- GET /metrics passes `promtool check metrics` (the Prometheus project's linter: naming,
  units, _total counters, histogram shape) and its figures agree with the journal and with
  what the sources did (a 200 and a 404); other paths get 404, other methods 405;
- a real Prometheus server on loopback scrapes it once: the target is up and a query
  returns claimd's figures;
- a bad address is reported by --check-config with file:line, and a port in use stops the
  start with a clear error.

Run: /usr/bin/python3 -m pytest -q tests/integration/test_metrics.py (after make all).
"""
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import CLAIMD, free_port, replay, wait_for
from test_lose_nothing import write_feed


def get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def samples(text):
    out = {}
    for l in text.splitlines():
        if l and not l.startswith("#"):
            name, value = l.rsplit(" ", 1)
            out[name] = float(value)
    return out


@pytest.fixture
def running(httpd, daemons):
    port = free_port()
    write_feed(httpd.root / "good.xml", 1, 3)
    d = daemons({"good": httpd.url("good.xml"), "broken": httpd.url("missing.xml")},
                extra="metrics = 127.0.0.1:%d" % port)
    d.start()
    wait_for(lambda: len(replay(d.replay, "article/", 0)[0]) >= 3, what="3 articles")
    wait_for(lambda: any(b["event"] == "failing"
                         for _, b, _ in replay(d.replay, "sys/source/", 0)[0]), what="failing")
    d.metrics = "127.0.0.1:%d" % port
    return d


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool (Debian prometheus) missing")
def test_exposition_lints_and_agrees(running):
    d = running
    code, ctype, text = get("http://%s/metrics" % d.metrics)
    assert code == 200 and ctype.startswith("text/plain; version=0.0.4")
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(), \
        r.stdout + r.stderr
    s = samples(text)
    msgs = replay(d.replay, "", 0)[0]
    claims = len([1 for t, _, _ in msgs if t == "claim/good"])
    assert s['claimd_build_info{version="0.1.0"}'] == 1
    assert s['claimd_articles_published_total{source="good"}'] == 3
    assert s['claimd_claims_published_total{source="good"}'] == claims > 0
    assert s['claimd_articles_published_total{source="broken"}'] == 0
    assert s['claimd_source_up{source="good"}'] == 1
    assert s['claimd_source_up{source="broken"}'] == 0
    assert s['claimd_source_consecutive_errors{source="broken"}'] >= 1
    assert s['claimd_source_last_fetch_http_status{source="broken"}'] == 404
    assert s['claimd_source_last_fetch_http_status{source="good"}'] == 200
    assert s['claimd_fetches_total{source="broken",result="http_error"}'] >= 1
    assert s['claimd_fetches_total{source="good",result="ok"}'] >= 1
    for src in ("good", "broken"):
        count = s['claimd_fetch_duration_seconds_count{source="%s"}' % src]
        assert count == sum(s['claimd_fetches_total{source="%s",result="%s"}' % (src, k)]
                            for k in ("ok", "not_modified", "http_error", "error"))
        assert s['claimd_fetch_duration_seconds_bucket{source="%s",le="+Inf"}' % src] == count
        buckets = [v for k, v in s.items()
                   if k.startswith('claimd_fetch_duration_seconds_bucket{source="%s"' % src)]
        assert buckets == sorted(buckets)
    assert s['claimd_fetched_bytes_total{source="good"}'] > 1000
    assert s["claimd_gseq"] == max(b["gseq"] for _, b, _ in msgs)
    assert s["claimd_journal_bytes"] > 0 and s["claimd_messages_sent_total"] >= len(msgs)
    assert s['claimd_sources{health="ok"}'] == 1 and s['claimd_sources{health="failing"}'] == 1
    before = samples(get("http://%s/metrics" % d.metrics)[2])[
        'claimd_replay_requests_total{result="snapshot"}']
    replay(d.replay, "", 0)
    after = samples(get("http://%s/metrics" % d.metrics)[2])
    assert after['claimd_replay_requests_total{result="snapshot"}'] == before + 1
    assert abs(after["claimd_start_time_seconds"] - time.time()) < 120


def test_other_paths_and_methods(running):
    assert get("http://%s/" % running.metrics)[0] == 404
    assert get("http://%s/metrics/x" % running.metrics)[0] == 404
    assert get("http://%s/metrics" % running.metrics, "POST")[0] == 405
    assert get("http://%s/metrics" % running.metrics, "HEAD")[0] == 200
    # the daemon is still fine
    assert get("http://%s/metrics" % running.metrics)[0] == 200


@pytest.mark.skipif(not shutil.which("prometheus"), reason="prometheus (Debian) missing")
def test_scraped_by_a_real_prometheus(running, tmp_path):
    port = free_port()
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n  - job_name: claimd\n    static_configs:\n"
        "      - targets: ['%s']\n" % running.metrics)
    log = open(tmp_path / "prometheus.log", "w")
    p = subprocess.Popen(["prometheus", "--config.file=%s" % (tmp_path / "prometheus.yml"),
                          "--storage.tsdb.path=%s" % (tmp_path / "tsdb"),
                          "--web.listen-address=127.0.0.1:%d" % port], stdout=log, stderr=log)
    api = "http://127.0.0.1:%d/api/v1/" % port
    try:
        def target_up():
            try:
                code, _, body = get(api + "targets")
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                return None
            if code != 200:
                return None
            t = json.loads(body)["data"]["activeTargets"]
            return t and t[0]["health"] == "up" and t[0]
        t = wait_for(target_up, timeout=60, step=0.5, what="prometheus scraping claimd")
        assert t["scrapeUrl"] == "http://%s/metrics" % running.metrics
        q = urllib.parse.quote('claimd_articles_published_total{source="good"}')
        res = wait_for(lambda: json.loads(get(api + "query?query=" + q)[2])["data"]["result"],
                       timeout=30, what="the query result")
        assert res[0]["value"][1] == "3"
        assert res[0]["metric"]["job"] == "claimd"
    finally:
        p.terminate()
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
        log.close()


def test_bad_address_and_port_in_use(tmp_path, httpd, daemons):
    d = daemons({"good": httpd.url("good.xml")}, extra="metrics = 127.0.0.1:99999")
    r = subprocess.run([CLAIMD, "--check-config", "-c", str(d.conf)], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 1
    assert re.search(r"\.conf:\d+: key 'metrics': '127\.0\.0\.1:99999': the port must be", r.stderr), \
        r.stderr
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        d.write_config(extra="metrics = 127.0.0.1:%d" % busy.getsockname()[1])
        p = subprocess.run([CLAIMD, "-c", str(d.conf)], capture_output=True, text=True,
                           timeout=20)
        assert p.returncode == 1
        assert "cannot serve metrics on 127.0.0.1:%d" % busy.getsockname()[1] in p.stderr, p.stderr
    finally:
        busy.close()
