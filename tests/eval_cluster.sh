#!/bin/sh
# tests/eval_cluster.sh — claim clustering scores (run by `make eval` as
# sh tests/eval_cluster.sh ../shared, with CLAIMCTL set).
#
# Own set (always runs; reads only tests/fixtures/clusters): 31 articles of our own writing
# about 7 events, each told by 3-5 outlets. gold.jsonl gives every claim sentence its gold
# cluster, contradictions.jsonl the gold contradiction links between gold clusters.
# `claimctl cluster` runs extraction and clustering over the articles; each system claim is
# matched to the gold sentence of its article that contains its proposition (70% of its
# words at least), and the clustering of the matched claims is scored:
#   pairwise precision and recall, B-cubed precision, recall and F1, and the precision and
#   recall of the contradiction links (a link is right when its two clusters' gold labels
#   are a gold contradiction pair).
# Targets: B-cubed F1 >= 0.85, contradiction precision >= 0.8; the exit status is non-zero
# only below the floors (CLUSTER_MIN_F1, CLUSTER_MIN_CONTRA), set a little under what the
# clusterer reaches. VERBOSE=1 prints every wrong merge, split and link.
# Shared set (when $1/fixtures is there): the seed and wire articles clustered together;
# prints a short summary of the clusters with more than one member (no gold; never copied).
set -u
SHARED=${1:-../shared}
CLAIMCTL=${CLAIMCTL:-./claimctl}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/tests/fixtures/clusters"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
MIN_F1=${CLUSTER_MIN_F1:-0.90}
MIN_CONTRA=${CLUSTER_MIN_CONTRA:-0.85}

if [ ! -x "$CLAIMCTL" ]; then
	echo "eval_cluster: $CLAIMCTL not built" >&2
	exit 2
fi

"$CLAIMCTL" cluster "$DIR"/*.txt > "$TMP/clusters.jsonl" || { echo "cluster: claimctl cluster failed"; exit 1; }

"$PY" - "$DIR" "$TMP/clusters.jsonl" "$MIN_F1" "$MIN_CONTRA" "${VERBOSE:-0}" <<'EOF'
import json, os, re, sys
from collections import Counter, defaultdict

gdir, sysfile, min_f1, min_contra, verbose = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == "1"

def words(s):
    s = s.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"').lower()
    return re.findall(r"[a-z0-9]+", s)

gold = [json.loads(l) for l in open(os.path.join(gdir, "gold.jsonl"), encoding="utf-8")]
pairs = {frozenset((d["a"], d["b"])) for d in map(json.loads, open(os.path.join(gdir, "contradictions.jsonl")))}
by_article = defaultdict(list)
for i, g in enumerate(gold):
    by_article[g["article"]].append(i)

clusters = [json.loads(l) for l in open(sysfile, encoding="utf-8")]
sys_of = {}      # gold index -> system cluster (first match)
label_of = {}    # claim id -> gold label
matched = set()
for c in clusters:
    for m in c["members"]:
        art = os.path.basename(m.get("url") or "")
        pw = words(m["proposition"])
        if not pw:
            continue
        best, bscore = None, 0.0
        for i in by_article.get(art, []):
            gw = Counter(words(gold[i]["sentence"]))
            hit = sum(min(n, gw[w]) for w, n in Counter(pw).items())
            score = hit / len(pw)
            if score > bscore:
                best, bscore = i, score
        if best is not None and bscore >= 0.7:
            label_of[m["claim_id"]] = gold[best]["cluster"]
            if best not in sys_of:
                sys_of[best] = c["cluster"]
            matched.add(best)

items = sorted(matched)
G = {i: gold[i]["cluster"] for i in items}
S = {i: sys_of[i] for i in items}
n = len(items)
tp = fp = fn = 0
for a in range(n):
    for b in range(a + 1, n):
        i, j = items[a], items[b]
        sg, ss = G[i] == G[j], S[i] == S[j]
        tp += sg and ss
        fp += ss and not sg
        fn += sg and not ss
        if verbose and ss and not sg:
            print("  wrong merge:", gold[i]["sentence"][:70], "|", gold[j]["sentence"][:70])
        if verbose and sg and not ss:
            print("  split:      ", gold[i]["sentence"][:70], "|", gold[j]["sentence"][:70])
pp = tp / (tp + fp) if tp + fp else 1.0
pr = tp / (tp + fn) if tp + fn else 1.0
bp = br = 0.0
for i in items:
    s_set = {j for j in items if S[j] == S[i]}
    g_set = {j for j in items if G[j] == G[i]}
    inter = len(s_set & g_set)
    bp += inter / len(s_set)
    br += inter / len(g_set)
bp, br = (bp / n, br / n) if n else (0.0, 0.0)
bf = 2 * bp * br / (bp + br) if bp + br else 0.0

# contradiction links: (cluster, contradicting claim) -> gold labels
def major(c):
    labs = Counter(label_of[m["claim_id"]] for m in c["members"] if m["claim_id"] in label_of)
    return labs.most_common(1)[0][0] if labs else None
label_cluster = {c["cluster"]: major(c) for c in clusters}
links = set()
for c in clusters:
    for x in c["contradictions"]:
        a, b = label_cluster.get(c["cluster"]), label_of.get(x["claim_id"]) or label_cluster.get(x["cluster"])
        links.add((frozenset((c["cluster"], x["cluster"])), a, b, x["rule"]))
seen, ok, scored, found = set(), 0, 0, set()
for key, a, b, rule in sorted(links, key=lambda t: sorted(t[0])):
    if key in seen:
        continue
    seen.add(key)
    if a is None or b is None:
        continue
    scored += 1
    if frozenset((a, b)) in pairs:
        ok += 1
        found.add(frozenset((a, b)))
    elif verbose:
        print("  wrong link (%s): %s | %s" % (rule, a, b))
cp = ok / scored if scored else 1.0
cr = len(found) / len(pairs) if pairs else 1.0
if verbose:
    for p in pairs - found:
        print("  missed link:", " | ".join(sorted(p)))
print("cluster: claims %d of %d gold matched, %d system clusters, %d gold clusters" %
      (n, len(gold), len(set(S.values())), len(set(G.values()))))
print("cluster: pairwise precision %.3f recall %.3f; b3 precision %.3f recall %.3f f1 %.3f; "
      "contradictions precision %.3f recall %.3f (%d links scored, %d gold)" %
      (pp, pr, bp, br, bf, cp, cr, scored, len(pairs)))
status = 0
if bf < 0.85 or cp < 0.8:
    print("cluster: below target (b3 f1 >= 0.85, contradiction precision >= 0.8)")
if bf < min_f1 or cp < min_contra:
    print("cluster: below the floor (b3 f1 >= %.2f, contradiction precision >= %.2f)" % (min_f1, min_contra))
    status = 1
sys.exit(status)
EOF
fail=$?

# the shared seed and wire articles together: a summary of the clusters found
if [ -d "$SHARED/fixtures/wire/articles" ] && [ -f "$SHARED/fixtures/seed/article.txt" ]; then
	{ echo "Published: 2023-11-02T00:15:00Z"; cat "$SHARED/fixtures/seed/article.txt"; } > "$TMP/seed.txt"
	if "$CLAIMCTL" cluster "$TMP/seed.txt" "$SHARED"/fixtures/wire/articles/*.txt > "$TMP/shared.jsonl"; then
		"$PY" - "$TMP/shared.jsonl" <<'EOF'
import json, sys
cl = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
multi = [c for c in cl if c["n_members"] > 1]
links = sum(len(c["contradictions"]) for c in cl) // 2
print("cluster (seed+wire): %d claims in %d clusters, %d with more than one member, %d contradiction links" %
      (sum(c["n_members"] for c in cl), len(cl), len(multi), links))
for c in multi:
    print("  %d members, %d sources: %.70s" % (c["n_members"], c["n_sources"], c["proposition"]))
EOF
	else
		echo "cluster (seed+wire): claimctl cluster failed"
		fail=1
	fi
else
	echo "cluster (seed+wire): skipped ($SHARED/fixtures not found)"
fi
exit $fail
