# shellcheck shell=sh disable=SC2154 # the caller sets the variables
# Shell functions for the scripts that build from Debian's archive
# (sys/sid-root.sh, guest/desktop/build-root.sh, sys/fetch-source.sh);
# sourced, not run. The caller defines die (print "prog: MSG", exit 1) and
# sets prog, and for the root functions out, tmp, cache, suite, keyring and
# mirror (set_out sets out, tmp and cache).

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

# OUT: the absolute root path out (no blanks), the build's tmp (OUT.tmp)
# and the package cache (OUT-cache).
set_out() {
	out=$1
	mkdir -p "$(dirname "$out")"
	out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
	case $out in *[[:space:]]*) die "$out: paths with blanks are not supported" ;; esac
	tmp=$out.tmp
	cache=$out-cache
}

# Hold OUT.lock (fd 9) for the rest of the run, waiting for another build.
lock_out() {
	exec 9>"$out.lock"
	if ! flock -n 9; then
		echo "$prog: waiting for another build of $out"
		flock 9
	fi
}

# Unmount whatever a killed debootstrap (or a chroot run) left mounted
# under DIR (its chroot's /proc and /sys), deepest first, so rm cannot walk
# into them.
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

# Fail unless debootstrap and the archive keyring are there.
need_debootstrap() {
	command -v debootstrap >/dev/null ||
		die "debootstrap missing (run ./install-deps.sh)"
	[ -r "$keyring" ] || die "$keyring missing (install debian-archive-keyring)"
}

# PKGS [LOG]: debootstrap's minbase of suite plus PKGS (comma-separated)
# from mirror into a fresh tmp, through cache; its output to LOG if given.
# On failure: the logs' tails on stderr, tmp removed, die.
debootstrap_tmp() {
	log=${2:-}
	remove_tree "$tmp"
	mkdir -p "$cache"
	trap 'umount_under "$tmp"' EXIT
	trap 'exit 1' INT TERM
	# debootstrap reads no apt configuration: a sid Release past its
	# Valid-Until date in a mirror snapshot does not stop it.
	set -- --variant=minbase --include="$1" --keyring="$keyring" \
		--cache-dir="$cache" "$suite" "$tmp" "$mirror"
	rc=0
	if [ -n "$log" ]; then
		debootstrap "$@" >"$log" 2>&1 || rc=$?
	else
		debootstrap "$@" || rc=$?
	fi
	if [ "$rc" != 0 ]; then
		[ -z "$log" ] || tail -n 30 "$log" >&2
		tail -n 30 "$tmp/debootstrap/debootstrap.log" 2>/dev/null >&2 || true
		remove_tree "$tmp"
		die "debootstrap failed${log:+ (log: $log)}"
	fi
	umount_under "$tmp"
	trap - EXIT
}

# ROOT: drop the documentation, manuals, translations, downloaded packages
# and apt lists nothing in the root reads.
trim_docs() {
	find "$1/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
	find "$1/usr/share/doc" -mindepth 1 -type d -empty -delete
	rm -rf "$1/usr/share/man" "$1/usr/share/info" "$1/usr/share/locale"/*/ \
		"$1/var/cache/apt"/*.bin "$1/var/cache/apt/archives"/*.deb
	find "$1/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete
}

# Replace out by the finished tmp (through OUT.old).
publish_tmp() {
	if [ -e "$out" ]; then
		remove_tree "$out.old"
		mv "$out" "$out.old"
	fi
	mv "$tmp" "$out"
	remove_tree "$out.old"
}
