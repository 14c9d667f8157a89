#!/bin/sh
# Make SRC/arch/um/drivers/vk/ an exact copy of sys/drivers/, plus
# libgpustate's lib/ and dev/ sources as vkgpu/gs/ (vkgpu compiles its
# vfio-user client from them). Files whose bytes changed are replaced (so
# only they get a fresh mtime and kbuild recompiles only what they touch);
# files no longer in the set are removed.
# Usage: sys/sync-drivers.sh REPO SRC
set -eu
repo=$(cd "$1" && pwd)
to=$2/arch/um/drivers/vk
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$repo/sys/drivers/." "$stage/"
for d in lib dev; do
	mkdir -p "$stage/vkgpu/gs/$d"
	cp "$repo/$d"/*.[ch] "$stage/vkgpu/gs/$d/"
done
mkdir -p "$to"
(cd "$stage" && find . -type f) | while read -r f; do
	if ! cmp -s "$stage/$f" "$to/$f"; then
		mkdir -p "$(dirname "$to/$f")"
		cp "$stage/$f" "$to/$f.tmp"
		mv "$to/$f.tmp" "$to/$f"
	fi
done
(cd "$to" && find . -type f) | while read -r f; do
	[ -f "$stage/$f" ] || rm -f "$to/$f"
done
