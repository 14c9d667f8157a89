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
# vkernel_manifest.c: libcrypto (SHA-256 of the kernel and stub),
# libxxhash (XXH3 of checkpoint files), a thread.
VKERNEL_LIBS := $(shell $(PKG_CONFIG) --libs libcrypto libxxhash) -pthread
$(VKERNEL): $(VKERNEL_SRCS:%.c=$(B)/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(VKERNEL_LIBS)
all: $(VKERNEL)
FORMAT_SRCS += $(wildcard sys/vkernel*.[ch])
# The manifest's unit test compiles vkernel_manifest.c and vkernel_hash.c in.
$(B)/tests/sys/test_vkernel_manifest: sys/vkernel_manifest.c sys/vkernel_hash.c
$(B)/tests/sys/test_vkernel_manifest: LDLIBS += $(VKERNEL_LIBS)

# CRIU around the vkernel (sys/criu/README.md). `make sid-root` builds
# build/sid-root, a Debian sid root with criu 4.x (sys/sid-root.sh, cached:
# a rerun with nothing changed returns at once); sys/criu/criu-sid runs its
# criu. UML and `criu restore` run under $(B)/subreaper, so the PIDs of a
# dumped tree are free again at once. tests/sys/test_criu_uml.sh needs both.
SID_ROOT := build/sid-root
sid-root:
	sys/sid-root.sh $(SID_ROOT)

SUBREAPER := $(B)/subreaper
$(SUBREAPER): $(B)/sys/criu/subreaper.o
	$(CC) $(LDFLAGS) -o $@ $^
all: $(SUBREAPER)
check: sid-root
FORMAT_SRCS += sys/criu/subreaper.c

.PHONY: sid-root

# The main job (README): build everything the desktop and its checkpoint
# (sid's CRIU: make sid-root) need, then boot it on the stdvga model and
# stay in the foreground (Ctrl-C powers it off).
# DESKTOP_ARGS adds launcher options, e.g. DESKTOP_ARGS="--vnc 0".
desktop: all vkernel-linux guest-root sid-root
	$(VKERNEL) -G sim $(DESKTOP_ARGS)

.PHONY: desktop
