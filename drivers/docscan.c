/* SPDX-License-Identifier: Apache-2.0 */
#include "docscan.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sane/sane.h>
#include <stdio.h>
/* jpeglib.h needs stdio's FILE first. */
#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <zbar.h>

#include "appliance/common/fdio.h"
#include "appliance/common/log.h"
#include "painter.h"

#define PAGE_MAX_BYTES (256u << 20) /* A3 colour at 600 dpi is some 200 MiB */

/*
 * SANE (with its backends' own libraries: libusb, net-snmp, gphoto2 ...),
 * ZBar and libjpeg are loaded by the dev process on its first scan, not
 * linked, so the other processes, and a box that never scans, do not map
 * them.
 */
#define SANE_FUNCS(X)                                                                                                  \
	X(sane_init)                                                                                                   \
	X(sane_exit)                                                                                                   \
	X(sane_get_devices)                                                                                            \
	X(sane_open)                                                                                                   \
	X(sane_close)                                                                                                  \
	X(sane_get_option_descriptor)                                                                                  \
	X(sane_control_option)                                                                                         \
	X(sane_start)                                                                                                  \
	X(sane_get_parameters)                                                                                         \
	X(sane_read)                                                                                                   \
	X(sane_cancel)
#define ZBAR_FUNCS(X)                                                                                                  \
	X(zbar_image_scanner_create)                                                                                   \
	X(zbar_image_scanner_set_config)                                                                               \
	X(zbar_image_scanner_destroy)                                                                                  \
	X(zbar_image_create)                                                                                           \
	X(zbar_image_set_format)                                                                                       \
	X(zbar_image_set_size)                                                                                         \
	X(zbar_image_set_data)                                                                                         \
	X(zbar_image_destroy)                                                                                          \
	X(zbar_scan_image)                                                                                             \
	X(zbar_image_first_symbol)                                                                                     \
	X(zbar_symbol_next)                                                                                            \
	X(zbar_symbol_get_data)                                                                                        \
	X(zbar_symbol_get_data_length)
#define JPEG_FUNCS(X)                                                                                                  \
	X(jpeg_std_error)                                                                                              \
	X(jpeg_CreateCompress)                                                                                         \
	X(jpeg_mem_dest)                                                                                               \
	X(jpeg_set_defaults)                                                                                           \
	X(jpeg_set_quality)                                                                                            \
	X(jpeg_start_compress)                                                                                         \
	X(jpeg_write_scanlines)                                                                                        \
	X(jpeg_finish_compress)                                                                                        \
	X(jpeg_destroy_compress)

#define DECL(f) __typeof__(f) *f;
static struct {
	SANE_FUNCS(DECL)
	ZBAR_FUNCS(DECL)
	JPEG_FUNCS(DECL)
} lib;

/* Loads the three libraries and starts SANE, once; false (logged) when
 * one is missing.  Called on the worker thread only. */
static int lib_state; /* 0 not tried, 1 loaded, -1 missing */

static bool loaded(void)
{
	void *h[3];
	SANE_Int version;

	if (lib_state)
		return lib_state > 0;
	lib_state = -1;
	h[0] = dlopen("libsane.so.1", RTLD_NOW | RTLD_LOCAL);
	h[1] = dlopen("libzbar.so.0", RTLD_NOW | RTLD_LOCAL);
	h[2] = dlopen("libjpeg.so.62", RTLD_NOW | RTLD_LOCAL);
	if (!h[0] || !h[1] || !h[2]) {
		log_err("document scanning: cannot load %s", !h[0] ? "libsane" : !h[1] ? "libzbar" : "libjpeg");
		return false;
	}
#define LOAD_FROM(i, f)                                                                                                \
	if (!(lib.f = (__typeof__(lib.f))dlsym(h[i], #f))) {                                                           \
		log_err("document scanning: %s missing", #f);                                                          \
		return false;                                                                                          \
	}
#define LOAD_SANE(f) LOAD_FROM(0, f)
#define LOAD_ZBAR(f) LOAD_FROM(1, f)
#define LOAD_JPEG(f) LOAD_FROM(2, f)
	SANE_FUNCS(LOAD_SANE)
	ZBAR_FUNCS(LOAD_ZBAR)
	JPEG_FUNCS(LOAD_JPEG)
	if (lib.sane_init(&version, NULL) != SANE_STATUS_GOOD) {
		log_err("document scanning: SANE did not start");
		return false;
	}
	log_info("document scanning: SANE %d.%d.%d loaded", SANE_VERSION_MAJOR(version), SANE_VERSION_MINOR(version),
		 SANE_VERSION_BUILD(version));
	lib_state = 1;
	return true;
}

struct page {
	unsigned char *jpeg;
	unsigned long jpeg_len;
	unsigned width, height;
	json_t *codes; /* texts */
};

/* The open session: the device and the pages so far. */
static struct session {
	uint32_t job;
	struct docscan_request req;
	SANE_Handle h;
	struct page *pages;
	unsigned npages;
	zbar_image_scanner_t *zbar;
	struct timespec started;
} ss;

static const char *sane_word(SANE_Status s)
{
	switch (s) {
	case SANE_STATUS_JAMMED:
		return "jammed";
	case SANE_STATUS_COVER_OPEN:
		return "cover_open";
	case SANE_STATUS_NO_DOCS:
		return "no_docs";
	case SANE_STATUS_DEVICE_BUSY:
		return "busy";
	case SANE_STATUS_NO_MEM:
		return "no_memory";
	case SANE_STATUS_INVAL:
		return "bad_option";
	case SANE_STATUS_UNSUPPORTED:
		return "unsupported";
	case SANE_STATUS_ACCESS_DENIED:
		return "no_device";
	default:
		return "io_error";
	}
}

/* --- options ---------------------------------------------------------------------- */

static SANE_Int find_option(SANE_Handle h, const char *name, const SANE_Option_Descriptor **out)
{
	const SANE_Option_Descriptor *d;

	for (SANE_Int i = 1; (d = lib.sane_get_option_descriptor(h, i)); i++) {
		if (d->name && strcmp(d->name, name) == 0) {
			*out = d;
			return i;
		}
	}
	return -1;
}

/* Sets an option from its text: yes/no, a number, or a string. */
static SANE_Status set_option(SANE_Handle h, const char *name, const char *value)
{
	const SANE_Option_Descriptor *d;
	SANE_Int i = find_option(h, name, &d), info;
	SANE_Word w;
	char *end, buf[256];
	void *v = &w;

	if (i < 0 || !SANE_OPTION_IS_SETTABLE(d->cap) || !SANE_OPTION_IS_ACTIVE(d->cap))
		return SANE_STATUS_INVAL;
	switch (d->type) {
	case SANE_TYPE_BOOL:
		w = strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
		break;
	case SANE_TYPE_INT:
		w = (SANE_Word)strtol(value, &end, 10);
		if (!*value || *end)
			return SANE_STATUS_INVAL;
		break;
	case SANE_TYPE_FIXED:
		w = SANE_FIX(strtod(value, &end));
		if (!*value || *end)
			return SANE_STATUS_INVAL;
		break;
	case SANE_TYPE_STRING:
		if (strlen(value) >= sizeof(buf) || (SANE_Int)strlen(value) >= d->size)
			return SANE_STATUS_INVAL;
		snprintf(buf, sizeof(buf), "%s", value);
		v = buf;
		break;
	default:
		return SANE_STATUS_INVAL;
	}
	return lib.sane_control_option(h, i, SANE_ACTION_SET_VALUE, v, &info);
}

/* A string-list option set to its first choice holding one of words
 * (backends name the same thing differently: "ADF", "ADF Front",
 * "Automatic Document Feeder"). */
static SANE_Status set_choice(SANE_Handle h, const char *name, const char *const *words)
{
	const SANE_Option_Descriptor *d;

	if (find_option(h, name, &d) < 0 || d->constraint_type != SANE_CONSTRAINT_STRING_LIST)
		return SANE_STATUS_UNSUPPORTED;
	for (const SANE_String_Const *c = d->constraint.string_list; *c; c++)
		for (const char *const *w = words; *w; w++)
			if (strcasestr(*c, *w))
				return set_option(h, name, *c);
	return SANE_STATUS_UNSUPPORTED;
}

static const char *configure(SANE_Handle h, const struct docscan_request *rq)
{
	static const char *const adf[] = {"ADF", "Feeder", NULL}, *const flatbed[] = {"Flatbed", NULL},
				 *const gray[] = {"Gray", "Grey", NULL}, *const color[] = {"Color", "Colour", NULL};
	const SANE_Option_Descriptor *d;
	char dpi[16];
	SANE_Status st;

	/* A device without a source option has one source: fine for a
	 * flatbed, not for a feeder. */
	st = set_choice(h, "source", rq->adf ? adf : flatbed);
	if (st != SANE_STATUS_GOOD && (rq->adf || find_option(h, "source", &d) >= 0))
		return "source";
	if (find_option(h, "mode", &d) >= 0 && set_choice(h, "mode", rq->color ? color : gray) != SANE_STATUS_GOOD)
		return "mode";
	snprintf(dpi, sizeof(dpi), "%u", rq->dpi);
	if (find_option(h, "resolution", &d) >= 0 && set_option(h, "resolution", dpi) != SANE_STATUS_GOOD)
		return "resolution";
	for (unsigned i = 0; i < rq->nopt; i++)
		if (set_option(h, rq->opt[i].name, rq->opt[i].value) != SANE_STATUS_GOOD)
			return rq->opt[i].name;
	return NULL;
}

/* --- one page ---------------------------------------------------------------------------- */

static json_t *find_codes(const uint8_t *gray, unsigned w, unsigned h)
{
	zbar_image_t *img = lib.zbar_image_create();
	json_t *codes = json_array();

	lib.zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	lib.zbar_image_set_size(img, w, h);
	lib.zbar_image_set_data(img, gray, (unsigned long)w * h, NULL);
	if (lib.zbar_scan_image(ss.zbar, img) > 0) {
		for (const zbar_symbol_t *s = lib.zbar_image_first_symbol(img); s; s = lib.zbar_symbol_next(s))
			json_array_append_new(
			    codes, json_stringn(lib.zbar_symbol_get_data(s), lib.zbar_symbol_get_data_length(s)));
	}
	lib.zbar_image_destroy(img);
	return codes;
}

static bool encode_jpeg(const uint8_t *px, unsigned w, unsigned h, bool rgb, unsigned quality, unsigned dpi,
			struct page *pg)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;

	c.err = lib.jpeg_std_error(&err);
	lib.jpeg_CreateCompress(&c, JPEG_LIB_VERSION, sizeof(c));
	pg->jpeg = NULL;
	pg->jpeg_len = 0;
	lib.jpeg_mem_dest(&c, &pg->jpeg, &pg->jpeg_len);
	c.image_width = w;
	c.image_height = h;
	c.input_components = rgb ? 3 : 1;
	c.in_color_space = rgb ? JCS_RGB : JCS_GRAYSCALE;
	lib.jpeg_set_defaults(&c);
	lib.jpeg_set_quality(&c, (int)quality, TRUE);
	c.density_unit = 1; /* dots per inch */
	c.X_density = c.Y_density = (UINT16)dpi;
	lib.jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < h) {
		JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline * w * (rgb ? 3 : 1));

		lib.jpeg_write_scanlines(&c, &row, 1);
	}
	lib.jpeg_finish_compress(&c);
	lib.jpeg_destroy_compress(&c);
	return pg->jpeg_len > 0;
}

/* 8-bit samples from what the backend sent (1, 8 or 16 bits). */
static uint8_t *samples(const uint8_t *raw, const SANE_Parameters *p, unsigned lines, unsigned ch)
{
	size_t per_line = (size_t)p->pixels_per_line * ch;
	uint8_t *out = malloc(per_line * lines);

	if (!out)
		return NULL;
	for (unsigned y = 0; y < lines; y++) {
		const uint8_t *r = raw + (size_t)y * (size_t)p->bytes_per_line;
		uint8_t *o = out + y * per_line;

		for (size_t x = 0; x < per_line; x++) {
			if (p->depth == 8)
				o[x] = r[x];
			else if (p->depth == 16)
				o[x] = (uint8_t)(((const uint16_t *)(const void *)r)[x] >> 8);
			else /* 1 bit: set means black */
				o[x] = (r[x / 8] >> (7 - x % 8)) & 1 ? 0 : 255;
		}
	}
	return out;
}

static SANE_Status read_page(struct page *pg)
{
	SANE_Parameters p;
	SANE_Status st = lib.sane_start(ss.h);
	uint8_t *raw = NULL, *px = NULL, *gray = NULL;
	size_t len = 0, cap = 0;
	unsigned lines, ch;

	if (st != SANE_STATUS_GOOD)
		return st;
	if ((st = lib.sane_get_parameters(ss.h, &p)) != SANE_STATUS_GOOD)
		return st;
	if ((p.format != SANE_FRAME_GRAY && p.format != SANE_FRAME_RGB) || !p.last_frame ||
	    (p.depth != 1 && p.depth != 8 && p.depth != 16) || p.bytes_per_line <= 0 || p.pixels_per_line <= 0 ||
	    (p.format == SANE_FRAME_RGB && p.depth == 1))
		return SANE_STATUS_UNSUPPORTED;
	ch = p.format == SANE_FRAME_RGB ? 3 : 1;
	for (;;) {
		SANE_Int n = 0;

		if (cap - len < 65536) {
			size_t want =
			    cap ? cap * 2 : (p.lines > 0 ? (size_t)p.lines * (size_t)p.bytes_per_line + 1 : 1u << 20);
			uint8_t *more;

			if (want > PAGE_MAX_BYTES || !(more = realloc(raw, want))) {
				st = SANE_STATUS_NO_MEM;
				break;
			}
			raw = more;
			cap = want;
		}
		st = lib.sane_read(ss.h, raw + len, (SANE_Int)(cap - len > 1u << 20 ? 1u << 20 : cap - len), &n);
		if (st != SANE_STATUS_GOOD)
			break;
		len += (size_t)n;
	}
	if (st != SANE_STATUS_EOF) {
		free(raw);
		return st;
	}
	lines = (unsigned)(len / (size_t)p.bytes_per_line);
	st = SANE_STATUS_NO_MEM;
	if (lines > 0 && (px = samples(raw, &p, lines, ch))) {
		gray = px;
		if (ch == 3 && (gray = malloc((size_t)p.pixels_per_line * lines))) {
			/* Luma for ZBar. */
			for (size_t i = 0; i < (size_t)p.pixels_per_line * lines; i++)
				gray[i] =
				    (uint8_t)((px[3 * i] * 77u + px[3 * i + 1] * 150u + px[3 * i + 2] * 29u) >> 8);
		}
		if (gray) {
			pg->width = (unsigned)p.pixels_per_line;
			pg->height = lines;
			pg->codes = find_codes(gray, pg->width, lines);
			if (encode_jpeg(px, pg->width, lines, ch == 3, ss.req.jpeg_quality, ss.req.dpi, pg))
				st = SANE_STATUS_GOOD;
		}
	} else if (lines == 0) {
		st = SANE_STATUS_IO_ERROR;
	}
	if (gray != px)
		free(gray);
	free(px);
	free(raw);
	return st;
}

/* --- the session ----------------------------------------------------------------------------- */

static void drop_pages(void)
{
	for (unsigned i = 0; i < ss.npages; i++) {
		free(ss.pages[i].jpeg);
		json_decref(ss.pages[i].codes);
	}
	free(ss.pages);
	ss.pages = NULL;
	ss.npages = 0;
}

static void end_session(void)
{
	if (ss.h) {
		lib.sane_cancel(ss.h);
		lib.sane_close(ss.h);
	}
	ss.h = NULL;
	drop_pages();
	ss.job = 0;
}

static struct docscan_result *result(const char *event, const char *status)
{
	struct docscan_result *r = calloc(1, sizeof(*r));
	struct timespec now;

	if (!r)
		return NULL;
	r->job = ss.job;
	r->event = event;
	r->status = status;
	r->pages = ss.npages;
	clock_gettime(CLOCK_MONOTONIC, &now);
	r->seconds = (double)(now.tv_sec - ss.started.tv_sec) + (double)(now.tv_nsec - ss.started.tv_nsec) / 1e9;
	for (unsigned i = 0; i < SHEETS_MAX_DOCS; i++)
		r->pdf_fd[i] = -1;
	r->codes = json_array();
	for (unsigned i = 0; i < ss.npages; i++)
		json_array_append(r->codes, ss.pages[i].codes);
	return r;
}

/* A failed job: what was scanned is dropped; the paper is still there. */
static struct docscan_result *failed(const char *status, const char *detail)
{
	struct docscan_result *r = result("done", status);

	if (r && detail)
		snprintf(r->detail, sizeof(r->detail), "%s", detail);
	log_warn("document scan %u: %s%s%s after %u pages", ss.job, status, detail ? " " : "", detail ? detail : "",
		 ss.npages);
	end_session();
	return r;
}

/* Scans one page (flatbed) or the stack (ADF) into the session. */
static struct docscan_result *scan_batch(const struct docscan_request *opts)
{
	const char *bad;
	unsigned before = ss.npages;

	if (opts && (bad = configure(ss.h, opts)))
		return failed("bad_option", bad);
	for (;;) {
		struct page pg = {0}, *more;
		SANE_Status st;

		if (ss.npages == ss.req.max_pages)
			return failed("too_many_pages", NULL);
		st = read_page(&pg);
		if (st == SANE_STATUS_NO_DOCS && ss.req.adf && ss.npages > before)
			break; /* the feeder is empty: the stack is in */
		if (st != SANE_STATUS_GOOD) {
			free(pg.jpeg);
			json_decref(pg.codes);
			return failed(sane_word(st), NULL);
		}
		if (!(more = realloc(ss.pages, (ss.npages + 1) * sizeof(*more)))) {
			free(pg.jpeg);
			json_decref(pg.codes);
			return failed("no_memory", NULL);
		}
		ss.pages = more;
		ss.pages[ss.npages++] = pg;
		if (!ss.req.adf)
			break;
	}
	lib.sane_cancel(ss.h); /* ends the batch; the device stays open */
	return result("scanned", "ok");
}

/* One PDF of pages [first, first + n), JPEG as is, in a sealed memfd. */
static int make_pdf(unsigned first, unsigned n)
{
	struct painter_jpeg j[64], *pj = n <= 64 ? j : malloc(n * sizeof(*pj));
	int fd = memfd_create("outpost-scan", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (!pj || fd < 0)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		const struct page *pg = &ss.pages[first + i];

		pj[i] = (struct painter_jpeg){
		    .data = pg->jpeg, .len = pg->jpeg_len, .width = pg->width, .height = pg->height, .dpi = ss.req.dpi};
	}
	if (painter_pdf(pj, n, fd) != ST_OK ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		goto fail;
	if (pj != j)
		free(pj);
	return fd;
fail:
	if (pj != j)
		free(pj);
	if (fd >= 0)
		close(fd);
	return -1;
}

static struct docscan_result *finish(void)
{
	struct sheets_page *sp = calloc(ss.npages ? ss.npages : 1, sizeof(*sp));
	const char **texts = NULL;
	struct docscan_result *r;
	size_t ntexts = 0, k = 0;

	if (!sp)
		return failed("no_memory", NULL);
	for (unsigned i = 0; i < ss.npages; i++)
		ntexts += json_array_size(ss.pages[i].codes);
	texts = calloc(ntexts ? ntexts : 1, sizeof(*texts));
	if (!texts) {
		free(sp);
		return failed("no_memory", NULL);
	}
	for (unsigned i = 0; i < ss.npages; i++) {
		size_t j;
		json_t *t;

		sp[i].codes = texts + k;
		json_array_foreach(ss.pages[i].codes, j, t) texts[k++] = json_string_value(t);
		sp[i].ncodes = (unsigned)json_array_size(ss.pages[i].codes);
	}
	r = result("done", "ok");
	if (r && !ss.req.test &&
	    sheets_split(sp, ss.npages, ss.req.target_case[0] ? ss.req.target_case : NULL, ss.req.target_material,
			 &r->split) != SHEETS_OK) {
		r->status = "split";
	} else if (r && !ss.req.test) {
		for (unsigned d = 0; d < r->split.ndocs; d++) {
			if ((r->pdf_fd[d] = make_pdf(r->split.doc[d].first, r->split.doc[d].npages)) < 0) {
				r->status = "no_memory";
				break;
			}
		}
	}
	free(texts);
	free(sp);
	if (r) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		r->seconds =
		    (double)(now.tv_sec - ss.started.tv_sec) + (double)(now.tv_nsec - ss.started.tv_nsec) / 1e9;
		log_info("document scan %u: %u pages, %s, %u documents, %.2f s", ss.job, ss.npages, r->status,
			 r->split.ndocs, r->seconds);
	}
	end_session();
	return r;
}

static struct docscan_result *start(const struct docscan_cmd *cmd)
{
	const SANE_Device **list;
	const char *device = cmd->req.device;
	SANE_Status st;

	end_session();
	ss.job = cmd->req.job;
	ss.req = cmd->req;
	clock_gettime(CLOCK_MONOTONIC, &ss.started);
	if (!device[0]) {
		if (lib.sane_get_devices(&list, SANE_TRUE) != SANE_STATUS_GOOD || !list[0])
			return failed("no_device", NULL);
		device = list[0]->name;
	}
	st = lib.sane_open(device, &ss.h);
	if (st != SANE_STATUS_GOOD) {
		ss.h = NULL;
		return failed(st == SANE_STATUS_DEVICE_BUSY ? "busy" : "no_device", device);
	}
	return scan_batch(&ss.req);
}

struct docscan_result *docscan_run(const struct docscan_cmd *cmd)
{
	struct docscan_result *r;

	if (!loaded()) {
		ss.job = cmd->req.job;
		return failed("no_device", "SANE");
	}
	if (!ss.zbar) {
		ss.zbar = lib.zbar_image_scanner_create();
		lib.zbar_image_scanner_set_config(ss.zbar, 0, ZBAR_CFG_ENABLE, 1);
		/* Every second line each way: a sheet's codes are large, and a
		 * page costs a quarter of the time. */
		lib.zbar_image_scanner_set_config(ss.zbar, 0, ZBAR_CFG_X_DENSITY, 2);
		lib.zbar_image_scanner_set_config(ss.zbar, 0, ZBAR_CFG_Y_DENSITY, 2);
	}
	switch (cmd->op) {
	case DOCSCAN_START:
		r = start(cmd);
		if (r && !cmd->more && strcmp(r->event, "scanned") == 0) {
			docscan_result_free(r);
			r = finish();
		}
		return r;
	case DOCSCAN_MORE: {
		struct docscan_request page_opts = ss.req;

		memcpy(page_opts.opt, cmd->req.opt, sizeof(page_opts.opt));
		page_opts.nopt = cmd->req.nopt;
		return scan_batch(&page_opts);
	}
	case DOCSCAN_FINISH:
		return finish();
	case DOCSCAN_CANCEL:
	default:
		return failed("cancelled", NULL);
	}
}

void docscan_result_free(struct docscan_result *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < SHEETS_MAX_DOCS; i++)
		if (r->pdf_fd[i] >= 0)
			close(r->pdf_fd[i]);
	json_decref(r->codes);
	free(r);
}

/* --- the worker thread ------------------------------------------------------------------------ */

static struct {
	pthread_t thread;
	bool running, busy, stop;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct docscan_cmd cmd;
	bool have_cmd;
	int done_pipe[2]; /* worker -> loop: struct docscan_result pointers */
	docscan_cb *done;
	void *ud;
} wk = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .done_pipe = {-1, -1}};

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wk.lock);
	for (;;) {
		struct docscan_cmd cmd;
		struct docscan_result *r;

		while (!wk.have_cmd && !wk.stop)
			pthread_cond_wait(&wk.wake, &wk.lock);
		if (wk.stop)
			break;
		cmd = wk.cmd;
		wk.have_cmd = false;
		pthread_mutex_unlock(&wk.lock);
		r = docscan_run(&cmd);
		if (!r || !fdio_write_all(wk.done_pipe[1], &r, sizeof(r)))
			docscan_result_free(r);
		pthread_mutex_lock(&wk.lock);
	}
	pthread_mutex_unlock(&wk.lock);
	end_session();
	return NULL;
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct docscan_result *r;

	(void)s, (void)revents, (void)ud;
	while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		pthread_mutex_lock(&wk.lock);
		wk.busy = false;
		pthread_mutex_unlock(&wk.lock);
		wk.done(wk.ud, r);
	}
	return 0;
}

enum status docscan_init(sd_event *ev, docscan_cb *done, void *ud)
{
	wk.done = done;
	wk.ud = ud;
	if (pipe2(wk.done_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    sd_event_add_io(ev, NULL, wk.done_pipe[0], EPOLLIN, on_done, NULL) < 0)
		return ST_IO;
	/* The worker blocks in the backend; the write end may block too (the
	 * loop reads it promptly). */
	fcntl(wk.done_pipe[1], F_SETFL, 0);
	if (pthread_create(&wk.thread, NULL, worker, NULL) != 0)
		return ST_NOMEM;
	wk.running = true;
	return ST_OK;
}

enum status docscan_submit(const struct docscan_cmd *cmd)
{
	enum status st = ST_OK;

	pthread_mutex_lock(&wk.lock);
	if (!wk.running)
		st = ST_UNAVAILABLE;
	else if (wk.busy)
		st = ST_BUSY;
	else if (cmd->op != DOCSCAN_START && cmd->req.job != ss.job)
		st = ST_NOT_FOUND; /* ss.job only changes on the worker while busy */
	if (st == ST_OK) {
		wk.cmd = *cmd;
		wk.have_cmd = true;
		wk.busy = true;
		pthread_cond_signal(&wk.wake);
	}
	pthread_mutex_unlock(&wk.lock);
	return st;
}

void docscan_free(void)
{
	if (wk.running) {
		pthread_mutex_lock(&wk.lock);
		wk.stop = true;
		pthread_cond_signal(&wk.wake);
		pthread_mutex_unlock(&wk.lock);
		pthread_join(wk.thread, NULL);
		wk.running = false;
	}
	end_session();
	if (ss.zbar)
		lib.zbar_image_scanner_destroy(ss.zbar);
	ss.zbar = NULL;
	if (lib_state > 0)
		lib.sane_exit();
}

/* --- the request ------------------------------------------------------------------------------------ */

enum status docscan_cmd_from_json(json_t *body, const struct docscan_request *base, struct docscan_cmd *out)
{
	const char *op = NULL, *device = NULL, *source = NULL, *mode = NULL, *target = NULL, *name;
	json_int_t job = 0, dpi = 0, material = 0;
	json_t *opts = NULL, *v;
	int more = 0, test = 0;

	if (json_unpack(body, "{s:I, s:s, s?b, s?s, s?s, s?I, s?s, s?o, s?s, s?I, s?b}", "job", &job, "op", &op, "more",
			&more, "device", &device, "source", &source, "resolution", &dpi, "mode", &mode, "options",
			&opts, "case", &target, "material", &material, "test", &test) != 0 ||
	    job <= 0 || job > UINT32_MAX || (opts && !json_is_object(opts)) ||
	    json_object_size(opts) > DOCSCAN_MAX_OPTIONS)
		return ST_PROTO;
	memset(out, 0, sizeof(*out));
	out->req = *base;
	out->req.job = (uint32_t)job;
	out->more = more;
	out->req.test = test;
	if (strcmp(op, "start") == 0)
		out->op = DOCSCAN_START;
	else if (strcmp(op, "more") == 0)
		out->op = DOCSCAN_MORE;
	else if (strcmp(op, "finish") == 0)
		out->op = DOCSCAN_FINISH;
	else if (strcmp(op, "cancel") == 0)
		out->op = DOCSCAN_CANCEL;
	else
		return ST_PROTO;
	if (device && snprintf(out->req.device, sizeof(out->req.device), "%s", device) >= (int)sizeof(out->req.device))
		return ST_PROTO;
	if (source && strcmp(source, "adf") != 0 && strcmp(source, "flatbed") != 0)
		return ST_PROTO;
	if (source)
		out->req.adf = strcmp(source, "adf") == 0;
	if (mode && strcmp(mode, "gray") != 0 && strcmp(mode, "color") != 0)
		return ST_PROTO;
	if (mode)
		out->req.color = strcmp(mode, "color") == 0;
	if (dpi && (dpi < 50 || dpi > 1200))
		return ST_PROTO;
	if (dpi)
		out->req.dpi = (unsigned)dpi;
	if (target && (snprintf(out->req.target_case, sizeof(out->req.target_case), "%s", target) >= CASECODE_MAX ||
		       material < 1 || material > 999))
		return ST_PROTO;
	out->req.target_material = (int)material;
	json_object_foreach(opts, name, v)
	{
		unsigned i = out->req.nopt++;

		if (!json_is_string(v) || strlen(name) >= sizeof(out->req.opt[i].name) ||
		    json_string_length(v) >= sizeof(out->req.opt[i].value))
			return ST_PROTO;
		snprintf(out->req.opt[i].name, sizeof(out->req.opt[i].name), "%s", name);
		snprintf(out->req.opt[i].value, sizeof(out->req.opt[i].value), "%s", json_string_value(v));
	}
	return ST_OK;
}
