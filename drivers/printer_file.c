/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file printer: appends each job's bytes to a file, so the demo and the
 * tests hold exactly what a printer would have received.  A simulator, not
 * a driver: paper out is simulated by the file "<path>.paper-out" existing
 * (the demo and the tests create and remove it); the printer then prints
 * nothing and reports paper_out, as a real one's status would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "appliance/common/fdio.h"
#include "appliance/common/log.h"
#include "printer.h"

static enum status file_open(struct printer *p, const struct config *cfg)
{
	snprintf(p->path, sizeof(p->path), "%s", cfg->printer_path);
	p->fd = open(p->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (p->fd < 0) {
		log_err("printer file %s: %s", p->path, strerror(errno));
		return ST_PRINTER;
	}
	return ST_OK;
}

static bool paper_out(struct printer *p)
{
	char flag[CONFIG_PATH_MAX + 16];

	snprintf(flag, sizeof(flag), "%s.paper-out", p->path);
	return access(flag, F_OK) == 0;
}

static enum status file_write(struct printer *p, const uint8_t *data, size_t len)
{
	if (p->fd < 0 || paper_out(p))
		return ST_PRINTER;
	if (!fdio_write_all(p->fd, data, len)) {
		log_err("printer file %s: %s", p->path, strerror(errno));
		return ST_PRINTER;
	}
	/* No fsync: a printer has none either, and the receipt's promise rests
	 * on the case row, committed before the job was sent. */
	return ST_OK;
}

static enum printer_state file_state(struct printer *p)
{
	if (p->fd < 0)
		return PRINTER_DISCONNECTED;
	return paper_out(p) ? PRINTER_PAPER_OUT : PRINTER_READY;
}

static void file_close(struct printer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

const struct printer_ops printer_file_ops = {
    .name = "file",
    .open = file_open,
    .write = file_write,
    .state = file_state,
    .close = file_close,
};
