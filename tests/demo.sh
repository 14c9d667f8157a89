#!/bin/sh
# The main job, end to end on the stdvga model: replay the Linux bochs DRM
# modeset and a drawn frame onto a fresh device, save it, restore the
# snapshot onto another freshly created device (verified by read-back),
# save that, and show that both snapshots and their pictures are identical.
# Usage: tests/demo.sh BUILD_DIR   (outputs in out/)
set -eu
B=${1:-build}
G=$B/gpustate
mkdir -p out
set -x
$G replay --device sim tests/data/bochs-modeset.gs -o out/bochs.gs
$G verify out/bochs.gs
$G show out/bochs.gs | head -n 12
$G screenshot out/bochs.gs -o out/bochs.png
$G restore --device sim out/bochs.gs -o out/restored.gs
$G diff out/bochs.gs out/restored.gs
$G screenshot out/restored.gs -o out/restored.png
cmp out/bochs.png out/restored.png
set +x
echo "demo: snapshot saved, restored onto a fresh device, identical" \
	"(out/bochs.png)"
