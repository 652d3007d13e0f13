# SPDX-License-Identifier: Apache-2.0
# The sync role; http.c and curlfn.c are outpost-central's too
# (sync/central/module.mk).
OUTPOSTD_SRCS += sync/sync.c sync/http.c sync/curlfn.c
