#!/bin/busybox sh
# /init of the conformance guest (guest/README.md). Mounts the kernel file
# systems, runs the guest test named by "gtest=NAME" on the kernel command
# line (functions in /guest/tests.sh), prints "GUEST-DONE" and powers off.
# Everything the host reads comes over the serial console (ttyS0) as lines
# starting with "GUEST-"; files go out as one tar over ttyS1.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/shm /dev/pts /tmp /out
mount -t tmpfs shm /dev/shm

gtest=
for a in $(cat /proc/cmdline); do
	case $a in gtest=*) gtest=${a#gtest=} ;; esac
done

. /guest/tests.sh
guest_mark init
guest_main "$gtest"
echo "GUEST-DONE $gtest"
sync
poweroff -f
