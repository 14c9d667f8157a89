/*
 * Migration through a vfio-user server (vfu_client.h): DEVICE_FEATURE
 * MIG_DEVICE_STATE get/set, MIG_DATA_READ until a short read, and
 * MIG_DATA_WRITE in pieces of the negotiated size; save, load and the
 * pre-copy save built on them. Every path out of a failure tries to leave
 * the device RUNNING.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfu_client_int.h"

/* The most a save may return: any valid snapshot of this VRAM, per part. */
static size_t part_max(const struct vfu_client *c)
{
	return (size_t)(2 * c->regions[HW_REGION_BAR0].size + (16u << 20));
}

static int feature(struct vfu_client *c, uint32_t flags,
		   const struct vfu_mig_state *in, struct vfu_mig_state *out,
		   struct err *e)
{
	struct vfu_feature f = {sizeof(f) + sizeof(*out),
				flags | VFU_FEATURE_MIG_DEVICE_STATE};
	const uint8_t *r;
	size_t n;
	int rc = vfu_client_call(c, VFU_CMD_DEVICE_FEATURE, &f, sizeof(f), in,
				 in ? sizeof(*in) : 0, &r, &n, NULL, e);

	if (rc < 0)
		return rc;
	if (n != sizeof(f) + sizeof(*out))
		return err_set(e, -EPROTO,
			       "%s: MIG_DEVICE_STATE reply of %zu "
			       "bytes",
			       c->name, n);
	memcpy(out, r + sizeof(f), sizeof(*out));
	return 0;
}

int vfu_client_mig_get(struct hw *hw, uint32_t *state, struct err *e)
{
	struct vfu_client *c = vfu_client_of(hw, e);
	struct vfu_mig_state ms;
	int rc;

	if (!c)
		return -EINVAL;
	if ((rc = feature(c, VFU_FEATURE_GET, NULL, &ms, e)) < 0)
		return rc;
	*state = ms.device_state;
	return 0;
}

int vfu_client_mig_set(struct hw *hw, uint32_t state, struct err *e)
{
	struct vfu_client *c = vfu_client_of(hw, e);
	struct vfu_mig_state ms = {state, -1}, back;

	if (!c)
		return -EINVAL;
	return feature(c, VFU_FEATURE_SET, &ms, &back, e);
}

int vfu_client_mig_read(struct hw *hw, struct mig_buf *b, size_t max,
			struct err *e)
{
	struct vfu_client *c = vfu_client_of(hw, e);
	struct vfu_mig_data d;

	if (!c)
		return -EINVAL;
	d = (struct vfu_mig_data){sizeof(d) + c->xfer, c->xfer};
	for (;;) {
		struct vfu_mig_data got;
		const uint8_t *r;
		size_t n;
		int rc = vfu_client_call(c, VFU_CMD_MIG_DATA_READ, &d,
					 sizeof(d), NULL, 0, &r, &n, NULL, e);

		if (rc < 0)
			return rc;
		if (n < sizeof(got))
			return err_set(e, -EPROTO,
				       "%s: short MIG_DATA_READ "
				       "reply",
				       c->name);
		memcpy(&got, r, sizeof(got));
		if (got.size > d.size || n - sizeof(got) != got.size)
			return err_set(e, -EPROTO,
				       "%s: MIG_DATA_READ reply of %u bytes "
				       "for %u asked",
				       c->name, got.size, d.size);
		if (got.size > max - b->len)
			return err_set(e, -EFBIG,
				       "%s: migration data over %zu bytes",
				       c->name, max);
		if ((rc = mig_buf_reserve(b, got.size, e)) < 0)
			return rc;
		memcpy(b->p + b->len, r + sizeof(got), got.size);
		b->len += got.size;
		if (got.size < d.size)
			return 0;
	}
}

int vfu_client_mig_write(struct hw *hw, const uint8_t *p, size_t len,
			 struct err *e)
{
	struct vfu_client *c = vfu_client_of(hw, e);

	if (!c)
		return -EINVAL;
	while (len) {
		uint32_t n = len < c->xfer ? (uint32_t)len : c->xfer;
		struct vfu_mig_data d = {sizeof(d), n};
		const uint8_t *r;
		size_t rn;
		int rc = vfu_client_call(c, VFU_CMD_MIG_DATA_WRITE, &d,
					 sizeof(d), p, n, &r, &rn, NULL, e);

		if (rc < 0)
			return rc;
		p += n;
		len -= n;
	}
	return 0;
}

/* After a failure: back to RUNNING if the device allows it. */
static void back_to_running(struct hw *hw)
{
	uint32_t st;

	if (vfu_client_mig_get(hw, &st, NULL) == 0 && st != VFU_STATE_ERROR &&
	    st != VFU_STATE_RUNNING)
		vfu_client_mig_set(hw, VFU_STATE_RUNNING, NULL);
}

static int expect_running(struct hw *hw, struct err *e)
{
	uint32_t st;
	int rc = vfu_client_mig_get(hw, &st, e);

	if (rc < 0)
		return rc;
	if (st != VFU_STATE_RUNNING)
		return err_set(e, -EBUSY,
			       "device is in migration state %s, "
			       "not RUNNING",
			       vfu_state_name(st));
	return 0;
}

/* Enter state, read until the end of its data into b, leave to RUNNING. */
static int save_via(struct hw *hw, uint32_t state, struct mig_buf *b,
		    struct err *e)
{
	struct vfu_client *c = vfu_client_of(hw, e);
	int rc;

	if (!c)
		return -EINVAL;
	if ((rc = expect_running(hw, e)) < 0 ||
	    (rc = vfu_client_mig_set(hw, state, e)) < 0)
		return rc;
	if ((rc = vfu_client_mig_read(hw, b, part_max(c), e)) < 0 ||
	    (rc = vfu_client_mig_set(hw, VFU_STATE_RUNNING, e)) < 0)
		back_to_running(hw);
	return rc;
}

int vfu_client_save(struct hw *hw, uint8_t **buf, size_t *len, struct err *e)
{
	struct mig_buf b = {0};
	int rc = save_via(hw, VFU_STATE_STOP_COPY, &b, e);

	if (rc < 0) {
		mig_buf_free(&b);
		return rc;
	}
	*buf = b.p;
	*len = b.len;
	return 0;
}

int vfu_client_load(struct hw *hw, const uint8_t *buf, size_t len,
		    struct err *e)
{
	uint32_t st;
	int rc;

	if ((rc = expect_running(hw, e)) < 0 ||
	    (rc = vfu_client_mig_set(hw, VFU_STATE_RESUMING, e)) < 0)
		return rc;
	if ((rc = vfu_client_mig_write(hw, buf, len, e)) == 0 &&
	    (rc = vfu_client_mig_set(hw, VFU_STATE_RUNNING, e)) == 0)
		return 0;
	/* Refused data was discarded: leaving RESUMING with nothing written
	 * aborts the resume and the untouched device runs again. */
	if (vfu_client_mig_get(hw, &st, NULL) == 0 && st == VFU_STATE_ERROR)
		return err_wrap(e, rc, "device left in ERROR, reset it");
	back_to_running(hw);
	return rc;
}

static int precopy_passes(struct hw *hw, struct vfu_precopy *p,
			  struct mig_buf *b, size_t max, struct err *e)
{
	size_t before = b->len;
	int rc;

	if ((rc = vfu_client_mig_read(hw, b, max, e)) < 0)
		return rc;
	p->first_bytes = b->len - before;
	p->last_bytes = 0;
	for (unsigned i = 1; i <= p->passes; i++) {
		if (p->between && (rc = p->between(p->ctx, i, e)) < 0)
			return rc;
		before = b->len;
		if ((rc = vfu_client_mig_read(hw, b, max, e)) < 0)
			return rc;
		p->last_bytes = b->len - before;
	}
	before = b->len;
	if ((rc = vfu_client_mig_set(hw, VFU_STATE_STOP_COPY, e)) < 0 ||
	    (rc = vfu_client_mig_read(hw, b, max, e)) < 0)
		return rc;
	p->final_bytes = b->len - before;
	return vfu_client_mig_set(hw, VFU_STATE_RUNNING, e);
}

int vfu_client_save_precopy(struct hw *hw, struct vfu_precopy *p, uint8_t **buf,
			    size_t *len, struct err *e)
{
	struct vfu_client *c = vfu_client_of(hw, e);
	struct mig_buf b = {0};
	int rc;

	if (!c)
		return -EINVAL;
	if ((rc = expect_running(hw, e)) < 0 ||
	    (rc = vfu_client_mig_set(hw, VFU_STATE_PRE_COPY, e)) < 0)
		return rc;
	rc = precopy_passes(hw, p, &b, (p->passes + 2) * part_max(c), e);
	if (rc < 0) {
		back_to_running(hw);
		mig_buf_free(&b);
		return rc;
	}
	*buf = b.p;
	*len = b.len;
	return 0;
}
