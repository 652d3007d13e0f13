# SPDX-License-Identifier: Apache-2.0
# Outpost: one non-recursive build.  Each folder adds its sources through its
# module.mk; objects go to build/plain or, with SANITIZE=1, build/san.

SANITIZE ?= 0
FUZZ ?= 0
CC ?= cc
PKG_CONFIG ?= pkg-config

ifeq ($(FUZZ),1)
# libFuzzer targets (make fuzz): clang, with ASan and UBSan.
CC := clang
B := build/fuzz
OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HARDEN :=
else ifeq ($(SANITIZE),1)
# The sanitized build is the test build: it also carries the test hooks
# (OUTPOST_TEST_HOOKS: the fake clock), which the plain build never has.
B := build/san
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DOUTPOST_TEST_HOOKS=1
HARDEN := -fstack-protector-strong
else
B := build/plain
OPT := -O2 -g
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2
endif

WARN := -std=c17 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Wundef -Werror
PKGS := libsystemd libmicrohttpd libcrypto sqlite3 jansson inih libargon2 libseccomp libgpiod libcurl
# cairo, espeak-ng, libqrencode, SANE, ZBar and libjpeg: headers only;
# reports.c, voice.c, painter.c and docscan.c load the libraries when they
# first draw, speak, paint or scan.
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) cairo-pdf espeak-ng libqrencode sane-backends zbar libjpeg)
# libmicrohttpd, libcurl and OpenSSL's libcrypto: headers only as well; the
# web process loads the first (web/mhd.h), the sync process the second
# (sync/curlfn.h), the core, sync and outpost-central the third
# (appliance/common/crypto.h).
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(filter-out libmicrohttpd libcurl libcrypto,$(PKGS)))
# libgpiod's API (v1 on bookworm, v2 on trixie) from its version.
GPIOD_API := $(if $(filter 0 1,$(firstword $(subst ., ,$(shell $(PKG_CONFIG) --modversion libgpiod)))),1,2)
CFLAGS_ALL := $(WARN) $(OPT) $(HARDEN) -fPIE -D_GNU_SOURCE -DOUTPOST_GPIOD_API=$(GPIOD_API) -I. $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(OPT) -pie -Wl,-z,relro,-z,now $(LDFLAGS)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
# The modules every program may use, as an archive: each program links only
# the members it calls (outpostctl and outpost-central carry no ESC/POS).
COMMON_LIB := $(B)/libcommon.a
# A link's inputs: the objects, then the archive.
linked = $(filter-out %.a,$^) $(filter %.a,$^)

.DEFAULT_GOAL := all

# Filled in by the module.mk files.
COMMON_SRCS :=
OUTPOSTD_SRCS :=
CTL_SRCS :=
UNIT_TESTS :=
OUTPOSTD_EXTRA_OBJS :=

include appliance/common/module.mk
include appliance/module.mk
include drivers/module.mk
include sync/module.mk
include sync/central/module.mk
include web/module.mk
include image/module.mk
include tests/module.mk

$(COMMON_LIB): $(call obj,$(COMMON_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

OUTPOSTD := $(B)/outpostd
OUTPOSTCTL := $(B)/outpostctl

.PHONY: all deps run check unit integration browser bench fuzz format format-check clean
all: $(OUTPOSTD) $(OUTPOSTCTL)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(OUTPOSTD): $(call obj,$(OUTPOSTD_SRCS)) $(COMMON_LIB) $(OUTPOSTD_EXTRA_OBJS)
	$(CC) $(LDFLAGS_ALL) -o $@ $(linked) $(PKG_LIBS)

$(OUTPOSTCTL): $(call obj,$(CTL_SRCS)) $(COMMON_LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(linked) $(PKG_LIBS)

deps:
	@.ci/deps

run: deps
	@$(MAKE) --no-print-directory all
	@tests/run-demo $(B)

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=1 all unit-bins
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	@$(MAKE) --no-print-directory unit-bins
	@tests/check $(B) build/san build/fuzz

# Each libFuzzer target over its committed corpus for FUZZ_SECONDS (60;
# make check runs them 10 s each).
fuzz: deps
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	@tests/fuzz/run build/fuzz $${FUZZ_SECONDS:-60}

bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(B)/tests/bench_floor $(B)/tests/bench_intake $(B)/tests/bench_gen $(B)/tests/bench_docscan
	@tests/bench/run $(B)

FORMATTED := $(wildcard appliance/*.[ch] drivers/*.[ch] sync/*.[ch] web/*.[ch] tests/unit/*.[ch] tests/bench/*.c \
	tests/fuzz/*.c)
format:
	clang-format -i $(FORMATTED)
format-check:
	@clang-format --dry-run -Werror $(FORMATTED) && echo "format: OK"

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
