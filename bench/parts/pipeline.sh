#!/bin/sh
# bench/parts/pipeline.sh — the whole daemon on the bench corpus: every feed of
# bench/out/corpus (made by parse.sh) is a file:// source of one claimd; the clock runs from
# READY=1 until the heartbeat counts every article published (parsed, deduplicated, claims
# extracted, journalled in SQLite, sent on ZeroMQ). Prints articles/s, claims/s and MB/s of
# feed, and the ratio to the SAX walk over the same files measured in this run.
set -e
shared=${1:-../shared}
corpus=bench/out/corpus
if [ ! -d "$shared/bench" ] || ! ls "$corpus"/feed-*.xml >/dev/null 2>&1; then
	echo "bench pipeline: skipped (needs $shared/bench and the corpus from parse.sh)"
	exit 0
fi
exec /usr/bin/python3 - "$corpus" <<'PY'
import glob, json, os, socket, subprocess, sys, tempfile, time
import zmq
corpus = sys.argv[1]
files = sorted(glob.glob(os.path.join(corpus, "*.xml")))
size = sum(os.path.getsize(f) for f in files)
items = int(subprocess.run("./claimctl parse %s/*.xml 2>/dev/null | wc -l" % corpus, shell=True,
                           capture_output=True, text=True).stdout)
def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
tmp = tempfile.mkdtemp(prefix="claimd-bench-")
pub = "tcp://127.0.0.1:%d" % port()
conf = os.path.join(tmp, "claimd.conf")
with open(conf, "w") as f:
    f.write("[claimd]\nstate_dir = %s/state\npublish = %s\nreplay = tcp://127.0.0.1:%d\n"
            "heartbeat = 100ms\nlexicon_dir = %s/conf/lexicon\nmax_parallel = 8\n"
            "max_items = 100000\nlog_level = warning\n\n" % (tmp, pub, port(), os.getcwd()))
    for i, fn in enumerate(files):
        # the feed pipeline alone: the corpus's links lead to the internet
        f.write("[source s%d]\nurl = file://%s\nallow_file = yes\ninterval = 1h\n"
                "fetch_page = never\n\n"
                % (i, os.path.abspath(fn)))
nsock = os.path.join(tmp, "notify")
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ns.bind(nsock)
sub = zmq.Context.instance().socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, b"sys/heartbeat"); sub.connect(pub)
env = dict(os.environ, NOTIFY_SOCKET=nsock)
t0 = time.monotonic()
p = subprocess.Popen(os.environ.get("BENCH_WRAP", "").split() + ["./claimd", "-c", conf], env=env, stderr=subprocess.DEVNULL)
while b"READY=1" not in ns.recv(4096):
    pass
t_ready = time.monotonic()
hb = {}
while time.monotonic() - t_ready < 600:
    if sub.poll(1000):
        t, b, s = sub.recv_multipart()
        hb = json.loads(b)
        if hb.get("articles", 0) >= items:
            break
t_done = time.monotonic()
with open("/proc/%d/stat" % p.pid) as st:
    fields = st.read().rsplit(")", 1)[1].split()
cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
p.terminate(); p.wait()
secs = t_done - t_ready
walk = time.monotonic()
subprocess.run(["bench/out/xmlwalk", "sax", corpus], stdout=subprocess.DEVNULL)
walk = time.monotonic() - walk
arts = hb.get("articles", 0)
print("pipeline: %d feeds, %.1f MB, %d articles, %d claims published in %.2f s"
      % (len(files), size / 1e6, arts, hb.get("claims", 0), secs))
print("pipeline: %.0f articles/s, %.0f claims/s, %.2f MB/s of feed; SAX walk %.1f MB/s"
      % (arts / secs, hb.get("claims", 0) / secs, size / 1e6 / secs, size / 1e6 / walk))
print("pipeline: claimd used %.2f s of CPU in %.2f s (%.0f%% of one core)" % (cpu, secs, 100 * cpu / secs))
print("pipeline: %.3f of the SAX walk (÷ SAX walk), whole daemon with SQLite and ZeroMQ"
      % ((size / secs) / (size / walk)))
PY
