#!/bin/sh
# Make SRC/arch/um/drivers/vk/ an exact copy of sys/drivers/: files whose
# bytes changed are replaced (so only they get a fresh mtime and kbuild
# recompiles only what they touch), files gone from sys/drivers/ are
# removed.
# Usage: sys/sync-drivers.sh DRIVERS_DIR SRC
set -eu
from=$(cd "$1" && pwd)
to=$2/arch/um/drivers/vk
mkdir -p "$to"
(cd "$from" && find . -type f) | while read -r f; do
	if ! cmp -s "$from/$f" "$to/$f"; then
		mkdir -p "$(dirname "$to/$f")"
		cp "$from/$f" "$to/$f.tmp"
		mv "$to/$f.tmp" "$to/$f"
	fi
done
(cd "$to" && find . -type f) | while read -r f; do
	[ -f "$from/$f" ] || rm -f "$to/$f"
done
