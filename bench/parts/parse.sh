#!/bin/sh
# bench/parts/parse.sh — parsing speed of `claimctl parse` (feed → articles as JSON lines,
# the daemon's own code path) against the yardsticks in $1/bench, on the same corpus in
# the same run: libxml2's bare SAX2 walk (the ceiling) and Python feedparser (the peer).
# Prints MB/s, items/s and the ratios "÷ SAX walk" and "× feedparser"; each figure is the
# median of whole-process runs (BENCH_RUNS, default 5; feedparser BENCH_PEER_RUNS, 3).
# Env: BENCH_SIZE (corpus size, default 50M), CLAIMCTL (default ./claimctl).
set -e
shared=${1:-../shared}
if [ ! -d "$shared/bench" ]; then
	echo "bench parse: skipped ($shared/bench not found)"
	exit 0
fi
claimctl=${CLAIMCTL:-./claimctl}
if [ ! -x "$claimctl" ]; then
	echo "bench parse: skipped ($claimctl not built; run make)"
	exit 0
fi
python=/usr/bin/python3
out=bench/out
corpus=$out/corpus
runs=${BENCH_RUNS:-5}
peer_runs=${BENCH_PEER_RUNS:-3}
mkdir -p "$out"

if ! ls "$corpus"/feed-*.xml >/dev/null 2>&1; then
	echo "making corpus (${BENCH_SIZE:-50M}, seed 1) in $corpus"
	$python "$shared/bench/make_corpus.py" --size "${BENCH_SIZE:-50M}" --seed 1 --out "$corpus" >/dev/null
fi
if [ ! -x "$out/xmlwalk" ] || [ "$shared/bench/xmlwalk.c" -nt "$out/xmlwalk" ]; then
	cc -O2 -o "$out/xmlwalk" "$shared/bench/xmlwalk.c" $(pkg-config --cflags --libs libxml-2.0)
fi

bytes=$(cat "$corpus"/*.xml | wc -c)
files=$(ls "$corpus"/*.xml | wc -l)
items=$("$claimctl" parse "$corpus"/*.xml 2>/dev/null | wc -l)

now() { date +%s.%N; }

# median_time N CMD...: median wall seconds of N whole-process runs of CMD (output dropped)
median_time() {
	n=$1
	shift
	i=0
	times=""
	while [ "$i" -lt "$n" ]; do
		t0=$(now)
		"$@" >/dev/null 2>&1 || true
		t1=$(now)
		times="$times $(echo "$t0 $t1" | awk '{printf "%.4f", $2 - $1}')"
		i=$((i + 1))
	done
	echo "$times" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# warm the page cache
cat "$corpus"/*.xml >/dev/null

t_sax=$(median_time "$runs" "$out/xmlwalk" sax "$corpus")
t_dom=$(median_time "$runs" "$out/xmlwalk" dom "$corpus")
t_ctl=$(median_time "$runs" "$claimctl" parse "$corpus"/*.xml)
t_model=$(median_time "$runs" "$claimctl" parse --model "$corpus"/*.xml)
if $python -c 'import feedparser' 2>/dev/null; then
	t_peer=$(median_time "$peer_runs" $python "$shared/bench/feedparser_peer.py" "$corpus")
else
	t_peer=""
fi

echo "corpus: $files files, $bytes bytes, $items items; medians of $runs runs (feedparser $peer_runs)"
awk -v b="$bytes" -v it="$items" -v sax="$t_sax" -v dom="$t_dom" -v ctl="$t_ctl" \
    -v model="$t_model" -v peer="$t_peer" 'BEGIN {
	printf "%-44s %8s %10s %9s %12s %12s\n", "program", "seconds", "MB/s", "items/s", "÷ SAX walk", "× feedparser"
	row("libxml2 SAX2 walk (xmlwalk sax)", sax)
	row("libxml2 tree build + free (xmlwalk dom)", dom)
	row("claimctl parse (articles as JSON lines)", ctl)
	row("claimctl parse --model", model)
	if (peer != "") row("Python feedparser (feedparser_peer.py)", peer)
}
function row(name, t,   mbs, r, p) {
	mbs = b / 1e6 / t
	r = sax / t
	p = (peer != "") ? sprintf("%12.1f", peer / t) : sprintf("%12s", "n/a")
	printf "%-44s %8.3f %10.1f %9.0f %12.3f %s\n", name, t, mbs, it / t, r, p
}'
