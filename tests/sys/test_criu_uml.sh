#!/bin/sh
# Stock CRIU from Debian sid (build/sid-root, sys/criu/criu-sid) checkpoints
# and restores a running vkernel (sys/criu/README.md): UML in seccomp mode
# with stub_exe= and the private page of sys/patches/0003 and 0004, a
# busybox initramfs whose init keeps a counter on the console and echoes
# what it reads. CRIU_CYCLES times (default 10): criu dump (which kills
# the tree), every old PID reaped, criu restore under build/subreaper with
# sys/criu/post-resume.sh; the counter must go on from where it stopped,
# without a gap, and the console must answer (after a SIGIO by hand: see
# "Console and SIGIO" in sys/criu/README.md). Dump and restore times are
# printed. Then stub_exe= must reuse an unchanged stub file and rewrite a
# changed one. Usage: test_criu_uml.sh BUILD_DIR (for BUILD_DIR/subreaper).
# SYS_BUILD (default build/sys) names the kernel, CRIU_SID_ROOT the root;
# KEEP_TMP=1 keeps the work directory (images, logs, console) for a look.
# Prints "ok - NAME" / "not ok - NAME".
set -u
# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/lib/uml.sh"
NOK_LINES=40
B=${1:-build}
SYS=${SYS_BUILD:-build/sys}
L=$SYS/linux
CRIU=sys/criu/criu-sid
REAPER=$B/subreaper
ACTION=$(pwd)/sys/criu/post-resume.sh
CYCLES=${CRIU_CYCLES:-10}
T=$(mktemp -d)
BOOT_TIMEOUT=60 # seconds to the init's marker (a busy 2-core machine)
WAIT_TIMEOUT=30 # seconds for anything else to happen
# Guest memory is a deleted file CRIU saves as a ghost file: the limit must
# exceed what the guest uses.
GHOST_LIMIT=256M
pid=    # UML's main process (its PID survives restores)
reader= # the loop copying the console fifo to $T/raw

cleanup() {
	[ -n "$pid" ] && kill -KILL "-$pid" 2>/dev/null
	[ -n "$reader" ] && kill -TERM "-$reader" 2>/dev/null
	exec 3>&- 2>/dev/null
	if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# NAME LOG COMMAND...: passes when the command succeeds; LOG on failure.
check() {
	name=$1
	log=$2
	shift 2
	if "$@"; then ok "$name"; else nok "$name" "$log"; fi
}
now() { date +%s.%N; }
elapsed() { echo "$1 $(now)" | awk '{ printf "%.3f", $2 - $1 }'; }

console_has() {
	out
	grep -qE "$1" "$T/out"
}
# The highest counter value on the console.
last_count() {
	out
	sed -n 's/^COUNT \([0-9]*\)$/\1/p' "$T/out" | sort -n | tail -n 1
}
count_above() { [ "$(last_count)" -gt "$1" ] 2>/dev/null; }

# Every thread of UML and of its uml-userspace children, one ID a line.
tree_tids() {
	ls "/proc/$pid/task" 2>/dev/null
	for s in /proc/[0-9]*/status; do
		awk -v p="$pid" '/^Name:/ { n = $2 } /^PPid:/ { pp = $2 }
			END { if (n == "uml-userspace" && pp == p) print FILENAME }' \
			"$s" 2>/dev/null
	done | cut -d/ -f3 | while read -r c; do ls "/proc/$c/task" 2>/dev/null; done
}
# The uml-userspace children's /proc directories.
children() {
	for s in /proc/[0-9]*/status; do
		awk -v p="$pid" '/^Name:/ { n = $2 } /^PPid:/ { pp = $2 }
			END { if (n == "uml-userspace" && pp == p) print FILENAME }' \
			"$s" 2>/dev/null
	done | sed 's|/status$||'
}
# None of the IDs in FILE is in use any more (reaped, not a zombie).
all_gone() {
	while read -r t; do [ ! -e "/proc/$t" ] || return 1; done <"$1"
}

# Every child runs the stub from the stub file, has the private page, and
# is under its seccomp filter, not ptraced. Children that exit while they
# are looked at (the counter's sleeps) are skipped.
children_ok() {
	: >"$T/children.log"
	n=0
	for c in $(children); do
		exe=$(readlink "$c/exe") || continue
		status=$(cat "$c/status" 2>/dev/null) || continue
		maps=$(cat "$c/maps" 2>/dev/null) || continue
		# A child that exited in between has no exe and empty maps.
		[ -n "$exe" ] && [ -n "$maps" ] || continue
		page=$(echo "$maps" | grep '^00010000-00011000 ')
		n=$((n + 1))
		printf '%s: exe %s\n%s\n%s\n' "$c" "$exe" "$page" \
			"$(echo "$status" | grep -E '^(Seccomp|TracerPid):')" \
			>>"$T/children.log"
		[ "$exe" = "$T/stub" ] || return 1
		case $page in "00010000-00011000 rwxp "*) ;; *) return 1 ;; esac
		echo "$status" | grep -qx 'Seccomp:[[:space:]]*2' || return 1
		echo "$status" | grep -qx 'TracerPid:[[:space:]]*0' || return 1
	done
	[ $n -ge 2 ]
}

# The counter has no gap from 1 to its highest value (a fifo's unread
# bytes are saved by the dump and written again at restore, so a line may
# come twice; a lost line, or a guest that booted anew, shows as a gap or
# a second READY).
counter_unbroken() {
	out
	sed -n 's/^COUNT \([0-9]*\)$/\1/p' "$T/out" | sort -nu >"$T/counts"
	[ "$(grep -c '^READY$' "$T/out")" -eq 1 ] || return 1
	[ "$(head -n 1 "$T/counts")" = 1 ] || return 1
	[ "$(wc -l <"$T/counts")" -eq "$(tail -n 1 "$T/counts")" ]
}

# Prerequisites: the kernel with our patches, the sid root, the reaper.
if [ ! -x "$L" ]; then
	nok "kernel is built ($L missing: make vkernel-linux)"
	exit 1
fi
if ! "$L" --help 2>/dev/null | grep -q '^stub_exe='; then
	nok "kernel has stub_exe= ($L lacks sys/patches/0004)"
	exit 1
fi
ok "kernel has stub_exe="
if [ ! -x "$REAPER" ]; then
	nok "subreaper is built ($REAPER missing: make)"
	exit 1
fi
ver=$("$CRIU" --version 2>"$T/log" | sed -n 's/^Version: //p')
check "criu from the sid root is 4.x (${ver:-none})" "$T/log" \
	sh -c "echo '$ver' | grep -qE '^4\.'"
[ -n "$ver" ] || exit 1
"$CRIU" check >"$T/log" 2>&1
check "criu check looks good" "$T/log" grep -q '^Looks good' "$T/log"
"$CRIU" --chroot check >"$T/log" 2>&1
check "criu check inside the sid chroot looks good" "$T/log" \
	grep -q '^Looks good' "$T/log"

# The initramfs: static busybox; init counts on the console five times a
# second and answers every line it reads until "halt".
mkdir -p "$T/root/bin" "$T/img"
cat >"$T/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /dev
mount -t proc proc /proc
mount -t devtmpfs dev /dev
echo "MMAP_MIN_ADDR $(cat /proc/sys/vm/mmap_min_addr)"
(i=0; while :; do i=$((i + 1)); echo "COUNT $i"; sleep 0.2; done) &
echo READY
while read -r line; do
	[ "$line" = halt ] && break
	echo "ECHO $line"
done
poweroff -f
INIT
busybox_initrd

# The console: fifos, which CRIU reopens by path at restore (a regular
# file that grew after the dump would fail its size check). The reader
# loop, in its own process group, reopens the output fifo whenever UML is
# gone; fd 3 keeps the input fifo open for writing.
mkfifo "$T/in" "$T/con"
: >"$T/raw"
setsid sh -c 'while :; do cat "$0"; done >>"$1"' "$T/con" "$T/raw" &
reader=$!
exec 3<>"$T/in"

t0=$(now)
setsid "$REAPER" --close-fds --pid-file "$T/pid" "$L" mem=64M initrd="$T/initrd.cpio" \
	con=null con0=fd:0,fd:1 uml_dir="$T/uml" umid=criu seccomp=on \
	stub_exe="$T/stub" <"$T/in" >"$T/con" 2>&1 3>&- &
wait_until 5 test -s "$T/pid"
pid=$(cat "$T/pid" 2>/dev/null)
if [ -z "$pid" ] || ! wait_until $BOOT_TIMEOUT console_has '^READY$'; then
	out
	nok "boots to init in seccomp mode within $BOOT_TIMEOUT s" "$T/out"
	exit 1
fi
ok "boots to init in seccomp mode in $(elapsed "$t0") s"
wait_until $WAIT_TIMEOUT count_above 2
check "the stub file was written" "$T/out" test -x "$T/stub"
check "every uml-userspace child runs the stub file, has the private page and a seccomp filter" \
	"$T/children.log" children_ok
out
check "guest mmap_min_addr is above the private page" "$T/out" \
	sh -c "grep -q '^MMAP_MIN_ADDR 69632$' '$T/out'"
echo "ping-0" >&3
check "the console answers" "$T/out" \
	wait_until $WAIT_TIMEOUT console_has '^ECHO ping-0$'

# One checkpoint cycle: dump (CRIU kills the tree), wait until every old
# thread ID is free, restore, then the counter must pass where it stopped
# and the console answer.
cycle() {
	k=$1
	img=$T/img/$k
	mkdir -p "$img"
	tree_tids >"$T/tids"
	# The first dump logs where the parasite went (debug level).
	verbosity=-v2
	[ "$k" -gt 1 ] || verbosity=-v4
	t0=$(now)
	if ! "$CRIU" dump -t "$pid" -D "$img" -o dump.log $verbosity \
		--ghost-limit "$GHOST_LIMIT" >"$T/log" 2>&1; then
		nok "cycle $k: criu dump" "$img/dump.log"
		return 1
	fi
	dump_s=$(elapsed "$t0")
	before=$(last_count)
	if ! wait_until $WAIT_TIMEOUT all_gone "$T/tids"; then
		nok "cycle $k: the dumped tree is gone after the dump" "$T/tids"
		return 1
	fi
	t0=$(now)
	if ! "$REAPER" --detach "$CRIU" restore -D "$img" -o restore.log \
		--restore-detached --leave-stopped --action-script "$ACTION" \
		>"$T/log" 2>&1; then
		nok "cycle $k: criu restore" "$img/restore.log"
		return 1
	fi
	restore_s=$(elapsed "$t0")
	# Three more counts: the guest's timers run again (the lost tick).
	if ! wait_until $WAIT_TIMEOUT count_above $((before + 2)); then
		nok "cycle $k: the counter goes on past $before after restore" \
			"$T/out"
		return 1
	fi
	# CRIU reopens the input fifo by path with O_ASYNC among the open
	# flags; open() ignores O_ASYNC, and fcntl cannot turn it on any more
	# (the flag is already set), so writes no longer raise SIGIO in UML.
	# The SIGIO that should have come is sent by hand (README.md).
	echo "ping-$k" >&3
	kill -IO "$pid"
	if ! wait_until $WAIT_TIMEOUT console_has "^ECHO ping-$k\$"; then
		nok "cycle $k: the console answers after restore" "$T/out"
		return 1
	fi
	size=$(du -sm "$img" | cut -f1)
	ok "cycle $k: dump ${dump_s} s, restore ${restore_s} s, image ${size} MB, counter $before -> $(last_count)"
	# The first image stays for the parasite check below.
	[ "$k" -le 2 ] || rm -rf "$T/img/$((k - 1))"
}

t_all=$(now)
k=1
while [ $k -le "$CYCLES" ]; do
	cycle $k || break
	k=$((k + 1))
done
check "$CYCLES kill/dump/restore cycles" "$T/out" test $k -gt "$CYCLES"
[ $k -gt "$CYCLES" ] || exit 1
echo "# $CYCLES cycles in $(elapsed "$t_all") s"
check "the counter has no gap and the guest never rebooted" "$T/out" \
	counter_unbroken
check "restored children still run the stub file, private page, seccomp" \
	"$T/children.log" children_ok
# The first line is UML's main process (its own text), the others are the
# uml-userspace children.
parasite_in_private_page() {
	grep 'Parasite syscall_ip at' "$T/img/1/dump.log" >"$T/ip"
	n=$(grep -c 'at 0x10000$' "$T/ip")
	[ "$n" -ge 2 ] && [ "$n" -eq $(($(wc -l <"$T/ip") - 1)) ]
}
check "criu put its parasite into each child's private page" \
	"$T/img/1/dump.log" parasite_in_private_page

# Power off: UML and every child must go away.
tree_tids >"$T/tids"
echo halt >&3
kill -IO "$pid"
if wait_until $WAIT_TIMEOUT all_gone "$T/tids"; then
	ok "poweroff after the last restore ends UML and its children"
	pid=
else
	nok "poweroff after the last restore ends UML and its children" "$T/out"
fi

# stub_exe= writes the file only when it is missing or differs: a boot
# with the file as it is reuses it, one with a changed file rewrites it.
mkdir -p "$T/halt"
cp /bin/busybox "$T/halt/busybox"
printf '#!/busybox sh\n/busybox poweroff -f\n' >"$T/halt/init"
chmod +x "$T/halt/init"
(cd "$T/halt" && find . | cpio -o -H newc --quiet) >"$T/halt.cpio"
# Boots to the poweroff; passes when the log says the stub was written
# exactly when WRITTEN is yes.
boot_stub() {
	timeout $BOOT_TIMEOUT "$L" mem=64M initrd="$T/halt.cpio" con=null \
		con0=null,fd:1 uml_dir="$T/uml" umid=stub seccomp=on \
		stub_exe="$T/stub" </dev/null >"$T/log" 2>&1 3>&- || return 1
	if grep -q "Wrote stub binary $T/stub" "$T/log"; then
		[ "$1" = yes ]
	else
		[ "$1" = no ]
	fi
}
check "stub_exe= reuses an unchanged stub file" "$T/log" boot_stub no
echo x >>"$T/stub"
check "stub_exe= rewrites a changed stub file" "$T/log" boot_stub yes
check "the rewritten stub file is reused" "$T/log" boot_stub no
