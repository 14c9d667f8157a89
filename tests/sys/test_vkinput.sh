#!/bin/sh
# vkinput end to end: a real gpud (--vnc, --input-socket) with a 1024x768
# mode set, the vkernel (build/sys/linux) booted from a busybox initramfs
# with vkinput.socket=, and a real VNC viewer (xtightvncviewer under Xvfb,
# driven by xdotool). In the guest, vkinput_evdump (built static from
# tests/sys/vkinput_evdump.c) prints what /dev/input/event0 delivers.
# Checks: the device and its capabilities; "Hi5" typed in the viewer
# arrives as KEY_H with Shift held, KEY_I, KEY_5; a click arrives as
# BTN_LEFT at ABS_X/ABS_Y = x*32767/(w-1), y*32767/(h-1); a vkernel that
# vanishes leaves gpud serving and the next vkernel gets input; gpud going
# away leaves the guest running, its device in place, and it powers off
# cleanly. Then a hostile host (socat) sends nonsense records and a split
# one: only the valid ones reach the guest; and a socket nobody serves, or
# none at all, gives no device and a normal boot.
# Usage: test_vkinput.sh BUILD_DIR (gpud and gpustate from there; the
# kernel from SYS_BUILD, default build/sys). Needs xvfb, xdotool and
# xtightvncviewer (install-deps.sh). Prints "ok - NAME" / "not ok - NAME".
set -u
# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/lib/uml.sh"
B=$1
SYS=${SYS_BUILD:-build/sys}
L=$SYS/linux
T=$(mktemp -d)
BOOT_TIMEOUT=60 # seconds to the guest's marker (a busy 2-core machine)
WAIT=15         # seconds for anything else to show up
S=$T/run/gpu.sock
I=$T/run/input.sock
# The pointer target in framebuffer pixels and what it must scale to on
# the 1024x768 mode of tests/data/bochs-modeset.gs.
PX=100
PY=60
WANT_ABS="$((PX * 32767 / 1023)) $((PY * 32767 / 767))"
pid=  # the UML process; a session leader, so -$pid is its group
pgid= # the group of the wrapper shell that waits for it
gpid='' xpid='' vpid='' spid=''

cleanup() {
	reap
	exec 3>&- 2>/dev/null
	exec 6>&- 2>/dev/null
	for p in $vpid $xpid $gpid $spid; do kill "$p" 2>/dev/null; done
	for p in $vpid $xpid $gpid $spid; do wait "$p" 2>/dev/null; done
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
for tool in Xvfb xtightvncviewer xdotool xwininfo gvnccapture cc; do
	command -v $tool >/dev/null || {
		nok "$tool is installed (install-deps.sh)"
		exit 1
	}
done

# ---- The initramfs: busybox, the event dumper, an init that shows the
# device, dumps events, and answers the host's lines on the console.
mkdir -p "$T/root/bin"
if ! cc -static -O2 -o "$T/root/bin/evdump" tests/sys/vkinput_evdump.c \
	2>"$T/cc.log"; then
	nok "vkinput_evdump builds static" "$T/cc.log"
	exit 1
fi
cat >"$T/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
device() { sed -n '/Name="vkernel input"/,/^$/p' /proc/bus/input/devices; }
device | sed 's/^/DEV /'
evdump /dev/input/event0 &
dump=$!
read -r line
echo "GUEST-ALIVE $line"
kill -0 $dump && echo "EVDUMP-ALIVE"
device | grep -q . && echo "DEVICE-KEPT"
echo "CHECK-DONE"
read -r line
poweroff -f
INIT
busybox_initrd

# ---- gpud, with the mode the pointer scaling is checked against.
mkdir -p "$T/run"
chmod 700 "$T/run"
"$B/gpud" --device sim --socket "$S" --vnc 0 --input-socket "$I" \
	--foreground 2>"$T/gpud.log" &
gpid=$!
if ! wait_until $WAIT grep -q "display over VNC" "$T/gpud.log"; then
	nok "gpud starts with --input-socket" "$T/gpud.log"
	exit 1
fi
ok "gpud starts with --input-socket"
port=$(sed -n 's/.*display over VNC on .* port \([0-9]*\)$/\1/p' "$T/gpud.log")
"$B/gpustate" replay --device unix:"$S" tests/data/bochs-modeset.gs \
	>"$T/replay.log" 2>&1 || nok "modeset replayed" "$T/replay.log"

# The PNG's width x height (IHDR at byte 16).
png_size() {
	od -An -v -tu1 -j16 -N8 "$1" 2>/dev/null |
		awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }'
}
vnc_is_1024x768() {
	gvnccapture -q "127.0.0.1:$((port - 5900))" "$T/cap.png" >/dev/null 2>&1 &&
		[ "$(png_size "$T/cap.png")" = 1024x768 ]
}
check "VNC shows the 1024x768 mode" "$T/gpud.log" wait_until $WAIT vnc_is_1024x768

# ---- Booting: console in through a fifo, out through a pipe
# (uml_boot in tests/sys/lib/uml.sh). The hostile host's feed (fd 6) is
# not passed on: its end of file must reach socat.
boot() { # N [SOCKET]: the Nth boot, with vkinput.socket=SOCKET if given
	uml_boot "$L" mem=64M initrd="$T/initrd.cpio" con=null con0=fd:0,fd:1 \
		uml_dir="$T/uml" umid="vkinput$1" seccomp=on \
		${2:+"vkinput.socket=$2"}
}
shows() { # PATTERN: the console has a line matching it
	out
	grep -qE "$1" "$T/out"
}
count_in_log() { grep -c "$1" "$T/gpud.log"; }

boot 1 "$I"
if [ -z "$pid" ] || ! wait_until $BOOT_TIMEOUT shows '^EVDUMP-READY '; then
	nok "guest boots and opens /dev/input/event0" "$T/out"
	exit 1
fi
ok "guest boots and opens /dev/input/event0"
check "driver reports its socket" "$T/out" \
	grep -qx "vkinput: reading input from $I" "$T/out"
check "gpud accepted the vkernel" "$T/gpud.log" \
	test "$(count_in_log 'input client connected')" -eq 1
check "device is named vkernel input, on event0" "$T/out" sh -c \
	"grep -qx 'DEV N: Name=\"vkernel input\"' '$T/out' &&
	 grep -qE '^DEV H: Handlers=.*event0' '$T/out'"
check "device has EV_SYN, EV_KEY, EV_REL, EV_ABS" "$T/out" \
	grep -qx "DEV B: EV=f" "$T/out"
check "device has ABS_X, ABS_Y and REL_WHEEL only" "$T/out" sh -c \
	"grep -qx 'DEV B: ABS=3' '$T/out' && grep -qx 'DEV B: REL=100' '$T/out'"
check "ABS_X and ABS_Y range over 0..32767" "$T/out" sh -c \
	"grep -qx 'EVDUMP-ABS 0 0 32767' '$T/out' &&
	 grep -qx 'EVDUMP-ABS 1 0 32767' '$T/out'"

# ---- The viewer.
Xvfb -displayfd 5 -screen 0 1280x1024x24 -nolisten tcp 5>"$T/display" \
	2>"$T/xvfb.log" &
xpid=$!
if ! wait_until $WAIT test -s "$T/display"; then
	nok "Xvfb starts" "$T/xvfb.log"
	exit 1
fi
DISPLAY=":$(cat "$T/display")"
export DISPLAY
xtightvncviewer "127.0.0.1::$port" >"$T/viewer.log" 2>&1 &
vpid=$!
wid=$(timeout $WAIT xdotool search --sync --name 'TightVNC: gpud' 2>/dev/null | head -n 1)
# The deepest window of the framebuffer's size: the viewer's desktop.
desk=$(xwininfo -tree -id "${wid:-0}" 2>/dev/null |
	awk '/ 1024x768\+0\+0 / { w = $1 } END { print w }')
if [ -z "$wid" ] || [ -z "$desk" ]; then
	nok "viewer shows the 1024x768 desktop" "$T/viewer.log"
	exit 1
fi
ok "viewer shows the 1024x768 desktop"

# The guest's events as "type code value" lines.
events() {
	out
	sed -n 's/^EV //p' "$T/out"
}
# Key presses other than Shift, each with whether a Shift was down, and
# a final "unreleased" when some key is still down.
key_presses() {
	events | awk '$1 == 1 && $2 < 256 {
		if ($2 == 42 || $2 == 54) { shift[$2] = $3; next }
		down[$2] = $3
		if ($3 == 1) printf "%d:%d ", $2, (shift[42] || shift[54])
	} END { for (k in down) if (down[k]) printf "unreleased"; print "" }'
}
# "x y" of every BTN_LEFT press, from the ABS values reported before it.
clicks() {
	events | awk '$1 == 3 && $2 == 0 { x = $3 } $1 == 3 && $2 == 1 { y = $3 }
		$1 == 1 && $2 == 272 && $3 == 1 { print x, y }'
}
left_released() { events | grep -qx "1 272 0"; }

xdotool windowfocus --sync "$wid" type --delay 40 'Hi5' 2>"$T/xdotool.log"
# KEY_H 35 with Shift, KEY_I 23, KEY_5 6, all released.
want="35:1 23:0 6:0 "
typed() { [ "$(key_presses)" = "$want" ]; }
if wait_until $WAIT typed; then ok "typed Hi5 arrives as Shift+KEY_H, KEY_I, KEY_5"; else
	nok "typed Hi5 arrives as Shift+KEY_H, KEY_I, KEY_5 (got '$(key_presses)')" "$T/out"
fi
check "each key event is followed by SYN_REPORT" "$T/out" sh -c \
	"sed -n 's/^EV //p' '$T/out' |
		awk 'key && \$0 != \"0 0 0\" { bad = 1; exit }
		{ key = \$1 == 1 } END { exit bad || key }'"

xdotool mousemove --window "$desk" $PX $PY click 1 2>>"$T/xdotool.log"
clicked() { [ "$(clicks)" = "$WANT_ABS" ] && left_released; }
if wait_until $WAIT clicked; then
	ok "click at $PX,$PY arrives as BTN_LEFT at ABS $WANT_ABS"
else
	nok "click at $PX,$PY arrives as BTN_LEFT at ABS $WANT_ABS (got '$(clicks)')" "$T/out"
fi

# ---- The vkernel vanishes: gpud keeps serving, the next one gets input.
reap
exec 3>&-
check "gpud saw the vkernel go" "$T/gpud.log" \
	wait_until $WAIT grep -q "input client disconnected" "$T/gpud.log"
check "gpud still runs" "$T/gpud.log" kill -0 $gpid
served() { "$B/gpustate" show --server "$S" >/dev/null 2>&1; }
check "gpud still serves vfio-user" "$T/gpud.log" served

boot 2 "$I"
if [ -z "$pid" ] || ! wait_until $BOOT_TIMEOUT shows '^EVDUMP-READY '; then
	nok "second guest boots" "$T/out"
	exit 1
fi
check "gpud accepted the second vkernel" "$T/gpud.log" \
	test "$(count_in_log 'input client connected')" -eq 2
xdotool windowfocus --sync "$wid" type 'x' 2>>"$T/xdotool.log"
check "second guest gets keys (KEY_X)" "$T/out" \
	wait_until $WAIT sh -c "tr -d '\r' <'$T/raw' | grep -qx 'EV 1 45 0'"

# ---- gpud goes away: the guest logs it once and carries on.
kill $gpid
wait $gpid 2>/dev/null
gpid=
check "guest logs that gpud closed the input socket" "$T/out" \
	wait_until $WAIT shows '^vkinput: gpud closed the input socket'
echo check >&3
if wait_until $WAIT shows '^CHECK-DONE$' && grep -qx 'GUEST-ALIVE check' "$T/out"; then
	ok "guest runs on after gpud closed the socket"
else
	nok "guest runs on after gpud closed the socket" "$T/out"
fi
check "the event reader is still there" "$T/out" grep -qx EVDUMP-ALIVE "$T/out"
check "the input device is kept" "$T/out" grep -qx DEVICE-KEPT "$T/out"
check "the hang-up was logged once" "$T/out" \
	test "$(grep -c 'gpud closed the input socket' "$T/out")" -eq 1
check "no kernel warning or oops" "$T/out" sh -c \
	"! grep -E 'BUG:|Oops|WARNING:.*vkinput|Kernel panic' '$T/out'"
echo halt >&3
# The console stays open until UML is gone: its end of file would hang up
# the guest's terminal under the shell.
wait_until $WAIT test -s "$T/rc"
exec 3>&-
out
check "guest powers off cleanly" "$T/out" test "$(cat "$T/rc" 2>/dev/null)" = 0
reap

# ---- A host that sends nonsense: only records that fit the device get
# through, a record split across writes is put together, and end of file
# is handled as from gpud. socat stands in for gpud.
F=$T/run/hostile.sock
mkfifo "$T/feed"
socat -u STDIN UNIX-LISTEN:"$F" <"$T/feed" 2>"$T/socat.log" &
spid=$!
exec 6>"$T/feed"
wait_until $WAIT test -S "$F"
# VALUE BYTES: VALUE's little-endian bytes as printf escapes.
le() {
	v=$1 n=$2 o=
	while [ "$n" -gt 0 ]; do
		o="$o\\$(printf %03o $((v & 255)))"
		v=$((v >> 8))
		n=$((n - 1))
	done
	printf '%s' "$o"
}
feed() { # ESCAPES: those bytes to the host's socket
	# shellcheck disable=SC2059 # the format is the bytes
	printf "$1" >&6
}
rec() { feed "$(le "$1" 2)$(le "$2" 2)$(le "$3" 4)"; } # TYPE CODE VALUE
boot 3 "$F"
if [ -z "$pid" ] || ! wait_until $BOOT_TIMEOUT shows '^EVDUMP-READY '; then
	nok "guest boots on a hostile host" "$T/out"
	exit 1
fi
rec 1 30 1      # KEY_A down: good
rec 1 58 1      # KEY_CAPSLOCK: not declared
rec 1 767 1     # past KEY_MAX
rec 1 30 2      # autorepeat: not a value gpud sends
rec 3 0 40000   # ABS_X over 32767
rec 3 0 -1      # ABS_X under 0
rec 3 2 5       # ABS_Z: not declared
rec 2 8 5       # REL_WHEEL by 5
rec 2 0 1       # REL_X: not declared
rec 21 0 1      # EV_FF
rec 65535 65535 -1
rec 0 1 0       # SYN_CONFIG
rec 0 0 0       # SYN_REPORT: good
# KEY_A up, three bytes now and five later: one record.
feed "$(le 1 2)$(le 30 1)"
sleep 0.2 # so that they arrive apart
feed "$(le 0 1)$(le 0 4)"
rec 0 0 0
rec 3 1 32767   # ABS_Y at the edge: good
rec 0 0 0
exec 6>&-
check "hostile host: only the good records arrive, in order" "$T/out" \
	wait_until $WAIT sh -c "tr -d '\r' <'$T/raw' | sed -n 's/^EV //p' |
		tr '\n' ' ' | grep -qx '1 30 1 0 0 0 1 30 0 0 0 0 3 1 32767 0 0 0 '"
check "hostile host: bad records are logged" "$T/out" \
	shows "^vkinput: dropped a bad record"
check "hostile host: its end of file is logged" "$T/out" \
	wait_until $WAIT shows '^vkinput: gpud closed the input socket'
echo check >&3
check "hostile host: guest runs on" "$T/out" wait_until $WAIT shows '^CHECK-DONE$'
echo halt >&3
wait_until $WAIT test -s "$T/rc"
exec 3>&-
out
check "hostile host: guest powers off cleanly" "$T/out" \
	test "$(cat "$T/rc" 2>/dev/null)" = 0
reap
wait $spid 2>/dev/null
spid=

# ---- No socket to connect to, and no parameter at all: no device, and
# the guest boots as usual; only the first says why.
nboot=4
for sock in "$T/run/absent.sock" ""; do
	what=${sock:+"a socket nobody serves"}
	what=${what:-"no vkinput.socket"}
	boot $nboot "$sock"
	nboot=$((nboot + 1))
	if [ -z "$pid" ] || ! wait_until $BOOT_TIMEOUT shows 'vkinput_evdump: '; then
		nok "$what: guest boots" "$T/out"
		reap
		continue
	fi
	ok "$what: guest boots"
	check "$what: no input device" "$T/out" sh -c "! grep -q '^DEV ' '$T/out'"
	if [ -n "$sock" ]; then
		check "$what: the driver says it cannot connect" "$T/out" \
			grep -qx "vkinput: cannot connect to $sock (-2)" "$T/out"
	else
		check "$what: the driver says nothing" "$T/out" \
			sh -c "! grep -q '^vkinput: ' '$T/out'"
	fi
	# The init reads a line, reports, then reads the one that halts.
	echo check >&3
	echo halt >&3
	wait_until $WAIT test -s "$T/rc"
	exec 3>&-
	out
	check "$what: guest powers off cleanly" "$T/out" \
		test "$(cat "$T/rc" 2>/dev/null)" = 0
	reap
done

# gpud exited on SIGTERM above: a sanitizer build has reported by now.
check "no sanitizer reports from gpud" "$T/gpud.log" \
	sh -c "! grep -q 'Sanitizer\|runtime error' '$T/gpud.log'"
