#!/bin/sh
# Run every unit test binary (Check) and every shell test, then print one
# closing line "N passed, N failed". Usage: run-tests.sh BUILD_DIR BIN...
# Shell tests (tests/*/*.sh, not this file) print "ok - NAME" or
# "not ok - NAME" per check.
set -u
B=$1
shift
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count_check() {
	# Check's summary: "100%: Checks: 12, Failures: 0, Errors: 0"
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		echo "FAIL $1: no Check summary"
		return
	fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
}

for t in "$@"; do
	echo "== $t"
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	count_check "$t"
	[ $rc -ne 0 ] && ! grep -qE 'Failures: [1-9]|Errors: [1-9]' "$log" &&
		{ failed=$((failed + 1)); echo "FAIL $t: exit $rc"; }
done

for s in tests/*/*.sh; do
	[ -f "$s" ] || continue
	echo "== $s"
	sh "$s" "$B" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		echo "FAIL $s: exit $rc"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
