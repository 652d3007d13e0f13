/*
 * The file printer: appends each job's bytes to a file, so the demo and the
 * tests hold exactly what a printer would have received.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "appliance/fdio.h"
#include "appliance/log.h"
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

static enum status file_write(struct printer *p, const uint8_t *data, size_t len)
{
	if (p->fd < 0)
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
	return p->fd >= 0 ? PRINTER_READY : PRINTER_DISCONNECTED;
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
