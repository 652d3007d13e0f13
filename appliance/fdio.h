/* Small descriptor helpers shared by the core and the children. */
#ifndef OUTPOST_FDIO_H
#define OUTPOST_FDIO_H

#include <stdbool.h>
#include <stddef.h>

/* Writes all n bytes, retrying short writes and EINTR; false with errno set. */
bool fdio_write_all(int fd, const void *data, size_t n);

#endif
