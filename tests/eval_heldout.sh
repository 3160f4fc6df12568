#!/bin/sh
# tests/eval_heldout.sh — claim scores on the held-out set (run by `make eval` as
# `sh tests/eval_heldout.sh ../shared`, with CLAIMCTL set).
#
# tests/fixtures/heldout/<page id>.jsonl hold gold claims as spans into the bodies of
# $SHARED/pages/truth.json (see tests/fixtures/heldout/README.md). tests/heldout.py decode
# writes the bodies and the gold claims of each split; $CLAIMCTL extract runs on each body
# (with --published from a /YYYY/MM/DD/ in the page URL when there is one) and
# $SHARED/fixtures/score_claims.py scores each split. Prints "dev: <summary>" and
# "test: <summary>" with the issue's targets for the test half beside it, or
# "heldout: skipped" without $SHARED/pages.
#
# Rules are written and tuned on dev; test is measured, not studied. The targets are
# reported, not enforced: this exits non-zero only when the plumbing fails or a split falls
# below a low floor (recall < 0.5), since `make eval` runs in CI.
# Set VERBOSE=1 to see the scorer's lines for dev (never for test).
set -u
SHARED=${1:-../shared}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLAIMCTL=${CLAIMCTL:-$ROOT/claimctl}
FIXTURES=${HELDOUT_FIXTURES:-$ROOT/tests/fixtures/heldout}
PY=/usr/bin/python3
# claimctl finds its lexicon in ./conf/lexicon: run from the checkout, with absolute paths
[ -d "$SHARED" ] && SHARED=$(cd "$SHARED" && pwd)
case "$CLAIMCTL" in /*) ;; *) CLAIMCTL=$(pwd)/$CLAIMCTL ;; esac
cd "$ROOT" || exit 2
SCORER="$SHARED/fixtures/score_claims.py"
TARGETS='exact>=0.75 speaker>=0.88 stance>=0.88'
FLOOR='recall>=0.5'

if [ ! -f "$SHARED/pages/truth.json" ]; then
	echo "heldout: skipped ($SHARED/pages not found)"
	exit 0
fi
if [ ! -f "$SCORER" ]; then
	echo "heldout: skipped ($SCORER not found)"
	exit 0
fi
if ! ls "$FIXTURES"/*.jsonl >/dev/null 2>&1; then
	echo "heldout: skipped (no annotations in tests/fixtures/heldout)"
	exit 0
fi
if [ ! -x "$CLAIMCTL" ]; then
	echo "heldout: $CLAIMCTL not built" >&2
	exit 2
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
"$PY" "$ROOT/tests/heldout.py" decode "$SHARED" "$TMP" || exit 1

# meets LINE key>=min ...: true when every key of the summary line reaches its minimum
meets() {
	line=$1; shift
	for t in "$@"; do
		key=${t%%>=*}; min=${t#*>=}
		val=$(printf '%s\n' "$line" | awk -v k="$key" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}')
		[ -n "$val" ] && awk -v v="$val" -v m="$min" 'BEGIN { exit !(v + 0 >= m + 0) }' || return 1
	done
	return 0
}

fail=0
for split in dev test; do
	: > "$TMP/$split.sys.jsonl"
	n=0
	for f in "$TMP/$split"/*.txt; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		pub=""
		[ -f "${f%.txt}.published" ] && pub=$(cat "${f%.txt}.published")
		if [ -n "$pub" ]; then
			"$CLAIMCTL" extract --published "$pub" "$f" >> "$TMP/$split.sys.jsonl" || fail=1
		else
			"$CLAIMCTL" extract "$f" >> "$TMP/$split.sys.jsonl" || fail=1
		fi
	done
	if [ "$n" -eq 0 ]; then
		echo "$split: skipped (no articles)"
		continue
	fi
	out=$("$PY" "$SCORER" "$TMP/$split.gold.jsonl" "$TMP/$split.sys.jsonl") || { fail=1; continue; }
	[ "${VERBOSE:-0}" = 1 ] && [ "$split" = dev ] && printf '%s\n' "$out" | sed '$d' >&2
	line=$(printf '%s\n' "$out" | tail -n 1)
	if [ "$split" = test ]; then
		if meets "$line" $TARGETS; then note="targets met"; else note="below target"; fi
		echo "$split: $line [$n articles; targets exact >= 0.75, speaker >= 0.88, stance >= 0.88: $note]"
	else
		echo "$split: $line [$n articles]"
	fi
	if ! meets "$line" $FLOOR; then
		echo "$split: below the floor ($FLOOR)"
		fail=1
	fi
done
exit $fail
