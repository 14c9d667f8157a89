# vkernel: graphics passthrough with GPU state save/restore.
# make [all|check|bench|fuzz|demo|install|clean|format|format-check]
# make SANITIZE=1 check   ASan+UBSan build in build/san

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
FUZZ_SECONDS ?= 60

PKGS := libzstd libpng libvncserver pciaccess
TEST_PKGS := check osmesa
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -I. \
	$(shell $(PKG_CONFIG) --cflags $(PKGS))
LDLIBS := $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
TEST_LDLIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

ifeq ($(SANITIZE),1)
B := build/san
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
override CFLAGS += $(SAN)
override LDFLAGS += $(SAN)
else
B := build
endif

LIB_SRCS := $(wildcard dev/*.c lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
LIB := $(B)/libgpustate.a
GPUSTATE_SRCS := $(wildcard tools/gpustate*.c)
GPUSTATE := $(B)/gpustate
GPUD_SRCS := $(wildcard tools/gpud*.c)
GPUD := $(B)/gpud
TEST_SRCS := $(wildcard tests/*/test_*.c)
TEST_BINS := $(TEST_SRCS:%.c=$(B)/%)
TEST_HELPERS := $(wildcard tests/helpers/*.c)
BENCH_SRCS := $(wildcard bench/bench_*.c)
BENCH_BINS := $(BENCH_SRCS:%.c=$(B)/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:%.c=build/fuzz/%)

all: $(LIB) $(GPUSTATE) $(GPUD)

$(B)/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(GPUSTATE): $(GPUSTATE_SRCS:%.c=$(B)/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(GPUD): $(GPUD_SRCS:%.c=$(B)/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/%.c $(TEST_HELPERS) $(LIB) $(wildcard */*.h tests/helpers/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_HELPERS) \
		$(LIB) $(TEST_LDLIBS) $(LDLIBS)

$(B)/bench/%: bench/%.c bench/util.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< bench/util.c $(LIB) $(LDLIBS)

# Unit tests that compile a tools/ module in (#include "tools/X.c").
$(B)/tests/tools/test_gpud_damage: tools/gpud_damage.c

check: all $(TEST_BINS)
	tests/run-tests.sh $(B) $(TEST_BINS)

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do $$b || exit 1; done
	@[ "$(BENCH_VKERNEL)" = 0 ] || bench/bench_vkernel.sh $(B)
	@[ "$(BENCH_VKERNEL)" = 0 ] || bench/bench_checkpoint.sh $(B)

# The vkernel benchmarks (bench/README.md); BENCH_VKERNEL=0 leaves them out.
ifneq ($(BENCH_VKERNEL),0)
bench: $(GPUD) vkernel-linux guest-root guest sid-root $(B)/vkernel
endif

# libFuzzer targets: clang, ASan+UBSan, bounded time each.
FUZZ_CFLAGS := -O1 -g -std=gnu11 -D_GNU_SOURCE -I. \
	-fsanitize=fuzzer,address,undefined $(shell $(PKG_CONFIG) --cflags $(PKGS))
build/fuzz/%: %.c $(LIB_SRCS) $(wildcard */*.h)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(LDLIBS)

fuzz: $(FUZZ_BINS)
	tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

demo: all
	tests/demo.sh $(B)

PUBLIC_HEADERS := dev/hw.h dev/stdvga.h dev/backend.h lib/err.h lib/state.h \
	lib/chip.h lib/chip_stdvga.h lib/image.h lib/snapshot.h lib/script.h \
	lib/atomic_file.h lib/vfu_client.h lib/mig_stream.h lib/vfio_user.h

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/include/gpustate/dev \
		$(DESTDIR)$(PREFIX)/include/gpustate/lib
	install -m 755 $(GPUSTATE) $(DESTDIR)$(PREFIX)/bin/gpustate
	install -m 755 $(GPUD) $(DESTDIR)$(PREFIX)/bin/gpud
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libgpustate.a
	install -m 644 $(filter dev/%,$(PUBLIC_HEADERS)) \
		$(DESTDIR)$(PREFIX)/include/gpustate/dev
	install -m 644 $(filter lib/%,$(PUBLIC_HEADERS)) \
		$(DESTDIR)$(PREFIX)/include/gpustate/lib

FORMAT_SRCS = $(wildcard dev/*.[ch] lib/*.[ch] tools/*.[ch] tests/*/*.[ch] guest/*.[ch] \
	bench/*.[ch] bench/guest/*.[ch])
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run -Werror $(FORMAT_SRCS)

clean:
	rm -rf build

.PHONY: all check bench fuzz demo install clean format format-check
.SECONDARY:

# The QEMU guest of the conformance tests: make guest (guest/guest.mk).
include guest/guest.mk

# The vkernel: make vkernel-linux (sys/sys.mk).
include sys/sys.mk

# The vkernel's guest root: make guest-root (guest/desktop.mk).
include guest/desktop.mk
