# SPDX-License-Identifier: Apache-2.0
# The sync role, and outpost-central, the other end of sync.
OUTPOSTD_SRCS += sync/sync.c sync/sign.c sync/http.c sync/curlfn.c

CENTRAL := $(B)/outpost-central
CENTRAL_SRCS := sync/central.c sync/central_tus.c sync/central_cases.c sync/central_ui.c sync/central_push.c sync/cdb_sqlite.c sync/replay.c \
	sync/sign.c sync/http.c sync/curlfn.c \
	web/mhd.c web/mhdloop.c appliance/store.c appliance/worker.c
# GnuTLS (libmicrohttpd's TLS) checks offices' client certificates.
GNUTLS_LIBS := $(shell $(PKG_CONFIG) --libs gnutls)
all: $(CENTRAL)
CENTRAL_STATIC := $(shell find sync/static -type f | sort)
$(B)/gen/sync/assets.c: $(B)/embed $(CENTRAL_STATIC)
	@mkdir -p $(dir $@)
	$(B)/embed sync/static $(CENTRAL_STATIC) > $@.tmp && mv $@.tmp $@
$(B)/obj/gen/sync/assets.o: $(B)/gen/sync/assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<
$(CENTRAL): $(call obj,$(CENTRAL_SRCS) $(COMMON_SRCS)) $(B)/obj/gen/sync/assets.o
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(GNUTLS_LIBS)
