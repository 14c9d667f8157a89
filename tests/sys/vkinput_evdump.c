/*
 * Guest side of tests/sys/test_vkinput.sh: built static on the host, run in
 * the vkernel. Prints the ranges of ABS_X and ABS_Y ("EVDUMP-ABS code min
 * max"), the device's name once it is open ("EVDUMP-READY name"), then one
 * line per event, "EV type code value" in decimal, flushed at once, until
 * read fails.
 *
 *   vkinput_evdump /dev/input/eventN
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct input_event ev[16];
	struct input_absinfo abs;
	char name[128] = "";
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: vkinput_evdump /dev/input/eventN\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name) < 0) {
		fprintf(stderr, "vkinput_evdump: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	for (unsigned code = ABS_X; code <= ABS_Y; code++)
		if (ioctl(fd, EVIOCGABS(code), &abs) == 0)
			printf("EVDUMP-ABS %u %d %d\n", code, abs.minimum,
			       abs.maximum);
	/* Events reach a reader only once it has the device open. */
	printf("EVDUMP-READY %s\n", name);
	fflush(stdout);
	while ((n = read(fd, ev, sizeof(ev))) > 0) {
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++)
			printf("EV %u %u %d\n", ev[i].type, ev[i].code,
			       ev[i].value);
		fflush(stdout);
	}
	printf("EVDUMP-END %s\n", n < 0 ? strerror(errno) : "end of file");
	return 1;
}
