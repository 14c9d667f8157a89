# Guest side of the conformance tests, sourced by /init (guest/init.sh).
# Protocol with the host (guest/run-qemu.sh), all on the serial console:
#   GUEST-MARK NAME uptime=S       progress, for boot timings
#   GUEST-TEST NAME PASS|FAIL|SKIP ...  one result
#   GUEST-SHOT NAME ready          the display is ready: the host takes a
#                                  screendump, then answers "shot-done NAME"
#                                  on the console; the guest waits for it so
#                                  nothing changes the picture meanwhile
#   GUEST-XFER SIZE SHA256         /out was sent as a tar over ttyS1
# Inputs: /conf (tests/data/conformance), /in (snapshots for "restore").

GS=/bin/gpustate

guest_mark() {
	read -r up _ </proc/uptime
	echo "GUEST-MARK $1 uptime=$up"
}

result() {
	echo "GUEST-TEST $1 $2${3:+ $3}"
}

# An error file as one line (at most 300 characters), for a result.
why() {
	tr '\n' ' ' <"$1" | cut -c1-300
}

# The std VGA by its identity, not by slot.
find_vga() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] &&
			[ "$(cat "$d/device")" = 0x1111 ] &&
			[ "$(cat "$d/class")" = 0x030000 ] &&
			{
				echo "pci:${d##*/}"
				return 0
			}
	done
	return 1
}

shot() {
	echo "GUEST-SHOT $1 ready"
	ack=
	# shellcheck disable=SC3045 # busybox ash has read -t
	read -r -t 60 ack
	[ "$ack" = "shot-done $1" ] || result "shot-$1" FAIL "no answer from host"
}

# One tar of /out over the second serial port, raw so every byte survives.
send_out() {
	tar -C /out -cf /tmp/out.tar .
	size=$(wc -c </tmp/out.tar)
	sum=$(sha256sum </tmp/out.tar)
	stty -F /dev/ttyS1 raw -echo
	cat /tmp/out.tar >/dev/ttyS1
	echo "GUEST-XFER $size ${sum%% *}"
}

# SHA-256 of the device's whole BAR0, read by bar0cat through its own
# mapping of the sysfs resource file: a path independent of gpustate.
vram_hash() {
	bar0cat "${dev#pci:}" | sha256sum | cut -d' ' -f1
}

vga_or_fail() {
	dev=$(find_vga) || {
		result find-vga FAIL "no 1234:1111 VGA-class PCI function"
		return 1
	}
	result find-vga PASS "$dev"
}

# replay NAME SCRIPT [ARGS]: trace every read into /out/trace/NAME.trace.
replay() {
	n=$1 s=$2
	shift 2
	if $GS replay -d "$dev" --trace "$@" "$s" >"/out/trace/$n.trace" \
		2>"/out/trace/$n.err"; then
		result "replay-$n" PASS
		return 0
	fi
	result "replay-$n" FAIL "$(why "/out/trace/$n.err")"
	return 1
}

# Restore the device's own state onto it. Besides being a check of its
# own, it tells the host whether gpustate can restore onto this device at
# all: QEMU's std VGA gives the guest no reset (no FLR, no power
# management, root bus), and a chip driver that insists on one refuses.
restore_probe() {
	if $GS restore -d "$dev" /out/snap/boot.gs 2>/out/snap/probe.err; then
		result restore-probe PASS
	elif grep -q 'no way to reset' /out/snap/probe.err; then
		result restore-probe SKIP "$(why /out/snap/probe.err)"
	else
		result restore-probe FAIL "$(why /out/snap/probe.err)"
	fi
}

# Boot 1: the device as firmware left it, every differential script, then
# each mode script with a snapshot and a screendump of the live device.
gt_record() {
	vga_or_fail || return
	mkdir -p /out/trace /out/snap
	if $GS dump -d "$dev" -o /out/snap/boot.gs 2>/out/snap/boot.err; then
		result dump-boot PASS
		vram_hash >/out/snap/boot.vram
		restore_probe
	else
		result dump-boot FAIL "$(why /out/snap/boot.err)"
	fi
	guest_mark differential
	for s in /conf/*.gs; do
		replay "$(basename "$s" .gs)" "$s"
	done
	guest_mark modes
	for s in /conf/modes/*.gs; do
		n=mode-$(basename "$s" .gs)
		replay "$n" "$s" -o "/out/snap/$n.gs" || continue
		vram_hash >"/out/snap/$n.vram"
		shot "$n"
	done
	guest_mark send
	send_out
}

# Boot 2: restore every snapshot in /in onto this boot's device (verified
# by read-back inside gpustate), save it again, and show it to the host.
gt_restore() {
	vga_or_fail || return
	mkdir -p /out/snap
	for f in /in/*.gs; do
		n=$(basename "$f" .gs)
		if $GS restore -d "$dev" "$f" -o "/out/snap/$n.after.gs" \
			2>"/out/snap/$n.err"; then
			result "restore-$n" PASS
			vram_hash >"/out/snap/$n.after.vram"
			shot "$n"
		else
			result "restore-$n" FAIL "$(why "/out/snap/$n.err")"
		fi
	done
	guest_mark send
	send_out
}

# wait_for SECONDS TEST...: poll every 50 ms.
wait_for() {
	n=$(($1 * 20))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		usleep 50000
	done
}

# Boot 3: the bochs DRM driver and Xorg's modesetting driver own the
# device; dump it while X shows a static picture (no clock, no input).
gt_xorg() {
	vga_or_fail || return
	mkdir -p /out/snap /out/log
	for m in $(cat /lib/modules/order); do
		insmod "/lib/modules/$m.ko" || result "insmod-$m" FAIL
	done
	wait_for 30 test -e /dev/dri/card0 ||
		{
			result drm FAIL "no /dev/dri/card0"
			return
		}
	guest_mark drm_card0
	/usr/lib/xorg/Xorg :0 -config /etc/X11/xorg.conf -nolisten tcp \
		-noreset -logfile /out/log/Xorg.0.log -displayfd 3 \
		3>/tmp/displayfd >/out/log/Xorg.out 2>&1 &
	if ! wait_for 60 test -s /tmp/displayfd; then
		result xorg FAIL "$(tail -n 3 /out/log/Xorg.0.log | tr '\n' ' ')"
		send_out
		return
	fi
	guest_mark xorg_ready
	result xorg PASS "$(sed -n 's/.*using initial mode \([0-9x]*\).*/\1/p' \
		/out/log/Xorg.0.log | head -n 1)"
	# A full-screen plaid (every pixel drawn by X) and a window of text
	# (nothing periodic, so any offset error shows); nothing animates.
	export DISPLAY=:0
	xsetroot -mod 7 5 -fg '#e08020' -bg '#204a87'
	xmessage -geometry +173+111 -buttons '' \
		"gpustate conformance: bochs DRM + Xorg modesetting" &
	wait_for 30 sh -c 'xwininfo -name xmessage 2>/dev/null |
		grep -q IsViewable' || result xmessage FAIL "never mapped"
	sleep 1
	if $GS dump -d "$dev" -o /out/snap/xorg.gs 2>/out/snap/xorg.err; then
		result dump-xorg PASS
		vram_hash >/out/snap/xorg.vram
		shot xorg
	else
		result dump-xorg FAIL "$(why /out/snap/xorg.err)"
	fi
	guest_mark send
	send_out
}

guest_main() {
	case $1 in
	record) gt_record ;;
	restore) gt_restore ;;
	xorg) gt_xorg ;;
	*) result "gtest=$1" FAIL "unknown guest test" ;;
	esac
}
