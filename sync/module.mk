# The sync role, and outpost-central, the other end of sync.
OUTPOSTD_SRCS += sync/sync.c sync/sign.c sync/http.c

CENTRAL := $(B)/outpost-central
CENTRAL_SRCS := sync/central.c sync/central_tus.c sync/central_cases.c sync/sign.c \
	web/mhd.c web/mhdloop.c appliance/store.c appliance/worker.c
all: $(CENTRAL)
$(CENTRAL): $(call obj,$(CENTRAL_SRCS) $(COMMON_SRCS))
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)
