# SPDX-License-Identifier: Apache-2.0
# The core: the database, the keys, every business rule, the supervision
# of the other roles; and outpostctl.
OUTPOSTD_SRCS += appliance/main.c appliance/parent.c appliance/core.c appliance/child.c appliance/docstore.c appliance/auth.c \
	appliance/cases.c appliance/cases_read.c appliance/cases_rows.c appliance/api.c appliance/control.c appliance/vault.c appliance/audit.c \
	appliance/catalog.c appliance/staff.c appliance/reply.c appliance/printjobs.c appliance/kiosk.c appliance/reports.c appliance/queue.c appliance/buttons.c appliance/leds.c \
	appliance/scanjobs.c appliance/outbox.c appliance/ratings.c appliance/ratecode.c appliance/survey.c appliance/lantls.c appliance/privs.c
CTL_SRCS += appliance/ctl.c
