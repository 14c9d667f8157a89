#!/bin/sh
# Run libFuzzer targets for a bounded time each.
# Usage: run-fuzz.sh SECONDS BIN...
# For each BIN (build/fuzz/.../fuzz_NAME) a fresh corpus is seeded by running
# BIN once with FUZZ_SEED_DIR set and -runs=0 (targets that know the variable
# write seed files there), then BIN fuzzes it for SECONDS. Prints the
# executions count of each target; exits non-zero if any target crashed,
# leaked, timed out or ran out of memory (libFuzzer's exit status).
set -u
if [ $# -lt 2 ]; then
	echo "usage: $0 SECONDS BIN..." >&2
	exit 2
fi
secs=$1
shift
status=0

for bin in "$@"; do
	name=$(basename "$bin")
	work=build/fuzz/run/$name
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	log=$work/log
	echo "== $name: seeding"
	if ! FUZZ_SEED_DIR=$work/corpus "$bin" -runs=0 >"$log" 2>&1; then
		cat "$log"
		echo "FAIL $name: seeding run failed"
		status=1
		continue
	fi
	echo "== $name: $(ls "$work/corpus" | wc -l) seeds, fuzzing ${secs}s"
	"$bin" -max_total_time="$secs" -max_len=1048576 -rss_limit_mb=2048 \
		-timeout=30 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	if [ $rc -ne 0 ]; then
		tail -n 60 "$log"
		echo "FAIL $name: libFuzzer exit $rc after ${execs:-?} executions;" \
			"artifacts in $work/artifacts"
		status=1
		continue
	fi
	grep -E '^(#[0-9]+ +DONE|stat::)' "$log"
	echo "ok - $name: ${execs:-?} executions in ${secs}s, no crash"
done
exit $status
