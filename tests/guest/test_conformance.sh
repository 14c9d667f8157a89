#!/bin/sh
# Conformance against QEMU's std VGA (issue 4; guest/README.md describes the
# guest, the boots, the timings and every divergence found). QEMU boots of
# Debian's kernel (TCG), each checked from the host:
#   record       gpustate in the guest replays every tests/data/conformance
#                script with --trace on QEMU's device (libpciaccess), then
#                each display mode (modes/), dumping it while QEMU's
#                screendump is taken;
#   restore-NAME one fresh boot (a reset device) per snapshot: QEMU's own
#                and our model's snapshots are restored, verified by
#                read-back, dumped again and shown to QEMU's screendump;
#   xorg         the bochs DRM driver and Xorg drive the device; it is
#                dumped while X shows a static picture.
# The host replays the same scripts on the model (sim) and compares every
# read, restores QEMU's snapshots onto the model, and compares pictures and
# VRAM hashes. Prints "ok - NAME" / "not ok - NAME" (and "# SKIP" notes).
# Usage: tests/guest/test_conformance.sh BUILD_DIR
# GUEST_TESTS=0 skips everything; GUEST_JOBS=N boots N guests at a time.
# Each boot's QEMU-side results are kept in build/guest/results/BOOT and
# reused while every input of that boot is unchanged (so the sanitizer run
# of `make check` does not boot again).
set -u
B=${1:-build}
G=$B/gpustate
GD=build/guest
CONF=tests/data/conformance
R=$GD/results
failed=0

ok() { echo "ok - $1"; }
nok() {
	echo "not ok - $1"
	failed=$((failed + 1))
}
note() { echo "# $*"; }
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{ printf "%.1f", $1 - $2 }'; }
indent() { sed 's/^/#   /' | head -n "${1:-20}"; }

if [ "${GUEST_TESTS:-1}" = 0 ]; then
	note "guest conformance tests skipped (GUEST_TESTS=0)"
	exit 0
fi
for f in "$G" "$GD/gpustate" "$GD/imgcmp" "$GD/vramcat" \
	"$GD/base.cpio.gz" "$GD/xorg.cpio.gz" "$GD/kernel/vmlinuz"; do
	[ -e "$f" ] || {
		nok "guest prerequisites: $f is missing (run make guest)"
		exit 1
	}
done
for c in qemu-system-x86_64 socat cpio; do
	command -v $c >/dev/null || {
		nok "guest prerequisites: no $c (run ./install-deps.sh)"
		exit 1
	}
done
mkdir -p "$R"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# One run at a time: `make check` of several people may start this
# concurrently, and the boots share build/guest/results.
exec 9>"$GD/results.lock"
flock -w 900 9 || {
	nok "another conformance run held $GD/results.lock for 15 minutes"
	exit 1
}
t_all=$(now)

# check NAME COMMAND...: ok when the command succeeds, else its output.
check() {
	name=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$name"; else
		nok "$name"
		indent <"$T/out"
	fi
}

# ---------------------------------------------------------------- boots

# boot NAME TEST EXTRA_KEY INITRD...: run one boot, or reuse its results
# when QEMU, the runner, the kernel, the initrd parts and EXTRA_KEY (a hash
# of the inputs in temporary parts, which are not hashed) are what they
# were. Prints its report lines (it may run in the background).
boot() {
	name=$1 test=$2 extra=$3
	shift 3
	key=$({
		qemu-system-x86_64 --version | head -n 1
		echo "${GUEST_ACCEL:-auto} $extra"
		cat guest/run-qemu.sh "$GD/kernel/vmlinuz"
		for p in "$@"; do
			case $p in "$T"/*) ;; *) cat "$p" ;; esac
		done
	} | sha256sum | cut -c1-16)
	dir=$R/$name
	if [ -f "$dir/complete" ] && [ "$(cat "$dir/complete")" = "$key" ]; then
		echo "ok - boot $name (QEMU results reused: inputs unchanged)"
		return 0
	fi
	parts=
	for p in "$@"; do parts="$parts -i $p"; done
	t=$(now)
	# shellcheck disable=SC2086 # parts is a list of options
	guest/run-qemu.sh -t "$test" -o "$dir" $parts -T 300 \
		>"$R/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "$key" >"$dir/complete"
		echo "ok - boot $name ($(since "$t") s)"
	else
		echo "not ok - boot $name (exit $rc after $(since "$t") s)"
		indent 30 <"$R/$name.log"
	fi
	[ -f "$dir/timings" ] && note "$name timings (host s from QEMU start):" \
		"$(tr '\n' ';' <"$dir/timings")"
	return $rc
}

# The guest's own GUEST-TEST lines as report lines.
guest_results() {
	tr -d '\r' <"$R/$1/serial.log" 2>/dev/null | grep '^GUEST-TEST ' |
		while read -r _ name res detail; do
			if [ "$res" = PASS ]; then
				echo "ok - $1: guest $name${detail:+ ($detail)}"
			elif [ "$res" = SKIP ]; then
				echo "# SKIP $1: guest $name: $detail"
			else
				echo "not ok - $1: guest $name: $detail"
			fi
		done
}

# Print a report file and count its failures.
collect() {
	cat "$1"
	failed=$((failed + $(grep -c '^not ok' "$1")))
}

# ------------------------------------------------------ trace comparison

# IS1 toggles bits 0 and 3 from a parity only history decides; take each
# IS1 value relative to the trace's first one (a rejected read, 0xFF in the
# wrong decode mode, stays absolute).
normalize() {
	first=
	while read -r line acc addr val; do
		case "$acc $addr" in
		"io.r8 0x3da" | "io.r8 0x3ba" | "bar2.r8 0x41a")
			v=$((val))
			if [ $((v & 0xf6)) -eq 0 ]; then
				[ -n "$first" ] || first=$v
				val=$(printf 'is1^0x%x' $((v ^ first)))
			fi
			;;
		esac
		echo "$line $acc $addr $val"
	done <"$1"
}

# compare_traces NAME SCRIPT QEMU_TRACE MODEL_TRACE: every read must agree.
# Divergences go to the report with the script line that read them.
compare_traces() {
	name=$1 script=$2
	normalize "$3" >"$T/q"
	normalize "$4" >"$T/m"
	awk '
		FNR == NR { q[$1] = $4; a[$1] = $2 " " $3; o[++c] = $1; next }
		{ m[$1] = $4; a[$1] = $2 " " $3; if (!($1 in q)) o[++c] = $1 }
		END {
			for (i = 1; i <= c; i++) {
				l = o[i]
				if (!(l in q)) print "MISSING", l, a[l], "-", m[l]
				else if (!(l in m)) print "MISSING", l, a[l], q[l], "-"
				else if (q[l] == m[l]) print "SAME", l
				else print "DIFF", l, a[l], q[l], m[l]
			}
		}' "$T/q" "$T/m" >"$T/cmp"
	same=$(grep -c '^SAME' "$T/cmp")
	bad=$(grep -c -v '^SAME' "$T/cmp")
	grep -v '^SAME' "$T/cmp" | while read -r kind l acc addr qv mv; do
		printf '%s %s:%s %s %s qemu=%s model=%s | %s\n' "$kind" \
			"$name" "$l" "$acc" "$addr" "$qv" "$mv" \
			"$(sed -n "${l}p" "$script")"
	done >>"$R/divergences.txt"
	if [ "$bad" -eq 0 ] && [ "$same" -gt 0 ]; then
		ok "differential $name: $same reads agree"
	else
		nok "differential $name: $bad of $((same + bad)) reads diverge"
		grep "^[A-Z]* $name:" "$R/divergences.txt" | indent 25
	fi
}

# ---------------------------------------------------------------- record

t=$(now)
boot record record "" "$GD/base.cpio.gz" >"$T/rep"
rec_rc=$?
guest_results record >>"$T/rep"
collect "$T/rep"
REC=$R/record/out
: >"$R/divergences.txt"

# Differential: the same scripts on the model; traces must agree.
for s in "$CONF"/*.gs "$CONF"/modes/*.gs; do
	case $s in
	*/modes/*) n=mode-$(basename "$s" .gs) ;;
	*) n=$(basename "$s" .gs) ;;
	esac
	"$G" replay -d sim --trace "$s" >"$T/model.trace" 2>"$T/model.err" ||
		{
			nok "model replays $n"
			indent <"$T/model.err"
		}
	if [ -f "$REC/trace/$n.trace" ]; then
		compare_traces "$n" "$s" "$REC/trace/$n.trace" "$T/model.trace"
	else
		nok "differential $n: no QEMU trace"
	fi
done
note "divergence report: $R/divergences.txt"

# picture NAME SNAPSHOT SHOT: our decoded picture of the snapshot equals
# QEMU's screendump exactly.
picture() {
	if [ ! -f "$3" ]; then
		nok "$1: no QEMU screendump"
		return
	fi
	if ! "$G" screenshot "$2" -o "$T/pic.png" >"$T/out" 2>&1; then
		nok "$1: screenshot"
		indent <"$T/out"
	elif "$GD/imgcmp" "$3" "$T/pic.png" >>"$T/out" 2>&1; then
		ok "$1"
	else
		nok "$1"
		indent <"$T/out"
	fi
}

# vram_hash NAME SNAPSHOT HASHFILE: the snapshot's VRAM hashes to what the
# guest read from BAR0 with bar0cat, a path that shares no code with
# gpustate.
vram_hash() {
	want=$(cat "$3" 2>/dev/null)
	have=$("$GD/vramcat" "$2" | sha256sum | cut -d' ' -f1)
	if [ -n "$want" ] && [ "$want" = "$have" ]; then ok "$1"; else
		nok "$1 (guest ${want:-none}, snapshot $have)"
	fi
}

mkdir -p "$T/in"
for s in "$CONF"/modes/*.gs; do
	m=$(basename "$s" .gs)
	snap=$REC/snap/mode-$m.gs
	shot=$R/record/shots/mode-$m.png
	[ -f "$snap" ] || {
		nok "record $m: no snapshot from the guest"
		continue
	}
	cp "$snap" "$T/in/qemu-$m.gs"
	vram_hash "record $m: VRAM hash equals the guest's read of BAR0" \
		"$snap" "$REC/snap/mode-$m.vram"
	picture "record $m: screenshot of QEMU's snapshot equals QEMU's screendump" \
		"$snap" "$shot"
	# The same script drawn by our model shows the same picture.
	if "$G" replay -d sim "$s" -o "$T/in/model-$m.gs" >"$T/out" 2>&1; then
		picture "model $m: the model's picture equals QEMU's screendump" \
			"$T/in/model-$m.gs" "$shot"
	else
		nok "model $m: replay"
		indent <"$T/out"
	fi
	# Cross-implementation: QEMU's snapshot restores onto the model
	# (verified register by register and byte by byte by the restore).
	if "$G" restore -d sim "$snap" -o "$T/x.gs" >"$T/out" 2>&1; then
		picture "cross $m: QEMU's snapshot restored onto the model shows QEMU's screendump" \
			"$T/x.gs" "$shot"
	else
		nok "cross $m: QEMU's snapshot restores onto the model"
		indent <"$T/out"
	fi
done
if [ -f "$REC/snap/boot.gs" ]; then
	cp "$REC/snap/boot.gs" "$T/in/qemu-boot.gs"
	vram_hash "record boot: VRAM hash equals the guest's read of BAR0" \
		"$REC/snap/boot.gs" "$REC/snap/boot.vram"
	check "cross boot: QEMU's device as firmware left it restores onto the model" \
		"$G" restore -d sim "$REC/snap/boot.gs"
fi
note "record boot and host checks: $(since "$t") s"

# ---------------------------------------------------------------- restore

# One boot per snapshot: a fresh boot is the device's reset (QEMU's std
# VGA offers the guest none: no FLR, no power management, root bus), and
# each restore starts from the device firmware left. GUEST_JOBS boots run
# at a time (default 2: TCG keeps one core busy per boot).
t=$(now)
if tr -d '\r' <"$R/record/serial.log" 2>/dev/null |
	grep -q '^GUEST-TEST restore-probe SKIP'; then
	note "SKIPPED: the restore boots. gpustate restore refuses QEMU's std VGA"
	note "because the kernel has no way to reset it (see the record boot's"
	note "restore-probe above and guest/README.md); nothing was restored."
	rm -rf "$T/in"
	mkdir "$T/in"
fi
running=0
for f in "$T"/in/*.gs; do
	[ -f "$f" ] || continue
	n=$(basename "$f" .gs)
	mkdir -p "$T/part-$n"
	cp "$f" "$T/part-$n/"
	guest/build-initramfs.sh files "$T/part-$n.cpio.gz" "$T/part-$n" in
	{
		boot "restore-$n" restore "$(sha256sum <"$f" | cut -c1-16)" \
			"$GD/base.cpio.gz" "$T/part-$n.cpio.gz"
		guest_results "restore-$n"
	} >"$T/rep-$n" 2>&1 &
	running=$((running + 1))
	if [ $running -ge "${GUEST_JOBS:-2}" ]; then
		wait
		running=0
	fi
done
wait
for f in "$T"/in/*.gs; do
	[ -f "$f" ] || continue
	n=$(basename "$f" .gs)
	collect "$T/rep-$n"
	RES=$R/restore-$n
	after=$RES/out/snap/$n.after.gs
	[ -f "$after" ] || {
		nok "restore $n: no snapshot after the restore"
		continue
	}
	# QEMU's own snapshots must come back whole, config space included
	# (the model has no ROM BAR, so its snapshots differ there).
	case $n in
	qemu-*)
		check "restore $n: registers and VRAM read back as saved (gpustate diff)" \
			"$G" diff "$f" "$after"
		;;
	esac
	vram_hash "restore $n: VRAM hash equals the guest's read of BAR0" \
		"$f" "$RES/out/snap/$n.after.vram"
	case $n in
	qemu-boot) continue ;; # text cursor blinks: see guest/README.md
	esac
	picture "restore $n: QEMU's screendump after the restore equals our screenshot" \
		"$f" "$RES/shots/$n.png"
	case $n in
	qemu-*)
		check "restore $n: QEMU shows the same picture as before the reset" \
			"$GD/imgcmp" "$R/record/shots/mode-${n#qemu-}.png" \
			"$RES/shots/$n.png"
		;;
	esac
done
note "restore boots and host checks: $(since "$t") s"

# ---------------------------------------------------------------- xorg

t=$(now)
boot xorg xorg "" "$GD/base.cpio.gz" "$GD/xorg.cpio.gz" >"$T/rep"
guest_results xorg >>"$T/rep"
collect "$T/rep"
XS=$R/xorg/out/snap/xorg.gs
if [ -f "$XS" ]; then
	vram_hash "xorg: VRAM hash equals the guest's read of BAR0" \
		"$XS" "$R/xorg/out/snap/xorg.vram"
	picture "xorg: screenshot of the device under X equals QEMU's screendump" \
		"$XS" "$R/xorg/shots/xorg.png"
	if "$G" restore -d sim "$XS" -o "$T/x.gs" >"$T/out" 2>&1; then
		picture "xorg: X's device restored onto the model shows QEMU's screendump" \
			"$T/x.gs" "$R/xorg/shots/xorg.png"
	else
		nok "xorg: X's device restores onto the model"
		indent <"$T/out"
	fi
else
	nok "xorg: no snapshot from the guest"
fi
note "xorg boot and host checks: $(since "$t") s"
note "guest conformance total: $(since "$t_all") s"
[ $rec_rc -eq 0 ] && [ $failed -eq 0 ]
