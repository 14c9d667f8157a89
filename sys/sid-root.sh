#!/bin/sh
# Build the Debian sid root the host runs CRIU from (sys/criu/README.md):
# bookworm's CRIU 3.17 fails `criu check` on this host kernel, sid's 4.x
# passes, and installing sid packages on the host would disturb it. The
# root is debootstrap's minbase plus criu, trimmed of documentation.
# Usage: sys/sid-root.sh OUT      (make sid-root: build/sid-root)
#   OUT             the root; OUT/.vkernel-sid-root is its stamp
#   OUT.tmp         where a build happens before it is renamed to OUT
#   OUT-cache       downloaded .debs, so a rebuild needs no new downloads
# The stamp holds a hash of this script and the suite: a run with both
# unchanged does nothing, otherwise the root is built anew in OUT.tmp and
# renamed, so an interrupted build never leaves a root that looks done.
# SID_SUITE (default sid) and SID_DEBIAN_MIRROR (default: the URI the
# system's apt uses for the host's release) override the source.
# sys/criu/criu-sid runs criu inside the root.
set -eu
prog=sid-root
suite=${SID_SUITE:-sid}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# What debootstrap adds to minbase (with its Depends). A UML guest without
# network needs neither iptables nor iproute2 for criu. qemu-system-x86
# (11.x, with vfio-user-pci) is for gpud as a QEMU display (guest/qemu-sid).
PKGS=criu,qemu-system-x86
stamp=.vkernel-sid-root
lib=$(dirname "$0")/debian-lib.sh
# shellcheck source=sys/debian-lib.sh
. "$lib"

die() {
	echo "$prog: $*" >&2
	exit 1
}

case ${1:-} in
-h | --help)
	sed -n '2,15s/^# \{0,1\}//p' "$0"
	exit 0
	;;
"" | -*) die "usage: sid-root.sh OUT (see --help)" ;;
esac
set_out "$1"

want_hash() {
	{
		sha256sum "$0" "$lib" | cut -d' ' -f1
		echo "$suite $PKGS"
	} | sha256sum | cut -d' ' -f1
}

# The new root in tmp: minbase plus PKGS, trimmed, with mount points.
build() {
	need_debootstrap
	[ -f "/usr/share/debootstrap/scripts/$suite" ] ||
		die "debootstrap does not know the suite $suite"
	echo "$prog: debootstrap $suite ($PKGS) from $mirror into $tmp"
	debootstrap_tmp "$PKGS" "$out.log"
	[ -x "$tmp/usr/sbin/criu" ] || die "no usr/sbin/criu in the new root"
	trim_docs "$tmp" # what criu never reads
	# Mount points criu-sid binds the host's directories on.
	mkdir -p "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/run" "$tmp/tmp" \
		"$tmp/host"
}

lock_out

want=$(want_hash)
if [ "$(sed -n 's/^hash //p' "$out/$stamp" 2>/dev/null || true)" = "$want" ]; then
	echo "$prog: $out is up to date ($(sed -n 's/^criu //p' "$out/$stamp"))"
	exit 0
fi

t0=$(date +%s)
mirror=${SID_DEBIAN_MIRROR:-$(system_mirror)}
[ -n "$mirror" ] || die "cannot find the system's Debian mirror in its apt sources"
build
ver=$(chroot "$tmp" dpkg-query -W -f='${Version}' criu)
{
	echo "hash $want"
	echo "suite $suite"
	echo "mirror $mirror"
	echo "criu $ver"
} >"$tmp/$stamp"
publish_tmp
t1=$(date +%s)
echo "$prog: $out built in $((t1 - t0)) s: criu $ver, $(du -sh "$out" | cut -f1)"
