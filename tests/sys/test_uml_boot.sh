#!/bin/sh
# The vkernel's kernel (build/sys/linux, `make vkernel-linux`) boots: from
# a busybox initramfs, in UML's seccomp userspace mode and in its default
# ptrace mode, init runs and sees the kernel release the build says, the
# filesystems our config fragment asks for work, there is no DRM device
# without vkgpu.socket (tests/sys/test_vkgpu.sh has one), and poweroff ends the host process with nothing left behind. In seccomp mode
# every guest address space must be a host child named uml-userspace under
# a seccomp filter and not ptraced: the layout CRIU can dump.
# Usage: test_uml_boot.sh BUILD_DIR. The kernel is the same for every
# BUILD_DIR (SANITIZE=1 too): SYS_BUILD (default build/sys) names it.
# Prints "ok - NAME" / "not ok - NAME".
set -u
# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/lib/uml.sh"
SYS=${SYS_BUILD:-build/sys}
L=$SYS/linux
T=$(mktemp -d)
BOOT_TIMEOUT=60 # seconds to the init's marker (a busy 2-core CI machine)
HALT_TIMEOUT=30 # seconds from the go-ahead to the process exit
pid=  # the UML process; it makes itself a session leader at start, so
      # its process group, with every child it starts, is -$pid
pgid= # the group of the wrapper shell that waits for it

cleanup() {
	reap
	exec 3>&- 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# NAME COMMAND...: passes when the command succeeds.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name" "$T/log"; fi
}

if [ ! -x "$L" ]; then
	nok "kernel is built ($L missing: make vkernel-linux)"
	exit 1
fi
ok "kernel is built"

# The release the build produced and the Debian package it came from.
rel=$("$L" --version)
pkgver=$(cut -d' ' -f2 "$SYS/src/.vkernel-source" 2>/dev/null)
check "release $rel is a 7.x vkernel build" \
	sh -c "echo '$rel' | grep -qE '^7\.[0-9]+\.[0-9]+-vkernel$'"
check "release matches the sid package $pkgver" \
	test "${rel%-vkernel}" = "${pkgver%-*}"

# The initramfs: static busybox and an init that reports, then waits for a
# line on the console before powering off, so the host can look at the
# running guest.
share=$T/share
mkdir -p "$share"
echo "token-$$" >"$share/token"
mkdir -p "$T/root"
cat >"$T/root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp /mnt
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev && echo "devtmpfs ok"
mount -t tmpfs tmp /tmp && echo data >/tmp/f && echo "tmpfs \$(cat /tmp/f)"
mount -t hostfs host /mnt -o $share && echo "hostfs \$(cat /mnt/token)"
[ -e /dev/dri/card0 ] || echo "no drm card0"
echo "release \$(uname -r)"
sleep 1000 &
echo "VKERNEL-READY"
read -r line
echo "VKERNEL-HALT \$line"
poweroff -f
INIT
busybox_initrd

# MODE ARGS...: boot in the background (uml_boot in tests/sys/lib/uml.sh).
boot() {
	mode=$1
	shift
	uml_boot "$L" mem=64M initrd="$T/initrd.cpio" con=null con0=fd:0,fd:1 \
		uml_dir="$T/uml" umid="$mode" "$@"
}

# SECONDS PATTERN: waits until the console shows a line matching PATTERN.
wait_for() {
	i=0
	while :; do
		out
		grep -qE "$2" "$T/out" && return 0
		[ $i -ge $(($1 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# The guest's address spaces: host processes named uml-userspace whose
# parent is the UML process.
userspace_children() {
	for s in /proc/[0-9]*/status; do
		awk -v p="$pid" '/^Name:/ { n = $2 } /^PPid:/ { pp = $2 }
			END { if (n == "uml-userspace" && pp == p) print FILENAME }' \
			"$s" 2>/dev/null
	done
}

# MODE: there is one userspace child per guest process (init and its
# sleep: at least two), and each is seccomp-filtered and untraced
# (seccomp), or traced by UML (ptrace).
children_are() {
	userspace_children >"$T/children"
	xargs -r grep -H -E '^(Seccomp|TracerPid):' <"$T/children" >"$T/log"
	echo "# $1: $(wc -l <"$T/children") uml-userspace children of UML" \
		"(pid $pid):" $(cut -d: -f2- "$T/log" | sort | uniq -c)
	[ "$(wc -l <"$T/children")" -ge 2 ] || return 1
	while read -r s; do
		filter=$(awk '/^Seccomp:/ { print $2 }' "$s")
		tracer=$(awk '/^TracerPid:/ { print $2 }' "$s")
		case $1 in
		seccomp) [ "$filter" = 2 ] && [ "$tracer" = 0 ] || return 1 ;;
		ptrace) [ "$tracer" = "$pid" ] || return 1 ;;
		esac
	done <"$T/children"
}

# MODE: the go-ahead, then the UML process must exit 0, and neither it,
# nor the children seen while it ran, nor anything in its process group
# may be left.
halts_cleanly() {
	echo "go-$1" >&3
	i=0
	while [ ! -s "$T/rc" ] && [ $i -lt $((HALT_TIMEOUT * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	exec 3>&-
	out
	cp "$T/out" "$T/log"
	[ "$(cat "$T/rc" 2>/dev/null)" = 0 ] || return 1
	grep -qx "VKERNEL-HALT go-$1" "$T/out" || return 1
	sleep 0.2 # the wrapper shell exits right after writing rc
	for s in "/proc/$pid/status" $(cat "$T/children"); do
		[ ! -e "$s" ] || {
			echo "left: $s" >>"$T/log"
			return 1
		}
	done
	! kill -0 "-$pid" 2>/dev/null && ! kill -0 "-$pgid" 2>/dev/null
}

for mode in seccomp ptrace; do
	case $mode in
	seccomp) boot "$mode" seccomp=on ;;
	ptrace) boot "$mode" seccomp=off ;;
	esac
	if [ -z "$pid" ] || ! wait_for $BOOT_TIMEOUT '^VKERNEL-READY$'; then
		nok "$mode: boots to init within $BOOT_TIMEOUT s" "$T/out"
		reap
		continue
	fi
	ok "$mode: boots to init within $BOOT_TIMEOUT s"
	cp "$T/out" "$T/log"
	check "$mode: uname -r is $rel" grep -qx "release $rel" "$T/out"
	if [ "$mode" = seccomp ]; then
		check "seccomp: UML finds seccomp filters usable" grep -q \
			'Checking that seccomp filters can be installed...OK' "$T/out"
		for want in "devtmpfs ok" "tmpfs data" "hostfs token-$$"; do
			check "seccomp: guest has ${want% *}" grep -qx "$want" "$T/out"
		done
		check "seccomp: no DRM device without vkgpu.socket" \
			grep -qx "no drm card0" "$T/out"
	fi
	check "$mode: address spaces are $mode uml-userspace children" \
		children_are "$mode"
	check "$mode: poweroff exits 0 and leaves no process" halts_cleanly "$mode"
	reap
done
