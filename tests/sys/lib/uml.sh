# shellcheck shell=sh
# Shared by the shell tests in tests/sys and by bench/ (sourced, not run:
# run-tests.sh runs only tests/*/*.sh): TAP-ish results and checks,
# waiting for a condition, and booting the vkernel's UML from a busybox
# initramfs with its console on a fifo. The caller sets T (its work
# directory) and, to boot, L (the kernel).

ok() { echo "ok - $1"; }
# NAME [LOG]: a failed check, LOG shown as comments (its last NOK_LINES
# lines if NOK_LINES is set).
nok() {
	echo "not ok - $1"
	[ -z "${2:-}" ] || if [ -n "${NOK_LINES:-}" ]; then
		tail -n "$NOK_LINES" "$2"
	else
		cat "$2"
	fi | sed 's/^/# /'
}
# NAME LOG COMMAND...: passes when the command succeeds; LOG is shown
# otherwise.
check() {
	name=$1 log=$2
	shift 2
	if "$@"; then ok "$name"; else nok "$name" "$log"; fi
}

# NAME COMMAND...: passes when the command succeeds; its output goes to
# $T/log, shown when it fails.
check_run() {
	name=$1
	shift
	: >"$T/log"
	if "$@" >>"$T/log" 2>&1; then ok "$name"; else nok "$name" "$T/log"; fi
}

# SECONDS COMMAND...: retries the command every WAIT_STEP seconds (0.1 by
# default) until it succeeds, SECONDS / WAIT_STEP times at most (a slow
# command stretches the wait, as a busy machine needs).
wait_until() {
	n=$(awk -v s="$1" -v d="${WAIT_STEP:-0.1}" 'BEGIN { print int(s / d) }')
	shift
	while ! "$@"; do
		[ "$n" -le 0 ] && return 1
		n=$((n - 1))
		sleep "${WAIT_STEP:-0.1}"
	done
}

# $T/initrd.cpio from $T/root, with static busybox as bin/busybox and
# the init the caller wrote to $T/root/init.
busybox_initrd() {
	mkdir -p "$T/root/bin"
	cp /bin/busybox "$T/root/bin/busybox"
	chmod +x "$T/root/init"
	(cd "$T/root" && find . | cpio -o -H newc --quiet) >"$T/initrd.cpio"
}

# UML ARGS...: boot in the background, in a session of its own. The
# console is a fifo in (this shell's fd 3: write lines there) and a pipe
# out (UML cannot poll a regular file; cat, unlike tr, does not buffer)
# into $T/raw, read through out(). Sets pid (UML, a session leader: -$pid
# is its group with every child it starts) and pgid (the group of the
# wrapper shell, which writes UML's exit status to $T/rc). The caller's
# fds 6 and 7 (feeds whose end of file must reach a reader) are not passed
# on.
uml_boot() {
	rm -f "$T/in" "$T/raw" "$T/pid" "$T/pgid" "$T/rc"
	mkfifo "$T/in"
	# Without job control a background command's stdin is /dev/null, so
	# the fifo goes in on fd 4.
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid sh -c 'echo $$ >"$0/pgid"; "$@" <&4 4<&- & echo $! >"$0/pid"
		wait $!; echo $? >"$0/rc"' \
		"$T" "$@" 4<"$T/in" 2>&1 6>&- 7>&- | cat >"$T/raw" 6>&- 7>&- &
	exec 3>"$T/in"
	wait_until 5 test -s "$T/pid"
	pid=$(cat "$T/pid" 2>/dev/null)
	pgid=$(cat "$T/pgid" 2>/dev/null)
}

# Kill whatever is left of a boot.
reap() {
	[ -n "$pid" ] && kill -KILL "-$pid" 2>/dev/null
	[ -n "$pgid" ] && kill -KILL "-$pgid" 2>/dev/null
	pid=
	pgid=
}

# The console so far, without the tty's carriage returns, in $T/out.
out() {
	if [ -f "$T/raw" ]; then tr -d '\r' <"$T/raw" >"$T/out"; else : >"$T/out"; fi
}
