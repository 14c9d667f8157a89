/*
 * stdvga model: PCI configuration space (stdvga.md section 1), as QEMU's
 * generic PCI core presents the "VGA" device on a conventional bus.
 *
 * Writable: the command bits QEMU's pci_init_wmask allows (I/O, memory,
 * bus master, SERR#, INTx disable), BAR0 (VRAM, 32-bit prefetchable), BAR2
 * (4 KiB MMIO) and the interrupt line. Everything else is read-only. QEMU
 * also lets a guest write the cache line size (0x0C) and the device-specific
 * area 0x40-0xFF; the project's model keeps them read-only zero.
 *
 * Status reads 0: QEMU sets no status bit for a conventional device without
 * capabilities and without an interrupt.
 *
 * No expansion ROM: QEMU attaches vgabios-stdvga.bin, but we ship no VGA
 * BIOS, so the ROM BAR (0x30) reads 0 and ignores writes. This is a
 * deliberate difference from QEMU.
 */
#include "stdvga_int.h"

#include <errno.h>
#include <string.h>

#define PCI_VENDOR_QEMU	     0x1234
#define PCI_DEVICE_QEMU_VGA  0x1111
#define PCI_SUBVENDOR	     0x1af4
#define PCI_SUBDEVICE	     0x1100
#define PCI_BAR_MEM_PREFETCH 0x08u
/* I/O | memory | bus master | SERR# | INTx disable */
#define PCI_CMD_WMASK 0x0507u

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Writable bits of one config byte. */
static uint8_t wmask_byte(const struct stdvga *s, unsigned off)
{
	uint32_t bar0 = (uint32_t) ~(s->vram_size - 1) & ~0xfu;
	uint32_t bar2 = ~(SV_BAR2_SIZE - 1);

	if (off >= SV_PCI_COMMAND && off < SV_PCI_COMMAND + 2)
		return (uint8_t)(PCI_CMD_WMASK >> 8 * (off - SV_PCI_COMMAND));
	if (off >= SV_PCI_BAR0 && off < SV_PCI_BAR0 + 4)
		return (uint8_t)(bar0 >> 8 * (off - SV_PCI_BAR0));
	if (off >= SV_PCI_BAR2 && off < SV_PCI_BAR2 + 4)
		return (uint8_t)(bar2 >> 8 * (off - SV_PCI_BAR2));
	if (off == SV_PCI_INTERRUPT_LINE)
		return 0xff;
	return 0;
}

void stdvga_pci_init(struct stdvga *s)
{
	uint8_t *c = s->cfg;

	memset(c, 0, SV_CFG_SIZE);
	put16(c + 0x00, PCI_VENDOR_QEMU);
	put16(c + 0x02, PCI_DEVICE_QEMU_VGA);
	c[0x08] = s->revision;
	c[0x0b] = 0x03; /* display controller, VGA-compatible (0x030000) */
	put16(c + 0x2c, PCI_SUBVENDOR);
	put16(c + 0x2e, PCI_SUBDEVICE);
	stdvga_pci_reset(s);
}

/*
 * What QEMU's PCI device reset does to config space: clear every writable
 * command and interrupt-line bit and put the BARs back to their type bits.
 */
void stdvga_pci_reset(struct stdvga *s)
{
	uint8_t *c = s->cfg;

	put16(c + SV_PCI_COMMAND, 0);
	memset(c + SV_PCI_BAR0, 0, 4);
	c[SV_PCI_BAR0] = PCI_BAR_MEM_PREFETCH;
	memset(c + SV_PCI_BAR2, 0, 4);
	c[SV_PCI_INTERRUPT_LINE] = 0;
}

int stdvga_pci_mem_enabled(const struct stdvga *s)
{
	return (s->cfg[SV_PCI_COMMAND] & SV_PCI_CMD_MEM) != 0;
}

static int check_access(uint64_t off, unsigned size, struct err *e)
{
	if (size != 1 && size != 2 && size != 4)
		return err_set(e, -EINVAL,
			       "config access of %u bytes (1, 2 or 4 allowed)",
			       size);
	if (size > SV_CFG_SIZE || off > SV_CFG_SIZE - size)
		return err_set(e, -EINVAL,
			       "config access of %u bytes at 0x%llx is outside "
			       "the 256-byte config space",
			       size, (unsigned long long)off);
	return 0;
}

int stdvga_pci_read(struct stdvga *s, uint64_t off, unsigned size,
		    uint32_t *val, struct err *e)
{
	uint32_t v = 0;
	int rc = check_access(off, size, e);

	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)s->cfg[off + i] << 8 * i;
	*val = v;
	return 0;
}

int stdvga_pci_write(struct stdvga *s, uint64_t off, unsigned size,
		     uint32_t val, struct err *e)
{
	int rc = check_access(off, size, e);

	if (rc < 0)
		return rc;
	if (size < 4 && val >> 8 * size)
		return err_set(e, -EINVAL,
			       "config write of 0x%x does not fit in %u bytes",
			       val, size);
	for (unsigned i = 0; i < size; i++) {
		unsigned o = (unsigned)off + i;
		uint8_t m = wmask_byte(s, o);
		uint8_t b = (uint8_t)(val >> 8 * i);

		s->cfg[o] = (uint8_t)((s->cfg[o] & ~m) | (b & m));
	}
	return 0;
}
