#!/bin/sh
# bench/parts/cluster.sh — claim clustering throughput (make bench).
#
# Two figures, measured in the same run:
#   yardstick  `claimctl extract` over our own articles (tests/fixtures/clusters and
#              tests/fixtures/articles, CLUSTER_COPIES copies each, default 300): the claims
#              per second the extraction stage hands on, which the whole daemon
#              (bench pipeline: articles/s) cannot exceed;
#   clustering clusterer_add() in process as the daemon runs it (bench/cluster_core.c
#              against libclaimd.a: quiet singletons, each update dumped as the journal
#              would), over those claims and over a generated stream of CLUSTER_STREAM claims
#              (default 200000) about CLUSTER_EVENTS events (default 4000) told by 12
#              outlets in varied words, so that the window stays full (50000 claims) and
#              every claim has candidates to compare with; and `claimctl cluster --claims`
#              (JSON lines in, every cluster's last state out) over the generated stream.
# Prints claims/s and cluster updates/s, and the ratio of clustering to extraction: above 1,
# clustering keeps up with the claims the daemon extracts.
# Best of CLUSTER_RUNS runs (default 3). Env: CLAIMCTL (default ./claimctl), BUILD (default
# build, the directory holding libclaimd.a).
set -u
CLAIMCTL=${CLAIMCTL:-./claimctl}
RUNS=${CLUSTER_RUNS:-3}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

if [ ! -x "$CLAIMCTL" ]; then
	echo "cluster: skipped ($CLAIMCTL not built; run make)"
	exit 0
fi

now() { date +%s.%N; }
# best N CMD...: the shortest wall time of N runs (stdout to $TMP/out)
best() {
	n=$1
	shift
	b=""
	i=0
	while [ "$i" -lt "$n" ]; do
		t0=$(now)
		"$@" > "$TMP/out" 2>/dev/null || { echo ""; return; }
		t1=$(now)
		b=$(awk -v a="$t0" -v c="$t1" -v m="$b" 'BEGIN { d = c - a; if (m == "" || d < m) print d; else print m }')
		i=$((i + 1))
	done
	echo "$b"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 1e-9; printf "%.0f", n / s }'; }

# the yardstick: extraction over our own articles, copied
copies=${CLUSTER_COPIES:-300}
mkdir -p "$TMP/own"
k=0
for f in "$ROOT"/tests/fixtures/clusters/*.txt "$ROOT"/tests/fixtures/articles/*.txt; do
	[ -e "$f" ] || continue
	sed '1{/^Published:/d;/^URL:/d}' "$f" > "$TMP/one-$k.txt"
	k=$((k + 1))
done
c=0
while [ "$c" -lt "$copies" ]; do
	j=0
	while [ "$j" -lt "$k" ]; do
		ln "$TMP/one-$j.txt" "$TMP/own/a-$(printf %05d "$c")-$j.txt"
		j=$((j + 1))
	done
	c=$((c + 1))
done
find "$TMP/own" -name 'a-*.txt' | sort > "$TMP/list"
extract() { xargs -n 2000 "$CLAIMCTL" extract --published 2026-03-10T12:00:00Z < "$TMP/list"; }
t_ext=$(best "$RUNS" extract)
cp "$TMP/out" "$TMP/own.jsonl"
n_own=$(wc -l < "$TMP/own.jsonl")
# the copies are articles of their own: make the claim ids unique per copy
"$PY" - "$TMP/own.jsonl" "$TMP/own-ids.jsonl" <<'EOF'
import json, sys
with open(sys.argv[2], "w") as out:
    for i, l in enumerate(open(sys.argv[1], encoding="utf-8")):
        c = json.loads(l)
        c["id"] = "%s-%d" % (c["id"], i)
        c["source"] = "outlet%d" % (i % 12)
        out.write(json.dumps(c) + "\n")
EOF
lib="$ROOT/${BUILD:-build}/libclaimd.a"
if [ ! -f "$lib" ] || ! cc -O2 -I"$ROOT/include" -o "$TMP/cluster_core" "$ROOT/bench/cluster_core.c" \
	"$lib" $(pkg-config --libs jansson libcrypto) -lm 2>/dev/null; then
	echo "cluster: skipped (${BUILD:-build}/libclaimd.a not built; run make)"
	exit 0
fi
# core FILE: best seconds of RUNS in-process runs; the last line in $TMP/core
core() {
	b=""
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		"$TMP/cluster_core" "$1" > "$TMP/core" || { echo ""; return; }
		t=$(sed -n 's/.*, \([0-9.]*\) s)$/\1/p' "$TMP/core")
		b=$(awk -v a="$t" -v m="$b" 'BEGIN { if (m == "" || a < m) print a; else print m }')
		i=$((i + 1))
	done
	echo "$b"
}
t_own=$(core "$TMP/own-ids.jsonl")
u_own=$(sed -n 's/^[0-9]* claims, \([0-9]*\) updates.*/\1/p' "$TMP/core")

# a generated stream
"$PY" - "$TMP/stream.jsonl" "${CLUSTER_STREAM:-200000}" "${CLUSTER_EVENTS:-4000}" <<'EOF'
import json, random, sys
random.seed(1)
out, n, events = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
countries = ["Peru", "Chile", "Kenya", "Malawi", "Armenia", "Azerbaijan", "Norway", "Denmark",
             "Japan", "Brazil", "Canada", "India", "Nigeria", "Poland", "Turkey", "Vietnam"]
demonym = {c: c + "n" if c[-1] == "a" else c + "ese" for c in countries}
verbs = [("killed", "died in"), ("injured", "were hurt in"), ("arrested", "were detained after"),
         ("evacuated", "fled"), ("sent", "were delivered to"), ("raised", "rose by")]
nouns = ["people", "soldiers", "workers", "residents", "vehicles", "tonnes of grain", "jobs"]
places = ["the north", "the capital", "a border town", "the coast", "three provinces", "the port"]
causes = ["an earthquake", "floods", "a fire", "clashes", "a storm", "an explosion", "a strike"]
ev = []
for e in range(events):
    c1, c2 = random.sample(countries, 2)
    ev.append((c1, c2, random.choice(verbs), random.choice(nouns), random.choice(places),
               random.choice(causes), random.choice([3, 12, 40, 150, 600, 2500, 10000])))
day = 86400000
with open(out, "w") as f:
    for i in range(n):
        # events follow one another: about 2 days of news in the window at a time
        e = ev[min(events - 1, int(i * events / n + random.gauss(0, 20)) % events)]
        c1, c2, (v1, v2), noun, place, cause, num = e
        if random.random() < 0.15:
            num = int(num * random.choice([0.5, 1.5, 2]))
        deny = random.random() < 0.05
        form = random.randrange(3)
        if form == 0:
            s = "%s %s %s in %s of %s after %s" % (num, noun, v1, place, c1, cause)
        elif form == 1:
            s = "At least %d %s %s %s in %s, %s officials said" % (num, noun, v2, cause, c1, demonym[c2])
        else:
            s = "%s in %s %s %d %s, according to %s" % (cause.capitalize(), c1, v1, num, noun, c2)
        if deny:
            s = "%s denied that %d %s had been %s in %s" % (c2, num, noun, v1, c1)
        f.write(json.dumps({
            "id": "g%d" % i, "source": "outlet%d" % (i % 12), "article_id": "a%d" % (i // 6),
            "published": "2026-03-10T12:00:00Z", "sentence": s + ".",
            "speaker": {"text": c2, "type": "country", "name": c2} if form or deny else None,
            "cue": "denied" if deny else ("said" if form == 1 else ("according to" if form == 2 else None)),
            "stance": "deny" if deny else "assert", "hedges": [],
            "quantities": [{"text": "%d %s" % (num, noun), "value": num, "qualifier": "at least" if form == 1 else None, "unit": noun}],
            "entities": [{"text": c1, "name": c1, "type": "country", "code": None},
                         {"text": c2, "name": c2, "type": "country", "code": None}],
            "time": [], "score": 0.8}) + "\n")
EOF
n_gen=$(wc -l < "$TMP/stream.jsonl")
t_gen=$(core "$TMP/stream.jsonl")
u_gen=$(sed -n 's/^[0-9]* claims, \([0-9]*\) updates.*/\1/p' "$TMP/core")
t_ctl=$(best "$RUNS" "$CLAIMCTL" cluster --claims "$TMP/stream.jsonl")
c_gen=$(wc -l < "$TMP/out")

if [ -z "$t_ext" ] || [ -z "$t_own" ] || [ -z "$t_gen" ] || [ -z "$t_ctl" ]; then
	echo "cluster: failed (a run failed)"
	exit 1
fi
echo "yardstick  extraction (claimctl extract, own articles x$copies): $(rate "$n_own" "$t_ext") claims/s ($n_own claims)"
echo "clustering own claims (clusterer_add in process):      $(rate "$n_own" "$t_own") claims/s, $(rate "$u_own" "$t_own") updates/s"
echo "clustering generated  (clusterer_add in process):      $(rate "$n_gen" "$t_gen") claims/s, $(rate "$u_gen" "$t_gen") updates/s ($n_gen claims, window full)"
echo "clustering generated  (claimctl cluster --claims):     $(rate "$n_gen" "$t_ctl") claims/s ($c_gen clusters printed)"
awk -v a="$t_ext" -v b="$t_own" -v na="$n_own" -v g="$t_gen" -v ng="$n_gen" 'BEGIN {
	r1 = (na / b) / (na / a); r2 = (ng / g) / (na / a)
	printf "ratio      clustering / extraction: %.1fx (own claims), %.1fx (generated stream): %s\n", r1, r2,
	       (r1 > 1 && r2 > 1) ? "clustering keeps up with extraction" : "clustering is slower than extraction"
}'
