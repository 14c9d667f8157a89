/*
 * Internals shared by the pci backend (pci.c) and the host-wide side
 * (pci_host.c): the device object and libpciaccess's process-wide state.
 */
#ifndef GS_PCI_INT_H
#define GS_PCI_INT_H

#include <pciaccess.h>

#include "pci.h"

struct pci_hw {
	struct hw hw;
	struct pci_device *dev;
	char slot[16];		  /* "DDDD:BB:DD.F" */
	uint32_t cfg_size;	  /* 256, or 4096 for PCI Express */
	int bar_fd[6];		  /* sysfs resourceN of mappable BARs, or -1 */
	volatile uint8_t *map[6]; /* BARs mapped for region_read/write */
	struct pci_io_handle *io; /* legacy VGA ports, opened on first use */
};

/* Fill p for dev, nothing opened; usable for reads of identity and
 * config space (a stack object needs no destroy). */
void pci_hw_setup(struct pci_hw *p, struct pci_device *dev);

/* Take and drop a reference on libpciaccess (pci_system_init on the
 * first, pci_system_cleanup with the VGA arbiter on the last). */
int pci_host_get(struct err *e);
void pci_host_put(void);
/* Open the VGA arbiter once; hosts without one carry on unarbitrated. */
void pci_host_arbiter(void);
/* Hold the arbiter's legacy lock for dev around a port access. */
int pci_host_lock(struct pci_device *dev, const char *slot, struct err *e);
void pci_host_unlock(void);
/* "DDDD:BB:DD.F" of a. */
void pci_addr_format(const struct pci_addr *a, char *buf, size_t len);

#endif
