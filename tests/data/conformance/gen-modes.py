#!/usr/bin/env python3
"""Generate the display-mode access scripts and their pictures in modes/.

The round-trip and cross-implementation tests (guest/README.md) replay each
modes/*.gs on QEMU's std VGA and on our model, draw known content, and
compare pictures. The scripts are long (palettes, full register files), so
they are generated; the output is committed and this file is only rerun
when a mode changes:  python3 tests/data/conformance/gen-modes.py
Register values of text mode 3 and mode 13h are the IBM VGA BIOS tables;
the DISPI sequences follow stdvga.md sections 3 and 5.
"""
import os
import struct
import zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "modes")


def png(path, width, height, rows, gray):
    """Write an 8-bit grey or RGB PNG; rows yields bytes per row."""
    raw = b"".join(b"\0" + bytes(r) for r in rows)

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0 if gray else 2, 0, 0, 0)
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def image_rgb():
    """96x64: colour ramps, a checkerboard and a diagonal, all channels."""
    for y in range(64):
        row = []
        for x in range(96):
            if y < 16:
                row += [x * 255 // 95, 0, 255 - x * 255 // 95]
            elif y < 32:
                row += [0, x * 255 // 95, (y - 16) * 16]
            elif y < 48:
                v = 255 if (x // 4 + y // 4) % 2 else 0
                row += [v, v, v]
            else:
                row += [255, 255, 0] if x == (y - 48) * 6 else [x * 2, 64, y]
        yield row


def index8(width, height):
    """Every palette index in 16x16 blocks, then a ramp."""
    for y in range(height):
        if y < 256:
            yield [(y // 16) * 16 + (x // (width // 16)) % 16
                   for x in range(width)]
        else:
            yield [(x + y) & 255 for x in range(width)]


# Text mode 3 (80x25, 9x16 cells), IBM BIOS values; CR0A bit 5 turns the
# cursor off (QEMU blinks it) and AR10 bit 3 off selects bright background
# instead of blink.
TEXT_MSR = 0x67
TEXT_SR = [0x03, 0x00, 0x03, 0x00, 0x02]
TEXT_CR = [0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x2D,
           0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96,
           0xB9, 0xA3, 0xFF]
TEXT_GR = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF]
TEXT_AR = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
           0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x04, 0x00, 0x0F, 0x08, 0x00]

# Mode 13h (320x200, 256 colours, chain-4, scan-doubled).
M13_MSR = 0x63
M13_SR = [0x03, 0x01, 0x0F, 0x00, 0x0E]
M13_CR = [0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00,
          0x00, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96,
          0xB9, 0xA3, 0xFF]
M13_GR = [0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF]
M13_AR = list(range(16)) + [0x41, 0x00, 0x0F, 0x00, 0x00]


def glyph(c, r):
    """A synthetic 8x16 font: a frame, the code in binary, its inverse.
    Rows 0 and 15 keep bit 0 set so the 9th column of line-graphics
    characters (0xB0-0xDF) visibly repeats it."""
    rows = [0xFF, 0x81, c, c, 0x81, (~c) & 0xFF, (~c) & 0xFF, 0x81,
            c ^ 0x5A, 0x81, (c << 1) & 0xFF, c >> 1, 0x81, 0x3C, 0x00, 0xFF]
    return rows[r]


def text_vram():
    """32 KiB of planar VRAM as bytes 4a+p: cells (char, attribute) in
    planes 0/1 from address 0, the font in plane 2 (32 rows per char)."""
    vram = bytearray(32768)
    msg = b"gpustate conformance: QEMU std VGA text mode 3 "
    for i in range(80 * 25):
        if i < 80:
            ch, attr = msg[i % len(msg)], 0x1F
        else:
            ch, attr = (i * 7) & 0xFF, (i // 80 * 0x11 + i) & 0xFF
        vram[4 * i] = ch
        vram[4 * i + 1] = attr
    for c in range(256):
        for r in range(32):
            vram[4 * (32 * c + r) + 2] = glyph(c, r) if r < 16 else 0
    return [vram[y * 256:(y + 1) * 256] for y in range(128)]


def mode13_vram():
    for y in range(200):
        yield [(x // 20 + (y // 25) * 16) & 255 if x < 320 - 64
               else (x * 4 + y) & 255 for x in range(320)]


def ega_palette():
    """The 64 EGA colours: bits 0-2 are B, G, R at 2/3, bits 3-5 at 1/3."""
    out = []
    for i in range(64):
        def ch(lo, hi):
            return 0x2A * ((i >> lo) & 1) + 0x15 * ((i >> hi) & 1)
        out.append((ch(2, 5), ch(1, 4), ch(0, 3)))
    return out


def palette_lines(entries):
    lines = ["io.w8 0x3c8 0x00"]
    for rgb in entries:
        lines += ["io.w8 0x3c9 0x%02x" % v for v in rgb]
    return lines


def vga_regs(msr, sr, cr, gr, ar):
    """A complete VGA register load in the order of stdvga.md 9.3."""
    out = ["io.w8 0x3c2 0x%02x" % (msr | 1), "io.w16 0x3c4 0x0100"]
    out += ["io.w16 0x3c4 0x%02x%02x" % (v, i) for i, v in
            enumerate(sr) if i]
    out += ["io.w16 0x3d4 0x%02x11" % (cr[0x11] & 0x7F)]
    out += ["io.w16 0x3d4 0x%02x%02x" % (v, i) for i, v in enumerate(cr)
            if i != 0x11]
    out += ["io.w16 0x3d4 0x%02x11" % cr[0x11]]
    out += ["io.w16 0x3ce 0x%02x%02x" % (v, i) for i, v in enumerate(gr)]
    for i, v in enumerate(ar):
        out += ["io.r8 0x3da", "io.w8 0x3c0 0x%02x" % i,
                "io.w8 0x3c0 0x%02x" % v]
    out += ["io.w16 0x3c4 0x%02x00" % sr[0], "io.w8 0x3c2 0x%02x" % msr]
    return out


FIRMWARE = """# Firmware's BARs on QEMU's i440fx with -vga std (the same values are
# programmed into the model), I/O and memory decode on.
cfg.w32 0x10 0xfd000008
cfg.w32 0x18 0xfebf0000
cfg.w16 0x04 0x0003"""

UNBLANK = """# Unblank: attribute index with PAS set (stdvga.md 3.4).
io.r8 0x3da
io.w8 0x3c0 0x20"""

# bochs-drm's unblank over BAR2: colour decode first, so IS1 answers at
# 0x3DA and resets the attribute flip-flop before the index write.
UNBLANK_MMIO = """# Unblank as bochs-drm does: MSR colour, IS1, AR index with PAS.
bar2.w8 0x402 0x01
bar2.r8 0x41a
bar2.w8 0x400 0x20"""

UNBLANK_PORTS = """# Unblank: MSR colour decode, IS1, AR index with PAS.
io.w8 0x3c2 0x01
io.r8 0x3da
io.w8 0x3c0 0x20"""


def dispi_ports(regs):
    out = []
    for idx, val in regs:
        out += ["io.w16 0x1ce 0x%x" % idx, "io.w16 0x1cf 0x%x" % val]
    return out


def dispi_mmio(regs):
    return ["bar2.w16 0x%03x 0x%x" % (0x500 + 2 * idx, val)
            for idx, val in regs]


def vbe_mode(xres, yres, bpp, enable, vwidth=0, xoff=0, yoff=0, mmio=False):
    """ENABLE=0 first (hazard 2), geometry raw, the enable transition
    (NOCLEARMEM so the drawing below decides every pixel), then pan."""
    pre = [(4, 0), (3, bpp), (1, xres), (2, yres), (5, 0), (4, enable)]
    post = [(6, vwidth or xres), (8, xoff), (9, yoff)]
    f = dispi_mmio if mmio else dispi_ports
    lines = ["# DISPI modeset: %ux%u %u bpp, ENABLE 0x%02x" %
             (xres, yres, bpp, enable)] + f(pre) + f(post)
    lines += ["# Little-endian framebuffer (survives reset: hazard 15).",
              "bar2.w32 0x604 0x1e1e1e1e"]
    lines += ["# Read the geometry back: the trace shows the fixups."]
    lines += ["bar2.r16 0x%03x" % (0x500 + 2 * i) for i in range(11)]
    return lines


def write(name, header, body):
    with open(os.path.join(HERE, name), "w") as f:
        f.write("".join("# %s\n" % h for h in header))
        f.write("\n".join(body) + "\n")


def main():
    os.makedirs(HERE, exist_ok=True)
    png("image.png", 96, 64, image_rgb(), False)
    png("index8.png", 640, 480, index8(640, 480), True)
    png("text-vram.png", 256, 128, text_vram(), True)
    png("mode13h.png", 320, 200, mode13_vram(), True)

    # 32 bpp as the bochs DRM driver does it, over BAR2, panned into a
    # wider virtual screen.
    stride = 832 * 4
    write("vbe32.gs", [
        "Generated by gen-modes.py. 800x600x32 over BAR2 MMIO, as bochs-drm",
        "programs it, in an 832-pixel virtual screen panned to (8, 4)."],
        [FIRMWARE, UNBLANK_MMIO] +
        vbe_mode(800, 600, 32, 0xC1, vwidth=832, xoff=8, yoff=4, mmio=True) +
        ["# Background: blue-green bands; the image; noise in a corner.",
         "vram.fill 0x0 0x%x 0x00204a87" % (stride * 304),
         "vram.fill 0x%x 0x%x 0x00e08020" % (stride * 304, stride * 304),
         "vram.png 0x%x 0x%x xrgb8888 image.png" % (stride * 40 + 4 * 40,
                                                    stride),
         "vram.random 0x%x 0x%x 7" % (stride * 500, stride * 40)])

    stride = 640 * 3
    write("vbe24.gs", [
        "Generated by gen-modes.py. 640x480x24 over the DISPI ports."],
        [FIRMWARE, UNBLANK_PORTS] + vbe_mode(640, 480, 24, 0xC1) +
        ["vram.fill 0x0 0x%x 0x00336699" % (stride * 480),
         "vram.png 0x%x 0x%x rgb888 image.png" % (stride * 100 + 300, stride),
         "vram.random 0x%x 0x%x 24" % (stride * 400, stride * 16)])

    stride = 640 * 2
    write("vbe16.gs", [
        "Generated by gen-modes.py. 640x480x16 (r5g6b5) over the DISPI ports."],
        [FIRMWARE, UNBLANK_PORTS] + vbe_mode(640, 480, 16, 0xC1) +
        ["vram.fill 0x0 0x%x 0xf81f07e0" % (stride * 480),
         "vram.png 0x%x 0x%x rgb565 image.png" % (stride * 200 + 200, stride),
         "vram.random 0x%x 0x%x 16" % (stride * 300, stride * 8)])

    pal8 = [(i, 255 - i, (i * 37) & 255) for i in range(256)]
    write("vbe8.gs", [
        "Generated by gen-modes.py. 640x480x8 with the 8-bit DAC (ENABLE",
        "bit 5): palette bytes above 63 are shown as they are."],
        [FIRMWARE, UNBLANK_PORTS] + vbe_mode(640, 480, 8, 0xE1) +
        ["# 8-bit palette."] + palette_lines(pal8) +
        ["vram.png 0x0 640 gray8 index8.png"])

    write("vbe8-pan.gs", [
        "Generated by gen-modes.py. 640x480x8 (8-bit DAC) in a 1024-pixel",
        "virtual screen panned to (3, 5): QEMU's scanout start has 4-byte",
        "granularity, so the 3-pixel pan is rounded away (stdvga.md 3.2,",
        "check 10.6)."],
        [FIRMWARE, UNBLANK_PORTS] +
        vbe_mode(640, 480, 8, 0xE1, vwidth=1024, xoff=3, yoff=5) +
        ["# 8-bit palette."] + palette_lines(pal8) +
        ["vram.fill 0x0 0x%x 0x40302010" % (1024 * 512),
         "vram.png 0x0 1024 gray8 index8.png",
         "vram.random 0x%x 0x%x 8" % (1024 * 470, 1024 * 16)])

    pal6 = [(i & 63, (i >> 2) & 63, 63 - (i & 63)) for i in range(256)]
    write("vbe8-dac6.gs", [
        "Generated by gen-modes.py. 640x480x8 with the 6-bit DAC: QEMU",
        "expands each 6-bit value (stdvga.md 3.4)."],
        [FIRMWARE, UNBLANK_PORTS] + vbe_mode(640, 480, 8, 0xC1) +
        ["# 6-bit palette."] + palette_lines(pal6) +
        ["vram.png 0x0 640 gray8 index8.png"])

    write("text.gs", [
        "Generated by gen-modes.py. VGA text mode 3: 80x25 cells of 9x16,",
        "a synthetic font in plane 2, the EGA palette, cursor off."],
        [FIRMWARE, "# DISPI off: the VGA registers decide the mode.",
         "io.w16 0x1ce 4", "io.w16 0x1cf 0"] +
        vga_regs(TEXT_MSR, TEXT_SR, TEXT_CR, TEXT_GR, TEXT_AR) +
        ["# EGA palette in DAC entries 0-63."] +
        palette_lines(ega_palette()) +
        ["# Cells and font as one planar image (bytes 4a+p).",
         "vram.png 0x0 256 gray8 text-vram.png", UNBLANK])

    pal13 = [((i * 5) & 63, (i * 3) & 63, i & 63) for i in range(256)]
    write("mode13h.gs", [
        "Generated by gen-modes.py. VGA mode 13h: 320x200, 256 colours,",
        "chain-4 (VRAM is linear), scan-doubled, 6-bit DAC."],
        [FIRMWARE, "# DISPI off: the VGA registers decide the mode.",
         "io.w16 0x1ce 4", "io.w16 0x1cf 0"] +
        vga_regs(M13_MSR, M13_SR, M13_CR, M13_GR, M13_AR) +
        palette_lines(pal13) +
        ["vram.png 0x0 320 gray8 mode13h.png", UNBLANK])


if __name__ == "__main__":
    main()
