#!/bin/sh
# vkinput's freeze and thaw through UML's management console, with socat
# standing in for gpud's input socket: the vkernel (build/sys/linux) boots
# a busybox initramfs with vkinput.socket=, and vkinput_evdump (built
# static from tests/sys/vkinput_evdump.c) prints what /dev/input/event0
# delivers. Checks: "config vkinput" says "connected SOCKET"; a freeze
# releases the key and button held down, closes the socket (the server
# sees its end of file) and the device stays open in the guest; a thaw
# onto a socket nobody serves, or a path too long, fails with the reason
# and leaves it frozen; a thaw onto a new server brings keys back; a thaw
# while connected is refused; a server that hangs up releases held keys
# and leaves it "disconnected", and a plain thaw reconnects to the last
# socket; a freeze while the host floods the socket closes it and the guest
# runs on; the guest powers off cleanly. A vkernel booted without
# vkinput.socket= answers "none" and refuses a freeze.
# Usage: test_vkinput_freeze.sh BUILD_DIR (unused; the kernel from
# SYS_BUILD, default build/sys). Needs socat and cc. Prints "ok - NAME" /
# "not ok - NAME".
set -u
# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/lib/uml.sh"
NOK_LINES=40
SYS=${SYS_BUILD:-build/sys}
L=$SYS/linux
T=$(mktemp -d)
BOOT_TIMEOUT=60 # seconds to the guest's marker (a busy 2-core machine)
WAIT=15         # seconds for anything else to show up
A=$T/run/a.sock
B=$T/run/b.sock
F=$T/run/flood.sock
pid=  # the UML process; a session leader, so -$pid is its group
pgid= # the group of the wrapper shell that waits for it
apid='' bpid='' fpid=''

cleanup() {
	reap
	exec 3>&- 6>&- 7>&- 2>/dev/null
	for p in $apid $bpid $fpid; do kill "$p" 2>/dev/null; done
	for p in $apid $bpid $fpid; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM


[ -x "$L" ] || {
	nok "$L is built (make vkernel-linux)"
	exit 1
}
for tool in socat cc cpio; do
	command -v $tool >/dev/null || {
		nok "$tool is installed (install-deps.sh)"
		exit 1
	}
done

# ---- The initramfs: busybox, the event dumper, an init that dumps
# events and answers the host's lines on the console.
mkdir -p "$T/root/bin" "$T/run"
chmod 700 "$T/run"
if ! cc -static -O2 -o "$T/root/bin/evdump" tests/sys/vkinput_evdump.c \
	2>"$T/cc.log" ||
	! cc -O2 -o "$T/mconsole" tests/sys/mconsole.c 2>>"$T/cc.log"; then
	nok "vkinput_evdump and mconsole build" "$T/cc.log"
	exit 1
fi
cat >"$T/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
evdump /dev/input/event0 &
dump=$!
read -r line
kill -0 $dump && echo "EVDUMP-ALIVE"
echo "CHECK-DONE"
read -r line
poweroff -f
INIT
busybox_initrd

# ---- Booting: console in through a fifo, out through a pipe
# (uml_boot in tests/sys/lib/uml.sh). The servers' feeds (fds 6, 7) are
# not passed on.
boot() { # N [SOCKET]: the Nth boot, with vkinput.socket=SOCKET if given
	uml_boot "$L" mem=64M initrd="$T/initrd.cpio" con=null con0=fd:0,fd:1 \
		uml_dir="$T/uml" umid="vkinfreeze$1" seccomp=on \
		${2:+"vkinput.socket=$2"}
	M=$T/uml/vkinfreeze$1/mconsole
}
shows() { # PATTERN: the console has a line matching it
	out
	grep -qE "$1" "$T/out"
}
halt() { # NAME: let the guest power off, check that it did
	echo check >&3
	echo halt >&3
	wait_until $WAIT test -s "$T/rc"
	exec 3>&-
	out
	check "$1: guest powers off cleanly" "$T/out" \
		test "$(cat "$T/rc" 2>/dev/null)" = 0
	reap
}

# COMMAND...: one management console request; its reply in $T/mc.out.
mc() { "$T/mconsole" "$M" "$@" >"$T/mc.out" 2>&1; }
# STATE: "config vkinput" answers exactly that.
state_is() { mc config vkinput && [ "$(cat "$T/mc.out")" = "$1" ]; }
# PATTERN COMMAND...: the request fails and its reply matches PATTERN.
mc_fails() {
	pat=$1
	shift
	! mc "$@" && grep -qE "$pat" "$T/mc.out"
}

# ---- Input servers: socat between the socket and a fifo the test
# writes records into (fd 6 for $A, fd 7 for $B); socat exits once the
# vkernel closes its end.
serve() { # NAME PATH: starts socat; the caller opens $T/NAME.feed
	rm -f "$T/$1.feed"
	mkfifo "$T/$1.feed"
	socat -d -d UNIX-LISTEN:"$2" STDIO <"$T/$1.feed" >/dev/null \
		2>"$T/$1.log" &
}
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
# FD CODE VALUE: a key record and SYN_REPORT to the server on FD.
key() {
	# shellcheck disable=SC2059 # the format is the bytes
	printf "$(le 1 2)$(le "$2" 2)$(le "$3" 4)$(le 0 8)" >&"$1"
}
# The guest's events as "type code value" lines.
events() {
	out
	sed -n 's/^EV //p' "$T/out"
}
mark() { seen=$(events | wc -l); }
new_events() { events | tail -n +$((seen + 1)) | tr '\n' ' '; }
got() { [ "$(new_events)" = "$1" ]; } # EVENTS: exactly these since mark
gone() { ! kill -0 "$1" 2>/dev/null; }
stop() { # PID: ends a server if it is still there, and reaps it
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

serve a "$A"
apid=$!
exec 6>"$T/a.feed"
if ! wait_until $WAIT test -S "$A"; then
	nok "socat listens on $A" "$T/a.log"
	exit 1
fi
boot 1 "$A"
if [ -z "$pid" ] || ! wait_until $BOOT_TIMEOUT shows '^EVDUMP-READY '; then
	nok "guest boots and opens /dev/input/event0" "$T/out"
	exit 1
fi
ok "guest boots and opens /dev/input/event0"
check "config vkinput: connected $A" "$T/mc.out" state_is "connected $A"

# ---- Freeze with KEY_A and BTN_LEFT held down.
mark
key 6 30 1
key 6 272 1
check "keys reach the guest" "$T/out" \
	wait_until $WAIT got "1 30 1 0 0 0 1 272 1 0 0 0 "
mark
check "freeze succeeds" "$T/mc.out" mc config vkinput=freeze
check "config vkinput: frozen" "$T/mc.out" state_is frozen
check "freeze releases KEY_A and BTN_LEFT" "$T/out" \
	wait_until $WAIT got "1 30 0 1 272 0 0 0 0 "
check "freeze closes the socket: the server sees end of file" "$T/a.log" \
	wait_until $WAIT gone "$apid"
check "the server saw end of file, not an error" "$T/a.log" \
	grep -q 'socket 1 (fd [0-9]*) is at EOF' "$T/a.log"
exec 6>&-
stop "$apid"
apid=
check "the driver logs the freeze" "$T/out" \
	shows '^vkinput: frozen: input socket closed$'
check "a second freeze succeeds" "$T/mc.out" mc config vkinput=freeze
check "config vkinput: still frozen" "$T/mc.out" state_is frozen

# ---- Thaws that cannot work leave it frozen, and say why.
check "thaw onto a socket nobody serves fails with the reason" "$T/mc.out" \
	mc_fails "^cannot connect to $A \(-ENOENT\): still frozen$" \
	config vkinput=thaw
check "config vkinput: frozen after the failed thaw" "$T/mc.out" \
	state_is frozen
long=$T/run/$(printf '%0120d' 0)
check "thaw onto a path too long for a socket fails" "$T/mc.out" \
	mc_fails '^socket path longer than 107 bytes$' config vkinput=thaw:"$long"
check "config vkinput=bogus gives the usage" "$T/mc.out" \
	mc_fails '^usage: config vkinput' config vkinput=bogus
check "config vkinput: still frozen after bad requests" "$T/mc.out" \
	state_is frozen

# ---- Thaw onto a new server.
serve b "$B"
bpid=$!
exec 7>"$T/b.feed"
wait_until $WAIT test -S "$B"
check "thaw onto a new socket succeeds" "$T/mc.out" \
	mc config vkinput=thaw:"$B"
check "config vkinput: connected $B" "$T/mc.out" state_is "connected $B"
check "the driver logs the thaw" "$T/out" \
	shows "^vkinput: thawed: reading input from $B\$"
mark
key 7 48 1
key 7 48 0
check "keys from the new server reach the guest (KEY_B)" "$T/out" \
	wait_until $WAIT got "1 48 1 0 0 0 1 48 0 0 0 0 "
check "thaw while connected is refused" "$T/mc.out" \
	mc_fails "^not frozen: connected to $B\$" config vkinput=thaw:"$A"
check "config vkinput: still connected $B" "$T/mc.out" \
	state_is "connected $B"

# ---- The server hangs up with KEY_C down; a plain thaw reconnects.
mark
key 7 46 1
wait_until $WAIT got "1 46 1 0 0 0 "
exec 7>&-
check "the guest logs the hang-up" "$T/out" \
	wait_until $WAIT shows '^vkinput: gpud closed the input socket'
check "the hang-up releases KEY_C" "$T/out" \
	wait_until $WAIT got "1 46 1 0 0 0 1 46 0 0 0 0 "
check "config vkinput: disconnected" "$T/mc.out" state_is disconnected
wait_until $WAIT gone "$bpid"
stop "$bpid"
bpid=
check "thaw while disconnected and nobody serves fails" "$T/mc.out" \
	mc_fails "^cannot connect to $B \(-ENOENT\): still disconnected$" \
	config vkinput=thaw
check "config vkinput: still disconnected" "$T/mc.out" state_is disconnected
serve b "$B"
bpid=$!
exec 7>"$T/b.feed"
wait_until $WAIT test -S "$B"
check "thaw after the hang-up reconnects to the last socket" "$T/mc.out" \
	mc config vkinput=thaw
check "config vkinput: connected $B again" "$T/mc.out" \
	state_is "connected $B"
mark
key 7 32 1
key 7 32 0
check "keys arrive after the reconnect (KEY_D)" "$T/out" \
	wait_until $WAIT got "1 32 1 0 0 0 1 32 0 0 0 0 "
check "freeze before the flood" "$T/mc.out" mc config vkinput=freeze
check "the reconnected server sees end of file" "$T/b.log" \
	wait_until $WAIT gone "$bpid"
exec 7>&-
stop "$bpid"
bpid=

# ---- A host that floods the socket (zero records: SYN_REPORT with
# nothing before it, which reaches no reader) while the freeze comes.
socat -u OPEN:/dev/zero UNIX-LISTEN:"$F" 2>"$T/flood.log" &
fpid=$!
wait_until $WAIT test -S "$F"
check "thaw onto the flooding server" "$T/mc.out" mc config vkinput=thaw:"$F"
written() { # BYTES: the flood has written more than that many
	[ "$(sed -n 's/^wchar: //p' "/proc/$fpid/io" 2>/dev/null)" -gt "$1" ] \
		2>/dev/null
}
check "the guest reads the flood (16 MiB)" "$T/flood.log" \
	wait_until $WAIT written 16777216
check "freeze during the flood succeeds" "$T/mc.out" \
	mc config vkinput=freeze
check "config vkinput: frozen during the flood" "$T/mc.out" state_is frozen
check "the flooding server's socket is closed" "$T/flood.log" \
	wait_until $WAIT gone "$fpid"
stop "$fpid"
fpid=

echo check >&3
check "the guest runs on" "$T/out" wait_until $WAIT shows '^CHECK-DONE$'
check "the event reader is still there" "$T/out" grep -qx EVDUMP-ALIVE "$T/out"
# UML's own boot warning ("No virtio device ID configured") aside.
check "no kernel warning or oops" "$T/out" sh -c \
	"! grep -E 'BUG:|Oops|WARNING:|Kernel panic' '$T/out' |
	 grep -v 'WARNING: arch/um/drivers/virtio_pcidev.c'"
echo halt >&3
wait_until $WAIT test -s "$T/rc"
exec 3>&-
out
check "guest powers off cleanly" "$T/out" \
	test "$(cat "$T/rc" 2>/dev/null)" = 0
reap

# ---- No vkinput.socket=: nothing to freeze.
boot 2
if [ -z "$pid" ] || ! wait_until $BOOT_TIMEOUT shows 'vkinput_evdump: '; then
	nok "no vkinput.socket: guest boots" "$T/out"
	exit 1
fi
check "no vkinput.socket: config vkinput says none" "$T/mc.out" \
	state_is none
check "no vkinput.socket: freeze is refused" "$T/mc.out" \
	mc_fails '^no vkinput device' config vkinput=freeze
halt "no vkinput.socket"
