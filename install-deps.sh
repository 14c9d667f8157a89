#!/bin/sh
# Install every Debian package the project needs to build and test.
# Idempotent: packages already present are left alone; safe to rerun.
set -eu

# The conformance guest (guest/README.md) boots Debian's kernel in QEMU
# with busybox and, for the driver-level test, Xorg's modesetting driver
# (xserver-xorg-core), xkbcomp, xkb data, xsetroot, xmessage and
# xwininfo; socat talks QMP.
# gvncviewer ships gvnccapture, the headless VNC client the display tests
# capture frames with.
PKGS="build-essential pkg-config clang clang-format libclang-rt-14-dev
check libzstd-dev libpng-dev libpciaccess-dev libdrm-dev libosmesa6-dev
zstd libvncserver-dev gvncviewer libssl-dev
qemu-system-x86 busybox-static cpio kmod socat xserver-xorg-core
x11-xserver-utils x11-xkb-utils x11-utils xkb-data"

# The vkernel's kernel build (sys/): kconfig needs flex and bison, kbuild
# bc; the sid source is a .tar.xz checked against debian-archive-keyring;
# sys/apply-patches.sh uses patch; the boot test's initramfs is
# busybox-static in cpio.
PKGS="$PKGS flex bison bc xz-utils patch debian-archive-keyring"

# The vkernel input test (tests/sys/test_vkinput.sh) types into a real VNC
# viewer, xtightvncviewer, under Xvfb, driven by xdotool.
PKGS="$PKGS xvfb xdotool xtightvncviewer"

# The vkernel's guest root (guest/desktop/): debootstrap builds it.
PKGS="$PKGS debootstrap"

# The vkernel's checkpoints hash their files with XXH3 (libxxhash).
PKGS="$PKGS libxxhash-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "install-deps: all packages present"; exit 0; }

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "install-deps: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
