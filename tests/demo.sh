#!/bin/sh
# The main job, end to end: gpud serves the stdvga model over vfio-user
# (watch it with any VNC viewer on 127.0.0.1 while this runs); a client
# replays the Linux bochs DRM modeset and draws a frame through trapped
# registers and mapped VRAM; the device is saved through vfio-user
# migration; gpud is killed and a fresh one started (a power-cycled
# device); the snapshot is loaded into it (validated, restored, verified)
# and the device is shown to be bit-identical, registers, VRAM and picture.
# Usage: tests/demo.sh BUILD_DIR   (outputs in out/)
set -eu
B=${1:-build}
G=$B/gpustate
RUN=out/run
SOCK=$RUN/gpu.sock
mkdir -p out "$RUN"
chmod 700 "$RUN"
pid=""
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap stop EXIT
start() {
	$B/gpud --device sim --socket "$SOCK" --vnc "$1" --foreground \
		2>>out/gpud.log &
	pid=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && return; sleep 0.05; done
	echo "demo: gpud did not start, see out/gpud.log" >&2
	exit 1
}

start 0
echo "demo: gpud pid $pid; $(grep 'display over VNC' out/gpud.log | tail -n 1)"
set -x
$G replay --device "unix:$SOCK" tests/data/bochs-modeset.gs
$G show --server "$SOCK" | sed -n 2,6p
$G screenshot --server "$SOCK" -o out/live.png
$G dump --server "$SOCK" -o out/bochs.gs
{ set +x; } 2>/dev/null
stop
echo "demo: gpud killed; starting a fresh one (power-cycled device)"
start 0
set -x
$G show --server "$SOCK" | grep '^display' 
$G restore --server "$SOCK" out/bochs.gs
$G dump --server "$SOCK" -o out/restored.gs
$G diff out/bochs.gs out/restored.gs
$G screenshot --server "$SOCK" -o out/restored.png
cmp out/live.png out/restored.png
{ set +x; } 2>/dev/null
echo "demo: saved through vfio-user, restored onto a fresh gpud, identical" \
	"(out/live.png, out/restored.png)"
