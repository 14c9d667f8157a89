# The vkernel (sys/), included by the top-level Makefile.
# `make vkernel-linux` builds build/sys/linux, the User-Mode Linux binary,
# from Debian sid's kernel source (sys/build-linux.sh): the source is
# fetched and unpacked once, kbuild's output stays in build/sys/obj, and a
# run with nothing changed in sys/ returns at once. `make check` builds it
# first: tests/sys/ boots it. The kernel is the same for SANITIZE=1.

SYS := build/sys

# The + passes make's job slots to kbuild.
vkernel-linux:
	+sys/build-linux.sh $(SYS)

check: vkernel-linux

.PHONY: vkernel-linux

# The launcher, build/vkernel (sys/vkernel*.c; `vkernel --help`). It finds
# the kernel, the guest root and gpud next to itself.
VKERNEL_SRCS := $(wildcard sys/vkernel*.c)
VKERNEL := $(B)/vkernel
$(VKERNEL): $(VKERNEL_SRCS:%.c=$(B)/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
all: $(VKERNEL)
FORMAT_SRCS += $(wildcard sys/vkernel*.[ch])
