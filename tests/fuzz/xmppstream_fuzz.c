/*
 * xmppstream_fuzz.c -- libFuzzer target: the XMPP stream reader on any
 * bytes, fed whole and then in pieces of random sizes.
 *
 * Input: byte 0 picks the bound (max_bytes), byte 1 bit 0 a reader
 * "inside" a stream (as after STARTTLS), bytes 2-5 seed the piece
 * sizes; the rest is the stream.  Whatever the split, the events, their
 * offsets, the error message and everything read must be the same, and
 * within the bounds.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmppstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 64

struct outcome {
	size_t n;
	enum fr_xmpp_event ev[MAX_EVENTS];
	size_t off[MAX_EVENTS];
	bool has_header, has_features, has_error;
	struct fr_xmpp_stream_header h;
	struct fr_xmpp_stream_features f;
	struct fr_xmpp_stream_error e;
	char errstr[320];
	char element[FR_XMPP_NAME_MAX];
};

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* Field by field: struct copies need not keep padding. */
static bool
same_header(const struct fr_xmpp_stream_header *a,
    const struct fr_xmpp_stream_header *b)
{
	return a->len == b->len && a->has_to == b->has_to &&
	    a->has_from == b->has_from && a->has_id == b->has_id &&
	    a->has_version == b->has_version && a->has_lang == b->has_lang &&
	    strcmp(a->to, b->to) == 0 && strcmp(a->from, b->from) == 0 &&
	    strcmp(a->id, b->id) == 0 && strcmp(a->version, b->version) == 0 &&
	    strcmp(a->lang, b->lang) == 0 &&
	    strcmp(a->ns_default, b->ns_default) == 0 &&
	    strcmp(a->ns_stream, b->ns_stream) == 0 &&
	    strcmp(a->prefix, b->prefix) == 0;
}

static bool
same_features(const struct fr_xmpp_stream_features *a,
    const struct fr_xmpp_stream_features *b)
{
	size_t i;

	if (a->starttls != b->starttls ||
	    a->starttls_required != b->starttls_required ||
	    a->dialback != b->dialback || a->bidi != b->bidi ||
	    a->sasl != b->sasl || a->sasl_external != b->sasl_external ||
	    a->nmech != b->nmech || a->mech_skipped != b->mech_skipped)
		return false;
	for (i = 0; i < a->nmech; i++)
		if (strcmp(a->mech[i], b->mech[i]) != 0)
			return false;
	return true;
}

/* Feed in pieces: sizes from a small LCG (0 seed: all at once). */
static void
run(const uint8_t *in, size_t len, size_t max, bool inside, uint32_t seed,
    struct outcome *o)
{
	struct fr_xmpp_stream *s;
	size_t pos = 0, last = 0;

	memset(o, 0, sizeof(*o));
	s = inside ? fr_xmpp_stream_create_inside(max, NULL) :
	    fr_xmpp_stream_create(max);
	if (s == NULL)
		abort();	/* only out of memory: not with these sizes */
	while (o->n < MAX_EVENTS) {
		size_t n = len - pos, taken;
		enum fr_xmpp_event ev;

		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			/* mostly small pieces, sometimes large ones */
			n = (seed >> 16) % ((seed & 0x100) ? 512 : 8);
			if (n > len - pos)
				n = len - pos;
		}
		ev = fr_xmpp_stream_feed(s, in + pos, n, &taken);
		assert(taken <= n);
		pos += taken;
		if (ev == FR_XMPP_MORE) {
			assert(taken == n);
			if (pos == len)
				break;
			continue;
		}
		o->ev[o->n] = ev;
		o->off[o->n] = fr_xmpp_stream_offset(s);
		/* events end in order, within the bound and the input */
		assert(o->off[o->n] >= last && o->off[o->n] <= len);
		assert(ev == FR_XMPP_ERROR || o->off[o->n] - last <= max);
		last = o->off[o->n];
		o->n++;
		if (ev == FR_XMPP_ERROR || ev == FR_XMPP_CLOSED)
			break;
	}
	assert(fr_xmpp_stream_memory_peak(s) <=
	    fr_xmpp_stream_memory_limit(max));
	if (fr_xmpp_stream_header(s) != NULL) {
		const struct fr_xmpp_stream_header *h = fr_xmpp_stream_header(s);

		assert(!inside);
		o->has_header = true;
		o->h = *h;
		assert(h->len == o->off[0] && h->len <= max);
		assert(terminated(h->to, sizeof(h->to)));
		assert(terminated(h->from, sizeof(h->from)));
		assert(terminated(h->id, sizeof(h->id)));
		assert(terminated(h->lang, sizeof(h->lang)));
		assert(strcmp(h->ns_stream, FR_XMPP_NS_STREAMS) == 0);
	}
	if (fr_xmpp_stream_features(s) != NULL) {
		const struct fr_xmpp_stream_features *f =
		    fr_xmpp_stream_features(s);
		size_t i;

		o->has_features = true;
		o->f = *f;
		assert(f->nmech <= FR_XMPP_MECH_MAX);
		for (i = 0; i < f->nmech; i++)
			assert(strlen(f->mech[i]) >= 1 &&
			    strlen(f->mech[i]) <= FR_XMPP_MECH_LEN);
		assert(!f->starttls_required || f->starttls);
		assert(!f->sasl_external || f->sasl);
	}
	if (fr_xmpp_stream_peer_error(s) != NULL) {
		o->has_error = true;
		o->e = *fr_xmpp_stream_peer_error(s);
		assert(terminated(o->e.text, sizeof(o->e.text)));
	}
	assert(terminated(fr_xmpp_stream_errstr(s), sizeof(o->errstr)));
	strcpy(o->errstr, fr_xmpp_stream_errstr(s));
	assert((o->n > 0 && o->ev[o->n - 1] == FR_XMPP_ERROR) ==
	    (o->errstr[0] != '\0'));
	strcpy(o->element, fr_xmpp_stream_element(s));
	fr_xmpp_stream_delete(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome whole, split;
	size_t max;
	uint32_t seed;
	bool inside;

	if (size < 6)
		return 0;
	max = 16 + (size_t)data[0] * 32;	/* 16 .. 8176 */
	inside = data[1] & 1;
	seed = (uint32_t)data[2] << 24 | (uint32_t)data[3] << 16 |
	    (uint32_t)data[4] << 8 | data[5];
	seed |= 1;				/* never "all at once" */
	data += 6;
	size -= 6;

	run(data, size, max, inside, 0, &whole);
	run(data, size, max, inside, seed, &split);
	/* the split changes nothing */
	assert(whole.n == split.n);
	assert(memcmp(whole.ev, split.ev, whole.n * sizeof(whole.ev[0])) == 0);
	assert(memcmp(whole.off, split.off, whole.n * sizeof(whole.off[0])) ==
	    0);
	assert(strcmp(whole.errstr, split.errstr) == 0);
	assert(whole.has_header == split.has_header);
	assert(!whole.has_header || same_header(&whole.h, &split.h));
	assert(whole.has_features == split.has_features);
	assert(!whole.has_features || same_features(&whole.f, &split.f));
	assert(whole.has_error == split.has_error);
	assert(!whole.has_error || (strcmp(whole.e.condition,
	    split.e.condition) == 0 && strcmp(whole.e.text, split.e.text) == 0 &&
	    whole.e.text_cut == split.e.text_cut));
	assert(strcmp(whole.element, split.element) == 0);
	return 0;
}
