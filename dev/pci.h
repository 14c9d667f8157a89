/*
 * The real-hardware backend of the access interface (hw.h): a PCI device of
 * this host, reached through libpciaccess and Linux sysfs. Its device name
 * is "pci:DDDD:BB:DD.F" (domain, bus, device, function in hex, the way
 * lspci -D prints them); backend_open strips the "pci:".
 *
 *   pci_open("0000:00:02.0", &hw, &e);
 *
 * Only devices a chip driver (lib/chip.h) handles can be opened; any other
 * is refused before anything is written to it. Using an open device needs
 * root: the sysfs resource files, config space beyond byte 64 and the
 * legacy VGA ports (iopl) are root's. Enumeration (pci_list) reads only
 * identities and works without root.
 *
 * Not thread-safe: libpciaccess keeps one process-wide device list, shared
 * by every open device and pci_list.
 */
#ifndef GS_PCI_H
#define GS_PCI_H

#include <stdint.h>

#include "hw.h"

struct pci_addr {
	uint16_t domain;
	uint8_t bus, dev, func;
};

/* Parse "DDDD:BB:DD.F" strictly: exactly 4, 2, 2 and 1 hex digits, device
 * 00-1f, function 0-7. -EINVAL with a message naming the bad field. */
int pci_parse_addr(const char *text, struct pci_addr *a, struct err *e);

/* Open the device at text ("DDDD:BB:DD.F"). -ENODEV when there is no such
 * device or no save/restore driver for it. */
int pci_open(const char *text, struct hw **out, struct err *e);

/* One device as pci_list reports it. */
struct pci_info {
	struct pci_addr addr;
	uint16_t vendor, device;
	uint32_t class_code; /* base class, subclass, programming interface */
	const char *chip;    /* name of the save/restore driver, NULL if none */
};

enum {
	PCI_LIST_ALL = 1 << 0, /* every device, else display class only */
};

/* Called per device in slot order; a nonzero return stops the walk and is
 * returned by pci_list. */
typedef int (*pci_list_fn)(void *ctx, const struct pci_info *info);

/* Walk this host's display-class (0x03xxxx) PCI devices, or all of them
 * with PCI_LIST_ALL. Reads identities only; needs no privilege. */
int pci_list(unsigned flags, pci_list_fn fn, void *ctx, struct err *e);

/* What lspci would call the class: "VGA-compatible controller", "Host
 * bridge", ...; the base class name when the subclass is not known. */
const char *pci_class_name(uint32_t class_code);

#endif
