#!/bin/sh
# vkmem's trim through UML's management console (sys/drivers/vkmem): the
# vkernel (build/sys/linux) boots a busybox initramfs with 128 MiB and a
# tmpfs; the test runs commands in the guest over the console. Checks:
# "config vkmem" says "not trimmed" before any trim and a bad request is
# refused with the usage; after the guest wrote 48 MiB into a file and
# deleted it, a trim takes at least 40 MiB out of UML's host memory file
# (its allocated size, from /proc/PID/fd), says how much, and a file the
# guest kept reads back with the same checksum; trims while the guest
# writes and checks files all the time corrupt nothing; "config vkmem"
# then reports the last trim; no kernel warning; the guest powers off
# cleanly.
# Usage: test_vkmem.sh BUILD_DIR (unused; the kernel from SYS_BUILD,
# default build/sys). Needs cc and cpio. Prints "ok - NAME" /
# "not ok - NAME".
set -u
# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/lib/uml.sh"
NOK_LINES=40
SYS=${SYS_BUILD:-build/sys}
L=$SYS/linux
T=$(mktemp -d)
BOOT_TIMEOUT=60 # seconds to the guest's marker (a busy 2-core machine)
WAIT=60         # seconds for a guest command (writing tens of MiB)
MEM_MB=128
pid=  # the UML process; a session leader, so -$pid is its group
pgid= # the group of the wrapper shell that waits for it

cleanup() {
	reap
	exec 3>&- 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM


[ -x "$L" ] || {
	nok "$L is built (make vkernel-linux)"
	exit 1
}
grep -q 'config vkmem' "$L" || {
	nok "$L has vkmem (CONFIG_UML_VKMEM)"
	exit 1
}
if ! cc -O2 -o "$T/mconsole" tests/sys/mconsole.c 2>"$T/cc.log"; then
	nok "mconsole builds" "$T/cc.log"
	exit 1
fi

# ---- The initramfs: busybox and an init that runs each console line
# and then prints "END-" and the line's first word.
mkdir -p "$T/root" "$T/host"
cat >"$T/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /dev /tmp /mnt
mount -t proc proc /proc
mount -t devtmpfs dev /dev
mount -t tmpfs -o size=100M tmp /tmp
echo VKMEM-READY
while read -r id line; do
	eval "$line"
	echo "END-$id"
done
poweroff -f
INIT
busybox_initrd

uml_boot "$L" mem=${MEM_MB}M initrd="$T/initrd.cpio" con=null \
	con0=fd:0,fd:1 uml_dir="$T/uml" umid=vkmem seccomp=on
M=$T/uml/vkmem/mconsole
shows() { # PATTERN: the console has a line matching it
	out
	grep -qE "$1" "$T/out"
}
if [ -z "$pid" ] || ! wait_until $BOOT_TIMEOUT shows '^VKMEM-READY'; then
	nok "guest boots" "$T/out"
	exit 1
fi
ok "guest boots"

# ID COMMAND: runs COMMAND (one line) in the guest and waits until it is
# done; the console's lines since, without the tty's echo of it, in $T/ID.
guest() {
	out
	seen=$(wc -l <"$T/out")
	echo "$1 $2" >&3
	wait_until $WAIT shows "^END-$1\$" || return 1
	tail -n +$((seen + 1)) "$T/out" | sed "/^END-$1\$/,\$d" |
		grep -v "^$1 " >"$T/$1"
}
# The allocated KiB of UML's memory file: the deleted file of MEM_MB.
memfile_kib() {
	for f in /proc/"$pid"/fd/*; do
		case $(readlink "$f") in *"(deleted)") ;; *) continue ;; esac
		[ "$(stat -L -c %s "$f")" = $((MEM_MB << 20)) ] || continue
		echo $(($(stat -L -c '%b * %B' "$f") / 1024))
		return 0
	done
	return 1
}
# COMMAND...: one management console request; its reply in $T/mc.out.
mc() { "$T/mconsole" "$M" "$@" >"$T/mc.out" 2>&1; }
reply_is() { mc "$@" && grep -qE "$REPLY" "$T/mc.out"; }

REPLY='^not trimmed$'
check "config vkmem: not trimmed" "$T/mc.out" reply_is config vkmem
check "a bad request is refused with the usage" "$T/mc.out" sh -c \
	'! "$0" "$1" config vkmem=trimm >"$2" 2>&1 &&
	 grep -q "^usage: config vkmem" "$2"' "$T/mconsole" "$M" "$T/mc.out"

# ---- 48 MiB written and freed, 24 MiB kept.
guest keep 'head -c 24m /dev/urandom >/tmp/keep && md5sum /tmp/keep' &&
	guest free 'head -c 48m /dev/zero >/tmp/gone && rm /tmp/gone'
check "the guest writes and frees 48 MiB" "$T/out" test -s "$T/keep"
before=$(memfile_kib)
check "UML's memory file is found (${before:-?} KiB allocated)" "$T/out" \
	test -n "$before"
REPLY='^trimmed [0-9]+ MiB \([0-9]+ pages, [0-9]+ blocks\) in [0-9]+ ms, [0-9]+ KiB free left$'
check "trim succeeds and says how much" "$T/mc.out" reply_is config vkmem=trim
after=$(memfile_kib)
check "the memory file shrank by 40 MiB or more ($before -> $after KiB)" \
	"$T/mc.out" test $((${before:-0} - ${after:-0})) -ge 40960
guest sum 'md5sum /tmp/keep'
check "the kept file reads back the same" "$T/sum" cmp -s "$T/keep" "$T/sum"

# ---- Trims while the guest writes, frees and checks files.
c='i=0; while [ $i -lt 10 ]; do head -c 4m /tmp/keep >/tmp/c$i;'
c="$c"' i=$((i + 1)); done; (while [ ! -e /tmp/stop ]; do for f in /tmp/c*;'
c="$c"' do [ "$(md5sum <$f)" = "$(head -c 4m /tmp/keep | md5sum)" ] ||'
c="$c"' echo "CORRUPT $f"; rm $f; head -c 4m /tmp/keep >$f; done; done;'
c="$c"' echo CHURN-DONE) &'
guest churn "$c"
trims=0
i=0
while [ $i -lt 20 ]; do
	mc config vkmem=trim && trims=$((trims + 1))
	sleep 0.2
	i=$((i + 1))
done
check "20 trims during the churn succeed ($trims)" "$T/mc.out" test $trims = 20
guest stop 'touch /tmp/stop'
check "the churn ends" "$T/out" wait_until $WAIT shows '^CHURN-DONE$'
check "no file read back changed during the trims" "$T/out" \
	sh -c '! grep -q "^CORRUPT " "$0"' "$T/out"
guest sum2 'md5sum /tmp/keep'
check "the kept file still reads back the same" "$T/sum2" \
	cmp -s "$T/keep" "$T/sum2"
REPLY='^trimmed [0-9]+ MiB'
check "config vkmem reports the last trim" "$T/mc.out" reply_is config vkmem

check "no kernel warning or oops" "$T/out" sh -c \
	"! grep -E 'BUG:|Oops|WARNING:|Kernel panic|Bad page' '$T/out' |
	 grep -v 'WARNING: arch/um/drivers/virtio_pcidev.c'"
echo "halt poweroff -f" >&3
wait_until $WAIT test -s "$T/rc"
exec 3>&-
out
check "guest powers off cleanly" "$T/out" \
	test "$(cat "$T/rc" 2>/dev/null)" = 0
reap
