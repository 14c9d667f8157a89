#!/bin/sh
# sys/apply-patches.sh on a small tree: a series applies in file-name
# order, a rerun changes nothing (not even mtimes, so kbuild rebuilds
# nothing), an edited, removed or inserted patch reverts just what no
# longer matches and applies the rest, and a patch that does not apply
# stops with its name and leaves tree and record consistent.
# Usage: test_apply_patches.sh BUILD_DIR (unused). Prints "ok - NAME" /
# "not ok - NAME".
set -u
A=$(pwd)/sys/apply-patches.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

ok() { echo "ok - $1"; }
nok() {
	echo "not ok - $1"
	sed 's/^/# /' "$T/log"
}
check() {
	name=$1
	shift
	if "$@" >>"$T/log" 2>&1; then ok "$name"; else nok "$name"; fi
}
# NAME: runs the script on the tree; passes when it succeeds.
apply() {
	: >"$T/log"
	check "$1" "$A" "$T/src" "$T/p"
}
# The tree's files, one "name: content" line each.
tree() { (cd "$T/src" && for f in *; do echo "$f: $(cat "$f")"; done); }
# FILE WANT: passes when the tree is exactly WANT (lines joined by |).
want() { test "$(tree | tr '\n' '|')" = "$1"; }

# FILE OLD NEW: a -p1 patch of one line, as diff -u writes it.
mkpatch() {
	printf -- '--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-%s\n+%s\n' "$1" "$1" "$2" "$3"
}

mkdir -p "$T/src" "$T/p"
echo one >"$T/src/x"
echo two >"$T/src/y"
# 0002 only applies after 0001: the order matters.
mkpatch x one uno >"$T/p/0001-x.patch"
mkpatch x uno eins >"$T/p/0002-x-again.patch"
mkpatch y two dos >"$T/p/0003-y.patch"

apply "series applies"
check "in file-name order" want "x: eins|y: dos|"
touch -d 2000-01-01 "$T/src/x" "$T/src/y"
apply "rerun succeeds"
check "rerun is a no-op" test ! -s "$T/log"
check "rerun keeps mtimes" test "$(stat -c %Y "$T/src/x")" -lt 1000000000 -a \
	"$(stat -c %Y "$T/src/y")" -lt 1000000000

mkpatch y two zwei >"$T/p/0003-y.patch"
apply "edited last patch"
check "edited patch replaces the old one" want "x: eins|y: zwei|"
check "only the edited patch was redone" sh -c \
	"! grep -q 000[12] '$T/log' && grep -q 'reverted 0003-y.patch' '$T/log'"
check "untouched file keeps its mtime" test "$(stat -c %Y "$T/src/x")" -lt 1000000000

rm "$T/p/0001-x.patch" "$T/p/0002-x-again.patch"
apply "removed patches"
check "removed patches are reverted" want "x: one|y: zwei|"

mkpatch x one uno >"$T/p/0001-x.patch"
apply "inserted first patch"
check "inserted patch goes first" want "x: uno|y: zwei|"
check "record lists the series in order" sh -c \
	"printf '0001-x.patch\n0003-y.patch\n' | cmp -s - '$T/src/.vkernel-patches/applied'"

mkpatch x nope never >"$T/p/0002-bad.patch"
: >"$T/log"
if "$A" "$T/src" "$T/p" >"$T/log" 2>&1; then
	nok "patch that does not apply fails"
else
	ok "patch that does not apply fails"
fi
check "failure names the patch" grep -q '0002-bad.patch does not apply' "$T/log"
check "failed patch leaves the tree at the patch before it" \
	want "x: uno|y: two|"
