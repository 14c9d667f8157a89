#!/bin/sh
# Install every Debian package the project needs to build and test.
# Idempotent: packages already present are left alone; safe to rerun.
set -eu

# gvncviewer ships gvnccapture, the headless VNC client the display tests
# capture frames with.
PKGS="build-essential pkg-config clang clang-format libclang-rt-14-dev
check libzstd-dev libpng-dev libpciaccess-dev libdrm-dev libosmesa6-dev
zstd libvncserver-dev gvncviewer"

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
