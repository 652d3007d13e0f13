/* SPDX-License-Identifier: Apache-2.0 */
/* Small descriptor helpers shared by the core and the children. */
#ifndef OUTPOST_FDIO_H
#define OUTPOST_FDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes all n bytes, retrying short writes and EINTR; false with errno set. */
bool fdio_write_all(int fd, const void *data, size_t n);
/* Reads exactly n bytes at off; false at end of file or on error. */
bool fdio_pread_all(int fd, void *data, size_t n, off_t off);

#endif
