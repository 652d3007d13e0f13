/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "appliance/common/msg.h"

static void test_roundtrip(void **state)
{
	uint8_t frame[MSG_MAX_SIZE];
	struct msg m;
	size_t n;

	(void)state;
	assert_int_equal(msg_encode(frame, sizeof(frame), MSG_API_REQUEST, 42, "{}", 2, 3, &n), ST_OK);
	assert_int_equal(n, sizeof(struct msg_hdr) + 2);
	assert_int_equal(msg_decode(frame, n, 3, &m), ST_OK);
	assert_int_equal(m.type, MSG_API_REQUEST);
	assert_int_equal(m.id, 42);
	assert_int_equal(m.len, 2);
	assert_memory_equal(m.payload, "{}", 2);
}

struct bad_frame {
	const char *why;
	void (*mangle)(uint8_t *frame, size_t *n, unsigned *nfds);
};

static void short_header(uint8_t *f, size_t *n, unsigned *nfds)
{
	(void)f, (void)nfds;
	*n = sizeof(struct msg_hdr) - 1;
}
static void bad_magic(uint8_t *f, size_t *n, unsigned *nfds)
{
	(void)n, (void)nfds;
	f[0] ^= 0xff;
}
static void unknown_type(uint8_t *f, size_t *n, unsigned *nfds)
{
	uint16_t t = __MSG_TYPE_MAX;
	(void)n, (void)nfds;
	memcpy(f + 2, &t, 2);
}
static void zero_type(uint8_t *f, size_t *n, unsigned *nfds)
{
	(void)n, (void)nfds;
	memset(f + 2, 0, 2);
}
static void len_too_long(uint8_t *f, size_t *n, unsigned *nfds)
{
	uint32_t l = 3;
	(void)n, (void)nfds;
	memcpy(f + 8, &l, 4);
}
static void truncated(uint8_t *f, size_t *n, unsigned *nfds)
{
	(void)f, (void)nfds;
	*n -= 1;
}
static void fd_count_mismatch(uint8_t *f, size_t *n, unsigned *nfds)
{
	(void)f, (void)n;
	*nfds = 1;
}
static void reserved_set(uint8_t *f, size_t *n, unsigned *nfds)
{
	(void)n, (void)nfds;
	f[14] = 1;
}

static const struct bad_frame bad_frames[] = {
    {"short header", short_header},	      {"bad magic", bad_magic},
    {"unknown type", unknown_type},	      {"zero type", zero_type},
    {"length past end", len_too_long},	      {"truncated payload", truncated},
    {"fd count mismatch", fd_count_mismatch}, {"reserved bits", reserved_set},
};

static void test_refuses_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_frames) / sizeof(bad_frames[0]); i++) {
		uint8_t frame[64];
		struct msg m;
		size_t n;
		unsigned nfds = 0;

		assert_int_equal(msg_encode(frame, sizeof(frame), MSG_HELLO, 1, "{\"a\":1}", 7, 0, &n), ST_OK);
		bad_frames[i].mangle(frame, &n, &nfds);
		if (msg_decode(frame, n, nfds, &m) != ST_PROTO)
			fail_msg("accepted a frame with %s", bad_frames[i].why);
	}
}

static void test_type_limits(void **state)
{
	uint8_t frame[MSG_MAX_SIZE];
	char big[300];
	size_t n;

	(void)state;
	memset(big, 'x', sizeof(big));
	/* HELLO carries at most 256 bytes and no descriptors. */
	assert_int_equal(msg_encode(frame, sizeof(frame), MSG_HELLO, 1, big, sizeof(big), 0, &n), ST_PROTO);
	assert_int_equal(msg_encode(frame, sizeof(frame), MSG_HELLO, 1, big, 10, 1, &n), ST_PROTO);
	assert_int_equal(msg_encode(frame, sizeof(frame), MSG_API_RESPONSE, 1, big, 10, 2, &n), ST_PROTO);
	assert_int_equal(msg_encode(frame, sizeof(frame), MSG_HELLO, 1, big, 1, 0, &n), ST_PROTO);
	assert_int_equal(msg_encode(frame, 8, MSG_HELLO, 1, big, 10, 0, &n), ST_TOO_LARGE);
}

/* Through a real socketpair: the payload and a descriptor arrive together. */
static void test_socket_with_fd(void **state)
{
	int sv[2], p[2], fds[MSG_MAX_FDS];
	uint8_t buf[MSG_MAX_SIZE];
	unsigned nfds;
	size_t n;
	struct msg m;
	char c = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(msg_send(sv[0], MSG_API_REQUEST, 7, "{\"x\":1}", 7, &p[1], 1), ST_OK);
	close(p[1]);
	assert_int_equal(msg_recv(sv[1], buf, &n, fds, &nfds), ST_OK);
	assert_int_equal(nfds, 1);
	assert_int_equal(msg_decode(buf, n, nfds, &m), ST_OK);
	assert_int_equal(m.id, 7);
	assert_int_equal(write(fds[0], "z", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'z');
	msg_close_fds(fds, nfds);
	assert_int_equal(msg_recv(sv[1], buf, &n, fds, &nfds), ST_BUSY);
	close(sv[0]);
	assert_int_equal(msg_recv(sv[1], buf, &n, fds, &nfds), ST_UNAVAILABLE);
	close(sv[1]);
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_refuses_malformed),
	    cmocka_unit_test(test_type_limits),
	    cmocka_unit_test(test_socket_with_fd),
	};
	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
