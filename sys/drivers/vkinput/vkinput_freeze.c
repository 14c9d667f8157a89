// SPDX-License-Identifier: GPL-2.0
/*
 * Freeze and thaw of vkinput, driven by the host through UML's management
 * console, around a checkpoint of the whole vkernel (CRIU cannot dump a
 * socket connected to a peer outside it):
 *
 *   config vkinput=freeze         close the socket, keep the input device
 *   config vkinput=thaw[:SOCKET]  connect to SOCKET (default: the last one)
 *   config vkinput                "frozen", "connected SOCKET",
 *                                 "disconnected" (the host closed it) or
 *                                 "none" (no device: no vkinput.socket=,
 *                                 or it could not connect at boot)
 *
 * The input device stays registered throughout, so the guest's readers
 * (X's evdev) keep it open; keys and buttons down at the freeze are
 * released. A thaw that fails leaves the driver as it was (frozen, or
 * disconnected) and says why. A thaw also reconnects a device whose host
 * hung up without a freeze (gpud restarted); one still connected is
 * refused. A freeze of a frozen or disconnected device just marks it
 * frozen.
 */
#define pr_fmt(fmt) "vkinput: " fmt

#include <linux/err.h>
#include <linux/string.h>

#include "../../mconsole_kern.h"
#include "vkinput.h"

#define VKINPUT_MC_USAGE "usage: config vkinput[=freeze|thaw[:SOCKET]]"

static struct vkinput *vkinput_mc_dev;
/*
 * The text of a failed request's reply, read by the console after the
 * handler returns; requests are handled one at a time.
 */
static char vkinput_mc_error[VKINPUT_PATH_MAX + 64];

static int vkinput_freeze(struct vkinput *vk)
{
	mutex_lock(&vk->lock);
	if (!vk->frozen) {
		vkinput_disconnect(vk);
		vk->frozen = true;
		pr_info("frozen: input socket closed\n");
	}
	mutex_unlock(&vk->lock);
	return 0;
}

/* Connect to socket, or to the last one when it is NULL or empty. */
static int vkinput_thaw(struct vkinput *vk, const char *socket)
{
	char path[VKINPUT_PATH_MAX];
	int err;

	if (socket && strlen(socket) >= sizeof(path)) {
		snprintf(vkinput_mc_error, sizeof(vkinput_mc_error),
			 "socket path longer than %zu bytes",
			 sizeof(path) - 1);
		return -ENAMETOOLONG;
	}
	mutex_lock(&vk->lock);
	strscpy(path, socket && *socket ? socket : vk->socket, sizeof(path));
	if (!vk->frozen && vk->fd >= 0) {
		snprintf(vkinput_mc_error, sizeof(vkinput_mc_error),
			 "not frozen: connected to %s", vk->socket);
		err = -EBUSY;
		goto out;
	}
	err = vkinput_connect(vk, path);
	if (err) {
		snprintf(vkinput_mc_error, sizeof(vkinput_mc_error),
			 "cannot connect to %s (%pe): still %s", path,
			 ERR_PTR(err), vk->frozen ? "frozen" : "disconnected");
		goto out;
	}
	vk->frozen = false;
	pr_info("thawed: reading input from %s\n", path);
out:
	mutex_unlock(&vk->lock);
	return err;
}

/* "config vkinput=WHAT": name points at "=WHAT". */
static int vkinput_mc_config(char *name, char **error_out)
{
	char *what = name + 1;
	int err;

	if (*name != '=' || (strcmp(what, "freeze") && strcmp(what, "thaw") &&
			     strncmp(what, "thaw:", 5))) {
		*error_out = VKINPUT_MC_USAGE;
		return -EINVAL;
	}
	if (!vkinput_mc_dev) {
		*error_out = "no vkinput device (see config vkinput)";
		return -ENODEV;
	}
	if (!strcmp(what, "freeze"))
		return vkinput_freeze(vkinput_mc_dev);
	err = vkinput_thaw(vkinput_mc_dev, what[4] ? what + 5 : NULL);
	if (err)
		*error_out = vkinput_mc_error;
	return err;
}

/* "config vkinput": the size the answer needs, with its NUL. */
static int vkinput_mc_get_config(char *name, char *str, int size,
				 char **error_out)
{
	struct vkinput *vk = vkinput_mc_dev;
	int n;

	if (*name) {
		*error_out = VKINPUT_MC_USAGE;
		return 0;
	}
	if (!vk)
		return snprintf(str, size, "none") + 1;
	mutex_lock(&vk->lock);
	if (vk->frozen)
		n = snprintf(str, size, "frozen");
	else if (vk->fd >= 0)
		n = snprintf(str, size, "connected %s", vk->socket);
	else
		n = snprintf(str, size, "disconnected");
	mutex_unlock(&vk->lock);
	return n + 1;
}

static int vkinput_mc_id(char **str, int *start_out, int *end_out)
{
	*start_out = 0;
	*end_out = 0;
	return 0;
}

static int vkinput_mc_remove(int n, char **error_out)
{
	*error_out = "vkinput cannot be removed";
	return -EBUSY;
}

static struct mc_device vkinput_mc = {
	.list = LIST_HEAD_INIT(vkinput_mc.list),
	.name = "vkinput",
	.config = vkinput_mc_config,
	.get_config = vkinput_mc_get_config,
	.id = vkinput_mc_id,
	.remove = vkinput_mc_remove,
};

/* vk: the device, or NULL when there is none. */
void vkinput_freeze_register(struct vkinput *vk)
{
	vkinput_mc_dev = vk;
	mconsole_register_dev(&vkinput_mc);
}
