/*
 * vramcat: write a snapshot's VRAM image to stdout, so the conformance
 * tests can hash it (sha256sum) against the hash the guest's kernel read
 * from the device's BAR0 through /dev/mem, a path that does not go through
 * gpustate at all.
 *   vramcat SNAPSHOT > vram.bin
 */
#include <stdio.h>

#include "lib/snapshot.h"

int main(int argc, char **argv)
{
	struct gs_state st;
	struct err e;
	size_t n, size;

	if (argc != 2) {
		fputs("usage: vramcat SNAPSHOT\n", stderr);
		return 2;
	}
	if (snap_read(argv[1], &st, &e) < 0) {
		fprintf(stderr, "vramcat: %s\n", e.msg);
		return 1;
	}
	size = st.id.vram_size;
	n = fwrite(st.vram, 1, size, stdout);
	gs_state_free(&st);
	if (n != size || fflush(stdout)) {
		perror("vramcat: stdout");
		return 1;
	}
	return 0;
}
