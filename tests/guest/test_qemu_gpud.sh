#!/bin/sh
# gpud as QEMU's display device (issue 7; README "gpud as a QEMU display
# device"). Debian sid's QEMU 11 (guest/qemu-sid, from make sid-root)
# attaches gpud's stdvga with -device vfio-user-pci; the conformance
# guest's kernel and initramfs (make guest) boot with gtest=xorg under
# TCG: the stock bochs DRM driver binds to the device, modesets through
# trapped BAR2, and Xorg draws into VRAM that QEMU mapped from gpud's fd.
# One gpud serves two boots in a row:
#   boot 1  reaches the desktop, then QEMU is killed (SIGKILL) mid-session;
#   boot 2  on the same gpud reaches the desktop again and runs to the end:
#           the guest's VRAM hash (bar0cat through QEMU's mapping) and PCI
#           configuration (its gpustate dump) are compared with gpud's.
# Both boots: gpud's screenshot probes the picture X drew, gpud's DISPI
# registers hold the mode, QEMU logs nothing but its one known warning,
# gpud counts zero protocol errors.
# Prints "ok - NAME" / "not ok - NAME".
# Usage: tests/guest/test_qemu_gpud.sh BUILD_DIR
# GUEST_TESTS=0 skips it; GUEST_QEMU_TIMEOUT (default 180) bounds a boot.
set -u
B=${1:-build}
GD=build/guest
QEMU=guest/qemu-sid
limit=${GUEST_QEMU_TIMEOUT:-180}
failed=0

ok() { echo "ok - $1"; }
nok() {
	echo "not ok - $1"
	failed=$((failed + 1))
}
note() { echo "# $*"; }
indent() { sed 's/^/#   /' | head -n "${1:-20}"; }

if [ "${GUEST_TESTS:-1}" = 0 ]; then
	note "QEMU display tests skipped (GUEST_TESTS=0)"
	exit 0
fi
for f in "$B/gpud" "$B/gpustate" "$GD/vramcat" "$GD/imgcmp" \
	"$GD/base.cpio.gz" "$GD/xorg.cpio.gz" "$GD/kernel/vmlinuz"; do
	[ -e "$f" ] || {
		nok "prerequisites: $f is missing (make all guest)"
		exit 1
	}
done
"$QEMU" -version >/dev/null 2>&1 || {
	nok "prerequisites: $QEMU does not run (make sid-root)"
	exit 1
}

T=$(mktemp -d)
gpud_pid=
qemu_pid=
cat_pid=
stop_qemu() {
	exec 4>&- 2>/dev/null
	[ -n "$qemu_pid" ] && kill -9 "$qemu_pid" 2>/dev/null &&
		wait "$qemu_pid" 2>/dev/null
	[ -n "$cat_pid" ] && kill "$cat_pid" 2>/dev/null
	qemu_pid=
	cat_pid=
}
cleanup() {
	stop_qemu
	[ -n "$gpud_pid" ] && kill "$gpud_pid" 2>/dev/null &&
		wait "$gpud_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

S=$T/run/gpu.sock
cat "$GD/base.cpio.gz" "$GD/xorg.cpio.gz" >"$T/initrd.cpio.gz"
"$B/gpud" --device sim --socket "$S" --foreground >"$T/gpud.log" 2>&1 &
gpud_pid=$!

# wait_for SECONDS COMMAND...: poll every 100 ms.
wait_for() {
	n=$(($1 * 10))
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
wait_for 10 test -S "$S" || {
	nok "gpud serves $S"
	indent <"$T/gpud.log"
	exit 1
}

# Complete console lines of boot $1 starting with $2.
lines() {
	tr -d '\r' <"$T/$1/serial.log" | grep "^$2"
}
# The guest printed line $2 in boot $1, or QEMU is gone.
seen() {
	lines "$1" "$2" >/dev/null || ! kill -0 "$qemu_pid" 2>/dev/null
}

# boot N: start QEMU on gpud's socket; the console is a pipe pair so the
# host can answer the guest.
boot() {
	d=$T/$1
	mkdir -p "$d/out"
	mkfifo "$d/con.in" "$d/con.out"
	cat "$d/con.out" >"$d/serial.log" &
	cat_pid=$!
	"$QEMU" -nodefaults -no-user-config -accel tcg -m 512 -smp 1 \
		-vga none -display none -no-reboot \
		-device "{\"driver\":\"vfio-user-pci\",\"socket\":{\"path\":\"$S\",\"type\":\"unix\"}}" \
		-serial "pipe:$d/con" -serial "file:$d/xfer.tar" \
		-kernel "$GD/kernel/vmlinuz" -initrd "$T/initrd.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1 iomem=relaxed gtest=xorg" \
		>"$d/qemu.log" 2>&1 &
	qemu_pid=$!
	exec 4>"$d/con.in"
}

# desktop N: wait for X's picture, then check it on gpud's live device.
desktop() {
	d=$T/$1
	t0=$(date +%s)
	if ! wait_for "$limit" seen "$1" "GUEST-SHOT xorg ready" ||
		! lines "$1" "GUEST-SHOT xorg ready" >/dev/null; then
		nok "boot $1: the guest reaches the desktop on gpud"
		tail -n 15 "$d/serial.log" "$d/qemu.log" | indent 40
		return 1
	fi
	ok "boot $1: the guest reaches the desktop on gpud ($(($(date +%s) - t0)) s)"
	if lines "$1" "GUEST-TEST find-vga PASS" >/dev/null &&
		lines "$1" "GUEST-TEST xorg PASS 1280x800" >/dev/null &&
		! lines "$1" "GUEST-TEST .* FAIL" >/dev/null; then
		ok "boot $1: bochs DRM binds to 1234:1111, Xorg modesets 1280x800"
	else
		nok "boot $1: bochs DRM binds to 1234:1111, Xorg modesets 1280x800"
		lines "$1" "GUEST-TEST" | indent
	fi
	# xsetroot -mod 7 5 (orange on blue) and xmessage at +173+111.
	if "$B/gpustate" screenshot --server "$S" -o "$d/live.png" \
		--probe 3,3=204a87 --probe 700,5=e08020 \
		--probe 1274,798=204a87 --probe 1278,798=e08020 \
		--probe 173,120=000000 --probe 175,120=ffffff \
		>"$d/shot.log" 2>&1 &&
		grep -q ': 1280x800$' "$d/shot.log"; then
		ok "boot $1: gpud's screenshot shows what X drew"
	else
		nok "boot $1: gpud's screenshot shows what X drew"
		indent <"$d/shot.log"
	fi
	# The bochs modeset reached gpud through trapped BAR2 writes.
	if "$B/gpustate" dump --server "$S" -o "$d/live.gs" >"$d/dump.log" 2>&1 &&
		"$B/gpustate" show "$d/live.gs" >"$d/live.show" 2>&1 &&
		grep -q '^display: VBE 1280x800 32 bpp' "$d/live.show"; then
		ok "boot $1: gpud's registers hold the bochs modeset"
	else
		nok "boot $1: gpud's registers hold the bochs modeset"
		cat "$d/dump.log" "$d/live.show" 2>/dev/null | indent
	fi
}

# quiet N: QEMU printed nothing but the warning every vfio-user server
# without an error IRQ gets (QEMU 11 wants one for AER), and gpud logged
# the disconnect of QEMU's client with zero protocol errors.
quiet() {
	d=$T/$1
	if grep -v -e 'Could not enable error recovery for the device$' \
		"$d/qemu.log" >"$d/qemu.other"; then
		nok "boot $1: QEMU logs nothing but its AER warning"
		indent <"$d/qemu.other"
	else
		ok "boot $1: QEMU logs nothing but its AER warning"
	fi
	if wait_for 10 grep -q "client disconnected (pid $2) after [0-9]* messages, 0 errors$" \
		"$T/gpud.log"; then
		ok "boot $1: gpud saw QEMU leave with 0 protocol errors"
	else
		nok "boot $1: gpud saw QEMU leave with 0 protocol errors"
		indent <"$T/gpud.log"
	fi
}

# Boot 1: to the desktop, then QEMU dies without a word to gpud.
boot 1
desktop 1
pid=$qemu_pid
stop_qemu
quiet 1 "$pid"
if kill -0 "$gpud_pid" 2>/dev/null &&
	"$B/gpustate" show --server "$S" >"$T/show.log" 2>&1 &&
	grep -q '^display: VBE 1280x800 32 bpp' "$T/show.log"; then
	ok "gpud survives QEMU killed mid-session, device intact"
else
	nok "gpud survives QEMU killed mid-session, device intact"
	indent <"$T/show.log"
	indent <"$T/gpud.log"
fi

# Boot 2: the next QEMU on the same gpud (QEMU resets the device first).
boot 2
if desktop 2; then
	echo "shot-done xorg" >&4
	if wait_for "$limit" seen 2 "GUEST-DONE" &&
		lines 2 "GUEST-DONE" >/dev/null; then
		ok "boot 2: the guest finishes and powers off"
	else
		nok "boot 2: the guest finishes and powers off"
		tail -n 15 "$T/2/serial.log" | indent
	fi
fi
wait_for 20 sh -c "! kill -0 $qemu_pid 2>/dev/null"
pid=$qemu_pid
stop_qemu
quiet 2 "$pid"

# Boot 2's guest view against gpud's: the guest's hash of BAR0 through
# QEMU's mapping, and the PCI configuration its gpustate dump read through
# QEMU. (Its VGA and DISPI registers are not compared: gpustate's pci
# backend reads them through the legacy ports 0x3B0-0x3DF and 0x1CE, and
# QEMU 11's vfio-user-pci has no x-vga to route those to the device.)
d=$T/2
# shellcheck disable=SC2046 # "GUEST-XFER SIZE SHA256" split into words
set -- $(lines 2 GUEST-XFER | tail -n 1)
if [ $# -eq 3 ] && [ "$(wc -c <"$d/xfer.tar")" = "$2" ] &&
	tar -C "$d/out" -xf "$d/xfer.tar" 2>/dev/null &&
	[ -f "$d/out/snap/xorg.vram" ] && [ -f "$d/live.gs" ]; then
	h=$("$GD/vramcat" "$d/live.gs" | sha256sum | cut -d' ' -f1)
	if [ "$h" = "$(cat "$d/out/snap/xorg.vram")" ]; then
		ok "the guest's BAR0 through QEMU's mapping is gpud's VRAM"
	else
		nok "the guest's BAR0 through QEMU's mapping is gpud's VRAM"
	fi
	"$B/gpustate" show "$d/out/snap/xorg.gs" 2>&1 | grep '^pci:' >"$d/g.pci"
	grep '^pci:' "$d/live.show" >"$d/l.pci"
	if [ -s "$d/g.pci" ] && cmp -s "$d/g.pci" "$d/l.pci"; then
		ok "the guest's PCI configuration through QEMU is gpud's"
	else
		nok "the guest's PCI configuration through QEMU is gpud's"
		cat "$d/g.pci" "$d/l.pci" | indent
	fi
else
	nok "boot 2: the guest's files arrive"
fi

kill "$gpud_pid"
wait "$gpud_pid"
rc=$?
gpud_pid=
if [ $rc -eq 0 ]; then
	ok "gpud stops cleanly after both QEMUs"
else
	nok "gpud stops cleanly after both QEMUs (exit $rc)"
fi
[ $failed -eq 0 ]
