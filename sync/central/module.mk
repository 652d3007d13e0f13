# SPDX-License-Identifier: Apache-2.0
# outpost-central, the other end of sync.
CENTRAL := $(B)/outpost-central
CENTRAL_SRCS := sync/central/central.c sync/central/central_tus.c sync/central/central_cases.c \
	sync/central/central_ui.c sync/central/central_ratings.c sync/central/central_survey.c sync/central/central_push.c sync/central/central_answer.c sync/central/cdb_sqlite.c sync/central/replay.c \
	appliance/common/sign.c sync/http.c sync/curlfn.c \
	web/mhd.c web/mhdloop.c appliance/common/store.c appliance/common/worker.c
# GnuTLS (libmicrohttpd's TLS) checks offices' client certificates.
GNUTLS_LIBS := $(shell $(PKG_CONFIG) --libs gnutls)
all: $(CENTRAL)
CENTRAL_STATIC := $(shell find sync/central/static -type f | sort)
$(B)/gen/sync/central/assets.c: $(B)/embed $(CENTRAL_STATIC)
	@mkdir -p $(dir $@)
	$(B)/embed sync/central/static $(CENTRAL_STATIC) > $@.tmp && mv $@.tmp $@
$(B)/obj/gen/sync/central/assets.o: $(B)/gen/sync/central/assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<
$(CENTRAL): $(call obj,$(CENTRAL_SRCS)) $(COMMON_LIB) $(B)/obj/gen/sync/central/assets.o
	$(CC) $(LDFLAGS_ALL) -o $@ $(linked) $(PKG_LIBS) $(GNUTLS_LIBS)
