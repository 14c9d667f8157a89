#!/bin/sh
# gpud end to end: the socket's permissions and directory checks, stale
# and busy sockets, clean shutdown, and gpustate on a live server (replay,
# screenshot, dump, show, reset; restore onto a freshly started gpud,
# compared bit for bit; bad files refused before anything is sent).
# Usage: test_gpud.sh BUILD_DIR. Prints "ok - NAME" / "not ok - NAME".
set -u
B=$1
G=$B/gpustate
D=$B/gpud
T=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; }
check() { # NAME COMMAND...: passes when the command succeeds
	name=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$name"; else
		nok "$name"
		cat "$T/out"
	fi
}
expect() { # NAME EXIT PATTERN COMMAND...
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" "$T/out"; then
		ok "$name"
	else
		nok "$name (exit $rc, wanted $want and /$pat/)"
		cat "$T/out"
	fi
}

# start_gpud SOCK LOG [ARGS...]: gpud in the foreground; waits until it
# says it serves (the socket then listens).
start_gpud() {
	sock=$1 log=$2
	shift 2
	$D --device sim --socket "$sock" --foreground "$@" 2>"$log" &
	GPID=$!
	PIDS="$PIDS $GPID"
	i=0
	while ! grep -qs "gpud: serving" "$log" && [ $i -lt 200 ]; do
		kill -0 $GPID 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	grep -qs "gpud: serving" "$log" && [ -S "$sock" ]
}

stop_gpud() { # PID: SIGTERM and wait
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

expect "gpud --help" 0 "usage: gpud --device" $D --help
expect "gpud needs a socket" 2 "usage: gpud" $D --device sim
expect "gpud rejects a bad VNC port" 2 "0..65535" \
	$D --device sim --socket "$T/x/s" --vnc 70000
for c in reset dump restore show screenshot replay; do
	expect "$c --help names --server" 0 "--server SOCK" $G $c --help
done
expect "reset needs --server" 2 "usage: gpustate reset" $G reset

# The socket: 0600 in a 0700 directory gpud creates.
S=$T/run/gpu.sock
if start_gpud "$S" "$T/log1"; then ok "gpud starts"; else nok "gpud starts"; cat "$T/log1"; fi
P1=$GPID
check "socket is mode 0600" test "$(stat -c %a "$S")" = 600
check "socket directory is created 0700" test "$(stat -c %a "$T/run")" = 700
expect "second gpud on a busy socket is refused" 1 "another server is listening" \
	$D --device sim --socket "$S" --foreground
check "first gpud still serves" $G show --server "$S"

# gpustate on the live server.
check "replay the bochs modeset through vfio-user" \
	$G replay --device unix:"$S" tests/data/bochs-modeset.gs
expect "screenshot --server" 0 "1024x768" $G screenshot --server "$S" -o "$T/a.png"
check "dump --server" $G dump --server "$S" -o "$T/a.gs"
expect "the dump is a valid snapshot" 0 "valid snapshot of stdvga" $G verify "$T/a.gs"
expect "show --server decodes the live mode" 0 "VBE 1024x768 32 bpp" \
	$G show --server "$S"
$G screenshot "$T/a.gs" -o "$T/a-file.png" >/dev/null 2>&1
check "screenshot of the dump equals the live one" cmp "$T/a.png" "$T/a-file.png"
stop_gpud $P1
check "SIGTERM removes the socket" test ! -e "$S"
check "gpud logged the connections" grep -q "client connected" "$T/log1"

# A power-cycled device: a fresh gpud, the dump restored onto it.
start_gpud "$S" "$T/log2" || nok "fresh gpud starts"
P2=$GPID
expect "fresh device shows no VBE mode" 0 "display: " $G show --server "$S"
check "fresh device is not the saved one" sh -c "! grep -q 'VBE 1024x768' '$T/out'"
check "restore --server" $G restore --server "$S" "$T/a.gs" -o "$T/b.gs"
check "registers and VRAM come back bit-exact" $G diff "$T/a.gs" "$T/b.gs"
check "diff prints nothing" test ! -s "$T/out"
$G screenshot --server "$S" -o "$T/b.png" >/dev/null 2>&1
check "screenshot comes back bit-exact" cmp "$T/a.png" "$T/b.png"

# Bad files are refused by gpustate before anything is sent.
n=$(grep -c "client connected" "$T/log2")
size=$(stat -c %s "$T/a.gs")
cp "$T/a.gs" "$T/flip.gs"
printf '\377' | dd of="$T/flip.gs" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
expect "restore --server refuses a corrupt file" 1 "flip.gs: " \
	$G restore --server "$S" "$T/flip.gs"
check "nothing was sent for the corrupt file" \
	test "$(grep -c 'client connected' "$T/log2")" -eq "$n"
$G dump -d sim:vram=8 -o "$T/small.gs" >/dev/null 2>&1
expect "restore --server refuses another device's snapshot" 1 "vram_size" \
	$G restore --server "$S" "$T/small.gs"
$G dump --server "$S" -o "$T/c.gs" >/dev/null 2>&1
check "refused restores left the device as it was" $G diff "$T/a.gs" "$T/c.gs"
check "reset --server" $G reset --server "$S"
expect "after reset the VBE mode is gone" 0 "display: " $G show --server "$S"
check "reset cleared the mode" sh -c "! grep -q 'VBE 1024x768' '$T/out'"
kill -INT $P2
wait $P2 2>/dev/null
check "SIGINT removes the socket" test ! -e "$S"

# Stale and foreign files at the socket path.
start_gpud "$S" "$T/log3" || nok "gpud starts again"
kill -KILL $GPID
wait $GPID 2>/dev/null
check "a killed gpud leaves its socket" test -S "$S"
if start_gpud "$S" "$T/log4"; then ok "a stale socket is replaced"; else nok "a stale socket is replaced"; fi
check "the stale socket was reported" grep -q "removed stale socket" "$T/log4"
stop_gpud $GPID
: >"$S"
expect "a file at the socket path is refused" 1 "is not a socket" \
	$D --device sim --socket "$S" --foreground
check "the file is left alone" test -f "$S"
rm -f "$S"

# Directories others may write to are refused.
mkdir -p "$T/open"
chmod 1777 "$T/open"
expect "a world-writable directory is refused" 1 "not be writable by others" \
	$D --device sim --socket "$T/open/gpu.sock" --foreground
chmod 0770 "$T/open"
expect "a group-writable directory is refused" 1 "not be writable by others" \
	$D --device sim --socket "$T/open/gpu.sock" --foreground
ln -s "$T/run" "$T/link"
expect "a symlinked directory is refused" 1 "not a directory" \
	$D --device sim --socket "$T/link/gpu.sock" --foreground
expect "a bad device is refused" 1 "unknown device" \
	$D --device frob --socket "$T/run/gpu.sock" --foreground
check "no socket left by failed starts" test ! -e "$T/run/gpu.sock"

# Without --foreground gpud prints its pid once the socket is ready.
BG=$($D --device sim --socket "$T/run/bg.sock" 2>"$T/log5")
PIDS="$PIDS $BG"
check "background gpud is ready when it returns" test -S "$T/run/bg.sock"
check "background gpud serves" $G show --server "$T/run/bg.sock"
kill "$BG"
i=0
while [ -e "$T/run/bg.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "background gpud removes its socket on SIGTERM" test ! -e "$T/run/bg.sock"

# The sanitizer build's gpud reports nothing in any of the logs.
check "no sanitizer reports from gpud" \
	sh -c "! grep -l 'Sanitizer\|runtime error' '$T'/log*"
