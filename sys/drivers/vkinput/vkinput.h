/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vkinput's state, shared by the driver (vkinput.c) and its freeze and
 * thaw through the management console (vkinput_freeze.c).
 */
#ifndef VKINPUT_H
#define VKINPUT_H

#include <linux/input.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#define VKINPUT_REC		8	/* le16 type, le16 code, le32 value */
#define VKINPUT_BUF_RECS	64
#define VKINPUT_PATH_MAX	108	/* sun_path, with the NUL */

struct vkinput {
	struct input_dev *dev;
	/* Guards fd, irq, frozen, socket, buf, have; the work reads under it. */
	struct mutex lock;
	int fd;				/* -1: frozen, or the host hung up */
	int irq;
	bool frozen;
	char socket[VKINPUT_PATH_MAX];	/* the last one connected to */
	struct work_struct work;
	u8 buf[VKINPUT_BUF_RECS * VKINPUT_REC];
	unsigned int have;		/* bytes in buf: one partial record */
	unsigned long dropped;		/* records that failed the checks */
};

int vkinput_connect(struct vkinput *vk, const char *path);
void vkinput_disconnect(struct vkinput *vk);
void vkinput_freeze_register(struct vkinput *vk);

#endif
