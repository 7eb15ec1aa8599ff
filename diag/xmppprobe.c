/*
 * xmppprobe.c -- stream header, features and STARTTLS, read through
 * proto/xmppstream (expat).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xmppprobe.h"
#include "xmppstream.h"

/* The answer to <starttls/> is one short element. */
#define STARTTLS_MAX_READ 1024

/* The bytes of one read, and what the stream reader has taken. */
struct reader {
	struct fr_xmpp_stream *s;
	char buf[4096];
	size_t pos, len;		/* buf[pos..len) not taken yet */
	size_t total, cap;		/* bytes read, and the most we read */
	ssize_t last;			/* of the last read: 0 closed, -1 */
};

/*
 * The stream's next event, reading as needed before the deadline.
 * FR_XMPP_MORE when no event could come: the peer closed (r->last 0),
 * reading failed (r->last -1, c says why) or r->cap bytes came.
 */
static enum fr_xmpp_event
next_event(struct reader *r, struct fr_conn *c, double deadline)
{
	for (;;) {
		enum fr_xmpp_event ev;
		size_t taken, want;

		ev = fr_xmpp_stream_feed(r->s, r->buf + r->pos,
		    r->len - r->pos, &taken);
		r->pos += taken;
		if (ev != FR_XMPP_MORE)
			return ev;
		if (r->total >= r->cap)
			return FR_XMPP_MORE;
		want = r->cap - r->total < sizeof(r->buf) ?
		    r->cap - r->total : sizeof(r->buf);
		r->last = fr_conn_read(c, r->buf, want, deadline);
		if (r->last <= 0)
			return FR_XMPP_MORE;
		r->pos = 0;
		r->len = (size_t)r->last;
		r->total += (size_t)r->last;
	}
}

/*
 * A reader of at most cap bytes: of a new stream, or (inside) of the
 * rest of the one fr_xmpp_open() read.  NULL when out of memory.
 */
static struct reader *
reader_new(size_t cap, bool inside)
{
	struct reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->cap = cap;
	r->s = inside ? fr_xmpp_stream_create_inside(cap, FR_XMPP_NS_SERVER) :
	    fr_xmpp_stream_create(cap);
	if (r->s == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
reader_delete(struct reader *r)
{
	fr_xmpp_stream_delete(r->s);
	free(r);
}

/* What the peer named, safe to print, in a field of ours. */
static void
keep_escaped(char *dst, size_t size, const char *peer)
{
	struct fr_strbuf sb;

	fr_strbuf_init(&sb, dst, size);
	fr_strbuf_escape(&sb, peer, strlen(peer));
}

static void
copy_features(struct fr_xmpp_features *f,
    const struct fr_xmpp_stream_features *sf)
{
	struct fr_strbuf sb;
	size_t i;

	f->features = true;
	f->starttls = sf->starttls;
	f->starttls_required = sf->starttls_required;
	f->dialback = sf->dialback;
	f->sasl_external = sf->sasl_external;
	/* the names are RFC 4422 names: [A-Z0-9-_] only */
	fr_strbuf_init(&sb, f->mechanisms, sizeof(f->mechanisms));
	for (i = 0; i < sf->nmech; i++)
		fr_strbuf_item(&sb, ", ", "%s", sf->mech[i]);
}

int
fr_xmpp_open(struct fr_conn *c, const char *domain, unsigned timeout_ms,
    struct fr_xmpp_features *f, char *err, size_t errlen)
{
	char head[512];
	double deadline = fr_now_ms() + timeout_ms;
	const struct fr_xmpp_stream_error *se;
	struct reader *r;
	int n, rc = -1;

	memset(f, 0, sizeof(*f));
	n = snprintf(head, sizeof(head), "<?xml version='1.0'?>"
	    "<stream:stream xmlns='jabber:server' "
	    "xmlns:stream='http://etherx.jabber.org/streams' "
	    "xmlns:db='jabber:server:dialback' to='%s' version='1.0'>",
	    domain);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		snprintf(err, errlen, "domain name too long");
		return -1;
	}
	if ((r = reader_new(FR_XMPP_MAX_READ, false)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (fr_conn_write(c, head, (size_t)n, deadline) != 0) {
		snprintf(err, errlen, "%s", c->error);
		goto out;
	}
	for (;;) {
		switch (next_event(r, c, deadline)) {
		case FR_XMPP_HEADER:
			f->stream = true;
			continue;
		case FR_XMPP_FEATURES:
			copy_features(f, fr_xmpp_stream_features(r->s));
			rc = 0;
			goto out;
		case FR_XMPP_STREAM_ERROR:
			se = fr_xmpp_stream_peer_error(r->s);
			keep_escaped(f->stream_error, sizeof(f->stream_error),
			    se->condition[0] ? se->condition : "undefined");
			snprintf(err, errlen, "stream error: %s",
			    f->stream_error);
			goto out;
		case FR_XMPP_CLOSED:
			snprintf(err, errlen, "stream error: the peer closed "
			    "the stream");
			goto out;
		case FR_XMPP_ERROR:
			/* what is not even a stream header is no XMPP */
			f->not_xmpp = !f->stream;
			snprintf(err, errlen, "%s%s%s", f->not_xmpp ?
			    "the peer does not speak XMPP (" : "",
			    fr_xmpp_stream_errstr(r->s), f->not_xmpp ? ")" :
			    "");
			goto out;
		case FR_XMPP_MORE:
			if (r->total >= r->cap)
				snprintf(err, errlen, "no stream features in "
				    "the first %d bytes", FR_XMPP_MAX_READ);
			else
				snprintf(err, errlen, "%s", r->last == 0 ?
				    (f->stream ? "the peer closed the stream "
				    "before its features" : "the peer closed "
				    "the connection without a stream header") :
				    c->status == FR_CONN_TIMEOUT ? (f->stream ?
				    "no stream features in time" :
				    "no stream header in time") : c->error);
			goto out;
		default:	/* stanzas or dialback before the features */
			continue;
		}
	}
out:
	reader_delete(r);
	return rc;
}

int
fr_xmpp_starttls(struct fr_conn *c, unsigned timeout_ms, char *err,
    size_t errlen)
{
	static const char req[] = "<starttls xmlns='" FR_XMPP_NS_TLS "'/>";
	double deadline = fr_now_ms() + timeout_ms;
	char cond[FR_XMPP_COND_MAX];
	struct reader *r;
	int rc = -1;

	if (fr_conn_write(c, req, sizeof(req) - 1, deadline) != 0) {
		snprintf(err, errlen, "%s", c->error);
		return -1;
	}
	/* the answer comes inside the stream fr_xmpp_open() read */
	if ((r = reader_new(STARTTLS_MAX_READ, true)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		switch (next_event(r, c, deadline)) {
		case FR_XMPP_PROCEED:
			rc = 0;
			goto out;
		case FR_XMPP_FAILURE:
			snprintf(err, errlen, "the peer refused STARTTLS "
			    "(<failure/>)");
			goto out;
		case FR_XMPP_STREAM_ERROR:
			keep_escaped(cond, sizeof(cond),
			    fr_xmpp_stream_peer_error(r->s)->condition);
			snprintf(err, errlen, "the peer refused STARTTLS "
			    "(stream error %s)", cond[0] ? cond : "undefined");
			goto out;
		case FR_XMPP_CLOSED:
			snprintf(err, errlen, "the peer closed the stream "
			    "after <starttls/>");
			goto out;
		case FR_XMPP_ERROR:
			snprintf(err, errlen, "%s",
			    fr_xmpp_stream_errstr(r->s));
			goto out;
		case FR_XMPP_MORE:
			if (r->total >= r->cap)
				snprintf(err, errlen, "no answer to "
				    "<starttls/> in the first %d bytes",
				    STARTTLS_MAX_READ);
			else
				snprintf(err, errlen, "%s", r->last == 0 ?
				    "the peer closed the connection after "
				    "<starttls/>" : c->status ==
				    FR_CONN_TIMEOUT ? "no answer to "
				    "<starttls/> in time" : c->error);
			goto out;
		default:	/* anything else is not the answer */
			continue;
		}
	}
out:
	reader_delete(r);
	return rc;
}

void
fr_xmpp_close(struct fr_conn *c)
{
	static const char bye[] = "</stream:stream>";

	if (c->fd >= 0)
		(void)fr_conn_write(c, bye, sizeof(bye) - 1, fr_now_ms() + 100);
}
