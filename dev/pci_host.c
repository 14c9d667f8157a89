/*
 * The host side of the pci backend (see pci.h): libpciaccess's
 * process-wide state shared by every open device, the VGA arbiter,
 * address parsing, enumeration and class names.
 *
 * libpciaccess has one global device list: pci_system_init twice would
 * leak the first, and pci_system_cleanup frees the devices under every
 * user. Hence the reference count.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/chip.h"
#include "pci_int.h"

static struct {
	unsigned users;
	int arb_opened; /* pci_device_vgaarb_init was called */
	int arb;	/* ... and succeeded: arbitrate port accesses */
	struct pci_device *target; /* the arbiter's current target */
} host;

int pci_host_get(struct err *e)
{
	int rc;

	if (host.users) {
		host.users++;
		return 0;
	}
	rc = pci_system_init();
	if (rc) {
		/* A failed scan may leave a half-built system behind. */
		pci_system_cleanup();
		return err_set(e, -rc, "cannot scan PCI devices: %s%s",
			       strerror(rc),
			       rc == ENOENT ? " (no /sys/bus/pci)" : "");
	}
	host.users = 1;
	return 0;
}

void pci_host_put(void)
{
	if (!host.users || --host.users)
		return;
	/* The arbiter releases our locks when its file is closed. */
	if (host.arb_opened)
		pci_device_vgaarb_fini();
	pci_system_cleanup();
	memset(&host, 0, sizeof(host));
}

void pci_host_arbiter(void)
{
	if (host.arb_opened)
		return;
	host.arb_opened = 1;
	host.arb = pci_device_vgaarb_init() == 0;
}

int pci_host_lock(struct pci_device *dev, const char *slot, struct err *e)
{
	if (!host.arb)
		return 0;
	if (host.target != dev) {
		if (pci_device_vgaarb_set_target(dev))
			return err_set(e, -EIO,
				       "%s: the VGA arbiter does not know the "
				       "device",
				       slot);
		host.target = dev;
	}
	if (pci_device_vgaarb_lock())
		return err_set(e, -EIO,
			       "%s: the VGA arbiter refused the legacy lock",
			       slot);
	return 0;
}

void pci_host_unlock(void)
{
	if (host.arb)
		pci_device_vgaarb_unlock();
}

/* ---- addresses ---- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly width hex digits at *s, not followed by another. */
static int hex_field(const char **s, unsigned width, unsigned *v)
{
	unsigned x = 0;

	for (unsigned i = 0; i < width; i++) {
		int d = hex_digit((*s)[i]);

		if (d < 0)
			return -1;
		x = x * 16 + (unsigned)d;
	}
	if (hex_digit((*s)[width]) >= 0)
		return -1;
	*s += width;
	*v = x;
	return 0;
}

static int bad_addr(struct err *e, const char *text, const char *what)
{
	return err_set(e, -EINVAL,
		       "PCI address '%s': %s (the form is pci:DDDD:BB:DD.F, "
		       "e.g. pci:0000:00:02.0)",
		       text, what);
}

int pci_parse_addr(const char *text, struct pci_addr *a, struct err *e)
{
	const char *s = text;
	unsigned dom, bus, dev, fn;

	if (hex_field(&s, 4, &dom))
		return bad_addr(e, text, "the domain must be 4 hex digits");
	if (*s++ != ':')
		return bad_addr(e, text, "expected ':' after the domain");
	if (hex_field(&s, 2, &bus))
		return bad_addr(e, text, "the bus must be 2 hex digits");
	if (*s++ != ':')
		return bad_addr(e, text, "expected ':' after the bus");
	if (hex_field(&s, 2, &dev))
		return bad_addr(e, text, "the device must be 2 hex digits");
	if (dev > 0x1f)
		return bad_addr(e, text, "the device must be 00-1f");
	if (*s++ != '.')
		return bad_addr(e, text, "expected '.' after the device");
	if (hex_field(&s, 1, &fn) || fn > 7)
		return bad_addr(e, text, "the function must be one digit 0-7");
	if (*s)
		return bad_addr(e, text, "unexpected text after the function");
	*a = (struct pci_addr){.domain = (uint16_t)dom,
			       .bus = (uint8_t)bus,
			       .dev = (uint8_t)dev,
			       .func = (uint8_t)fn};
	return 0;
}

void pci_addr_format(const struct pci_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", a->domain, a->bus, a->dev,
		 a->func);
}

/* ---- enumeration ---- */

static int list_one(struct pci_device *dev, pci_list_fn fn, void *ctx)
{
	struct pci_info info = {
		.addr = {.domain = (uint16_t)dev->domain,
			 .bus = dev->bus,
			 .dev = dev->dev,
			 .func = dev->func},
		.vendor = dev->vendor_id,
		.device = dev->device_id,
		.class_code = dev->device_class,
	};
	const struct chip_ops *chip;
	struct gs_identity id;
	struct pci_hw p;

	/* A device that cannot be probed is listed without a driver. */
	if (pci_device_probe(dev) == 0) {
		pci_hw_setup(&p, dev);
		chip = chip_probe(&p.hw, &id, NULL);
		info.chip = chip ? chip->name : NULL;
	}
	return fn(ctx, &info);
}

int pci_list(unsigned flags, pci_list_fn fn, void *ctx, struct err *e)
{
	struct pci_id_match m = {
		.vendor_id = PCI_MATCH_ANY,
		.device_id = PCI_MATCH_ANY,
		.subvendor_id = PCI_MATCH_ANY,
		.subdevice_id = PCI_MATCH_ANY,
	};
	struct pci_device_iterator *it;
	struct pci_device *dev;
	int rc;

	if (!(flags & PCI_LIST_ALL)) {
		m.device_class = 0x030000;
		m.device_class_mask = 0xff0000;
	}
	if ((rc = pci_host_get(e)) < 0)
		return rc;
	if (!(it = pci_id_match_iterator_create(&m))) {
		pci_host_put();
		return err_set(e, -ENOMEM, "cannot scan PCI devices: %s",
			       strerror(ENOMEM));
	}
	while (!rc && (dev = pci_device_next(it)))
		rc = list_one(dev, fn, ctx);
	pci_iterator_destroy(it);
	pci_host_put();
	return rc;
}

/* ---- class names (PCI Code and ID Assignment Specification) ---- */

static const struct {
	uint16_t code; /* base class << 8 | subclass */
	const char *name;
} subclass_names[] = {
	{0x0000, "Non-VGA unclassified device"},
	{0x0001, "VGA-compatible unclassified device"},
	{0x0100, "SCSI storage controller"},
	{0x0101, "IDE interface"},
	{0x0104, "RAID bus controller"},
	{0x0106, "SATA controller"},
	{0x0107, "Serial Attached SCSI controller"},
	{0x0108, "Non-Volatile memory controller"},
	{0x0200, "Ethernet controller"},
	{0x0280, "Network controller"},
	{0x0300, "VGA-compatible controller"},
	{0x0301, "XGA-compatible controller"},
	{0x0302, "3D controller"},
	{0x0380, "Display controller"},
	{0x0400, "Multimedia video controller"},
	{0x0401, "Multimedia audio controller"},
	{0x0403, "Audio device"},
	{0x0500, "RAM memory"},
	{0x0600, "Host bridge"},
	{0x0601, "ISA bridge"},
	{0x0604, "PCI bridge"},
	{0x0680, "Bridge"},
	{0x0700, "Serial controller"},
	{0x0780, "Communication controller"},
	{0x0880, "System peripheral"},
	{0x0c03, "USB controller"},
	{0x0c05, "SMBus"},
	{0x0c80, "Serial bus controller"},
	{0x1200, "Processing accelerators"},
};

static const char *const base_names[] = {
	"Unclassified device",
	"Mass storage controller",
	"Network controller",
	"Display controller",
	"Multimedia controller",
	"Memory controller",
	"Bridge",
	"Communication controller",
	"Generic system peripheral",
	"Input device controller",
	"Docking station",
	"Processor",
	"Serial bus controller",
	"Wireless controller",
	"Intelligent controller",
	"Satellite communications controller",
	"Encryption controller",
	"Signal processing controller",
	"Processing accelerators",
	"Non-Essential Instrumentation",
};

const char *pci_class_name(uint32_t class_code)
{
	uint16_t code = (uint16_t)(class_code >> 8);
	unsigned base = code >> 8;

	for (size_t i = 0; i < sizeof(subclass_names) / sizeof(*subclass_names);
	     i++)
		if (subclass_names[i].code == code)
			return subclass_names[i].name;
	if (base < sizeof(base_names) / sizeof(*base_names))
		return base_names[base];
	if (base == 0x40)
		return "Coprocessor";
	if (base == 0xff)
		return "Unassigned class";
	return "Unknown class";
}
