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
out=$1
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
case $out in *[[:space:]]*) die "$out: paths with blanks are not supported" ;; esac
tmp=$out.tmp
cache=$out-cache

want_hash() {
	{
		sha256sum "$0" | cut -d' ' -f1
		echo "$suite $PKGS"
	} | sha256sum | cut -d' ' -f1
}

# The main Debian archive of the system's apt sources: the URI apt would
# fetch the host release's InRelease from (an empty private lists
# directory makes apt print every source it has).
system_mirror() {
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
	probe=$(mktemp -d)
	apt-get -o Dir::State::Lists="$probe" --print-uris update 2>/dev/null |
		sed -n "s|^'\(.*\)/dists/$codename/InRelease'.*|\1|p" | head -n 1
	rm -rf "$probe"
}

# Unmount whatever a killed debootstrap (or a criu-sid run) left mounted
# under DIR, deepest first, so rm cannot walk into them.
umount_under() {
	awk -v p="$1" '$2 == p || index($2, p "/") == 1 { print $2 }' \
		/proc/self/mounts | sort -r | while read -r m; do
		umount -l "$m" || true
	done
}

remove_tree() {
	[ -e "$1" ] || return 0
	umount_under "$1"
	rm -rf --one-file-system "$1"
}

# ROOT: drop what criu never reads.
trim() {
	r=$1
	find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
	find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
	rm -rf "$r/usr/share/man" "$r/usr/share/info" "$r/usr/share/locale"/*/ \
		"$r/var/cache/apt"/*.bin "$r/var/cache/apt/archives"/*.deb
	find "$r/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete
}

build() {
	command -v debootstrap >/dev/null ||
		die "debootstrap missing (run ./install-deps.sh)"
	[ -r "$keyring" ] || die "$keyring missing (install debian-archive-keyring)"
	[ -f "/usr/share/debootstrap/scripts/$suite" ] ||
		die "debootstrap does not know the suite $suite"
	remove_tree "$tmp"
	mkdir -p "$cache"
	trap 'umount_under "$tmp"' EXIT
	trap 'exit 1' INT TERM
	echo "$prog: debootstrap $suite ($PKGS) from $mirror into $tmp"
	# debootstrap reads no apt configuration: a sid Release past its
	# Valid-Until date in a mirror snapshot does not stop it.
	if ! debootstrap --variant=minbase --include="$PKGS" \
		--keyring="$keyring" --cache-dir="$cache" "$suite" "$tmp" \
		"$mirror" >"$out.log" 2>&1; then
		tail -n 30 "$out.log" >&2
		tail -n 30 "$tmp/debootstrap/debootstrap.log" 2>/dev/null >&2 || true
		remove_tree "$tmp"
		die "debootstrap failed (log: $out.log)"
	fi
	umount_under "$tmp"
	trap - EXIT
	[ -x "$tmp/usr/sbin/criu" ] || die "no usr/sbin/criu in the new root"
	trim "$tmp"
	# Mount points criu-sid binds the host's directories on.
	mkdir -p "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/run" "$tmp/tmp" \
		"$tmp/host"
}

exec 9>"$out.lock"
if ! flock -n 9; then
	echo "$prog: waiting for another build of $out"
	flock 9
fi

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
if [ -e "$out" ]; then
	remove_tree "$out.old"
	mv "$out" "$out.old"
fi
mv "$tmp" "$out"
remove_tree "$out.old"
t1=$(date +%s)
echo "$prog: $out built in $((t1 - t0)) s: criu $ver, $(du -sh "$out" | cut -f1)"
