/*
 * Register access helpers for the stdvga driver: every access goes through
 * the access interface, and the first error sticks so that long register
 * sequences read as sequences. Ports are used for the VGA and DISPI
 * registers (they reach mono and colour decode alike and the 0x1CE index
 * latch), BAR2 for the QEMU extended registers and the EDID.
 */
#ifndef GS_STDVGA_IO_H
#define GS_STDVGA_IO_H

#include <stdint.h>

#include "../dev/hw.h"

#define PCI_COMMAND	   0x04
#define PCI_COMMAND_MEMORY 0x02

/* Reads whose values are wanted only later (the _to forms) wait in slots
 * until vio_flush; writes are queued too (hw_queue), so a backend that
 * pipelines answers a long sequence in few round trips. */
#define VIO_SLOTS 32

struct vio {
	struct hw *hw;
	struct err *e;
	int rc;	    /* first error, 0 while all is well */
	unsigned n; /* slots in use */
	uint32_t val[VIO_SLOTS];
	void *dst[VIO_SLOTS]; /* NULL: read for its side effect only */
	uint8_t width[VIO_SLOTS];
};

/* Complete every queued access: the _to destinations are filled (when
 * v->rc is 0). Returns v->rc. */
int vio_flush(struct vio *v);
void vio_in_to(struct vio *v, uint16_t port, uint8_t *dst);
/* A read for its side effect (the attribute flip-flop). */
void vio_touch(struct vio *v, uint16_t port);
void vio_idx_read_to(struct vio *v, uint16_t port, uint8_t idx, uint8_t *dst);
void vio_dispi_read_to(struct vio *v, unsigned idx, uint16_t *dst);
/* 4-byte reads into dst (any alignment). */
void vio_mmio_read_to(struct vio *v, uint32_t off, void *dst);
void vio_cfg_read_to(struct vio *v, uint32_t off, void *dst);

uint8_t vio_in(struct vio *v, uint16_t port);
void vio_out(struct vio *v, uint16_t port, uint8_t val);
uint16_t vio_in16(struct vio *v, uint16_t port);
void vio_out16(struct vio *v, uint16_t port, uint16_t val);
uint32_t vio_mmio_read(struct vio *v, uint32_t off, unsigned size);
void vio_mmio_write(struct vio *v, uint32_t off, unsigned size, uint32_t val);
uint32_t vio_cfg_read(struct vio *v, uint32_t off, unsigned size);
void vio_cfg_write(struct vio *v, uint32_t off, unsigned size, uint32_t val);

/* Indexed register files. */
uint8_t vio_idx_read(struct vio *v, uint16_t port, uint8_t idx);
void vio_idx_write(struct vio *v, uint16_t port, uint8_t idx, uint8_t val);
uint16_t vio_dispi_read(struct vio *v, unsigned idx);
void vio_dispi_write(struct vio *v, unsigned idx, uint16_t val);

/* CRTC index port and Input Status 1 port for a given MSR. */
static inline uint16_t vio_crtc_port(uint8_t msr)
{
	return (msr & 1) ? 0x3d4 : 0x3b4;
}

static inline uint16_t vio_is1_port(uint8_t msr)
{
	return (msr & 1) ? 0x3da : 0x3ba;
}

#endif
