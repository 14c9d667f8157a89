/* Internals shared by lib/vfu_client.c and lib/vfu_client_mig.c. */
#ifndef GS_VFU_CLIENT_INT_H
#define GS_VFU_CLIENT_INT_H

#include "vfio_user.h"
#include "vfu_client.h"

/* Accesses sent and not yet answered (hw_queue), at most this many: the
 * replies must fit the socket buffers while the client is still sending. */
#define VFU_INFLIGHT 64

struct vfu_inflight {
	uint16_t id, cmd;
	struct vfu_region_rw rw;
	uint32_t *val; /* where a read's value goes; NULL for a write */
};

struct vfu_client {
	struct hw hw; /* first: the access interface */
	int sock;
	struct vfu_inflight fly[VFU_INFLIGHT]; /* a ring, oldest at fly_head */
	unsigned fly_head, fly_n;
	int fly_rc; /* first error of a queued access, for hw_flush */
	struct err fly_err;
	uint16_t next_id;
	uint8_t *req;  /* VFU_MAX_MSG bytes: the request being sent */
	uint8_t *resp; /* VFU_MAX_MSG bytes: the last reply */
	struct hw_region regions[HW_REGION_COUNT];
	uint32_t xfer;	/* data bytes per message, both sides agree */
	int wait_ms;	/* for a reply */
	char name[128]; /* for messages */
};

/* The client behind hw, or NULL (e filled) if hw is another backend. */
struct vfu_client *vfu_client_of(struct hw *hw, struct err *e);

/*
 * Send command cmd with payload a (alen bytes) then b (blen bytes), wait
 * for its reply. *reply and *rlen get the reply payload (in c->resp). fd, if
 * non-NULL, receives the one fd the reply may carry (else -1). An error
 * reply returns minus its errno with a message naming the command.
 */
int vfu_client_call(struct vfu_client *c, uint16_t cmd, const void *a,
		    size_t alen, const void *b, size_t blen,
		    const uint8_t **reply, size_t *rlen, int *fd,
		    struct err *e);

#endif
