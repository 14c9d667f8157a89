#!/bin/sh
# Fetch Debian sid's kernel source for the vkernel (User-Mode Linux) and
# unpack it, without touching the host's apt state: a private apt
# configuration under OUT/apt names only sid on the mirror the system's own
# apt uses, and keeps its lists and cache there. apt checks the sid Release
# signature against Debian's archive keyring and the package's SHA256 from
# the signed index; we check that hash once more before unpacking.
# Usage: sys/fetch-source.sh OUT
# Produces OUT/src (the unpacked tree) and OUT/src/.vkernel-source (package
# name and version). A second run is a no-op, without network. Set
# SYS_LINUX_SOURCE=linux-source-X.Y to pin a series instead of the newest
# linux-source-7.*; SYS_DEBIAN_MIRROR=URI to use another mirror.
set -eu
out=$1
src=$out/src
stamp=$src/.vkernel-source
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# shellcheck source=sys/debian-lib.sh
. "$(dirname "$0")/debian-lib.sh"

if [ -f "$stamp" ]; then
	echo "fetch-source: cached: $(cat "$stamp")"
	exit 0
fi

die() {
	echo "fetch-source: $*" >&2
	exit 1
}

[ -r "$keyring" ] || die "$keyring missing (install debian-archive-keyring)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
apt=$out/apt

mirror=${SYS_DEBIAN_MIRROR:-$(system_mirror)}
[ -n "$mirror" ] || die "cannot find the system's Debian mirror in its apt sources"

# Private configuration. The host's apt.conf.d is not read (its update hooks
# would run for our lists), except for proxy settings, which are carried
# over. The sid Release file in a mirror snapshot may be past its
# Valid-Until date, hence Check-Valid-Until=false; signatures stay checked.
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" \
	"$apt/sources.list.d" "$apt/log"
: >"$apt/status"
echo "deb [signed-by=$keyring] $mirror sid main" >"$apt/sources.list"
{
	echo "Dir::Etc::sourcelist \"$apt/sources.list\";"
	echo "Dir::Etc::sourceparts \"$apt/sources.list.d\";"
	echo "Dir::Etc::parts \"$apt/parts\";"
	echo "Dir::Etc::main \"/dev/null\";"
	echo "Dir::Etc::preferences \"/dev/null\";"
	echo "Dir::Etc::preferencesparts \"$apt/parts\";"
	echo "Dir::State \"$apt\";"
	echo "Dir::State::Lists \"$apt/lists\";"
	echo "Dir::State::status \"$apt/status\";"
	echo "Dir::Cache \"$apt/cache\";"
	echo "Dir::Log \"$apt/log\";"
	echo "Acquire::Check-Valid-Until \"false\";"
	echo "Acquire::Languages \"none\";"
	echo "Acquire::PDiffs \"false\";"
	apt-config dump | grep -iE '^Acquire::[a-z]+::Proxy' || true
} >"$apt/apt.conf"
export APT_CONFIG="$apt/apt.conf"

t0=$(date +%s)
apt-get update -q >"$apt/update.log" 2>&1 || {
	cat "$apt/update.log" >&2
	die "apt-get update of sid from $mirror failed"
}
# apt prints signature problems as warnings and carries on with old lists.
if grep -qE '^(W|E): .*(NO_PUBKEY|not signed|signature|EXPKEYSIG)' "$apt/update.log"; then
	cat "$apt/update.log" >&2
	die "the sid Release file did not verify against $keyring"
fi

pkg=${SYS_LINUX_SOURCE:-$(apt-cache pkgnames linux-source-7. |
	grep -E '^linux-source-7\.[0-9]+$' | sort -V | tail -n 1)}
[ -n "$pkg" ] || die "no linux-source-7.* in sid on $mirror"
ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p')
sha=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^SHA256: //p')
[ -n "$ver" ] && [ -n "$sha" ] || die "$pkg: no version or SHA256 in the index"

deb=$apt/cache/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_all.deb
if [ ! -f "$deb" ]; then
	# apt-get download writes into the current directory; as root it warns
	# that its sandbox user cannot write there, which is harmless.
	(cd "$apt/cache" && apt-get download -q "$pkg=$ver" 2>&1 |
		grep -v 'Download is performed unsandboxed' >&2 || true)
fi
[ -f "$deb" ] || die "apt-get download $pkg=$ver failed"
echo "$sha  $deb" | sha256sum -c --quiet - || {
	rm -f "$deb"
	die "$deb did not match the SHA256 of the signed index; removed"
}
t1=$(date +%s)

# The package holds one tarball, /usr/src/linux-source-X.Y.tar.xz.
tmp=$out/src.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
ball=./usr/src/$pkg.tar.xz
dpkg-deb --fsys-tarfile "$deb" | tar -x -O "$ball" | tar -xJ -C "$tmp"
[ -f "$tmp/$pkg/Makefile" ] || die "$deb: no $pkg/Makefile in $ball"
rm -rf "$src"
mv "$tmp/$pkg" "$src"
rmdir "$tmp"
echo "$pkg $ver" >"$stamp"
t2=$(date +%s)
echo "fetch-source: $pkg $ver from $mirror: fetch $((t1 - t0)) s, unpack $((t2 - t1)) s"
