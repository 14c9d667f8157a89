/*
 * VFIO migration v2 for the vfio-user server (vfio-user.rst "Device
 * Features", linux/vfio.h enum vfio_device_mig_state): the state machine
 * with STOP_COPY and PRE_COPY, and the data stream read with MIG_DATA_READ
 * and written with MIG_DATA_WRITE (lib/MIGRATION.md).
 *
 * Saving from STOP gives a libgpustate snapshot, taken whole when STOP_COPY
 * is entered. Saving from PRE_COPY gives the pre-copy stream: all VRAM when
 * PRE_COPY is entered, a pass of the changed chunks whenever the client
 * reads on after the previous pass, and the final part (changed chunks,
 * registers, END) when STOP_COPY is entered.
 *
 * Resuming collects what the client writes without touching the device;
 * leaving RESUMING validates it completely and the chip driver checks it
 * against the device before restoring. Invalid data fails the transition
 * (EINVAL), is discarded and leaves the device untouched and in RESUMING;
 * leaving RESUMING with nothing written aborts the resume (also untouched).
 * A restore that fails after it began (EIO) stays in RESUMING when the
 * device was put back as it was, and goes to ERROR (until a reset) when
 * it was not.
 *
 * Several sessions share the one device: the session that moves the state
 * away from RUNNING owns the migration until the state is RUNNING again
 * (or it ends, or a device reset drops the migration). Other sessions may
 * read the state; moving it or the data is refused with EBUSY, leaving the
 * owner's migration as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/snapshot.h"
#include "vfu_int.h"

/* A snapshot of the largest valid size for this VRAM: every chunk stored
 * raw plus a raw copy, with room for headers and the chunk table. */
static size_t snapshot_max(const struct vfu_server *s)
{
	return (size_t)(2 * s->id.vram_size + (16u << 20));
}

void vfu_mig_init(struct vfu_server *s)
{
	memset(&s->mig, 0, sizeof(s->mig));
	s->mig.state = VFU_STATE_RUNNING;
	s->mig_owner = NULL;
}

static void drop_save(struct vfu_mig *m)
{
	mig_buf_free(&m->out);
	m->out_pos = 0;
	m->pass_end = 0;
	mig_tx_free(m->tx);
	m->tx = NULL;
}

static void drop_resume(struct vfu_mig *m)
{
	mig_buf_free(&m->in);
	mig_rx_free(m->rx);
	m->rx = NULL;
	m->fmt = RESUME_UNKNOWN;
	m->head_len = 0;
	m->received = 0;
	m->bad = 0;
}

void vfu_mig_reset(struct vfu_server *s)
{
	drop_save(&s->mig);
	drop_resume(&s->mig);
	s->mig.state = VFU_STATE_RUNNING;
	s->mig_owner = NULL;
}

int vfu_mig_device_running(const struct vfu_server *s)
{
	return s->mig.state == VFU_STATE_RUNNING ||
	       s->mig.state == VFU_STATE_PRE_COPY;
}

/* ---- Saving ---- */

/* A save that leaves the device exactly as it was, where the backend can
 * (other clients may be mid-sequence: vfu_server serves up to 8). */
static int save_quietly(struct vfu_server *s, struct gs_state *st,
			struct err *e)
{
	void *kept = hw_keep(s->hw);
	int rc = s->chip->save(s->hw, st, e);

	hw_put_back(s->hw, kept);
	return rc;
}

static int save_snapshot(struct vfu_server *s, struct err *e)
{
	struct gs_state st;
	uint8_t *buf;
	size_t len;
	int rc;

	if ((rc = save_quietly(s, &st, e)) < 0)
		return err_wrap(e, rc, "STOP_COPY");
	rc = snap_encode(&st, NULL, &buf, &len, e);
	gs_state_free(&st);
	if (rc < 0)
		return err_wrap(e, rc, "STOP_COPY");
	drop_save(&s->mig);
	s->mig.out = (struct mig_buf){.p = buf, .len = len, .cap = len};
	return 0;
}

/* Append the next PRE_COPY pass over the live VRAM. */
static int precopy_pass(struct vfu_server *s, struct err *e)
{
	uint64_t size;
	uint8_t *vram = hw_region_map(s->hw, HW_REGION_BAR0, &size, e);
	int rc;

	if (!vram)
		return -EIO;
	rc = mig_tx_pass(s->mig.tx, vram, &s->mig.out, NULL, e);
	hw_region_unmap(vram, size);
	return rc;
}

static int precopy_begin(struct vfu_server *s, struct err *e)
{
	struct vfu_mig *m = &s->mig;
	int rc;

	drop_save(m);
	if ((rc = mig_tx_create(s->id.vram_size, 0, 0, &m->tx, e)) < 0 ||
	    (rc = mig_tx_begin(m->tx, &m->out, e)) < 0 ||
	    (rc = precopy_pass(s, e)) < 0) {
		drop_save(m);
		return err_wrap(e, rc, "PRE_COPY");
	}
	return 0;
}

/* PRE_COPY -> STOP_COPY: the final part follows what is still unread. */
static int precopy_finish(struct vfu_server *s, struct err *e)
{
	struct gs_state st;
	int rc;

	if ((rc = save_quietly(s, &st, e)) < 0)
		return err_wrap(e, rc, "STOP_COPY");
	rc = mig_tx_finish(s->mig.tx, &st, &s->mig.out, NULL, e);
	gs_state_free(&st);
	if (rc < 0)
		return err_wrap(e, rc, "STOP_COPY");
	mig_tx_free(s->mig.tx);
	s->mig.tx = NULL;
	s->mig.pass_end = 0;
	return 0;
}

/* ---- Resuming ---- */

static int resume_decode(struct vfu_server *s, struct gs_state *st,
			 struct err *e)
{
	struct vfu_mig *m = &s->mig;
	int rc;

	if (m->bad)
		return err_set(e, -EINVAL, "the data written was invalid");
	if (m->fmt == RESUME_STREAM)
		rc = mig_rx_finish(m->rx, st, e);
	else if (m->fmt == RESUME_SNAPSHOT)
		rc = snap_decode(m->in.p, m->in.len, st, e);
	else
		rc = err_set(e, -EINVAL, "only %zu bytes of migration data",
			     m->received);
	if (rc < 0)
		return rc;
	if ((rc = s->chip->check(s->hw, st, e)) < 0)
		gs_state_free(st);
	return rc;
}

static int same_state(const struct gs_state *a, const struct gs_state *b)
{
	return !memcmp(&a->id, &b->id, sizeof(a->id)) &&
	       !memcmp(a->pcicfg, b->pcicfg, sizeof(a->pcicfg)) &&
	       a->regs_len == b->regs_len &&
	       !memcmp(a->regs, b->regs, a->regs_len) &&
	       !memcmp(a->vram, b->vram, a->id.vram_size);
}

/*
 * Restore st; when that fails after touching the device, tell whether the
 * device still holds what it held before (the chip driver tries to put it
 * back): then the resume is merely refused, else the device is in ERROR.
 */
static int restore(struct vfu_server *s, const struct gs_state *st,
		   struct err *e)
{
	struct gs_state before, after;
	int rc, kept;

	if ((rc = s->chip->save(s->hw, &before, e)) < 0)
		return err_wrap(e, -EIO, "resume refused, device untouched");
	rc = s->chip->restore(s->hw, st, e);
	if (rc == 0) {
		gs_state_free(&before);
		return 0;
	}
	kept = s->chip->save(s->hw, &after, NULL) == 0;
	if (kept) {
		kept = same_state(&before, &after);
		gs_state_free(&after);
	}
	gs_state_free(&before);
	if (kept)
		return err_wrap(e, -EIO, "restore failed, device as before");
	s->mig.state = VFU_STATE_ERROR;
	return err_wrap(e, -EIO, "restore failed, device needs a reset");
}

/* RESUMING -> STOP. */
static int resume_finish(struct vfu_server *s, struct err *e)
{
	struct gs_state st;
	int rc;

	if (!s->mig.received) {
		drop_resume(&s->mig);
		return 0;
	}
	rc = resume_decode(s, &st, e);
	drop_resume(&s->mig);
	if (rc < 0)
		return err_wrap(e, -EINVAL, "resume refused, device untouched");
	rc = restore(s, &st, e);
	gs_state_free(&st);
	return rc;
}

/* ---- The state machine ---- */

static int supported_state(uint32_t st)
{
	return st == VFU_STATE_STOP || st == VFU_STATE_RUNNING ||
	       st == VFU_STATE_STOP_COPY || st == VFU_STATE_RESUMING ||
	       st == VFU_STATE_PRE_COPY;
}

/*
 * The next arc from cur towards want: the shortest path whose interior
 * states are not saving states (PRE_COPY, STOP_COPY); STOP_COPY never goes
 * back to PRE_COPY (VFU_STATE_ERROR: not allowed).
 */
static uint32_t next_state(uint32_t cur, uint32_t want)
{
	switch (cur) {
	case VFU_STATE_STOP:
		return want == VFU_STATE_PRE_COPY ? VFU_STATE_RUNNING : want;
	case VFU_STATE_RUNNING:
		return want == VFU_STATE_PRE_COPY ? want : VFU_STATE_STOP;
	case VFU_STATE_STOP_COPY:
		return want == VFU_STATE_PRE_COPY ? VFU_STATE_ERROR
						  : VFU_STATE_STOP;
	case VFU_STATE_RESUMING:
		return VFU_STATE_STOP;
	case VFU_STATE_PRE_COPY:
		return want == VFU_STATE_STOP_COPY ? want : VFU_STATE_RUNNING;
	default:
		return VFU_STATE_ERROR;
	}
}

/* Take one arc; on failure the state stays at from (unless ERROR). */
static int take_arc(struct vfu_server *s, uint32_t from, uint32_t to,
		    struct err *e)
{
	int rc = 0;

	if (from == VFU_STATE_STOP && to == VFU_STATE_STOP_COPY)
		rc = save_snapshot(s, e);
	else if (from == VFU_STATE_RUNNING && to == VFU_STATE_PRE_COPY)
		rc = precopy_begin(s, e);
	else if (from == VFU_STATE_PRE_COPY && to == VFU_STATE_STOP_COPY)
		rc = precopy_finish(s, e);
	else if (from == VFU_STATE_STOP && to == VFU_STATE_RESUMING)
		drop_resume(&s->mig);
	else if (from == VFU_STATE_RESUMING)
		rc = resume_finish(s, e);
	else if (from == VFU_STATE_STOP_COPY || from == VFU_STATE_PRE_COPY)
		drop_save(&s->mig); /* the data transfer session ends */
	if (rc == 0)
		s->mig.state = to;
	return rc;
}

static int set_state(struct vfu_server *s, uint32_t want, struct err *e)
{
	if (!supported_state(want))
		return err_set(e, -EINVAL,
			       "migration state %u (%s) cannot be "
			       "requested",
			       want, vfu_state_name(want));
	if (s->mig.state == VFU_STATE_ERROR)
		return err_set(e, -EINVAL,
			       "device is in migration state ERROR: reset it");
	while (s->mig.state != want) {
		uint32_t cur = s->mig.state, to = next_state(cur, want);
		int rc;

		if (to == VFU_STATE_ERROR)
			return err_set(
				e, -EINVAL, "no migration transition %s -> %s",
				vfu_state_name(cur), vfu_state_name(want));
		if ((rc = take_arc(s, cur, to, e)) < 0)
			return rc;
	}
	return 0;
}

/* ---- Ownership ---- */

/* May q's session move the migration (state or data)? */
static int check_owner(struct vfu_server *s, const struct vfu_req *q,
		       const char *what, struct err *e)
{
	if (s->mig_owner && s->mig_owner != q->ss)
		return err_set(e, -EBUSY,
			       "%s: another client's migration is in progress "
			       "(state %s); wait until it ends",
			       what, vfu_state_name(s->mig.state));
	return 0;
}

/* A state write of q's session: its own migration, one at a time. */
static int owned_set_state(struct vfu_server *s, const struct vfu_req *q,
			   uint32_t want, struct err *e)
{
	const char *what = "MIG_DEVICE_STATE set";
	int rc;

	if ((rc = check_owner(s, q, what, e)) < 0)
		return rc;
	if (q->ss->mig_dropped && want != VFU_STATE_RUNNING)
		return err_set(e, -ECANCELED,
			       "%s: this client's migration was dropped by "
			       "another client's device reset; set RUNNING to "
			       "start again",
			       what);
	q->ss->mig_dropped = 0;
	rc = set_state(s, want, e);
	s->mig_owner = s->mig.state == VFU_STATE_RUNNING ? NULL : q->ss;
	return rc;
}

/* ---- DEVICE_FEATURE ---- */

static int feature_migration(struct vfu_server *s, struct vfu_req *q,
			     struct vfu_feature f, struct err *e)
{
	struct vfu_feature_migration mf = {VFU_MIGRATION_STOP_COPY |
					   VFU_MIGRATION_PRE_COPY};

	if (f.flags & VFU_FEATURE_SET)
		return err_set(e, -EINVAL, "MIGRATION feature is get-only");
	if (f.flags & VFU_FEATURE_PROBE) {
		memcpy(q->out, q->p, q->n);
		q->out_len = q->n;
		return 0;
	}
	if (q->n != sizeof(f) || f.argsz < sizeof(f) + sizeof(mf))
		return err_set(e, -EINVAL, "MIGRATION: bad size or argsz");
	f.argsz = sizeof(f) + sizeof(mf);
	memcpy(q->out, &f, sizeof(f));
	memcpy(q->out + sizeof(f), &mf, sizeof(mf));
	q->out_len = sizeof(f) + sizeof(mf);
	return 0;
}

static int feature_state(struct vfu_server *s, struct vfu_req *q,
			 struct vfu_feature f, struct err *e)
{
	struct vfu_mig_state ms = {s->mig.state, -1};
	int rc;

	if (f.flags & VFU_FEATURE_PROBE) {
		memcpy(q->out, q->p, q->n);
		q->out_len = q->n;
		return 0;
	}
	if (f.argsz < sizeof(f) + sizeof(ms))
		return err_set(e, -EINVAL, "MIG_DEVICE_STATE: argsz %u",
			       f.argsz);
	if (f.flags & VFU_FEATURE_GET) {
		if (q->n != sizeof(f))
			return err_set(e, -EINVAL,
				       "MIG_DEVICE_STATE get: "
				       "payload of %zu bytes",
				       q->n);
		f.argsz = sizeof(f) + sizeof(ms);
		memcpy(q->out, &f, sizeof(f));
		memcpy(q->out + sizeof(f), &ms, sizeof(ms));
		q->out_len = sizeof(f) + sizeof(ms);
		return 0;
	}
	if (q->n != sizeof(f) + sizeof(ms))
		return err_set(e, -EINVAL,
			       "MIG_DEVICE_STATE set: payload of "
			       "%zu bytes",
			       q->n);
	memcpy(&ms, q->p + sizeof(f), sizeof(ms));
	if ((rc = owned_set_state(s, q, ms.device_state, e)) < 0)
		return rc;
	memcpy(q->out, q->p, q->n);
	q->out_len = q->n;
	return 0;
}

int vfu_mig_feature(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	const uint32_t ops =
		VFU_FEATURE_GET | VFU_FEATURE_SET | VFU_FEATURE_PROBE;
	struct vfu_feature f;
	uint32_t id;

	if (q->n < sizeof(f))
		return err_set(e, -EINVAL, "DEVICE_FEATURE: payload too short");
	memcpy(&f, q->p, sizeof(f));
	id = f.flags & VFU_FEATURE_MASK;
	if (f.flags & ~(ops | VFU_FEATURE_MASK) || !(f.flags & ops) ||
	    ((f.flags & VFU_FEATURE_GET) && (f.flags & VFU_FEATURE_SET) &&
	     !(f.flags & VFU_FEATURE_PROBE)))
		return err_set(e, -EINVAL, "DEVICE_FEATURE: bad flags 0x%x",
			       f.flags);
	if (s->chip && id == VFU_FEATURE_MIGRATION)
		return feature_migration(s, q, f, e);
	if (s->chip && id == VFU_FEATURE_MIG_DEVICE_STATE)
		return feature_state(s, q, f, e);
	return err_set(e, -ENOTTY, "DEVICE_FEATURE: feature %u not supported",
		       id);
}

/* ---- Migration data ---- */

int vfu_mig_data_read(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_mig *m = &s->mig;
	struct vfu_mig_data d;
	size_t n;
	int rc;

	if (q->n != sizeof(d))
		return err_set(e, -EINVAL,
			       "MIG_DATA_READ: payload of %zu "
			       "bytes",
			       q->n);
	memcpy(&d, q->p, sizeof(d));
	if ((rc = check_owner(s, q, "MIG_DATA_READ", e)) < 0)
		return rc;
	if (m->state != VFU_STATE_PRE_COPY && m->state != VFU_STATE_STOP_COPY)
		return err_set(e, -EINVAL, "MIG_DATA_READ in state %s",
			       vfu_state_name(m->state));
	if (d.size > VFU_MAX_XFER || d.argsz < sizeof(d) + (size_t)d.size)
		return err_set(e, -EINVAL, "MIG_DATA_READ: size %u, argsz %u",
			       d.size, d.argsz);
	if (m->out_pos == m->out.len) {
		m->out.len = m->out_pos = 0;
		if (m->state == VFU_STATE_PRE_COPY && !m->pass_end &&
		    (rc = precopy_pass(s, e)) < 0)
			return err_wrap(e, rc, "PRE_COPY");
		m->pass_end = 0;
	}
	n = m->out.len - m->out_pos;
	n = n < d.size ? n : d.size;
	memcpy(q->out + sizeof(d), m->out.p + m->out_pos, n);
	m->out_pos += n;
	/* A pass that ends on a full read is closed by an empty one next. */
	m->pass_end = m->state == VFU_STATE_PRE_COPY && n && n == d.size &&
		      m->out_pos == m->out.len;
	d.argsz = (uint32_t)(sizeof(d) + n);
	d.size = (uint32_t)n;
	memcpy(q->out, &d, sizeof(d));
	q->out_len = sizeof(d) + n;
	return 0;
}

/* Route written bytes to the collector their first bytes asked for. */
static int resume_feed(struct vfu_server *s, const uint8_t *p, size_t n,
		       struct err *e)
{
	struct vfu_mig *m = &s->mig;
	int rc;

	if (m->fmt == RESUME_UNKNOWN) {
		size_t take = MIG_MAGIC_LEN - m->head_len;

		take = take < n ? take : n;
		memcpy(m->head + m->head_len, p, take);
		m->head_len += take;
		p += take;
		n -= take;
		if (m->head_len < MIG_MAGIC_LEN)
			return 0;
		if (mig_is_stream(m->head, MIG_MAGIC_LEN)) {
			m->fmt = RESUME_STREAM;
			if ((rc = mig_rx_create(s->id.vram_size, &m->rx, e)) <
				    0 ||
			    (rc = mig_rx_feed(m->rx, m->head, MIG_MAGIC_LEN,
					      e)) < 0)
				return rc;
		} else {
			m->fmt = RESUME_SNAPSHOT;
			if ((rc = resume_feed(s, m->head, MIG_MAGIC_LEN, e)) <
			    0)
				return rc;
		}
	}
	if (m->fmt == RESUME_STREAM)
		return n ? mig_rx_feed(m->rx, p, n, e) : 0;
	if (n > snapshot_max(s) - m->in.len)
		return err_set(e, -EFBIG,
			       "migration data over %zu bytes, larger than "
			       "any snapshot of this device",
			       snapshot_max(s));
	if ((rc = mig_buf_reserve(&m->in, n, e)) < 0)
		return rc;
	memcpy(m->in.p + m->in.len, p, n);
	m->in.len += n;
	return 0;
}

int vfu_mig_data_write(struct vfu_server *s, struct vfu_req *q, struct err *e)
{
	struct vfu_mig *m = &s->mig;
	struct vfu_mig_data d;
	int rc;

	if (q->n < sizeof(d))
		return err_set(e, -EINVAL, "MIG_DATA_WRITE: payload too short");
	memcpy(&d, q->p, sizeof(d));
	if (q->n - sizeof(d) != d.size || d.size > VFU_MAX_XFER)
		return err_set(e, -EINVAL,
			       "MIG_DATA_WRITE: size %u but %zu data bytes",
			       d.size, q->n - sizeof(d));
	if ((rc = check_owner(s, q, "MIG_DATA_WRITE", e)) < 0)
		return rc;
	if (m->state != VFU_STATE_RESUMING)
		return err_set(e, -EINVAL, "MIG_DATA_WRITE in state %s",
			       vfu_state_name(m->state));
	if (m->bad)
		return err_set(e, -EINVAL,
			       "MIG_DATA_WRITE: earlier data was invalid; "
			       "leave RESUMING to discard it");
	m->received += d.size;
	rc = resume_feed(s, q->p + sizeof(d), d.size, e);
	if (rc < 0) {
		m->bad = 1;
		return rc;
	}
	return 0;
}
