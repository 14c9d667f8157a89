#!/bin/sh
# vkernel checkpoint / restore / checkpoints (issue 6) on the guest
# desktop: a 256 MiB vkernel with Xorg, an xterm and an xclock, its gpud
# started by this test (-G unix:), and CYCLES times (default 5):
#   xclock paused in the guest (SIGSTOP, so the screen holds still), then
#   `vkernel checkpoint desk` (GPU frozen, criu dump, the original stops:
#   its launcher exits 5), a screenshot of the old gpud (the frozen
#   device), gpud killed, a fresh gpud (zero VRAM, reset registers),
#   `vkernel restore desk`: the screenshot right after the thaw equals
#   the one at freeze bit for bit; xclock resumed: the screen changes
#   again; the guest runs commands (the command channel, vkernel.share).
# The guest's clock shows the host's time after a restore of an older
# checkpoint (it moves on over the downtime).
# With a kernel whose vkinput can freeze (config vkinput=freeze), gpud also
# serves input and text typed in a VNC viewer (xtightvncviewer under Xvfb,
# xdotool) must run in the restored xterm; without it the guest boots
# without input and that check says so (not ok).
# Then: --leave-running (the original keeps running; after it is powered
# off, the checkpoint restores, onto a gpud the launcher starts); while a
# checkpoint is at work, a second one is refused and Ctrl-C to the
# launcher waits for it, then powers the guest off; refusals
# that start nothing (VRAM 32 MiB, a flipped byte, a truncated file,
# another kernel build, the original still running); a version 1
# manifest (SHA-256 per file) verifies and restores; `checkpoints`
# list/show/verify/delete; kill -9 of `vkernel checkpoint` at random
# moments never damages the earlier checkpoint of the same name.
# Usage: test_vkernel_checkpoint.sh BUILD_DIR. CKPT_CYCLES, CKPT_KILLS
# (default 5 each); KEEP_TMP=1 keeps the work directory.
# Prints "ok - NAME" / "not ok - NAME".
set -u
B=${1:-build}
CYCLES=${CKPT_CYCLES:-5}
KILLS=${CKPT_KILLS:-5}
T=$(mktemp -d)
RUN=$T/run
G=$T/g # the test's gpud sockets
STORE=$T/store
INST=ckpt$$
BOOT_TIMEOUT=120
WAIT=30
vpid='' gpid='' xpid='' wpid=''
export VKERNEL_CHECKPOINTS=$STORE

cleanup() {
	for p in $wpid $xpid $gpid; do kill "$p" 2>/dev/null; done
	[ -n "$vpid" ] && kill -KILL "$vpid" 2>/dev/null
	# UML has no parent-death signal (a restored one would get it):
	# everything of this run is found by its run dir.
	pkill -KILL -f "$RUN" 2>/dev/null
	for p in $wpid $xpid $gpid $vpid; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/lib/uml.sh"
NOK_LINES=25

gone() { ! kill -0 "$1" 2>/dev/null; }

for tool in vkernel gpud gpustate; do
	[ -x "$B/$tool" ] || { nok "$B/$tool is built (make all)"; exit 1; }
done
if ! sys/criu/criu-sid --version >/dev/null 2>&1; then
	nok "criu from the sid root (make sid-root)"
	exit 1
fi
K=$(cd build/sys 2>/dev/null && pwd)/linux
[ -x "$K" ] || { nok "kernel is built (make vkernel-linux)"; exit 1; }
INPUT=
grep -q 'config vkinput\[=freeze' "$K" && INPUT=1
mkdir -p "$T/share" "$G" "$STORE"
chmod 700 "$G"

# GPUD [ARGS]: a fresh gpud on $G/gpu.sock (and the input socket when the
# kernel can freeze input); its VNC port in $T/port.
start_gpud() {
	rm -f "$G/gpu.sock" "$G/input.sock"
	: >"$T/gpud.log"
	"$B/gpud" --device sim --socket "$G/gpu.sock" --vnc 0 --foreground \
		${INPUT:+--input-socket "$G/input.sock"} >"$T/gpud.log" 2>&1 &
	gpid=$!
	wait_until $WAIT grep -q 'port [0-9]' "$T/gpud.log" &&
		wait_until $WAIT test -S "$G/gpu.sock" || return 1
	sed -n 's/.* port \([0-9]*\).*/\1/p' "$T/gpud.log" | head -n 1 >"$T/port"
}
stop_gpud() {
	kill "$gpid" 2>/dev/null
	wait "$gpid" 2>/dev/null
	gpid=
}
shot() { "$B/gpustate" screenshot --server "$G/gpu.sock" -o "$1" >>"$T/shots.log" 2>&1; }

# ID SCRIPT: runs SCRIPT in the guest; output in $T/share/out-ID. IDs are
# never reused and nothing in the share is deleted: files a checkpoint
# saw open must be there, unchanged, at restore.
seq_id=0
guest_run() {
	seq_id=$((seq_id + 1))
	id=$1-$seq_id
	printf '%s\n' "$2" >"$T/share/.cmd-$id"
	mv "$T/share/.cmd-$id" "$T/share/cmd-$id.sh"
	wait_until $WAIT test -f "$T/share/rc-$id" || return 255
	cat "$T/share/out-$id"
	return "$(cat "$T/share/rc-$id")"
}

# The launcher, booted (ARGS...) or restored; status in $T/status.
launch() {
	# Emptied here: the background job's redirection comes later.
	: >"$T/status"
	"$B/vkernel" "$@" >"$T/console" 2>"$T/status" &
	vpid=$!
}
boot_desktop() {
	launch -G "unix:$G/gpu.sock" ${INPUT:+--input "$G/input.sock"} \
		-m 256M --run-dir "$RUN" --name "$INST" \
		-- vkernel.share="$T/share"
	wait_until $BOOT_TIMEOUT grep -qs '^vkernel: guest: session ready' "$T/status"
}

if ! start_gpud; then
	nok "gpud starts" "$T/gpud.log"
	exit 1
fi
if ! boot_desktop; then
	nok "the desktop boots (256 MiB, -G unix:)" "$T/status"
	exit 1
fi
ok "the desktop boots (256 MiB, -G unix:, input: ${INPUT:-none})"
check_run "the launcher registered the guest" test -L "${XDG_RUNTIME_DIR:-/tmp}/vkernel-$(id -u)/$INST"

# The screen changes by itself (the xclock, once a second).
# [SOCKET]: the gpud's screen changes within 10 s (default the test's).
screen_moves() {
	sock=${1:-$G/gpu.sock}
	"$B/gpustate" screenshot --server "$sock" -o "$T/m1.png" >/dev/null 2>&1 || return 1
	wait_until 10 sh -c '"$0" screenshot --server "$1" -o "$2" >/dev/null 2>&1 &&
		! cmp -s "$2" "$3"' "$B/gpustate" "$sock" "$T/m2.png" "$T/m1.png"
}

# Text typed in a VNC viewer runs in the xterm (test_vkernel_desktop.sh).
Xdisp=
typed_runs() {
	tag=$1
	[ -n "$INPUT" ] || { echo "no vkinput freeze in this kernel"; return 1; }
	if [ -z "$Xdisp" ]; then
		Xvfb -displayfd 5 -screen 0 1400x1000x24 -nolisten tcp 5>"$T/display" \
			2>"$T/xvfb.log" &
		xpid=$!
		wait_until $WAIT test -s "$T/display" || return 1
		Xdisp=":$(cat "$T/display")"
	fi
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	DISPLAY=$Xdisp xtightvncviewer "127.0.0.1::$(cat "$T/port")" >"$T/viewer.log" 2>&1 &
	wpid=$!
	wid=$(DISPLAY=$Xdisp timeout $WAIT xdotool search --sync --name 'TightVNC' | head -n 1)
	desk=$(DISPLAY=$Xdisp xwininfo -tree -id "${wid:-0}" 2>/dev/null |
		awk '/ [0-9]+x[0-9]+\+0\+0 / { w = $1 } END { print w }')
	[ -n "$desk" ] || return 1
	DISPLAY=$Xdisp xdotool mousemove --window "$desk" 300 200 \
		windowfocus --sync "$wid" && sleep 0.5 &&
		DISPLAY=$Xdisp xdotool type --delay 30 "touch /tmp/typed-$tag" &&
		DISPLAY=$Xdisp xdotool key Return || return 1
	guest_run typed "i=0; while [ ! -e /tmp/typed-$tag ] && [ \$i -lt 100 ]; do
		sleep 0.1; i=\$((i + 1)); done; ls /tmp/typed-$tag"
}

# One cycle: pause the clock, checkpoint (the original stops), freeze
# screenshot, gpud power cycle, restore, thaw screenshot, clock on.
# Where a restore that does not end is stuck: the run's processes, the
# end of criu's log, the guest console.
stuck() {
	echo "-- processes of the run"
	ps -eo pid,stat,wchan:24,etime,args | grep -e "$RUN" -e criu | grep -v grep
	echo "-- restore.log"
	tail -n 5 "$RUN/restore.log"
	echo "-- console"
	tail -n 5 "$T/console"
}
cycle() {
	k=$1
	guest_run stop 'pkill -STOP xclock' >"$T/log" 2>&1 ||
		{ nok "cycle $k: xclock paused" "$T/log"; return 1; }
	t0=$(date +%s%N)
	if ! "$B/vkernel" checkpoint desk --name "$INST" >"$T/ck.log" 2>&1; then
		nok "cycle $k: vkernel checkpoint" "$T/ck.log"
		return 1
	fi
	ck_ms=$((($(date +%s%N) - t0) / 1000000))
	wait_until $WAIT gone "$vpid"
	wait "$vpid"
	rc=$?
	vpid=
	if [ $rc != 5 ] || ! grep -q 'checkpointed to' "$T/status"; then
		nok "cycle $k: the original launcher exits 5 (was $rc)" "$T/status"
		return 1
	fi
	shot "$T/freeze.png" || { nok "cycle $k: screenshot at freeze"; return 1; }
	stop_gpud
	if ! start_gpud; then nok "cycle $k: a fresh gpud" "$T/gpud.log"; return 1; fi
	shot "$T/fresh.png"
	if cmp -s "$T/fresh.png" "$T/freeze.png"; then
		nok "cycle $k: the fresh gpud does not show the old picture"
		return 1
	fi
	t0=$(date +%s%N)
	launch restore desk -G "unix:$G/gpu.sock" ${INPUT:+--input "$G/input.sock"}
	if ! wait_until $WAIT grep -qs '^vkernel: restored ' "$T/status"; then
		stuck >>"$T/status" 2>&1
		nok "cycle $k: vkernel restore" "$T/status"
		[ -z "${CKPT_PAUSE:-}" ] || sleep "$CKPT_PAUSE"
		return 1
	fi
	rs_ms=$((($(date +%s%N) - t0) / 1000000))
	shot "$T/thaw.png"
	if ! cmp "$T/freeze.png" "$T/thaw.png" >"$T/log" 2>&1; then
		tail -n 3 "$T/shots.log" >>"$T/log"
		cat "$T/status" >>"$T/log"
		nok "cycle $k: the screenshot after thaw equals the one at freeze" "$T/log"
		return 1
	fi
	guest_run cont 'pkill -CONT xclock' >"$T/log" 2>&1 &&
		screen_moves >>"$T/log" 2>&1 ||
		{ nok "cycle $k: the clock moves again" "$T/log"; [ -z "${CKPT_PAUSE:-}" ] || sleep "$CKPT_PAUSE"; return 1; }
	guest_run alive "echo cycle $k" >"$T/log" 2>&1 ||
		{ nok "cycle $k: the guest runs commands" "$T/log"; return 1; }
	ok "cycle $k: checkpoint ${ck_ms} ms, restore ${rs_ms} ms, picture bit-identical, clock moves, guest answers"
}

check_run "the xclock moves before the first checkpoint" screen_moves
k=1
while [ $k -le "$CYCLES" ]; do
	cycle $k || break
	k=$((k + 1))
done
check_run "$CYCLES checkpoint/power-off/restore cycles in a row" test $k -gt "$CYCLES"
[ $k -gt "$CYCLES" ] || exit 1
check_run "the restored xterm accepts text typed over VNC" typed_runs r1
check_run "checkpoints list shows it" sh -c '"$0" checkpoints list | grep -q "^desk .*instance $1"' "$B/vkernel" "$INST"
check_run "checkpoints show prints the manifest" sh -c '"$0" checkpoints show desk | grep -q "^kernel_sha256="' "$B/vkernel"
check_run "checkpoints verify says ok" "$B/vkernel" checkpoints verify desk

# ---- --leave-running ----
check_run "checkpoint --leave-running" "$B/vkernel" checkpoint live --leave-running --name "$INST"
check_run "the original keeps running (launcher alive, guest answers)" \
	sh -c 'kill -0 "$0" && ! grep -q checkpointed "$1"' "$vpid" "$T/status"
check_run "its clock keeps moving" screen_moves
guest_run after-live 'echo still here' >"$T/answer" 2>&1
check_run "the original still runs commands" grep -qx 'still here' "$T/answer"

# ---- Refusals (while the original runs, and once it is off) ----
# CHECKPOINT WHY ARGS...: restore fails with exit 2 and WHY in its
# message, and no UML of ours was started.
refused() {
	r_ck=$1 r_why=$2
	shift 2
	before=$(pgrep -c -f "$RUN" 2>/dev/null)
	"$B/vkernel" restore "$r_ck" "$@" >"$T/ref.out" 2>"$T/ref.log"
	rc=$?
	cat "$T/ref.log"
	[ $rc = 2 ] && grep -q "$r_why" "$T/ref.log" &&
		[ "$(pgrep -c -f "$RUN" 2>/dev/null)" = "$before" ]
}
check_run "restore refuses while the original runs" refused live 'is running'

# ---- A checkpoint at work: a second one is refused, Ctrl-C waits ----
# The first is paused (SIGSTOP to its group) once RUN/checkpointing names
# it, so both checks happen while it is at work.
setsid "$B/vkernel" checkpoint busy --leave-running --name "$INST" >"$T/busy.log" 2>&1 &
cpid=$!
while [ ! -s "$RUN/checkpointing" ] && kill -0 "$cpid" 2>/dev/null; do :; done
kill -STOP "-$cpid"
check_run "a second checkpoint while one is at work is refused" sh -c '
	! "$0" checkpoint other --leave-running --name "$1" 2>"$2" &&
	grep -q "another checkpoint" "$2" && [ ! -e "$3/other" ]' \
	"$B/vkernel" "$INST" "$T/other.log" "$STORE"
kill -INT "$vpid"
check_run "SIGINT during a checkpoint waits for it" sh -c '
	sleep 1 && kill -0 "$0" &&
	grep -q "SIGINT during a checkpoint" "$1"' "$vpid" "$T/status"
kill -CONT "-$cpid"
wait "$cpid"
check_run "that checkpoint completes (exit 0)" sh -c 'cat "$1"; [ "$0" = 0 ]' \
	$? "$T/busy.log"
wait_until $WAIT gone "$vpid"
wait "$vpid"
check_run "then the original powers off (exit 0)" sh -c 'cat "$1"; [ "$0" = 0 ]' \
	$? "$T/status"
vpid=
check_run "the checkpoint taken meanwhile verifies" "$B/vkernel" checkpoints verify busy
stop_gpud

check_run "restore onto 32 MiB VRAM is refused (-G sim:vram=32)" refused live "VRAM" -G sim:vram=32 --vnc 0
check_run "... before any gpud started" sh -c '! grep -q "desktop on vnc" "$0"' "$T/ref.log"
"$B/gpud" --device sim:vram=32 --socket "$G/gpu32.sock" --foreground >"$T/gpud32.log" 2>&1 &
g32=$!
wait_until $WAIT test -S "$G/gpu32.sock"
check_run "restore onto a running gpud with 32 MiB VRAM is refused (-G unix:)" \
	refused live "VRAM" -G "unix:$G/gpu32.sock"
kill "$g32"
wait "$g32" 2>/dev/null
D=$STORE/live
f=pstree.img # CRIU's process tree
cp "$D/$f" "$T/saved.img"
printf '\377' | dd of="$D/$f" bs=1 seek=3 conv=notrunc 2>/dev/null
check_run "a flipped byte is refused" refused live 'checksum mismatch' -G sim --vnc 0
head -c 10 "$T/saved.img" >"$D/$f"
check_run "a truncated file is refused" refused live 'truncated' -G sim --vnc 0
cp "$T/saved.img" "$D/$f"
cp "$D/manifest" "$T/manifest"
sed -i 's/^kernel_sha256=.*/kernel_sha256=0000000000000000000000000000000000000000000000000000000000000000/' "$D/manifest"
check_run "a checkpoint of another kernel build is refused" refused live 'another kernel build' -G sim --vnc 0
cp "$T/manifest" "$D/manifest"
check_run "checkpoints verify finds the repaired checkpoint ok" "$B/vkernel" checkpoints verify live

# A version 1 manifest (the previous launcher's: "file=NAME SIZE SHA256"
# lines) still verifies and restores: live's, rewritten so.
to_version_1() {
	{
		echo 'vkernel-checkpoint 1'
		sed -n '2,$p' "$1/manifest" | grep -v '^file='
		sed -n 's/^file=\([^ ]*\) \([0-9]*\) .*/\1 \2/p' "$1/manifest" |
			while read -r f size; do
				echo "file=$f $size $(sha256sum <"$1/$f" | cut -d' ' -f1)"
			done
	} >"$T/manifest.v1" && mv "$T/manifest.v1" "$1/manifest"
}
check_run "the manifest is version 2, XXH3-128 per file" sh -c '
	head -n 1 "$0" | grep -qx "vkernel-checkpoint 2" &&
	! grep "^file=" "$0" | grep -vq "^file=[^ ]* [0-9]* xxh3-128 [0-9a-f]\{32\}$"' "$D/manifest"
to_version_1 "$D"
check_run "a version 1 manifest (SHA-256 per file) verifies" sh -c '
	head -n 1 "$1/manifest" | grep -qx "vkernel-checkpoint 1" &&
	grep -q "^file=pstree.img [0-9]* [0-9a-f]\{64\}$" "$1/manifest" &&
	"$0" checkpoints verify live' "$B/vkernel" "$D"

# The --leave-running checkpoint restores, onto a gpud the launcher starts.
launch restore live -G sim --vnc 0
check_run "the --leave-running checkpoint restores (-G sim, version 1 manifest)" \
	wait_until $WAIT grep -qs '^vkernel: restored ' "$T/status"
guest_run after-restore 'echo restored' >"$T/answer" 2>&1
check_run "the restored guest runs commands" grep -qx restored "$T/answer"
# That checkpoint is some seconds old: the guest's clock must have moved
# on to the host's time, not resumed where it stood.
clock_agrees() {
	guest_run clock 'date +%s' >"$T/gdate" 2>&1 || return 1
	h=$(date +%s)
	g=$(cat "$T/gdate")
	c=$(sed -n 's/^created=//p' "$STORE/live/manifest")
	echo "guest $g, host $h, checkpoint $c"
	# An older checkpoint than 3 s would not tell a lagging clock apart.
	[ $((h - c)) -ge 3 ] && [ $((h - g)) -le 2 ] && [ $((g - h)) -le 2 ]
}
check_run "the restored guest's clock agrees with the host's (within 2 s)" clock_agrees

# ---- Crash safety: kill -9 of `vkernel checkpoint safe` at random
# moments; `safe` always verifies. Each run is in its own process group,
# so the criu it may leave behind can be waited for.
check_run "a first checkpoint 'safe'" "$B/vkernel" checkpoint safe --leave-running --name "$INST"
crash_ok=0
i=1
while [ $i -le "$KILLS" ]; do
	setsid "$B/vkernel" checkpoint safe --leave-running --name "$INST" >"$T/crash.log" 2>&1 &
	cpid=$!
	sleep "0.$(od -An -N2 -tu2 /dev/urandom | awk '{ printf "%03d", $1 % 1000 }')"
	kill -KILL "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	wait_until $WAIT sh -c '! pgrep -g "$0" >/dev/null' "$cpid"
	if "$B/vkernel" checkpoints verify safe >"$T/log" 2>&1; then
		crash_ok=$((crash_ok + 1))
	else
		cat "$T/log"
	fi
	i=$((i + 1))
done
check_run "after $KILLS kill -9 of a checkpoint, 'safe' still verifies ($crash_ok/$KILLS)" \
	test $crash_ok = "$KILLS"
check_run "a checkpoint after the kills succeeds and cleans up" sh -c '
	"$0" checkpoint safe --leave-running --name "$1" &&
	[ -z "$(ls -A "$2" | grep "^\.safe\.tmp")" ]' "$B/vkernel" "$INST" "$STORE"
check_run "the guest still answers after the kills" guest_run post-crash 'echo fine'
check_run "its screen moves after the kills (GPU thawed)" screen_moves "$RUN/gpu.sock"
check_run "checkpoints delete" sh -c '"$0" checkpoints delete safe && [ ! -e "$1/safe" ]' \
	"$B/vkernel" "$STORE"

# kill -9 of a checkpoint that would stop the original, at a random
# moment: either it got far enough (complete checkpoint, the launcher
# stops the guest and exits 5) or the launcher resumes the guest (RUN/
# checkpointing names a dead checkpoint) and the earlier 'last' stays.
check_run "a checkpoint 'last'" "$B/vkernel" checkpoint last --leave-running --name "$INST"
# The launcher's word on a checkpoint that died (the kills above made some).
resumes() { grep -c 'died half-way: resuming the guest' "$T/status"; }
resumes0=$(resumes)
resumed() { [ "$(resumes)" -gt "$resumes0" ]; }
setsid "$B/vkernel" checkpoint last --name "$INST" >"$T/crash.log" 2>&1 &
cpid=$!
# Killed once it has noted itself in RUN/checkpointing (before that the
# guest is untouched), 0 to 0.6 s later: mostly half-way, sometimes done.
wait_until $WAIT sh -c 'test -s "$1/checkpointing" || ! kill -0 "$0" 2>/dev/null' \
	"$cpid" "$RUN"
sleep "0.$(od -An -N2 -tu2 /dev/urandom | awk '{ printf "%03d", $1 % 600 }')"
kill -KILL "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null
wait_until $WAIT sh -c '! pgrep -g "$0" >/dev/null' "$cpid"
# The launcher acts within a second: it says it resumes the guest, or it
# stops the guest and exits. (RUN/checkpointing cannot tell the two
# apart: the exiting launcher removes it with RUN before it is gone.)
settled() { gone "$vpid" || resumed; }
wait_until $WAIT settled
if resumed; then
	check_run "killed half-way: the guest was resumed (screen moves)" screen_moves "$RUN/gpu.sock"
	check_run "killed half-way: the guest answers" guest_run post-kill 'echo fine'
	kill -INT "$vpid"
	wait_until $WAIT gone "$vpid"
	wait "$vpid"
	check_run "the resumed guest powers off (exit 0)" test $? = 0
elif gone "$vpid"; then
	wait "$vpid"
	check_run "killed after its note: the launcher stopped the guest, exit 5" test $? = 5
else
	nok "killed: the launcher neither resumed nor stopped the guest" "$T/status"
	kill -KILL "$vpid"
	wait "$vpid"
fi
vpid=
check_run "'last' verifies after that kill" "$B/vkernel" checkpoints verify last
run_gone() { ! pgrep -f "$RUN" && [ ! -e "$RUN" ]; }
check_run "nothing of the run is left" run_gone
