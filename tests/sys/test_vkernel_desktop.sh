#!/bin/sh
# The product, end to end: `vkernel -G sim` (the README's main job) boots
# the guest desktop; gpud's device shows it. Checks: the modeset Xorg
# made reached gpud (its DISPI registers hold the mode xrandr reports);
# gpud's screenshot shows the session's root colour, xterm and xclock
# where the guest says they are; xrandr to 1024x768 in the guest changes
# the registers and the picture; text typed in a real VNC viewer
# (xtightvncviewer under Xvfb, driven by xdotool) reaches the guest's
# xterm and runs there; Ctrl-C on the launcher powers the guest off, exit
# 0, nothing left.
# Usage: test_vkernel_desktop.sh BUILD_DIR (vkernel, gpud, gpustate from
# there; kernel and guest root found by the launcher). Prints "ok - NAME"
# / "not ok - NAME".
set -u
# shellcheck source=tests/sys/lib/uml.sh
. "$(dirname "$0")/lib/uml.sh"
NOK_LINES=30
B=$1
T=$(mktemp -d)
RUN=$T/run
S=$RUN/gpu.sock
BOOT_TIMEOUT=120
WAIT=30
vpid='' xpid='' wpid=''

cleanup() {
	for p in $wpid $xpid; do kill "$p" 2>/dev/null; done
	[ -n "$vpid" ] && kill -KILL "$vpid" 2>/dev/null
	pkill -KILL -f "$RUN" 2>/dev/null
	for p in $wpid $xpid $vpid; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

check() {
	name=$1
	shift
	: >"$T/log"
	if "$@"; then ok "$name"; else nok "$name" "$T/log"; fi
}

for tool in vkernel gpud gpustate; do
	[ -x "$B/$tool" ] || { nok "$B/$tool is built (make all)"; exit 1; }
done
for tool in Xvfb xtightvncviewer xdotool xwininfo; do
	command -v $tool >/dev/null || { nok "$tool installed (install-deps.sh)"; exit 1; }
done
mkdir -p "$T/share"

# The launcher, with the guest's command channel (vkernel.share) as an
# extra kernel argument.
"$B/vkernel" -G sim --vnc 0 --run-dir "$RUN" --name desk \
	-- vkernel.share="$T/share" >"$T/console" 2>"$T/status" &
vpid=$!
ready() { grep -qs '^vkernel: guest: session ready' "$T/status"; }
if ! wait_until $BOOT_TIMEOUT ready; then
	nok "vkernel -G sim reaches the guest's session" "$T/status"
	exit 1
fi
ok "vkernel -G sim reaches the guest's session"
port=$(sed -n 's|^vkernel: desktop on vnc://127.0.0.1:\([0-9]*\) .*|\1|p' "$T/status")

# ID SCRIPT: runs SCRIPT in the guest; output in $T/share/out-ID.
guest_run() {
	printf '%s\n' "$2" >"$T/share/.cmd-$1"
	mv "$T/share/.cmd-$1" "$T/share/cmd-$1.sh"
	wait_until $WAIT test -f "$T/share/rc-$1" || return 255
	cat "$T/share/out-$1" >>"$T/log"
	return "$(cat "$T/share/rc-$1")"
}
gpu_reg_is() {
	"$B/gpustate" show --server "$S" >>"$T/log" 2>&1 &&
		"$B/gpustate" show --server "$S" | grep -qE "^  $1 +$2\$"
}
dispi_matches_xrandr() {
	guest_run mode 'xrandr | sed -n "s/.* current \([0-9]*\) x \([0-9]*\),.*/\1 \2/p"' ||
		return 1
	read -r w h <"$T/share/out-mode" || return 1
	gpu_reg_is XRES "$(printf '0x%04x' "$w")" &&
		gpu_reg_is YRES "$(printf '0x%04x' "$h")" &&
		gpu_reg_is BPP 0x0020 && gpu_reg_is ENABLE 0x00c1
}
# PROBE...: gpud's screenshot has these pixels (X,Y=RRGGBB).
screen_shows() {
	set -- $(for p in "$@"; do echo "--probe $p"; done)
	"$B/gpustate" screenshot --server "$S" -o "$T/shot.png" "$@" >>"$T/log" 2>&1
}
# NAME: "X Y W H" of the guest window named NAME (xwininfo in the guest).
window_of() {
	guest_run "win-$1" "xwininfo -name $1" >/dev/null || return 1
	awk '/Absolute upper-left X:/ { x = $NF } /Absolute upper-left Y:/ { y = $NF }
		/^  Width:/ { w = $NF } /^  Height:/ { h = $NF }
		END { print x, y, w, h }' "$T/share/out-win-$1"
}
# The xterm's and xclock's insides are white where the guest says the
# windows are, the root around them is the session's colour.
windows_where_guest_says() {
	set -- $(window_of xterm) $(window_of xclock)
	[ $# = 8 ] || return 1
	echo "xterm at $1,$2 ${3}x$4, xclock at $5,$6 ${7}x$8" >>"$T/log"
	screen_shows "$(($1 + $3 / 2)),$(($2 + $4 - 10))=ffffff" \
		"$(($5 + 3)),$(($6 + 3))=ffffff" \
		"$(($1 - 3)),$(($2 - 3))=4060a0" \
		"$(($5 + $7 + 5)),$(($6 + $8 + 5))=4060a0"
}
mode_change_follows() {
	guest_run setmode 'xrandr -s 1024x768 && xrandr | head -n 1' &&
		grep -q 'current 1024 x 768' "$T/share/out-setmode" &&
		gpu_reg_is XRES 0x0400 && gpu_reg_is YRES 0x0300 &&
		screen_shows 1023,767=4060a0 && grep -q ': 1024x768$' "$T/log"
}

check "gpud's DISPI registers hold the mode xrandr reports" dispi_matches_xrandr
check "gpud's screen shows the root colour" screen_shows 5,5=4060a0
check "xterm and xclock are on gpud's screen where the guest says" \
	windows_where_guest_says
check "xrandr to 1024x768 changes gpud's registers and picture" \
	mode_change_follows

# A real VNC viewer types into the xterm: the pointer over it (no window
# manager: focus follows the pointer), then a command and Return.
Xvfb -displayfd 5 -screen 0 1280x1024x24 -nolisten tcp 5>"$T/display" \
	2>"$T/xvfb.log" &
xpid=$!
typed_runs() {
	wait_until $WAIT test -s "$T/display" || return 1
	DISPLAY=":$(cat "$T/display")"
	export DISPLAY
	xtightvncviewer "127.0.0.1::$port" >"$T/viewer.log" 2>&1 &
	wpid=$!
	wid=$(timeout $WAIT xdotool search --sync --name 'TightVNC' | head -n 1)
	desk=$(xwininfo -tree -id "${wid:-0}" 2>/dev/null |
		awk '/ 1024x768\+0\+0 / { w = $1 } END { print w }')
	[ -n "$desk" ] || { cat "$T/viewer.log" >>"$T/log"; return 1; }
	set -- $(window_of xterm)
	xdotool mousemove --window "$desk" $(($1 + $3 / 2)) $(($2 + $4 / 2)) \
		windowfocus --sync "$wid" &&
		sleep 0.5 &&
		xdotool type --delay 30 'touch /tmp/vnc-typed' &&
		xdotool key Return || return 1
	guest_run typed 'i=0; while [ ! -e /tmp/vnc-typed ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done; ls /tmp/vnc-typed'
}
check "text typed in a VNC viewer runs in the guest's xterm" typed_runs

# Ctrl-C on the launcher: clean power-off.
kill -INT "$vpid"
i=0
while kill -0 "$vpid" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$vpid"
rc=$?
vpid=
cp "$T/status" "$T/log"
check "Ctrl-C powers the guest off, exit 0" test "$rc" = 0
run_gone() { ! pgrep -f "$RUN" >"$T/log" && [ ! -e "$RUN" ]; }
check "nothing of the run is left" run_gone
