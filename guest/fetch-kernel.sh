#!/bin/sh
# Fetch Debian's stock kernel for the conformance guest, without installing
# it: the linux-image package linux-image-amd64 points at is downloaded once
# into build/guest/cache (kept across rebuilds), unpacked with dpkg-deb, and
# only the kernel image and the bochs DRM module chain are kept.
# Usage: guest/fetch-kernel.sh OUTDIR CACHEDIR
# Produces OUTDIR/vmlinuz, OUTDIR/modules/*.ko and OUTDIR/modules/order (the
# insmod order of the bochs chain, as modprobe resolves it after depmod).
set -eu
out=$1
cache=$2
mkdir -p "$cache"

# The image package for this release: "Depends: linux-image-6.1.0-NN-amd64".
image_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1
}

# The cached package, if any.
cached() {
	for f in "$cache"/linux-image-*.deb; do
		[ -f "$f" ] && echo "$f" && return
	done
	return 0
}

deb=$(cached)
if [ -z "$deb" ]; then
	pkg=$(image_package)
	if [ -z "$pkg" ]; then
		# No package lists yet (fresh machine): fetch them once.
		apt-get update -q >/dev/null
		pkg=$(image_package)
	fi
	[ -n "$pkg" ] || {
		echo "fetch-kernel: cannot resolve linux-image-amd64" >&2
		exit 1
	}
	# apt-get download writes into the current directory; as root it warns
	# that _apt cannot write there, which is harmless. Success is judged
	# by the file appearing.
	(cd "$cache" && apt-get download "$pkg") 2>&1 |
		grep -v '^W: Download is performed unsandboxed' >&2 || true
	deb=$(cached)
	[ -n "$deb" ] || {
		echo "fetch-kernel: apt-get download $pkg failed" >&2
		exit 1
	}
fi

tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/root" "$tmp/modules"
# Only the kernel and the DRM modules: the full tree is 390 MB.
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/root" --wildcards \
	'./boot/vmlinuz-*' './lib/modules/*/kernel/drivers/gpu/drm/*' \
	'./lib/modules/*/modules.builtin*' './lib/modules/*/modules.order'
kver=$(ls "$tmp/root/lib/modules")
# The package ships no modules.dep; build it for the extracted subset.
depmod -b "$tmp/root" "$kver"
modprobe -d "$tmp/root" -S "$kver" --show-depends bochs |
	sed -n 's/^insmod \([^ ]*\) *$/\1/p' >"$tmp/paths"
[ -s "$tmp/paths" ] || {
	echo "fetch-kernel: no bochs module chain in $deb" >&2
	exit 1
}
while read -r p; do
	cp "$p" "$tmp/modules/"
	basename "$p" .ko >>"$tmp/modules/order"
done <"$tmp/paths"
cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/vmlinuz"
echo "$kver" >"$tmp/version"
rm -rf "$tmp/root" "$tmp/paths" "$out"
mv "$tmp" "$out"
echo "fetch-kernel: $kver from $(basename "$deb"), modules: $(tr '\n' ' ' <"$out/modules/order")"
