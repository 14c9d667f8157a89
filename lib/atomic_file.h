/* Atomic file replacement: a crash never leaves a half-written file under
 * the final name. */
#ifndef GS_ATOMIC_FILE_H
#define GS_ATOMIC_FILE_H

#include <stddef.h>

#include "err.h"

/* Write len bytes to a temp file beside path, fsync it, rename it over path,
 * fsync the directory. On failure path is untouched and the temp removed. */
int atomic_write_file(const char *path, const void *data, size_t len,
		      struct err *e);

/* Read a whole file into a malloc()ed buffer (at most max bytes). */
int read_whole_file(const char *path, size_t max, unsigned char **buf,
		    size_t *len, struct err *e);

#endif
