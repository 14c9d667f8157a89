# The QEMU guest of the conformance tests (guest/README.md), included by the
# top-level Makefile. `make guest` builds into build/guest:
#   kernel/    Debian's stock kernel and the bochs DRM module chain; the .deb
#              is cached in build/guest/cache, so rebuilds do not download
#   gpustate   a static gpustate for the guest (always without sanitizers:
#              the guest runs it, so it has its own objects in obj/)
#   bar0cat    static, for the guest: BAR0 to stdout, for VRAM hashes
#   base.cpio.gz, xorg.cpio.gz   the initramfs parts (build-initramfs.sh)
#   imgcmp, vramcat   host helpers: compare pictures, extract a snapshot's
#              VRAM for hashing
# GUEST_TESTS=0 leaves the guest out of `make check`.

GUEST := build/guest
GUEST_CFLAGS := -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -I. \
	$(shell $(PKG_CONFIG) --cflags $(PKGS))
GUEST_STATIC_LIBS := $(shell $(PKG_CONFIG) --static --libs libzstd libpng \
	pciaccess) -lm
GUEST_LIB := $(GUEST)/libgpustate.a
GUEST_CONF := $(shell find tests/data/conformance -type f 2>/dev/null)

$(GUEST)/obj/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_LIB): $(LIB_SRCS:%.c=$(GUEST)/obj/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(GUEST)/gpustate: $(GPUSTATE_SRCS:%.c=$(GUEST)/obj/%.o) $(GUEST_LIB)
	$(CC) -static -o $@ $^ $(GUEST_STATIC_LIBS)

$(GUEST)/bar0cat: $(GUEST)/obj/guest/bar0cat.o
	$(CC) -static -o $@ $^

$(GUEST)/imgcmp $(GUEST)/vramcat: $(GUEST)/%: $(GUEST)/obj/guest/%.o \
		$(GUEST_LIB)
	$(CC) -o $@ $^ $(LDLIBS)

$(GUEST)/kernel/version: guest/fetch-kernel.sh
	guest/fetch-kernel.sh $(GUEST)/kernel $(GUEST)/cache

$(GUEST)/base.cpio.gz: guest/build-initramfs.sh guest/init.sh guest/tests.sh \
		$(GUEST)/gpustate $(GUEST)/bar0cat $(GUEST_CONF)
	guest/build-initramfs.sh base $@ $(GUEST)/gpustate $(GUEST)/bar0cat \
		tests/data/conformance

$(GUEST)/xorg.cpio.gz: guest/build-initramfs.sh guest/xorg.conf \
		$(GUEST)/kernel/version
	guest/build-initramfs.sh xorg $@ $(GUEST)/kernel

guest: $(GUEST)/kernel/version $(GUEST)/gpustate $(GUEST)/imgcmp \
	$(GUEST)/vramcat \
	$(GUEST)/base.cpio.gz $(GUEST)/xorg.cpio.gz

ifneq ($(GUEST_TESTS),0)
check: guest
endif

.PHONY: guest
