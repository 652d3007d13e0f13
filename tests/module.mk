# SPDX-License-Identifier: Apache-2.0
# Unit tests: one cmocka program per module, built plain and with SANITIZE=1.
UNIT_TESTS += msg config idnum casecode escpos lifecycle escpos_status barcode sheets memo ratelimit lockout replay timefmt sign rating
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka)

UNIT_BINS := $(patsubst %,$(B)/tests/unit_%,$(UNIT_TESTS))
.PHONY: unit-bins
unit-bins: $(UNIT_BINS)

$(B)/tests/unit_%: $(B)/obj/tests/unit/test_%.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $(linked) $(PKG_LIBS) $(CMOCKA_LIBS)
# central's replay table is central's own, not a shared module.
$(B)/tests/unit_replay: $(call obj,sync/central/replay.c)
$(B)/tests/unit_sign: $(call obj,appliance/common/sign.c)

# Test tools used by the integration tests.
TEST_TOOLS := $(B)/tests/inject $(B)/tests/printer_sim $(B)/tests/bench_floor $(B)/tests/bench_intake \
	$(B)/tests/bench_gen $(B)/tests/bench_docscan $(B)/tests/bench_ratings_floor
unit-bins: $(TEST_TOOLS)
$(B)/tests/inject: $(B)/obj/tests/inject.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $(linked) $(PKG_LIBS)

$(B)/tests/printer_sim: tests/printer_sim.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $<

# The intake floor for make bench.
$(B)/tests/bench_floor: tests/bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs libcrypto)

# The ratings ingest's floor for make bench: plain SQLite inserts.
$(B)/tests/bench_ratings_floor: tests/bench/ratings_floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(shell $(PKG_CONFIG) --libs sqlite3)

# The intake client for make bench: libcurl, so the client costs little.
CURL_LIBS := $(shell $(PKG_CONFIG) --libs libcurl)
$(B)/tests/bench_intake: tests/bench/intake_client.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(CURL_LIBS)

# The case generator for the lookup benchmark: the core's own storage code.
$(B)/tests/bench_gen: $(B)/obj/tests/bench/gen_cases.o $(COMMON_LIB) $(call obj,appliance/common/store.c \
		appliance/vault.c appliance/auth.c appliance/common/worker.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $(linked) $(PKG_LIBS)

# libFuzzer targets, one per parser (build with FUZZ=1: clang).
FUZZ_TARGETS := msg config ids receipt status barcode sheets
FUZZ_BINS := $(patsubst %,$(B)/tests/fuzz_%,$(FUZZ_TARGETS))
.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BINS)
$(B)/tests/fuzz_%: $(B)/obj/tests/fuzz/fuzz_%.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -fsanitize=fuzzer -o $@ $(linked) $(PKG_LIBS)

# The document scanning benchmark: the dev process's own pipeline.
$(B)/tests/bench_docscan: $(B)/obj/tests/bench/docscan.o $(COMMON_LIB) $(call obj,drivers/docscan.c drivers/painter.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $(linked) $(PKG_LIBS)
