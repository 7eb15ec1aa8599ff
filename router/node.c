/*
 * node.c -- node objects, their settings and TLS session reuse.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "log.h"
#include "checker.h"
#include "node.h"
#include "tls.h"

/* Where an SSL keeps the node it connects to, for new_session(). */
static int node_ex_index = -1;

/*
 * OpenSSL hands over each session the node issues (TLS 1.3 tickets
 * arrive after the handshake): keep the newest, so that the next
 * connection to this node resumes instead of a full handshake.
 *
 * The node keeps a copy, never the connection's own object: OpenSSL
 * marks a connection's session as not resumable when the connection is
 * freed without close_notify sent -- and OpenSSL 3.0 forgets that it
 * was sent when the peer then closes without one (its handling of
 * SSL_OP_IGNORE_UNEXPECTED_EOF resets the shutdown flags).  The node's
 * stored session would go with it.
 */
static int
new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct fr_node *n = SSL_get_ex_data(ssl, node_ex_index);
	SSL_SESSION *copy;

	if (n == NULL || n->set->tls != SSL_get_SSL_CTX(ssl) ||
	    !SSL_SESSION_is_resumable(sess) ||
	    (copy = SSL_SESSION_dup(sess)) == NULL)
		return 0;
	SSL_SESSION_free(n->tls_session);
	n->tls_session = copy;
	fr_log(LOG_DEBUG, "node %s: TLS session kept for resumption",
	    n->name);
	return 0;			/* the connection keeps its own */
}

uint64_t
fr_node_key(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a 64 */

	for (; *name != '\0'; name++) {
		h ^= (unsigned char)*name;
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct fr_node_settings *
fr_node_settings_new(const struct fr_node_conf *conf, char *err,
    size_t errlen)
{
	struct fr_node_settings *set;

	if (node_ex_index < 0 && (node_ex_index = SSL_get_ex_new_index(0,
	    NULL, NULL, NULL, NULL)) < 0) {
		snprintf(err, errlen, "node %s: OpenSSL has no room for its "
		    "data", conf->name);
		return NULL;
	}
	if ((set = calloc(1, sizeof(*set))) == NULL)
		goto oom;
	set->weight = conf->weight;
	set->on_down = conf->on_down;
	set->check = conf->check;
	set->verify = conf->tls.verify;
	if (conf->check_domain != NULL &&
	    (set->check_domain = strdup(conf->check_domain)) == NULL)
		goto oom;
	if (conf->transport != FR_NODE_TLS)
		return set;
	if (conf->tls.server_name != NULL &&
	    (set->server_name = strdup(conf->tls.server_name)) == NULL)
		goto oom;
	if ((set->tls = fr_tls_client_ctx_new(&conf->tls, err,
	    errlen)) == NULL) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "node %s: %s", conf->name, why);
		fr_node_settings_free(set);
		return NULL;
	}
	SSL_CTX_set_session_cache_mode(set->tls, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(set->tls, new_session);
	return set;
oom:
	snprintf(err, errlen, "node %s: out of memory", conf->name);
	fr_node_settings_free(set);
	return NULL;
}

void
fr_node_settings_free(struct fr_node_settings *set)
{
	if (set == NULL)
		return;
	SSL_CTX_free(set->tls);
	free(set->server_name);
	free(set->check_domain);
	free(set);
}

struct fr_node *
fr_node_create(const struct fr_node_conf *conf, struct fr_node_settings *set)
{
	struct fr_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->refs = 1;
	snprintf(n->name, sizeof(n->name), "%s", conf->name);
	n->addr = conf->addr;
	n->transport = conf->transport;
	n->key = fr_node_key(conf->name);
	n->set = set;
	n->up = true;
	TAILQ_INIT(&n->sessions);
	return n;
}

void
fr_node_ref(struct fr_node *n)
{
	n->refs++;
}

void
fr_node_unref(struct fr_node *n)
{
	if (n == NULL || --n->refs > 0)
		return;
	SSL_SESSION_free(n->tls_session);
	fr_node_settings_free(n->set);
	free(n);
}

bool
fr_node_same(const struct fr_node *n, const struct fr_node_conf *conf)
{
	return strcmp(n->name, conf->name) == 0 &&
	    fr_addr_equal(&n->addr, &conf->addr) &&
	    n->transport == conf->transport;
}

void
fr_node_apply(struct fr_node *n, struct fr_node_settings *set)
{
	/* A session from the old context may not fit the new one. */
	if (set->tls != n->set->tls) {
		SSL_SESSION_free(n->tls_session);
		n->tls_session = NULL;
	}
	fr_node_settings_free(n->set);
	n->set = set;
}

SSL *
fr_node_tls_new(struct fr_node *n, int fd)
{
	SSL_SESSION *copy;
	SSL *ssl = fr_tls_client_new(n->set->tls, fd, n->set->server_name,
	    &n->addr, n->set->verify);

	if (ssl == NULL)
		return NULL;
	if (!SSL_set_ex_data(ssl, node_ex_index, n)) {
		SSL_free(ssl);
		ERR_clear_error();
		return NULL;
	}
	/* A copy, for the same reason as in new_session(). */
	if (n->tls_session != NULL &&
	    (copy = SSL_SESSION_dup(n->tls_session)) != NULL) {
		SSL_set_session(ssl, copy);
		SSL_SESSION_free(copy);
	}
	ERR_clear_error();
	return ssl;
}

bool
fr_node_decided(const struct fr_node *n)
{
	return n->followed ? n->follow_decided :
	    fr_checker_decided(n->checker);
}
