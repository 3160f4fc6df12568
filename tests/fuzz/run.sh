#!/bin/sh
# tests/fuzz/run.sh SECONDS TARGET... — run by `make fuzz` / `make fuzz-smoke` (mk/fuzz.mk).
# For each target: replays every input in tests/fuzz/regress/TARGET/ (a crash found once
# must stay fixed), then fuzzes for SECONDS on build-fuzz/corpus/TARGET, seeded from the
# globs in tests/fuzz/TARGET.seeds and the one-input-a-line tests/fuzz/TARGET.lines, with
# tests/fuzz/TARGET.dict when there is one. Prints one summary line a target and exits
# non-zero on any crash, leak or timeout (the input is kept in build-fuzz/artifacts/).
set -u
secs=$1; shift
B=${FUZZ_BUILD:-build-fuzz}
TO=${FUZZ_TIMEOUT:-10}
F=tests/fuzz
fail=0
mkdir -p "$B/artifacts"
for t in "$@"; do
	bin="$B/fuzz_$t"
	corpus="$B/corpus/$t"
	mkdir -p "$corpus"
	if [ -f "$F/$t.seeds" ]; then
		# shellcheck disable=SC2046
		for g in $(grep -v '^#' "$F/$t.seeds"); do
			for s in $g; do [ -f "$s" ] && cp "$s" "$corpus/seed-$(basename "$s")"; done
		done
	fi
	if [ -f "$F/$t.lines" ]; then
		n=0
		grep -v '^#' "$F/$t.lines" | while IFS= read -r l; do
			n=$((n + 1)); printf '%s' "$l" | sed 's/\\n/\n/g' > "$corpus/line-$n"
		done
	fi
	opts="-timeout=$TO -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 -artifact_prefix=$B/artifacts/$t-"
	[ -f "$F/$t.dict" ] && opts="$opts -dict=$F/$t.dict"
	if [ -d "$F/regress/$t" ] && [ -n "$(ls -A "$F/regress/$t")" ]; then
		# shellcheck disable=SC2086
		if ! "$bin" $opts "$F/regress/$t"/* > "$B/$t.regress.log" 2>&1; then
			echo "fuzz $t: REGRESSION input fails again (see $B/$t.regress.log)"
			tail -n 30 "$B/$t.regress.log"
			fail=1
			continue
		fi
		nreg=$(ls "$F/regress/$t" | wc -l)
	else
		nreg=0
	fi
	# shellcheck disable=SC2086
	if "$bin" $opts -max_total_time="$secs" "$corpus" > "$B/$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/$t.log" | tail -n 1)
		cov=$(grep -o 'cov: [0-9]*' "$B/$t.log" | tail -n 1 | cut -d' ' -f2)
		ft=$(grep -o 'ft: [0-9]*' "$B/$t.log" | tail -n 1 | cut -d' ' -f2)
		echo "fuzz $t: ok, ${runs:-0} runs in ${secs} s, cov ${cov:-?} ft ${ft:-?}, corpus $(ls "$corpus" | wc -l), regressions $nreg"
	else
		echo "fuzz $t: FAILED (input in $B/artifacts/$t-*; log $B/$t.log)"
		grep -m 1 -E 'ERROR|SUMMARY|timeout' "$B/$t.log"
		tail -n 40 "$B/$t.log"
		fail=1
	fi
done
exit $fail
