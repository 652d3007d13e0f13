/* SPDX-License-Identifier: Apache-2.0 */
#include "painter.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <dlfcn.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/common/fdio.h"
#include "appliance/common/log.h"

#define FONT	  "WenQuanYi Micro Hei"
#define FONT_DOTS 24.0 /* the height of a printer's 12x24 font */
#define QUIET	  4    /* modules of white around a QR code */

#define CAIRO_FUNCS(X)                                                                                                 \
	X(cairo_image_surface_create)                                                                                  \
	X(cairo_image_surface_get_data)                                                                                \
	X(cairo_image_surface_get_stride)                                                                              \
	X(cairo_surface_flush)                                                                                         \
	X(cairo_surface_destroy)                                                                                       \
	X(cairo_surface_status)                                                                                        \
	X(cairo_create)                                                                                                \
	X(cairo_destroy)                                                                                               \
	X(cairo_select_font_face)                                                                                      \
	X(cairo_set_font_size)                                                                                         \
	X(cairo_text_extents)                                                                                          \
	X(cairo_font_extents)                                                                                          \
	X(cairo_move_to)                                                                                               \
	X(cairo_show_text)                                                                                             \
	X(cairo_pdf_surface_create_for_stream)                                                                         \
	X(cairo_pdf_surface_set_size)                                                                                  \
	X(cairo_surface_set_mime_data)                                                                                 \
	X(cairo_surface_finish)                                                                                        \
	X(cairo_set_source_surface)                                                                                    \
	X(cairo_scale)                                                                                                 \
	X(cairo_paint)                                                                                                 \
	X(cairo_show_page)                                                                                             \
	X(cairo_save)                                                                                                  \
	X(cairo_restore)
#define QR_FUNCS(X)                                                                                                    \
	X(QRcode_encodeString)                                                                                         \
	X(QRcode_free)

#define DECL(f) __typeof__(f) *f;
static struct {
	CAIRO_FUNCS(DECL)
	QR_FUNCS(DECL)
} lib;

static unsigned paper_dots;

/* Loads cairo and libqrencode once; false (logged) when either is missing. */
static bool loaded(void)
{
	static int state;
	void *cairo, *qr;

	if (state)
		return state > 0;
	state = -1;
	cairo = dlopen("libcairo.so.2", RTLD_NOW | RTLD_LOCAL);
	qr = dlopen("libqrencode.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!cairo || !qr) {
		log_err("printer raster profile: cannot load %s", !cairo ? "cairo" : "libqrencode");
		return false;
	}
#define LOAD_FROM(h, f)                                                                                                \
	if (!(lib.f = (__typeof__(lib.f))dlsym(h, #f))) {                                                              \
		log_err("printer raster profile: %s missing", #f);                                                     \
		return false;                                                                                          \
	}
#define LOAD_CAIRO(f) LOAD_FROM(cairo, f)
#define LOAD_QR(f)    LOAD_FROM(qr, f)
	CAIRO_FUNCS(LOAD_CAIRO)
	QR_FUNCS(LOAD_QR)
	state = 1;
	return true;
}

static enum status paint_text(void *ctx, const char *utf8, unsigned scale, bool bold, struct escpos_image *img)
{
	cairo_surface_t *s;
	cairo_t *cr;
	cairo_text_extents_t te;
	cairo_font_extents_t fe;
	double size = FONT_DOTS * (scale ? scale : 1);
	unsigned w, h, row;
	uint8_t *bits;

	(void)ctx;
	if (!loaded())
		return ST_UNAVAILABLE;
	/* Measure first, so the picture is as wide as its text and the
	 * printer's alignment applies to it. */
	s = lib.cairo_image_surface_create(CAIRO_FORMAT_A8, 8, 8);
	cr = lib.cairo_create(s);
	lib.cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
				   bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	lib.cairo_set_font_size(cr, size);
	lib.cairo_text_extents(cr, utf8, &te);
	lib.cairo_font_extents(cr, &fe);
	lib.cairo_destroy(cr);
	lib.cairo_surface_destroy(s);
	w = (unsigned)(te.x_advance + 8) & ~7u;
	w = w < 8 ? 8 : w > paper_dots ? paper_dots : w;
	h = (unsigned)(fe.height + 0.5);
	row = w / 8;
	s = lib.cairo_image_surface_create(CAIRO_FORMAT_A8, (int)w, (int)h);
	if (lib.cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		lib.cairo_surface_destroy(s);
		return ST_NOMEM;
	}
	cr = lib.cairo_create(s);
	lib.cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
				   bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	lib.cairo_set_font_size(cr, size);
	lib.cairo_move_to(cr, 0, fe.ascent);
	lib.cairo_show_text(cr, utf8);
	lib.cairo_destroy(cr);
	lib.cairo_surface_flush(s);
	bits = calloc((size_t)row * h, 1);
	if (bits) {
		const uint8_t *a = lib.cairo_image_surface_get_data(s);
		int stride = lib.cairo_image_surface_get_stride(s);

		for (unsigned y = 0; y < h; y++) {
			for (unsigned x = 0; x < w; x++) {
				if (a[(size_t)y * (size_t)stride + x] >= 128)
					bits[y * row + x / 8] |= (uint8_t)(0x80 >> (x % 8));
			}
		}
	}
	lib.cairo_surface_destroy(s);
	if (!bits)
		return ST_NOMEM;
	*img = (struct escpos_image){.w = w, .h = h, .bits = bits};
	return ST_OK;
}

static enum status paint_qr(void *ctx, const char *payload, unsigned module, struct escpos_image *img)
{
	QRcode *q;
	unsigned side, row, dots;
	uint8_t *bits;

	(void)ctx;
	if (!loaded())
		return ST_UNAVAILABLE;
	q = lib.QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return ST_BAD_FIELD;
	side = (unsigned)q->width + 2 * QUIET;
	dots = side * module;
	if (dots > paper_dots) {
		module = paper_dots / side;
		dots = side * module;
	}
	row = (dots + 7) / 8;
	bits = calloc((size_t)row * dots, 1);
	for (unsigned y = 0; bits && y < dots; y++) {
		for (unsigned x = 0; x < dots; x++) {
			int mx = (int)(x / module) - QUIET, my = (int)(y / module) - QUIET;

			if (mx >= 0 && my >= 0 && mx < q->width && my < q->width && (q->data[my * q->width + mx] & 1))
				bits[y * row + x / 8] |= (uint8_t)(0x80 >> (x % 8));
		}
	}
	lib.QRcode_free(q);
	if (!bits)
		return ST_NOMEM;
	*img = (struct escpos_image){.w = dots, .h = dots, .bits = bits};
	return ST_OK;
}

static const struct receipt_painter painter = {.text = paint_text, .qr = paint_qr, .ctx = NULL};

const struct receipt_painter *painter_get(unsigned dots)
{
	paper_dots = dots;
	return &painter;
}

/* --- PDFs of scanned pages --------------------------------------------------------------- */

static cairo_status_t write_fd(void *closure, const unsigned char *data, unsigned int length)
{
	return fdio_write_all(*(int *)closure, data, length) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

enum status painter_pdf(const struct painter_jpeg *pages, unsigned n, int fd)
{
	cairo_surface_t *pdf;
	cairo_t *cr;
	enum status st = ST_OK;

	if (!loaded())
		return ST_UNAVAILABLE;
	if (n == 0)
		return ST_BAD_FIELD;
	pdf = lib.cairo_pdf_surface_create_for_stream(write_fd, &fd, 72.0 * pages[0].width / pages[0].dpi,
						      72.0 * pages[0].height / pages[0].dpi);
	cr = lib.cairo_create(pdf);
	for (unsigned i = 0; i < n && st == ST_OK; i++) {
		const struct painter_jpeg *pg = &pages[i];
		/* With the JPEG attached as mime data the PDF embeds the JPEG
		 * itself; the surface's pixels (calloc'ed, never touched) are
		 * not looked at, only its size, which must be the JPEG's. */
		cairo_surface_t *img =
		    lib.cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)pg->width, (int)pg->height);

		if (lib.cairo_surface_status(img) != CAIRO_STATUS_SUCCESS ||
		    lib.cairo_surface_set_mime_data(img, CAIRO_MIME_TYPE_JPEG, pg->data, pg->len, NULL, NULL) !=
			CAIRO_STATUS_SUCCESS) {
			st = ST_NOMEM;
		} else {
			lib.cairo_pdf_surface_set_size(pdf, 72.0 * pg->width / pg->dpi, 72.0 * pg->height / pg->dpi);
			lib.cairo_save(cr);
			lib.cairo_scale(cr, 72.0 / pg->dpi, 72.0 / pg->dpi);
			lib.cairo_set_source_surface(cr, img, 0, 0);
			lib.cairo_paint(cr);
			lib.cairo_restore(cr);
			lib.cairo_show_page(cr);
		}
		lib.cairo_surface_destroy(img);
	}
	lib.cairo_destroy(cr);
	lib.cairo_surface_finish(pdf);
	if (st == ST_OK && lib.cairo_surface_status(pdf) != CAIRO_STATUS_SUCCESS)
		st = ST_IO;
	lib.cairo_surface_destroy(pdf);
	return st;
}
