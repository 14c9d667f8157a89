#!/bin/sh
# Checkpoint and restore of the vkernel desktop (issue 6), run by `make
# bench`: a 512 MiB guest (Xorg, xterm, xclock) on a gpud started here,
# 2 x BENCH_CKPT_RUNS (5) cycles of `vkernel checkpoint` (the original
# stops), gpud killed, a fresh gpud, `vkernel restore`; every other cycle
# polls for the first correct frame, the others measure the restore
# undisturbed. Medians of:
#   downtime      GPU freeze to CRIU's images on disk (what the guest
#                 notices; the checkpoint command's own report)
#   checkpoint    the whole command: + checksums, fsync, rename, kill
#   image         size of the checkpoint directory
#   to running    `vkernel restore`'s own report: its start to the guest
#                 running with its devices thawed (verify every checksum,
#                 gpud check, criu restore, thaw), with those phases
#   first frame   `vkernel restore` started to the first screenshot of the
#                 new gpud equal to the one taken at the freeze (the xclock
#                 is paused around the checkpoint so that frame is fixed)
# Beside them, the same for QEMU (BENCH_CKPT_QEMU_RUNS, default 3; 0
# leaves it out): the conformance guest's Xorg (guest/tests.sh gt_xorg,
# std VGA, TCG, -m 512) waiting at its "GUEST-SHOT xorg" (nothing
# animates), QMP stop + `migrate exec:cat>FILE` (downtime: stop to
# migration completed), a new QEMU with `-incoming exec:cat FILE` (to
# running: its start to runstate running; first frame: to the first QMP
# screendump equal to the one before the stop). QEMU's times are polled
# (every 10 ms plus a QMP round trip): upper bounds by a few ms.
#   bench/bench_checkpoint.sh [BUILD_DIR]
# Exit 0; 1 when a measurement failed.
set -u
B=${1:-build}
RUNS=${BENCH_CKPT_RUNS:-5}
MEM=${BENCH_CKPT_MEM:-512M}
T=$(mktemp -d)
G=$T/g
RUN=$T/run
INST=bench$$
WAIT=60
vpid='' gpid=''
export VKERNEL_CHECKPOINTS=$T/store

qemu_pid=''
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
	[ -n "$gpid" ] && kill "$gpid" 2>/dev/null
	[ -n "$vpid" ] && kill -KILL "$vpid" 2>/dev/null
	pkill -KILL -f "$RUN" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "bench_checkpoint: $*" >&2
	[ -f "$T/log" ] && tail -n 20 "$T/log" >&2
	exit 1
}
# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/../tests/sys/lib/uml.sh"
WAIT_STEP=0.01
now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

K=build/sys/linux
INPUT=
grep -q 'config vkinput\[=freeze' "$K" 2>/dev/null && INPUT=1
mkdir -p "$G" "$T/share" && chmod 700 "$G"

start_gpud() {
	rm -f "$G/gpu.sock" "$G/input.sock"
	: >"$T/gpud.log"
	"$B/gpud" --device sim --socket "$G/gpu.sock" --vnc 0 --foreground \
		${INPUT:+--input-socket "$G/input.sock"} >"$T/gpud.log" 2>&1 &
	gpid=$!
	wait_until $WAIT test -S "$G/gpu.sock"
}
shot() { "$B/gpustate" screenshot --server "$G/gpu.sock" -o "$1" >/dev/null 2>&1; }
same_frame() { shot "$T/now.png" && cmp -s "$T/now.png" "$T/freeze.png"; }
restored() { grep -qs '^vkernel: restored ' "$T/status"; }
seq_id=0
guest_run() {
	seq_id=$((seq_id + 1))
	printf '%s\n' "$1" >"$T/share/.c$seq_id"
	mv "$T/share/.c$seq_id" "$T/share/cmd-b$seq_id.sh"
	wait_until $WAIT test -f "$T/share/rc-b$seq_id"
}
launch() {
	: >"$T/status"
	"$B/vkernel" "$@" >/dev/null 2>"$T/status" &
	vpid=$!
}

start_gpud || fail "gpud did not start"
launch -G "unix:$G/gpu.sock" ${INPUT:+--input "$G/input.sock"} -m "$MEM" \
	--run-dir "$RUN" --name "$INST" -- vkernel.share="$T/share"
wait_until 180 grep -qs 'session ready' "$T/status" || fail "no desktop"
sleep 2

: >"$T/m_down" && : >"$T/m_ck" && : >"$T/m_size" && : >"$T/m_run" && : >"$T/m_frame"
: >"$T/m_criu" && : >"$T/m_verify" && : >"$T/m_thaw"
: >"$T/m_gpu" && : >"$T/m_trim" && : >"$T/m_dump"
i=1
while [ "$i" -le $((2 * RUNS)) ]; do
	guest_run 'pkill -STOP xclock' || fail "guest command"
	t0=$(now_ms)
	"$B/vkernel" checkpoint b --name "$INST" >"$T/log" 2>&1 || fail "checkpoint"
	echo $(($(now_ms) - t0)) >>"$T/m_ck"
	phases=$(sed -n 's/.*frozen and dumped in \([0-9]*\) ms (GPU freeze \([0-9]*\), memory trim and input freeze \([0-9]*\), criu dump \([0-9]*\)).*/\1 \2 \3 \4/p' "$T/log")
	[ -n "$phases" ] || fail "no phases in the checkpoint report"
	set -- $phases
	echo "$1" >>"$T/m_down" && echo "$2" >>"$T/m_gpu"
	echo "$3" >>"$T/m_trim" && echo "$4" >>"$T/m_dump"
	du -sm "$T/store/b" | cut -f1 >>"$T/m_size"
	wait "$vpid"
	shot "$T/freeze.png" || fail "screenshot"
	kill "$gpid" && wait "$gpid"
	start_gpud || fail "fresh gpud"
	t0=$(now_ms)
	launch restore b -G "unix:$G/gpu.sock" ${INPUT:+--input "$G/input.sock"}
	# Odd cycles poll for the first correct frame; even ones leave the
	# restore alone (a screenshot a 10 ms keeps one core busy) and take
	# its own report.
	if [ $((i % 2)) = 1 ]; then
		wait_until $WAIT same_frame || { cp "$T/status" "$T/log"; fail "no correct frame"; }
		echo $(($(now_ms) - t0)) >>"$T/m_frame"
	fi
	wait_until $WAIT restored || { cp "$T/status" "$T/log"; fail "restore"; }
	shot "$T/now.png" && cmp -s "$T/now.png" "$T/freeze.png" || fail "wrong frame after the restore"
	[ $((i % 2)) = 1 ] && { guest_run 'pkill -CONT xclock' || fail "guest command"; i=$((i + 1)); continue; }
	phases=$(sed -n 's/^vkernel: restored .* in \([0-9]*\) ms (verify \([0-9]*\), criu restore \([0-9]*\), thaw \([0-9]*\)).*/\1 \2 \3 \4/p' "$T/status")
	[ -n "$phases" ] || fail "no phases in the restore report"
	set -- $phases
	echo "$1" >>"$T/m_run" && echo "$2" >>"$T/m_verify"
	echo "$3" >>"$T/m_criu" && echo "$4" >>"$T/m_thaw"
	guest_run 'pkill -CONT xclock' || fail "guest command after restore"
	i=$((i + 1))
done

# The vkernel off before QEMU runs (2 cores).
kill -INT "$vpid"
wait "$vpid"
vpid=
kill "$gpid" 2>/dev/null
wait "$gpid" 2>/dev/null
gpid=

# ---- QEMU: migrate exec: / -incoming of the conformance guest's Xorg ----
QRUNS=${BENCH_CKPT_QEMU_RUNS:-3}
QG=${GUEST_BUILD:-build/guest}
qemu_start() { # DIR [EXTRA...]: QEMU in the background, QMP on DIR/qmp.sock
	d=$1
	shift
	mkdir -p "$d"
	rm -f "$d/con.in" "$d/con.out" "$d/qmp.in"
	mkfifo "$d/con.in" "$d/con.out" "$d/qmp.in"
	cat "$d/con.out" >"$d/serial.log" &
	${GUEST_QEMU:-qemu-system-x86_64} -nodefaults -no-user-config -accel tcg \
		-m 512 -smp 1 -vga std -display none -no-reboot \
		-serial "pipe:$d/con" -serial null \
		-qmp "unix:$d/qmp.sock,server=on,wait=off" \
		-kernel "$QG/kernel/vmlinuz" -initrd "$T/q-initrd.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1 iomem=relaxed gtest=xorg" \
		"$@" >"$d/qemu.log" 2>&1 &
	qemu_pid=$!
	wait_until 30 test -S "$d/qmp.sock" || return 1
	: >"$d/qmp.log"
	socat "UNIX-CONNECT:$d/qmp.sock" - <"$d/qmp.in" >"$d/qmp.log" &
	exec 7>"$d/qmp.in"
	echo '{"execute": "qmp_capabilities"}' >&7
}
qn=0
qmp() { # JSON-WITHOUT-ID: sends it, waits for the answer; in $ans
	qn=$((qn + 1))
	echo "{$1, \"id\": \"q$qn\"}" >&7
	wait_until 60 grep -q "\"id\": \"q$qn\"" "$d/qmp.log" || return 1
	ans=$(grep "\"id\": \"q$qn\"" "$d/qmp.log")
	case $ans in *'"error"'*) return 1 ;; esac
}
qemu_stop() {
	kill "$qemu_pid" 2>/dev/null
	wait "$qemu_pid" 2>/dev/null
	exec 7>&-
}
migrated() { qmp '"execute": "query-migrate"' && case $ans in *completed*) ;; *) false ;; esac; }
running() { qmp '"execute": "query-status"' && case $ans in *'"running"'*) ;; *) false ;; esac; }
dump_same() {
	qmp "\"execute\": \"screendump\", \"arguments\": {\"filename\": \"$d/now.png\", \"format\": \"png\"}" &&
		cmp -s "$d/now.png" "$T/q-before.png"
}
qemu_run() {
	q=$T/q$1
	qemu_start "$q/a" || fail "QEMU did not start"
	wait_until 180 grep -q 'GUEST-SHOT xorg ready' "$q/a/serial.log" || fail "QEMU guest: no X"
	d=$q/a
	qmp "\"execute\": \"screendump\", \"arguments\": {\"filename\": \"$T/q-before.png\", \"format\": \"png\"}" ||
		fail "screendump"
	t0=$(now_ms)
	qmp '"execute": "stop"' || fail "QMP stop"
	qmp "\"execute\": \"migrate\", \"arguments\": {\"uri\": \"exec:cat >$q/mig\"}" || fail "QMP migrate"
	wait_until 120 migrated || fail "migration did not complete"
	echo $(($(now_ms) - t0)) >>"$T/q_down"
	du -sm "$q/mig" | cut -f1 >>"$T/q_size"
	qemu_stop
	t0=$(now_ms)
	qemu_start "$q/b" -incoming "exec:cat $q/mig" || fail "QEMU -incoming"
	d=$q/b
	wait_until 120 running || fail "QEMU -incoming never ran"
	echo $(($(now_ms) - t0)) >>"$T/q_run"
	wait_until 60 dump_same || fail "QEMU: no correct frame"
	echo $(($(now_ms) - t0)) >>"$T/q_frame"
	qemu_stop
	rm -f "$q/mig"
}
if [ "$QRUNS" -gt 0 ]; then
	cat "$QG/base.cpio.gz" "$QG/xorg.cpio.gz" >"$T/q-initrd.cpio.gz" ||
		fail "no QEMU guest (make guest)"
	: >"$T/q_down" && : >"$T/q_size" && : >"$T/q_run" && : >"$T/q_frame"
	i=1
	while [ "$i" -le "$QRUNS" ]; do
		qemu_run "$i"
		i=$((i + 1))
	done
fi
ratio() { awk -v q="$1" -v v="$2" 'BEGIN { if (v > 0) printf "%.1fx", q / v; else print "-" }'; }

echo "vkernel checkpoint/restore, $MEM desktop guest, medians of $((2 * RUNS)) checkpoints, $RUNS restores of each kind:"
printf '  %-34s %6s ms\n' "downtime (freeze to images)" "$(median <"$T/m_down")"
printf '  %-34s %6s ms\n' "  GPU freeze" "$(median <"$T/m_gpu")"
printf '  %-34s %6s ms\n' "  memory trim, input freeze" "$(median <"$T/m_trim")"
printf '  %-34s %6s ms\n' "  criu dump" "$(median <"$T/m_dump")"
printf '  %-34s %6s ms\n' "checkpoint command (durable)" "$(median <"$T/m_ck")"
printf '  %-34s %6s MB\n' "image size" "$(median <"$T/m_size")"
printf '  %-34s %6s ms\n' "restore to running" "$(median <"$T/m_run")"
printf '  %-34s %6s ms\n' "  verify" "$(median <"$T/m_verify")"
printf '  %-34s %6s ms\n' "  criu restore" "$(median <"$T/m_criu")"
printf '  %-34s %6s ms\n' "  GPU and input thaw" "$(median <"$T/m_thaw")"
printf '  %-34s %6s ms\n' "restore to first correct frame" "$(median <"$T/m_frame")"
if [ "$QRUNS" -gt 0 ]; then
	echo "QEMU TCG 512 MiB conformance guest (Xorg), stop + migrate exec: / -incoming, median of $QRUNS:"
	printf '  %-34s %6s ms  QEMU/vkernel %s\n' "downtime (stop to file written)" \
		"$(median <"$T/q_down")" "$(ratio "$(median <"$T/q_down")" "$(median <"$T/m_down")")"
	printf '  %-34s %6s MB\n' "image size" "$(median <"$T/q_size")"
	printf '  %-34s %6s ms  QEMU/vkernel %s\n' "-incoming to running" \
		"$(median <"$T/q_run")" "$(ratio "$(median <"$T/q_run")" "$(median <"$T/m_run")")"
	printf '  %-34s %6s ms  QEMU/vkernel %s\n' "-incoming to first correct frame" \
		"$(median <"$T/q_frame")" "$(ratio "$(median <"$T/q_frame")" "$(median <"$T/m_frame")")"
fi
