#!/bin/sh
# Build the parts of the conformance guest's initramfs (gzip'ed newc cpio).
# Linux unpacks concatenated archives in order, so a boot's initrd is the
# base part, optionally followed by the Xorg part and a part of inputs.
#   build-initramfs.sh base OUT GPUSTATE BAR0CAT CONFDIR
#                               /init, busybox, gpustate, bar0cat, the
#                               access scripts
#   build-initramfs.sh xorg OUT KERNELDIR          Xorg (modesetting, no GL),
#                                                  xsetroot, xmessage,
#                                                  xwininfo, their libraries,
#                                                  xkb data, bochs modules
#   build-initramfs.sh files OUT DIR DEST          DIR's files under /DEST
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kind=$1
out=$2
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

pack() {
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 \
		--quiet) | gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
}

base() {
	gpustate=$1 bar0cat=$2 conf=$3
	mkdir -p "$root/bin" "$root/guest" "$root/proc" "$root/sys" \
		"$root/dev" "$root/tmp" "$root/out" "$root/in" "$root/conf"
	cp /bin/busybox "$root/bin/busybox"
	cp "$gpustate" "$root/bin/gpustate"
	cp "$bar0cat" "$root/bin/bar0cat"
	cp "$here/init.sh" "$root/init"
	cp "$here/tests.sh" "$root/guest/tests.sh"
	chmod 755 "$root/init"
	cp -r "$conf/." "$root/conf/"
}

# Copy an ELF file and every library ldd finds for it; /lib paths land under
# /usr/lib because the image keeps only /usr (plus the /lib64 loader link).
copy_elf() {
	dest=$root$(echo "$1" | sed 's|^/lib/|/usr/lib/|')
	mkdir -p "$(dirname "$dest")"
	cp -L "$1" "$dest"
	ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p' |
		while read -r lib; do
			d=$root$(echo "$lib" | sed 's|^/lib/|/usr/lib/|')
			[ -e "$d" ] && continue
			mkdir -p "$(dirname "$d")"
			cp -L "$lib" "$d"
		done
}

xorg() {
	kdir=$1
	for f in /usr/lib/xorg/Xorg /usr/bin/xkbcomp /usr/bin/xsetroot \
		/usr/bin/xmessage /usr/bin/xwininfo; do
		[ -e "$f" ] || {
			echo "build-initramfs: missing $f (run ./install-deps.sh)" >&2
			exit 1
		}
		copy_elf "$f"
	done
	# Xorg dlopen()s its modules: ldd cannot see them from Xorg.
	find /usr/lib/xorg/modules -name '*.so' | while read -r f; do
		copy_elf "$f"
	done
	mkdir -p "$root/usr/lib64" "$root/usr/share/X11" "$root/etc/X11" \
		"$root/var/lib/xkb" "$root/lib/modules"
	cp -L /lib64/ld-linux-x86-64.so.2 "$root/usr/lib64/"
	ln -s usr/lib64 "$root/lib64"
	cp -r /usr/share/X11/xkb "$root/usr/share/X11/"
	[ -e /usr/lib/xorg/protocol.txt ] &&
		cp /usr/lib/xorg/protocol.txt "$root/usr/lib/xorg/"
	cp "$here/xorg.conf" "$root/etc/X11/xorg.conf"
	cp "$kdir"/modules/*.ko "$kdir/modules/order" "$root/lib/modules/"
	echo /usr/lib/x86_64-linux-gnu >"$root/etc/ld.so.conf"
	ldconfig -r "$root"
}

files() {
	mkdir -p "$root/$2"
	cp -r "$1/." "$root/$2/"
}

case $kind in
base) base "$@" ;;
xorg) xorg "$@" ;;
files) files "$@" ;;
*)
	echo "usage: build-initramfs.sh base|xorg|files OUT ..." >&2
	exit 2
	;;
esac
pack
