/* Internals shared by the files of the stdvga chip driver. */
#ifndef GS_STDVGA_INT_H
#define GS_STDVGA_INT_H

#include "chip_stdvga.h"
#include "stdvga_io.h"

int stdvga_save_regs(struct hw *hw, struct stdvga_regs *r, uint8_t revision,
		     struct err *e);
int stdvga_save_pcicfg(struct hw *hw, uint8_t cfg[256], struct err *e);
int stdvga_vram_read(struct hw *hw, uint8_t *dst, uint64_t size, struct err *e);
int stdvga_vram_write(struct hw *hw, const uint8_t *src, uint64_t size,
		      struct err *e);

/* Write every register of r onto a freshly reset device (section 9.3). */
int stdvga_restore_regs(struct hw *hw, const struct stdvga_regs *r,
			const uint8_t cfg[256], const uint8_t *vram,
			uint64_t vram_size, struct err *e);

/* Re-establish the DAC index/state and the attribute index/phase. */
void stdvga_restore_dac_latch(struct vio *v, const struct stdvga_regs *r);
void stdvga_restore_ar_latch(struct vio *v, const struct stdvga_regs *r);

#endif
