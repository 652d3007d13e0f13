# SPDX-License-Identifier: Apache-2.0
# What every program of Outpost uses: status codes, logging, buffers, the
# configuration, messages and channels, identifiers, the pure rules, TLS
# helpers, the role table.
COMMON_SRCS += appliance/common/status.c appliance/common/log.c appliance/common/buf.c \
	appliance/common/config.c appliance/common/msg.c appliance/common/idnum.c appliance/common/casecode.c \
	appliance/common/channel.c appliance/common/fdio.c appliance/common/lifecycle.c appliance/common/memo.c \
	appliance/common/entropy.c appliance/common/ratelimit.c appliance/common/tlslib.c \
	appliance/common/tlscert.c appliance/common/lockout.c appliance/common/timefmt.c appliance/common/role.c \
	appliance/common/escpos.c appliance/common/receipt.c appliance/common/sheets.c \
	appliance/common/crypto.c appliance/common/clock.c appliance/common/rating.c
# What outpostd's processes share (a role's set-up and sandbox) and what the
# core shares with outpost-central (the SQLite store, the worker thread,
# signatures and hashes, which sync uses too).
OUTPOSTD_SRCS += appliance/common/roleproc.c appliance/common/sandbox.c appliance/common/store.c \
	appliance/common/worker.c appliance/common/sign.c
