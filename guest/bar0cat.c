/*
 * bar0cat: write a PCI device's BAR0 to stdout, read through its own
 * mmap() of the sysfs resource0 file. The conformance guest hashes it
 * (sha256sum) to check VRAM in a snapshot by a path that shares no code
 * with gpustate or libpciaccess.
 *   bar0cat DDDD:BB:DD.F | sha256sum
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "bar0cat: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char path[128];
	struct stat st;
	void *p;
	int fd;

	if (argc != 2 || strlen(argv[1]) > 32) {
		fputs("usage: bar0cat DDDD:BB:DD.F\n", stderr);
		return 2;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0",
		 argv[1]);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return fail("open", path);
	if (fstat(fd, &st) < 0 || st.st_size <= 0)
		return fail("size of", path);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap", path);
	if (fwrite(p, 1, (size_t)st.st_size, stdout) != (size_t)st.st_size ||
	    fflush(stdout))
		return fail("write of", path);
	munmap(p, (size_t)st.st_size);
	close(fd);
	return 0;
}
