// SPDX-License-Identifier: GPL-2.0
/*
 * vkmem: the guest's free memory, handed back to the host before a
 * checkpoint, through UML's management console:
 *
 *   config vkmem=trim   punch a hole in UML's memory file behind every
 *                       free page; the reply says how much
 *   config vkmem        the result of the last trim, or "not trimmed"
 *
 * UML's guest "physical" memory is one host file, mapped MAP_SHARED into
 * UML and, page by page, into its userspace processes. A checkpoint saves
 * it whole as a CRIU ghost file, skipping only its holes (SEEK_DATA), and
 * the pages the guest has freed still hold data there. A trim takes every
 * free page from the page allocator, largest blocks first, punches the
 * file behind each block and frees them all again. A page the trim owns
 * is used by nobody, so nobody sees it turn into zeroes; the next owner
 * gets a fresh zero page from the host.
 *
 * The allocations neither reclaim nor wake kswapd nor go below the min
 * watermark, so the few MiB under it are left as they are and the guest's
 * own allocations never starve. Nothing between the first allocation and
 * the last free sleeps (host calls only), so with UML's one CPU and no
 * preemption no task runs while the memory is held.
 */
#define pr_fmt(fmt) "vkmem: " fmt

#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/vmstat.h>
#include <mem.h>
#include <os.h>

#include "../../mconsole_kern.h"

#define VKMEM_MC_USAGE "usage: config vkmem[=trim]"
#define VKMEM_GFP ((GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM) | \
		   __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC)

struct vkmem_trim {
	unsigned long pages;	/* punched */
	unsigned long blocks;
	unsigned long left;	/* free pages not taken (under the watermark) */
	s64 ms;
	int err;		/* the punch that failed, or 0 */
};

static struct vkmem_trim vkmem_last;
static bool vkmem_trimmed;
/*
 * The reply to the last request, read by the console after the handler
 * returns; requests are handled one at a time.
 */
static char vkmem_reply[192];

/* Punch the host file behind a block the caller owns; 0 or -errno. */
static int vkmem_punch(struct page *page, unsigned int order)
{
	unsigned long long off;
	int fd = phys_mapping(page_to_phys(page), &off);

	if (fd < 0)
		return -EINVAL;
	return os_falloc_punch(fd, off, PAGE_SIZE << order);
}

static void vkmem_free_list(struct list_head *held, unsigned int order)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, held, lru) {
		list_del_init(&page->lru);
		__free_pages(page, order);
	}
}

static void vkmem_trim(struct vkmem_trim *t)
{
	struct list_head held[NR_PAGE_ORDERS];
	ktime_t t0 = ktime_get();
	struct page *page;
	int order;

	memset(t, 0, sizeof(*t));
	for (order = MAX_PAGE_ORDER; order >= 0; order--) {
		INIT_LIST_HEAD(&held[order]);
		while (!t->err && (page = alloc_pages(VKMEM_GFP, order))) {
			list_add(&page->lru, &held[order]);
			t->err = vkmem_punch(page, order);
			if (t->err)
				break;
			t->pages += 1UL << order;
			t->blocks++;
		}
	}
	t->left = global_zone_page_state(NR_FREE_PAGES);
	for (order = MAX_PAGE_ORDER; order >= 0; order--)
		vkmem_free_list(&held[order], order);
	t->ms = ktime_ms_delta(ktime_get(), t0);
}

/* The answer for t into buf; its length, as snprintf(). */
static int vkmem_describe(const struct vkmem_trim *t, char *buf, int size)
{
	if (t->err)
		return snprintf(buf, size,
				"trim failed: cannot punch the memory file (%pe) after %lu MiB",
				ERR_PTR(t->err), t->pages >> (20 - PAGE_SHIFT));
	return snprintf(buf, size,
			"trimmed %lu MiB (%lu pages, %lu blocks) in %lld ms, %lu KiB free left",
			t->pages >> (20 - PAGE_SHIFT), t->pages, t->blocks,
			t->ms, t->left << (PAGE_SHIFT - 10));
}

/* "config vkmem=WHAT": name points at "=WHAT". */
static int vkmem_mc_config(char *name, char **error_out)
{
	if (strcmp(name, "=trim")) {
		*error_out = VKMEM_MC_USAGE;
		return -EINVAL;
	}
	vkmem_trim(&vkmem_last);
	vkmem_trimmed = true;
	vkmem_describe(&vkmem_last, vkmem_reply, sizeof(vkmem_reply));
	pr_info("%s\n", vkmem_reply);
	*error_out = vkmem_reply;
	return vkmem_last.err;
}

/* "config vkmem": the size the answer needs, with its NUL. */
static int vkmem_mc_get_config(char *name, char *str, int size,
			       char **error_out)
{
	if (*name) {
		*error_out = VKMEM_MC_USAGE;
		return 0;
	}
	if (!vkmem_trimmed)
		return snprintf(str, size, "not trimmed") + 1;
	return vkmem_describe(&vkmem_last, str, size) + 1;
}

static int vkmem_mc_id(char **str, int *start_out, int *end_out)
{
	*start_out = 0;
	*end_out = 0;
	return 0;
}

static int vkmem_mc_remove(int n, char **error_out)
{
	*error_out = "vkmem cannot be removed";
	return -EBUSY;
}

static struct mc_device vkmem_mc = {
	.list = LIST_HEAD_INIT(vkmem_mc.list),
	.name = "vkmem",
	.config = vkmem_mc_config,
	.get_config = vkmem_mc_get_config,
	.id = vkmem_mc_id,
	.remove = vkmem_mc_remove,
};

static int __init vkmem_init(void)
{
	mconsole_register_dev(&vkmem_mc);
	return 0;
}
device_initcall(vkmem_init);
