#!/bin/sh
# gpustate list against what /sys/bus/pci/devices says, and the pci device
# names of the other commands: bad addresses, missing slots and devices
# without a save/restore driver give clear errors and write nothing.
# Checks that need a private mount namespace or an unprivileged user run
# where the host allows it and are reported as skipped otherwise.
# Usage: test_gpustate_list.sh BUILD_DIR. Prints "ok - NAME" / "not ok - NAME".
set -u
B=$1
G=$(cd "$(dirname "$B/gpustate")" && pwd)/gpustate
SYS=/sys/bus/pci/devices
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; }
skip() { echo "ok - $1 # SKIP $2"; }
# NAME EXIT PATTERN COMMAND...: passes when the command exits EXIT and its
# stderr+stdout match PATTERN (grep -E).
expect() {
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
# NAME FILE1 FILE2: passes when both files are equal.
same() {
	if cmp -s "$2" "$3"; then ok "$1"; else
		nok "$1"
		diff "$2" "$3"
	fi
}

# "pci:SLOT VVVV:DDDD CLASS" per sysfs device, in slot order; $1 = all or
# display. Slots with a 32-bit domain are skipped, as libpciaccess does.
sysfs_rows() {
	[ -d "$SYS" ] || return 0
	for d in "$SYS"/*; do
		s=$(basename "$d")
		[ ${#s} -eq 12 ] || continue
		c=$(sed 's/^0x//' "$d/class")
		[ "$1" = all ] || [ "${c#03}" != "$c" ] || continue
		echo "pci:$s $(sed 's/^0x//' "$d/vendor"):$(sed 's/^0x//' "$d/device") $c"
	done | LC_ALL=C sort
}
list_rows() { awk '$1 ~ /^pci:/ { print $1, $2, $3 }' "$1"; }

expect "list --help" 0 "usage: gpustate list" $G list --help
expect "list rejects operands" 2 "usage: gpustate list" $G list extra
expect "list rejects unknown options" 2 "usage: gpustate list" $G list --bogus

expect "list shows sim with its driver" 0 \
	"^sim +1234:1111 +030000 +VGA-compatible controller +stdvga$" $G list
$G list >"$T/list" 2>"$T/list.err"
$G list --all >"$T/all" 2>"$T/all.err"
sysfs_rows display >"$T/want.display"
sysfs_rows all >"$T/want.all"
list_rows "$T/list" >"$T/got.display"
list_rows "$T/all" >"$T/got.all"
same "list shows exactly the display-class devices of sysfs" \
	"$T/want.display" "$T/got.display"
same "list --all shows every device of sysfs" "$T/want.all" "$T/got.all"
n_sys=$(wc -l <"$T/want.all")
n_all=$(grep -c '^pci:' "$T/all")
if [ "$n_sys" -eq "$n_all" ]; then ok "list --all count matches sysfs ($n_all)"; else
	nok "list --all count: $n_all listed, $n_sys in sysfs"
fi
if awk '$1 ~ /^pci:/ && ($2 == "1234:1111") != ($NF == "stdvga") { bad = 1 }
	END { exit bad }' "$T/all"; then
	ok "only 1234:1111 has a save/restore driver"
else
	nok "only 1234:1111 has a save/restore driver"
	cat "$T/all"
fi
if [ -s "$T/want.display" ] || grep -q "no display-class PCI devices" "$T/list.err"; then
	ok "list says when there is no display device"
else
	nok "list says when there is no display device"
	cat "$T/list.err"
fi

if [ "$(id -u)" -ne 0 ]; then
	ok "list works without root (running as uid $(id -u))"
elif command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$G" list --all >"$T/nobody" 2>&1
	same "list works without root, identical to root's" "$T/all" "$T/nobody"
else
	skip "list works without root" "no setpriv"
fi

# A host without /sys/bus/pci: sim is still listed, with the reason.
if unshare --mount true 2>/dev/null; then
	expect "list without /sys/bus/pci still lists sim" 0 \
		"cannot scan PCI devices: No such file or directory \(no /sys/bus/pci\)" \
		unshare --mount sh -c "mount -t tmpfs none /sys/bus/pci && '$G' list"
	if grep -qE "^sim +1234:1111" "$T/out"; then ok "... and sim is in it"; else
		nok "... and sim is in it"
	fi
else
	skip "list without /sys/bus/pci still lists sim" "no mount namespace"
	skip "... and sim is in it" "no mount namespace"
fi

# A fake stdvga in a private /sys/bus/pci, laid out as the kernel does.
cat >"$T/fake.sh" <<'EOF'
set -e
mount -t tmpfs none /sys/bus/pci
D=/sys/bus/pci/devices/0000:00:02.0
mkdir -p $D
head -c 256 /dev/zero >$D/config
poke() { printf "$2" | dd of=$D/config bs=1 seek=$1 conv=notrunc 2>/dev/null; }
poke 0 '\064\022\021\021'
poke 11 '\003'
poke 16 '\010\000\000\375'
poke 24 '\000\000\277\376'
{
	echo 0x00000000fd000000 0x00000000fdffffff 0x0000000000042208
	echo 0x0000000000000000 0x0000000000000000 0x0000000000000000
	echo 0x00000000febf0000 0x00000000febf0fff 0x0000000000040200
	for i in 3 4 5 6; do
		echo 0x0000000000000000 0x0000000000000000 0x0000000000000000
	done
} >$D/resource
"$1" list
EOF
if unshare --mount true 2>/dev/null; then
	expect "list finds the driver of a stdvga" 0 \
		"^pci:0000:00:02.0 +1234:1111 +030000 +VGA-compatible controller +stdvga$" \
		unshare --mount sh "$T/fake.sh" "$G"
else
	skip "list finds the driver of a stdvga" "no mount namespace"
fi

# Device names on the other commands.
for bad in "pci:" "pci:0:0:2.0" "pci:0000:00:02" "pci:0000:00:2.0" \
	"pci:0000:000:02.0" "pci:0000:00:02.0x" "pci:00000:00:02.0"; do
	expect "dump refuses '$bad'" 1 "PCI address '${bad#pci:}': .*pci:DDDD:BB:DD.F" \
		$G dump -d "$bad" -o "$T/p.gs"
done
expect "dump names an out-of-range device" 1 "the device must be 00-1f" \
	$G dump -d pci:0000:00:20.0 -o "$T/p.gs"
expect "dump names an out-of-range function" 1 "the function must be one digit 0-7" \
	$G dump -d pci:0000:00:02.8 -o "$T/p.gs"
expect "unknown names list the pci form" 1 "unknown device 'gpu0'.*pci:DDDD:BB:DD.F" \
	$G dump -d gpu0 -o "$T/p.gs"

free=""
for n in $(seq 0 31); do
	s=$(printf '0000:00:%02x.0' "$n")
	[ -e "$SYS/$s" ] || { free=$s; break; }
done
if [ -d "$SYS" ]; then
	expect "dump names a missing slot" 1 "no PCI device at $free" \
		$G dump -d "pci:$free" -o "$T/p.gs"
else
	expect "dump without /sys/bus/pci says so" 1 "cannot scan PCI devices" \
		$G dump -d "pci:$free" -o "$T/p.gs"
fi

first=$(awk '$2 != "1234:1111" { print $1; exit }' "$T/want.all")
if [ -n "$first" ]; then
	id=$(awk -v s="$first" '$1 == s { print $2 }' "$T/want.all")
	expect "dump refuses a device without a driver" 1 \
		"PCI device ${first#pci:} \($id, .*\) has no save/restore driver; supported: stdvga 1234:1111" \
		$G dump -d "$first" -o "$T/p.gs"
	expect "restore refuses it too" 1 "has no save/restore driver" \
		sh -c "'$G' dump -o '$T/s.gs' && '$G' restore -d '$first' '$T/s.gs'"
else
	skip "dump refuses a device without a driver" "no such device here"
	skip "restore refuses it too" "no such device here"
fi
if [ -e "$T/p.gs" ]; then nok "failed dumps write nothing"; else
	ok "failed dumps write nothing"
fi
