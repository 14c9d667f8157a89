/* gs_state allocation (see state.h). */
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int gs_state_alloc(struct gs_state *st, const struct gs_identity *id,
		   size_t regs_len, struct err *e)
{
	memset(st, 0, sizeof(*st));
	st->id = *id;
	st->regs_len = regs_len;
	st->regs = calloc(1, regs_len ? regs_len : 1);
	st->vram = id->vram_size ? malloc(id->vram_size) : NULL;
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
	free(st->vram);
	st->regs = NULL;
	st->vram = NULL;
}
