/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The receipt printer behind its transports.  Each backend is a struct
 * printer_ops: file (the simulator for the demo and tests: appends the
 * exact bytes a printer would get), serial and tcp (printer_stream.c: real
 * printers, asked their status with DLE EOT) and usb (printer_usb.c: the
 * kernel's usblp driver, status by LPGETSTATUS).
 */
#ifndef OUTPOST_PRINTER_H
#define OUTPOST_PRINTER_H

#include <stddef.h>
#include <stdint.h>

#include "appliance/common/config.h"

enum printer_state {
	PRINTER_READY = 0,
	PRINTER_PAPER_NEAR_END,
	PRINTER_PAPER_OUT,
	PRINTER_COVER_OPEN,
	PRINTER_OFFLINE,
	PRINTER_DISCONNECTED,
	__PRINTER_STATE_MAX
};

struct printer;

struct printer_ops {
	const char *name;
	enum status (*open)(struct printer *p, const struct config *cfg);
	/* Writes a whole job; ST_PRINTER when the device refused it. */
	enum status (*write)(struct printer *p, const uint8_t *data, size_t len);
	enum printer_state (*state)(struct printer *p);
	void (*close)(struct printer *p);
};

struct printer {
	const struct printer_ops *ops;
	int fd;
	char path[CONFIG_PATH_MAX];
	enum printer_state last;
	unsigned baud;	    /* serial */
	char flow[8];	    /* serial: none, rtscts, xonxoff */
	unsigned timeout_s; /* each job and status question */
};

extern const struct printer_ops printer_file_ops;
extern const struct printer_ops printer_serial_ops;
extern const struct printer_ops printer_tcp_ops;
extern const struct printer_ops printer_usb_ops;

const char *printer_state_name(enum printer_state s);
/* Chooses the backend named in the configuration and opens it. */
enum status printer_open(struct printer *p, const struct config *cfg);
enum status printer_print(struct printer *p, const uint8_t *data, size_t len);
enum printer_state printer_state(struct printer *p);
void printer_close(struct printer *p);

#endif
