/*
 * Access scripts (lib/SCRIPT.md): a small text format of register and memory
 * accesses (writes, reads with expected values, VRAM fills, reset) replayed
 * through the access interface. A script is parsed and validated completely,
 * PNG files included, before anything touches the device.
 */
#ifndef GS_SCRIPT_H
#define GS_SCRIPT_H

#include <stddef.h>
#include <stdio.h>

#include "../dev/hw.h"

struct script;

/* Parse text (len bytes); name is used in messages, relative PNG paths are
 * taken from base_dir. */
int script_parse(const char *text, size_t len, const char *name,
		 const char *base_dir, struct script **out, struct err *e);
/* Parse a script file. */
int script_load(const char *path, struct script **out, struct err *e);
/* Run every step on hw after checking every address against the device; a
 * read that differs from its expected value stops the run with -EPROTO and a
 * message naming the line. Every read is written
 * to trace (if non-NULL) as "LINE SPACE.rN ADDR VALUE". */
int script_run(const struct script *s, struct hw *hw, FILE *trace,
	       struct err *e);
/* Number of steps (for progress and tests). */
size_t script_len(const struct script *s);
void script_free(struct script *s);

#endif
