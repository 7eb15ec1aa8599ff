/*
 * xmppstream.c -- the XMPP stream header and top-level elements through
 * expat.
 *
 * How "stop right after the event" works: a handler that completes an
 * event suspends the parser (XML_StopParser, resumable), so XML_Parse
 * returns at once with the rest of what it was given still held; the
 * next feed resumes it before taking new bytes.  Expat is never handed
 * more than max_bytes + 1 bytes past the end of the last event, so the
 * bound is met whatever the split, and a byte beyond it is never parsed
 * (the outcome is the same whether the bytes come one by one or at
 * once; tests/fuzz/xmppstream_fuzz.c checks exactly that).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "strbuf.h"
#include "xmppstream.h"

/*
 * Expat names are "URI<sep>local<sep>prefix"; 0xff never occurs in
 * UTF-8, so no namespace name can contain it (expat refuses URIs that
 * contain the separator, CVE-2022-25236).
 */
#define NSSEP		((XML_Char)0xff)
static const XML_Char nssep = NSSEP;
#define NS_XML		"http://www.w3.org/XML/1998/namespace"

/* The largest max_bytes taken: XML_Parse takes an int length. */
#define MAX_BYTES_CAP	(1u << 20)

/* What the reader stands in for in create_inside(). */
#define INSIDE_HEADER_FMT "<stream:stream xmlns:stream='" FR_XMPP_NS_STREAMS \
	"' xmlns='%s'>"

enum top { TOP_NONE, TOP_FEATURES, TOP_ERROR, TOP_PROCEED, TOP_FAILURE,
	TOP_OTHER };
enum feat_child { FC_NONE, FC_STARTTLS, FC_MECHANISMS, FC_OTHER };

struct fr_xmpp_stream {
	XML_Parser p;
	size_t max;			/* bytes per event */
	size_t mem_limit, mem_used, mem_peak;
	unsigned long long fed;		/* bytes handed to expat */
	unsigned long long base;	/* of them, the stand-in header's */
	unsigned long long mark;	/* where the last event ended */
	unsigned long long start_end;	/* where the last start tag ended */
	enum fr_xmpp_event pending;	/* set by the handler that stopped */
	bool suspended;			/* expat holds unparsed bytes */
	bool holding;			/* the first byte, not given yet */
	uint8_t first;
	bool failed;
	bool closed;			/* </stream:stream> came */
	bool header_done;
	unsigned depth;			/* elements open */

	/* the top-level element being read (depth >= 2) */
	enum top top;
	enum feat_child fchild;
	bool in_mech, in_text;
	char mechbuf[FR_XMPP_MECH_LEN];
	size_t mechlen;
	int mech_phase;			/* 0 before the name, 1 in, 2 after */
	bool mech_bad;
	struct fr_xmpp_stream_features fwork;
	struct fr_xmpp_stream_error ework;

	/* what the caller sees */
	bool has_features, has_error;
	struct fr_xmpp_stream_header hdr;
	struct fr_xmpp_stream_features features;
	struct fr_xmpp_stream_error error;
	char element[FR_XMPP_NAME_MAX];
	char errstr[320];
};

/* ---- expat's allocator, counted ------------------------------------------ */

/*
 * Expat's malloc takes no context, so the reader in whose name expat
 * runs is kept per thread around each call into it; a block records its
 * owner and size, so realloc and free need no context at all.
 */
static _Thread_local struct fr_xmpp_stream *alloc_owner;

union block {
	max_align_t align;
	struct {
		struct fr_xmpp_stream *owner;
		size_t size;		/* counted: this header included */
	} h;
};

static bool
charge(struct fr_xmpp_stream *s, size_t more)
{
	if (more > s->mem_limit - s->mem_used)
		return false;
	s->mem_used += more;
	if (s->mem_used > s->mem_peak)
		s->mem_peak = s->mem_used;
	return true;
}

static void *
xs_malloc(size_t n)
{
	struct fr_xmpp_stream *s = alloc_owner;
	union block *b;

	/* no owner: expat called outside a reader's call; refuse */
	if (s == NULL || n > SIZE_MAX - sizeof(*b) ||
	    !charge(s, n + sizeof(*b)))
		return NULL;
	if ((b = malloc(sizeof(*b) + n)) == NULL) {
		s->mem_used -= n + sizeof(*b);
		return NULL;
	}
	b->h.owner = s;
	b->h.size = n + sizeof(*b);
	return b + 1;
}

static void
xs_free(void *ptr)
{
	union block *b;

	if (ptr == NULL)
		return;
	b = (union block *)ptr - 1;
	b->h.owner->mem_used -= b->h.size;
	free(b);
}

static void *
xs_realloc(void *ptr, size_t n)
{
	union block *b, *nb;
	struct fr_xmpp_stream *s;
	size_t old;

	if (ptr == NULL)
		return xs_malloc(n);
	b = (union block *)ptr - 1;
	s = b->h.owner;
	old = b->h.size;
	if (n > SIZE_MAX - sizeof(*b))
		return NULL;
	if (n + sizeof(*b) > old && !charge(s, n + sizeof(*b) - old))
		return NULL;
	if ((nb = realloc(b, sizeof(*b) + n)) == NULL) {
		if (n + sizeof(*b) > old)
			s->mem_used -= n + sizeof(*b) - old;
		return NULL;
	}
	if (n + sizeof(*b) < old)
		s->mem_used -= old - (n + sizeof(*b));
	nb->h.size = n + sizeof(*b);
	return nb + 1;
}

static const XML_Memory_Handling_Suite xs_memsuite = {
	xs_malloc, xs_realloc, xs_free
};

size_t
fr_xmpp_stream_memory_limit(size_t max_bytes)
{
	/*
	 * Measured with expat 2.5: a fresh parser holds about 3 KiB,
	 * after Prosody's header about 11 KiB, after a 4 KiB header of
	 * 500 attributes (the worst of tests/unit/test_xmppstream.c,
	 * memory_bound) about 70 KiB: its input buffer keeps 1 KiB of
	 * context and doubles; every name, attribute and open tag takes
	 * some tens of bytes.  Distinct names stay in expat's tables for
	 * the parser's life, so a long stream meets this budget first.
	 */
	if (max_bytes == 0)
		max_bytes = FR_XMPP_HEADER_MAX;
	if (max_bytes > MAX_BYTES_CAP)
		max_bytes = MAX_BYTES_CAP;
	return 64 * 1024 + 32 * max_bytes;
}

size_t
fr_xmpp_stream_memory_peak(const struct fr_xmpp_stream *s)
{
	return s->mem_peak;
}

/* ---- small helpers ------------------------------------------------------- */

static const char *
what(const struct fr_xmpp_stream *s)
{
	return s->header_done ? "stream" : "stream header";
}

/* Fail with a message (printf-style, after "stream header: "). */
static void fail(struct fr_xmpp_stream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct fr_xmpp_stream *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->failed)
		return;
	s->failed = true;
	n = snprintf(s->errstr, sizeof(s->errstr), "%s: ", what(s));
	if (n > 0 && (size_t)n < sizeof(s->errstr)) {
		va_start(ap, fmt);
		vsnprintf(s->errstr + n, sizeof(s->errstr) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	XML_StopParser(s->p, XML_FALSE);
}

/* An expanded name taken apart; pointers into buf. */
struct qname {
	const char *uri;	/* NULL: no namespace */
	const char *local;
	const char *prefix;	/* NULL: none */
	char buf[FR_XMPP_NS_MAX + 2 * FR_XMPP_PREFIX_MAX];
	bool cut;		/* too long to keep whole */
};

static void
split_name(const XML_Char *name, struct qname *q)
{
	char *a, *b;
	size_t n = strlen(name);

	q->cut = n >= sizeof(q->buf);
	if (q->cut)
		n = sizeof(q->buf) - 1;
	memcpy(q->buf, name, n);
	q->buf[n] = '\0';
	q->uri = q->prefix = NULL;
	if ((a = strchr(q->buf, NSSEP)) == NULL) {
		q->local = q->buf;
		return;
	}
	*a++ = '\0';
	q->uri = q->buf;
	q->local = a;
	if ((b = strchr(a, NSSEP)) != NULL) {
		*b++ = '\0';
		q->prefix = b;
	}
}

static bool
is(const struct qname *q, const char *uri, const char *local)
{
	return !q->cut && q->uri != NULL && strcmp(q->uri, uri) == 0 &&
	    strcmp(q->local, local) == 0;
}

/* "prefix:local" for a message, escaped. */
static void
put_qname(struct fr_strbuf *sb, const struct qname *q)
{
	if (q->prefix != NULL) {
		fr_strbuf_escape(sb, q->prefix, strlen(q->prefix));
		fr_strbuf_printf(sb, ":");
	}
	fr_strbuf_escape(sb, q->local, strlen(q->local));
}

/* Copy a value that must fit whole; fail naming it otherwise. */
static bool
keep(struct fr_xmpp_stream *s, char *dst, size_t size, const char *v,
    const char *name)
{
	size_t n = strlen(v);

	if (n >= size) {
		fail(s, "'%s' is longer than %zu bytes", name, size - 1);
		return false;
	}
	memcpy(dst, v, n + 1);
	return true;
}

/* Append text, cut on a UTF-8 character boundary when full. */
static void
append_text(char *dst, size_t size, const XML_Char *t, int len, bool *cut)
{
	size_t have = strlen(dst), n = (size_t)len;

	if (*cut)
		return;
	if (n >= size - have) {
		n = size - 1 - have;
		while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;	/* t[n] would start the cut: a continuation */
		*cut = true;
	}
	memcpy(dst + have, t, n);
	dst[have + n] = '\0';
}

/* Where the current event ends (for an empty element's end tag, expat
 * gives no bytes: it ended with its start tag). */
static unsigned long long
event_end(struct fr_xmpp_stream *s)
{
	int count = XML_GetCurrentByteCount(s->p);

	if (count == 0)
		return s->start_end;
	return (unsigned long long)XML_GetCurrentByteIndex(s->p) +
	    (unsigned long long)count;
}

/* An event ended at end: check the bound, then stop right here. */
static void
emit(struct fr_xmpp_stream *s, enum fr_xmpp_event ev, unsigned long long end)
{
	if (end - s->mark > s->max) {
		fail(s, "%sexceeds %zu bytes", s->header_done ?
		    "element " : "", s->max);
		return;
	}
	s->mark = end;
	s->pending = ev;
	XML_StopParser(s->p, XML_TRUE);
}

/* ---- the handlers -------------------------------------------------------- */

static void XMLCALL
on_ns_start(void *ud, const XML_Char *prefix, const XML_Char *uri)
{
	struct fr_xmpp_stream *s = ud;

	/* Declarations on the root come before its start handler. */
	if (s->failed || s->depth > 0 || prefix != NULL)
		return;
	(void)keep(s, s->hdr.ns_default, sizeof(s->hdr.ns_default),
	    uri != NULL ? uri : "", "xmlns");
}

static void
root_start(struct fr_xmpp_stream *s, const struct qname *q,
    const XML_Char **atts)
{
	struct fr_xmpp_stream_header *h = &s->hdr;
	struct fr_strbuf sb;
	char msg[160];
	size_t i;

	fr_strbuf_init(&sb, msg, sizeof(msg));
	if (q->cut || strcmp(q->local, "stream") != 0 || q->uri == NULL) {
		put_qname(&sb, q);
		fail(s, "root is <%s>, not <stream:stream>", msg);
		return;
	}
	if (strcmp(q->uri, FR_XMPP_NS_STREAMS) != 0) {
		put_qname(&sb, q);
		fr_strbuf_printf(&sb, "> is in namespace '");
		fr_strbuf_escape(&sb, q->uri, strlen(q->uri));
		fail(s, "root <%s', not " FR_XMPP_NS_STREAMS, msg);
		return;
	}
	snprintf(h->ns_stream, sizeof(h->ns_stream), "%s", q->uri);
	if (q->prefix != NULL && !keep(s, h->prefix, sizeof(h->prefix),
	    q->prefix, "prefix"))
		return;
	for (i = 0; atts[i] != NULL; i += 2) {
		const char *n = atts[i], *v = atts[i + 1];
		bool ok = true;

		if (strcmp(n, "to") == 0)
			ok = h->has_to = keep(s, h->to, sizeof(h->to), v, n);
		else if (strcmp(n, "from") == 0)
			ok = h->has_from = keep(s, h->from, sizeof(h->from),
			    v, n);
		else if (strcmp(n, "id") == 0)
			ok = h->has_id = keep(s, h->id, sizeof(h->id), v, n);
		else if (strcmp(n, "version") == 0)
			ok = h->has_version = keep(s, h->version,
			    sizeof(h->version), v, n);
		else if (strncmp(n, NS_XML, sizeof(NS_XML) - 1) == 0 &&
		    n[sizeof(NS_XML) - 1] == NSSEP &&
		    strncmp(n + sizeof(NS_XML), "lang", 4) == 0 &&
		    (n[sizeof(NS_XML) + 4] == '\0' ||
		    n[sizeof(NS_XML) + 4] == NSSEP))
			ok = h->has_lang = keep(s, h->lang, sizeof(h->lang),
			    v, "xml:lang");
		if (!ok)
			return;
	}
}

/* A child of <stream:features> (depth 2) or a grandchild (depth 3). */
static void
features_start(struct fr_xmpp_stream *s, const struct qname *q)
{
	struct fr_xmpp_stream_features *f = &s->fwork;

	if (s->depth == 2) {
		s->fchild = FC_OTHER;
		if (is(q, FR_XMPP_NS_TLS, "starttls")) {
			f->starttls = true;
			s->fchild = FC_STARTTLS;
		} else if (is(q, FR_XMPP_NS_SASL, "mechanisms")) {
			f->sasl = true;
			s->fchild = FC_MECHANISMS;
		} else if (is(q, FR_XMPP_NS_DIALBACK, "dialback")) {
			f->dialback = true;
		} else if (is(q, FR_XMPP_NS_BIDI, "bidi")) {
			f->bidi = true;
		}
	} else if (s->depth == 3) {
		if (s->fchild == FC_STARTTLS && is(q, FR_XMPP_NS_TLS,
		    "required"))
			f->starttls_required = true;
		else if (s->fchild == FC_MECHANISMS && is(q, FR_XMPP_NS_SASL,
		    "mechanism")) {
			s->in_mech = true;
			s->mechlen = 0;
			s->mech_phase = 0;
			s->mech_bad = false;
		}
	}
}

/* RFC 4422 3.1: 1 to 20 of [A-Z0-9-_]. */
static bool
mech_name_ok(const char *m, size_t n)
{
	size_t i;

	if (n == 0 || n > FR_XMPP_MECH_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((m[i] >= 'A' && m[i] <= 'Z') ||
		    (m[i] >= '0' && m[i] <= '9') || m[i] == '-' || m[i] == '_'))
			return false;
	return true;
}

static void
mech_end(struct fr_xmpp_stream *s)
{
	struct fr_xmpp_stream_features *f = &s->fwork;
	const char *m = s->mechbuf;
	size_t n = s->mechlen;

	s->in_mech = false;
	if (s->mech_bad || !mech_name_ok(m, n) ||
	    f->nmech == FR_XMPP_MECH_MAX) {
		f->mech_skipped++;
		return;
	}
	memcpy(f->mech[f->nmech], m, n);
	f->mech[f->nmech][n] = '\0';
	f->nmech++;
	if (strcmp(f->mech[f->nmech - 1], "EXTERNAL") == 0)
		f->sasl_external = true;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct fr_xmpp_stream *s = ud;
	struct qname q;

	if (s->failed)
		return;
	s->start_end = event_end(s);
	split_name(name, &q);
	if (s->depth == 0) {
		root_start(s, &q, atts);
		if (s->failed)
			return;
		s->depth = 1;
		if (s->base == 0) {
			s->hdr.len = (size_t)s->start_end;
			emit(s, FR_XMPP_HEADER, s->start_end);
		} else {
			s->mark = s->base;	/* the stand-in's end */
		}
		s->header_done = !s->failed;
		return;
	}
	if (s->depth == 1) {
		s->top = TOP_OTHER;
		if (is(&q, FR_XMPP_NS_STREAMS, "features")) {
			s->top = TOP_FEATURES;
			memset(&s->fwork, 0, sizeof(s->fwork));
			s->fchild = FC_NONE;
		} else if (is(&q, FR_XMPP_NS_STREAMS, "error")) {
			s->top = TOP_ERROR;
			memset(&s->ework, 0, sizeof(s->ework));
		} else if (is(&q, FR_XMPP_NS_TLS, "proceed")) {
			s->top = TOP_PROCEED;
		} else if (is(&q, FR_XMPP_NS_TLS, "failure")) {
			s->top = TOP_FAILURE;
		}
		snprintf(s->element, sizeof(s->element), "%s", q.local);
	} else if (s->top == TOP_FEATURES) {
		features_start(s, &q);
	} else if (s->top == TOP_ERROR && s->depth == 2 &&
	    q.uri != NULL && strcmp(q.uri, FR_XMPP_NS_STREAM_ERR) == 0) {
		if (strcmp(q.local, "text") == 0)
			s->in_text = true;
		else if (s->ework.condition[0] == '\0')
			snprintf(s->ework.condition,
			    sizeof(s->ework.condition), "%s", q.local);
	}
	s->depth++;
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct fr_xmpp_stream *s = ud;
	static const enum fr_xmpp_event ev[] = {
		[TOP_NONE] = FR_XMPP_ELEMENT,
		[TOP_FEATURES] = FR_XMPP_FEATURES,
		[TOP_ERROR] = FR_XMPP_STREAM_ERROR,
		[TOP_PROCEED] = FR_XMPP_PROCEED,
		[TOP_FAILURE] = FR_XMPP_FAILURE,
		[TOP_OTHER] = FR_XMPP_ELEMENT,
	};

	(void)name;	/* expat checked that it matches */
	if (s->failed)
		return;
	s->depth--;
	if (s->depth == 0) {
		if (s->pending == FR_XMPP_HEADER) {
			/* <stream:stream/>: the end follows its start */
			s->header_done = false;
			fail(s, "<stream:stream/> closes the stream it opens");
			return;
		}
		s->closed = true;
		emit(s, FR_XMPP_CLOSED, event_end(s));
		return;
	}
	if (s->depth == 1) {
		if (s->top == TOP_FEATURES) {
			s->features = s->fwork;
			s->has_features = true;
		} else if (s->top == TOP_ERROR) {
			s->error = s->ework;
			s->has_error = true;
		}
		emit(s, ev[s->top], event_end(s));
		s->top = TOP_NONE;
		s->in_text = s->in_mech = false;
		return;
	}
	if (s->top == TOP_FEATURES && s->depth == 2)
		s->fchild = FC_NONE;
	else if (s->in_mech && s->depth == 3)
		mech_end(s);
	else if (s->in_text && s->depth == 2)
		s->in_text = false;
}

static void XMLCALL
on_text(void *ud, const XML_Char *t, int len)
{
	struct fr_xmpp_stream *s = ud;

	if (s->failed || len <= 0)
		return;
	if (s->in_mech) {
		int i;

		/* [ws] NAME [ws]; anything else makes it no name */
		for (i = 0; i < len; i++) {
			bool ws = strchr(" \t\r\n", t[i]) != NULL;

			if (s->mech_phase == 0 && ws)
				continue;
			if (s->mech_phase == 2 && !ws) {
				s->mech_bad = true;
				break;
			}
			if (ws) {
				s->mech_phase = 2;
				continue;
			}
			s->mech_phase = 1;
			if (s->mechlen == FR_XMPP_MECH_LEN) {
				s->mech_bad = true;
				break;
			}
			s->mechbuf[s->mechlen++] = t[i];
		}
	} else if (s->in_text) {
		append_text(s->ework.text, sizeof(s->ework.text), t, len,
		    &s->ework.text_cut);
	}
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	fail(ud, "DOCTYPE not allowed");
}

static void XMLCALL
on_entity_decl(void *ud, const XML_Char *name, int is_param,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	/* unreachable past on_doctype; a second lock on the same door */
	(void)name; (void)is_param; (void)value; (void)value_len;
	(void)base; (void)sysid; (void)pubid; (void)notation;
	fail(ud, "entity declarations not allowed");
}

static void XMLCALL
on_comment(void *ud, const XML_Char *data)
{
	(void)data;
	fail(ud, "comments not allowed (RFC 6120 11.1)");
}

static void XMLCALL
on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
	(void)target;
	(void)data;
	fail(ud, "processing instructions not allowed (RFC 6120 11.1)");
}

/* ---- the reader ---------------------------------------------------------- */

/*
 * Expat guesses UTF-16 from a NUL among the first two bytes (or from a
 * UTF-16 byte order mark), whatever encoding it was told, but only when
 * both come in its first call; given one byte alone, it settles on
 * UTF-8.  So a split would change how the stream reads.  The first byte
 * is therefore held until the second comes, and a NUL, 0xfe or 0xff in
 * either (never valid in UTF-8 XML; RFC 6120 11.6: UTF-8 only) is
 * refused before expat sees them.
 */
static bool
first_bytes_ok(struct fr_xmpp_stream *s, const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 2; i++)
		if (d[i] == 0x00 || d[i] == 0xfe || d[i] == 0xff) {
			fail(s, "not UTF-8 (byte 0x%02x at byte %zu)", d[i], i);
			return false;
		}
	return true;
}

/* Run expat once (over data, or resuming) in this reader's name. */
static enum fr_xmpp_event
run(struct fr_xmpp_stream *s, const void *data, size_t n, bool resume)
{
	struct fr_xmpp_stream *prev = alloc_owner;
	enum XML_Status st;

	s->pending = FR_XMPP_MORE;
	alloc_owner = s;
	if (resume) {
		st = XML_ResumeParser(s->p);
	} else if (s->holding) {
		/* the held first byte and these, in one call */
		uint8_t *buf = XML_GetBuffer(s->p, (int)n + 1);

		s->holding = false;
		if (buf == NULL) {
			st = XML_STATUS_ERROR;
		} else {
			buf[0] = s->first;
			memcpy(buf + 1, data, n);
			s->fed += n + 1;
			st = XML_ParseBuffer(s->p, (int)n + 1, XML_FALSE);
		}
	} else {
		s->fed += n;
		st = XML_Parse(s->p, data, (int)n, XML_FALSE);
	}
	alloc_owner = prev;
	if (st == XML_STATUS_SUSPENDED) {
		s->suspended = true;
		return s->pending;
	}
	s->suspended = false;
	if (st == XML_STATUS_ERROR) {
		enum XML_Error e = XML_GetErrorCode(s->p);

		if (e == XML_ERROR_NO_MEMORY)
			fail(s, "out of memory (limit %zu bytes)",
			    s->mem_limit);
		else if (!s->failed)
			fail(s, "not well-formed (expat: %s) at byte %llu",
			    XML_ErrorString(e),
			    (unsigned long long)XML_GetCurrentByteIndex(s->p) -
			    s->base);
		return FR_XMPP_ERROR;
	}
	/* everything is parsed and nothing ended: the bound */
	if (s->fed - s->mark > s->max) {
		fail(s, "%sexceeds %zu bytes", s->header_done ? "element " :
		    "", s->max);
		return FR_XMPP_ERROR;
	}
	return FR_XMPP_MORE;
}

static struct fr_xmpp_stream *
create(size_t max_bytes)
{
	struct fr_xmpp_stream *s, *prev = alloc_owner;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->max = max_bytes == 0 ? FR_XMPP_HEADER_MAX :
	    max_bytes > MAX_BYTES_CAP ? MAX_BYTES_CAP : max_bytes;
	s->mem_limit = fr_xmpp_stream_memory_limit(s->max);
	alloc_owner = s;
	/* "UTF-8" overrides any encoding the declaration names (RFC 6120
	 * 11.6: UTF-8 only) */
	s->p = XML_ParserCreate_MM("UTF-8", &xs_memsuite, &nssep);
	alloc_owner = prev;
	if (s->p == NULL) {
		free(s);
		return NULL;
	}
	XML_SetUserData(s->p, s);
	XML_SetReturnNSTriplet(s->p, XML_TRUE);
	XML_SetElementHandler(s->p, on_start, on_end);
	XML_SetCharacterDataHandler(s->p, on_text);
	XML_SetStartNamespaceDeclHandler(s->p, on_ns_start);
	XML_SetStartDoctypeDeclHandler(s->p, on_doctype);
	XML_SetEntityDeclHandler(s->p, on_entity_decl);
	XML_SetCommentHandler(s->p, on_comment);
	XML_SetProcessingInstructionHandler(s->p, on_pi);
	XML_SetParamEntityParsing(s->p, XML_PARAM_ENTITY_PARSING_NEVER);
#ifdef HAVE_XML_SETREPARSEDEFERRALENABLED
	/*
	 * Expat 2.6 (and Debian's patched 2.5) may put off re-parsing a
	 * token that is still incomplete until much more input came: a
	 * header whose '>' arrived would then wait for bytes the peer
	 * will not send before we answer.
	 */
	XML_SetReparseDeferralEnabled(s->p, XML_FALSE);
#endif
	return s;
}

struct fr_xmpp_stream *
fr_xmpp_stream_create(size_t max_bytes)
{
	return create(max_bytes);
}

struct fr_xmpp_stream *
fr_xmpp_stream_create_inside(size_t max_bytes, const char *ns_default)
{
	struct fr_xmpp_stream *s;
	char head[sizeof(INSIDE_HEADER_FMT) + FR_XMPP_NS_MAX];
	int n;

	if (ns_default == NULL)
		ns_default = FR_XMPP_NS_SERVER;
	/* a namespace name with a quote or '<' would need escaping */
	if (strlen(ns_default) >= FR_XMPP_NS_MAX ||
	    strpbrk(ns_default, "'<&") != NULL)
		return NULL;
	if ((s = create(max_bytes)) == NULL)
		return NULL;
	n = snprintf(head, sizeof(head), INSIDE_HEADER_FMT, ns_default);
	s->base = (unsigned long long)n;
	s->mark = s->base;
	if (run(s, head, (size_t)n, false) != FR_XMPP_MORE ||
	    !s->header_done) {
		fr_xmpp_stream_delete(s);
		return NULL;
	}
	return s;
}

void
fr_xmpp_stream_delete(struct fr_xmpp_stream *s)
{
	struct fr_xmpp_stream *prev = alloc_owner;

	if (s == NULL)
		return;
	alloc_owner = s;
	XML_ParserFree(s->p);
	alloc_owner = prev;
	free(s);
}

enum fr_xmpp_event
fr_xmpp_stream_feed(struct fr_xmpp_stream *s, const void *data, size_t len,
    size_t *taken)
{
	enum fr_xmpp_event ev;
	unsigned long long room;
	size_t n;

	*taken = 0;
	if (s->failed)
		return FR_XMPP_ERROR;
	if (s->closed)		/* what follows the end is not read */
		return FR_XMPP_CLOSED;
	if (s->suspended && (ev = run(s, NULL, 0, true)) != FR_XMPP_MORE)
		return ev;
	if (len == 0)
		return FR_XMPP_MORE;
	/* never past max + 1 bytes after the last event: see the top */
	room = s->mark + s->max + 1 - s->fed;
	n = len < room ? len : (size_t)room;
	*taken = n;
	if (s->fed == 0 && !s->holding) {
		if (!first_bytes_ok(s, data, n))
			return FR_XMPP_ERROR;
		if (n == 1) {		/* see first_bytes_ok() */
			s->first = *(const uint8_t *)data;
			s->holding = true;
			return FR_XMPP_MORE;
		}
	} else if (s->holding) {
		uint8_t two[2] = { s->first, *(const uint8_t *)data };

		if (!first_bytes_ok(s, two, 2))
			return FR_XMPP_ERROR;
		/* the held byte is not yet in fed, but counts in room */
		if (n == room)
			*taken = --n;
	}
	return run(s, data, n, false);
}

const struct fr_xmpp_stream_header *
fr_xmpp_stream_header(const struct fr_xmpp_stream *s)
{
	/* inside a stream, the header is not the peer's: none */
	return s->header_done && s->base == 0 ? &s->hdr : NULL;
}

const struct fr_xmpp_stream_features *
fr_xmpp_stream_features(const struct fr_xmpp_stream *s)
{
	return s->has_features ? &s->features : NULL;
}

const struct fr_xmpp_stream_error *
fr_xmpp_stream_peer_error(const struct fr_xmpp_stream *s)
{
	return s->has_error ? &s->error : NULL;
}

const char *
fr_xmpp_stream_element(const struct fr_xmpp_stream *s)
{
	return s->element;
}

size_t
fr_xmpp_stream_offset(const struct fr_xmpp_stream *s)
{
	return (size_t)(s->mark - s->base);
}

const char *
fr_xmpp_stream_errstr(const struct fr_xmpp_stream *s)
{
	return s->errstr;
}

const char *
fr_xmpp_event_name(enum fr_xmpp_event ev)
{
	static const char *const names[] = {
		[FR_XMPP_MORE] = "more",
		[FR_XMPP_HEADER] = "header",
		[FR_XMPP_FEATURES] = "features",
		[FR_XMPP_STREAM_ERROR] = "stream-error",
		[FR_XMPP_PROCEED] = "proceed",
		[FR_XMPP_FAILURE] = "failure",
		[FR_XMPP_ELEMENT] = "element",
		[FR_XMPP_CLOSED] = "closed",
		[FR_XMPP_ERROR] = "error",
	};

	return (unsigned)ev < sizeof(names) / sizeof(names[0]) &&
	    names[ev] != NULL ? names[ev] : "?";
}
