"""Shared fixtures for the integration tests: the real claimd binary, a real local HTTP
server (tests/httpd.py), a real notify socket, real ZeroMQ subscribers and a real SQLite
state directory. Nothing here reaches beyond 127.0.0.1."""
import json
import os
import pathlib
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest
import zmq

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINDIR = pathlib.Path(os.environ.get("CLAIMD_BINDIR", ROOT))
CLAIMD = str(BINDIR / "claimd")
CLAIMCTL = str(BINDIR / "claimctl")
DATA = pathlib.Path(__file__).resolve().parent / "data"
SCHEMAS = ROOT / "include" / "claimd" / "schema"
SHARED = pathlib.Path(os.environ.get("CLAIMD_SHARED", ROOT.parent / "shared"))
PY = "/usr/bin/python3"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout=10.0, step=0.05, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))


class HTTPServer:
    """tests/httpd.py in its own process, serving a directory on 127.0.0.1."""

    def __init__(self, root, tmp):
        self.root = pathlib.Path(root)
        portfile = tmp / ("httpd-%d.port" % id(self))
        self.log = open(tmp / ("httpd-%d.log" % id(self)), "w")
        self.proc = subprocess.Popen(
            [PY, str(ROOT / "tests" / "httpd.py"), "--port", "0", "--root", str(root),
             "--port-file", str(portfile)], stdout=self.log, stderr=self.log)
        self.port = int(wait_for(lambda: portfile.exists() and portfile.read_text().strip(),
                                 what="httpd port file"))
        self.base = "http://127.0.0.1:%d" % self.port

    def url(self, path):
        return self.base + "/" + path.lstrip("/")

    def hits(self):
        import urllib.request
        with urllib.request.urlopen(self.base + "/hits", timeout=5) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class NotifySocket:
    """A real sd_notify datagram socket; records (monotonic time, message)."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.msgs = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.msgs.append((time.monotonic(), data.decode()))

    def messages(self):
        with self.lock:
            return list(self.msgs)

    def has(self, text, after=0):
        return any(text in m for _, m in self.messages()[after:])

    def close(self):
        self.running = False
        self.thread.join(1)
        self.sock.close()


class Daemon:
    """The real claimd on a generated configuration."""

    def __init__(self, tmp, sources, extra="", notify=True, env=None, name="claimd"):
        self.tmp = pathlib.Path(tmp)
        self.state = self.tmp / "state"
        self.pub_port = free_port()
        self.replay_port = free_port()
        self.publish = "tcp://127.0.0.1:%d" % self.pub_port
        self.replay = "tcp://127.0.0.1:%d" % self.replay_port
        self.conf = self.tmp / ("%s.conf" % name)
        self.sources = sources
        self.extra = extra
        self.write_config()
        self.notify = NotifySocket(self.tmp / ("%s.notify" % name)) if notify else None
        self.stderr_path = self.tmp / ("%s.stderr" % name)
        self.env = env or {}
        self.proc = None

    def write_config(self, sources=None, extra=None):
        if sources is not None:
            self.sources = sources
        if extra is not None:
            self.extra = extra
        base = {"state_dir": self.state, "publish": self.publish, "replay": self.replay,
                "heartbeat": "200ms", "lexicon_dir": ROOT / "conf" / "lexicon",
                "backoff_max": "2s", "connect_timeout": "2s", "timeout": "5s"}
        for line in self.extra.splitlines():
            if "=" in line:
                base.pop(line.split("=", 1)[0].strip(), None)
        lines = ["[claimd]"] + ["%s = %s" % kv for kv in base.items()] + [self.extra, ""]
        for name, src in self.sources.items():
            src = dict(src) if isinstance(src, dict) else {"url": src}
            src.setdefault("interval", "1s")
            lines.append("[source %s]" % name)
            lines += ["%s = %s" % kv for kv in src.items()]
            lines.append("")
        self.conf.write_text("\n".join(lines))

    def start(self, wait_ready=True):
        env = dict(os.environ)
        env.pop("JOURNAL_STREAM", None)
        env.pop("NOTIFY_SOCKET", None)
        if self.notify:
            env["NOTIFY_SOCKET"] = self.notify.path
        env.update(self.env)
        self.errf = open(self.stderr_path, "a")
        self.started_at = len(self.notify.messages()) if self.notify else 0
        self.proc = subprocess.Popen([CLAIMD, "-c", str(self.conf)], stdout=self.errf,
                                     stderr=self.errf, env=env)
        if wait_ready and self.notify:
            wait_for(lambda: self.notify.has("READY=1", self.started_at) or self.proc.poll() is not None,
                     what="READY=1")
            assert self.proc.poll() is None, "claimd exited early:\n" + self.log()
        return self

    def log(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=10.0):
        return wait_for(lambda: text in self.log(), timeout, what="log line %r" % text)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10.0):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("claimd did not stop within %.0fs" % timeout)
        self.stop_seconds = time.monotonic() - t0
        self.errf.close()
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            self.errf.close()

    def close(self):
        self.kill()
        if self.notify:
            self.notify.close()


class Subscriber:
    """A real ZeroMQ SUB socket; collects [topic, body, seq] messages."""

    def __init__(self, endpoint, topics=("",)):
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.SUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        for t in topics:
            self.sock.setsockopt(zmq.SUBSCRIBE, t.encode())
        self.sock.connect(endpoint)
        self.msgs = []

    def poll(self, timeout=0.1):
        n = 0
        while self.sock.poll(int(timeout * 1000)):
            frames = self.sock.recv_multipart()
            assert len(frames) == 3, "expected 3 frames, got %d" % len(frames)
            topic, body, seq = frames
            assert len(seq) == 8, "seq frame must be 8 bytes"
            self.msgs.append((topic.decode(), json.loads(body), struct.unpack("<Q", seq)[0]))
            n += 1
            timeout = 0
        return n

    def collect(self, pred, timeout=10.0, what="messages"):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.poll(0.1)
            if pred(self.msgs):
                return self.msgs
        raise AssertionError("timed out waiting for %s; got %d messages: %s" % (
            what, len(self.msgs), [m[0] for m in self.msgs][:20]))

    def of(self, prefix):
        return [m for m in self.msgs if m[0].startswith(prefix)]

    def close(self):
        self.sock.close()


def replay(endpoint, prefix, since, timeout=5.0):
    """One SNAPSHOT exchange on the replay endpoint; returns (msgs, end_or_err)."""
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    s.send_multipart([b"SNAPSHOT", prefix.encode(), str(since).encode()])
    msgs = []
    try:
        while True:
            if not s.poll(int(timeout * 1000)):
                raise AssertionError("replay timed out")
            f = s.recv_multipart()
            if f[0] == b"MSG":
                msgs.append((f[1].decode(), json.loads(f[2]), struct.unpack("<Q", f[3])[0]))
            else:
                return msgs, [x.decode() for x in f]
    finally:
        s.close()


def load_schemas():
    import jsonschema
    out = {}
    for p in SCHEMAS.glob("*.json"):
        sch = json.loads(p.read_text())
        out[sch.get("$id", p.stem)] = sch
        out[p.stem] = sch
    return out


def validate(body):
    """Validates a body against the JSON Schema its `schema` field names."""
    import jsonschema
    schemas = load_schemas()
    name = body["schema"]  # e.g. claimd.article/1
    stem = name.replace("/", "-").replace(".", "-")
    cand = [s for k, s in schemas.items() if k.endswith(stem) or k == name
            or s.get("title") == name or name in str(s.get("$id", ""))]
    assert cand, "no schema for %s among %s" % (name, sorted(schemas))
    jsonschema.validate(body, cand[0])


@pytest.fixture
def httpd(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    srv = HTTPServer(root, tmp_path)
    yield srv
    srv.stop()


@pytest.fixture
def daemons(tmp_path):
    made = []

    def make(sources, **kw):
        d = Daemon(tmp_path, sources, **kw)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


@pytest.fixture
def sub_factory():
    subs = []

    def make(endpoint, topics=("",)):
        s = Subscriber(endpoint, topics)
        subs.append(s)
        return s

    yield make
    for s in subs:
        s.close()
