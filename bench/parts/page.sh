#!/bin/sh
# bench/parts/page.sh — article page extraction speed (make bench), on the 123 real news
# pages of $1/pages (decompressed once), in the same run:
#   ours      page_extract() in process (bench/page_core.c against libclaimd.a: the call the
#             daemon makes per page, no file I/O in the timed part), best of PAGE_RUNS passes
#   ours      `claimctl page FILE...`, one process for all pages (JSON lines out)
#   ours      `claimctl page --text FILE`, one process per page (what score_pages.py runs:
#             mostly process start-up, the dynamic loading of libcurl, ZeroMQ, systemd...)
#   peer      Debian's python3-readability (readability-lxml): Document(html).summary() in
#             process, best of PAGE_PEER_RUNS passes
#   peer      npm's @mozilla/readability with jsdom: new JSDOM(html), then
#             new Readability(document).parse(), in process, best of PAGE_PEER_RUNS passes
# Every figure but the process-per-page one is CPU time (user + system), so that a loaded
# machine does not skew the ratios. Prints pages/s and MB/s of HTML for each, the ratios
# ours ÷ peer (targets: >= 50x
# readability-lxml, >= 20x Readability.js) and the peak RSS of `claimctl page` on the
# largest page (target < 32 MiB).
# The peers are installed here, never by make deps: python3-readability with apt-get when
# missing (root or sudo), @mozilla/readability and jsdom with npm into
# ${CLAIMD_BENCH_CACHE:-$HOME/.cache/claimd-bench}/npm. A peer that cannot be had is
# skipped with a message. Without $1/pages the whole part prints "skipped".
# Env: CLAIMCTL (default ./claimctl), BUILD (holds libclaimd.a, default build).
set -u
SHARED=${1:-../shared}
CLAIMCTL=${CLAIMCTL:-./claimctl}
RUNS=${PAGE_RUNS:-5}
PEER_RUNS=${PAGE_PEER_RUNS:-2}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${CLAIMD_BENCH_CACHE:-${HOME:-/tmp}/.cache/claimd-bench}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

if [ ! -d "$SHARED/pages/html" ]; then
	echo "page: skipped ($SHARED/pages not found)"
	exit 0
fi
if [ ! -x "$CLAIMCTL" ]; then
	echo "page: skipped ($CLAIMCTL not built; run make)"
	exit 0
fi
mkdir -p "$TMP/html"
for f in "$SHARED"/pages/html/*.html.gz; do
	gzip -dc "$f" > "$TMP/html/$(basename "$f" .gz)"
done
npages=$(ls "$TMP"/html/*.html | wc -l)
bytes=$(cat "$TMP"/html/*.html | wc -c)
largest=$(ls -S "$TMP"/html/*.html | head -n 1)
echo "pages: $npages real news pages, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB of HTML (largest $(wc -c < "$largest") bytes)"

# rate NAME SECONDS: "NAME  X pages/s  Y MB/s"
rate() { awk -v name="$1" -v s="$2" -v n="$npages" -v b="$bytes" 'BEGIN { if (s <= 0) s = 1e-9
	printf "%-42s %8.1f pages/s %8.2f MB/s of HTML\n", name, n / s, b / s / 1e6 }'; }
now() { date +%s.%N; }

# ours, in process
t_core=""
lib="$ROOT/${BUILD:-build}/libclaimd.a"
if [ -f "$lib" ] && cc -O2 -I"$ROOT/include" -o "$TMP/page_core" "$ROOT/bench/page_core.c" "$lib" \
	$(pkg-config --cflags --libs libxml-2.0 jansson libcurl) -lm 2>"$TMP/cc.err"; then
	t_core=$("$TMP/page_core" "$RUNS" "$TMP"/html/*.html | sed -n 's/.*, \([0-9.]*\) s)$/\1/p')
	rate "page_extract() in process (best of $RUNS)" "$t_core"
else
	echo "page_extract() in process: skipped (${BUILD:-build}/libclaimd.a not built)"
fi

# ours, one claimctl process for all pages (JSON lines)
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%U %S' -o "$TMP/cpu" "$CLAIMCTL" page "$TMP"/html/*.html > "$TMP/all.jsonl" 2>/dev/null
	t_ctl1=$(tail -n 1 "$TMP/cpu" | awk '{ print $1 + $2 }')
else
	t0=$(now)
	"$CLAIMCTL" page "$TMP"/html/*.html > "$TMP/all.jsonl" 2>/dev/null
	t1=$(now)
	t_ctl1=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
fi
rate "claimctl page FILE..., one process" "$t_ctl1"

# ours, one claimctl process per page
t0=$(now)
for f in "$TMP"/html/*.html; do
	"$CLAIMCTL" page --text "$f" > /dev/null 2>&1
done
t1=$(now)
t_ctl=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
rate "claimctl page --text, a process per page" "$t_ctl"

# peer: readability-lxml
t_lxml=""
if ! "$PY" -c 'import readability' 2>/dev/null; then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO="sudo -n"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-readability >/dev/null 2>&1 || true
fi
if "$PY" -c 'import readability' 2>/dev/null; then
	cat > "$TMP/readability_lxml_peer.py" <<'PY'
import sys, time, glob, logging
logging.disable(logging.CRITICAL)
from readability import Document
runs, files = int(sys.argv[1]), sorted(glob.glob(sys.argv[2] + '/*.html'))
pages = [open(f, 'rb').read() for f in files]
best = None
for _ in range(runs):
    t0 = time.process_time()
    for h in pages:
        try:
            Document(h).summary()
        except Exception:
            pass
    t = time.process_time() - t0
    best = t if best is None or t < best else best
print('%.4f' % best)
PY
	t_lxml=$("$PY" "$TMP/readability_lxml_peer.py" "$PEER_RUNS" "$TMP/html" 2>/dev/null | tail -n 1)
	[ -n "$t_lxml" ] && rate "readability-lxml in process (best of $PEER_RUNS)" "$t_lxml"
else
	echo "readability-lxml: skipped (python3-readability not installed and not installable)"
fi

# peer: Readability.js with jsdom
t_js=""
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	NPMDIR="$CACHE/npm"
	if [ ! -d "$NPMDIR/node_modules/@mozilla/readability" ] || [ ! -d "$NPMDIR/node_modules/jsdom" ]; then
		mkdir -p "$NPMDIR"
		[ -f "$NPMDIR/package.json" ] || echo '{"name":"claimd-bench","private":true}' > "$NPMDIR/package.json"
		(cd "$NPMDIR" && npm install --no-audit --no-fund --silent @mozilla/readability jsdom >/dev/null 2>&1) || true
	fi
	if [ -d "$NPMDIR/node_modules/@mozilla/readability" ] && [ -d "$NPMDIR/node_modules/jsdom" ]; then
		cat > "$TMP/rjs.js" <<'JS'
const fs = require('fs'), path = require('path');
const { JSDOM, VirtualConsole } = require('jsdom');
const { Readability } = require('@mozilla/readability');
const runs = +process.argv[2], dir = process.argv[3];
const pages = fs.readdirSync(dir).filter(f => f.endsWith('.html')).sort()
	.map(f => fs.readFileSync(path.join(dir, f), 'utf8'));
const vc = new VirtualConsole();
let best = null;
for (let r = 0; r < runs; r++) {
	const t0 = process.cpuUsage();
	for (const h of pages) {
		try {
			const dom = new JSDOM(h, { virtualConsole: vc });
			new Readability(dom.window.document).parse();
			dom.window.close();
		} catch (e) { }
	}
	const u = process.cpuUsage(t0), t = (u.user + u.system) / 1e6;
	if (best === null || t < best) best = t;
}
console.log(best.toFixed(4));
JS
		t_js=$(NODE_PATH="$NPMDIR/node_modules" node "$TMP/rjs.js" "$PEER_RUNS" "$TMP/html" 2>/dev/null | tail -n 1)
		[ -n "$t_js" ] && rate "Readability.js + jsdom in process (best of $PEER_RUNS)" "$t_js"
	else
		echo "Readability.js: skipped (npm could not install @mozilla/readability and jsdom into $NPMDIR)"
	fi
else
	echo "Readability.js: skipped (node or npm not available)"
fi

# ratio NAME OURS PEER TARGET
ratio() {
	[ -n "$2" ] && [ -n "$3" ] || return 0
	awk -v name="$1" -v o="$2" -v p="$3" -v t="$4" 'BEGIN { r = p / o
		printf "ratio   %-44s %7.1fx (target >= %dx: %s)\n", name, r, t, (r >= t ? "met" : "missed") }'
}
ratio "in process / readability-lxml:" "$t_core" "$t_lxml" 50
ratio "in process / Readability.js:" "$t_core" "$t_js" 20
ratio "claimctl page FILE... / readability-lxml:" "$t_ctl1" "$t_lxml" 50
ratio "claimctl page FILE... / Readability.js:" "$t_ctl1" "$t_js" 20

# peak RSS of claimctl page on the largest page
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$TMP/rss" "$CLAIMCTL" page "$largest" > /dev/null 2>&1
	kb=$(tail -n 1 "$TMP/rss")
	awk -v k="$kb" 'BEGIN { m = k / 1024
		printf "rss     claimctl page on the largest page:        %7.1f MiB (target < 32 MiB: %s)\n", m, (m < 32 ? "met" : "missed") }'
else
	echo "rss: skipped (/usr/bin/time not found)"
fi
exit 0
