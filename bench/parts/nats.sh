#!/bin/sh
# bench/parts/nats.sh — messages/s into JetStream next to the ZeroMQ rate of the same run.
# Generates NATS_BENCH_FEEDS (default 40) feeds of NATS_BENCH_ITEMS (default 150) articles,
# every one a file:// source of one claimd with [nats]; the clock runs from READY=1 until
# the heartbeat's gseq covers every article (ZeroMQ: parsed, claims extracted, journalled,
# sent), and until the stream holds every journalled message (JetStream: acknowledged).
# Done twice, on one nats-server (R1) and on a 3-server cluster (R3), each started here on
# 127.0.0.1 with its own store. Prints both rates and JetStream ÷ ZeroMQ: at 1 or above,
# JetStream keeps up with the daemon; below, the journal holds the difference as backlog.
# Needs nats-server and build/tests/nats_consume (make integration builds it); skipped
# otherwise. Independent of ../shared.
set -e
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
	echo "bench nats: skipped (nats-server not installed: make deps)"; exit 0
fi
make -s build/tests/nats_consume >/dev/null 2>&1 || true
if [ ! -x build/tests/nats_consume ] || [ ! -x ./claimd ]; then
	echo "bench nats: skipped (claimd or build/tests/nats_consume not built)"; exit 0
fi
exec /usr/bin/python3 - <<'PY'
import json, os, shutil, socket, subprocess, sys, tempfile, time
sys.path.insert(0, "tests/integration")
import zmq
from test_nats import Cluster, CONSUME, stream_info
from conftest import free_port

FEEDS = int(os.environ.get("NATS_BENCH_FEEDS", "40"))
ITEMS = int(os.environ.get("NATS_BENCH_ITEMS", "150"))

def feeds(d):
    for f in range(FEEDS):
        items = "".join(
            "<item><title>Feed %d report %d</title><guid>f%d-%d</guid>"
            "<description>Officials said on Monday that about %d people were evacuated from "
            "the valley, and the mayor denied that the dam had failed, according to a "
            "statement released by the regional government.</description></item>"
            % (f, i, f, i, i * 10) for i in range(ITEMS))
        with open(os.path.join(d, "f%d.xml" % f), "w") as fh:
            fh.write('<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>%s'
                     '</channel></rss>' % items)

def run(tmp, cluster, label):
    state = os.path.join(tmp, "state-" + label)
    pub = "tcp://127.0.0.1:%d" % free_port()
    conf = os.path.join(tmp, label + ".conf")
    with open(conf, "w") as f:
        f.write("[claimd]\nstate_dir = %s\npublish = %s\nreplay = tcp://127.0.0.1:%d\n"
                "heartbeat = 100ms\nlexicon_dir = %s/conf/lexicon\nlog_level = warning\n"
                "max_items = 100000\n%s\n\n"
                % (state, pub, free_port(), os.getcwd(),
                   "[nats]\nurl = %s\nstream = BENCH" % cluster.urls if cluster else ""))
        for i in range(FEEDS):
            f.write("[source s%d]\nurl = file://%s/f%d.xml\nallow_file = yes\ninterval = 1h\n"
                    "fetch_page = never\n\n" % (i, tmp, i))
    nsock = os.path.join(tmp, label + ".notify")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ns.bind(nsock); ns.settimeout(30)
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"sys/heartbeat"); sub.connect(pub)
    p = subprocess.Popen(["./claimd", "-c", conf], env=dict(os.environ, NOTIFY_SOCKET=nsock),
                         stderr=open(os.path.join(tmp, label + ".log"), "w"))
    while b"READY=1" not in ns.recv(4096):
        pass
    ns.close()  # a notify socket nobody reads would block claimd's STATUS= updates
    t0 = time.monotonic()
    want = FEEDS * ITEMS
    gseq = 0
    while True:
        hb = json.loads(sub.recv_multipart()[1])
        if hb["articles"] >= want:
            gseq = hb["gseq"]; t_zmq = time.monotonic() - t0; break
    while cluster and (stream_info(cluster.urls, "BENCH") or {}).get("messages", 0) < gseq:
        time.sleep(0.02)
    t_js = time.monotonic() - t0
    p.terminate()
    try:
        p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill(); raise
    sub.close()
    return gseq, t_zmq, t_js

tmp = tempfile.mkdtemp(prefix="claimd-bench-nats-")
try:
    feeds(tmp)
    msgs, t_off, _ = run(tmp, None, "off")
    print("nats off: %d messages; ZeroMQ %8.0f msg/s (the yardstick: no JetStream output)"
          % (msgs, msgs / t_off))
    for label, n in (("R1", 1), ("R3", 3)):
        c = Cluster(os.path.join(tmp, label) if os.makedirs(os.path.join(tmp, label)) is None else tmp, n=n)
        try:
            msgs, t_zmq, t_js = run(tmp, c, label)
        finally:
            c.close()
        print("nats %s: %d messages; ZeroMQ %8.0f msg/s (%.2f of off), JetStream %8.0f msg/s "
              "(JetStream / ZeroMQ %.2f)" % (label, msgs, msgs / t_zmq, t_off / t_zmq,
                                            msgs / t_js, t_zmq / t_js))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
PY
