/*
 * The pci backend (dev/pci.c, dev/pci_host.c): address parsing, enumeration
 * checked against /sys/bus/pci/devices, refusal of devices without a
 * save/restore driver, and (in a private mount namespace, where the test
 * may create one) the whole backend on a fake sysfs stdvga whose files are
 * ordinary files, so every access lands where the test can read it. No
 * test performs port I/O or touches a real device's registers.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../helpers/th_device.h"
#include "dev/backend.h"
#include "dev/pci.h"

#define SYSFS	 "/sys/bus/pci/devices"
#define MAX_DEVS 512

/* ---- what sysfs says ---- */

struct sysdev {
	char slot[16];
	unsigned vendor, device, class_code;
};

static unsigned read_hex(const char *slot, const char *file)
{
	char path[128], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), SYSFS "/%s/%s", slot, file);
	f = fopen(path, "r");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	return (unsigned)strtoul(buf, NULL, 16);
}

static int by_slot(const void *a, const void *b)
{
	return strcmp(((const struct sysdev *)a)->slot,
		      ((const struct sysdev *)b)->slot);
}

/* Devices in /sys/bus/pci/devices, in slot order; -1 without the
 * directory. Names with a 32-bit domain (5+ digits) are skipped, as
 * libpciaccess skips them. */
static int sysfs_devices(struct sysdev *d, int display_only)
{
	DIR *dir = opendir(SYSFS);
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) != 12)
			continue;
		ck_assert_int_lt(n, MAX_DEVS);
		snprintf(d[n].slot, sizeof(d[n].slot), "%s", de->d_name);
		d[n].vendor = read_hex(d[n].slot, "vendor");
		d[n].device = read_hex(d[n].slot, "device");
		d[n].class_code = read_hex(d[n].slot, "class");
		if (!display_only || d[n].class_code >> 16 == 0x03)
			n++;
	}
	closedir(dir);
	qsort(d, (size_t)n, sizeof(*d), by_slot);
	return n;
}

static int count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(dir);
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

/* Mappings of sysfs PCI files in this process. */
static int count_pci_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/sys/bus/pci"))
			n++;
	fclose(f);
	return n;
}

/* ---- addresses ---- */

static const struct {
	const char *text;
	struct pci_addr want;
} good_addrs[] = {
	{"0000:00:02.0", {0x0000, 0x00, 0x02, 0}},
	{"ffff:ff:1f.7", {0xffff, 0xff, 0x1f, 7}},
	{"ABCD:0a:1F.3", {0xabcd, 0x0a, 0x1f, 3}},
	{"0001:10:00.1", {0x0001, 0x10, 0x00, 1}},
};

START_TEST(parse_accepts_exact_forms)
{
	struct pci_addr a;
	struct err e = {{0}};

	ck_assert_int_eq(pci_parse_addr(good_addrs[_i].text, &a, &e), 0);
	ck_assert_uint_eq(a.domain, good_addrs[_i].want.domain);
	ck_assert_uint_eq(a.bus, good_addrs[_i].want.bus);
	ck_assert_uint_eq(a.dev, good_addrs[_i].want.dev);
	ck_assert_uint_eq(a.func, good_addrs[_i].want.func);
}
END_TEST

static const struct {
	const char *text, *msg;
} bad_addrs[] = {
	{"", "domain must be 4 hex digits"},
	{"000:00:02.0", "domain must be 4 hex digits"},
	{"00000:00:02.0", "domain must be 4 hex digits"},
	{"g000:00:02.0", "domain must be 4 hex digits"},
	{" 0000:00:02.0", "domain must be 4 hex digits"},
	{"+000:00:02.0", "domain must be 4 hex digits"},
	{"pci:0000:00:02.0", "domain must be 4 hex digits"},
	{"0000-00:02.0", "expected ':' after the domain"},
	{"0000", "expected ':' after the domain"},
	{"0000:0:02.0", "bus must be 2 hex digits"},
	{"0000:000:02.0", "bus must be 2 hex digits"},
	{"0000:0x:02.0", "bus must be 2 hex digits"},
	{"0000:00-02.0", "expected ':' after the bus"},
	{"0000:00:2.0", "device must be 2 hex digits"},
	{"0000:00:002.0", "device must be 2 hex digits"},
	{"0000:00:20.0", "device must be 00-1f"},
	{"0000:00:ff.0", "device must be 00-1f"},
	{"0000:00:02:0", "expected '.' after the device"},
	{"0000:00:02", "expected '.' after the device"},
	{"0000:00:02.", "function must be one digit 0-7"},
	{"0000:00:02.8", "function must be one digit 0-7"},
	{"0000:00:02.a", "function must be one digit 0-7"},
	{"0000:00:02.00", "function must be one digit 0-7"},
	{"0000:00:02.-1", "function must be one digit 0-7"},
	{"0000:00:02.0 ", "unexpected text after the function"},
	{"0000:00:02.0/", "unexpected text after the function"},
};

START_TEST(parse_rejects_bad_forms_naming_the_field)
{
	struct pci_addr a = {0x1234, 0x56, 0x07, 1};
	struct err e = {{0}};

	ck_assert_int_eq(pci_parse_addr(bad_addrs[_i].text, &a, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, bad_addrs[_i].msg), "'%s': %s",
		      bad_addrs[_i].text, e.msg);
	ck_assert_msg(strstr(e.msg, "pci:DDDD:BB:DD.F"), "%s", e.msg);
	/* Nothing is half-filled on failure. */
	ck_assert_uint_eq(a.domain, 0x1234);
	ck_assert_uint_eq(a.func, 1);
}
END_TEST

START_TEST(backend_routes_pci_names)
{
	struct hw *hw = NULL;
	struct err e = {{0}};

	ck_assert_int_eq(backend_open("pci:0000:00:20.0", &hw, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "'0000:00:20.0': the device must be"), "%s",
		      e.msg);
	ck_assert_ptr_null(hw);
	ck_assert_int_eq(backend_open("pcx:0000:00:02.0", &hw, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "unknown device") &&
			      strstr(e.msg, "'pci:DDDD:BB:DD.F'"),
		      "%s", e.msg);
}
END_TEST

START_TEST(class_names_follow_the_pci_code_assignments)
{
	ck_assert_str_eq(pci_class_name(0x030000), "VGA-compatible controller");
	ck_assert_str_eq(pci_class_name(0x030200), "3D controller");
	ck_assert_str_eq(pci_class_name(0x038000), "Display controller");
	ck_assert_str_eq(pci_class_name(0x060400), "PCI bridge");
	ck_assert_str_eq(pci_class_name(0x020000), "Ethernet controller");
	/* An unlisted subclass falls back to its base class. */
	ck_assert_str_eq(pci_class_name(0x030500), "Display controller");
	ck_assert_str_eq(pci_class_name(0x018000), "Mass storage controller");
	ck_assert_str_eq(pci_class_name(0xff0000), "Unassigned class");
	ck_assert_str_eq(pci_class_name(0x990000), "Unknown class");
}
END_TEST

/* ---- enumeration of this host ---- */

struct seen {
	int n;
	struct pci_info v[MAX_DEVS];
};

static int collect(void *ctx, const struct pci_info *info)
{
	struct seen *s = ctx;

	ck_assert_int_lt(s->n, MAX_DEVS);
	s->v[s->n++] = *info;
	return 0;
}

/* pci_list agrees with sysfs entry by entry, in slot order. */
static void check_list(unsigned flags)
{
	static struct sysdev d[MAX_DEVS];
	static struct seen s;
	struct err e = {{0}};
	char slot[16];
	int n = sysfs_devices(d, !(flags & PCI_LIST_ALL));
	int rc;

	s.n = 0;
	rc = pci_list(flags, collect, &s, &e);
	if (n < 0) {
		ck_assert_int_eq(rc, -ENOENT);
		ck_assert_msg(strstr(e.msg, "no /sys/bus/pci"), "%s", e.msg);
		return;
	}
	ck_assert_msg(rc == 0, "%s", e.msg);
	ck_assert_int_eq(s.n, n);
	for (int i = 0; i < n; i++) {
		const struct pci_info *p = &s.v[i];

		snprintf(slot, sizeof(slot), "%04x:%02x:%02x.%x",
			 p->addr.domain, p->addr.bus, p->addr.dev,
			 p->addr.func);
		ck_assert_str_eq(slot, d[i].slot);
		ck_assert_uint_eq(p->vendor, d[i].vendor);
		ck_assert_uint_eq(p->device, d[i].device);
		ck_assert_uint_eq(p->class_code, d[i].class_code);
		/* stdvga is the only driver: it must claim exactly its IDs. */
		if (p->vendor == 0x1234 && p->device == 0x1111)
			ck_assert_str_eq(p->chip, "stdvga");
		else
			ck_assert_ptr_null(p->chip);
	}
}

START_TEST(list_all_matches_sysfs)
{
	check_list(PCI_LIST_ALL);
}
END_TEST

START_TEST(list_display_matches_sysfs_class_03)
{
	check_list(0);
}
END_TEST

static int stop_at_first(void *ctx, const struct pci_info *info)
{
	++*(int *)ctx;
	return 7;
}

START_TEST(list_stops_when_the_callback_asks)
{
	static struct sysdev d[MAX_DEVS];
	struct err e = {{0}};
	int calls = 0;
	int n = sysfs_devices(d, 0);

	if (n <= 0) /* nothing to walk: the walk must not call back */
		ck_assert_int_le(
			pci_list(PCI_LIST_ALL, stop_at_first, &calls, &e), 0);
	else
		ck_assert_int_eq(
			pci_list(PCI_LIST_ALL, stop_at_first, &calls, &e), 7);
	ck_assert_int_eq(calls, n > 0);
}
END_TEST

/* ---- opening devices of this host ---- */

/* The first sysfs device no chip driver handles, or "" if none. */
static void refusable(char slot[16], struct sysdev *d)
{
	static struct sysdev all[MAX_DEVS];
	int n = sysfs_devices(all, 0);

	slot[0] = 0;
	for (int i = 0; i < n; i++)
		if (all[i].vendor != 0x1234 || all[i].device != 0x1111) {
			*d = all[i];
			strcpy(slot, all[i].slot);
			return;
		}
}

static void read_header(const char *slot, uint8_t cfg[64])
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), SYSFS "/%s/config", slot);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, cfg, 64, 0), 64);
	close(fd);
}

START_TEST(open_refuses_device_without_driver_and_leaves_it_alone)
{
	static struct hw sentinel;
	uint8_t before[64], after[64];
	struct hw *hw = &sentinel;
	struct err e = {{0}};
	struct sysdev d;
	char slot[16], want[160];
	int fds;

	refusable(slot, &d);
	if (!slot[0]) /* a host without such devices cannot refuse one */
		return;
	snprintf(want, sizeof(want),
		 "PCI device %s (%04x:%04x, %s) has no save/restore driver; "
		 "supported: stdvga 1234:1111",
		 slot, d.vendor, d.device, pci_class_name(d.class_code));
	read_header(slot, before);
	fds = count_fds();
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(pci_open(slot, &hw, &e), -ENODEV);
		ck_assert_ptr_null(hw);
		ck_assert_str_eq(e.msg, want);
	}
	ck_assert_int_eq(count_fds(), fds);
	ck_assert_int_eq(count_pci_maps(), 0);
	read_header(slot, after);
	/* The status register (0x06) is the device's own to change. */
	memset(before + 6, 0, 2);
	memset(after + 6, 0, 2);
	ck_assert_mem_eq(before, after, sizeof(before));
}
END_TEST

START_TEST(open_names_a_missing_slot)
{
	struct hw *hw = NULL;
	struct err e = {{0}};
	char slot[16], path[64], want[64];
	unsigned dev = 0;

	for (; dev < 32; dev++) {
		snprintf(slot, sizeof(slot), "0000:00:%02x.0", dev);
		snprintf(path, sizeof(path), SYSFS "/%s", slot);
		if (access(path, F_OK))
			break;
	}
	ck_assert_uint_lt(dev, 32);
	snprintf(want, sizeof(want), "no PCI device at %s", slot);
	if (access(SYSFS, F_OK)) {
		ck_assert_int_eq(pci_open(slot, &hw, &e), -ENOENT);
		return;
	}
	ck_assert_int_eq(pci_open(slot, &hw, &e), -ENODEV);
	ck_assert_str_eq(e.msg, want);
	ck_assert_ptr_null(hw);
	/* Upper-case input names the slot the way sysfs spells it. */
	snprintf(slot, sizeof(slot), "0000:00:%02X.0", dev);
	ck_assert_int_eq(pci_open(slot, &hw, &e), -ENODEV);
	ck_assert_str_eq(e.msg, want);
}
END_TEST

/* ---- the whole backend on a fake sysfs stdvga ---- */

#define FAKE	   SYSFS "/0000:00:02.0"
#define FAKE_VRAM  (16u << 20)
#define FAKE_BAR0  0xfd000008u
#define FAKE_BAR2  0xfebf0000u
#define FAKE_DISPI 0xb0c5u

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void write_file(const char *name, const void *data, size_t len,
		       off_t size, mode_t mode)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), FAKE "/%s", name);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, mode);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	if (size)
		ck_assert_int_eq(ftruncate(fd, size), 0);
	close(fd);
}

static void read_file(const char *name, void *buf, size_t len, off_t off)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), FAKE "/%s", name);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

static int enter_private_sysfs(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", "/sys/bus/pci", "tmpfs", 0, "mode=0755"))
		return -1;
	return 0;
}

/* Runs in each test's own process: a private /sys/bus/pci holding one
 * stdvga, laid out as the kernel lays out a device directory. */
static void fake_setup(void)
{
	static const char resource[] =
		"0x00000000fd000000 0x00000000fdffffff 0x0000000000042208\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x00000000febf0000 0x00000000febf0fff 0x0000000000040200\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x00000000febe0000 0x00000000febeffff 0x0000000000046200\n";
	uint8_t cfg[256] = {0x34, 0x12, 0x11, 0x11, 0x03, 0x00};
	uint8_t bar2[4096] = {0};

	ck_assert_msg(enter_private_sysfs() == 0, "%s", strerror(errno));
	ck_assert_int_eq(mkdir(SYSFS, 0755), 0);
	ck_assert_int_eq(mkdir(FAKE, 0755), 0);
	cfg[0x08] = 2;	  /* revision */
	cfg[0x0b] = 0x03; /* VGA-compatible controller */
	put32(cfg + 0x10, FAKE_BAR0);
	put32(cfg + 0x18, FAKE_BAR2);
	put32(cfg + 0x2c, 0x11001af4);
	cfg[0x3c] = 0x0b;
	write_file("config", cfg, sizeof(cfg), 0, 0644);
	write_file("resource", resource, sizeof(resource) - 1, 0, 0444);
	write_file("resource0", "", 0, FAKE_VRAM, 0600);
	bar2[0x500] = FAKE_DISPI & 0xff;
	bar2[0x501] = FAKE_DISPI >> 8;
	bar2[0x600] = 8;
	write_file("resource2", bar2, sizeof(bar2), 0, 0600);
	write_file("reset", "", 0, 0, 0200);
}

static struct hw *fake_open(void)
{
	struct hw *hw = NULL;
	struct err e = {{0}};

	ck_assert_msg(backend_open("pci:0000:00:02.0", &hw, &e) == 0, "%s",
		      e.msg);
	ck_assert_str_eq(hw->ops->name, "pci");
	return hw;
}

START_TEST(fake_stdvga_bar0_is_mappable_through_its_resource_file)
{
	struct hw *hw = fake_open();
	struct hw_region r;
	struct err e = {{0}};
	uint8_t back[4];
	uint64_t size;
	uint8_t *p;

	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR0, &r, &e), 0);
	ck_assert_uint_eq(r.size, FAKE_VRAM);
	ck_assert_uint_eq(r.flags, HW_REGION_F_PRESENT | HW_REGION_F_MEM |
					   HW_REGION_F_PREFETCH |
					   HW_REGION_F_MMAP);
	ck_assert_int_ge(r.fd, 0);
	ck_assert_uint_eq(r.fd_offset, 0);
	p = hw_region_map(hw, HW_REGION_BAR0, &size, &e);
	ck_assert_msg(p, "%s", e.msg);
	ck_assert_uint_eq(size, FAKE_VRAM);
	memcpy(p + FAKE_VRAM - 4, "\x5a\xa5\x01\x02", 4);
	hw_region_unmap(p, size);
	read_file("resource0", back, 4, FAKE_VRAM - 4);
	ck_assert_mem_eq(back, "\x5a\xa5\x01\x02", 4);
	hw_destroy(hw);
}
END_TEST

START_TEST(fake_stdvga_regions_are_described_from_sysfs)
{
	struct hw *hw = fake_open();
	struct hw_region r;
	struct err e = {{0}};

	ck_assert_int_eq(hw_region_info(hw, HW_REGION_BAR2, &r, &e), 0);
	ck_assert_uint_eq(r.size, 4096);
	/* Registers are trapped, never handed out for mapping. */
	ck_assert_uint_eq(r.flags, HW_REGION_F_PRESENT | HW_REGION_F_MEM);
	ck_assert_int_eq(r.fd, -1);
	ck_assert_int_eq(hw_region_info(hw, 1, &r, &e), 0);
	ck_assert_uint_eq(r.flags, 0);
	ck_assert_int_eq(hw_region_info(hw, HW_REGION_ROM, &r, &e), 0);
	ck_assert_uint_eq(r.size, 0x10000);
	ck_assert_int_eq(hw_region_info(hw, HW_REGION_CONFIG, &r, &e), 0);
	ck_assert_uint_eq(r.size, 256);
	ck_assert_int_eq(hw_region_info(hw, HW_REGION_COUNT, &r, &e), -EINVAL);
	hw_destroy(hw);
}
END_TEST

START_TEST(fake_stdvga_bar2_accesses_go_through_the_mapping)
{
	struct hw *hw = fake_open();
	struct err e = {{0}};
	uint8_t back[4];
	uint32_t v = 0;

	ck_assert_int_eq(hw_region_read(hw, HW_REGION_BAR2, 0x500, 2, &v, &e),
			 0);
	ck_assert_uint_eq(v, FAKE_DISPI);
	ck_assert_int_eq(hw_region_read(hw, HW_REGION_BAR2, 0x600, 4, &v, &e),
			 0);
	ck_assert_uint_eq(v, 8);
	ck_assert_int_eq(
		hw_region_write(hw, HW_REGION_BAR2, 0x502, 2, 0x0400, &e), 0);
	ck_assert_int_eq(
		hw_region_write(hw, HW_REGION_BAR2, 0x604, 4, 0x1e1e1e1e, &e),
		0);
	ck_assert_int_eq(
		hw_region_write(hw, HW_REGION_BAR2, 0x400, 1, 0x20, &e), 0);
	read_file("resource2", back, 2, 0x502);
	ck_assert_mem_eq(back, "\x00\x04", 2);
	read_file("resource2", back, 4, 0x604);
	ck_assert_mem_eq(back, "\x1e\x1e\x1e\x1e", 4);
	read_file("resource2", back, 1, 0x400);
	ck_assert_uint_eq(back[0], 0x20);
	hw_destroy(hw);
}
END_TEST

static const struct {
	unsigned idx;
	uint64_t off;
	unsigned size;
	uint32_t val;
	int rc;
	const char *msg;
} bad_region[] = {
	{HW_REGION_BAR2, 0x1000, 1, 0, -EINVAL, "run past its end"},
	{HW_REGION_BAR2, 0xffe, 4, 0, -EINVAL, "run past its end"},
	{HW_REGION_BAR2, UINT64_MAX, 2, 0, -EINVAL, "run past its end"},
	{HW_REGION_BAR2, 0x501, 2, 0, -EINVAL, "not aligned"},
	{HW_REGION_BAR2, 0x602, 4, 0, -EINVAL, "not aligned"},
	{HW_REGION_BAR2, 0x500, 3, 0, -EINVAL, "1, 2 or 4"},
	{HW_REGION_BAR2, 0x500, 2, 0x10000, -EINVAL, "does not fit"},
	{1, 0, 4, 0, -EINVAL, "region 1 is not present"},
	{HW_REGION_ROM, 0, 4, 0, -ENOTSUP, "expansion ROM"},
	{HW_REGION_CONFIG, 0x100, 1, 0, -EINVAL, "outside the 256-byte"},
	{HW_REGION_CONFIG, 1ull << 32, 1, 0, -EINVAL, "0x100000000"},
};

START_TEST(fake_stdvga_bad_region_accesses_are_refused)
{
	struct hw *hw = fake_open();
	struct err e = {{0}};
	uint8_t before[4096], after[4096];
	uint32_t v = 0x55;

	read_file("resource2", before, sizeof(before), 0);
	ck_assert_int_eq(
		hw_region_write(hw, bad_region[_i].idx, bad_region[_i].off,
				bad_region[_i].size, bad_region[_i].val, &e),
		bad_region[_i].rc);
	ck_assert_msg(strstr(e.msg, bad_region[_i].msg), "%s", e.msg);
	if (bad_region[_i].val == 0) {
		ck_assert_int_eq(hw_region_read(hw, bad_region[_i].idx,
						bad_region[_i].off,
						bad_region[_i].size, &v, &e),
				 bad_region[_i].rc);
		ck_assert_uint_eq(v, 0x55);
	}
	read_file("resource2", after, sizeof(after), 0);
	ck_assert_mem_eq(before, after, sizeof(before));
	hw_destroy(hw);
}
END_TEST

START_TEST(fake_stdvga_config_reads_and_writes_reach_sysfs)
{
	struct hw *hw = fake_open();
	struct err e = {{0}};
	uint8_t back[4];
	uint32_t v = 0;

	ck_assert_int_eq(hw_cfg_read(hw, 0, 4, &v, &e), 0);
	ck_assert_uint_eq(v, 0x11111234);
	ck_assert_int_eq(hw_cfg_read(hw, 0x0b, 1, &v, &e), 0);
	ck_assert_uint_eq(v, 0x03);
	ck_assert_int_eq(hw_region_read(hw, HW_REGION_CONFIG, 0x2e, 2, &v, &e),
			 0);
	ck_assert_uint_eq(v, 0x1100);
	ck_assert_int_eq(hw_cfg_write(hw, 0x04, 2, 0x0002, &e), 0);
	ck_assert_int_eq(
		hw_region_write(hw, HW_REGION_CONFIG, 0x3c, 1, 0x0a, &e), 0);
	read_file("config", back, 2, 0x04);
	ck_assert_mem_eq(back, "\x02\x00", 2);
	read_file("config", back, 1, 0x3c);
	ck_assert_uint_eq(back[0], 0x0a);
	ck_assert_int_eq(hw_cfg_write(hw, 0x04, 2, 0x10000, &e), -EINVAL);
	ck_assert_int_eq(hw_cfg_read(hw, 0xfe, 4, &v, &e), -EINVAL);
	ck_assert_msg(strstr(e.msg, "outside the 256-byte config space"), "%s",
		      e.msg);
	ck_assert_int_eq(hw_cfg_read(hw, 0, 3, &v, &e), -EINVAL);
	hw_destroy(hw);
}
END_TEST

START_TEST(fake_stdvga_bar_writes_may_not_move_a_bar)
{
	struct hw *hw = fake_open();
	struct err e = {{0}};
	uint8_t back[8];

	/* Writing back what is there is what a restore on the same boot
	 * does. */
	ck_assert_int_eq(hw_cfg_write(hw, 0x10, 4, FAKE_BAR0, &e), 0);
	ck_assert_int_eq(hw_cfg_write(hw, 0x18, 4, FAKE_BAR2, &e), 0);
	ck_assert_int_eq(hw_cfg_write(hw, 0x10, 4, 0xfc000008, &e), -EPERM);
	ck_assert_msg(strstr(e.msg, "would move a BAR"), "%s", e.msg);
	ck_assert_int_eq(hw_cfg_write(hw, 0x1b, 1, 0x00, &e), -EPERM);
	ck_assert_int_eq(hw_cfg_write(hw, 0x0e, 4, 0, &e), -EPERM);
	read_file("config", back, 4, 0x10);
	ck_assert_mem_eq(back, "\x08\x00\x00\xfd", 4);
	read_file("config", back, 4, 0x18);
	ck_assert_mem_eq(back, "\x00\x00\xbf\xfe", 4);
	hw_destroy(hw);
}
END_TEST

START_TEST(fake_stdvga_reset_uses_the_sysfs_reset_file)
{
	struct hw *hw = fake_open();
	struct err e = {{0}};
	char back[2] = "";

	ck_assert_int_eq(hw_reset(hw, &e), 0);
	read_file("reset", back, 1, 0);
	ck_assert_int_eq(back[0], '1');
	ck_assert_int_eq(unlink(FAKE "/reset"), 0);
	ck_assert_int_eq(hw_reset(hw, &e), -ENOTSUP);
	ck_assert_msg(strstr(e.msg, "no way to reset"), "%s", e.msg);
	hw_destroy(hw);
}
END_TEST

START_TEST(fake_stdvga_ports_are_checked_before_any_io)
{
	static const struct {
		uint16_t port;
		unsigned size;
		uint32_t val;
		const char *msg;
	} bad[] = {
		{0x3af, 1, 0, "not a VGA port"},
		{0x3df, 2, 0, "not a VGA port"},
		{0x80, 1, 0, "not a VGA port"},
		{0x1cd, 2, 0, "not a VGA port"},
		{0x3c0, 4, 0, "1 or 2 allowed"},
		{0x3c0, 1, 0x100, "not fit"},
	};
	struct hw *hw = fake_open();
	struct err e = {{0}};
	uint32_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(hw_port_write(hw, bad[i].port, bad[i].size,
					       bad[i].val, &e),
				 -EINVAL);
		ck_assert_msg(strstr(e.msg, bad[i].msg), "%s", e.msg);
		if (!bad[i].val)
			ck_assert_int_eq(hw_port_read(hw, bad[i].port,
						      bad[i].size, &v, &e),
					 -EINVAL);
	}
	hw_destroy(hw);
}
END_TEST

START_TEST(fake_stdvga_is_listed_with_its_driver)
{
	static struct seen s;
	struct err e = {{0}};

	ck_assert_int_eq(pci_list(0, collect, &s, &e), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.v[0].addr.dev, 2);
	ck_assert_uint_eq(s.v[0].vendor, 0x1234);
	ck_assert_uint_eq(s.v[0].class_code, 0x030000);
	ck_assert_str_eq(s.v[0].chip, "stdvga");
}
END_TEST

START_TEST(fake_stdvga_destroy_releases_files_and_mappings)
{
	struct err e = {{0}};
	uint32_t v;
	int fds = count_fds();
	struct hw *hw = fake_open();

	ck_assert_int_eq(hw_region_read(hw, HW_REGION_BAR0, 0, 4, &v, &e), 0);
	ck_assert_int_eq(hw_region_read(hw, HW_REGION_BAR2, 0, 4, &v, &e), 0);
	ck_assert_int_gt(count_fds(), fds);
	ck_assert_int_eq(count_pci_maps(), 2);
	hw_destroy(hw);
	ck_assert_int_eq(count_fds(), fds);
	ck_assert_int_eq(count_pci_maps(), 0);
}
END_TEST

START_TEST(fake_stdvga_opens_once_per_process)
{
	struct hw *hw = fake_open(), *again = NULL;
	struct err e = {{0}};

	ck_assert_int_eq(backend_open("pci:0000:00:02.0", &again, &e), -EBUSY);
	ck_assert_msg(strstr(e.msg, "already open in this process"), "%s",
		      e.msg);
	ck_assert_ptr_null(again);
	hw_destroy(hw);
	hw_destroy(fake_open());
}
END_TEST

static void become_nobody(void)
{
	ck_assert_int_eq(setgroups(0, NULL), 0);
	ck_assert_int_eq(setresgid(65534, 65534, 65534), 0);
	ck_assert_int_eq(setresuid(65534, 65534, 65534), 0);
}

START_TEST(fake_stdvga_without_root_is_refused_with_the_reason)
{
	struct hw *hw = NULL;
	struct err e = {{0}};

	become_nobody();
	ck_assert_int_eq(backend_open("pci:0000:00:02.0", &hw, &e), -EACCES);
	ck_assert_msg(strstr(e.msg, "resource0: Permission denied (needs "
				    "root)"),
		      "%s", e.msg);
	ck_assert_ptr_null(hw);
}
END_TEST

START_TEST(fake_stdvga_ports_without_privilege_say_so)
{
	struct hw *hw;
	struct err e = {{0}};
	uint32_t v = 0;
	int rc;

	ck_assert_int_eq(chmod(FAKE "/resource0", 0666), 0);
	become_nobody();
	hw = fake_open();
	rc = hw_port_read(hw, 0x3cc, 1, &v, &e);
	/* Kernels without iopl fail it for everyone. */
	if (rc == -ENOSYS)
		ck_assert_msg(strstr(e.msg, "not reachable on this host"), "%s",
			      e.msg);
	else
		ck_assert_msg(rc == -EPERM && strstr(e.msg, "need root"),
			      "%d %s", rc, e.msg);
	ck_assert_int_eq(hw_port_write(hw, 0x3c2, 1, 1, &e), rc);
	hw_destroy(hw);
}
END_TEST

static enum fork_status fork_mode(void)
{
	const char *f = getenv("CK_FORK");

	return f && !strcmp(f, "no") ? CK_NOFORK : CK_FORK;
}

/* Whether this process may build a private /sys/bus/pci (root with
 * CAP_SYS_ADMIN, not in a restricted container). */
static int can_fake_sysfs(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(enter_private_sysfs() ? 1 : 0);
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static Suite *suite(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("host");
	TCase *fake = tcase_create("fake_sysfs");

	tcase_add_loop_test(tc, parse_accepts_exact_forms, 0,
			    sizeof(good_addrs) / sizeof(good_addrs[0]));
	tcase_add_loop_test(tc, parse_rejects_bad_forms_naming_the_field, 0,
			    sizeof(bad_addrs) / sizeof(bad_addrs[0]));
	tcase_add_test(tc, backend_routes_pci_names);
	tcase_add_test(tc, class_names_follow_the_pci_code_assignments);
	tcase_add_test(tc, list_all_matches_sysfs);
	tcase_add_test(tc, list_display_matches_sysfs_class_03);
	tcase_add_test(tc, list_stops_when_the_callback_asks);
	tcase_add_test(tc,
		       open_refuses_device_without_driver_and_leaves_it_alone);
	tcase_add_test(tc, open_names_a_missing_slot);
	suite_add_tcase(s, tc);

	/* The fake tree must live in each test's own process. */
	if (fork_mode() == CK_NOFORK || !can_fake_sysfs()) {
		printf("test_pci: no private /sys/bus/pci (needs root with "
		       "CAP_SYS_ADMIN, and CK_FORK); fake-device tests not "
		       "run\n");
		return s;
	}
	tcase_add_checked_fixture(fake, fake_setup, NULL);
	tcase_add_test(fake,
		       fake_stdvga_bar0_is_mappable_through_its_resource_file);
	tcase_add_test(fake, fake_stdvga_regions_are_described_from_sysfs);
	tcase_add_test(fake, fake_stdvga_bar2_accesses_go_through_the_mapping);
	tcase_add_loop_test(fake, fake_stdvga_bad_region_accesses_are_refused,
			    0, sizeof(bad_region) / sizeof(bad_region[0]));
	tcase_add_test(fake, fake_stdvga_config_reads_and_writes_reach_sysfs);
	tcase_add_test(fake, fake_stdvga_bar_writes_may_not_move_a_bar);
	tcase_add_test(fake, fake_stdvga_reset_uses_the_sysfs_reset_file);
	tcase_add_test(fake, fake_stdvga_ports_are_checked_before_any_io);
	tcase_add_test(fake, fake_stdvga_is_listed_with_its_driver);
	tcase_add_test(fake, fake_stdvga_destroy_releases_files_and_mappings);
	tcase_add_test(fake, fake_stdvga_opens_once_per_process);
	tcase_add_test(fake,
		       fake_stdvga_without_root_is_refused_with_the_reason);
	tcase_add_test(fake, fake_stdvga_ports_without_privilege_say_so);
	suite_add_tcase(s, fake);
	return s;
}

int main(void)
{
	return th_run_suite(suite());
}
