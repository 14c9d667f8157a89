#!/bin/sh
# Build the vkernel's kernel: User-Mode Linux from Debian sid's kernel
# source, with our patches and config fragment, out of tree.
# Usage: sys/build-linux.sh OUT (make vkernel-linux runs it with build/sys)
#   OUT/src     the unpacked source (sys/fetch-source.sh), patched
#   OUT/obj     kbuild's output directory (O=), kept: rebuilds are incremental
#   OUT/linux   the UML binary
# When none of our inputs changed since the last build, it does nothing;
# otherwise kbuild decides what to recompile. Under make it shares make's
# job slots; alone it uses every core.
# VKERNEL_PATCHES_EXTRA=DIR adds DIR/*.patch to the series (a private
# series while developing a patch, in a private OUT); the series is every
# patch of sys/patches and DIR in file-name order, names must not clash.
set -eu
sys=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src
obj=$out/obj
extra=${VKERNEL_PATCHES_EXTRA:-}
if [ -n "$extra" ]; then
	extra=$(cd "$extra" && pwd) ||
		{ echo "build-linux: VKERNEL_PATCHES_EXTRA: no directory $extra" >&2; exit 1; }
fi

die() {
	echo "build-linux: $*" >&2
	exit 1
}

# Everything the binary is made from that lives in this repository.
inputs_hash() {
	(
		cd "$sys"
		find uml.config patches drivers fetch-source.sh \
			apply-patches.sh sync-drivers.sh build-linux.sh -type f |
			LC_ALL=C sort | xargs sha256sum
		# vkgpu compiles part of libgpustate (sync-drivers.sh).
		cd .. && find lib dev -name '*.[ch]' | LC_ALL=C sort |
			xargs sha256sum
		cat "$src/.vkernel-source" 2>/dev/null || true
		[ -z "$extra" ] || (cd "$extra" && find . -maxdepth 1 -name '*.patch' -type f |
			LC_ALL=C sort | xargs -r sha256sum)
	) | sha256sum | cut -d' ' -f1
}

# One build at a time in OUT: two kbuilds in one O= directory delete each
# other's objects (make check and make vkernel-linux may both get here).
exec 9>"$out/.lock"
if ! flock -n 9; then
	echo "build-linux: waiting for another build in $out"
	flock 9
fi

if [ -x "$out/linux" ] && [ -f "$src/.vkernel-source" ] &&
	[ "$(cat "$out/linux.inputs" 2>/dev/null)" = "$(inputs_hash)" ]; then
	echo "build-linux: $out/linux is up to date"
	exit 0
fi

# From here on the tree and obj/ may change: until this build succeeds,
# the next run must not take the shortcut above. The hash is taken now,
# so a file edited while kbuild runs is seen by the next run.
rm -f "$out/linux.inputs"
hash=$(inputs_hash)
"$sys/fetch-source.sh" "$out"
# The series in one directory: sys/patches, plus VKERNEL_PATCHES_EXTRA.
series=$sys/patches
if [ -n "$extra" ]; then
	series=$out/patches.series
	rm -rf "$series"
	mkdir -p "$series"
	for p in "$sys"/patches/*.patch "$extra"/*.patch; do
		[ -f "$p" ] || continue
		[ ! -e "$series/${p##*/}" ] || die "${p##*/} is in both sys/patches and $extra"
		cp "$p" "$series/"
	done
fi
"$sys/apply-patches.sh" "$src" "$series"
"$sys/sync-drivers.sh" "$sys/.." "$src"

# Only make's job server is passed on: the top-level make's command-line
# variables (CC=, CFLAGS=, SANITIZE=...) are not meant for kbuild.
jobserver=$(echo "${MAKEFLAGS:-}" |
	grep -oE -- '(-j[0-9]*|--jobserver-(auth|fds)=[^ ]+)' | tr '\n' ' ' || true)
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
if echo "$jobserver" | grep -q -- --jobserver; then
	export MAKEFLAGS="$jobserver"
	par=
else
	par=-j$(nproc)
fi
kmake() {
	# shellcheck disable=SC2086 # $par is empty or one word
	make -C "$src" O="$obj" ARCH=um $par "$@"
}

# Configuration: defconfig, our fragment over it, then every line of the
# fragment must hold in the result (kconfig silently drops settings whose
# dependencies are not met).
mkdir -p "$obj"
kmake -s defconfig
(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -Q .config \
	"$sys/uml.config" >/dev/null)
kmake -s olddefconfig
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$obj/.config" || {
			echo "build-linux: wanted $line, got:" \
				"$(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo absent)" >&2
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		name=${line#\# }
		name=${name%% *}
		! grep -q "^$name=" "$obj/.config" || {
			echo "build-linux: wanted $line, got: $(grep "^$name=" "$obj/.config")" >&2
			bad=1
		}
		;;
	esac
done <"$sys/uml.config"
[ "$bad" -eq 0 ] || die "sys/uml.config does not hold in $obj/.config"

t0=$(date +%s)
kmake linux
t1=$(date +%s)
cp "$obj/linux" "$out/linux.tmp"
mv "$out/linux.tmp" "$out/linux"
echo "$hash" >"$out/linux.inputs"
echo "build-linux: $out/linux ($(cat "$obj/include/config/kernel.release")," \
	"$(cut -d' ' -f2 "$src/.vkernel-source")), kbuild $((t1 - t0)) s"
