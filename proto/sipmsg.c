/*
 * sipmsg.c -- index a SIP message where it lies, read the values a proxy
 * needs, and write it back with a few splices.
 *
 * One pass over the head: each line is found, checked (no NUL, no bare
 * CR, bounded) and either starts a header or continues the last one.
 * Nothing is copied or allocated; values are parsed on demand.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sipmsg.h"
#include "sipuri.h"

/* ---- names ---------------------------------------------------------------- */

static const struct {
	const char *name;
	size_t len;
	char compact;			/* 0: none */
	bool list;			/* grammar is a comma list */
} hdrs[FR_SIP_H_COUNT] = {
	[FR_SIP_H_OTHER] = { "", 0, 0, false },
	[FR_SIP_H_VIA] = { "Via", 3, 'v', true },
	[FR_SIP_H_FROM] = { "From", 4, 'f', false },
	[FR_SIP_H_TO] = { "To", 2, 't', false },
	[FR_SIP_H_CALL_ID] = { "Call-ID", 7, 'i', false },
	[FR_SIP_H_CSEQ] = { "CSeq", 4, 0, false },
	[FR_SIP_H_CONTACT] = { "Contact", 7, 'm', true },
	[FR_SIP_H_MAX_FORWARDS] = { "Max-Forwards", 12, 0, false },
	[FR_SIP_H_CONTENT_LENGTH] = { "Content-Length", 14, 'l', false },
	[FR_SIP_H_CONTENT_TYPE] = { "Content-Type", 12, 'c', false },
	[FR_SIP_H_ROUTE] = { "Route", 5, 0, true },
	[FR_SIP_H_RECORD_ROUTE] = { "Record-Route", 12, 0, true },
	[FR_SIP_H_SUPPORTED] = { "Supported", 9, 'k', true },
	[FR_SIP_H_SUBJECT] = { "Subject", 7, 's', false },
	[FR_SIP_H_CONTENT_ENCODING] = { "Content-Encoding", 16, 'e', true },
	[FR_SIP_H_EVENT] = { "Event", 5, 'o', false },
	[FR_SIP_H_ALLOW_EVENTS] = { "Allow-Events", 12, 'u', true },
	[FR_SIP_H_REFER_TO] = { "Refer-To", 8, 'r', false },
	[FR_SIP_H_REFERRED_BY] = { "Referred-By", 11, 'b', false },
	[FR_SIP_H_SESSION_EXPIRES] = { "Session-Expires", 15, 'x', false },
	[FR_SIP_H_REJECT_CONTACT] = { "Reject-Contact", 14, 'j', true },
	[FR_SIP_H_ACCEPT_CONTACT] = { "Accept-Contact", 14, 'a', true },
	[FR_SIP_H_REQUEST_DISPOSITION] = { "Request-Disposition", 19, 'd', true },
	[FR_SIP_H_IDENTITY] = { "Identity", 8, 'y', false },
	[FR_SIP_H_IDENTITY_INFO] = { "Identity-Info", 13, 'n', false },
	[FR_SIP_H_REQUIRE] = { "Require", 7, 0, true },
	[FR_SIP_H_PROXY_REQUIRE] = { "Proxy-Require", 13, 0, true },
	[FR_SIP_H_UNSUPPORTED] = { "Unsupported", 11, 0, true },
	[FR_SIP_H_ALLOW] = { "Allow", 5, 0, true },
	[FR_SIP_H_PATH] = { "Path", 4, 0, true },
	[FR_SIP_H_SERVICE_ROUTE] = { "Service-Route", 13, 0, true },
	[FR_SIP_H_RETRY_AFTER] = { "Retry-After", 11, 0, false },
	[FR_SIP_H_SERVER] = { "Server", 6, 0, false },
	[FR_SIP_H_USER_AGENT] = { "User-Agent", 10, 0, false },
	[FR_SIP_H_WARNING] = { "Warning", 7, 0, true },
	[FR_SIP_H_PROXY_AUTHORIZATION] = { "Proxy-Authorization", 19, 0, false },
};

enum fr_sip_hdr
fr_sip_hdr_id(const char *name, size_t len)
{
	int i;

	if (len == 1) {
		char c = (char)(name[0] | 0x20);

		for (i = 1; i < FR_SIP_H_COUNT; i++)
			if (hdrs[i].compact == c)
				return (enum fr_sip_hdr)i;
		return FR_SIP_H_OTHER;
	}
	/* Length and first letter rule out nearly all before a compare. */
	for (i = 1; i < FR_SIP_H_COUNT; i++)
		if (hdrs[i].len == len && (hdrs[i].name[0] | 0x20) ==
		    (name[0] | 0x20) && strncasecmp(hdrs[i].name, name, len) == 0)
			return (enum fr_sip_hdr)i;
	return FR_SIP_H_OTHER;
}

const char *
fr_sip_hdr_name(enum fr_sip_hdr id)
{
	return (unsigned)id < FR_SIP_H_COUNT ? hdrs[id].name : "";
}

void
fr_sip_limits_default(struct fr_sip_limits *lim)
{
	lim->start_line = 4096;
	lim->header_line = 8192;
	lim->headers = FR_SIP_HEADERS_MAX;
	lim->head = 65536;
	lim->body = 65536;
}

/* ---- characters ----------------------------------------------------------- */

/* RFC 3261 25.1 token characters. */
static bool
is_token(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '-': case '.': case '!': case '%': case '*': case '_': case '+':
	case '`': case '\'': case '~':
		return true;
	default:
		return false;
	}
}

static bool
is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct fr_span
span(const char *s, size_t len)
{
	struct fr_span r = { s, len };

	return r;
}

/* Peer text for an error message: printable ASCII, the rest as \xHH. */
static const char *
esc(char *dst, size_t size, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, size - o, "\\x%02x", c);
	}
	if (i < len && o + 4 <= size) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o < size ? o : size - 1] = '\0';
	return dst;
}

static void seterr(struct fr_sip_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(struct fr_sip_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}

/* ---- framing and the index ------------------------------------------------ */

enum line_rc { LINE_OK, LINE_MORE, LINE_LONG, LINE_NUL, LINE_CR };

/*
 * The line at buf[p..len): its content ends at *ce, the next line starts
 * at *nx.  Content longer than max is LINE_LONG as soon as that is
 * known, so a peer cannot make us wait for an endless line.
 */
static enum line_rc
line_at(const char *buf, size_t p, size_t len, size_t max, size_t *ce,
    size_t *nx, size_t *bad)
{
	size_t i, avail = len - p;
	/* written so that a limit of SIZE_MAX cannot wrap */
	size_t stop = avail > max && avail - max > 2 ? p + max + 2 : len;

	for (i = p; i < stop; i++) {
		char c = buf[i];

		if (c == '\n') {
			*ce = i > p && buf[i - 1] == '\r' ? i - 1 : i;
			*nx = i + 1;
			return *ce - p > max ? LINE_LONG : LINE_OK;
		}
		if (c == '\0') {
			*bad = i;
			return LINE_NUL;
		}
		if (c == '\r' && i + 1 < len && buf[i + 1] != '\n') {
			*bad = i;
			return LINE_CR;
		}
	}
	return stop < len || (avail > max && avail - max > 1) ? LINE_LONG :
	    LINE_MORE;
}

/* "SIP/2.0" in any case. */
static bool
is_version(struct fr_span v)
{
	return fr_span_ieq(v, "SIP/2.0");
}

static int
parse_start(struct fr_sipmsg *m, const char *s, size_t len,
    struct fr_sip_error *e)
{
	const char *sp = memchr(s, ' ', len), *end = s + len;
	struct fr_span first;
	char q[64];

	m->start_line = span(s, len);
	if (sp == NULL || sp == s) {
		seterr(e, "start line: not a SIP request or status line: "
		    "\"%s\"", esc(q, sizeof(q), s, len));
		return -1;
	}
	first = span(s, (size_t)(sp - s));
	if (first.len >= 4 && strncasecmp(s, "SIP/", 4) == 0) {
		const char *c = sp + 1;
		unsigned code;

		if (!is_version(first)) {
			seterr(e, "start line: unknown SIP version \"%s\"",
			    esc(q, sizeof(q), first.s, first.len));
			return -1;
		}
		if (end - c < 3 || !is_digit(c[0]) || !is_digit(c[1]) ||
		    !is_digit(c[2]) || (end - c > 3 && c[3] != ' ')) {
			seterr(e, "start line: bad status code \"%s\"",
			    esc(q, sizeof(q), c, (size_t)(end - c)));
			return -1;
		}
		code = (unsigned)(c[0] - '0') * 100 +
		    (unsigned)(c[1] - '0') * 10 + (unsigned)(c[2] - '0');
		if (code < 100 || code > 699) {
			seterr(e, "start line: status code %u not in 100-699",
			    code);
			return -1;
		}
		m->request = false;
		m->status = code;
		m->reason = end - c > 4 ? span(c + 4, (size_t)(end - c - 4)) :
		    span(c + 3, 0);
		return 0;
	}
	for (size_t i = 0; i < first.len; i++)
		if (!is_token(s[i])) {
			seterr(e, "start line: bad method \"%s\"",
			    esc(q, sizeof(q), first.s, first.len));
			return -1;
		}
	{
		const char *u = sp + 1, *sp2 = memchr(u, ' ', (size_t)(end - u));
		struct fr_span ver;

		if (sp2 == NULL || sp2 == u) {
			seterr(e, "start line: no Request-URI and SIP version "
			    "in \"%s\"", esc(q, sizeof(q), s, len));
			return -1;
		}
		for (const char *x = u; x < sp2; x++)
			if ((unsigned char)*x <= 0x20 || *x == 0x7f) {
				seterr(e, "start line: control byte in the "
				    "Request-URI");
				return -1;
			}
		ver = span(sp2 + 1, (size_t)(end - sp2 - 1));
		if (!is_version(ver)) {
			seterr(e, "start line: unknown SIP version \"%s\"",
			    esc(q, sizeof(q), ver.s, ver.len));
			return -1;
		}
		m->request = true;
		m->method = first;
		m->ruri = span(u, (size_t)(sp2 - u));
	}
	return 0;
}

int
fr_sip_status_line(const char *buf, size_t len, unsigned *status)
{
	struct fr_sipmsg m;		/* only its start-line fields are set */
	struct fr_sip_error e;
	size_t ce, nx, bad;

	switch (line_at(buf, 0, len, 4096, &ce, &nx, &bad)) {
	case LINE_MORE:
		return 0;
	case LINE_OK:
		break;
	default:
		return -1;
	}
	if (parse_start(&m, buf, ce, &e) != 0 || m.request)
		return -1;
	*status = m.status;
	return 1;
}

/* Header line [p, ce): name, colon, value. */
static int
new_header(struct fr_sipmsg *m, const char *buf, size_t p, size_t ce,
    size_t nx, struct fr_sip_error *e)
{
	struct fr_sip_header *h = &m->hdr[m->nhdr];
	size_t i = p, n;
	char q[64];

	while (i < ce && is_token(buf[i]))
		i++;
	n = i - p;
	while (i < ce && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (n == 0 || i == ce || buf[i] != ':') {
		seterr(e, "header %zu: not \"name: value\": \"%s\"",
		    m->nhdr + 1, esc(q, sizeof(q), buf + p, ce - p));
		return -1;
	}
	h->name = span(buf + p, n);
	h->id = fr_sip_hdr_id(buf + p, n);
	h->value = fr_span_trim(span(buf + i + 1, ce - i - 1));
	h->line = span(buf + p, nx - p);
	if (m->first[h->id] < 0)
		m->first[h->id] = (int)m->nhdr;
	m->nhdr++;
	return 0;
}

/* A folded line [p, ce) continues the last header. */
static void
continue_header(struct fr_sip_header *h, const char *buf, size_t p,
    size_t ce, size_t nx)
{
	struct fr_span more = fr_span_trim(span(buf + p, ce - p));

	if (more.len > 0) {
		if (h->value.len == 0)
			h->value = more;
		else
			h->value.len = (size_t)(more.s + more.len - h->value.s);
	}
	h->line.len = (size_t)(buf + nx - h->line.s);
}

static const char *
line_problem(enum line_rc rc)
{
	return rc == LINE_NUL ? "NUL byte" : rc == LINE_CR ?
	    "bare CR (not followed by LF)" : "line too long";
}

/* Every Content-Length must be a number, the same, and within bounds. */
static int
content_length(struct fr_sipmsg *m, const struct fr_sip_limits *lim,
    size_t *cl, struct fr_sip_error *e)
{
	int i = -1;
	bool seen = false;

	*cl = 0;
	while ((i = fr_sipmsg_next(m, FR_SIP_H_CONTENT_LENGTH, i)) >= 0) {
		uint32_t v;

		if (fr_sip_uint_parse(m->hdr[i].value, UINT32_MAX, &v) != 0) {
			seterr(e, "header %d (Content-Length): not a number",
			    i + 1);
			return -1;
		}
		if (seen && v != *cl) {
			seterr(e, "header %d (Content-Length): %u disagrees "
			    "with an earlier Content-Length of %zu", i + 1, v,
			    *cl);
			return -1;
		}
		if (v > lim->body) {
			seterr(e, "header %d (Content-Length): body of %u bytes "
			    "over the limit of %zu", i + 1, v, lim->body);
			return -1;
		}
		*cl = v;
		seen = true;
	}
	m->has_content_length = seen;
	return 0;
}

enum fr_sip_parse
fr_sipmsg_parse(struct fr_sipmsg *m, const char *buf, size_t len,
    enum fr_sip_mode mode, const struct fr_sip_limits *lim, size_t *used,
    struct fr_sip_error *e)
{
	struct fr_sip_limits def;
	struct fr_sip_error edummy;
	size_t udummy, p = 0, start, ce, nx, bad = 0, cl, maxh, hlim;
	bool stream = mode == FR_SIP_STREAM;
	enum line_rc rc;

	if (lim == NULL) {
		fr_sip_limits_default(&def);
		lim = &def;
	}
	if (used == NULL)
		used = &udummy;
	if (e == NULL)
		e = &edummy;
	e->text[0] = '\0';
	e->can_answer = false;
	*used = 0;
	m->nhdr = 0;
	m->request = false;
	m->status = 0;
	m->method = m->ruri = m->reason = m->body = span(NULL, 0);
	m->has_content_length = false;
	memset(m->first, 0xff, sizeof(m->first));
	maxh = lim->headers < FR_SIP_HEADERS_MAX ? lim->headers :
	    FR_SIP_HEADERS_MAX;

	if (stream) {
		/* RFC 5626 4.4.1 keep-alives come between messages. */
		if (len > 0 && buf[0] == '\n') {
			*used = 1;
			return FR_SIP_PONG;	/* liberal: LF-only */
		}
		if (len > 0 && buf[0] == '\r') {
			if (len < 2 || (len == 3 && buf[2] == '\r'))
				return FR_SIP_MORE;
			if (buf[1] != '\n') {
				seterr(e, "keep-alive: bare CR before the "
				    "start line");
				return FR_SIP_BAD;
			}
			if (len >= 4 && buf[2] == '\r' && buf[3] == '\n') {
				*used = 4;
				return FR_SIP_PING;
			}
			*used = 2;
			return FR_SIP_PONG;
		}
	} else {
		while (p < len && (buf[p] == '\r' || buf[p] == '\n'))
			p++;
	}
	start = p;
	m->raw = span(buf + start, 0);
	if (p == len)
		goto more;

	rc = line_at(buf, p, len, lim->start_line, &ce, &nx, &bad);
	if (rc == LINE_MORE)
		goto more;
	if (rc == LINE_LONG) {
		seterr(e, "start line: longer than %zu bytes", lim->start_line);
		return FR_SIP_BAD;
	}
	if (rc != LINE_OK) {
		seterr(e, "start line: %s at byte %zu", line_problem(rc),
		    bad - start);
		return FR_SIP_BAD;
	}
	if (parse_start(m, buf + p, ce - p, e) != 0)
		return FR_SIP_BAD;
	p = nx;

	for (;;) {
		if (p - start > lim->head) {
			seterr(e, "head: longer than %zu bytes", lim->head);
			return FR_SIP_BAD;
		}
		hlim = lim->head - (p - start);
		rc = line_at(buf, p, len, hlim < lim->header_line ? hlim :
		    lim->header_line, &ce, &nx, &bad);
		if (rc == LINE_MORE)
			goto more;
		if (rc == LINE_LONG) {
			if (hlim < lim->header_line)
				seterr(e, "head: longer than %zu bytes",
				    lim->head);
			else
				seterr(e, "header %zu: longer than %zu bytes",
				    m->nhdr + 1, lim->header_line);
			return FR_SIP_BAD;
		}
		if (rc != LINE_OK) {
			seterr(e, "header %zu: %s", m->nhdr + 1,
			    line_problem(rc));
			return FR_SIP_BAD;
		}
		if (ce == p)
			break;			/* the blank line */
		if (buf[p] == ' ' || buf[p] == '\t') {
			struct fr_sip_header *h;

			if (m->nhdr == 0) {
				seterr(e, "header 1: continuation line before "
				    "any header");
				return FR_SIP_BAD;
			}
			h = &m->hdr[m->nhdr - 1];
			/* A folded header is bounded as a whole. */
			if ((size_t)(buf + ce - h->line.s) > lim->header_line) {
				seterr(e, "header %zu: longer than %zu bytes",
				    m->nhdr, lim->header_line);
				return FR_SIP_BAD;
			}
			continue_header(h, buf, p, ce, nx);
		} else {
			if (m->nhdr == maxh) {
				seterr(e, "too many headers (more than %zu)",
				    maxh);
				return FR_SIP_BAD;
			}
			if (new_header(m, buf, p, ce, nx, e) != 0)
				return FR_SIP_BAD;
		}
		p = nx;
	}
	m->blank_off = p - start;
	m->head_len = nx - start;
	if (p - start > lim->head) {
		seterr(e, "head: longer than %zu bytes", lim->head);
		return FR_SIP_BAD;
	}
	/* From here on the whole head is indexed: a 400 can be built. */
	e->can_answer = m->request;
	if (content_length(m, lim, &cl, e) != 0)
		return FR_SIP_BAD;
	if (stream) {
		if (!m->has_content_length) {
			seterr(e, "no Content-Length (mandatory on a stream)");
			return FR_SIP_BAD;
		}
		if (len - start - m->head_len < cl)
			return FR_SIP_MORE;
	} else if (!m->has_content_length) {
		cl = len - start - m->head_len;
		if (cl > lim->body) {
			seterr(e, "body: %zu bytes over the limit of %zu", cl,
			    lim->body);
			return FR_SIP_BAD;
		}
	} else if (len - start - m->head_len < cl) {
		seterr(e, "body: Content-Length is %zu but %zu bytes came",
		    cl, len - start - m->head_len);
		return FR_SIP_BAD;
	}
	m->body = span(buf + start + m->head_len, cl);
	m->raw = span(buf + start, m->head_len + cl);
	*used = stream ? start + m->head_len + cl : len;
	return FR_SIP_MESSAGE;

more:
	if (!stream) {
		seterr(e, p == len && m->nhdr == 0 && p == start ?
		    "empty datagram" : "head: no blank line at its end");
		return FR_SIP_BAD;
	}
	return FR_SIP_MORE;
}

/* ---- headers ---------------------------------------------------------------- */

int
fr_sipmsg_next(const struct fr_sipmsg *m, enum fr_sip_hdr id, int after)
{
	size_t i;

	if (after < 0) {
		if ((unsigned)id < FR_SIP_H_COUNT && id != FR_SIP_H_OTHER)
			return m->first[id];
		after = -1;
	}
	for (i = (size_t)(after + 1); i < m->nhdr; i++)
		if (m->hdr[i].id == id)
			return (int)i;
	return -1;
}

int
fr_sipmsg_next_name(const struct fr_sipmsg *m, const char *name, int after)
{
	size_t i, n = strlen(name);
	enum fr_sip_hdr id = fr_sip_hdr_id(name, n);

	if (id != FR_SIP_H_OTHER)
		return fr_sipmsg_next(m, id, after);
	for (i = (size_t)(after + 1); i < m->nhdr; i++)
		if (m->hdr[i].id == FR_SIP_H_OTHER && fr_span_ieq(m->hdr[i].name,
		    name))
			return (int)i;
	return -1;
}

bool
fr_sipmsg_get(const struct fr_sipmsg *m, enum fr_sip_hdr id,
    struct fr_span *value)
{
	int i = fr_sipmsg_next(m, id, -1);

	*value = i >= 0 ? m->hdr[i].value : span(NULL, 0);
	return i >= 0;
}

void
fr_sip_iter_init(struct fr_sip_iter *it, const struct fr_sipmsg *m,
    enum fr_sip_hdr id)
{
	it->m = m;
	it->id = id;
	it->name = NULL;
	it->hdr = -1;
	it->pos = NULL;
	it->nvals = 0;
}

void
fr_sip_iter_init_name(struct fr_sip_iter *it, const struct fr_sipmsg *m,
    const char *name)
{
	fr_sip_iter_init(it, m, fr_sip_hdr_id(name, strlen(name)));
	if (it->id == FR_SIP_H_OTHER)
		it->name = name;
}

/* Only LWS and commas in [p, end)? */
static bool
nothing_but_commas(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!is_lws(*p) && *p != ',')
			return false;
	return true;
}

bool
fr_sip_iter_next(struct fr_sip_iter *it, struct fr_sip_value *v)
{
	const struct fr_sipmsg *m = it->m;

	for (;;) {
		const struct fr_sip_header *h;
		const char *end, *e;
		struct fr_span s;

		if (it->pos == NULL) {
			it->hdr = it->name != NULL ?
			    fr_sipmsg_next_name(m, it->name, it->hdr) :
			    fr_sipmsg_next(m, it->id, it->hdr);
			if (it->hdr < 0)
				return false;
			h = &m->hdr[it->hdr];
			it->nvals = 0;
			if (!hdrs[h->id].list) {
				v->hdr = it->hdr;
				v->s = h->value;
				v->alone = true;
				return true;
			}
			it->pos = h->value.s;
		}
		h = &m->hdr[it->hdr];
		end = h->value.s + h->value.len;
		e = fr_sip_unquoted(it->pos, end, ',', true);
		s = fr_span_trim(span(it->pos, (size_t)(e - it->pos)));
		it->pos = e < end ? e + 1 : NULL;
		if (s.len == 0) {
			if (it->pos == NULL && it->nvals == 0) {
				/* an empty header ("Route:"): one empty value */
				v->hdr = it->hdr;
				v->s = h->value;
				v->alone = true;
				return true;
			}
			continue;
		}
		v->hdr = it->hdr;
		v->s = s;
		v->alone = it->nvals == 0 && (e == end ||
		    nothing_but_commas(e, end));
		it->nvals++;
		return true;
	}
}

/* ---- values ------------------------------------------------------------------ */

int
fr_sip_uint_parse(struct fr_span v, uint32_t max, uint32_t *out)
{
	uint64_t n = 0;
	size_t i;

	v = fr_span_trim(v);
	if (v.len == 0 || v.len > 10)
		return -1;
	for (i = 0; i < v.len; i++) {
		if (!is_digit(v.s[i]))
			return -1;
		n = n * 10 + (uint64_t)(v.s[i] - '0');
	}
	if (n > max)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* Skip LWS; then expect c. */
static bool
expect(const char **p, const char *end, char c)
{
	while (*p < end && is_lws(**p))
		(*p)++;
	if (*p < end && **p == c) {
		(*p)++;
		while (*p < end && is_lws(**p))
			(*p)++;
		return true;
	}
	return false;
}

static struct fr_span
token(const char **p, const char *end)
{
	const char *s = *p;

	while (*p < end && is_token(**p))
		(*p)++;
	return span(s, (size_t)(*p - s));
}

/* host [":" port] at *p: host a name, IPv4 or [IPv6]. */
static int
hostport(const char **p, const char *end, struct fr_span *host, int *port)
{
	const char *s = *p;

	*port = -1;
	if (s < end && *s == '[') {
		const char *close = memchr(s, ']', (size_t)(end - s));

		if (close == NULL || close == s + 1)
			return -1;
		for (const char *x = s + 1; x < close; x++)
			if (!is_digit(*x) && !((*x | 0x20) >= 'a' &&
			    (*x | 0x20) <= 'f') && *x != ':' && *x != '.')
				return -1;
		*host = span(s + 1, (size_t)(close - s - 1));
		*p = close + 1;
	} else {
		while (*p < end && ((**p >= 'a' && **p <= 'z') ||
		    (**p >= 'A' && **p <= 'Z') || is_digit(**p) ||
		    **p == '-' || **p == '.' || **p == '_'))
			(*p)++;
		if (*p == s)
			return -1;
		*host = span(s, (size_t)(*p - s));
	}
	if (*p < end && **p == ':') {
		uint32_t v;
		const char *d = ++(*p);

		while (*p < end && is_digit(**p))
			(*p)++;
		if (fr_sip_uint_parse(span(d, (size_t)(*p - d)), 65535, &v) != 0
		    || v == 0)
			return -1;
		*port = (int)v;
	}
	return 0;
}

int
fr_sip_via_parse(struct fr_span v, struct fr_sip_via *out, char *err,
    size_t errlen)
{
	const char *p, *end, *s;
	struct fr_span ver;
	char q[64];

	memset(out, 0, sizeof(*out));
	out->port = -1;
	v = fr_span_trim(v);
	p = v.s;
	end = v.s + v.len;
	s = p;
	if (token(&p, end).len == 0 || !expect(&p, end, '/') ||
	    (ver = token(&p, end)).len == 0) {
		snprintf(err, errlen, "Via: no protocol in \"%s\"",
		    esc(q, sizeof(q), v.s, v.len));
		return -1;
	}
	out->protocol = span(s, (size_t)(p - s));
	if (!expect(&p, end, '/') || (out->transport = token(&p, end)).len ==
	    0) {
		snprintf(err, errlen, "Via: no transport in \"%s\"",
		    esc(q, sizeof(q), v.s, v.len));
		return -1;
	}
	if (p == end || !is_lws(*p)) {
		snprintf(err, errlen, "Via: no sent-by in \"%s\"",
		    esc(q, sizeof(q), v.s, v.len));
		return -1;
	}
	while (p < end && is_lws(*p))
		p++;
	s = p;
	if (hostport(&p, end, &out->host, &out->port) != 0) {
		snprintf(err, errlen, "Via: bad sent-by in \"%s\"",
		    esc(q, sizeof(q), v.s, v.len));
		return -1;
	}
	out->sent_by = span(s, (size_t)(p - s));
	while (p < end && is_lws(*p))
		p++;
	if (p < end && *p != ';') {
		snprintf(err, errlen, "Via: junk after sent-by in \"%s\"",
		    esc(q, sizeof(q), v.s, v.len));
		return -1;
	}
	out->params = span(p, (size_t)(end - p));
	out->has_branch = fr_sip_param(out->params, "branch", &out->branch);
	out->has_received = fr_sip_param(out->params, "received",
	    &out->received);
	out->has_rport = fr_sip_param(out->params, "rport", &out->rport);
	return 0;
}

int
fr_sip_addr_parse(struct fr_span v, struct fr_sip_addr *out, char *err,
    size_t errlen)
{
	const char *p, *end, *lt;
	char q[64];

	memset(out, 0, sizeof(*out));
	v = fr_span_trim(v);
	p = v.s;
	end = v.s + v.len;
	if (v.len == 1 && v.s[0] == '*') {
		out->star = true;
		return 0;
	}
	lt = fr_sip_unquoted(p, end, '<', false);
	if (lt == end)
		lt = NULL;
	if (lt != NULL) {
		const char *gt = memchr(lt, '>', (size_t)(end - lt));

		if (gt == NULL) {
			snprintf(err, errlen, "no '>' in \"%s\"",
			    esc(q, sizeof(q), v.s, v.len));
			return -1;
		}
		out->angle = true;
		out->display = fr_span_trim(span(v.s, (size_t)(lt - v.s)));
		out->uri = fr_span_trim(span(lt + 1, (size_t)(gt - lt - 1)));
		p = gt + 1;
		while (p < end && is_lws(*p))
			p++;
		if (p < end && *p != ';') {
			snprintf(err, errlen, "junk after '>' in \"%s\"",
			    esc(q, sizeof(q), v.s, v.len));
			return -1;
		}
	} else if (memchr(v.s, '"', v.len) != NULL) {
		snprintf(err, errlen, "display name without <URI> in \"%s\"",
		    esc(q, sizeof(q), v.s, v.len));
		return -1;
	} else {
		/* addr-spec: its ;params belong to the header (RFC 3261 20). */
		p = memchr(v.s, ';', v.len);
		if (p == NULL)
			p = end;
		out->uri = fr_span_trim(span(v.s, (size_t)(p - v.s)));
	}
	out->params = span(p, (size_t)(end - p));
	if (out->uri.len == 0 || memchr(out->uri.s, ':', out->uri.len) ==
	    NULL) {
		snprintf(err, errlen, "no URI in \"%s\"",
		    esc(q, sizeof(q), v.s, v.len));
		return -1;
	}
	for (size_t i = 0; i < out->uri.len; i++)
		if ((unsigned char)out->uri.s[i] <= 0x20) {
			snprintf(err, errlen, "space in the URI of \"%s\"",
			    esc(q, sizeof(q), v.s, v.len));
			return -1;
		}
	out->has_tag = fr_sip_param(out->params, "tag", &out->tag);
	return 0;
}

int
fr_sip_cseq_parse(struct fr_span v, struct fr_sip_cseq *out, char *err,
    size_t errlen)
{
	const char *p, *end, *gap;
	struct fr_span num;
	uint32_t n;
	char q[64];

	v = fr_span_trim(v);
	p = v.s;
	end = v.s + v.len;
	while (p < end && is_digit(*p))
		p++;
	num = span(v.s, (size_t)(p - v.s));
	gap = p;
	while (p < end && is_lws(*p))
		p++;
	gap = p > gap ? p : NULL;	/* LWS between number and method */
	out->method = token(&p, end);
	if (fr_sip_uint_parse(num, 0x7fffffff, &n) != 0 || p != end ||
	    out->method.len == 0 || gap == NULL) {
		snprintf(err, errlen, "CSeq: not \"number method\": \"%s\"",
		    esc(q, sizeof(q), v.s, v.len));
		return -1;
	}
	out->number = n;
	return 0;
}

int
fr_sip_max_forwards(const struct fr_sipmsg *m, unsigned *out)
{
	struct fr_span v;
	uint32_t n;

	if (!fr_sipmsg_get(m, FR_SIP_H_MAX_FORWARDS, &v))
		return 1;
	if (fr_sip_uint_parse(v, 255, &n) != 0)
		return -1;
	*out = n;
	return 0;
}

int
fr_sip_retry_after_parse(struct fr_span v, uint32_t *seconds,
    uint32_t *duration)
{
	const char *p, *end, *d;
	struct fr_span dur;

	v = fr_span_trim(v);
	p = d = v.s;
	end = v.s + v.len;
	while (p < end && is_digit(*p))
		p++;
	if (fr_sip_uint_parse(span(d, (size_t)(p - d)), UINT32_MAX,
	    seconds) != 0)
		return -1;
	while (p < end && is_lws(*p))
		p++;
	if (p < end && *p == '(') {
		/* a comment, which may nest */
		int depth = 0;

		for (; p < end; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0)
				break;
		}
		if (p == end)
			return -1;
		p++;
		while (p < end && is_lws(*p))
			p++;
	}
	if (p < end && *p != ';')
		return -1;
	*duration = 0;
	if (fr_sip_param(span(p, (size_t)(end - p)), "duration", &dur) &&
	    fr_sip_uint_parse(dur, UINT32_MAX, duration) != 0)
		return -1;
	return 0;
}

/* ---- edits ------------------------------------------------------------------- */

void
fr_sip_edits_init(struct fr_sip_edits *ed)
{
	ed->n = 0;
	ed->failed = false;
	ed->err[0] = '\0';
}

static int edfail(struct fr_sip_edits *ed, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
edfail(struct fr_sip_edits *ed, const char *fmt, ...)
{
	va_list ap;

	if (!ed->failed) {
		va_start(ap, fmt);
		vsnprintf(ed->err, sizeof(ed->err), fmt, ap);
		va_end(ap);
	}
	ed->failed = true;
	return -1;
}

static int
add(struct fr_sip_edits *ed, const struct fr_sipmsg *m, size_t off,
    size_t del, const char *text, size_t len)
{
	if (ed->n == FR_SIP_EDITS_MAX)
		return edfail(ed, "more than %d edits", FR_SIP_EDITS_MAX);
	if (off > m->blank_off || del > m->blank_off - off)
		return edfail(ed, "edit outside the head");
	ed->e[ed->n].off = off;
	ed->e[ed->n].del = del;
	ed->e[ed->n].text = text;
	ed->e[ed->n].len = len;
	ed->n++;
	return 0;
}

int
fr_sip_edit_insert(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    size_t at, const char *lines, size_t len)
{
	size_t i, off;

	if (len < 3 || lines[len - 2] != '\r' || lines[len - 1] != '\n' ||
	    lines[0] == ' ' || lines[0] == '\t' || lines[0] == '\r')
		return edfail(ed, "insert: not whole header lines");
	for (i = 0; i < len; i++) {
		if (lines[i] == '\0' || (lines[i] == '\r' && (i + 1 == len ||
		    lines[i + 1] != '\n')) || (lines[i] == '\n' &&
		    (i == 0 || lines[i - 1] != '\r')))
			return edfail(ed, "insert: NUL, bare CR or bare LF");
		if (lines[i] == '\n' && i + 2 < len && lines[i + 1] == '\r')
			return edfail(ed, "insert: an empty line would end "
			    "the head");
	}
	off = at < m->nhdr ? (size_t)(m->hdr[at].line.s - m->raw.s) :
	    m->blank_off;
	return add(ed, m, off, 0, lines, len);
}

int
fr_sip_edit_remove_value(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    const struct fr_sip_value *v)
{
	const struct fr_sip_header *h;
	const char *a, *b, *vs, *ve;

	if (v->hdr < 0 || (size_t)v->hdr >= m->nhdr)
		return edfail(ed, "remove: no such header");
	h = &m->hdr[v->hdr];
	if (v->alone)
		return add(ed, m, (size_t)(h->line.s - m->raw.s), h->line.len,
		    NULL, 0);
	vs = h->value.s;
	ve = h->value.s + h->value.len;
	a = v->s.s;
	b = v->s.s + v->s.len;
	if (a < vs || b > ve)
		return edfail(ed, "remove: value not in its header");
	if (!nothing_but_commas(b, ve)) {
		/* not the last: up to the start of the next value */
		while (b < ve && (is_lws(*b) || *b == ','))
			b++;
	} else {
		/* the last: back over the comma(s) before it */
		while (a > vs && (is_lws(a[-1]) || a[-1] == ','))
			a--;
		b = ve;
	}
	return add(ed, m, (size_t)(a - m->raw.s), (size_t)(b - a), NULL, 0);
}

int
fr_sip_edit_replace(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    struct fr_span what, const char *text, size_t len)
{
	size_t i;

	if (what.s < m->raw.s || what.s + what.len > m->raw.s + m->blank_off)
		return edfail(ed, "replace: span outside the head");
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 && text[i] != '\t')
			return edfail(ed, "replace: control byte in the text");
	return add(ed, m, (size_t)(what.s - m->raw.s), what.len, text, len);
}

/* Edits in offset order; at one offset inserts before deletions. */
static bool
edit_before(const struct fr_sip_edit *a, const struct fr_sip_edit *b)
{
	return a->off < b->off || (a->off == b->off && a->del == 0 &&
	    b->del > 0);
}

long
fr_sipmsg_write(const struct fr_sipmsg *m, const struct fr_sip_edits *ed,
    char *out, size_t size, size_t *needed, char *err, size_t errlen)
{
	const struct fr_sip_edit *order[FR_SIP_EDITS_MAX];
	size_t i, j, need = m->raw.len, cur = 0, o = 0;

	if (needed != NULL)
		*needed = 0;
	if (ed->failed) {
		snprintf(err, errlen, "%s", ed->err);
		return -1;
	}
	for (i = 0; i < ed->n; i++) {
		/* stable insertion sort: a few edits */
		for (j = i; j > 0 && edit_before(&ed->e[i], order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = &ed->e[i];
	}
	for (i = 0; i < ed->n; i++) {
		if (i > 0 && order[i - 1]->off + order[i - 1]->del >
		    order[i]->off) {
			snprintf(err, errlen, "edits overlap at byte %zu",
			    order[i]->off);
			return -1;
		}
		need = need - order[i]->del + order[i]->len;
	}
	if (needed != NULL)
		*needed = need;
	if (need > size) {
		snprintf(err, errlen, "%zu bytes do not fit in %zu", need, size);
		return -1;
	}
	for (i = 0; i < ed->n; i++) {
		const struct fr_sip_edit *x = order[i];

		memcpy(out + o, m->raw.s + cur, x->off - cur);
		o += x->off - cur;
		if (x->len > 0)
			memcpy(out + o, x->text, x->len);
		o += x->len;
		cur = x->off + x->del;
	}
	memcpy(out + o, m->raw.s + cur, m->raw.len - cur);
	o += m->raw.len - cur;
	return (long)o;
}

/* ---- building ---------------------------------------------------------------- */

/* Bounded output that keeps counting past its end (for *needed). */
struct out {
	char *buf;
	size_t size, len;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size)
		memcpy(o->buf + o->len, s, o->len + n <= o->size ? n :
		    o->size - o->len);
	o->len += n;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Text from a peer or a caller, minus control bytes, at most max. */
static void
put_clean(struct out *o, const char *s, size_t n, size_t max, bool quote)
{
	size_t i, w = 0;

	for (i = 0; i < n && w < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			continue;
		if (quote && (c == '"' || c == '\\')) {
			put(o, "\\", 1);
			w++;
		}
		put(o, s + i, 1);
		w++;
	}
}

/* A header copied from the request, under its long name, folds undone. */
static void
put_header(struct out *o, const struct fr_sip_header *h)
{
	size_t i;

	if (h->id != FR_SIP_H_OTHER)
		puts_(o, hdrs[h->id].name);
	else
		put(o, h->name.s, h->name.len);
	put(o, ": ", 2);
	for (i = 0; i < h->value.len; i++)
		if (h->value.s[i] != '\r' && h->value.s[i] != '\n')
			put(o, h->value.s + i, 1);
}

/* Whole header lines: CRLF-terminated, no NUL, bare CR/LF or empty line. */
static bool
are_lines(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0)
		return true;
	if (n < 3 || s[n - 1] != '\n' || s[0] == ' ' || s[0] == '\t' ||
	    s[0] == '\r')
		return false;
	for (i = 0; i < n; i++)
		if ((s[i] == '\r' && s[i + 1] != '\n') || (s[i] == '\n' &&
		    (i == 0 || s[i - 1] != '\r' || s[i + 1] == '\r')))
			return false;
	return true;
}

long
fr_sip_response_build(const struct fr_sipmsg *req, unsigned status,
    const char *reason, const char *to_tag, const char *extra, char *out,
    size_t size, size_t *needed)
{
	static const enum fr_sip_hdr copy[] = { FR_SIP_H_FROM, FR_SIP_H_TO,
	    FR_SIP_H_CALL_ID, FR_SIP_H_CSEQ };
	struct out o = { out, size, 0 };
	char code[8];
	size_t k;
	int i = -1;

	if (needed != NULL)
		*needed = 0;
	if (!req->request || status < 100 || status > 699 ||
	    (extra != NULL && !are_lines(extra)))
		return -1;
	snprintf(code, sizeof(code), "%u ", status);
	puts_(&o, "SIP/2.0 ");
	puts_(&o, code);
	if (reason != NULL)
		put_clean(&o, reason, strlen(reason), 128, false);
	put(&o, "\r\n", 2);
	while ((i = fr_sipmsg_next(req, FR_SIP_H_VIA, i)) >= 0) {
		put_header(&o, &req->hdr[i]);
		put(&o, "\r\n", 2);
	}
	for (k = 0; k < sizeof(copy) / sizeof(copy[0]); k++) {
		struct fr_sip_addr a;
		char e[8];

		if ((i = fr_sipmsg_next(req, copy[k], -1)) < 0)
			continue;
		put_header(&o, &req->hdr[i]);
		if (copy[k] == FR_SIP_H_TO && to_tag != NULL && status > 100 &&
		    fr_sip_addr_parse(req->hdr[i].value, &a, e, sizeof(e)) ==
		    0 && !a.has_tag) {
			puts_(&o, ";tag=");
			put_clean(&o, to_tag, strlen(to_tag), 64, false);
		}
		put(&o, "\r\n", 2);
	}
	if (extra != NULL)
		puts_(&o, extra);
	puts_(&o, "Content-Length: 0\r\n\r\n");
	if (o.len > size) {
		if (needed != NULL)
			*needed = o.len;
		return -1;
	}
	return (long)o.len;
}

long
fr_sip_warning(char *out, size_t size, unsigned code, const char *agent,
    const char *text)
{
	struct out o = { out, size, 0 };
	char c[8];
	size_t i;

	snprintf(c, sizeof(c), "%03u ", code % 1000);
	puts_(&o, "Warning: ");
	puts_(&o, c);
	for (i = 0; agent[i] != '\0'; i++)	/* a host or pseudonym: no LWS */
		if ((unsigned char)agent[i] > 0x20 && agent[i] != 0x7f)
			put(&o, agent + i, 1);
	puts_(&o, " \"");
	put_clean(&o, text, strlen(text), 256, true);
	puts_(&o, "\"\r\n");
	if (o.len >= size)
		return -1;
	out[o.len] = '\0';
	return (long)o.len;
}

/* Can s go into a header: no control bytes; no space unless spaces. */
static bool
clean(const char *s, bool spaces)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f ||
		    (*s == ' ' && !spaces))
			return false;
	return true;
}

long
fr_sip_options_build(const struct fr_sip_options *r, char *out, size_t size)
{
	int n;

	if (!clean(r->ruri, false) || !clean(r->transport, false) ||
	    !clean(r->sent_by, false) || !clean(r->branch, false) ||
	    !clean(r->from_uri, false) || !clean(r->from_tag, false) ||
	    !clean(r->to_uri, false) || !clean(r->call_id, false) ||
	    (r->contact != NULL && !clean(r->contact, false)) ||
	    (r->user_agent != NULL && !clean(r->user_agent, true)))
		return -1;
	n = snprintf(out, size,
	    "OPTIONS %s SIP/2.0\r\n"
	    "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <%s>;tag=%s\r\n"
	    "To: <%s>\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "%s%s%s"
	    "Accept: application/sdp\r\n"
	    "%s%s%s"
	    "Content-Length: 0\r\n"
	    "\r\n",
	    r->ruri, r->transport, r->sent_by, r->branch, r->from_uri,
	    r->from_tag, r->to_uri, r->call_id,
	    r->contact ? "Contact: <" : "", r->contact ? r->contact : "",
	    r->contact ? ">\r\n" : "",
	    r->user_agent ? "User-Agent: " : "",
	    r->user_agent ? r->user_agent : "", r->user_agent ? "\r\n" : "");
	return n > 0 && (size_t)n < size ? n : -1;
}
