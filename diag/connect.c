/*
 * connect.c -- probe the targets of a plan: up to FR_CONNECT_PARALLEL
 * addresses at once, as a router racing them would, all within the
 * deadline; findings reported in plan order whatever order the probes
 * end in.
 *
 * Threads, one blocking probe each: the probes (probe.c, sipprobe.c,
 * xmppprobe.c, certcheck.c) are written as sequential blocking steps
 * with their own time-outs, and touch nothing shared but the TLS
 * context and trust store, which OpenSSL locks.  A probe keeps its
 * findings in its task; they go into the diagnosis after every thread
 * has ended, in plan order.
 */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "connect.h"
#include "probe.h"
#include "strbuf.h"

/* ALPN of XEP-0368 direct TLS for servers, in wire format. */
static const unsigned char alpn_xmpp_server[] = "\013xmpp-server";

/* An address is not probed with less time than this left. */
#define MIN_START_MS	10

/* A finding held until the report is put in plan order. */
struct held {
	enum fr_check id;
	enum fr_severity sev;
	char *message;
};

/* One address to probe, and what its probe found. */
struct task {
	size_t ti;			/* plan target */
	struct fr_probe *p;
	struct held *found;
	size_t nfound;
	bool incomplete;		/* a check could not run, or a
					   finding was lost to malloc */
	bool limited;			/* a step had less time than
					   --connect-timeout: the deadline's */
	bool cut;			/* the deadline ended it, or came
					   before it began */
};

/* What every probe thread reads; next is taken under lock. */
struct ctx {
	const struct fr_connect_conf *conf;
	const struct fr_plan *plan;
	SSL_CTX *ssl;
	X509_STORE *store;
	unsigned timeout_ms;
	double deadline;		/* fr_now_ms() at which to stop */
	struct task *task;		/* a thread's own copy: its task */
	struct task *tasks;
	size_t ntasks;
	size_t *next;
	pthread_mutex_t *lock;
};

/* ---- findings ------------------------------------------------------------ */

/* "host 192.0.2.1:5061/tls", the prefix of every probe finding. */
static void
where(const struct fr_target *t, const struct fr_address *a, char *buf,
    size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	fr_address_str(a, ip, sizeof(ip));
	snprintf(buf, len, a->family == AF_INET6 ? "%s [%s]:%u/%s" :
	    "%s %s:%u/%s", t->host, ip, t->port,
	    fr_transport_name(t->transport));
}

static void finding(struct ctx *x, size_t ti, struct fr_probe *p,
    enum fr_check id, enum fr_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
finding(struct ctx *x, size_t ti, struct fr_probe *p, enum fr_check id,
    enum fr_severity sev, const char *fmt, ...)
{
	char at[FR_DNAME_MAX + 64], msg[768];
	struct task *t = x->task;
	struct held *grown;
	va_list ap;

	where(&x->plan->targets[ti], &p->addr, at, sizeof(at));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sev == FR_SEV_ERROR)
		p->usable = false;
	if ((grown = realloc(t->found, (t->nfound + 1) *
	    sizeof(*t->found))) == NULL) {
		t->incomplete = true;
		return;
	}
	t->found = grown;
	grown[t->nfound].id = id;
	grown[t->nfound].sev = sev;
	if (asprintf(&grown[t->nfound].message, "%s: %s", at, msg) < 0) {
		t->incomplete = true;
		return;
	}
	t->nfound++;
}

/*
 * Time for the next step: --connect-timeout, or what is left before the
 * deadline when that is less (at least 1 ms, so the step fails at once
 * rather than waiting without end).
 */
static unsigned
budget(struct ctx *x)
{
	double left = x->deadline - fr_now_ms();

	if (left >= x->timeout_ms)
		return x->timeout_ms;
	x->task->limited = true;
	return left < 1 ? 1 : (unsigned)left;
}

static void
step_begin(struct fr_step *s, double *t0)
{
	s->run = true;
	*t0 = fr_now_ms();
}

static void
step_end(struct fr_step *s, double t0, bool ok, const char *error)
{
	s->ms = fr_now_ms() - t0;
	s->ok = ok;
	if (!ok)
		snprintf(s->error, sizeof(s->error), "%s", error);
}

/* ---- certificate verdicts ------------------------------------------------ */

static void
judge_cert(struct ctx *x, size_t ti, struct fr_probe *p)
{
	const struct fr_target *t = &x->plan->targets[ti];
	const struct fr_cert_info *c = &p->cert;
	char names[512];

	if (!c->trusted)
		finding(x, ti, p, FR_CHECK_CERT_UNTRUSTED, FR_SEV_ERROR,
		    "certificate not trusted (%s); issuer %s", c->verify_error,
		    c->nchain > 1 ? c->chain[c->nchain - 1].issuer :
		    c->chain[0].issuer);
	if (c->expired)
		finding(x, ti, p, FR_CHECK_CERT_EXPIRED, FR_SEV_ERROR,
		    "certificate %s has expired (leaf valid until %s)",
		    c->expired_subject, c->chain[0].not_after);
	else if (c->not_yet_valid)
		finding(x, ti, p, FR_CHECK_CERT_NOT_YET_VALID, FR_SEV_ERROR,
		    "certificate not valid before %s; check the clocks",
		    c->chain[0].not_before);
	else if (c->days_left < FR_CERT_EXPIRING_DAYS)
		finding(x, ti, p, FR_CHECK_CERT_EXPIRING, FR_SEV_WARNING,
		    "certificate expires in %ld day%s (%s)", c->days_left,
		    c->days_left == 1 ? "" : "s", c->chain[0].not_after);

	/*
	 * Which name must match: the domain for SIP (RFC 5922) and XMPP
	 * (RFC 6125/6120); the SRV target for Microsoft federation, whose
	 * edges check the FQDN they looked up.  For SIP and Microsoft the
	 * other name matching is a warning: some peers accept it.
	 */
	fr_cert_names_join(c, names, sizeof(names));
	switch (x->plan->profile) {
	case FR_PROFILE_XMPP_S2S:
		if (c->rfc6125 == FR_NAME_MISMATCH)
			finding(x, ti, p, FR_CHECK_CERT_NAME_MISMATCH,
			    FR_SEV_ERROR, "certificate names (%s) do not "
			    "include %s as DNS-ID, SRV-ID or XmppAddr (RFC "
			    "6125, RFC 6120)", names, x->plan->domain);
		return;
	case FR_PROFILE_SIP:
		if (c->rfc5922 != FR_NAME_MISMATCH)
			return;
		if (c->srv_target == FR_NAME_MATCH)
			finding(x, ti, p, FR_CHECK_CERT_NAME_MISMATCH,
			    FR_SEV_WARNING, "certificate names (%s) match the "
			    "SRV target %s but not the domain %s (RFC 5922: "
			    "sip: URI or DNS name, no wildcard); strict peers "
			    "refuse it", names, t->host, x->plan->domain);
		else
			finding(x, ti, p, FR_CHECK_CERT_NAME_MISMATCH,
			    FR_SEV_ERROR, "certificate names (%s) do not "
			    "match the domain %s (RFC 5922: sip: URI or DNS "
			    "name, no wildcard)%s", names, x->plan->domain,
			    c->srv_target == FR_NAME_MISMATCH ?
			    ", nor the SRV target" : "");
		return;
	case FR_PROFILE_MSFED:
		if (c->srv_target != FR_NAME_MISMATCH)
			return;
		if (c->rfc5922 == FR_NAME_MATCH)
			finding(x, ti, p, FR_CHECK_CERT_NAME_MISMATCH,
			    FR_SEV_WARNING, "certificate names (%s) match the "
			    "domain %s but not the SRV target %s, which "
			    "Microsoft edges check", names,
			    x->plan->domain, t->host);
		else
			finding(x, ti, p, FR_CHECK_CERT_NAME_MISMATCH,
			    FR_SEV_ERROR, "certificate names (%s) match "
			    "neither the SRV target %s nor the domain %s",
			    names, t->host, x->plan->domain);
		return;
	}
}

/* ---- the steps ----------------------------------------------------------- */

/*
 * A TLS port failed the handshake: does it answer in plain text?  A new
 * connection sends what the target's protocol would say in the clear.
 */
static bool
plain_answers(struct ctx *x, size_t ti, struct fr_probe *p, const char *why)
{
	const struct fr_target *t = &x->plan->targets[ti];
	struct fr_xmpp_features f;
	struct fr_sip_result r;
	struct fr_conn c;
	char err[256], said[160];
	bool yes = false;

	fr_conn_init(&c);
	if (fr_conn_open(&c, &p->addr, t->port, SOCK_STREAM,
	    budget(x)) == 0) {
		if (x->plan->profile == FR_PROFILE_XMPP_S2S) {
			yes = fr_xmpp_open(&c, x->plan->domain, budget(x),
			    &f, err, sizeof(err)) == 0 || f.stream;
			snprintf(said, sizeof(said), "an XMPP stream header");
		} else {
			yes = fr_sip_options(&c, FR_TRANSPORT_TCP,
			    x->plan->domain, budget(x), &r, err,
			    sizeof(err)) == 0;
			snprintf(said, sizeof(said), "\"%s\"", r.status_line);
		}
	}
	fr_conn_close(&c);
	if (yes) {
		p->port_speaks = "plain";
		finding(x, ti, p, FR_CHECK_PLAIN_ON_TLS_PORT, FR_SEV_ERROR,
		    "%s; the port answers in plain text instead (%s)", why,
		    said);
	}
	return yes;
}

/* A plain port closed on us: does it complete a TLS handshake? */
static bool
tls_answers(struct ctx *x, size_t ti, struct fr_probe *p, const char *why)
{
	const struct fr_target *t = &x->plan->targets[ti];
	struct fr_conn c;
	bool yes;

	fr_conn_init(&c);
	yes = fr_conn_open(&c, &p->addr, t->port, SOCK_STREAM,
	    budget(x)) == 0 && fr_conn_tls(&c, x->ssl, x->plan->domain,
	    NULL, 0, budget(x)) == 0;
	fr_conn_close(&c);
	if (yes) {
		p->port_speaks = "tls";
		finding(x, ti, p, FR_CHECK_TLS_ON_PLAIN_PORT, FR_SEV_ERROR,
		    "%s; the port completes a TLS handshake instead: it "
		    "wants TLS, not plain %s", why,
		    x->plan->profile == FR_PROFILE_XMPP_S2S ? "XMPP" : "SIP");
	}
	return yes;
}

/* One OPTIONS over the open connection; findings for what it got. */
static void
sip_step(struct ctx *x, size_t ti, struct fr_probe *p, struct fr_conn *c)
{
	const struct fr_target *t = &x->plan->targets[ti];
	struct fr_sip_result *r = &p->sip_result;
	char err[256];
	double t0;

	step_begin(&p->sip, &t0);
	if (fr_sip_options(c, t->transport, x->plan->domain, budget(x),
	    r, err, sizeof(err)) != 0) {
		step_end(&p->sip, t0, false, err);
		if (c->status == FR_CONN_REFUSED)	/* ICMP, over UDP */
			finding(x, ti, p, FR_CHECK_CONNECT_REFUSED,
			    FR_SEV_ERROR, "%s (port unreachable)", err);
		else if (t->transport != FR_TRANSPORT_TCP ||
		    c->status == FR_CONN_TIMEOUT || !tls_answers(x, ti, p, err))
			finding(x, ti, p, FR_CHECK_SIP_OPTIONS_NO_ANSWER,
			    FR_SEV_ERROR, "%s", err);
		return;
	}
	step_end(&p->sip, t0, true, NULL);
	if (r->status >= 500)
		finding(x, ti, p, FR_CHECK_SIP_OPTIONS_ERROR, FR_SEV_ERROR,
		    "OPTIONS answered \"%s\"", r->status_line);
	else if (r->status >= 300)
		finding(x, ti, p, FR_CHECK_SIP_OPTIONS_ERROR, FR_SEV_WARNING,
		    "OPTIONS answered \"%s\": the server is there but "
		    "refuses us", r->status_line);
}

static bool
tls_step(struct ctx *x, size_t ti, struct fr_probe *p, struct fr_conn *c)
{
	const struct fr_target *t = &x->plan->targets[ti];
	bool direct_xmpp = x->plan->profile == FR_PROFILE_XMPP_S2S &&
	    t->transport == FR_TRANSPORT_TLS;
	struct fr_cert_want want;
	STACK_OF(X509) *chain;
	X509 *leaf;
	double t0;

	step_begin(&p->tls, &t0);
	if (fr_conn_tls(c, x->ssl, x->plan->domain, direct_xmpp ?
	    alpn_xmpp_server : NULL, direct_xmpp ?
	    sizeof(alpn_xmpp_server) - 1 : 0, budget(x)) != 0) {
		step_end(&p->tls, t0, false, c->error);
		/*
		 * A plain-text server may close on a ClientHello, answer
		 * garbage, or (as most SIP servers do) wait for the end of
		 * a message that never comes: ask it in plain text.
		 */
		if (!plain_answers(x, ti, p, c->error))
			finding(x, ti, p, FR_CHECK_TLS_HANDSHAKE_FAILED,
			    FR_SEV_ERROR, "%s", c->error);
		return false;
	}
	step_end(&p->tls, t0, true, NULL);
	snprintf(p->protocol, sizeof(p->protocol), "%s",
	    SSL_get_version(c->ssl));
	snprintf(p->cipher, sizeof(p->cipher), "%s",
	    SSL_get_cipher_name(c->ssl));

	if ((leaf = SSL_get1_peer_certificate(c->ssl)) == NULL) {
		finding(x, ti, p, FR_CHECK_CERT_UNTRUSTED, FR_SEV_ERROR,
		    "the server sent no certificate");
		return true;
	}
	chain = SSL_get_peer_cert_chain(c->ssl);
	memset(&want, 0, sizeof(want));
	want.domain = x->plan->domain;
	want.sip = x->plan->profile != FR_PROFILE_XMPP_S2S;
	want.xmpp = x->plan->profile == FR_PROFILE_XMPP_S2S;
	want.direct_tls = direct_xmpp;
	/* the target's own name, when DNS records named it */
	if (t->from_srv || t->has_naptr)
		want.target = t->host;
	if (fr_cert_examine(leaf, chain, x->store, &want, &p->cert) == 0) {
		p->has_cert = true;
		judge_cert(x, ti, p);
	} else {
		x->task->incomplete = true;
	}
	X509_free(leaf);
	return true;
}

/* XMPP over TCP: the plain stream, its features, then <starttls/>. */
static bool
starttls_step(struct ctx *x, size_t ti, struct fr_probe *p,
    struct fr_conn *c)
{
	char err[256];
	double t0;

	step_begin(&p->starttls, &t0);
	if (fr_xmpp_open(c, x->plan->domain, budget(x), &p->xmpp_plain,
	    err, sizeof(err)) != 0) {
		p->has_xmpp_plain = p->xmpp_plain.stream;
		step_end(&p->starttls, t0, false, err);
		if (p->xmpp_plain.stream || c->status == FR_CONN_TIMEOUT ||
		    !tls_answers(x, ti, p, err))
			finding(x, ti, p, FR_CHECK_XMPP_STREAM_FAILED,
			    FR_SEV_ERROR, "%s", err);
		return false;
	}
	p->has_xmpp_plain = true;
	if (!p->xmpp_plain.starttls) {
		step_end(&p->starttls, t0, false, "STARTTLS not offered");
		finding(x, ti, p, FR_CHECK_XMPP_NO_STARTTLS, FR_SEV_ERROR,
		    "the stream features do not offer STARTTLS");
		return false;
	}
	if (fr_xmpp_starttls(c, budget(x), err, sizeof(err)) != 0) {
		step_end(&p->starttls, t0, false, err);
		finding(x, ti, p, FR_CHECK_TLS_HANDSHAKE_FAILED, FR_SEV_ERROR,
		    "STARTTLS: %s", err);
		return false;
	}
	step_end(&p->starttls, t0, true, NULL);
	return true;
}

static void
xmpp_step(struct ctx *x, size_t ti, struct fr_probe *p, struct fr_conn *c)
{
	char err[256];
	double t0;

	step_begin(&p->xmpp, &t0);
	if (fr_xmpp_open(c, x->plan->domain, budget(x), &p->xmpp_tls,
	    err, sizeof(err)) != 0) {
		p->has_xmpp_tls = p->xmpp_tls.stream;
		step_end(&p->xmpp, t0, false, err);
		finding(x, ti, p, FR_CHECK_XMPP_STREAM_FAILED, FR_SEV_ERROR,
		    "after TLS: %s", err);
		return;
	}
	p->has_xmpp_tls = true;
	step_end(&p->xmpp, t0, true, NULL);
	fr_xmpp_close(c);
}

static void
probe(struct ctx *x, size_t ti, struct fr_probe *p)
{
	const struct fr_target *t = &x->plan->targets[ti];
	bool xmpp = x->plan->profile == FR_PROFILE_XMPP_S2S;
	bool udp = t->transport == FR_TRANSPORT_UDP;
	struct fr_conn c;
	double t0;

	if (t->transport == FR_TRANSPORT_SCTP ||
	    t->transport == FR_TRANSPORT_SCTP_TLS) {
		p->skipped = "SCTP is not probed";
		return;
	}
	p->usable = true;
	fr_conn_init(&c);
	if (udp) {
		/* no handshake to time: the OPTIONS exchange is the probe */
		if (fr_conn_open(&c, &p->addr, t->port, SOCK_DGRAM,
		    budget(x)) != 0) {
			finding(x, ti, p, FR_CHECK_CONNECT_FAILED,
			    FR_SEV_ERROR, "%s", c.error);
			goto done;
		}
		sip_step(x, ti, p, &c);
		goto done;
	}
	step_begin(&p->tcp, &t0);
	if (fr_conn_open(&c, &p->addr, t->port, SOCK_STREAM,
	    budget(x)) != 0) {
		step_end(&p->tcp, t0, false, c.error);
		finding(x, ti, p, c.status == FR_CONN_REFUSED ?
		    FR_CHECK_CONNECT_REFUSED : c.status == FR_CONN_TIMEOUT ?
		    FR_CHECK_CONNECT_TIMEOUT : FR_CHECK_CONNECT_FAILED,
		    FR_SEV_ERROR, "%s", c.error);
		goto done;
	}
	step_end(&p->tcp, t0, true, NULL);
	if (t->transport == FR_TRANSPORT_TCP && !xmpp) {
		sip_step(x, ti, p, &c);		/* plain SIP */
		goto done;
	}
	if (xmpp && t->transport == FR_TRANSPORT_TCP &&
	    !starttls_step(x, ti, p, &c))
		goto done;
	if (!tls_step(x, ti, p, &c))
		goto done;
	if (xmpp)
		xmpp_step(x, ti, p, &c);
	else
		sip_step(x, ti, p, &c);
done:
	fr_conn_close(&c);
}

/* ---- entry --------------------------------------------------------------- */

static int
tls_setup(struct ctx *x, char *err, size_t errlen)
{
	if ((x->ssl = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (x->store = X509_STORE_new()) == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return -1;
	}
	/* The library's defaults (protocols, ciphers, security level) are
	 * what the router would use: no loosening for the probe. */
	SSL_CTX_set_verify(x->ssl, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(x->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (x->conf->ca_file != NULL) {
		if (X509_STORE_load_file(x->store, x->conf->ca_file) != 1) {
			snprintf(err, errlen, "%s: no certificate to trust",
			    x->conf->ca_file);
			ERR_clear_error();
			return -1;
		}
	} else if (X509_STORE_set_default_paths(x->store) != 1) {
		snprintf(err, errlen, "cannot load the system's trusted "
		    "certificates");
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int
fr_connect_check_ca(const char *path, char *err, size_t errlen)
{
	X509_STORE *store = X509_STORE_new();
	int rc = 0;

	if (store == NULL || X509_STORE_load_file(store, path) != 1) {
		snprintf(err, errlen, "--ca %s: not a readable PEM file of "
		    "certificates", path);
		rc = -1;
	}
	X509_STORE_free(store);
	ERR_clear_error();
	return rc;
}

/* A probe thread: take the next address until none is left. */
static void *
prober(void *arg)
{
	struct ctx x = *(struct ctx *)arg;
	struct task *t;
	size_t i;

	for (;;) {
		pthread_mutex_lock(x.lock);
		i = (*x.next)++;
		pthread_mutex_unlock(x.lock);
		if (i >= x.ntasks)
			break;
		t = x.task = &x.tasks[i];
		/* Not worth starting with less than a step's worth of
		 * milliseconds; a step's time is truncated to whole ones,
		 * so one may end a fraction early. */
		if (fr_now_ms() >= x.deadline - MIN_START_MS) {
			t->p->skipped = "the --deadline was reached first";
			t->cut = true;
			continue;
		}
		probe(&x, t->ti, t->p);
		/* Failed with a step the deadline shortened, and the time
		 * ran out: it might have passed with its full time. */
		t->cut = t->limited && t->p->skipped == NULL &&
		    !t->p->usable && fr_now_ms() >= x.deadline - MIN_START_MS;
	}
	return NULL;
}

/* Run the tasks on up to FR_CONNECT_PARALLEL threads; this one too
 * when no thread can be had. */
static void
run_tasks(struct ctx *x)
{
	pthread_t th[FR_CONNECT_PARALLEL];
	size_t i, n = 0, want;

	want = x->ntasks < FR_CONNECT_PARALLEL ? x->ntasks :
	    FR_CONNECT_PARALLEL;
	for (i = 0; i < want; i++)
		if (pthread_create(&th[n], NULL, prober, x) == 0)
			n++;
	if (n == 0)
		(void)prober(x);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

/* The findings of every task into diag, in plan order. */
static void
report_tasks(const struct ctx *x, struct fr_connect *out,
    struct fr_diag *diag, unsigned deadline_ms)
{
	char at[FR_DNAME_MAX + 64];
	size_t i, j;

	for (i = 0; i < x->ntasks; i++) {
		struct task *t = &x->tasks[i];

		for (j = 0; j < t->nfound; j++)
			fr_diag_add(diag, t->found[j].id, t->found[j].sev,
			    (int)t->ti, "%s", t->found[j].message);
		if (t->cut) {
			where(&x->plan->targets[t->ti], &t->p->addr, at,
			    sizeof(at));
			fr_diag_add(diag, FR_CHECK_CONNECT_DEADLINE,
			    FR_SEV_WARNING, (int)t->ti, t->p->skipped != NULL ?
			    "%s: not probed: the --deadline of %u ms was "
			    "reached first" : "%s: probe cut short by the "
			    "--deadline of %u ms", at, deadline_ms);
			out->cut++;
		}
		if (t->incomplete)
			diag->incomplete = true;
		if (t->p->skipped != NULL)
			continue;
		out->probed++;
		out->usable += t->p->usable;
	}
}

int
fr_connect_run(const struct fr_connect_conf *conf, const struct fr_plan *plan,
    struct fr_connect *out, struct fr_diag *diag, char *err, size_t errlen)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	unsigned deadline_ms;
	struct ctx x;
	size_t ti, a, n, next = 0;
	int rc = -1;

	memset(&x, 0, sizeof(x));
	x.conf = conf;
	x.plan = plan;
	x.timeout_ms = conf->timeout_ms ? conf->timeout_ms :
	    FR_CONNECT_DEFAULT_TIMEOUT_MS;
	deadline_ms = conf->deadline_ms ? conf->deadline_ms :
	    FR_CONNECT_DEFAULT_DEADLINE_MS;
	x.deadline = fr_now_ms() + deadline_ms;
	x.next = &next;
	x.lock = &lock;
	out->run = true;
	if (tls_setup(&x, err, errlen) != 0)
		goto done;
	if (plan->ntargets > 0 && (out->targets = calloc(plan->ntargets,
	    sizeof(*out->targets))) == NULL)
		goto nomem;
	out->ntargets = plan->ntargets;
	for (ti = n = 0; ti < plan->ntargets; ti++) {
		const struct fr_target *t = &plan->targets[ti];
		struct fr_connect_target *ct = &out->targets[ti];

		if (t->naddrs > 0 && (ct->probes = calloc(t->naddrs,
		    sizeof(*ct->probes))) == NULL)
			goto nomem;
		ct->nprobes = t->naddrs;
		n += t->naddrs;
	}
	if (n > 0 && (x.tasks = calloc(n, sizeof(*x.tasks))) == NULL)
		goto nomem;
	for (ti = 0; ti < plan->ntargets; ti++)
		for (a = 0; a < out->targets[ti].nprobes; a++) {
			struct task *t = &x.tasks[x.ntasks++];

			t->ti = ti;
			t->p = &out->targets[ti].probes[a];
			t->p->addr = plan->targets[ti].addrs[a];
		}
	run_tasks(&x);
	report_tasks(&x, out, diag, deadline_ms);
	if (out->probed > 0 && out->usable == 0)
		fr_diag_add(diag, FR_CHECK_NO_TARGET_USABLE, FR_SEV_ERROR, -1,
		    "none of the %u target address%s probed passed: "
		    "federation with %s will fail", out->probed,
		    out->probed == 1 ? "" : "es", plan->domain);
	rc = 0;
	goto done;
nomem:
	snprintf(err, errlen, "out of memory");
done:
	for (n = 0; n < x.ntasks; n++) {
		for (a = 0; a < x.tasks[n].nfound; a++)
			free(x.tasks[n].found[a].message);
		free(x.tasks[n].found);
	}
	free(x.tasks);
	SSL_CTX_free(x.ssl);
	X509_STORE_free(x.store);
	return rc;
}

void
fr_connect_clear(struct fr_connect *cn)
{
	size_t i;

	for (i = 0; i < cn->ntargets; i++)
		free(cn->targets[i].probes);
	free(cn->targets);
	memset(cn, 0, sizeof(*cn));
}
