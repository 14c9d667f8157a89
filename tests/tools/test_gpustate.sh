#!/bin/sh
# gpustate end to end: every command on real files, and every kind of bad
# input giving a clear error, a nonzero exit, and no change to any file.
# Usage: test_gpustate.sh BUILD_DIR. Prints "ok - NAME" / "not ok - NAME".
set -u
B=$1
G=$B/gpustate
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; }
check() { # NAME COMMAND...: passes when the command succeeds
	name=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then ok "$name"; else
		nok "$name"
		cat "$T/out" "$T/err"
	fi
}
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

for c in show diff screenshot verify replay dump restore; do
	expect "$c --help" 0 "usage: gpustate $c" $G $c --help
done
expect "no command" 2 "usage" $G
expect "unknown command" 2 "unknown command 'frob'" $G frob
expect "missing operand" 2 "usage: gpustate show" $G show

check "replay bochs modeset" $G replay tests/data/bochs-modeset.gs -o "$T/a.gs"
check "verify" $G verify -v "$T/a.gs"
expect "show decodes the mode" 0 "VBE 1024x768 32 bpp" $G show "$T/a.gs"
expect "show names registers" 0 "XRES +0x0400" $G show "$T/a.gs"
expect "screenshot" 0 "1024x768" $G screenshot "$T/a.gs" -o "$T/a.png"
check "screenshot is a PNG" sh -c "head -c 8 '$T/a.png' | od -c | grep -q 'P   N   G'"
expect "screenshot --probe: pixel matches" 0 "probe 10,10: ff0000$" \
	$G screenshot "$T/a.gs" -o "$T/p.png" --probe 10,10=ff0000
expect "screenshot --probe: pixel differs" 1 "probe 10,10: ff0000 \\(differs\\)" \
	$G screenshot "$T/a.gs" -o "$T/p.png" --probe 10,10=00ff00
expect "screenshot --probe: outside the picture" 1 "outside the 1024x768" \
	$G screenshot "$T/a.gs" -o "$T/p.png" --probe 1024,0=ff0000
expect "screenshot --probe: bad syntax" 2 "want X,Y=RRGGBB" \
	$G screenshot "$T/a.gs" -o "$T/p.png" --probe 1,2
check "restore onto a fresh model" $G restore -d sim "$T/a.gs" -o "$T/b.gs"
check "diff identical" $G diff "$T/a.gs" "$T/b.gs"
check "diff identical prints nothing" test ! -s "$T/out"
check "dump a fresh device" $G dump -d sim:vram=4 -o "$T/fresh.gs"
expect "dump size option" 0 "VRAM 4096 KiB" $G verify "$T/fresh.gs"

printf 'io.w16 0x1ce 1\nio.w16 0x1cf 800\n' >"$T/x.gs"
check "replay small change" $G replay "$T/x.gs" -o "$T/c.gs"
check "dump --raw" $G dump --raw -o "$T/raw.gs"
check "raw snapshot verifies" $G verify "$T/raw.gs"
expect "diff names register" 1 "register XRES +0x0000 -> 0x0320" \
	$G diff "$T/fresh.gs" "$T/c.gs"
expect "diff names vram ranges" 1 "vram 0x00000000-0x005fffff differs \(1536 pages\)" \
	$G diff "$T/c.gs" "$T/a.gs"
expect "diff of different VRAM sizes" 1 "vram_size" \
	$G diff "$T/fresh.gs" "$T/a.gs"

# Bad snapshots: each one a clear error naming the file, exit 1.
size=$(stat -c %s "$T/a.gs")
head -c $((size / 2)) "$T/a.gs" >"$T/trunc.gs"
head -c 30 "$T/a.gs" >"$T/short.gs"
cp "$T/a.gs" "$T/long.gs" && printf 'junk' >>"$T/long.gs"
cp "$T/a.gs" "$T/flip.gs"
printf '\377' | dd of="$T/flip.gs" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
cp "$T/a.gs" "$T/ver.gs"
printf '\002' | dd of="$T/ver.gs" bs=1 seek=8 conv=notrunc 2>/dev/null
: >"$T/empty.gs"
for f in trunc short long flip ver empty; do
	expect "verify rejects $f" 1 "$T/$f.gs: " $G verify "$T/$f.gs"
	expect "show rejects $f" 1 "$T/$f.gs: " $G show "$T/$f.gs"
	expect "restore rejects $f" 1 "$T/$f.gs: " $G restore "$T/$f.gs"
done
expect "missing file" 1 "nope.gs: No such file" $G verify "$T/nope.gs"
expect "directory" 1 "not a regular file" $G verify "$T"
expect "diff with bad file exits 2" 2 "trunc.gs" $G diff "$T/a.gs" "$T/trunc.gs"

# Nothing is changed by a failing command.
cp "$T/a.png" "$T/keep.png"
$G screenshot "$T/trunc.gs" -o "$T/a.png" >/dev/null 2>&1
check "failed screenshot leaves output" cmp "$T/a.png" "$T/keep.png"
cp "$T/c.gs" "$T/keep.gs"
printf 'io.w16 0x1ce 1\nio.r16 0x1cf 0x1234\n' >"$T/bad.gs"
expect "replay reports mismatch by line" 1 "bad.gs:2: read 0x0, expected 0x1234" \
	$G replay "$T/bad.gs" -o "$T/c.gs"
check "failed replay leaves output" cmp "$T/c.gs" "$T/keep.gs"
printf 'io.w8 0x3c2 1\nbar0.w32 0x1000000 0\n' >"$T/range.gs"
expect "replay checks ranges first" 1 "range.gs:2: .*outside" $G replay "$T/range.gs"
expect "wrong device refused" 1 "vram_size is 16777216 in the snapshot, 8388608" \
	$G restore -d sim:vram=8 "$T/a.gs"
expect "bad device name" 1 "unknown device 'pcx:0000:00:02.0'" \
	$G dump -d pcx:0000:00:02.0 -o "$T/p.gs"
expect "bad sim option" 1 "VRAM must be 1..512" $G dump -d sim:vram=0 -o "$T/p.gs"
expect "bad level" 2 "level" $G dump --level 99 -o "$T/p.gs"
check "no temp files left" sh -c "! ls '$T' | grep -q tmp"
