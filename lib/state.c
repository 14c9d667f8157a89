/* gs_state allocation (see state.h). */
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

uint8_t *gs_vram_alloc(uint64_t size)
{
	void *p;

	if (!size)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void gs_vram_free(uint8_t *p, uint64_t size)
{
	if (p)
		munmap(p, size);
}

int gs_state_alloc(struct gs_state *st, const struct gs_identity *id,
		   size_t regs_len, struct err *e)
{
	memset(st, 0, sizeof(*st));
	st->id = *id;
	st->regs_len = regs_len;
	st->regs = calloc(1, regs_len ? regs_len : 1);
	st->vram = gs_vram_alloc(id->vram_size);
	if (!st->regs || (id->vram_size && !st->vram)) {
		gs_state_free(st);
		return err_set(e, -ENOMEM,
			       "out of memory for %llu bytes of VRAM",
			       (unsigned long long)id->vram_size);
	}
	return 0;
}

void gs_state_free(struct gs_state *st)
{
	free(st->regs);
	gs_vram_free(st->vram, st->id.vram_size);
	st->regs = NULL;
	st->vram = NULL;
}
