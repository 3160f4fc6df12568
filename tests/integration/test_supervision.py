"""Supervision through real systemd interfaces: a notify datagram socket bound by the test,
SIGHUP reload with a live subscriber, and a real systemd-journald process reading the
daemon's structured entries back with journalctl."""
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import CLAIMD, DATA, ROOT, replay, wait_for


def test_notify_sequence_and_watchdog(httpd, daemons):
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    d = daemons({"gazette": httpd.url("news.xml")}, env={"WATCHDOG_USEC": "400000"})
    t0 = time.monotonic()
    d.start()
    wait_for(lambda: sum("WATCHDOG=1" in m for _, m in d.notify.messages()) >= 5,
             what="five watchdog pings")
    msgs = d.notify.messages()
    ready = [t for t, m in msgs if "READY=1" in m]
    assert ready and ready[0] - t0 < 5
    pings = [t for t, m in msgs if "WATCHDOG=1" in m]
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    # half of WATCHDOG_USEC (200 ms), never close to the full 400 ms
    assert all(0.1 < g < 0.35 for g in gaps), gaps
    wait_for(lambda: any(m.startswith("STATUS=") and "articles" in m
                         for _, m in d.notify.messages()), what="STATUS=")
    n = len(d.notify.messages())
    d.signal(signal.SIGHUP)
    wait_for(lambda: d.notify.has("RELOADING=1", n), what="RELOADING=1")
    after = d.notify.messages()[n:]
    rel = [m for _, m in after if "RELOADING=1" in m][0]
    usec = int(re.search(r"MONOTONIC_USEC=(\d+)", rel).group(1))
    assert abs(usec / 1e6 - time.clock_gettime(time.CLOCK_MONOTONIC)) < 5
    wait_for(lambda: any("READY=1" in m for _, m in d.notify.messages()[n:]), what="READY after reload")
    order = [m for _, m in d.notify.messages()[n:] if "RELOADING=1" in m or "READY=1" in m]
    assert "RELOADING=1" in order[0] and "READY=1" in order[1]
    assert d.stop() == 0
    assert d.notify.has("STOPPING=1")


def test_reload_adds_removes_and_keeps_subscribers(httpd, daemons, sub_factory):
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    shutil.copy(DATA / "atom.xml", httpd.root / "atom.xml")
    d = daemons({"gazette": httpd.url("news.xml")})
    d.start()
    sub = sub_factory(d.publish, ["article/", "sys/"])
    sub.collect(lambda m: any(t == "sys/heartbeat" for t, _, _ in m), what="heartbeat")
    d.write_config(sources={"wire": httpd.url("atom.xml")})
    n = len(d.notify.messages())
    d.signal(signal.SIGHUP)
    sub.collect(lambda m: any(t == "article/wire" for t, _, _ in m), what="the added source")
    sub.collect(lambda m: any(t == "sys/source/gazette" and b["event"] == "removed"
                              for t, b, _ in m), what="the removal")
    wait_for(lambda: d.notify.has("READY=1", n), what="READY=1 after reload")
    # a configuration with errors is rejected; the daemon keeps running on the old one
    good = d.conf.read_text()
    d.conf.write_text(good + "\n[source broken]\ninterval = often\n")
    d.signal(signal.SIGHUP)
    d.wait_log("rejected")
    assert re.search(re.escape(str(d.conf)) + r":\d+:", d.log())
    hb = len([m for m in sub.msgs if m[0] == "sys/heartbeat"])
    sub.collect(lambda m: len([x for x in m if x[0] == "sys/heartbeat"]) > hb + 2,
                what="heartbeats after a rejected reload")
    assert d.proc.poll() is None
    assert d.stop() == 0


def journald_running():
    return os.path.exists("/run/systemd/journal/stdout") and subprocess.run(
        ["pgrep", "-x", "systemd-journal"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def journald():
    """A real systemd-journald: the machine's if one runs, else one started here."""
    proc = None
    if not journald_running():
        binary = "/lib/systemd/systemd-journald"
        if not os.path.exists(binary):
            pytest.fail("systemd-journald not installed (make deps installs systemd)")
        proc = subprocess.Popen([binary], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists("/run/systemd/journal/stdout"), what="journald sockets")
        time.sleep(0.3)
    yield
    if proc:
        proc.terminate()
        proc.wait(5)


def journal_stream(identifier):
    """Connects a stream to journald as systemd does for a service's stderr."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("/run/systemd/journal/stdout")
    s.sendall(("%s\n\n6\n1\n0\n0\n0\n" % identifier).encode())
    st = os.fstat(s.fileno())
    return s, "%d:%d" % (st.st_dev, st.st_ino)


def test_journald_fields(journald, httpd, tmp_path):
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    from conftest import Daemon
    marker = "claimd-test-%d" % os.getpid()
    d = Daemon(tmp_path, {"gazette": httpd.url("news.xml"), "dead": httpd.url("status/503")})
    s, stream = journal_stream(marker)
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

        failing = wait_for(lambda: [e for e in entries() if e.get("CLAIMD_SOURCE") == "dead"
                                    and "failing" in e.get("MESSAGE", "")], 15,
                           what="the failing entry in the journal")
        e = failing[0]
        assert e["SYSLOG_IDENTIFIER"] == "claimd"
        assert e["PRIORITY"] == "4"
        assert e["CLAIMD_HTTP_STATUS"] == "503"
        assert e["CLAIMD_URL"].endswith("/status/503")
        assert re.fullmatch(r"[0-9a-f]{32}", e["MESSAGE_ID"])
        assert e["_TRANSPORT"] == "journal", "structured entries, not stderr lines"
        started = [x for x in entries() if "started" in x.get("MESSAGE", "")]
        assert started and started[0]["PRIORITY"] == "6" and "MESSAGE_ID" in started[0]
        time.sleep(3)
        assert len([x for x in entries() if x.get("CLAIMD_SOURCE") == "dead"
                    and "failing" in x.get("MESSAGE", "")]) == 1, "logged once per state change"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        s.close()
        d.close()
