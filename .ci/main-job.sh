#!/bin/bash
# CI's run of the README's main job, `make desktop`, bounded: wait until
# the guest's session is up, check what gpud's display shows (the root
# colour, the xterm and the xclock of the session), then Ctrl-C the
# launcher and expect a clean power-off (exit 0).
set -uo pipefail
cd "$(dirname "$0")/.."
run=$(mktemp -d)
log=$run/desktop.log
trap 'kill -KILL "$mk" 2>/dev/null; rm -rf "$run"' EXIT

setsid make desktop DESKTOP_ARGS="--vnc 0 --run-dir $run/vk" >"$log" 2>&1 &
mk=$!
for _ in $(seq 1800); do # the first run builds the kernel and the root
	grep -q '^vkernel: guest: session ready' "$log" && break
	kill -0 "$mk" 2>/dev/null || break
	sleep 0.5
done
if ! grep -q '^vkernel: guest: session ready' "$log"; then
	tail -n 60 "$log"
	echo "main job: the desktop did not come up"
	exit 1
fi
grep '^vkernel: ' "$log"
if ! build/gpustate screenshot --server "$run/vk/gpu.sock" \
	-o "$run/desktop.png" --probe 5,5=4060a0 --probe 300,300=ffffff \
	--probe 604,44=ffffff; then
	echo "main job: the screen does not show the session"
	exit 1
fi
pkill -INT -f "^build/vkernel -G sim --vnc 0 --run-dir $run/vk" ||
	pkill -INT -x vkernel
wait "$mk"
rc=$?
tail -n 3 "$log"
[ "$rc" = 0 ] || { echo "main job: exit $rc after Ctrl-C"; exit 1; }
echo "main job: desktop booted, shown, powered off cleanly"
