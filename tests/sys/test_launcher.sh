#!/bin/sh
# The vkernel launcher (BUILD_DIR/vkernel, sys/vkernel*.c): --help names
# every option; each bad option, missing kernel or root, bad -G, busy run
# dir and failed gpud start ends with its exit code and a clear message and
# leaves nothing running; real boots of a tiny busybox root (not the
# desktop root: these tests are about the launcher) start gpud, relay the
# guest's markers, power off cleanly on SIGTERM (init's SIGINT trap, or
# sysrq when init ignores it), and give exit 3 for a killed kernel, 4 for a
# dead gpud. Everything a test starts names the test's temporary directory
# on its command line, so a pgrep for it finds whatever was left.
# Usage: test_launcher.sh BUILD_DIR (build or build/san). SYS_BUILD
# (default build/sys) names the kernel build. Prints "ok - NAME" /
# "not ok - NAME".
set -u
B=${1:-build}
SYS=${SYS_BUILD:-build/sys}
V=$B/vkernel
L=$SYS/linux
T=$(mktemp -d)
BOOT_TIMEOUT=60 # seconds to the guest's "session ready" (busy CI machine)
STOP_TIMEOUT=30 # seconds from the signal to the launcher's exit
lpid=           # the launcher of the current boot

left() { pgrep -f "$T"; }

cleanup() {
	[ -n "$lpid" ] && kill -KILL "$lpid" 2>/dev/null
	for p in $(left); do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - $1"; }
nok() {
	echo "not ok - $1"
	for f in "$T/err" "$T/why" ${2:+"$2"}; do
		[ -s "$f" ] && sed 's/^/# /' "$f"
	done
	return 0
}
# NAME COMMAND...: passes when the command succeeds.
check() {
	name=$1
	shift
	: >"$T/why"
	if "$@"; then ok "$name"; else nok "$name"; fi
}
why() { echo "$*" >>"$T/why"; }

if [ ! -x "$V" ]; then
	nok "launcher is built ($V missing: make)"
	exit 1
fi

# ---- --help ----

"$V" --help >"$T/help" 2>"$T/err"
check "--help exits 0 and writes to stdout" test $? = 0 -a -s "$T/help"
# Every long option of the getopt table, its short form, every exit code.
help_complete() {
	long=$(sed -n 's/.*{"\([a-z-]*\)", *[a-z_]*_argument.*/--\1/p' \
		sys/vkernel_opts.c)
	[ "$(echo "$long" | wc -w)" -ge 12 ] || why "option table not found"
	for o in $long -m -G -r -k -h; do
		grep -qe "$o[ ,]" "$T/help" || why "--help lacks $o"
	done
	for c in 0 1 2 3 4; do
		grep -qE "^ +$c  " "$T/help" || why "--help lacks exit code $c"
	done
	[ ! -s "$T/why" ]
}
check "--help names every option and exit code" help_complete

# ---- Refusals: exit code, message, nothing started or left ----

mkdir -p "$T/root/bin" "$T/root/sbin" "$T/root/dev" "$T/root/proc" \
	"$T/noinit" "$T/sp ace/sbin"
cp /bin/busybox "$T/root/bin/busybox"
: >"$T/sp ace/sbin/vkernel-init"
cat >"$T/root/sbin/vkernel-init" <<'INIT'
#!/bin/busybox sh
# vktest=off: power off at once; noint: ignore Ctrl-Alt-Del (SIGINT);
# die: no trap (the shell dies of SIGINT, and the kernel panics);
# otherwise power off on it.
/bin/busybox mount -t proc proc /proc
echo "cmdline: $(/bin/busybox cat /proc/cmdline)"
echo "vkernel-init: X ready"
if [ "${vktest:-}" = off ]; then
	/bin/busybox poweroff -f
fi
case ${vktest:-} in
noint) trap '' INT ;;
die) ;;
*) trap 'echo "vkernel-init: powering off (SIGINT)"; /bin/busybox poweroff -f' INT ;;
esac
echo "vkernel-init: session ready"
while :; do
	/bin/busybox sleep 1000 &
	wait $!
done
INIT
chmod +x "$T/root/sbin/vkernel-init"
mkdir -m 777 "$T/public"

# NAME RC PATTERN ARGS...: vkernel ARGS exits RC, its stderr has PATTERN,
# and no process names $T/rd, nor does $T/rd exist.
refuses() {
	name=$1 want=$2 pat=$3
	shift 3
	"$V" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	: >"$T/why"
	[ $rc = "$want" ] || why "exit $rc, not $want"
	grep -q "^vkernel: .*$pat" "$T/err" || why "no message matching '$pat'"
	[ -z "$(pgrep -f "$T/rd")" ] || why "left: $(pgrep -af "$T/rd")"
	[ ! -e "$T/rd" ] || why "$T/rd left"
	if [ -s "$T/why" ]; then nok "$name"; else ok "$name"; fi
}
base="-k $L -r $T/root --run-dir $T/rd --vnc 0"

refuses "-m without a unit letter is refused" 1 "unit" $base -m 12Q
refuses "-m below 32M is refused" 1 "at least 32M" $base -m 16M
refuses "-m over the host's RAM is refused" 1 "RAM" $base -m 1000000M
refuses "-m in parts of a MiB is refused" 1 "whole MiB" $base -m 1536K
refuses "--vnc 65536 is refused" 1 "0..65535" --vnc 65536
refuses "--vnc x is refused" 1 "0..65535" --vnc x
refuses "--vnc-addr with a host name is refused" 1 "numeric" $base \
	--vnc-addr localhost
refuses "--name with a slash is refused" 1 "--name" $base --name a/b
refuses "an unknown option is refused" 1 "unknown option '--bogus'" --bogus
refuses "an option without its value is refused" 1 "needs a value" -m
refuses "an argument before -- is refused" 1 "after --" $base stray
refuses "an option given twice is refused" 1 "--mem given twice" $base \
	-m 64M -m 128M
refuses "--input without -G unix: is refused" 1 "--input only" $base \
	--input /x
refuses "--vnc with -G unix: is refused" 1 "do not go with" \
	-G unix:/x --vnc 1
refuses "a kernel argument with a blank is refused" 1 "blank" $base -- 'a b'
refuses "a kernel argument with an open quote is refused" 1 "unclosed" \
	$base -- 'a"b'
refuses "-G with an unknown device gives 2" 2 "unknown device" $base -G foo
refuses "-G sim:vram=0 gives 2" 2 "1..512" $base -G sim:vram=0
refuses "-G sim:vram=513 gives 2" 2 "1..512" $base -G sim:vram=513
refuses "-G sim:bogus gives 2" 2 "vram=MB" $base -G sim:bogus
refuses "-G pci: with device 20 gives 2" 2 "00-1f" $base -G pci:0000:00:20.0
refuses "-G pci: without a domain gives 2" 2 "4 hex" $base -G pci:00:02.0
refuses "-G unix: without a path gives 2" 2 "needs a path" $base -G unix:
refuses "-G unix: without a socket gives 2" 2 "does not exist" \
	-k "$L" -r "$T/root" --run-dir "$T/rd" -G "unix:$T/nosock"
refuses "a missing kernel gives 2 and names make vkernel-linux" 2 \
	"make vkernel-linux" -k "$T/nokernel" -r "$T/root" --run-dir "$T/rd"
export VKERNEL_KERNEL="$T/nokernel"
refuses "a missing \$VKERNEL_KERNEL gives 2" 2 "make vkernel-linux" \
	-r "$T/root" --run-dir "$T/rd"
unset VKERNEL_KERNEL
refuses "a missing root gives 2 and names make guest-root" 2 \
	"make guest-root" -k "$L" -r "$T/noroot" --run-dir "$T/rd"
refuses "a root without /sbin/vkernel-init gives 2" 2 \
	"no /sbin/vkernel-init" -k "$L" -r "$T/noinit" --run-dir "$T/rd"
refuses "a root path with a blank gives 2" 2 "blanks" -k "$L" \
	-r "$T/sp ace" --run-dir "$T/rd"
refuses "a run dir others may write gives 2" 2 "not writable by others" \
	-k "$L" -r "$T/root" --run-dir "$T/public"

# SECONDS FILE PATTERN: waits until FILE has a line matching PATTERN.
wait_for() {
	i=0
	while ! grep -qE "$3" "$2" 2>/dev/null; do
		[ $i -ge $(($1 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# A gpud of our own on $T/busy/gpu.sock: the run dir is busy.
mkdir -m 700 "$T/busy"
"$B/gpud" --device sim --socket "$T/busy/gpu.sock" --vnc 0 --foreground \
	2>"$T/busy.log" &
busy_pid=$!
if wait_for 20 "$T/busy.log" 'display over VNC on .* port [0-9]+'; then
	busy_port=$(sed -n 's/.*display over VNC on .* port \([0-9]*\).*/\1/p' \
		"$T/busy.log")
	refuses "a run dir whose gpu.sock is served gives 2" 2 "busy" \
		-k "$L" -r "$T/root" --run-dir "$T/busy" --vnc 0
	check "the busy run dir's gpud is untouched" \
		test "$(pgrep -f "$T/busy" | wc -l)" = 1
	refuses "a VNC port in use gives 2 with gpud's error" 2 \
		"gpud exited" -k "$L" -r "$T/root" --run-dir "$T/rd" \
		--vnc "$busy_port"
	check "gpud's own error is shown" grep -q "^  gpud: .*vnc" "$T/err"
else
	nok "a gpud of the test starts" "$T/busy.log"
fi
kill "$busy_pid" 2>/dev/null
wait "$busy_pid" 2>/dev/null
refuses "an absent PCI device gives 2 with gpud's error" 2 "gpud exited" \
	$base -G pci:0000:ff:1f.7
check "gpud's own error is shown" grep -q "^  gpud: " "$T/err"

# ---- Boots ----

if [ ! -x "$L" ]; then
	nok "kernel is built ($L missing: make vkernel-linux)"
	exit 1
fi

# ARGS...: start the launcher in the background (stdout $T/out, stderr
# $T/err) on the tiny root.
start_env=
start() {
	rm -f "$T/out" "$T/err" "$T/why"
	$start_env "$V" -k "$L" -r "$T/root" "$@" >"$T/out" 2>"$T/err" &
	lpid=$!
}

# Waits for the launcher's exit; its status in $rc (255: did not exit).
finish() {
	i=0
	while kill -0 "$lpid" 2>/dev/null && [ $i -lt $((STOP_TIMEOUT * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$lpid" 2>/dev/null; then
		kill -KILL "$lpid"
		why "the launcher did not exit within $STOP_TIMEOUT s"
	fi
	wait "$lpid"
	rc=$?
	lpid=
}

booted() {
	wait_for $BOOT_TIMEOUT "$T/err" '^vkernel: guest: session ready$'
}

# RUN UMID: the UML kernel's host PID (its own pid file holds the one of
# its PID namespace when the launcher gave it one): the oldest process
# whose command line names that run dir and umid.
uml_pid() { pgrep -o -f "uml_dir=$1 umid=$2( |\$)"; }

# WANT RUN UMLPID [kept], after finish: the launcher exited WANT, and
# nothing is left: no process names RUN, UML's process group is gone, RUN
# is removed (unless "kept": it was there before).
ended() {
	[ "$rc" = "$1" ] || why "exit $rc, not $1"
	[ -z "$(pgrep -f "$2")" ] || why "left: $(pgrep -af "$2")"
	[ -z "$3" ] || ! kill -0 "-$3" 2>/dev/null || why "UML group -$3 left"
	[ "${4:-}" = kept ] || [ ! -e "$2" ] || why "$2 left"
	[ ! -s "$T/why" ]
}

# PORT: something listens on TCP PORT (/proc/net/tcp{,6}, state 0A).
listening() {
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 }
			END { exit !f }'
}

# 1. The usual run, stopped with SIGTERM; init powers off on SIGINT.
run=$T/run-a
start --vnc 0 --run-dir "$run" --console "$T/con-a" -- vktest=trap
if booted; then
	ok "boots the tiny root and relays its markers"
	upid=$(uml_pid "$run" vkernel)
	check "relays X ready too" grep -qx "vkernel: guest: X ready" "$T/err"
	port=$(sed -n 's|^vkernel: desktop on vnc://127.0.0.1:\([0-9]*\) .*|\1|p' \
		"$T/err")
	check "prints the VNC port gpud listens on ($port)" listening "${port:-0}"
	check "gpud runs on the run dir's socket" \
		pgrep -f -- "--socket $run/gpu.sock" >/dev/null
	tr '\0' ' ' <"/proc/${upid:-0}/cmdline" >"$T/cmdline" 2>/dev/null
	for want in "seccomp=on" "uml_dir=$run" "umid=vkernel" \
		"rootflags=$T/root" "init=/sbin/vkernel-init" \
		"vkgpu.socket=$run/gpu.sock" "vktest=trap"; do
		check "the kernel gets $want" grep -qF -- " $want " "$T/cmdline"
	done
	if "$B/gpud" --help | grep -q -- --input-socket; then
		check "the kernel gets vkinput.socket=$run/input.sock" \
			grep -qF -- " vkinput.socket=$run/input.sock " "$T/cmdline"
	else
		check "without gpud --input-socket, no input socket" \
			sh -c "! grep -q vkinput '$T/cmdline'"
	fi
	check "the console goes to --console, not stdout" \
		test -s "$T/con-a" -a ! -s "$T/out"
	check "the console file has the guest's lines" \
		grep -q "^cmdline: " "$T/con-a"
	kill -TERM "$lpid"
	finish
	check "SIGTERM: init powers off, exit 0, nothing left" \
		ended 0 "$run" "$upid"
	check "SIGTERM: the guest was asked by Ctrl-Alt-Del" \
		grep -q "guest: powering off (SIGINT)" "$T/err"
else
	nok "boots the tiny root and relays its markers"
	finish
fi

# 2. The default run dir, under $XDG_RUNTIME_DIR; init ignores SIGINT.
mkdir -m 700 "$T/xdg"
XDG_RUNTIME_DIR=$T/xdg
export XDG_RUNTIME_DIR
start --vnc 0 --name vk-b -- vktest=noint
if booted; then
	run=$(ls -d "$T/xdg/vkernel-vk-b-"* 2>/dev/null | head -n 1)
	check "a fresh private run dir under XDG_RUNTIME_DIR" \
		test -n "$run" -a "$(stat -c %a "$run" 2>/dev/null)" = 700
	upid=$(uml_pid "$run" vk-b)
	kill -TERM "$lpid"
	finish
	check "SIGTERM, init ignores SIGINT: sysrq powers off, exit 0" \
		ended 0 "$run" "$upid"
	check "SIGTERM, init ignores SIGINT: the launcher says sysrq" \
		grep -q "sysrq" "$T/err"
else
	nok "boots with the default run dir"
	finish
fi

# 3. The kernel killed: exit 3.
run=$T/run-c
start --vnc 0 --run-dir "$run" --name vk-c
if booted; then
	upid=$(uml_pid "$run" vk-c)
	kill -KILL "${upid:-0}"
	finish
	check "a killed kernel: exit 3, nothing left" ended 3 "$run" "$upid"
	check "a killed kernel: the launcher says so" \
		grep -q "guest kernel was killed by SIGKILL" "$T/err"
else
	nok "boots with --name"
	finish
fi

# 4. gpud killed: the guest is powered off, exit 4.
run=$T/run-d
start --vnc 0 --vnc-addr 127.0.0.1 --run-dir "$run"
if booted; then
	upid=$(uml_pid "$run" vkernel)
	check "gpud gets --vnc-addr" \
		pgrep -f -- "--socket $run/gpu.sock .*--vnc-addr 127.0.0.1" >/dev/null
	kill -KILL $(pgrep -f -- "--socket $run/gpu.sock") 2>/dev/null
	finish
	check "gpud killed: exit 4, nothing left" ended 4 "$run" "$upid"
	check "gpud killed: the launcher says so" \
		grep -q "gpud was killed by SIGKILL while the guest ran" "$T/err"
else
	nok "boots for the gpud test"
	finish
fi

# 5. SIGINT (a background job ignores it: env puts it back), then SIGHUP:
# the second signal kills at once, exit 3.
run=$T/run-e
start_env="env --default-signal=INT"
start --vnc 0 --run-dir "$run" -- vktest=noint
start_env=
if booted; then
	upid=$(uml_pid "$run" vkernel)
	kill -INT "$lpid"
	wait_for 10 "$T/err" "SIGINT: powering the guest off"
	kill -HUP "$lpid"
	finish
	check "a second signal: killed at once, exit 3, nothing left" \
		ended 3 "$run" "$upid"
	check "a second signal: the launcher says so" \
		grep -q "SIGHUP: killing the guest now" "$T/err"
else
	nok "boots for the second-signal test"
	finish
fi

# 6. A guest that powers off by itself, ptrace mode, console on stdout, a
# run dir that exists already: it stays, with what was in it before.
run=$T/run-f
mkdir -m 700 "$run"
: >"$run/keep"
start --vnc 0 --run-dir "$run" --ptrace -m 64M -- vktest=off
finish
check "a guest that powers off by itself: exit 0, nothing left" \
	ended 0 "$run" "" kept
check "a run dir given and present: only what was there is left" \
	test "$(ls -A "$run")" = keep
check "the console goes to stdout by default" \
	grep -q "^vkernel-init: X ready" "$T/out"
check "--ptrace: UML runs in ptrace mode" sh -c \
	"grep -q '^Checking syscall emulation for ptrace' '$T/out' &&
	! grep -q '^Checking that seccomp filters' '$T/out'"
check "-m 64M: the guest has 64 MiB" grep -q "/65536K available" "$T/out"

# 7. An init that dies of Ctrl-Alt-Del's SIGINT: exit 3, with a hint.
run=$T/run-h
start --vnc 0 --run-dir "$run" -- vktest=die
if booted; then
	upid=$(uml_pid "$run" vkernel)
	kill -TERM "$lpid"
	finish
	check "init dies of SIGINT: exit 3, nothing left" ended 3 "$run" "$upid"
	check "init dies of SIGINT: the launcher hints why" \
		grep -q "neither handles nor ignores SIGINT" "$T/err"
else
	nok "boots for the init-dies test"
	finish
fi

# 8. -G unix: a running gpud is used, not started, and left running.
mkdir -m 700 "$T/ext"
"$B/gpud" --device sim --socket "$T/ext/gpu.sock" --foreground \
	2>"$T/ext.log" &
ext_pid=$!
if wait_for 20 "$T/ext.log" "serving"; then
	run=$T/run-g
	start --run-dir "$run" -G "unix:$T/ext/gpu.sock" -- vktest=off
	finish
	check "-G unix: exit 0, nothing of the launcher's left" \
		test "$rc" = 0 -a ! -e "$run"
	check "-G unix: the kernel gets that socket and no input socket" \
		sh -c "grep '^cmdline: ' '$T/out' | grep -qF 'vkgpu.socket=$T/ext/gpu.sock' &&
			! grep -q 'vkinput.socket' '$T/out'"
	check "-G unix: that gpud still runs" kill -0 "$ext_pid"
else
	nok "a gpud of the test starts" "$T/ext.log"
fi
kill "$ext_pid" 2>/dev/null
wait "$ext_pid" 2>/dev/null
