# The Linux bochs DRM driver (drivers/gpu/drm/tiny/bochs.c) on a fresh
# stdvga: firmware BAR setup, probe, modeset to 1024x768x32, a frame drawn
# into the first buffer, then a page flip to a second buffer at 3 MiB
# (stdvga.md section 5). BAR2 MMIO is used for everything, as the driver
# does when BAR2 is a memory BAR.

# Firmware: assign BARs, enable decode.
cfg.w32 0x10 0xfd000008
cfg.w32 0x18 0xfebf0000
cfg.w16 0x04 0x0003
cfg.r16 0x00 0x1234
cfg.r16 0x02 0x1111

# Probe: ID, VRAM size, extended registers.
bar2.r16 0x500 0xb0c0/0xfff0
bar2.r16 0x514 0x0100
bar2.r32 0x600 8
bar2.w32 0x604 0x1e1e1e1e
bar2.r32 0x000 0xffffff00
bar2.r32 0x004 0x00ffffff

# Modeset (bochs_hw_setmode): unblank, then the DISPI sequence.
bar2.w8 0x402 0x01
bar2.r8 0x41a
bar2.w8 0x400 0x20
bar2.w16 0x508 0x0000
bar2.w16 0x506 32
bar2.w16 0x502 1024
bar2.w16 0x504 768
bar2.w16 0x50a 0
bar2.w16 0x50c 1024
bar2.w16 0x50e 4096
bar2.w16 0x510 0
bar2.w16 0x512 0
bar2.w16 0x508 0x0041

# Plane update for the framebuffer at offset 0, pitch 4096.
bar2.w16 0x50c 1024
bar2.w16 0x510 0
bar2.w16 0x512 0
bar2.w32 0x604 0x1e1e1e1e

# The enable cleared the visible frame; the fixups hold.
bar2.r16 0x502 1024
bar2.r16 0x504 768
bar2.r16 0x50e 4096
bar0.r32 0x0 0
bar2.w8 0x40e 0x06
bar2.r8 0x40f 0x05/0x0d

# Draw: four horizontal bands (red, green, blue, white), 192 lines each.
vram.fill 0x000000 0xc0000 0x00ff0000
vram.fill 0x0c0000 0xc0000 0x0000ff00
vram.fill 0x180000 0xc0000 0x000000ff
vram.fill 0x240000 0xc0000 0x00ffffff

# Second buffer at 3 MiB (y = 768): noise, then a page flip to it and back.
vram.random 0x300000 0x300000 42
bar2.w16 0x50c 1024
bar2.w16 0x510 0
bar2.w16 0x512 768
bar2.r16 0x512 768
bar2.w16 0x512 0
bar2.r16 0x512 0
