/*
 * xmppprobe.c -- stream header, features and STARTTLS.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "xmppprobe.h"

#define NS_TLS		"urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL		"urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_DIALBACK	"urn:xmpp:features:dialback"
#define NS_STREAMS	"urn:ietf:params:xml:ns:xmpp-streams"

/* One tag as the scanner sees it. */
struct tag {
	char name[64];			/* local name, without prefix */
	char xmlns[128];		/* its xmlns attribute, or "" */
	bool end;			/* </name> */
	bool empty;			/* <name/> */
	const char *text;		/* what follows '>', up to '<' */
	size_t textlen;
	bool text_complete;		/* ... and that '<' has arrived */
	size_t start;			/* offset of its '<' */
};

/*
 * The next complete tag at or after *pos in buf[0..len); false when
 * there is none yet.  Processing instructions and comments are skipped.
 */
static bool
next_tag(const char *buf, size_t len, size_t *pos, struct tag *t)
{
	size_t i = *pos, gt, n, k;
	const char *p;

	for (;;) {
		while (i < len && buf[i] != '<')
			i++;
		if (i >= len)
			return false;
		p = memchr(buf + i, '>', len - i);
		if (p == NULL)
			return false;
		gt = (size_t)(p - buf);
		if (buf[i + 1] == '?' || buf[i + 1] == '!') {
			i = gt + 1;	/* <?xml ...?>, <!-- --> */
			continue;
		}
		break;
	}
	memset(t, 0, sizeof(*t));
	t->start = i;
	k = i + 1;
	if (buf[k] == '/') {
		t->end = true;
		k++;
	}
	t->empty = gt > i && buf[gt - 1] == '/';
	n = 0;
	while (k < gt && !strchr(" \t\r\n/>", buf[k])) {
		if (buf[k] == ':')
			n = 0;	/* drop the prefix */
		else if (n < sizeof(t->name) - 1)
			t->name[n++] = buf[k];
		k++;
	}
	t->name[n] = '\0';
	/* xmlns='...' or xmlns="..." (not xmlns:prefix=) */
	for (; k + 7 < gt; k++) {
		char q;
		size_t e;

		if (strncmp(buf + k, "xmlns=", 6) != 0 ||
		    (buf[k - 1] != ' ' && buf[k - 1] != '\t' &&
		    buf[k - 1] != '\n' && buf[k - 1] != '\r'))
			continue;
		q = buf[k + 6];
		if (q != '\'' && q != '"')
			break;
		for (e = k + 7; e < gt && buf[e] != q; e++)
			;
		n = e - (k + 7);
		if (n >= sizeof(t->xmlns))
			n = sizeof(t->xmlns) - 1;
		memcpy(t->xmlns, buf + k + 7, n);
		t->xmlns[n] = '\0';
		break;
	}
	t->text = buf + gt + 1;
	p = memchr(t->text, '<', len - (gt + 1));
	t->textlen = p ? (size_t)(p - t->text) : len - (gt + 1);
	t->text_complete = p != NULL;
	*pos = gt + 1;
	return true;
}

/* Where reading the stream has got to. */
struct scan {
	size_t pos;
	int depth;			/* 1 = inside <stream:stream> */
	bool in_features, in_mechanisms, in_error;
	bool done;			/* features or error complete */
	bool closed;			/* </stream:stream> */
	struct fr_strbuf mechs;
};

static void
scan(struct scan *s, const char *buf, size_t len, struct fr_xmpp_features *f)
{
	struct tag t;

	while (!s->done && next_tag(buf, len, &s->pos, &t)) {
		if (t.end && s->depth == 0)
			continue;	/* nothing is open: ignore it */
		if (t.end) {
			if (s->depth == 1 && strcmp(t.name, "stream") == 0)
				s->closed = s->done = true;
			else if (s->depth == 2 && s->in_features)
				s->done = true;
			else if (s->depth == 2 && s->in_error)
				s->done = true;
			else if (strcmp(t.name, "mechanisms") == 0)
				s->in_mechanisms = false;
			s->depth--;
			continue;
		}
		if (s->depth == 0) {
			if (strcmp(t.name, "stream") == 0) {
				f->stream = true;
				s->depth = 1;
			}
			continue;	/* nothing else counts before it */
		}
		if (s->depth == 1) {
			s->in_features = strcmp(t.name, "features") == 0;
			s->in_error = strcmp(t.name, "error") == 0;
			f->features = f->features || s->in_features;
			if (t.empty)
				s->done = s->in_features || s->in_error;
		} else if (s->in_features && s->depth == 2) {
			if (strcmp(t.name, "starttls") == 0 &&
			    strcmp(t.xmlns, NS_TLS) == 0)
				f->starttls = true;
			else if (strcmp(t.name, "dialback") == 0 &&
			    strcmp(t.xmlns, NS_DIALBACK) == 0)
				f->dialback = true;
			else if (strcmp(t.name, "mechanisms") == 0 &&
			    strcmp(t.xmlns, NS_SASL) == 0)
				s->in_mechanisms = !t.empty;
		} else if (s->in_features && s->depth == 3) {
			if (strcmp(t.name, "required") == 0 && f->starttls &&
			    !s->in_mechanisms)
				f->starttls_required = true;
			else if (s->in_mechanisms &&
			    strcmp(t.name, "mechanism") == 0 && !t.empty) {
				if (!t.text_complete) {
					/* its name is still coming */
					s->pos = t.start;
					return;
				}
				fr_strbuf_item(&s->mechs, ", ", "%.*s",
				    (int)(t.textlen < 32 ? t.textlen : 32),
				    t.text);
				if (t.textlen == 8 &&
				    strncmp(t.text, "EXTERNAL", 8) == 0)
					f->sasl_external = true;
			}
		} else if (s->in_error && s->depth == 2 &&
		    f->stream_error[0] == '\0' &&
		    strcmp(t.xmlns, NS_STREAMS) == 0) {
			snprintf(f->stream_error, sizeof(f->stream_error),
			    "%s", t.name);
		}
		if (!t.empty)
			s->depth++;
	}
}

int
fr_xmpp_open(struct fr_conn *c, const char *domain, unsigned timeout_ms,
    struct fr_xmpp_features *f, char *err, size_t errlen)
{
	char buf[FR_XMPP_MAX_READ], head[512];
	double deadline = fr_now_ms() + timeout_ms;
	struct scan s;
	size_t len = 0;
	int n;

	memset(f, 0, sizeof(*f));
	memset(&s, 0, sizeof(s));
	fr_strbuf_init(&s.mechs, f->mechanisms, sizeof(f->mechanisms));
	n = snprintf(head, sizeof(head), "<?xml version='1.0'?>"
	    "<stream:stream xmlns='jabber:server' "
	    "xmlns:stream='http://etherx.jabber.org/streams' "
	    "xmlns:db='jabber:server:dialback' to='%s' version='1.0'>",
	    domain);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		snprintf(err, errlen, "domain name too long");
		return -1;
	}
	if (fr_conn_write(c, head, (size_t)n, deadline) != 0) {
		snprintf(err, errlen, "%s", c->error);
		return -1;
	}
	while (!s.done) {
		ssize_t r;

		if (len == sizeof(buf)) {
			snprintf(err, errlen, "no stream features in the first "
			    "%d bytes", FR_XMPP_MAX_READ);
			return -1;
		}
		r = fr_conn_read(c, buf + len, sizeof(buf) - len, deadline);
		if (r < 0 || r == 0) {
			snprintf(err, errlen, "%s", r == 0 ? (f->stream ?
			    "the peer closed the stream before its features" :
			    "the peer closed the connection without a stream "
			    "header") : c->status == FR_CONN_TIMEOUT ?
			    (f->stream ? "no stream features in time" :
			    "no stream header in time") : c->error);
			return -1;
		}
		len += (size_t)r;
		scan(&s, buf, len, f);
		if (!f->stream && len > 0 && memchr(buf, '<', len) == NULL) {
			f->not_xmpp = true;
			snprintf(err, errlen, "the peer does not speak XMPP "
			    "(no '<' in its first %zu bytes)", len);
			return -1;
		}
	}
	if (f->stream_error[0] != '\0' || !f->features) {
		snprintf(err, errlen, "stream error: %s", f->stream_error[0] ?
		    f->stream_error : "the peer closed the stream");
		return -1;
	}
	return 0;
}

int
fr_xmpp_starttls(struct fr_conn *c, unsigned timeout_ms, char *err,
    size_t errlen)
{
	static const char req[] = "<starttls xmlns='" NS_TLS "'/>";
	char buf[1024];
	double deadline = fr_now_ms() + timeout_ms;
	size_t len = 0, pos = 0;
	struct tag t;

	if (fr_conn_write(c, req, sizeof(req) - 1, deadline) != 0) {
		snprintf(err, errlen, "%s", c->error);
		return -1;
	}
	for (;;) {
		ssize_t r;

		while (next_tag(buf, len, &pos, &t)) {
			if (strcmp(t.name, "proceed") == 0 &&
			    strcmp(t.xmlns, NS_TLS) == 0)
				return 0;
			if (strcmp(t.name, "failure") == 0 ||
			    strcmp(t.name, "error") == 0) {
				snprintf(err, errlen, "the peer refused "
				    "STARTTLS (<%s/>)", t.name);
				return -1;
			}
		}
		if (len == sizeof(buf)) {
			snprintf(err, errlen, "no answer to <starttls/> in the "
			    "first %zu bytes", sizeof(buf));
			return -1;
		}
		r = fr_conn_read(c, buf + len, sizeof(buf) - len, deadline);
		if (r <= 0) {
			snprintf(err, errlen, "%s", r == 0 ? "the peer closed "
			    "the connection after <starttls/>" :
			    c->status == FR_CONN_TIMEOUT ? "no answer to "
			    "<starttls/> in time" : c->error);
			return -1;
		}
		len += (size_t)r;
	}
}

void
fr_xmpp_close(struct fr_conn *c)
{
	static const char bye[] = "</stream:stream>";

	if (c->fd >= 0)
		(void)fr_conn_write(c, bye, sizeof(bye) - 1, fr_now_ms() + 100);
}
