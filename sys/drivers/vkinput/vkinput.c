// SPDX-License-Identifier: GPL-2.0
/*
 * vkinput: the vkernel's keyboard and absolute pointer, fed by gpud.
 *
 *   vkinput.socket=PATH   gpud's --input-socket (no parameter: no device)
 *
 * gpud sends its VNC viewers' input on a UNIX stream socket as 8-byte
 * records, le16 type, le16 code, le32 value, each batch ended by
 * EV_SYN/SYN_REPORT (vkernel contract, "gpud input socket"). At
 * late_initcall the driver connects, registers one input device (the keys
 * gpud can send, BTN_LEFT/MIDDLE/RIGHT, ABS_X/ABS_Y 0..32767, REL_WHEEL)
 * and reports what arrives. The host is trusted less than the input core
 * trusts a driver: every record is checked against what the device
 * declared, and one that does not fit is dropped. When the host closes the
 * socket the IRQ goes away and the device stays, silent, with every key
 * and button that was down released; vkinput_freeze.c can connect it
 * again.
 *
 * The IRQ only schedules a work item: UML's IRQ fds are edge-triggered, so
 * the socket must be read until it is empty, which should not happen in
 * interrupt context with a host that may flood it; the work reads a bounded
 * amount per run and requeues itself. The work reads only under vk->lock,
 * which is what lets a freeze close the socket under its feet.
 */
#define pr_fmt(fmt) "vkinput: " fmt

#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/input.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <irq_kern.h>
#include <os.h>

#include "vkinput.h"

#define VKINPUT_ABS_MAX		32767
#define VKINPUT_READS_PER_RUN	16

static char vkinput_socket[VKINPUT_PATH_MAX];
module_param_string(socket, vkinput_socket, sizeof(vkinput_socket), 0444);
MODULE_PARM_DESC(socket, "gpud's input socket (--input-socket)");

/* The keys gpud's keymap produces (dev/vnc_input.c), as inclusive ranges. */
static const unsigned short vkinput_keys[][2] = {
	{ KEY_ESC, KEY_RIGHTSHIFT },	/* main block, Esc to right Shift */
	{ KEY_LEFTALT, KEY_SPACE },
	{ KEY_F1, KEY_F10 },
	{ KEY_F11, KEY_F12 },
	{ KEY_RIGHTCTRL, KEY_RIGHTCTRL },
	{ KEY_RIGHTALT, KEY_RIGHTALT },
	{ KEY_HOME, KEY_DELETE },	/* arrows and the editing block */
	{ KEY_LEFTMETA, KEY_RIGHTMETA },
	{ BTN_LEFT, BTN_MIDDLE },
};

static bool vkinput_valid(struct input_dev *dev, unsigned int type,
			  unsigned int code, s32 value)
{
	switch (type) {
	case EV_SYN:
		return code == SYN_REPORT && value == 0;
	case EV_KEY:
		return code <= KEY_MAX && test_bit(code, dev->keybit) &&
		       (value == 0 || value == 1);
	case EV_ABS:
		return (code == ABS_X || code == ABS_Y) &&
		       value >= 0 && value <= VKINPUT_ABS_MAX;
	case EV_REL:
		return code == REL_WHEEL && (value == 1 || value == -1);
	}
	return false;
}

/* Report every complete record in vk->buf; keep a partial one. */
static void vkinput_report(struct vkinput *vk)
{
	unsigned int off, type, code;
	s32 value;

	for (off = 0; off + VKINPUT_REC <= vk->have; off += VKINPUT_REC) {
		type = get_unaligned_le16(vk->buf + off);
		code = get_unaligned_le16(vk->buf + off + 2);
		value = (s32)get_unaligned_le32(vk->buf + off + 4);
		if (!vkinput_valid(vk->dev, type, code, value)) {
			vk->dropped++;
			pr_warn_ratelimited("dropped a bad record (type %u code %u value %d), %lu so far\n",
					    type, code, value, vk->dropped);
			continue;
		}
		input_event(vk->dev, type, code, value);
	}
	memmove(vk->buf, vk->buf + off, vk->have - off);
	vk->have -= off;
}

/*
 * A key the guest saw go down whose release will never come from this
 * socket: report it up now, or the guest repeats it forever.
 */
static void vkinput_release_keys(struct input_dev *dev)
{
	unsigned int code;
	bool any = false;

	for_each_set_bit(code, dev->key, KEY_CNT) {
		input_report_key(dev, code, 0);
		any = true;
	}
	if (any)
		input_sync(dev);
}

/*
 * Let go of the socket: the IRQ first, so nothing schedules the work for
 * it; the work itself cannot be reading, as vk->lock is held.
 */
void vkinput_disconnect(struct vkinput *vk)
{
	lockdep_assert_held(&vk->lock);
	if (vk->fd < 0)
		return;
	um_free_irq(vk->irq, vk);
	os_close_file(vk->fd);
	vk->fd = -1;
	vkinput_release_keys(vk->dev);
}

/* The host closed the socket (n == 0) or it failed: stop listening. */
static void vkinput_hangup(struct vkinput *vk, int n)
{
	if (n == 0)
		pr_info("gpud closed the input socket; no more input\n");
	else
		pr_err("reading the input socket failed (%d); no more input\n",
		       n);
	vkinput_disconnect(vk);
}

/* Read what the socket holds, a bounded amount per run; vk->lock held. */
static void vkinput_read(struct vkinput *vk)
{
	int i, n;

	for (i = 0; i < VKINPUT_READS_PER_RUN; i++) {
		n = os_read_file(vk->fd, vk->buf + vk->have,
				 sizeof(vk->buf) - vk->have);
		if (n == -EAGAIN)
			return;
		if (n == -EINTR)
			continue;
		if (n <= 0) {
			vkinput_hangup(vk, n);
			return;
		}
		vk->have += n;
		vkinput_report(vk);
	}
	/* More may be waiting, and no new edge will say so. */
	schedule_work(&vk->work);
}

static void vkinput_work(struct work_struct *work)
{
	struct vkinput *vk = container_of(work, struct vkinput, work);

	mutex_lock(&vk->lock);
	if (vk->fd >= 0)
		vkinput_read(vk);
	mutex_unlock(&vk->lock);
}

static irqreturn_t vkinput_interrupt(int irq, void *data)
{
	struct vkinput *vk = data;

	schedule_work(&vk->work);
	return IRQ_HANDLED;
}

/* A non-blocking, close-on-exec connection to path, or -errno. */
static int vkinput_open(const char *path)
{
	int fd, err;

	fd = os_connect_socket(path);
	if (fd < 0) {
		pr_err("cannot connect to %s (%d)\n", path, fd);
		return fd;
	}
	err = os_set_fd_block(fd, 0);
	if (!err)
		err = os_set_exec_close(fd);
	if (err) {
		pr_err("cannot set up the socket (%d)\n", err);
		os_close_file(fd);
		return err;
	}
	return fd;
}

/* Take fd's IRQ and read from fd from now on; vk->lock held. */
static int vkinput_attach(struct vkinput *vk, int fd, const char *path)
{
	int irq;

	lockdep_assert_held(&vk->lock);
	irq = um_request_irq(UM_IRQ_ALLOC, fd, IRQ_READ, vkinput_interrupt,
			     0, "vkinput", vk);
	if (irq < 0) {
		pr_err("cannot get an IRQ for the socket (%d)\n", irq);
		return irq;
	}
	vk->fd = fd;
	vk->irq = irq;
	vk->have = 0;
	if (path != vk->socket)
		strscpy(vk->socket, path, sizeof(vk->socket));
	/* Records sent before the IRQ existed raised no edge. */
	schedule_work(&vk->work);
	return 0;
}

/* Connect the registered device to path; vk->lock held. */
int vkinput_connect(struct vkinput *vk, const char *path)
{
	int fd, err;

	fd = vkinput_open(path);
	if (fd < 0)
		return fd;
	err = vkinput_attach(vk, fd, path);
	if (err)
		os_close_file(fd);
	return err;
}

static struct input_dev *vkinput_create_device(void)
{
	struct input_dev *dev = input_allocate_device();
	unsigned int i, k;

	if (!dev)
		return NULL;
	dev->name = "vkernel input";
	dev->phys = "vkinput/input0";
	dev->id.bustype = BUS_VIRTUAL;
	for (i = 0; i < ARRAY_SIZE(vkinput_keys); i++)
		for (k = vkinput_keys[i][0]; k <= vkinput_keys[i][1]; k++)
			input_set_capability(dev, EV_KEY, k);
	input_set_abs_params(dev, ABS_X, 0, VKINPUT_ABS_MAX, 0, 0);
	input_set_abs_params(dev, ABS_Y, 0, VKINPUT_ABS_MAX, 0, 0);
	input_set_capability(dev, EV_REL, REL_WHEEL);
	return dev;
}

/* Connect, register the device, then take the socket's IRQ. */
static int __init vkinput_start(struct vkinput *vk)
{
	int fd, err;

	fd = vkinput_open(vkinput_socket);
	if (fd < 0)
		return fd;
	vk->dev = vkinput_create_device();
	if (!vk->dev) {
		err = -ENOMEM;
		goto out_close;
	}
	err = input_register_device(vk->dev);
	if (err) {
		pr_err("cannot register the input device (%d)\n", err);
		input_free_device(vk->dev);
		goto out_close;
	}
	mutex_lock(&vk->lock);
	err = vkinput_attach(vk, fd, vkinput_socket);
	mutex_unlock(&vk->lock);
	if (err) {
		input_unregister_device(vk->dev);
		goto out_close;
	}
	return 0;

out_close:
	os_close_file(fd);
	return err;
}

static struct vkinput *__init vkinput_create(void)
{
	struct vkinput *vk = kzalloc_obj(*vk, GFP_KERNEL);
	int err;

	if (!vk)
		return ERR_PTR(-ENOMEM);
	mutex_init(&vk->lock);
	INIT_WORK(&vk->work, vkinput_work);
	vk->fd = -1;
	err = vkinput_start(vk);
	if (err) {
		kfree(vk);
		return ERR_PTR(err);
	}
	pr_info("reading input from %s\n", vkinput_socket);
	return vk;
}

static int __init vkinput_init(void)
{
	struct vkinput *vk = NULL;

	if (vkinput_socket[0])
		vk = vkinput_create();
	/* Without a device, "config vkinput" still answers: "none". */
	vkinput_freeze_register(IS_ERR(vk) ? NULL : vk);
	return PTR_ERR_OR_ZERO(vk);
}
late_initcall(vkinput_init);
