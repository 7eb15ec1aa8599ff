/*
 * xmppstream.h -- an XMPP stream read through expat (RFC 6120 4, 11):
 * its header, then the few top-level elements a prober or a router
 * cares about.
 *
 * The reader is incremental: the caller feeds bytes as they arrive, in
 * pieces of any size, and gets the same events at the same byte offsets
 * whatever the split.  It is namespace-aware (the root must be
 * {http://etherx.jabber.org/streams}stream, whatever its prefix) and
 * stops right after each event, so that a router can replay exactly the
 * header's bytes (fr_xmpp_stream_header()->len of them) and relay the
 * rest untouched.
 *
 * Restricted XML (RFC 6120 11.1): the XML declaration is allowed before
 * the header; a DOCTYPE, comments and processing instructions are
 * errors, so no entity beyond the predefined five and character
 * references ever expands (no "billion laughs").  Bounds: the header,
 * and then each top-level element, may take at most max_bytes (counted
 * from the end of the event before it); expat's own allocations are
 * counted against a budget that grows with max_bytes
 * (fr_xmpp_stream_memory_limit()), so a reader never holds more.
 *
 * All strings it gives are decoded (entities and character references
 * expanded), NUL-terminated, valid UTF-8 (expat checks), and bounded;
 * they are what the peer sent: escape them before they reach a
 * terminal, a log line or JSON.
 *
 * Errors say what and where, for example
 *   "stream header: not well-formed (expat: mismatched tag) at byte 57"
 *   "stream header: exceeds 4096 bytes"
 *   "stream header: root is <foo>, not <stream:stream>"
 *   "stream header: DOCTYPE not allowed"
 * and after the header they start with "stream: ".
 *
 * No I/O, no globals shared between readers (the allocator's owner is
 * per thread, set around each expat call).
 */
#ifndef FR_XMPPSTREAM_H
#define FR_XMPPSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#define FR_XMPP_NS_STREAMS	"http://etherx.jabber.org/streams"
#define FR_XMPP_NS_SERVER	"jabber:server"
#define FR_XMPP_NS_CLIENT	"jabber:client"
#define FR_XMPP_NS_TLS		"urn:ietf:params:xml:ns:xmpp-tls"
#define FR_XMPP_NS_SASL		"urn:ietf:params:xml:ns:xmpp-sasl"
#define FR_XMPP_NS_STREAM_ERR	"urn:ietf:params:xml:ns:xmpp-streams"
#define FR_XMPP_NS_DIALBACK	"urn:xmpp:features:dialback"	/* XEP-0220 */
#define FR_XMPP_NS_BIDI		"urn:xmpp:features:bidi"	/* XEP-0288 */

/* The default for max_bytes: a real header is 200-400 bytes. */
#define FR_XMPP_HEADER_MAX	4096

/* Bounds of what a header may carry (longer values are an error). */
#define FR_XMPP_JID_MAX		3072	/* RFC 7622: 3 x 1023 + 2, + NUL */
#define FR_XMPP_ID_MAX		1024
#define FR_XMPP_VERSION_MAX	16
#define FR_XMPP_LANG_MAX	64	/* RFC 5646 tags are shorter */
#define FR_XMPP_NS_MAX		256
#define FR_XMPP_PREFIX_MAX	64

/* Bounds of the features and errors (longer values are cut or left). */
#define FR_XMPP_MECH_MAX	16	/* SASL mechanisms kept */
#define FR_XMPP_MECH_LEN	20	/* RFC 4422 3.1 */
#define FR_XMPP_COND_MAX	64
#define FR_XMPP_TEXT_MAX	256
#define FR_XMPP_NAME_MAX	64

struct fr_xmpp_stream;

enum fr_xmpp_event {
	FR_XMPP_MORE,		/* every byte given is parsed: feed more */
	FR_XMPP_HEADER,		/* the header is complete */
	FR_XMPP_FEATURES,	/* <stream:features> is complete */
	FR_XMPP_STREAM_ERROR,	/* <stream:error> is complete */
	FR_XMPP_PROCEED,	/* <proceed xmlns=xmpp-tls/> */
	FR_XMPP_FAILURE,	/* <failure xmlns=xmpp-tls/> */
	FR_XMPP_ELEMENT,	/* another top-level element is complete */
	FR_XMPP_CLOSED,		/* </stream:stream> */
	FR_XMPP_ERROR		/* see fr_xmpp_stream_errstr(); final */
};

struct fr_xmpp_stream_header {
	size_t len;		/* bytes from the start of the stream up to
				 * and including the header's '>' (the XML
				 * declaration and a BOM count) */
	bool has_to, has_from, has_id, has_version, has_lang;
	char to[FR_XMPP_JID_MAX];		/* "" when absent */
	char from[FR_XMPP_JID_MAX];
	char id[FR_XMPP_ID_MAX];
	char version[FR_XMPP_VERSION_MAX];	/* "1.0"; "" when absent */
	char lang[FR_XMPP_LANG_MAX];		/* xml:lang */
	char ns_default[FR_XMPP_NS_MAX];	/* jabber:server, jabber:client,
						 * or "" when none declared */
	char ns_stream[FR_XMPP_NS_MAX];		/* always FR_XMPP_NS_STREAMS */
	char prefix[FR_XMPP_PREFIX_MAX];	/* the root's: "stream", or "" */
};

struct fr_xmpp_stream_features {
	bool starttls;			/* <starttls xmlns=xmpp-tls> */
	bool starttls_required;		/* ... with <required/> */
	bool dialback;			/* XEP-0220 */
	bool bidi;			/* XEP-0288 */
	bool sasl;			/* <mechanisms xmlns=xmpp-sasl> */
	bool sasl_external;		/* EXTERNAL among them */
	size_t nmech;			/* in mech[], in the peer's order */
	size_t mech_skipped;		/* not kept: over the count, or not a
					 * mechanism name (RFC 4422 3.1) */
	char mech[FR_XMPP_MECH_MAX][FR_XMPP_MECH_LEN + 1];
};

struct fr_xmpp_stream_error {
	char condition[FR_XMPP_COND_MAX];	/* "host-unknown", or "" */
	char text[FR_XMPP_TEXT_MAX];		/* its <text>, or "" */
	bool text_cut;				/* the text was longer */
};

/*
 * A reader for a stream whose first byte is the next one fed.
 * max_bytes bounds the header and each top-level element after it (0:
 * FR_XMPP_HEADER_MAX; at most 1 MiB).  NULL when out of memory.
 */
struct fr_xmpp_stream *fr_xmpp_stream_create(size_t max_bytes);

/*
 * A reader for the rest of a stream whose header was read elsewhere
 * (after STARTTLS was asked, for example): it behaves as if a header
 * binding the prefix "stream" and the default namespace ns_default
 * (NULL: jabber:server) had been read, and counts bytes from the next
 * one fed.  It never reports FR_XMPP_HEADER.
 */
struct fr_xmpp_stream *fr_xmpp_stream_create_inside(size_t max_bytes,
    const char *ns_default);

void fr_xmpp_stream_delete(struct fr_xmpp_stream *s);	/* NULL is fine */

/*
 * Parse up to len bytes of data (data may be NULL when len is 0) and
 * return the first event they complete, or FR_XMPP_MORE.  *taken says
 * how many of them the reader took: after an event it may hold some it
 * has not parsed yet, which the next call parses first (call again,
 * with the bytes after those taken, or with none, until FR_XMPP_MORE).
 * The offset of each event's end counts from the stream's first byte.
 * After FR_XMPP_ERROR every call returns FR_XMPP_ERROR again.
 */
enum fr_xmpp_event fr_xmpp_stream_feed(struct fr_xmpp_stream *s,
    const void *data, size_t len, size_t *taken);

/* Valid after FR_XMPP_HEADER (and forever after); NULL before. */
const struct fr_xmpp_stream_header *fr_xmpp_stream_header(
    const struct fr_xmpp_stream *s);
/* The last <stream:features> complete; NULL before the first. */
const struct fr_xmpp_stream_features *fr_xmpp_stream_features(
    const struct fr_xmpp_stream *s);
/* The last <stream:error> complete; NULL before the first. */
const struct fr_xmpp_stream_error *fr_xmpp_stream_peer_error(
    const struct fr_xmpp_stream *s);
/* The local name of the last top-level element complete, or "". */
const char *fr_xmpp_stream_element(const struct fr_xmpp_stream *s);
/* Bytes from the first one fed to the end of the last event. */
size_t fr_xmpp_stream_offset(const struct fr_xmpp_stream *s);
/* Why FR_XMPP_ERROR came ("" before). */
const char *fr_xmpp_stream_errstr(const struct fr_xmpp_stream *s);
/* The event's name, for logs: "header", "features", ... */
const char *fr_xmpp_event_name(enum fr_xmpp_event ev);

/* The allocation budget a reader with this max_bytes gets. */
size_t fr_xmpp_stream_memory_limit(size_t max_bytes);
/* The most it has held at once (for tests and measurements). */
size_t fr_xmpp_stream_memory_peak(const struct fr_xmpp_stream *s);

#endif /* FR_XMPPSTREAM_H */
