#!/bin/sh
# CRIU action script for restoring a UML (criu restore --leave-stopped
# --action-script): once criu has let go of the restored tree, send
# SIGALRM to UML's main process, then SIGCONT to its process group (UML
# is a session leader). Left running, UML could kill a stub criu has yet
# to detach from (a guest process exited), which fails the restore.
# CRIU reads a task's pending signals some milliseconds before its POSIX
# timers; when UML's one-shot tick timer fires in between, the image has
# the timer disarmed and no signal pending, and the restored guest sleeps
# forever. An extra SIGALRM is harmless: UML takes it as a timer tick.
# CRIU sets CRTOOLS_SCRIPT_ACTION and CRTOOLS_INIT_PID (the restored root
# task, UML's main process); every other action is ignored.
[ "${CRTOOLS_SCRIPT_ACTION:-}" = post-resume ] || exit 0
pid=${CRTOOLS_INIT_PID:-}
case $pid in
"" | *[!0-9]*)
	echo "post-resume.sh: no CRTOOLS_INIT_PID from criu" >&2
	exit 1
	;;
esac
kill -ALRM "$pid"
kill -CONT "-$pid"
