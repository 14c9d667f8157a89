#!/bin/bash
# CI's run of the README's main job, bounded: `make desktop` boots the
# desktop on -G sim; once the session is up, gpud's display must show it
# (root colour, xterm, xclock). Then the mission's cycle: checkpoint it
# (the original stops, exit 5), restore it onto a freshly started gpud,
# the picture must come back; Ctrl-C must power it off cleanly (exit 0).
set -uo pipefail
cd "$(dirname "$0")/.."
run=$(mktemp -d)
log=$run/desktop.log
trap 'kill -KILL "$mk" "${rs:-}" 2>/dev/null; rm -rf "$run"' EXIT
fail() {
	tail -n 40 "$1"
	echo "main job: $2"
	exit 1
}
# LOG: wait until the guest's session (or, restored, its thaw) is up.
wait_up() {
	for _ in $(seq 1800); do # the first run builds the kernel and root
		grep -qE '^vkernel: (guest: session ready|restored)' "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}
shows_session() {
	build/gpustate screenshot --server "$1/gpu.sock" -o "$run/$2.png" \
		--probe 5,5=4060a0 --probe 300,300=ffffff --probe 604,44=ffffff
}

setsid make desktop DESKTOP_ARGS="--vnc 0 --run-dir $run/vk --name ci-main" \
	>"$log" 2>&1 &
mk=$!
wait_up "$log" "$mk" || fail "$log" "the desktop did not come up"
grep '^vkernel: ' "$log"
shows_session "$run/vk" booted || fail "$log" "the screen does not show the session"

build/vkernel checkpoint ci --name ci-main --dir "$run/ckpt" ||
	fail "$log" "checkpoint failed"
wait "$mk"
echo "main job: checkpointed; the original stopped (make: exit $?)"
build/vkernel restore ci --dir "$run/ckpt" --vnc 0 >"$run/restore.log" 2>&1 &
rs=$!
wait_up "$run/restore.log" "$rs" || fail "$run/restore.log" "restore failed"
grep '^vkernel: ' "$run/restore.log"
shows_session "$run/vk" restored || fail "$run/restore.log" "the restored screen is wrong"

kill -INT "$rs"
wait "$rs"
rc=$?
tail -n 3 "$run/restore.log"
[ "$rc" = 0 ] || { echo "main job: exit $rc after Ctrl-C"; exit 1; }
echo "main job: desktop booted, shown, checkpointed, restored onto a fresh gpud, powered off cleanly"
