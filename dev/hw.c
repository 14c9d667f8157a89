/* Helpers shared by every user of the access interface (see hw.h). */
#include "hw.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

void *hw_region_map(struct hw *hw, unsigned idx, uint64_t *size, struct err *e)
{
	struct hw_region r;
	void *p;

	if (hw_region_info(hw, idx, &r, e) < 0)
		return NULL;
	if (!(r.flags & HW_REGION_F_MMAP) || r.fd < 0 || r.size == 0) {
		err_set(e, -ENOTSUP, "region %u is not mappable", idx);
		return NULL;
	}
	p = mmap(NULL, r.size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_POPULATE, r.fd, (off_t)r.fd_offset);
	if (p == MAP_FAILED) {
		err_set(e, -errno, "mmap region %u: %s", idx, strerror(errno));
		return NULL;
	}
	*size = r.size;
	return p;
}

void hw_region_unmap(void *p, uint64_t size)
{
	if (p)
		munmap(p, size);
}
