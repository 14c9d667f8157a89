/*
 * Error reporting shared by dev/ and lib/: functions return 0 or a negative
 * errno and leave a human-readable message in a struct err for the caller to
 * print with context (file name, register, offset).
 */
#ifndef GS_ERR_H
#define GS_ERR_H

#include <stddef.h>

struct err {
	char msg[512];
};

/* Format a message into e (if non-NULL) and return code (a negative errno). */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "prefix: " to the message already in e; returns code. */
int err_wrap(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
