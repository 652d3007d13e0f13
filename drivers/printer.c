/* SPDX-License-Identifier: Apache-2.0 */
#include "printer.h"

#include <string.h>

#include "appliance/common/log.h"

static const char *const state_names[__PRINTER_STATE_MAX] = {
    "ready", "paper_near_end", "paper_out", "cover_open", "offline", "disconnected",
};

static const struct printer_ops *const backends[] = {&printer_file_ops, &printer_serial_ops, &printer_tcp_ops,
						     &printer_usb_ops};

const char *printer_state_name(enum printer_state s)
{
	return (unsigned)s < __PRINTER_STATE_MAX ? state_names[s] : "unknown";
}

enum status printer_open(struct printer *p, const struct config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->last = PRINTER_DISCONNECTED;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strcmp(backends[i]->name, cfg->printer_backend) == 0) {
			p->ops = backends[i];
			return p->ops->open(p, cfg);
		}
	}
	return ST_CONFIG;
}

enum status printer_print(struct printer *p, const uint8_t *data, size_t len)
{
	enum status st = p->ops->write(p, data, len);

	p->last = p->ops->state(p);
	return st;
}

enum printer_state printer_state(struct printer *p)
{
	return p->last = p->ops->state(p);
}

void printer_close(struct printer *p)
{
	if (p->ops)
		p->ops->close(p);
}
