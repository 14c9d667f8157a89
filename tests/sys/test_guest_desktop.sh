#!/bin/sh
# The vkernel boots the guest desktop (guest/desktop/README.md): UML on
# build/guest-root (make guest-root) with a hostfs root, vkernel-init
# brings up Xorg on /dev/dri/card0 (vkgpu, on a gpud of its own) and
# the session; through the command channel (vkernel.share) the guest's X
# server answers xdpyinfo and xrandr and shows the xterm and xclock where
# the session put them; a command's output and exit status come back; the
# root is read-only in the guest and the host's directory is unchanged
# after the boot; keys sent on vkinput's socket (vkinput.socket) reach
# the xterm through Xorg's evdev driver; the guest powers off (by the
# share's poweroff file, or when the session's xterm exits) and UML exits
# 0 leaving no process. A boot with a bad session name ends in the FAILED
# marker and a poweroff. vkernel-init's Xorg configuration gets one evdev
# section per event device.
# Usage: test_guest_desktop.sh BUILD_DIR (gpud from there; the kernel and
# root are the same for every build). SYS_BUILD (default build/sys) names the
# kernel, GUEST_ROOT (default build/guest-root) the root,
# GUEST_DESKTOP_BOOTS (default 2) how many desktop boots; each prints its
# times from exec to "X ready" and "session ready", then the medians of
# boots 2 to N (boot 1 has an input device and types into the xterm;
# GUEST_DESKTOP_BOOTS=4 gives a median of 3). Prints "ok - NAME" /
# "not ok - NAME".
set -u
export LC_ALL=C
B=$1
SYS=${SYS_BUILD:-build/sys}
L=$SYS/linux
ROOT=${GUEST_ROOT:-build/guest-root}
BOOTS=${GUEST_DESKTOP_BOOTS:-2}
T=$(mktemp -d)
BOOT_TIMEOUT=120 # seconds to "session ready" (a busy 2-core CI machine)
CMD_TIMEOUT=30   # seconds for one command in the guest
HALT_TIMEOUT=30  # seconds from the poweroff request to the process exit
pid=   # the UML process, a session leader: its group is -$pid
pgid=  # the group of the wrapper shell that waits for it
inpid= # socat serving vkinput's socket, a session leader too
gpid=  # the gpud serving the boot's graphics device

reap() {
	[ -n "$pid" ] && kill -KILL "-$pid" 2>/dev/null
	[ -n "$pgid" ] && kill -KILL "-$pgid" 2>/dev/null
	[ -n "$inpid" ] && kill -KILL "-$inpid" 2>/dev/null
	pid=
	pgid=
	inpid=
}
cleanup() {
	reap
	gpud_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - $1"; }
nok() {
	echo "not ok - $1"
	[ -z "${2:-}" ] || tail -n 40 "$2" | sed 's/^/# /'
}
# NAME COMMAND...: passes when the command succeeds; $T/log explains.
check() {
	name=$1
	shift
	: >"$T/log"
	if "$@"; then ok "$name"; else nok "$name" "$T/log"; fi
}

[ -x "$L" ] || { nok "kernel is built ($L missing: make vkernel-linux)"; exit 1; }
if [ ! -f "$ROOT/.vkernel-root" ] || [ ! -x "$ROOT/usr/sbin/vkernel-init" ]; then
	nok "guest root is built ($ROOT: make guest-root)"
	exit 1
fi
ok "kernel and guest root are built"
root_abs=$(cd "$ROOT" && pwd)

# The root as the host sees it: every entry's type, mode, size, mtime and
# ctime. The guest may read it, nothing else.
root_listing() {
	find "$root_abs" -printf '%P %y %m %s %T@ %C@\n' | sort
}

# bash: console lines stamped with their arrival time, tty's \r removed.
STAMP='while IFS= read -r l; do printf "%s %s\n" "$EPOCHREALTIME" "${l%"$CR"}"; done'

root_unchanged() {
	root_listing >"$T/root.after"
	diff "$T/root.before" "$T/root.after" >"$T/log"
}

# A fresh gpud serving the stdvga model for each boot (the previous one
# stopped): $T/gpu.sock, its log in $T/gpud.log.
gpud_start() {
	gpud_stop
	rm -f "$T/gpu.sock"
	"$B/gpud" --device sim --socket "$T/gpu.sock" --foreground \
		2>"$T/gpud.log" &
	gpid=$!
	i=0
	while [ ! -S "$T/gpu.sock" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
gpud_stop() {
	[ -n "$gpid" ] && kill "$gpid" 2>/dev/null && wait "$gpid" 2>/dev/null
	gpid=
}

# NAME ARGS...: boot in the background, with a fresh gpud as its
# graphics device. The console goes through a bash
# loop that stamps every line with the time it arrived; the wrapper
# records the time right before it execs UML, in $T/t0.
boot() {
	name=$1
	shift
	rm -rf "$T/share" "$T/uml"
	rm -f "$T/raw" "$T/pid" "$T/pgid" "$T/rc" "$T/t0"
	mkdir -p "$T/share"
	gpud_start
	setsid sh -c 'echo $$ >"$0/pgid"
		bash -c "echo \$EPOCHREALTIME >\"\$0/t0\"; exec \"\$@\"" "$0" "$@" \
			</dev/null &
		echo $! >"$0/pid"; wait $!; echo $? >"$0/rc"' \
		"$T" "$L" mem=512M seccomp=on uml_dir="$T/uml" umid="$name" \
		rootfstype=hostfs rootflags="$root_abs" rw init=/sbin/vkernel-init \
		con=null con0=null,fd:1 vkernel.share="$T/share" \
		vkgpu.socket="$T/gpu.sock" "$@" 2>&1 |
		CR=$(printf '\r') bash -c "$STAMP" >"$T/raw" &
	i=0
	while [ ! -s "$T/pid" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pid=$(cat "$T/pid" 2>/dev/null)
	pgid=$(cat "$T/pgid" 2>/dev/null)
}

# The console so far, without time stamps, in $T/out.
out() { cut -d' ' -f2- "$T/raw" 2>/dev/null >"$T/out"; }

# SECONDS MARKER: waits for the console line "vkernel-init: MARKER"; fails
# early on a FAILED marker or when UML exits.
wait_for() {
	i=0
	while :; do
		out
		grep -qx "vkernel-init: $2" "$T/out" && return 0
		grep -q '^vkernel-init: FAILED' "$T/out" && return 1
		[ -s "$T/rc" ] && return 1
		[ $i -ge $(($1 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# LINE: the console has this line; the console goes to the log.
console_has() {
	cp "$T/out" "$T/log"
	grep -qxF "$1" "$T/out"
}

# MARKER: seconds from exec to the marker's line.
since_exec() {
	awk -v t0="$(cat "$T/t0")" -v m="vkernel-init: $1" \
		'substr($0, index($0, " ") + 1) == m { printf "%.2f\n", $1 - t0; exit }' \
		"$T/raw"
}

# ID SCRIPT: hands SCRIPT to the guest (written aside, then renamed).
guest_submit() {
	printf '%s\n' "$2" >"$T/share/.cmd-$1"
	mv "$T/share/.cmd-$1" "$T/share/cmd-$1.sh"
}

# ID SCRIPT: runs SCRIPT in the guest through the share; its output in
# $T/share/out-ID, returns its exit status (255: no answer in time).
guest_run() {
	guest_submit "$1" "$2"
	i=0
	while [ ! -f "$T/share/rc-$1" ] || [ -L "$T/share/rc-$1" ]; do
		[ $i -ge $((CMD_TIMEOUT * 10)) ] && return 255
		sleep 0.1
		i=$((i + 1))
	done
	head -c 16 "$T/share/rc-$1" | grep -qx '[0-9]*' || return 255
	return "$(cat "$T/share/rc-$1")"
}

# ID SCRIPT PATTERN: the script succeeds and its output matches PATTERN.
guest_shows() {
	guest_run "$1" "$2"
	rc=$?
	{
		echo "guest: $2 (exit $rc)"
		head -c 4096 "$T/share/out-$1" 2>/dev/null
	} >>"$T/log"
	[ $rc = 0 ] && grep -qE "$3" "$T/share/out-$1"
}

commands_work() {
	[ -f "$T/share/ready" ] && guest_shows echo 'echo hello from $(hostname)' \
		'^hello from vkernel$'
}

failing_command_reports() {
	guest_run fail 'echo to-stderr >&2; exit 3'
	rc=$?
	echo "exit $rc, output: $(head -c 200 "$T/share/out-fail")" >>"$T/log"
	[ $rc = 3 ] && grep -qx to-stderr "$T/share/out-fail"
}

# Input (vkinput.socket, vkernel contract "gpud input socket"): 8-byte
# records, le16 type, le16 code, le32 value. VALUE BYTES: little-endian.
le() {
	v=$1
	k=0
	while [ $k -lt "$2" ]; do
		# shellcheck disable=SC2059 # the format is the byte
		printf "\\$(printf %03o $((v & 255)))"
		v=$((v >> 8))
		k=$((k + 1))
	done
}
rec() { le "$1" 2 && le "$2" 2 && le "$3" 4; }
syn() { rec 0 0 0; }
key() { rec 1 "$1" 1 && syn && rec 1 "$1" 0 && syn; }
# The pointer to 10% of the width and 13% of the height (over the xterm,
# whose window starts at +40+40), then "touch /tmp/typed" and Return.
typing() {
	rec 3 0 3277 && rec 3 1 4369 && syn
	for k in 20 24 22 46 35 57 53 20 50 25 53 20 21 25 18 32 28; do
		key $k
	done
}

# socat listens on $T/input.sock and sends the typing once $T/go exists.
input_start() {
	command -v socat >/dev/null || {
		echo "socat missing (./install-deps.sh)" >"$T/log"
		return 1
	}
	typing >"$T/typing" || return 1
	rm -f "$T/go" "$T/input.sock"
	setsid socat -u SYSTEM:"while [ ! -e '$T/go' ]; do sleep 0.1; done; \
		cat '$T/typing'" UNIX-LISTEN:"$T/input.sock" 2>"$T/socat.err" &
	inpid=$!
	i=0
	while [ ! -S "$T/input.sock" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$T/input.sock" ] || cp "$T/socat.err" "$T/log"
	[ -S "$T/input.sock" ]
}

typing_reaches_xterm() {
	: >"$T/go"
	guest_run typed 'i=0; while [ ! -e /tmp/typed ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done; ls -l /tmp/typed'
	rc=$?
	head -c 4096 "$T/share/out-typed" >"$T/log" 2>/dev/null
	cat "$T/socat.err" >>"$T/log"
	return $rc
}

# HOW: asks the guest to power off (poweroff: the share's poweroff file;
# session: the xterm exits), then UML must exit 0 after saying why, with
# nothing left in its process group.
halts_cleanly() {
	case $1 in
	poweroff)
		: >"$T/share/poweroff"
		why="requested"
		;;
	session)
		# No answer to wait for: the guest powers off meanwhile.
		guest_submit quit 'pkill -x xterm'
		why="session ended"
		;;
	esac
	i=0
	while [ ! -s "$T/rc" ] && [ $i -lt $((HALT_TIMEOUT * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.2 # the wrapper shell exits right after writing rc
	out
	cp "$T/out" "$T/log"
	[ "$(cat "$T/rc" 2>/dev/null)" = 0 ] &&
		grep -qx "vkernel-init: powering off ($why)" "$T/out" &&
		! kill -0 "-$pid" 2>/dev/null && ! kill -0 "-$pgid" 2>/dev/null
}

# One desktop boot, N of BOOTS; odd ones power off by file, even ones by
# ending the session. The first has vkinput's device and types into the
# xterm.
desktop_boot() {
	n=$1
	b="boot $n"
	root_listing >"$T/root.before"
	if [ "$n" = 1 ]; then
		check "$b: input socket listens" input_start
		boot "desk$n" vkinput.socket="$T/input.sock"
	else
		boot "desk$n"
	fi
	if [ -z "$pid" ] || ! wait_for $BOOT_TIMEOUT "X ready"; then
		nok "$b: X ready within $BOOT_TIMEOUT s" "$T/out"
		reap
		return
	fi
	ok "$b: X ready"
	if ! wait_for $BOOT_TIMEOUT "session ready"; then
		nok "$b: session ready" "$T/out"
		reap
		return
	fi
	ok "$b: session ready"
	tx=$(since_exec "X ready")
	ts=$(since_exec "session ready")
	[ "$n" = 1 ] || echo "$tx $ts" >>"$T/times"
	echo "# $b: from exec: X ready $tx s, session ready $ts s"
	check "$b: command channel runs a command" commands_work
	if [ "$n" = 1 ]; then
		check "$b: Xorg gets an evdev device for vkinput's event0" \
			console_has 'vkernel-init: Xorg config: /dev/dri/card0, 1 input device(s)'
		check "$b: keys typed through vkinput reach the xterm" \
			typing_reaches_xterm
	fi
	check "$b: a failing command's status and stderr come back" \
		failing_command_reports
	check "$b: the root is mounted read-only in the guest" guest_shows ro \
		'! touch /etc/vkernel-probe && grep " / " /proc/mounts' \
		' / hostfs ro,'

	check "$b: xdpyinfo shows screen 0" guest_shows dpy xdpyinfo \
		'dimensions: +[1-9][0-9]*x[1-9][0-9]* pixels'
	check "$b: xrandr shows a connected output" guest_shows randr xrandr \
		'^[^ ]+ connected'
	check "$b: xterm window at +40+40" guest_shows tree1 'xwininfo -root -tree' \
		'"xterm": \("xterm" "XTerm"\) +[0-9]+x[0-9]+\+40\+40'
	check "$b: xclock window 164x164 at +600+40" guest_shows tree2 \
		'xwininfo -root -tree' '"xclock": \("xclock" "XClock"\) +164x164\+600\+40'
	if [ $((n % 2)) = 1 ]; then how=poweroff; else how=session; fi
	check "$b: $how: UML exits 0, nothing left" halts_cleanly $how
	reap
	check "$b: guest wrote nothing into the root" root_unchanged
}

n=1
while [ $n -le "$BOOTS" ]; do
	desktop_boot $n
	n=$((n + 1))
done
if [ -s "$T/times" ]; then
	sort -n -k1,1 "$T/times" | awk '{ a[NR] = $1 } END {
		printf "# median of boots 2-%d (no input device): X ready %.2f s",
			NR + 1, a[int((NR + 1) / 2)] }'
	sort -n -k2,2 "$T/times" | awk '{ a[NR] = $2 } END {
		printf ", session ready %.2f s after exec\n", a[int((NR + 1) / 2)] }'
fi

# A session that does not exist: the init says FAILED and powers off.
boot badsession vkernel.session=nope
i=0
while [ ! -s "$T/rc" ] && [ $i -lt $(((BOOT_TIMEOUT + HALT_TIMEOUT) * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.2
out
check "bad session: FAILED marker" console_has \
	'vkernel-init: FAILED vkernel.session=nope: no /etc/vkernel/session-nope'
check "bad session: then poweroff" console_has \
	'vkernel-init: powering off (failure)'
check "bad session: UML exits 0" test "$(cat "$T/rc" 2>/dev/null)" = 0
reap

# The Xorg configuration for two event devices (and a non-device).
mkdir -p "$T/input"
mknod "$T/input/event0" c 13 64 && mknod "$T/input/event1" c 13 65 &&
	: >"$T/input/event7"
xorg_conf_has_evdev() {
	"$root_abs/usr/sbin/vkernel-init" xorg-conf "$T/input" "$T/input.conf" ||
		return 1
	cp "$T/input.conf" "$T/log"
	[ "$(grep -c '^Section "InputDevice"' "$T/input.conf")" = 2 ] &&
		[ "$(grep -c 'Driver "evdev"' "$T/input.conf")" = 2 ] &&
		grep -q "Option \"Device\" \"$T/input/event1\"" "$T/input.conf" &&
		[ "$(sed -n '/^Section "ServerLayout"/,/^EndSection/p' "$T/input.conf" |
			grep -c 'InputDevice "input[01]"')" = 2 ]
}
check "xorg.conf: one evdev InputDevice per event device, in the layout" \
	xorg_conf_has_evdev
