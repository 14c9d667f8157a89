/*
 * Internals of the vfio-user server (dev/vfu_server.c: messages, regions,
 * DMA, IRQs; dev/vfu_mig.c: VFIO migration v2). See vfu_server.h.
 */
#ifndef GS_VFU_INT_H
#define GS_VFU_INT_H

#include "../lib/chip.h"
#include "../lib/mig_stream.h"
#include "../lib/vfio_user.h"
#include "../lib/vfu_json.h"
#include "vfu_server.h"

/* A client DMA window: recorded, never accessed (the device has no DMA). */
struct vfu_dma {
	uint64_t addr, size;
};

/* Format of the data a client writes in RESUMING, told by its magic. */
enum vfu_resume_fmt { RESUME_UNKNOWN, RESUME_SNAPSHOT, RESUME_STREAM };

struct vfu_mig {
	uint32_t state; /* VFU_STATE_* */
	/* Saving (PRE_COPY, STOP_COPY): stream bytes not yet read. */
	struct mig_buf out;
	size_t out_pos;
	int pass_end;	   /* PRE_COPY: a pass ended on a full read */
	struct mig_tx *tx; /* PRE_COPY chunk hashes */
	/* Resuming: the data written so far. */
	enum vfu_resume_fmt fmt;
	uint8_t head[MIG_MAGIC_LEN];
	size_t head_len;
	struct mig_buf in; /* a snapshot, collected whole */
	struct mig_rx *rx; /* a pre-copy stream, checked as it arrives */
	size_t received;   /* bytes written since RESUMING began */
	int bad;	   /* the data written so far is invalid */
};

/* What belongs to one client connection. */
struct vfu_session {
	struct vfu_server *srv;
	int negotiated;
	struct vfu_caps peer;
	struct vfu_dma *dma; /* VFU_MAX_DMA_MAPS entries */
	unsigned ndma;
	/* Another session's device reset dropped the migration this one
	 * owned: its state writes fail until it asks for RUNNING. */
	int mig_dropped;
};

/* The device and its migration: one per server, shared by the sessions. */
struct vfu_server {
	struct hw *hw;
	const struct chip_ops *chip; /* NULL: no driver, no migration */
	struct gs_identity id;
	struct hw_region regions[HW_REGION_COUNT];
	struct vfu_mig mig;
	/* The session that took the state away from RUNNING; NULL exactly
	 * when the state is RUNNING. Only it moves the state or the data. */
	struct vfu_session *mig_owner;
	struct vfu_session *own; /* of vfu_server_handle and friends */
	uint8_t *reply;		 /* VFU_MAX_MSG bytes */
	uint8_t *rxbuf; /* VFU_MAX_MSG bytes, for vfu_session_serve_one */
};

/* One request being handled: its payload and the reply payload. */
struct vfu_req {
	struct vfu_session *ss; /* the session it came on */
	struct vfu_hdr h;
	const uint8_t *p; /* payload after the header */
	size_t n;
	unsigned nfds;
	uint8_t *out;	/* reply payload, room for VFU_MAX_MSG - 16 bytes */
	size_t out_len; /* bytes of reply payload */
	int fd_out;	/* fd to send with the reply, or -1 */
	int fatal;	/* end the connection instead of replying */
	int reset;	/* the device was reset (e says how) */
};

/* Migration (vfu_mig.c). */
void vfu_mig_init(struct vfu_server *s);
/* Drop all migration data; state RUNNING, no owner (the owner's
 * disconnect, device reset). */
void vfu_mig_reset(struct vfu_server *s);
/* Does the device run (RUNNING or PRE_COPY), so trapped accesses may go? */
int vfu_mig_device_running(const struct vfu_server *s);
int vfu_mig_feature(struct vfu_server *s, struct vfu_req *q, struct err *e);
int vfu_mig_data_read(struct vfu_server *s, struct vfu_req *q, struct err *e);
int vfu_mig_data_write(struct vfu_server *s, struct vfu_req *q, struct err *e);

#endif
