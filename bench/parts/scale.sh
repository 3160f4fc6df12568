#!/bin/sh
# bench/parts/scale.sh — one claimd polling N feed URLs served by a real nginx (Debian
# nginx-light, started here on 127.0.0.1 with its own config and prefix in a temp dir;
# ETag and If-Modified-Since on, as nginx has them by default). Each URL /f/<i>.xml is a
# distinct path (nginx maps it to one of ten small feed files), so every source publishes
# its article once and then gets 304s. For each N (BENCH_SCALE_N, default "10000 100000")
# at a 5-minute interval (BENCH_SCALE_INTERVAL seconds, default 300: the polls/s of real
# 5-minute sources, N/300) it reports the time of the first full pass, then, in the steady
# state (each source at its slot, from half an interval after the first pass), CPU % of one core, polls/s and
# 304s, RSS and fds in use over BENCH_SCALE_WINDOW seconds (default 60), against the
# targets: 100,000 sources < 10% of a core and < 256 MiB; 10,000 < 2% and < 64 MiB.
set -e
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx" ]; then
	echo "bench scale: skipped (nginx not installed: apt-get install nginx-light)"
	exit 0
fi
if [ ! -x ./claimd ]; then
	echo "bench scale: skipped (./claimd not built; run make)"
	exit 0
fi
exec /usr/bin/python3 -u - "$nginx" <<'PY'
import json, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time
import zmq
nginx = sys.argv[1]
NS = [int(x) for x in os.environ.get("BENCH_SCALE_N", "10000 100000").split()]
INTERVAL = int(os.environ.get("BENCH_SCALE_INTERVAL", "300"))
WINDOW = int(os.environ.get("BENCH_SCALE_WINDOW", "60"))
TARGET = {10000: (2.0, 64), 100000: (10.0, 256)}
TCK = os.sysconf("SC_CLK_TCK")

def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fl = f.read().rsplit(")", 1)[1].split()
    return (int(fl[11]) + int(fl[12])) / TCK

def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) / 1024
    return 0

def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))

def feed(k):
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            '<title>Regional outlet %d</title><link>http://127.0.0.1/</link>'
            '<item><title>Council says the ring road will reopen in %d weeks</title>'
            '<guid isPermaLink="false">story-%d</guid>'
            '<pubDate>Tue, 05 Mar 2024 10:00:00 +0000</pubDate><description>The council '
            'said on Monday that the ring road would reopen in %d weeks. Officials denied '
            'that the repairs had cost 4 million euros.</description></item>'
            '</channel></rss>\n' % (k, k + 2, k, k + 2))

def run(n, tmp):
    os.chmod(tmp, 0o755)  # nginx's workers run as another user when started by root
    www = os.path.join(tmp, "www"); os.makedirs(www)
    for k in range(10):
        with open(os.path.join(www, "feed-%d.xml" % k), "w") as f:
            f.write(feed(k))
    hport = port()
    with open(os.path.join(tmp, "nginx.conf"), "w") as f:
        f.write("""daemon off;
worker_processes 1;
pid %(t)s/nginx.pid;
error_log %(t)s/error.log warn;
events { worker_connections 1024; }
http {
    log_format status '$status';
    access_log %(t)s/access.log status buffer=64k flush=1s;
    client_body_temp_path %(t)s/body; proxy_temp_path %(t)s/proxy;
    fastcgi_temp_path %(t)s/fcgi; uwsgi_temp_path %(t)s/uwsgi; scgi_temp_path %(t)s/scgi;
    keepalive_requests 100000;
    etag on;
    if_modified_since exact;
    types { application/rss+xml xml; }
    server {
        listen 127.0.0.1:%(p)d;
        root %(t)s/www;
        location ~ "^/f/[0-9]*([0-9])\\.xml$" { try_files /feed-$1.xml =404; }
    }
}
""" % {"t": tmp, "p": hport})
    ng = subprocess.Popen([nginx, "-p", tmp, "-c", os.path.join(tmp, "nginx.conf")],
                          stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", hport), 0.1).close()
            break
        except OSError:
            if ng.poll() is not None:
                sys.exit("bench scale: nginx did not start: %s" % open(
                    os.path.join(tmp, "error.log")).read())
            time.sleep(0.1)
    pub = "tcp://127.0.0.1:%d" % port()
    conf = os.path.join(tmp, "claimd.conf")
    with open(conf, "w") as f:
        f.write("[claimd]\nstate_dir = %s/state\npublish = %s\nreplay = tcp://127.0.0.1:%d\n"
                "heartbeat = 1s\nlexicon_dir = %s/conf/lexicon\nmax_parallel = 32\n"
                "max_per_host = 32\nlog_level = notice\n\n" % (tmp, pub, port(), os.getcwd()))
        for i in range(n):
            f.write("[source s%d]\nurl = http://127.0.0.1:%d/f/%d.xml\ninterval = %ds\n\n"
                    % (i, hport, i, INTERVAL))
    nsock = os.path.join(tmp, "notify")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ns.bind(nsock)
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"sys/heartbeat"); sub.connect(pub)
    env = dict(os.environ, NOTIFY_SOCKET=nsock)
    t0 = time.monotonic()
    p = subprocess.Popen(["./claimd", "-c", conf], env=env, stderr=subprocess.DEVNULL)
    try:
        while b"READY=1" not in ns.recv(4096):
            pass
        t_ready = time.monotonic()
        threading.Thread(target=lambda: [ns.recv(4096) for _ in iter(int, 1)], daemon=True).start()
        hb = {}
        max_fds = 0
        def beat(timeout=1000):
            nonlocal hb, max_fds
            if sub.poll(timeout):
                hb = json.loads(sub.recv_multipart()[1])
            max_fds = max(max_fds, fds(p.pid))
            return hb
        # first pass: every source fetched and its article published
        while time.monotonic() - t_ready < 3600:
            h = beat()
            if os.environ.get("BENCH_DEBUG"):
                print(h, file=sys.stderr)
            if h.get("articles", 0) >= n and h.get("in_flight", 1) == 0:
                break
        first = time.monotonic() - t_ready
        rss_first = rss_mib(p.pid)
        # steady state: every source polls at its slot from half an interval after its
        # first poll, so from half an interval after the end of the first pass
        while time.monotonic() - t_ready < first + INTERVAL / 2 + 5:
            beat()
        nginx_log = os.path.join(tmp, "access.log")
        log_at = os.path.getsize(nginx_log) if os.path.exists(nginx_log) else 0
        c0, w0, f0 = cpu_s(p.pid), time.monotonic(), beat().get("fetches", 0)
        rss_max = 0
        while time.monotonic() - w0 < WINDOW:
            beat()
            rss_max = max(rss_max, rss_mib(p.pid))
        c1, w1, f1 = cpu_s(p.pid), time.monotonic(), beat().get("fetches", 0)
        time.sleep(1.2)  # nginx flushes its log every second
        with open(nginx_log) as f:
            f.seek(log_at)
            st = f.read().split()
        n304 = st.count("304")
        cpu = 100 * (c1 - c0) / (w1 - w0)
        polls = (f1 - f0) / (w1 - w0)
        fd_now = fds(p.pid)
        print("scale: %d sources: first full pass %.1f s (from READY=1; start-up %.1f s), "
              "RSS %.0f MiB after it" % (n, first, t_ready - t0, rss_first))
        print("scale: %d sources, steady state over %d s: %.1f polls/s (%.0f%% 304; 5-min "
              "rate %.1f/s), CPU %.2f%% of one core, RSS %.0f MiB, fds %d in use (max %d)"
              % (n, WINDOW, polls, 100 * n304 / max(1, len(st)), n / 300, cpu, rss_max,
                 fd_now, max_fds))
        tc, tr = TARGET.get(n, (None, None))
        if tc:
            print("scale: %d sources: CPU %.2f%% (target < %g%%) %s, RSS %.0f MiB (target "
                  "< %d MiB) %s" % (n, cpu, tc, "ok" if cpu < tc else "MISSED", rss_max, tr,
                                    "ok" if rss_max < tr else "MISSED"))
        return rss_max
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill(); p.wait()
        ng.send_signal(signal.SIGQUIT)
        try:
            ng.wait(10)
        except subprocess.TimeoutExpired:
            ng.kill(); ng.wait()
        sub.close()
        ns.close()

rss = {}
for n in NS:
    tmp = tempfile.mkdtemp(prefix="claimd-scale-")
    try:
        rss[n] = run(n, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
if len(rss) >= 2:
    a, b = sorted(rss)[:2], None
    lo, hi = sorted(rss)[0], sorted(rss)[-1]
    print("scale: memory per source %.2f KiB (RSS difference between %d and %d sources)"
          % ((rss[hi] - rss[lo]) * 1024 / (hi - lo), lo, hi))
PY
