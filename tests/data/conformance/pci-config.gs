# Differential: PCI configuration space (stdvga.md section 1, check 10.1).
# Replayed with --trace on QEMU's std VGA and on our model; every read must
# agree (guest/README.md). BAR writes restore the addresses QEMU's firmware
# assigns on i440fx with -vga std, so the guest's mappings stay valid.

# Identity: vendor/device, status, revision/class, header, subsystem.
cfg.r32 0x00
cfg.r16 0x06
cfg.r32 0x08
cfg.r8 0x0e
cfg.r32 0x2c
cfg.r8 0x34
# No interrupt pin.
cfg.r8 0x3d

# BARs: firmware's addresses written back unchanged (the pci backend
# refuses any write that would move a BAR under the guest kernel, so BAR
# sizing cannot be replayed), then read with their type bits. BAR0 is
# 32-bit prefetchable memory, BAR2 memory, the others unimplemented.
cfg.w32 0x10 0xfd000008
cfg.w32 0x18 0xfebf0000
cfg.r32 0x10
cfg.r32 0x14
cfg.r32 0x18
cfg.r32 0x1c
cfg.r32 0x20
cfg.r32 0x24

# Command register: only I/O, memory, bus master, SERR# and INTx disable
# are writable; then back to what firmware set.
cfg.w16 0x04 0xffff
cfg.r16 0x04
cfg.w16 0x04 0x0003
cfg.r16 0x04

# Interrupt line is plain storage.
cfg.w8 0x3c 0x5a
cfg.r8 0x3c
cfg.w8 0x3c 0x00
cfg.r8 0x3c

# Read-only identity stays put.
cfg.w32 0x00 0x12345678
cfg.r32 0x00
cfg.w32 0x2c 0x12345678
cfg.r32 0x2c
