/* SPDX-License-Identifier: Apache-2.0 */
#include "voice.h"

#include <dirent.h>
#include <dlfcn.h>
#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appliance/common/fdio.h"
#include "appliance/common/log.h"
#include "appliance/common/worker.h"

#define MAX_SECONDS 30
#define KEEP_FILES  100

static struct {
	struct worker *worker;
	char output[16];
	char dir[CONFIG_PATH_MAX + 16];
} voice;

/* --- espeak-ng, loaded on first use (worker thread only) ----------------------- */

#define ESPEAK_FUNCS(X)                                                                                                \
	X(espeak_ng_InitializePath)                                                                                    \
	X(espeak_ng_Initialize)                                                                                        \
	X(espeak_ng_InitializeOutput)                                                                                  \
	X(espeak_ng_GetSampleRate)                                                                                     \
	X(espeak_ng_SetVoiceByName)                                                                                    \
	X(espeak_ng_Synthesize)                                                                                        \
	X(espeak_ng_Synchronize)                                                                                       \
	X(espeak_SetSynthCallback)

#define ESPEAK_DECL(f) __typeof__(f) *f;
static struct {
	ESPEAK_FUNCS(ESPEAK_DECL)
} es;

/* Samples of the announcement being synthesised (worker thread). */
static struct {
	int16_t *data;
	size_t n, cap;
} pcm;

static int on_samples(short *wav, int n, espeak_EVENT *events)
{
	(void)events;
	if (!wav || n <= 0)
		return 0;
	if (pcm.n + (size_t)n > pcm.cap)
		return 1; /* longer than MAX_SECONDS: stop */
	memcpy(pcm.data + pcm.n, wav, (size_t)n * sizeof(*wav));
	pcm.n += (size_t)n;
	return 0;
}

static bool speech_loaded(bool to_file)
{
	static int state; /* 0: not tried, 1: loaded, -1: failed */
	void *h;

	if (state)
		return state > 0;
	state = -1;
	h = dlopen("libespeak-ng.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_err("voice: cannot load espeak-ng: %s", dlerror());
		return false;
	}
#define ESPEAK_LOAD(f)                                                                                                 \
	if (!(es.f = (__typeof__(es.f))dlsym(h, #f))) {                                                                \
		log_err("voice: espeak-ng lacks %s", #f);                                                              \
		return false;                                                                                          \
	}
	ESPEAK_FUNCS(ESPEAK_LOAD)
	es.espeak_ng_InitializePath(NULL);
	if (es.espeak_ng_Initialize(NULL) != ENS_OK ||
	    es.espeak_ng_InitializeOutput(to_file ? ENOUTPUT_MODE_SYNCHRONOUS : ENOUTPUT_MODE_SPEAK_AUDIO, 0, NULL) !=
		ENS_OK ||
	    es.espeak_ng_SetVoiceByName("cmn") != ENS_OK) {
		log_err("voice: espeak-ng has no Mandarin voice here");
		return false;
	}
	es.espeak_SetSynthCallback(on_samples);
	state = 1;
	return true;
}

/* --- the spoken text ------------------------------------------------------------- */

static const char *const digits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

/* 1-99 as spoken: 二, 十二, 二十, 二十三. */
static void number_zh(unsigned n, char *out, size_t cap)
{
	if (n < 10)
		snprintf(out, cap, "%s", digits[n]);
	else if (n < 20)
		snprintf(out, cap, "十%s", n % 10 ? digits[n % 10] : "");
	else
		snprintf(out, cap, "%s十%s", digits[n / 10 % 10], n % 10 ? digits[n % 10] : "");
}

void voice_text(const char *label, unsigned window, char *out, size_t cap)
{
	char number[64] = "", win[32];
	size_t o = 0;

	/* The letter as it is, then the number digit by digit: A零一二. */
	for (const char *p = label; *p && o + 4 < sizeof(number); p++) {
		if (*p >= '0' && *p <= '9')
			o += (size_t)snprintf(number + o, sizeof(number) - o, "%s", digits[*p - '0']);
		else
			number[o++] = *p, number[o] = '\0';
	}
	number_zh(window % 100, win, sizeof(win));
	snprintf(out, cap, "请 %s号 到%s号窗口办理", number, win);
}

/* --- the job ---------------------------------------------------------------------- */

struct voice_job {
	struct worker_job job;
	char text[160];
	char path[CONFIG_PATH_MAX + 96];
	bool to_file;
	enum status st;
};

static void put_le(uint8_t *p, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A 16-bit mono PCM WAV file, written to a temporary name and renamed. */
static enum status write_wav(const char *path, const int16_t *s, size_t n, unsigned rate)
{
	uint8_t h[44];
	char tmp[CONFIG_PATH_MAX + 104];
	uint32_t bytes = (uint32_t)(n * 2);
	int fd;
	bool ok;

	memcpy(h, "RIFF", 4);
	put_le(h + 4, 36 + bytes, 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le(h + 16, 16, 4);
	put_le(h + 20, 1, 2); /* PCM */
	put_le(h + 22, 1, 2); /* mono */
	put_le(h + 24, rate, 4);
	put_le(h + 28, rate * 2, 4);
	put_le(h + 32, 2, 2);
	put_le(h + 34, 16, 2);
	memcpy(h + 36, "data", 4);
	put_le(h + 40, bytes, 4);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return ST_IO;
	ok = fdio_write_all(fd, h, sizeof(h)) && fdio_write_all(fd, s, bytes);
	close(fd);
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return ST_IO;
	}
	return ST_OK;
}

static void voice_run(struct worker_job *job)
{
	struct voice_job *v = (struct voice_job *)job;

	v->st = ST_UNAVAILABLE;
	if (!speech_loaded(v->to_file))
		return;
	if (!pcm.data) {
		pcm.cap = (size_t)es.espeak_ng_GetSampleRate() * MAX_SECONDS;
		pcm.data = malloc(pcm.cap * sizeof(*pcm.data));
		if (!pcm.data)
			return;
	}
	pcm.n = 0;
	if (es.espeak_ng_Synthesize(v->text, strlen(v->text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, NULL) !=
		ENS_OK ||
	    es.espeak_ng_Synchronize() != ENS_OK) {
		v->st = ST_IO;
		return;
	}
	v->st = v->to_file ? write_wav(v->path, pcm.data, pcm.n, (unsigned)es.espeak_ng_GetSampleRate()) : ST_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int wav_only(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".wav") == 0;
}

/* Keeps the newest KEEP_FILES announcements (names sort by time). */
static void prune(void)
{
	struct dirent **list;
	int n = scandir(voice.dir, &list, wav_only, by_name);
	char path[CONFIG_PATH_MAX + 300];

	for (int i = 0; i < n; i++) {
		if (i < n - KEEP_FILES) {
			snprintf(path, sizeof(path), "%s/%s", voice.dir, list[i]->d_name);
			unlink(path);
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

static void voice_done(struct worker_job *job)
{
	struct voice_job *v = (struct voice_job *)job;

	if (v->st == ST_OK)
		log_info("voice: %s%s%s", v->text, v->to_file ? " -> " : "", v->to_file ? v->path : "");
	else
		log_warn("voice: \"%s\" not spoken: %s", v->text, status_name(v->st));
	if (v->to_file)
		prune();
	free(v);
}

enum status voice_announce(const char *label, unsigned window)
{
	static unsigned serial;
	struct voice_job *v;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	enum status st;

	if (strcmp(voice.output, "off") == 0 || !voice.worker)
		return ST_OK;
	v = calloc(1, sizeof(*v));
	if (!v)
		return ST_NOMEM;
	v->job = (struct worker_job){.run = voice_run, .done = voice_done};
	v->to_file = strcmp(voice.output, "wav") == 0;
	voice_text(label, window, v->text, sizeof(v->text));
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(v->path, sizeof(v->path), "%s/%s-%04u-%s-w%u.wav", voice.dir, stamp, serial++ % 10000, label, window);
	if ((st = worker_submit(voice.worker, WORKER_STAFF, &v->job)) != ST_OK)
		free(v);
	return st;
}

enum status voice_init(sd_event *ev, const struct config *cfg)
{
	snprintf(voice.output, sizeof(voice.output), "%s", cfg->voice_output);
	if (cfg->voice_dir[0])
		snprintf(voice.dir, sizeof(voice.dir), "%s", cfg->voice_dir);
	else
		snprintf(voice.dir, sizeof(voice.dir), "%s/dev/voice", cfg->state_dir);
	if (strcmp(voice.output, "off") == 0)
		return ST_OK;
	if (strcmp(voice.output, "wav") != 0 && strcmp(voice.output, "alsa") != 0) {
		log_err("voice: [voice] output '%s' is none of wav, alsa, off; staying silent", voice.output);
		snprintf(voice.output, sizeof(voice.output), "off");
		return ST_CONFIG;
	}
	if (strcmp(voice.output, "wav") == 0 && mkdir(voice.dir, 0700) < 0 && access(voice.dir, W_OK) < 0) {
		log_err("voice: cannot use %s", voice.dir);
		return ST_IO;
	}
	/* Calls come a few a minute; four waiting is plenty. */
	return worker_new(ev, (const unsigned[__WORKER_CLASS_MAX]){[WORKER_STAFF] = 4}, &voice.worker);
}

void voice_free(void)
{
	worker_free(&voice.worker);
	free(pcm.data);
	pcm.data = NULL;
}
