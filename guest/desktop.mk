# The vkernel's guest root (guest/desktop/README.md), included by the
# top-level Makefile. `make guest-root` builds build/guest-root: Debian
# bookworm by debootstrap with Xorg, xterm and the X utilities, and our
# init (guest/desktop/). The script decides what to redo from a stamp in
# the root: nothing, our few guest files, or everything (the package list
# or the recipe changed); downloaded packages stay in build/guest-root-cache.
# tests/sys/test_guest_desktop.sh boots the vkernel on it.

GUEST_ROOT := build/guest-root

guest-root:
	guest/desktop/build-root.sh $(GUEST_ROOT)

check: guest-root

.PHONY: guest-root
