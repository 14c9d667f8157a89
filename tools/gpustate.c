/* PLACEHOLDER: gpustate CLI is being written. */
#include <stdio.h>
int main(void) { fputs("gpustate: not yet\n", stderr); return 1; }
