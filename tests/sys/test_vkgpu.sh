#!/bin/sh
# vkgpu end to end, without X: a real gpud serving the stdvga model, the
# vkernel (build/sys/linux) booted from a busybox initramfs with
# vkgpu.socket=, and kmsprobe (tests/sys/kmsprobe.c, static) as the KMS
# client in the guest. Checks: the driver binds to gpud's device and lists
# the modes of its EDID; impossible buffers, framebuffers and mappings are
# refused; a modeset to 800x600 reaches gpud's DISPI registers, and the
# pattern the guest wrote into its mapped dumb buffer is in gpud's VRAM
# (the screenshot gpud's device shows: zero copies); freeze releases the
# device, a thaw onto a device with other VRAM is refused and leaves the
# guest frozen, a thaw onto the same gpud brings the picture back; freeze,
# a freshly started gpud (the power-cycled device), thaw: registers, VRAM
# and picture are bit-identical to before; a gpud
# that dies leaves the guest running with a logged error, a later modeset
# fails cleanly, and the guest powers off.
# Usage: test_vkgpu.sh BUILD_DIR (gpud, gpustate from there; the kernel
# from SYS_BUILD, default build/sys). Prints "ok - NAME" / "not ok - NAME".
set -u
# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/lib/uml.sh"
NOK_LINES=30
B=$1
SYS=${SYS_BUILD:-build/sys}
L=$SYS/linux
T=$(mktemp -d)
BOOT_TIMEOUT=60
WAIT=20
S=$T/run/gpu.sock
pid='' pgid='' gpid='' g2pid=''

cleanup() {
	reap
	exec 3>&- 2>/dev/null
	for p in $gpid $g2pid; do kill "$p" 2>/dev/null; done
	for p in $gpid $g2pid; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM


for tool in "$L" "$B/gpud" "$B/gpustate"; do
	[ -x "$tool" ] || {
		nok "$tool is built (make all; make vkernel-linux)"
		exit 1
	}
done
mkdir -p "$T/run" "$T/root/bin"
chmod 700 "$T/run"
if ! cc -static -O2 -I/usr/include/libdrm -o "$T/root/bin/kmsprobe" \
	tests/sys/kmsprobe.c 2>"$T/cc.log" ||
	! cc -O2 -o "$T/mconsole" tests/sys/mconsole.c 2>>"$T/cc.log"; then
	nok "kmsprobe and mconsole build" "$T/cc.log"
	exit 1
fi
cat >"$T/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
kmsprobe info
kmsprobe hostile
echo "STEP show"
kmsprobe show 800 600 ff8000
echo "STEP gone"
read -r line
kmsprobe show 1024 768 0000ff </dev/null
echo "second show: rc $?"
dmesg | grep vkgpu
echo "ALIVE"
poweroff -f
INIT
busybox_initrd

"$B/gpud" --device sim --socket "$S" --foreground 2>"$T/gpud.log" &
gpid=$!
wait_until 10 test -S "$S"

uml_boot "$L" mem=128M seccomp=on initrd="$T/initrd.cpio" \
	con=null con0=fd:0,fd:1 uml_dir="$T/uml" umid=vkgpu \
	vkgpu.socket="$S"
M=$T/uml/vkgpu/mconsole

# SECONDS PATTERN: the console shows a line matching PATTERN.
wait_for() {
	i=0
	while :; do
		out
		grep -qE "$2" "$T/out" && return 0
		[ -s "$T/rc" ] && return 1
		[ $i -ge $(($1 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
# NAME REGISTER VALUE: gpud's register, read while the guest holds the
# device, as gpustate shows it.
reg_is() {
	"$B/gpustate" show --server "$S" >"$T/show" 2>&1 &&
		grep -qE "^  $1 +$2\$" "$T/show"
}

if ! wait_for $BOOT_TIMEOUT '^STEP show'; then
	nok "boots with vkgpu bound to gpud's device" "$T/out"
	exit 1
fi
check "vkgpu binds to gpud's device" "$T/out" \
	grep -q 'vkgpu: \[drm\] .*16 MiB VRAM' "$T/out"
check "modes from the device's EDID, 1280x800 preferred" "$T/out" \
	grep -qx 'mode 1280x800 preferred' "$T/out"
check "hostile requests are all refused" "$T/out" \
	grep -qx 'hostile: 0 accepted' "$T/out"
check "each hostile request was made" "$T/out" \
	test "$(grep -c '^refused ' "$T/out")" -ge 6

wait_for $WAIT '^shown 800x600'
check "modeset to 800x600 in the guest" "$T/out" grep -q '^shown 800x600' "$T/out"
check "DISPI XRES is 800 in gpud" "$T/show" reg_is XRES 0x0320
check "DISPI YRES is 600" "$T/show" reg_is YRES 0x0258
check "DISPI BPP is 32" "$T/show" reg_is BPP 0x0020
check "DISPI enabled with LFB, VRAM kept" "$T/show" reg_is ENABLE 0x00c1
"$B/gpustate" screenshot --server "$S" -o "$T/shot.png" >"$T/shot.log" 2>&1
check "screenshot of gpud's device is 800x600" "$T/shot.log" \
	grep -q ': 800x600' "$T/shot.log"
check "the guest's pattern is in gpud's VRAM" "$T/shot.log" \
	"$B/gpustate" screenshot --server "$S" --probe 100,100=ff8000 \
	--probe 20,20=ffffff --probe 799,599=ff8000 -o "$T/shot2.png"

# Freeze: no connection left; a thaw onto other VRAM is refused.
"$T/mconsole" "$M" config vkgpu=freeze >"$T/mc.log" 2>&1
"$T/mconsole" "$M" config vkgpu >>"$T/mc.log" 2>&1
check "freeze releases the device" "$T/mc.log" grep -qx frozen "$T/mc.log"
"$B/gpud" --device sim:vram=32 --socket "$T/run/gpu32.sock" --foreground \
	2>"$T/gpud32.log" &
g2pid=$!
wait_until 10 test -S "$T/run/gpu32.sock"
check "thaw onto a device with 32 MiB VRAM is refused" "$T/mc.log" \
	sh -c '! "$0" "$1" config vkgpu=thaw:"$2" >>"$3" 2>&1' \
	"$T/mconsole" "$M" "$T/run/gpu32.sock" "$T/mc.log"
"$T/mconsole" "$M" config vkgpu >>"$T/mc.log" 2>&1
check "the guest stays frozen" "$T/mc.log" \
	test "$(tail -n 1 "$T/mc.log")" = frozen
check "thaw onto the same gpud" "$T/mc.log" \
	"$T/mconsole" "$M" config vkgpu=thaw
check "the picture is back after the thaw" "$T/shot.log" \
	"$B/gpustate" screenshot --server "$S" --probe 100,100=ff8000 \
	-o "$T/shot3.png"

# Power cycle: freeze, stop gpud, start a fresh one (reset device, VRAM
# zero) on the same socket, thaw: the saved state comes back bit for bit.
"$B/gpustate" screenshot --server "$S" -o "$T/before.png" >"$T/shot.log" 2>&1
"$B/gpustate" dump --server "$S" -o "$T/before.gs" >>"$T/shot.log" 2>&1
"$T/mconsole" "$M" config vkgpu=freeze >"$T/mc.log" 2>&1
kill "$gpid"
wait "$gpid" 2>/dev/null
"$B/gpud" --device sim --socket "$S" --foreground 2>"$T/gpud2.log" &
gpid=$!
wait_until 10 test -S "$S"
"$B/gpustate" screenshot --server "$S" -o "$T/fresh.png" >>"$T/shot.log" 2>&1
check "the fresh gpud shows nothing of the guest's picture" "$T/shot.log" \
	sh -c '! cmp -s "$0" "$1"' "$T/before.png" "$T/fresh.png"
check "thaw onto the fresh gpud restores the device" "$T/mc.log" \
	"$T/mconsole" "$M" config vkgpu=thaw
"$B/gpustate" screenshot --server "$S" -o "$T/after.png" >>"$T/shot.log" 2>&1
"$B/gpustate" dump --server "$S" -o "$T/after.gs" >>"$T/shot.log" 2>&1
check "the picture after the power cycle is bit-identical" "$T/shot.log" \
	cmp "$T/before.png" "$T/after.png"
check "registers and VRAM after the power cycle are identical" "$T/shot.log" \
	"$B/gpustate" diff "$T/before.gs" "$T/after.gs"

# gpud dies under the guest.
echo stop-show >&3
wait_for $WAIT '^STEP gone'
kill -KILL "$gpid"
wait "$gpid" 2>/dev/null
gpid=
echo go >&3
wait_for $WAIT '^ALIVE'
check "a modeset after gpud died fails cleanly" "$T/out" \
	grep -qE '^second show: rc [1-9]' "$T/out"
check "the guest logs the lost device" "$T/out" \
	grep -q 'graphics device lost' "$T/out"
check "the guest keeps running" "$T/out" grep -qx ALIVE "$T/out"
wait_until 30 test -s "$T/rc"
check "the guest powers off cleanly" "$T/out" test "$(cat "$T/rc" 2>/dev/null)" = 0
out
check "no kernel oops or BUG" "$T/out" \
	sh -c '! grep -qE "Oops|BUG:|Kernel panic" "$0"' "$T/out"
