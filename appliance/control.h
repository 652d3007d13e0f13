/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local control socket (a UNIX stream socket, mode 0600, in the state
 * folder) that outpostctl talks to.  One request line per connection, one
 * JSON answer, then the core closes the connection.
 */
#ifndef OUTPOST_CONTROL_H
#define OUTPOST_CONTROL_H

#include "core.h"

enum status control_open(struct core *c);
void control_close(struct core *c);

#endif
