"""CURVE end to end, on a non-loopback address: the test makes a network namespace
(`ip netns add`) and gives its loopback interface the address 10.77.0.1 (a global, not a
127/8 address: claimd requires CURVE there), runs the real claimd in it (`ip netns exec`)
on a file:// feed, and real pyzmq clients in it too:

  - server keys from a file (curve_secret_key_file) and from a systemd credential
    ($CREDENTIALS_DIRECTORY/curve.key, as LoadCredential=curve.key:PATH gives it);
  - client public keys from a directory: a client with an authorised key receives and
    replays; one with an unknown key, and one without CURVE, receive nothing, and each is
    logged once however often it reconnects;
  - keys reloaded on SIGHUP: a key added to the directory is admitted after the reload,
    and a new server key is used after the reload;
  - `claimctl keygen` writes the pair, the secret key 0600.

Needs root for `ip netns` (CI runs as root); skipped, saying so, without it."""
import json
import os
import shutil
import signal
import stat
import subprocess

import pytest

from conftest import CLAIMCTL, DATA, Daemon, PY, wait_for

ADDR = "10.77.0.1"

CLIENT = r'''
import json, struct, sys, zmq
mode, pub_ep, rep_ep, server_pub, keyfile, seconds = sys.argv[1:7]
ctx = zmq.Context()
def secure(s):
    if mode == "curve":
        pk = open(keyfile + ".pub").read().strip().encode()
        sk = open(keyfile + ".key").read().strip().encode()
        s.curve_serverkey = server_pub.encode()
        s.curve_publickey = pk
        s.curve_secretkey = sk
sub = ctx.socket(zmq.SUB); sub.linger = 0; secure(sub)
sub.setsockopt(zmq.SUBSCRIBE, b""); sub.connect(pub_ep)
topics = []
end = __import__("time").monotonic() + float(seconds)
while __import__("time").monotonic() < end:
    if sub.poll(100):
        topics.append(sub.recv_multipart()[0].decode())
dealer = ctx.socket(zmq.DEALER); dealer.linger = 0; secure(dealer); dealer.connect(rep_ep)
dealer.send_multipart([b"SNAPSHOT", b"article/", b"0"])
replayed, last = [], None
while dealer.poll(int(float(seconds) * 1000)):
    f = dealer.recv_multipart()
    if f[0] == b"MSG":
        replayed.append(f[1].decode())
    else:
        last = [x.decode() for x in f]
        break
print(json.dumps({"topics": topics, "replayed": replayed, "last": last}))
'''


def sh(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


@pytest.fixture
def netns():
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("skipped: ip netns needs root and iproute2")
    name = "claimd-curve-%d" % os.getpid()
    r = sh("ip", "netns", "add", name)
    if r.returncode != 0:
        pytest.skip("skipped: ip netns add failed: " + r.stderr.strip())
    try:
        assert sh("ip", "-n", name, "link", "set", "lo", "up").returncode == 0
        r = sh("ip", "-n", name, "addr", "add", ADDR + "/32", "dev", "lo")
        assert r.returncode == 0, r.stderr
        yield name
    finally:
        sh("ip", "netns", "del", name)


class NsDaemon(Daemon):
    """claimd inside the namespace, its endpoints on ADDR."""

    def __init__(self, ns, tmp, sources, extra, env=None):
        self.ns = ns
        super().__init__(tmp, sources, extra=extra, env=env)
        self.publish = "tcp://%s:%d" % (ADDR, self.pub_port)
        self.replay = "tcp://%s:%d" % (ADDR, self.replay_port)
        self.write_config()

    def start(self, wait_ready=True):
        # Daemon.start runs [CLAIMD, "-c", conf]: prefixed here (ip netns exec execs it,
        # so the pid is claimd's own)
        orig = subprocess.Popen
        ns = self.ns

        def popen(args, **kw):
            return orig(["ip", "netns", "exec", ns] + list(args), **kw)
        subprocess.Popen = popen
        try:
            return super().start(wait_ready)
        finally:
            subprocess.Popen = orig


def keygen(path):
    r = sh(CLAIMCTL, "keygen", str(path))
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def client(ns, d, mode, server_pub, keyfile, tmp, seconds=2.0):
    script = tmp / "client.py"
    script.write_text(CLIENT)
    r = subprocess.run(["ip", "netns", "exec", ns, PY, str(script), mode, d.publish, d.replay,
                        server_pub, str(keyfile), str(seconds)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def make_setup(tmp_path, ns, secret_in_credential=False):
    keys = tmp_path / "keys"
    clients = tmp_path / "clients"
    keys.mkdir()
    clients.mkdir()
    server_pub = keygen(keys / "server")
    alice_pub = keygen(keys / "alice")
    keygen(keys / "mallory")
    shutil.copy(keys / "alice.pub", clients / "alice.pub")
    shutil.copy(DATA / "news.xml", tmp_path / "news.xml")
    env = {}
    extra = "curve_client_keys_dir = %s\n" % clients
    if secret_in_credential:
        cred = tmp_path / "credentials"
        cred.mkdir(mode=0o700)
        shutil.copy(keys / "server.key", cred / "curve.key")
        env["CREDENTIALS_DIRECTORY"] = str(cred)
    else:
        extra += "curve_secret_key_file = %s\n" % (keys / "server.key")
    d = NsDaemon(ns, tmp_path, {"news": {"url": "file://%s" % (tmp_path / "news.xml"), "allow_file": "yes"}}, extra, env)
    return d, keys, clients, server_pub, alice_pub


def test_keygen_permissions(tmp_path):
    pub = keygen(tmp_path / "k")
    assert len(pub) == 40
    assert stat.S_IMODE(os.stat(tmp_path / "k.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "k.pub").st_mode) == 0o644
    assert (tmp_path / "k.pub").read_text().strip() == pub
    assert len((tmp_path / "k.key").read_text().strip()) == 40
    r = sh(CLAIMCTL, "keygen", str(tmp_path / "k"))  # never overwrites unasked
    assert r.returncode == 1 and "File exists" in r.stderr
    assert (tmp_path / "k.pub").read_text().strip() == pub


def test_non_loopback_without_curve_is_refused(netns, tmp_path):
    shutil.copy(DATA / "news.xml", tmp_path / "news.xml")
    d = NsDaemon(netns, tmp_path, {"news": {"url": "file://%s" % (tmp_path / "news.xml"), "allow_file": "yes"}}, "")
    d.start(wait_ready=False)
    assert d.proc.wait(20) != 0
    assert "not on loopback and no CURVE key" in d.log()


@pytest.mark.parametrize("credential", [False, True], ids=["key-file", "credential"])
def test_curve_end_to_end(netns, tmp_path, credential):
    d, keys, clients, server_pub, alice_pub = make_setup(tmp_path, netns, credential)
    d.start()
    try:
        ok = client(netns, d, "curve", server_pub, keys / "alice", tmp_path)
        assert "sys/heartbeat" in ok["topics"], ok
        assert ok["last"] and ok["last"][0] == "END", ok
        assert len(ok["replayed"]) >= 2 and all(t == "article/news" for t in ok["replayed"])

        # an unknown key, twice (and libzmq reconnects it every 100 ms): nothing, one log line
        for _ in range(2):
            bad = client(netns, d, "curve", server_pub, keys / "mallory", tmp_path, 1.5)
            assert bad == {"topics": [], "replayed": [], "last": None}
        mallory = (keys / "mallory.pub").read_text().strip()
        d.wait_log(mallory)
        assert d.log().count("public key %s is not in" % mallory) == 1, d.log()

        # no CURVE at all: nothing, one log line
        for _ in range(2):
            plain = client(netns, d, "plain", server_pub, keys / "alice", tmp_path, 1.5)
            assert plain == {"topics": [], "replayed": [], "last": None}
        d.wait_log("does not speak CURVE")
        assert d.log().count("does not speak CURVE") == 1, d.log()

        # SIGHUP: mallory's key admitted
        shutil.copy(keys / "mallory.pub", clients / "mallory.pub")
        d.signal(signal.SIGHUP)
        d.wait_log("reloaded")
        now = client(netns, d, "curve", server_pub, keys / "mallory", tmp_path)
        assert "sys/heartbeat" in now["topics"] and now["last"][0] == "END", now

        # SIGHUP with a new server key: the old one no longer works, the new one does
        new_pub = keygen(keys / "server2")
        target = (tmp_path / "credentials" / "curve.key") if credential else keys / "server.key"
        shutil.copy(keys / "server2.key", target)
        n = d.log().count("reloaded")
        d.signal(signal.SIGHUP)
        wait_for(lambda: d.log().count("reloaded") > n, what="the second reload")
        old = client(netns, d, "curve", server_pub, keys / "alice", tmp_path, 1.5)
        assert old["topics"] == [] and old["last"] is None, old
        new = client(netns, d, "curve", new_pub, keys / "alice", tmp_path)
        assert "sys/heartbeat" in new["topics"] and new["last"][0] == "END", new
        assert d.proc.poll() is None
    finally:
        rc = d.stop()
    assert rc == 0, d.log()
