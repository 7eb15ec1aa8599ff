/*
 * sipmsg.h -- one SIP request or response (RFC 3261 section 7), indexed
 * where it lies: zero-copy, no allocation.
 *
 * Ownership: the caller owns the buffer; a struct fr_sipmsg and every
 * span it hands out point into it and are valid while it is unchanged.
 * The index is a fixed array in the struct (FR_SIP_HEADERS_MAX), so one
 * parse costs one pass over the head and nothing on the heap.
 *
 * What is indexed at parse time: the start line, every header line
 * (known-header id, name, value; folded lines joined into one value
 * span), the framing (Content-Length).  Values are parsed only when
 * asked (fr_sip_via_parse(), fr_sip_addr_parse(), ...), so a proxy pays
 * only for the headers it reads.
 *
 * Liberal where RFC 3261 section 7.5 lets us be (Postel): line ends may
 * be CRLF or a bare LF (some stacks send LF only; a bare CR is an
 * error), CRLFs before the start line are skipped, LWS around the colon
 * is accepted, the reason phrase may be missing.  Strict where it
 * matters to a proxy: version "SIP/2.0" only, status 100-699, no NUL
 * byte anywhere in the head, every Content-Length agreeing, and on
 * streams a Content-Length is mandatory (RFC 3261 section 18.3).
 *
 * Edits (fr_sip_edit_*, fr_sipmsg_write()) build a new message from the
 * original plus a list of splices, copying every untouched byte as it
 * was: nothing is re-serialised.
 *
 * struct fr_sipmsg is about 15 kB (the index): keep one per connection
 * or worker, not one per call on a small stack.  Every function is
 * reentrant; none keeps state between calls.
 *
 * A stateless proxy's request path, in short:
 *
 *	rc = fr_sipmsg_parse(&m, buf, len, FR_SIP_STREAM, &lim, &used, &e);
 *	  FR_SIP_MORE: read more; FR_SIP_PING: send "\r\n"; FR_SIP_PONG: skip;
 *	  FR_SIP_BAD: e.can_answer ? send a 400 (fr_sip_response_build)
 *	              and close : close;  then drop `used` bytes
 *	fr_sip_max_forwards(&m, &mf): 0 -> 483, absent -> insert one
 *	fr_sip_edits_init(&ed);
 *	fr_sip_edit_insert(&ed, &m, fr_sipmsg_next(&m, FR_SIP_H_VIA, -1),
 *	    via_line, via_len);			(our Via, on top)
 *	fr_sip_iter_init(&it, &m, FR_SIP_H_ROUTE);
 *	if (fr_sip_iter_next(&it, &v) && it is us)
 *		fr_sip_edit_remove_value(&ed, &m, &v);
 *	fr_sip_edit_replace(&ed, &m, mf_value_span, "69", 2);
 *	n = fr_sipmsg_write(&m, &ed, out, size, &need, err, errlen);
 */
#ifndef FR_SIPMSG_H
#define FR_SIPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span.h"
#include "sipuri.h"		/* fr_sip_param() */

/* Hard bound of the header index; fr_sip_limits.headers may only lower it. */
#define FR_SIP_HEADERS_MAX 256

/* Bounds on what a peer sends; every one is checked. */
struct fr_sip_limits {
	size_t start_line;		/* bytes of the start line */
	size_t header_line;		/* bytes of one header, folds included */
	size_t headers;			/* header count (<= FR_SIP_HEADERS_MAX) */
	size_t head;			/* start line + headers + blank line */
	size_t body;			/* Content-Length */
};

/* start line 4096, header 8192, 256 headers, head 65536, body 65536 */
void fr_sip_limits_default(struct fr_sip_limits *lim);

/* Known headers; compact forms (RFC 3261 7.3.3 and later RFCs) map here. */
enum fr_sip_hdr {
	FR_SIP_H_OTHER,			/* any other: look it up by name */
	FR_SIP_H_VIA,			/* v */
	FR_SIP_H_FROM,			/* f */
	FR_SIP_H_TO,			/* t */
	FR_SIP_H_CALL_ID,		/* i */
	FR_SIP_H_CSEQ,
	FR_SIP_H_CONTACT,		/* m */
	FR_SIP_H_MAX_FORWARDS,
	FR_SIP_H_CONTENT_LENGTH,	/* l */
	FR_SIP_H_CONTENT_TYPE,		/* c */
	FR_SIP_H_ROUTE,
	FR_SIP_H_RECORD_ROUTE,
	FR_SIP_H_SUPPORTED,		/* k */
	FR_SIP_H_SUBJECT,		/* s */
	FR_SIP_H_CONTENT_ENCODING,	/* e */
	FR_SIP_H_EVENT,			/* o */
	FR_SIP_H_ALLOW_EVENTS,		/* u */
	FR_SIP_H_REFER_TO,		/* r */
	FR_SIP_H_REFERRED_BY,		/* b */
	FR_SIP_H_SESSION_EXPIRES,	/* x */
	FR_SIP_H_REJECT_CONTACT,	/* j */
	FR_SIP_H_ACCEPT_CONTACT,	/* a */
	FR_SIP_H_REQUEST_DISPOSITION,	/* d */
	FR_SIP_H_IDENTITY,		/* y */
	FR_SIP_H_IDENTITY_INFO,		/* n */
	FR_SIP_H_REQUIRE,
	FR_SIP_H_PROXY_REQUIRE,
	FR_SIP_H_UNSUPPORTED,
	FR_SIP_H_ALLOW,
	FR_SIP_H_PATH,
	FR_SIP_H_SERVICE_ROUTE,
	FR_SIP_H_RETRY_AFTER,
	FR_SIP_H_SERVER,
	FR_SIP_H_USER_AGENT,
	FR_SIP_H_WARNING,
	FR_SIP_H_PROXY_AUTHORIZATION,
	FR_SIP_H_COUNT
};

/* The id of a header name (either form, any case); FR_SIP_H_OTHER else. */
enum fr_sip_hdr fr_sip_hdr_id(const char *name, size_t len);
/* Its long name ("Via"); "" for FR_SIP_H_OTHER. */
const char *fr_sip_hdr_name(enum fr_sip_hdr id);

struct fr_sip_header {
	enum fr_sip_hdr id;
	struct fr_span name;		/* as written: "v", "VIA", "X-Foo" */
	struct fr_span value;		/* trimmed; folds stay inside as LWS */
	struct fr_span line;		/* whole header, folds and line end */
};

struct fr_sipmsg {
	struct fr_span raw;		/* the message: head and body */
	bool request;
	/* request */
	struct fr_span method;
	struct fr_span ruri;		/* Request-URI */
	/* response */
	unsigned status;		/* 100-699 */
	struct fr_span reason;		/* may be empty */
	struct fr_span start_line;	/* without its line end */
	size_t head_len;		/* raw bytes up to and with the blank line */
	size_t blank_off;		/* where the blank line starts */
	struct fr_span body;
	bool has_content_length;
	size_t nhdr;
	int first[FR_SIP_H_COUNT];	/* index of the first of each id, -1 */
	struct fr_sip_header hdr[FR_SIP_HEADERS_MAX];
};

/* What a parse says about the bytes at the start of the buffer. */
enum fr_sip_parse {
	FR_SIP_MORE,			/* stream: incomplete, read more */
	FR_SIP_PING,			/* stream: CRLFCRLF, answer with CRLF */
	FR_SIP_PONG,			/* stream: a lone CRLF */
	FR_SIP_MESSAGE,			/* one whole message, m filled */
	FR_SIP_BAD,			/* malformed: see the error */
};

enum fr_sip_mode {
	FR_SIP_STREAM,			/* TCP, TLS: framed by Content-Length */
	FR_SIP_DATAGRAM,		/* UDP: the buffer is one message */
};

struct fr_sip_error {
	char text[192];			/* what and where */
	/*
	 * A request whose whole head was read and indexed, so that a 400
	 * built from m with fr_sip_response_build() reaches its sender.
	 * On a stream the connection is still lost after it (framing).
	 */
	bool can_answer;
};

/*
 * Parse the message at buf[0..len).
 *
 * FR_SIP_STREAM: keep-alives first (RFC 5626 4.4.1: CRLFCRLF is a ping
 * the caller answers with CRLF; a lone CRLF a pong; *used says how
 * many bytes), then one message framed by its mandatory Content-Length;
 * *used is its length (pipelined messages follow it in buf).  A lone
 * CRLF at the very end of buf is taken for a pong: a ping split between
 * two reads after its first CRLF reads as two pongs.  A lone LF there
 * is a pong too (LF-only peers).
 * FR_SIP_DATAGRAM: the buffer is one message; Content-Length is
 * optional, bytes beyond it are ignored (RFC 3261 18.3), a body shorter
 * than it is an error; *used is len.
 *
 * lim NULL: the defaults.  On FR_SIP_BAD, e says why and where; m may
 * hold a partial index (see can_answer).  e may be NULL.
 */
enum fr_sip_parse fr_sipmsg_parse(struct fr_sipmsg *m, const char *buf,
    size_t len, enum fr_sip_mode mode, const struct fr_sip_limits *lim,
    size_t *used, struct fr_sip_error *e);

/*
 * The status line alone at buf[0..len), without reading headers (a
 * health check's verdict from the first line).  1 with *status when a
 * whole line "SIP/2.0 NNN[ reason]" ends in buf, 0 when the line is not
 * complete yet, -1 when it is not a status line.
 */
int fr_sip_status_line(const char *buf, size_t len, unsigned *status);

/* ---- headers ------------------------------------------------------------ */

/* Index of the next header with id after index `after` (-1: the first). */
int fr_sipmsg_next(const struct fr_sipmsg *m, enum fr_sip_hdr id, int after);
/* The same for a name (long or compact form, any case; any header). */
int fr_sipmsg_next_name(const struct fr_sipmsg *m, const char *name,
    int after);
/* The value of the first header id; false (and an empty span) if none. */
bool fr_sipmsg_get(const struct fr_sipmsg *m, enum fr_sip_hdr id,
    struct fr_span *value);

/*
 * Every value of a header, across its lines and the comma-separated
 * values within a line, in message order.  Commas inside "quoted
 * strings" (with \-escapes) and <...> do not split.  Headers whose
 * grammar is not a comma list (Call-ID, CSeq, From, To, Date,
 * WWW-Authenticate, unknown headers, ...) give one value per line.
 */
struct fr_sip_value {
	int hdr;			/* index into m->hdr */
	struct fr_span s;		/* the value, trimmed */
	bool alone;			/* the only value of its header line */
};
struct fr_sip_iter {
	const struct fr_sipmsg *m;
	enum fr_sip_hdr id;
	const char *name;		/* when id is FR_SIP_H_OTHER */
	int hdr;
	const char *pos;		/* in m->hdr[hdr].value; NULL: next line */
	size_t nvals;			/* on this line so far */
};
void fr_sip_iter_init(struct fr_sip_iter *it, const struct fr_sipmsg *m,
    enum fr_sip_hdr id);
void fr_sip_iter_init_name(struct fr_sip_iter *it, const struct fr_sipmsg *m,
    const char *name);
bool fr_sip_iter_next(struct fr_sip_iter *it, struct fr_sip_value *v);

/* ---- values --------------------------------------------------------------- */

/* One Via value: "SIP/2.0/TLS host:5061;branch=z9hG4bK..;rport". */
struct fr_sip_via {
	struct fr_span protocol;	/* "SIP/2.0" */
	struct fr_span transport;	/* "TLS" */
	struct fr_span host;		/* without [] for IPv6 */
	struct fr_span sent_by;		/* host[:port] as written */
	int port;			/* -1 if none */
	struct fr_span params;		/* from the first ';', or empty */
	struct fr_span branch, received, rport;	/* values, when present */
	bool has_branch, has_received, has_rport;
};
int fr_sip_via_parse(struct fr_span v, struct fr_sip_via *out, char *err,
    size_t errlen);

/* name-addr or addr-spec: From, To, Contact, Route, Record-Route, ... */
struct fr_sip_addr {
	bool star;			/* Contact: * */
	struct fr_span display;		/* as written, quotes kept; may be empty */
	bool angle;			/* name-addr: the URI was in <> (a
					 * URI with ';' or ',' must be) */
	struct fr_span uri;		/* without <> */
	struct fr_span params;		/* header params from the first ';' */
	struct fr_span tag;
	bool has_tag;
};
int fr_sip_addr_parse(struct fr_span v, struct fr_sip_addr *out, char *err,
    size_t errlen);

struct fr_sip_cseq {
	uint32_t number;		/* < 2^31 (RFC 3261 8.1.1.5) */
	struct fr_span method;
};
int fr_sip_cseq_parse(struct fr_span v, struct fr_sip_cseq *out, char *err,
    size_t errlen);

/* A decimal number 0..max, nothing else but LWS around it. */
int fr_sip_uint_parse(struct fr_span v, uint32_t max, uint32_t *out);
/* Max-Forwards: 0..255. */
int fr_sip_max_forwards(const struct fr_sipmsg *m, unsigned *out);
/* Retry-After: delta-seconds [comment] *(;param); duration 0 if none. */
int fr_sip_retry_after_parse(struct fr_span v, uint32_t *seconds,
    uint32_t *duration);

/* ---- edits ---------------------------------------------------------------- */

/*
 * One splice of the original: bytes raw[off, off+del) replaced by
 * text[0..len).  text is not copied: it must live until
 * fr_sipmsg_write() returns.  All edits lie inside the head, before its
 * blank line, so Content-Length and the body stay as they were.
 */
struct fr_sip_edit {
	size_t off, del;
	const char *text;
	size_t len;
};

#define FR_SIP_EDITS_MAX 32
struct fr_sip_edits {
	size_t n;
	bool failed;			/* an add was refused: write refuses too */
	char err[128];
	struct fr_sip_edit e[FR_SIP_EDITS_MAX];
};

void fr_sip_edits_init(struct fr_sip_edits *ed);

/*
 * Insert whole header lines ("Name: value\r\n", one or more, each
 * ending in CRLF, no NUL, no bare CR or LF) before header index `at`;
 * at >= m->nhdr (so also the -1 of a header not found) means at the
 * end of the head.  Use
 * fr_sipmsg_next() to find "before the first Via", and 0 for "after the
 * start line".  0 or -1 (ed->err says why).
 */
int fr_sip_edit_insert(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    size_t at, const char *lines, size_t len);
/* Remove one value (from fr_sip_iter_next()): its line when alone, else
 * the value and one comma next to it, leaving the line well-formed. */
int fr_sip_edit_remove_value(struct fr_sip_edits *ed,
    const struct fr_sipmsg *m, const struct fr_sip_value *v);
/*
 * Replace span `what` of the head (a value, a URI inside one, the
 * Request-URI, Max-Forwards' value, ...) by text, which must be one line
 * of printable text and tabs (no CR, LF or NUL).
 */
int fr_sip_edit_replace(struct fr_sip_edits *ed, const struct fr_sipmsg *m,
    struct fr_span what, const char *text, size_t len);

/*
 * Write the original with the edits into out[0..size).  Returns the
 * length written; -1 if out is too small.  *needed (when not NULL) is
 * the length of the output either way; it is 0 and err says why when
 * the edits are refused (one overlaps another, or an add failed).
 * Edits are applied in offset order; inserts at the same place keep the
 * order they were added in.
 */
long fr_sipmsg_write(const struct fr_sipmsg *m, const struct fr_sip_edits *ed,
    char *out, size_t size, size_t *needed, char *err, size_t errlen);

/* ---- building ------------------------------------------------------------- */

/*
 * A response to request req (RFC 3261 8.2.6): status line with reason
 * (control bytes dropped, cut at 128), every Via, From, To (with
 * ;tag=to_tag added when To has none and to_tag is not NULL), Call-ID,
 * CSeq, then extra (whole header lines each ending CRLF, or NULL) and
 * Content-Length: 0.  Returns the length, or -1 with *needed set when
 * out is too small, or -1 and *needed 0 when req is not a request or
 * extra is not made of lines.
 */
long fr_sip_response_build(const struct fr_sipmsg *req, unsigned status,
    const char *reason, const char *to_tag, const char *extra, char *out,
    size_t size, size_t *needed);

/*
 * One Warning header line (RFC 3261 20.43): "Warning: CODE AGENT \"TEXT\"\r\n"
 * with text's quotes and backslashes escaped and control bytes dropped.
 * Returns the length, -1 if it does not fit.
 */
long fr_sip_warning(char *out, size_t size, unsigned code, const char *agent,
    const char *text);

/* An OPTIONS request (RFC 3261 11): what a probe or health check sends. */
struct fr_sip_options {
	const char *ruri;		/* "sip:example.com" */
	const char *transport;		/* Via: "UDP", "TCP", "TLS" */
	const char *sent_by;		/* Via: "192.0.2.1:5060", "[::1]:5060" */
	const char *branch;		/* after z9hG4bK */
	const char *from_uri, *from_tag;
	const char *to_uri;
	const char *call_id;
	const char *contact;		/* a URI, or NULL for none */
	const char *user_agent;		/* or NULL */
};
/* Returns the length, or -1 when it does not fit or a field holds a
 * byte that cannot go in a header (control bytes, space in a URI). */
long fr_sip_options_build(const struct fr_sip_options *o, char *out,
    size_t size);

#endif /* FR_SIPMSG_H */
