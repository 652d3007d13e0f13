# The sync role.  It talks to central once the sync issue lands.
OUTPOSTD_SRCS += sync/sync.c
