#!/bin/sh
# Build the vkernel's guest root (guest/desktop/README.md): a Debian
# bookworm root made by debootstrap (minbase plus guest/desktop/packages),
# trimmed of documentation and translations, with our init, command loop,
# session and Xorg configuration installed over it.
# Usage: guest/desktop/build-root.sh OUT      (make guest-root: build/guest-root)
#   OUT                 the root; OUT/.vkernel-root is its stamp
#   OUT.tmp             where a full build happens before it is renamed to OUT
#   OUT-cache           downloaded .debs, so rebuilds need no network
# The stamp holds two hashes: the base (this script, the package list, the
# suite) and the overlay (our guest files). A run with both unchanged does
# nothing; a changed overlay is copied into OUT in place (a few files, each
# replaced by rename); a changed base rebuilds everything in OUT.tmp, so an
# interrupted build never leaves a root that looks done.
# GUEST_SUITE (default bookworm) and GUEST_DEBIAN_MIRROR (default: the URI
# the system's apt uses for the host's release) override the source.
set -eu
prog=build-root
here=$(cd "$(dirname "$0")" && pwd)
suite=${GUEST_SUITE:-bookworm}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

die() {
	echo "$prog: $*" >&2
	exit 1
}

case ${1:-} in
-h | --help)
	sed -n '2,17s/^# \{0,1\}//p' "$0"
	exit 0
	;;
"" | -*) die "usage: build-root.sh OUT (see --help)" ;;
esac
out=$1
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
case $out in *[[:space:]]*) die "$out: paths with blanks are not supported" ;; esac
tmp=$out.tmp
cache=$out-cache
stamp=.vkernel-root

# Our files in the root: SOURCE DEST MODE (DEST relative to the root).
OVERLAY="vkernel-init usr/sbin/vkernel-init 755
vkernel-cmdloop usr/sbin/vkernel-cmdloop 755
session-default etc/vkernel/session-default 755
xorg.conf etc/vkernel/xorg.conf 644
fstab etc/fstab 644"

hash_files() {
	(cd "$here" && sha256sum "$@") | sha256sum | cut -d' ' -f1
}
base_hash() {
	{
		hash_files build-root.sh packages
		echo "$suite"
	} | sha256sum | cut -d' ' -f1
}
overlay_hash() {
	# shellcheck disable=SC2046 # file names without blanks
	hash_files $(echo "$OVERLAY" | cut -d' ' -f1)
}

# The main Debian archive of the system's apt sources: the URI apt would
# fetch the host release's InRelease from (apt parses both sources.list and
# deb822 files; an empty private lists directory makes it print them all).
system_mirror() {
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
	probe=$(mktemp -d)
	apt-get -o Dir::State::Lists="$probe" --print-uris update 2>/dev/null |
		sed -n "s|^'\(.*\)/dists/$codename/InRelease'.*|\1|p" | head -n 1
	rm -rf "$probe"
}

# Unmount whatever a killed debootstrap left mounted under DIR (its
# chroot's /proc and /sys), deepest first, so rm cannot walk into them.
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

# ROOT: copy the overlay in, each file through a temporary name and a
# rename, so a running guest never sees a half-written one.
install_overlay() {
	echo "$OVERLAY" | while read -r src dst mode; do
		mkdir -p "$(dirname "$1/$dst")"
		cp "$here/$src" "$1/$dst.new"
		chmod "$mode" "$1/$dst.new"
		mv -f "$1/$dst.new" "$1/$dst"
	done
}

# ROOT BASE OVERLAY: the stamp, written last through a rename.
write_stamp() {
	{
		echo "base $2"
		echo "overlay $3"
		echo "suite $suite"
		echo "mirror $mirror"
	} >"$1/$stamp.new"
	mv -f "$1/$stamp.new" "$1/$stamp"
}

# ROOT: drop what a guest never reads, and keep later dpkg runs from
# putting it back.
trim() {
	r=$1
	find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
	find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
	rm -rf "$r/usr/share/man" "$r/usr/share/info" "$r/usr/share/lintian" \
		"$r/usr/share/locale"/*/ "$r/var/cache/man" "$r/var/cache/apt"/*.bin \
		"$r/var/cache/apt/archives"/*.deb "$r/var/cache/debconf"/*-old \
		"$r/var/lib/dpkg"/*-old
	find "$r/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete
	find "$r/var/log" -type f -delete
	cat >"$r/etc/dpkg/dpkg.cfg.d/vkernel-nodoc" <<-EOF
		# vkernel guest root: no documentation or translations.
		path-exclude /usr/share/doc/*
		path-include /usr/share/doc/*/copyright
		path-exclude /usr/share/man/*
		path-exclude /usr/share/info/*
		path-exclude /usr/share/locale/*
		path-include /usr/share/locale/locale.alias
	EOF
}

# ROOT: the few settings of a root that boots straight into our init.
configure() {
	r=$1
	echo vkernel >"$r/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tvkernel\n::1\tlocalhost\n' \
		>"$r/etc/hosts"
	# Mount points of /etc/fstab's tmpfs mounts and of the share.
	mkdir -p "$r/var/lib/xkb" "$r/mnt/host" "$r/var/tmp" "$r/run" "$r/tmp" \
		"$r/root" "$r/home" "$r/var/log"
}

build_base() {
	command -v debootstrap >/dev/null ||
		die "debootstrap missing (run ./install-deps.sh)"
	[ -r "$keyring" ] || die "$keyring missing (install debian-archive-keyring)"
	pkgs=$(sed 's/#.*//' "$here/packages" | tr -s ' \t\n' '\n' | grep . |
		paste -sd, -)
	remove_tree "$tmp"
	mkdir -p "$cache"
	trap 'umount_under "$tmp"' EXIT
	trap 'exit 1' INT TERM
	echo "$prog: debootstrap $suite from $mirror into $tmp"
	echo "$prog: packages: $pkgs"
	if ! debootstrap --variant=minbase --include="$pkgs" \
		--keyring="$keyring" --cache-dir="$cache" "$suite" "$tmp" "$mirror"; then
		tail -n 30 "$tmp/debootstrap/debootstrap.log" 2>/dev/null >&2 || true
		remove_tree "$tmp"
		die "debootstrap failed"
	fi
	umount_under "$tmp"
	trap - EXIT
	echo "$prog: trimming and configuring"
	trim "$tmp"
	configure "$tmp"
}

exec 9>"$out.lock"
if ! flock -n 9; then
	echo "$prog: waiting for another build of $out"
	flock 9
fi

want_base=$(base_hash)
want_overlay=$(overlay_hash)
have_base=$(sed -n 's/^base //p' "$out/$stamp" 2>/dev/null || true)
have_overlay=$(sed -n 's/^overlay //p' "$out/$stamp" 2>/dev/null || true)
mirror=$(sed -n 's/^mirror //p' "$out/$stamp" 2>/dev/null || true)

if [ "$have_base" = "$want_base" ]; then
	if [ "$have_overlay" = "$want_overlay" ]; then
		echo "$prog: $out is up to date"
		exit 0
	fi
	install_overlay "$out"
	write_stamp "$out" "$want_base" "$want_overlay"
	echo "$prog: $out: guest files updated"
	exit 0
fi

t0=$(date +%s)
mirror=${GUEST_DEBIAN_MIRROR:-$(system_mirror)}
[ -n "$mirror" ] || die "cannot find the system's Debian mirror in its apt sources"
build_base
install_overlay "$tmp"
write_stamp "$tmp" "$want_base" "$want_overlay"
if [ -e "$out" ]; then
	remove_tree "$out.old"
	mv "$out" "$out.old"
fi
mv "$tmp" "$out"
remove_tree "$out.old"
t1=$(date +%s)
echo "$prog: $out built in $((t1 - t0)) s: $(du -sh "$out" | cut -f1)," \
	"$(find "$out" | wc -l) files"
