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
# shellcheck source=sys/debian-lib.sh
. "$here/../../sys/debian-lib.sh"

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
set_out "$1"
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
		hash_files build-root.sh packages ../../sys/debian-lib.sh
		echo "$suite"
	} | sha256sum | cut -d' ' -f1
}
overlay_hash() {
	# shellcheck disable=SC2046 # file names without blanks
	hash_files $(echo "$OVERLAY" | cut -d' ' -f1)
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
	trim_docs "$r"
	rm -rf "$r/usr/share/lintian" "$r/var/cache/man" \
		"$r/var/cache/debconf"/*-old "$r/var/lib/dpkg"/*-old
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
	need_debootstrap
	pkgs=$(sed 's/#.*//' "$here/packages" | tr -s ' \t\n' '\n' | grep . |
		paste -sd, -)
	echo "$prog: debootstrap $suite from $mirror into $tmp"
	echo "$prog: packages: $pkgs"
	debootstrap_tmp "$pkgs"
	echo "$prog: trimming and configuring"
	trim "$tmp"
	configure "$tmp"
}

lock_out

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
publish_tmp
t1=$(date +%s)
echo "$prog: $out built in $((t1 - t0)) s: $(du -sh "$out" | cut -f1)," \
	"$(find "$out" | wc -l) files"
