# SPDX-License-Identifier: Apache-2.0
# Shared modules (pure code and helpers used by every program) and the core.
COMMON_SRCS += appliance/status.c appliance/log.c appliance/buf.c appliance/config.c \
	appliance/msg.c appliance/idnum.c appliance/casecode.c appliance/channel.c appliance/fdio.c \
	appliance/lifecycle.c appliance/memo.c appliance/entropy.c appliance/ratelimit.c \
	appliance/tlslib.c appliance/tlscert.c appliance/lockout.c appliance/timefmt.c
OUTPOSTD_SRCS += appliance/main.c appliance/core.c appliance/child.c appliance/roleproc.c \
	appliance/store.c appliance/docstore.c appliance/auth.c appliance/cases.c \
	appliance/api.c appliance/control.c appliance/sandbox.c appliance/worker.c \
	appliance/vault.c appliance/audit.c appliance/catalog.c appliance/staff.c \
	appliance/reports.c appliance/queue.c appliance/buttons.c appliance/scanjobs.c appliance/outbox.c \
	appliance/lantls.c appliance/privs.c
CTL_SRCS += appliance/ctl.c
