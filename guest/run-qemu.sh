#!/bin/sh
# Boot the conformance guest once in QEMU (Debian's qemu-system-x86, std VGA)
# and serve it until it powers off: screendumps on request, the serial log,
# the files it sends, boot timings. guest/README.md describes the protocol.
#
#   guest/run-qemu.sh -t TEST -o OUTDIR [-i INITRD]... [-k KERNELDIR]
#                     [-a KERNEL_ARGS] [-T TIMEOUT_S]
#
# TEST is the guest test (gtest=, guest/tests.sh); each INITRD part is
# appended in order (default build/guest/base.cpio.gz). OUTDIR receives:
#   serial.log   the console          qemu.log  QEMU's own messages
#   shots/N.png  QEMU's screendump of the display at "GUEST-SHOT N"
#   out/         the files the guest sent (verified by size and SHA-256)
#   timings      host seconds from QEMU's start to each GUEST-MARK
# Exit: 0 when the guest finished and its files arrived intact, 1 when not,
# 124 on timeout. QEMU and the helpers are stopped on every exit path.
#
# Accelerator: GUEST_ACCEL=tcg|kvm|auto (default auto). auto takes KVM only
# when /dev/kvm is usable and backed by kvm_intel or kvm_amd: the PVM
# module (kvm_pvm) of these machines cannot boot a stock kernel
# (shared/docs/qemu-guest.md section 0), so it means TCG.
set -u
test=
out=
kdir=build/guest/kernel
kargs=
timeout=240
initrds=
while getopts t:o:i:k:a:T: opt; do
	case $opt in
	t) test=$OPTARG ;;
	o) out=$OPTARG ;;
	i) initrds="$initrds $OPTARG" ;;
	k) kdir=$OPTARG ;;
	a) kargs=$OPTARG ;;
	T) timeout=$OPTARG ;;
	*) exit 2 ;;
	esac
done
if [ -z "$test" ] || [ -z "$out" ]; then
	echo "usage: run-qemu.sh -t TEST -o OUTDIR [-i INITRD]... [-k KDIR]" \
		"[-a ARGS] [-T SECONDS]" >&2
	exit 2
fi
[ -n "$initrds" ] || initrds=build/guest/base.cpio.gz
QEMU=${GUEST_QEMU:-qemu-system-x86_64}

pick_accel() {
	case ${GUEST_ACCEL:-auto} in
	tcg | kvm) echo "$GUEST_ACCEL" ;;
	*)
		if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
			[ ! -d /sys/module/kvm_pvm ] &&
			{ [ -d /sys/module/kvm_intel ] ||
				[ -d /sys/module/kvm_amd ]; }; then
			echo kvm
		else
			echo tcg
		fi
		;;
	esac
}

rm -rf "$out"
mkdir -p "$out/shots" "$out/out"
out=$(cd "$out" && pwd)
qemu_pid=
cat_pid=
qmp_pid=
cleanup() {
	exec 3>&- 2>/dev/null
	for p in $qemu_pid $qmp_pid $cat_pid; do
		kill "$p" 2>/dev/null
	done
	[ -n "$qemu_pid" ] && wait "$qemu_pid" 2>/dev/null
	rm -f "$out/con.in" "$out/con.out" "$out/qmp.in" "$out/qmp.sock"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck disable=SC2086 # the initrd list is split on purpose
cat $initrds >"$out/initrd.cpio.gz" || exit 1
mkfifo "$out/con.in" "$out/con.out" "$out/qmp.in"
# The reader holds con.out open for the whole run; without it QEMU would
# block on a full pipe and the guest with it.
cat "$out/con.out" >"$out/serial.log" &
cat_pid=$!

accel=$(pick_accel)
t0=$(date +%s.%N)
"$QEMU" -nodefaults -no-user-config -accel "$accel" -m 1024 -smp 1 \
	-vga std -display none -no-reboot \
	-serial "pipe:$out/con" -serial "file:$out/xfer.tar" \
	-qmp "unix:$out/qmp.sock,server=on,wait=off" \
	-kernel "$kdir/vmlinuz" -initrd "$out/initrd.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1 iomem=relaxed gtest=$test $kargs" \
	>"$out/qemu.log" 2>&1 &
qemu_pid=$!
echo "run-qemu: $test: QEMU pid $qemu_pid, -accel $accel" >&2

elapsed() {
	echo "$(date +%s.%N) $t0" | awk '{ printf "%.2f", $1 - $2 }'
}

alive() {
	kill -0 "$qemu_pid" 2>/dev/null
}

# Wait until QEMU's QMP socket exists, then keep one session on it.
n=0
while [ ! -S "$out/qmp.sock" ] && alive && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ -S "$out/qmp.sock" ] || {
	echo "run-qemu: QEMU did not start:" >&2
	cat "$out/qemu.log" >&2
	exit 1
}
socat "UNIX-CONNECT:$out/qmp.sock" - <"$out/qmp.in" >"$out/qmp.log" &
qmp_pid=$!
exec 3>"$out/qmp.in"
echo '{"execute": "qmp_capabilities"}' >&3

# qmp ID JSON: run one command and wait up to 30 s for its answer.
qmp() {
	echo "$2" >&3
	n=0
	while ! grep -q "\"id\": \"$1\"" "$out/qmp.log"; do
		n=$((n + 1))
		[ $n -lt 300 ] && alive || return 1
		sleep 0.1
	done
	! grep "\"id\": \"$1\"" "$out/qmp.log" | grep -q '"error"'
}

screendump() {
	qmp "shot-$1" "{\"execute\": \"screendump\", \"id\": \"shot-$1\",
	  \"arguments\": {\"filename\": \"$out/shots/$1.png\",
	  \"format\": \"png\"}}"
}

# Guest lines, complete ones only (a line is complete once its last word
# has been printed), without the tty's carriage returns.
lines() {
	tr -d '\r' <"$out/serial.log" | grep "^$1 "
}

shots=0
marks=0
status=124
deadline=$(echo "$t0 $timeout" | awk '{ printf "%d", $1 + $2 }')
: >"$out/timings"
while [ "$(date +%s)" -lt "$deadline" ]; do
	m=$(lines GUEST-MARK | wc -l)
	if [ "$m" -gt "$marks" ]; then
		lines GUEST-MARK | sed -n "$((marks + 1)),${m}p" |
			while read -r _ name up; do
				echo "$name host=$(elapsed) guest_${up}"
			done >>"$out/timings"
		marks=$m
	fi
	for name in $(lines GUEST-SHOT | awk '$3 == "ready" { print $2 }' |
		sed -n "$((shots + 1)),\$p"); do
		if screendump "$name"; then
			echo "shot-done $name" >"$out/con.in"
		else
			echo "run-qemu: screendump $name failed" >&2
			echo "shot-failed $name" >"$out/con.in"
		fi
		shots=$((shots + 1))
	done
	if lines GUEST-DONE >/dev/null; then
		status=0
		break
	fi
	alive || {
		status=1
		break
	}
	sleep 0.1
done
echo "done host=$(elapsed)" >>"$out/timings"

if [ $status -eq 124 ]; then
	echo "run-qemu: $test: timed out after $timeout s" >&2
	exit 124
fi
# The guest powers off right after GUEST-DONE.
n=0
while alive && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
if [ $status -ne 0 ]; then
	echo "run-qemu: $test: QEMU exited before the guest finished" >&2
	tail -n 20 "$out/serial.log" "$out/qemu.log" >&2
	exit 1
fi

# shellcheck disable=SC2046 # "GUEST-XFER SIZE SHA256" split into words
set -- $(lines GUEST-XFER | tail -n 1)
if [ $# -ne 3 ]; then
	echo "run-qemu: $test: the guest sent no files" >&2
	exit 1
fi
size=$(wc -c <"$out/xfer.tar")
sum=$(sha256sum <"$out/xfer.tar")
if [ "$size" != "$2" ] || [ "${sum%% *}" != "$3" ]; then
	echo "run-qemu: $test: transfer damaged ($size bytes, $2 sent)" >&2
	exit 1
fi
tar -C "$out/out" -xf "$out/xfer.tar"
