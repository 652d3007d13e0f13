# SPDX-License-Identifier: Apache-2.0
# The web role, and its static pages embedded at build time.
OUTPOSTD_SRCS += web/web.c web/request.c web/sse.c web/mhd.c web/mhdloop.c web/webtls.c
STATIC_FILES := $(shell find web/static -type f | sort)

$(B)/embed: web/embed.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O1 -o $@ $<

$(B)/gen/web/assets.c: $(B)/embed $(STATIC_FILES)
	@mkdir -p $(dir $@)
	$(B)/embed web/static $(STATIC_FILES) > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/web/assets.o: $(B)/gen/web/assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

OUTPOSTD_EXTRA_OBJS += $(B)/obj/gen/web/assets.o
