/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Printers on a byte stream: a serial line (RS-232, or USB CDC-ACM) and a
 * network printer on TCP port 9100.  Both take the job's bytes and answer
 * DLE EOT status questions on the same stream; only opening differs.  Every
 * step is bounded by [printer] timeout_seconds; a stream that fails is
 * closed and opened again at the next job or status poll, so unplugging and
 * re-plugging needs no restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/log.h"
#include "escpos_status.h"
#include "printer.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline; false on timeout or error. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};

	for (;;) {
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return false;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0 && (pfd.revents & events) && !(pfd.revents & (POLLERR | POLLNVAL));
	}
}

static void drop(struct printer *p, const char *why)
{
	if (p->fd >= 0) {
		log_warn("printer %s: %s; closed, will open it again", p->path, why);
		close(p->fd);
	}
	p->fd = -1;
}

static bool send_all(struct printer *p, const uint8_t *d, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t w;

		if (!wait_fd(p->fd, POLLOUT, deadline))
			return false;
		w = write(p->fd, d, n);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return false;
		d += w;
		n -= (size_t)w;
	}
	return true;
}

/* --- opening ----------------------------------------------------------------- */

static int open_serial(const struct printer *p)
{
	struct termios t;
	speed_t speed;
	int fd = open(p->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	switch (p->baud) {
	case 1200:
		speed = B1200;
		break;
	case 2400:
		speed = B2400;
		break;
	case 4800:
		speed = B4800;
		break;
	case 9600:
		speed = B9600;
		break;
	case 19200:
		speed = B19200;
		break;
	case 38400:
		speed = B38400;
		break;
	case 57600:
		speed = B57600;
		break;
	case 115200:
		speed = B115200;
		break;
	default:
		speed = B9600;
		break;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetispeed(&t, speed);
		cfsetospeed(&t, speed);
		t.c_cflag |= CLOCAL | CREAD;
		t.c_cflag &= ~(tcflag_t)CRTSCTS;
		t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
		if (strcmp(p->flow, "rtscts") == 0)
			t.c_cflag |= CRTSCTS;
		else if (strcmp(p->flow, "xonxoff") == 0)
			t.c_iflag |= IXON | IXOFF;
		if (tcsetattr(fd, TCSANOW, &t) < 0)
			log_warn("printer %s: cannot set the line: %s", p->path, strerror(errno));
	}
	return fd;
}

static int open_tcp(const struct printer *p)
{
	char host[CONFIG_PATH_MAX];
	const char *colon = strrchr(p->path, ':');
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int fd = -1, err = 0;
	socklen_t len = sizeof(err);

	if (!colon || colon == p->path || (size_t)(colon - p->path) >= sizeof(host))
		return -1;
	memcpy(host, p->path, (size_t)(colon - p->path));
	host[colon - p->path] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
		return -1;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		int one = 1;

		/* Question and answer, then the job: no waiting to coalesce. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) < 0 &&
	    (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, now_ms() + (int64_t)p->timeout_s * 1000) ||
	     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static bool reopen(struct printer *p)
{
	if (p->fd >= 0)
		return true;
	p->fd = strcmp(p->ops->name, "serial") == 0 ? open_serial(p) : open_tcp(p);
	if (p->fd >= 0)
		log_info("printer %s (%s) connected", p->path, p->ops->name);
	return p->fd >= 0;
}

/* --- status and jobs ------------------------------------------------------------ */

/* Asks DLE EOT 1, 2, 4 and reads the three answers. */
static enum printer_state ask_status(struct printer *p)
{
	uint8_t reply[ESCPOS_STATUS_REPLY], junk[256];
	int64_t deadline = now_ms() + (int64_t)p->timeout_s * 1000;
	size_t got = 0;
	enum printer_state st;

	if (!reopen(p))
		return PRINTER_DISCONNECTED;
	/* Whatever the printer said before is not an answer to this question. */
	while (read(p->fd, junk, sizeof(junk)) > 0)
		;
	if (!send_all(p, escpos_status_query, sizeof(escpos_status_query), deadline)) {
		drop(p, "status question not sent");
		return PRINTER_DISCONNECTED;
	}
	while (got < sizeof(reply)) {
		ssize_t r;

		if (!wait_fd(p->fd, POLLIN, deadline)) {
			drop(p, "no answer to the status question");
			return PRINTER_DISCONNECTED;
		}
		r = read(p->fd, reply + got, sizeof(reply) - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			drop(p, r == 0 ? "closed by the printer" : strerror(errno));
			return PRINTER_DISCONNECTED;
		}
		got += (size_t)r;
	}
	if (!escpos_status_decode(reply, &st)) {
		drop(p, "an answer that is not a status");
		return PRINTER_OFFLINE;
	}
	return st;
}

static enum status stream_open(struct printer *p, const struct config *cfg)
{
	snprintf(p->path, sizeof(p->path), "%s", cfg->printer_path);
	snprintf(p->flow, sizeof(p->flow), "%s", cfg->printer_flow);
	p->baud = cfg->printer_baud;
	p->timeout_s = cfg->printer_timeout_s;
	if (!reopen(p))
		log_warn("printer %s (%s) not reachable yet", p->path, p->ops->name);
	return ST_OK;
}

static enum status stream_write(struct printer *p, const uint8_t *data, size_t len)
{
	/* A job goes only to a printer that says it can print it. */
	p->last = ask_status(p);
	if (p->last != PRINTER_READY && p->last != PRINTER_PAPER_NEAR_END)
		return ST_PRINTER;
	if (!send_all(p, data, len, now_ms() + (int64_t)p->timeout_s * 1000)) {
		drop(p, "job not sent");
		return ST_PRINTER;
	}
	return ST_OK;
}

static void stream_close(struct printer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

const struct printer_ops printer_serial_ops = {
    .name = "serial",
    .open = stream_open,
    .write = stream_write,
    .state = ask_status,
    .close = stream_close,
};

const struct printer_ops printer_tcp_ops = {
    .name = "tcp",
    .open = stream_open,
    .write = stream_write,
    .state = ask_status,
    .close = stream_close,
};
