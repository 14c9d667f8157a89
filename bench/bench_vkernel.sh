#!/bin/bash
# The vkernel benchmarks (bench/README.md), run by `make bench` after the C
# benchmarks. Each number is a median of several runs, printed next to a
# peer measured in the same run:
#   1. exec to "X ready": vkernel boots (UML on build/guest-root, vkgpu on
#      a gpud of its own) alternating with boots of the QEMU conformance
#      guest's Xorg (guest/run-qemu.sh -t xorg, TCG, std VGA);
#   2. memset/memcpy over a vkgpu dumb buffer mapped in the guest (and the
#      guest's first touch of it) against the same program on host memory;
#   3. KMS in the guest: SETCRTC modesets, SETCRTC flips, PAGE_FLIPs,
#      against the frame period of the mode;
#   4. x11perf against the vkernel's Xorg and against Xvfb on the host,
#      with the same x11perf binary (the guest root's) and fonts.
# 2-4 run inside the last vkernel boot through the command channel
# (guest/desktop/README.md); the guest program is bench/guest/vkbench.c,
# built static here. Nothing is asserted about times.
#
#   bench/bench_vkernel.sh [BUILD_DIR]     gpud from BUILD_DIR (build)
#
# Environment: BENCH_BOOTS (5) boots of each kind, BENCH_FILL_RUNS (5)
# fresh buffers, BENCH_FILL_MIB (4), BENCH_MODESETS (20) of each kind,
# BENCH_X11PERF_REPEAT (3), BENCH_X11PERF_TESTS (-rect500 -putimage500
# -copywinwin500 -ftext), BENCH_QEMU=0 leaves the QEMU boots out; SYS_BUILD
# (build/sys), GUEST_ROOT (build/guest-root) and GUEST_BUILD (build/guest)
# name the kernel, the vkernel's root and the QEMU guest.
# Exit: 0; 1 when a measurement failed (its table says so); 2 on bad usage.
# shellcheck disable=SC2016,SC2317 # single quotes for bash -c and eval; trap
set -u
export LC_ALL=C
ME=bench_vkernel

usage() {
	sed -n '2,/^# Exit/p' "$0" | sed 's/^# \{0,1\}//'
}
case ${1:-} in
-h | --help)
	usage
	exit 0
	;;
-*)
	usage >&2
	exit 2
	;;
esac
[ $# -le 1 ] || {
	usage >&2
	exit 2
}

posint() {
	case $2 in
	"" | *[!0-9]* | 0*)
		echo "$ME: $1=$2: not a positive number" >&2
		exit 2
		;;
	esac
}
BOOTS=${BENCH_BOOTS:-5}
FILL_RUNS=${BENCH_FILL_RUNS:-5}
FILL_MIB=${BENCH_FILL_MIB:-4}
MODESETS=${BENCH_MODESETS:-20}
X11_REPEAT=${BENCH_X11PERF_REPEAT:-3}
X11_TESTS=${BENCH_X11PERF_TESTS:--rect500 -putimage500 -copywinwin500 -ftext}
for v in BOOTS FILL_RUNS FILL_MIB MODESETS X11_REPEAT; do
	posint "BENCH_$v" "${!v}"
done
case $X11_TESTS in *[!-a-z0-9\ ]*)
	echo "$ME: BENCH_X11PERF_TESTS: only x11perf test options" >&2
	exit 2
	;;
esac

cd "$(dirname "$0")/.." || exit 1
B=${1:-build}
L=${SYS_BUILD:-build/sys}/linux
ROOT=${GUEST_ROOT:-build/guest-root}
G=${GUEST_BUILD:-build/guest}
QEMU_TIMEOUT=120 # s for a QEMU boot to reach X (TCG on a busy machine)
BOOT_TIMEOUT=120 # s for a vkernel boot to reach X
HALT_TIMEOUT=30  # s from the poweroff request to UML's exit
CMD_TIMEOUT=300  # s for one command in the guest

need() {
	[ -e "$1" ] || {
		echo "$ME: $1 missing ($2)" >&2
		exit 1
	}
}
need "$L" "make vkernel-linux"
need "$ROOT/.vkernel-root" "make guest-root"
need "$B/gpud" "make all"
if [ "${BENCH_QEMU:-1}" != 0 ]; then
	need "$G/kernel/vmlinuz" "make guest"
	need "$G/base.cpio.gz" "make guest"
	need "$G/xorg.cpio.gz" "make guest"
	command -v "${GUEST_QEMU:-qemu-system-x86_64}" >/dev/null ||
		need qemu-system-x86_64 "./install-deps.sh"
fi
command -v Xvfb >/dev/null || need Xvfb "./install-deps.sh"
ROOT=$(cd "$ROOT" && pwd)
B=$(cd "$B" && pwd)
T=$(mktemp -d /tmp/bench-vk.XXXXXX)
status=0

gpid=     # gpud of the current vkernel boot
upid=     # UML, a session leader: its group is -$upid
conpid=   # the console reader of the current vkernel boot
qpid=     # run-qemu.sh (through setsid)
qpg=      # its session and process group, QEMU's too
xvfbpid=  # Xvfb on the host
x11pid=   # x11perf on it

gpud_stop() {
	[ -n "$gpid" ] && kill "$gpid" 2>/dev/null && wait "$gpid" 2>/dev/null
	gpid=
}
uml_kill() {
	[ -n "$upid" ] && kill -KILL "-$upid" 2>/dev/null
	[ -n "$conpid" ] && wait "$conpid" 2>/dev/null
	upid=
	conpid=
}
qemu_kill() {
	[ -n "$qpid" ] || return 0
	# run-qemu.sh stops QEMU and its helpers on TERM; KILL if it hangs.
	kill -TERM "-${qpg:-$qpid}" 2>/dev/null
	wait_until 10 eval '! kill -0 "$qpid" 2>/dev/null'
	kill -KILL "-${qpg:-$qpid}" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=
	qpg=
}
xvfb_stop() {
	[ -n "$x11pid" ] && kill "$x11pid" 2>/dev/null && wait "$x11pid"
	x11pid=
	[ -n "$xvfbpid" ] && kill "$xvfbpid" 2>/dev/null &&
		wait "$xvfbpid" 2>/dev/null
	xvfbpid=
}
cleanup() {
	uml_kill
	gpud_stop
	qemu_kill
	xvfb_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/../tests/sys/lib/uml.sh"
WAIT_STEP=0.05

# Numbers on stdin, one a line: their median.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# Numbers on stdin: "min max" of them.
range() {
	sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo, hi }'
}

fail() {
	echo "$ME: $*" >&2
	status=1
}

# ---- vkernel boots ----

# Console lines stamped with their arrival time, tty's \r removed; a last
# "EOF" line when UML closed the console.
stamp() {
	local l
	while IFS= read -r l; do
		printf '%s %s\n' "$EPOCHREALTIME" "${l%$'\r'}"
	done
	printf '%s EOF\n' "$EPOCHREALTIME"
}

# DIR: a fresh gpud serving the stdvga model on DIR/gpu.sock.
gpud_start() {
	"$B/gpud" --device sim --socket "$1/gpu.sock" --foreground \
		2>"$1/gpud.log" &
	gpid=$!
	wait_until 10 test -S "$1/gpu.sock"
}

# The stamp of the first console line "vkernel-init: MARKER", or nothing.
marker_time() {
	awk -v m="vkernel-init: $2" \
		'substr($0, index($0, " ") + 1) == m { print $1; exit }' \
		"$1/console"
}
# DIR MARKER: the marker is there (0), still to come (1), never (2).
marker_state() {
	[ -n "$(marker_time "$1" "$2")" ] && return 0
	grep -qE '^[0-9.]+ (vkernel-init: FAILED|EOF$)' "$1/console" && return 2
	return 1
}

# N: boots the vkernel in $T/vkN with the session "none" (X only).
uml_start() {
	local d=$T/vk$1
	mkdir -p "$d/share" "$d/uml"
	gpud_start "$d" || {
		fail "vkernel boot $1: gpud did not start"
		return 1
	}
	setsid bash -c 'echo $$ >"$0/pid"; echo $EPOCHREALTIME >"$0/t0"
		exec "$@"' "$d" "$L" mem=512M seccomp=on uml_dir="$d/uml" \
		umid="bench$1" rootfstype=hostfs rootflags="$ROOT" rw \
		init=/sbin/vkernel-init con=null con0=null,fd:1 \
		vkernel.share="$d/share" vkgpu.socket="$d/gpu.sock" \
		vkernel.session=none </dev/null 2>&1 | stamp >"$d/console" &
	conpid=$!
	wait_until 10 test -s "$d/t0"
	upid=$(cat "$d/pid" 2>/dev/null)
}

# N: asks the guest to power off, waits for UML to exit, stops gpud.
uml_stop() {
	local d=$T/vk$1
	: >"$d/share/poweroff"
	wait_until $HALT_TIMEOUT grep -q '^[0-9.]* EOF$' "$d/console" ||
		fail "vkernel boot $1: no exit within $HALT_TIMEOUT s of poweroff"
	uml_kill
	gpud_stop
}

# N: one boot; appends exec-to-"X ready" seconds to $T/vk.times. Leaves
# the guest running (uml_stop ends it).
vkernel_boot() {
	local d=$T/vk$1 t0 tx
	uml_start "$1" || return 1
	local end=$((SECONDS + BOOT_TIMEOUT)) st=1
	while [ $st = 1 ] && [ $SECONDS -lt $end ]; do
		sleep 0.05
		marker_state "$d" "X ready"
		st=$?
	done
	if [ $st != 0 ]; then
		fail "vkernel boot $1: no \"X ready\"; console:"
		tail -n 15 "$d/console" | cut -d' ' -f2- | sed 's/^/  /' >&2
		return 1
	fi
	t0=$(cat "$d/t0")
	tx=$(marker_time "$d" "X ready")
	echo "$tx $t0" | awk '{ printf "%.3f\n", $1 - $2 }' >>"$T/vk.times"
}

# N ID SCRIPT: runs SCRIPT in boot N's guest; its output (at most 1 MiB,
# the guest is not trusted) in $T/vkN/out-ID. Returns its exit status,
# 255 when it did not answer.
guest_run() {
	local s=$T/vk$1/share
	printf '%s\n' "$3" >"$s/.cmd-$2"
	mv "$s/.cmd-$2" "$s/cmd-$2.sh"
	wait_until $CMD_TIMEOUT test -f "$s/rc-$2" || return 255
	[ ! -L "$s/rc-$2" ] && [ ! -L "$s/out-$2" ] || return 255
	head -c 1048576 "$s/out-$2" >"$T/vk$1/out-$2" 2>/dev/null
	head -c 16 "$s/rc-$2" | grep -qx '[0-9]\{1,3\}' || return 255
	return "$(head -c 16 "$s/rc-$2")"
}

# ---- QEMU boots ----

# N: the conformance guest's xorg boot; appends QEMU start to
# "xorg_ready" (run-qemu.sh's timings, polled every 0.1 s) to
# $T/qemu.times, then stops it.
qemu_boot() {
	local q=$T/qemu$1 t
	setsid bash -c 'echo $$ >"$0.pid"; exec "$@"' "$q" guest/run-qemu.sh \
		-t xorg -o "$q" -k "$G/kernel" -i "$G/base.cpio.gz" \
		-i "$G/xorg.cpio.gz" -T "$QEMU_TIMEOUT" </dev/null >"$q.log" 2>&1 &
	qpid=$!
	wait_until 10 test -s "$q.pid"
	qpg=$(cat "$q.pid" 2>/dev/null)
	wait_until $((QEMU_TIMEOUT + 10)) eval \
		'grep -q "^xorg_ready " "$q/timings" 2>/dev/null ||
		! kill -0 "$qpid" 2>/dev/null'
	t=$(sed -n 's/^xorg_ready host=\([0-9.]*\) .*/\1/p' "$q/timings" \
		2>/dev/null)
	qemu_kill
	if [ -z "$t" ]; then
		fail "QEMU boot $1: no xorg_ready; its log:"
		tail -n 15 "$q.log" "$q/serial.log" 2>/dev/null | sed 's/^/  /' >&2
		return 1
	fi
	echo "$t" >>"$T/qemu.times"
}

# ---- x11perf ----

# FILE: "DESCRIPTION<TAB>OPS_PER_S" for each repetition x11perf printed.
x11perf_reps() {
	awk '/^ *[0-9]+ reps @ / {
		r = $0; sub(/^[^(]*\( */, "", r); sub(/\/sec\).*/, "", r)
		d = $0; sub(/^[^)]*\): /, "", d)
		print d "\t" r }' "$1"
}

X11PERF_ARGS="-repeat $X11_REPEAT -time 1 $X11_TESTS"

# Xvfb of the guest's screen size, fonts from the guest root; x11perf
# (the guest root's, through its loader) on it into $T/x11perf.host.
x11perf_host() {
	local dpy
	Xvfb -screen 0 "${1}x24" -nolisten tcp \
		-fp "$ROOT/usr/share/fonts/X11/misc,built-ins" \
		-displayfd 5 5>"$T/xvfb.dpy" >"$T/xvfb.log" 2>&1 &
	xvfbpid=$!
	wait_until 20 test -s "$T/xvfb.dpy" || {
		fail "Xvfb did not start: $(tail -n 3 "$T/xvfb.log")"
		xvfb_stop
		return 1
	}
	dpy=$(head -n 1 "$T/xvfb.dpy")
	# In the background, so that a signal ends the script at once.
	# shellcheck disable=SC2086 # the test list is split on purpose
	"$ROOT/lib64/ld-linux-x86-64.so.2" \
		--library-path "$ROOT/usr/lib/x86_64-linux-gnu" \
		"$ROOT/usr/bin/x11perf" -display ":$dpy" $X11PERF_ARGS \
		>"$T/x11perf.host" 2>&1 &
	x11pid=$!
	wait "$x11pid" ||
		fail "x11perf on Xvfb: $(tail -n 3 "$T/x11perf.host")"
	x11pid=
	xvfb_stop
}

# ---- the guest benchmarks, in boot N ----

guest_benchmarks() {
	local n=$1 d=$T/vk$1
	cp "$T/vkbench" "$d/share/vkbench"
	guest_run "$n" fill "cp /mnt/host/vkbench /tmp/vkbench &&
		/tmp/vkbench fill ram -s $FILL_MIB -n $FILL_RUNS &&
		/tmp/vkbench fill vram -s $FILL_MIB -n $FILL_RUNS" ||
		fail "vkbench fill in the guest: $(tail -n 3 "$d/out-fill")"
	grep '^RESULT ' "$d/out-fill" 2>/dev/null |
		sed 's/^RESULT /RESULT guest_/' >"$T/fill"
	"$T/vkbench" fill ram -s "$FILL_MIB" -n "$FILL_RUNS" >"$T/fill.host" ||
		fail "vkbench fill on the host"
	sed 's/^RESULT /RESULT host_/' "$T/fill.host" >>"$T/fill"
	# The X server keeps DRM master; vkbench borrows its file while the
	# server is stopped, and puts the CRTC back.
	guest_run "$n" kms "x=\$(pgrep -x Xorg) || exit 1
		kill -STOP \$x
		/tmp/vkbench modeset -n $MODESETS --xorg \$x; rc=\$?
		kill -CONT \$x
		exit \$rc" ||
		fail "vkbench modeset in the guest: $(tail -n 3 "$d/out-kms")"
	cp "$d/out-kms" "$T/kms" 2>/dev/null
	guest_run "$n" x11 "xdpyinfo | awk '/dimensions:/ { print \"SCREEN\", \$2 }'
		x11perf $X11PERF_ARGS" ||
		fail "x11perf in the guest: $(tail -n 3 "$d/out-x11")"
	cp "$d/out-x11" "$T/x11perf.guest" 2>/dev/null
}

# ---- tables ----

print_launch() {
	local what=$1 f=$2 m r
	if [ ! -s "$f" ]; then
		printf '| %-30s | %8s | %15s | %6s |\n' "$what" failed "" ""
		return
	fi
	m=$(median <"$f")
	r=$(range <"$f")
	printf '| %-30s | %8.2f | %6.2f - %6.2f | %6s |\n' "$what" "$m" "${r% *}" "${r#* }" "$3"
}

table_launch() {
	local vm qm ratio=
	echo
	echo "Launch to X ready: median of $BOOTS boots, seconds from exec;" \
		"ratio = vkernel time / QEMU time"
	echo
	echo "| boot                           | median s |   min - max s   | ratio  |"
	echo "|--------------------------------|----------|-----------------|--------|"
	vm=$(median <"$T/vk.times")
	qm=$(median <"$T/qemu.times")
	[ -n "$vm" ] && [ -n "$qm" ] &&
		ratio=$(awk -v a="$vm" -v b="$qm" 'BEGIN { printf "%.2fx", a / b }')
	print_launch "vkernel (UML, vkgpu, gpud)" "$T/vk.times" "$ratio"
	if [ "${BENCH_QEMU:-1}" = 0 ]; then
		printf '| %-30s | %8s | %15s | %6s |\n' "QEMU TCG std VGA (bochs)" \
			"left out" "" ""
	else
		print_launch "QEMU TCG std VGA (bochs)" "$T/qemu.times" "1.00x"
	fi
	echo "  each boot, s: vkernel $(tr '\n' ' ' <"$T/vk.times")"
	echo "                QEMU    $(tr '\n' ' ' <"$T/qemu.times")"
}

table_fill() {
	echo
	echo "Memory fill, ${FILL_MIB} MiB buffers, median of $FILL_RUNS fresh" \
		"buffers (first touch) or $((FILL_RUNS * 5)) passes; MB/s;"
	echo "ratio = guest VRAM time / host RAM time"
	echo
	echo "| operation        | host RAM | guest RAM | guest VRAM | ratio   |"
	echo "|------------------|----------|-----------|------------|---------|"
	awk '
	$1 == "RESULT" && $5 > 0 {
		k = $2 " " $3; bw[k] = $4 / $5 / 1e6; t[k] = $5; b[k] = $4
	}
	function cell(k) { return (k in bw) ? sprintf("%.0f", bw[k]) : "failed" }
	END {
		n = split("first_touch memset memcpy_in memcpy_out", op, " ")
		name["first_touch"] = "first touch"
		name["memset"] = "memset"
		name["memcpy_in"] = "memcpy RAM->buf"
		name["memcpy_out"] = "memcpy buf->RAM"
		for (i = 1; i <= n; i++) {
			h = "host_ram " op[i]; v = "guest_vram " op[i]
			r = (h in t && v in t) ? sprintf("%.2fx", t[v] / t[h]) : ""
			printf "| %-16s | %8s | %9s | %10s | %7s |\n", name[op[i]],
				cell(h), cell("guest_ram " op[i]), cell(v), r
		}
		printf "  first touch per 4 KiB page, us:"
		split("host_ram guest_ram guest_vram", w, " ")
		split("host RAM,guest RAM,guest VRAM", label, ",")
		for (i = 1; i <= 3; i++) {
			k = w[i] " first_touch"
			if (k in t)
				printf "%s %s %.1f", (i > 1 ? "," : ""), label[i],
					t[k] / (b[k] / 4096) * 1e6
		}
		print ""
	}' "$T/fill"
}

table_kms() {
	echo
	if ! grep -q '^MODES ' "$T/kms"; then
		echo "KMS in the guest: failed"
		return
	fi
	awk -v n="$MODESETS" '
	$1 == "MODES" {
		a = $2; b = $3; hz = a
		sub(/.*@/, "", hz); sub(/@.*/, "", a); sub(/@.*/, "", b)
	}
	$1 == "RESULT" { med[$3] = $5; lo[$3] = $6; hi[$3] = $7 }
	$1 == "FAILED" { failed[$2] = $3 }
	END {
		printf "KMS in the guest (vkgpu, legacy ioctls), median of %d each; " \
			"ratio = time / frame (%s Hz)\n\n", n, hz
		print "| operation                           | median ms |   min - max ms    | ratio  |"
		print "|-------------------------------------|-----------|-------------------|--------|"
		k["setcrtc_modeset"] = "SETCRTC modeset " a "<->" b
		k["setcrtc_flip"] = "SETCRTC same mode, other fb"
		k["page_flip_ioctl"] = "PAGE_FLIP, ioctl returns"
		k["page_flip_event"] = "PAGE_FLIP, to its flip event"
		split("setcrtc_modeset setcrtc_flip page_flip_ioctl page_flip_event", o, " ")
		for (i = 1; i <= 4; i++) {
			if (!(o[i] in med)) {
				printf "| %-35s | %9s | %17s | %6s |\n", k[o[i]], "failed", "", ""
				continue
			}
			printf "| %-35s | %9.2f | %7.2f - %7.2f | %5.2fx |\n", k[o[i]],
				med[o[i]] * 1e3, lo[o[i]] * 1e3, hi[o[i]] * 1e3,
				(hz > 0 ? med[o[i]] * hz : 0)
		}
		for (f in failed) print "  page flips refused: " failed[f]
	}' "$T/kms"
}

table_x11perf() {
	echo
	echo "x11perf $X11PERF_ARGS: median of the repetitions, operations/s;"
	echo "ratio = vkernel time / Xvfb time (Xvfb on the host at the guest's" \
		"screen size)"
	echo
	echo "| test                                | Xvfb (host) |  vkernel  | ratio    |"
	echo "|-------------------------------------|-------------|-----------|----------|"
	x11perf_reps "$T/x11perf.host" | sed 's/^/host\t/' >"$T/x11.reps"
	x11perf_reps "$T/x11perf.guest" | sed 's/^/guest\t/' >>"$T/x11.reps"
	if [ ! -s "$T/x11.reps" ]; then
		echo "| x11perf failed on both servers      |             |           |          |"
		return
	fi
	cut -f2 "$T/x11.reps" | awk '!seen[$0]++' | while IFS= read -r desc; do
		h=$(awk -F'\t' -v d="$desc" '$1 == "host" && $2 == d { print $3 }' \
			"$T/x11.reps" | median)
		g=$(awk -F'\t' -v d="$desc" '$1 == "guest" && $2 == d { print $3 }' \
			"$T/x11.reps" | median)
		awk -v d="$desc" -v h="${h:-}" -v g="${g:-}" 'BEGIN {
			r = (h > 0 && g > 0) ? sprintf("%.2fx", h / g) : ""
			printf "| %-35s | %11s | %9s | %8s |\n", substr(d, 1, 35),
				h == "" ? "failed" : h, g == "" ? "failed" : g, r }'
	done
}

# ---- main ----

start=$SECONDS
read -r load _ </proc/loadavg
echo
echo "vkernel benchmarks ($BOOTS boots each; load average $load at the start," \
	"$(nproc) CPUs)"
if ! ${CC:-cc} -static -O2 -std=gnu11 -I/usr/include/libdrm \
	-o "$T/vkbench" bench/guest/vkbench.c 2>"$T/cc.log"; then
	cat "$T/cc.log" >&2
	echo "$ME: cannot build bench/guest/vkbench.c (static)" >&2
	exit 1
fi
for f in vk.times qemu.times fill kms x11perf.host x11perf.guest; do
	: >"$T/$f"
done
for n in $(seq "$BOOTS"); do
	[ "${BENCH_QEMU:-1}" = 0 ] || qemu_boot "$n"
	if vkernel_boot "$n" && [ "$n" = "$BOOTS" ]; then
		guest_benchmarks "$n"
	elif [ "$n" = "$BOOTS" ]; then
		fail "the last vkernel boot failed: no guest benchmarks"
	fi
	[ -z "$upid" ] || uml_stop "$n"
	gpud_stop
done
screen=$(sed -n 's/^SCREEN \([0-9]*x[0-9]*\)$/\1/p' "$T/x11perf.guest")
x11perf_host "${screen:-1280x800}"

table_launch
table_fill
table_kms
table_x11perf
read -r load _ </proc/loadavg
echo
echo "vkernel benchmarks took $((SECONDS - start)) s (load average $load at" \
	"the end)"
exit $status
