#!/bin/sh
# Bring a kernel tree to exactly our patch series: every PATCHDIR/*.patch,
# in file-name order (name them NNNN-what.patch), applied with -p1.
# Idempotent and incremental: SRC/.vkernel-patches/ keeps a copy of each
# patch applied, in order; patches that match the series from the start
# stay, the rest are reverted newest first, then the remaining patches of
# the series are applied. Reverted or patched files get a fresh mtime, so
# kbuild rebuilds only what they touch.
# Usage: sys/apply-patches.sh SRC PATCHDIR
set -eu
src=$1
dir=$2
rec=$src/.vkernel-patches
mkdir -p "$rec"
touch "$rec/applied"

die() {
	echo "apply-patches: $*" >&2
	exit 1
}

# The series, one file name a line (none is a valid series).
: >"$rec/series.new"
for p in "$dir"/*.patch; do
	[ -f "$p" ] && basename "$p" >>"$rec/series.new"
done

# Keep the longest prefix of the applied list that matches the series, by
# name and content.
keep=0
while read -r name; do
	want=$(sed -n "$((keep + 1))p" "$rec/series.new")
	if [ "$name" != "$want" ] || ! cmp -s "$rec/$name" "$dir/$name"; then
		break
	fi
	keep=$((keep + 1))
done <"$rec/applied"

# Revert the rest, newest first; the record shrinks after each step so an
# interruption leaves it true.
while [ "$(wc -l <"$rec/applied")" -gt "$keep" ]; do
	name=$(tail -n 1 "$rec/applied")
	patch -R -p1 -s -f --no-backup-if-mismatch -d "$src" <"$rec/$name" ||
		die "cannot revert $name; remove $src to start from a fresh tree"
	sed -i '$d' "$rec/applied"
	rm -f "$rec/$name"
	echo "apply-patches: reverted $name"
done

tail -n +"$((keep + 1))" "$rec/series.new" | while read -r name; do
	p=$dir/$name
	patch -p1 -s -f --dry-run -d "$src" <"$p" >/dev/null ||
		die "$name does not apply to $src (tree left at the patch before it)"
	patch -p1 -s -f --no-backup-if-mismatch -d "$src" <"$p"
	cp "$p" "$rec/$name"
	echo "$name" >>"$rec/applied"
	echo "apply-patches: applied $name"
done
rm -f "$rec/series.new"
