/*
 * tls.c -- OpenSSL contexts and error text.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certname.h"
#include "tls.h"

/* Sessions the server side keeps for clients that cannot use tickets. */
#define SERVER_SESSION_CACHE	1024
#define SESSION_ID_CONTEXT	"fedrouted"

/*
 * Session-ticket keys of this process, shared by every server context:
 * set by the daemon (the same in every worker, so a ticket one worker
 * issued opens on any other).  A key is a 16-byte name, a 32-byte HMAC
 * key and a 32-byte AES key.  The previous key still opens tickets
 * after a rotation.  Process-wide rather than per context because it is
 * what a reload must keep: the new contexts take the old tickets.
 */
#define TICKET_NAME_LEN	16
#define TICKET_HMAC_LEN	32
static struct {
	bool have_cur, have_prev;
	unsigned char cur[FR_TLS_TICKET_KEY_LEN];
	unsigned char prev[FR_TLS_TICKET_KEY_LEN];
} ticket_keys;

int
fr_tls_ticket_key_new(unsigned char key[FR_TLS_TICKET_KEY_LEN])
{
	if (RAND_bytes(key, FR_TLS_TICKET_KEY_LEN) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

void
fr_tls_ticket_key_use(const unsigned char key[FR_TLS_TICKET_KEY_LEN])
{
	if (ticket_keys.have_cur && memcmp(ticket_keys.cur, key,
	    FR_TLS_TICKET_KEY_LEN) == 0)
		return;
	if (ticket_keys.have_cur) {
		memcpy(ticket_keys.prev, ticket_keys.cur,
		    sizeof(ticket_keys.prev));
		ticket_keys.have_prev = true;
	}
	memcpy(ticket_keys.cur, key, sizeof(ticket_keys.cur));
	ticket_keys.have_cur = true;
}

/* OpenSSL's ticket callback: seal with the current key; open with the
 * current or the previous one (2: open, and issue a fresh ticket). */
static int
ticket_cb(SSL *ssl, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	const unsigned char *key = NULL;
	OSSL_PARAM params[3];
	int rc = 1;

	(void)ssl;
	if (enc) {
		if (!ticket_keys.have_cur ||
		    RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1)
			return -1;
		key = ticket_keys.cur;
		memcpy(name, key, TICKET_NAME_LEN);
	} else if (ticket_keys.have_cur && memcmp(name, ticket_keys.cur,
	    TICKET_NAME_LEN) == 0) {
		key = ticket_keys.cur;
	} else if (ticket_keys.have_prev && memcmp(name, ticket_keys.prev,
	    TICKET_NAME_LEN) == 0) {
		key = ticket_keys.prev;
		rc = 2;
	} else {
		return 0;	/* unknown key: a full handshake */
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)(uintptr_t)(key + TICKET_NAME_LEN), TICKET_HMAC_LEN);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(hctx, params))
		return -1;
	if (enc ? !EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, key +
	    TICKET_NAME_LEN + TICKET_HMAC_LEN, iv) :
	    !EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, key +
	    TICKET_NAME_LEN + TICKET_HMAC_LEN, iv))
		return -1;
	return rc;
}

/* The latest queued OpenSSL error in words, or fallback. */
static const char *
queued_error(char *buf, size_t len, const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, len, "%s", r != NULL ? r : fallback);
	ERR_clear_error();
	return buf;
}

/* Fail early with errno's words when a file cannot be read at all. */
static int
readable(const char *what, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

static int
set_common(SSL_CTX *ctx, const struct fr_tls_conf *conf, char *err,
    size_t errlen)
{
	char why[256];

	if (!SSL_CTX_set_min_proto_version(ctx, conf->min_version == FR_TLS_1_3 ?
	    TLS1_3_VERSION : TLS1_2_VERSION)) {
		snprintf(err, errlen, "tls-min-version: %s",
		    queued_error(why, sizeof(why), "refused"));
		return -1;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Buffers go back to the heap while a connection is idle; writes may
	 * complete in part and resume from a buffer that has moved. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (conf->ciphers != NULL &&
	    !SSL_CTX_set_cipher_list(ctx, conf->ciphers)) {
		snprintf(err, errlen, "tls-ciphers \"%s\": %s", conf->ciphers,
		    queued_error(why, sizeof(why), "no usable cipher"));
		return -1;
	}
	if (conf->ciphersuites != NULL &&
	    !SSL_CTX_set_ciphersuites(ctx, conf->ciphersuites)) {
		snprintf(err, errlen, "tls-ciphersuites \"%s\": %s",
		    conf->ciphersuites,
		    queued_error(why, sizeof(why), "no usable suite"));
		return -1;
	}
	if (conf->cert != NULL) {
		if (readable("tls-cert", conf->cert, err, errlen) != 0 ||
		    readable("tls-key", conf->key, err, errlen) != 0)
			return -1;
		if (!SSL_CTX_use_certificate_chain_file(ctx, conf->cert)) {
			snprintf(err, errlen, "tls-cert %s: not a PEM "
			    "certificate chain (%s)", conf->cert,
			    queued_error(why, sizeof(why), "?"));
			return -1;
		}
		if (!SSL_CTX_use_PrivateKey_file(ctx, conf->key,
		    SSL_FILETYPE_PEM)) {
			if (ERR_GET_REASON(ERR_peek_last_error()) ==
			    X509_R_KEY_VALUES_MISMATCH)
				goto mismatch;
			snprintf(err, errlen, "tls-key %s: not a usable PEM "
			    "private key for tls-cert %s (%s)", conf->key,
			    conf->cert, queued_error(why, sizeof(why), "?"));
			return -1;
		}
		if (!SSL_CTX_check_private_key(ctx)) {
mismatch:
			snprintf(err, errlen, "tls-key %s does not match "
			    "tls-cert %s", conf->key, conf->cert);
			ERR_clear_error();
			return -1;
		}
	}
	return 0;
}

static int
load_ca(SSL_CTX *ctx, const char *ca, char *err, size_t errlen)
{
	char why[256];

	if (readable("tls-ca", ca, err, errlen) != 0)
		return -1;
	if (!SSL_CTX_load_verify_locations(ctx, ca, NULL)) {
		snprintf(err, errlen, "tls-ca %s: no PEM certificate in it "
		    "(%s)", ca, queued_error(why, sizeof(why), "?"));
		return -1;
	}
	return 0;
}

SSL_CTX *
fr_tls_server_ctx_new(const struct fr_tls_conf *conf, char *err,
    size_t errlen)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	if (conf->cert == NULL || conf->key == NULL) {
		snprintf(err, errlen, "TLS needs tls-cert and tls-key");
		return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "cannot create a TLS context: out of "
		    "memory");
		ERR_clear_error();
		return NULL;
	}
	if (set_common(ctx, conf, err, errlen) != 0)
		goto bad;
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (conf->resumption) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
		SSL_CTX_sess_set_cache_size(ctx, SERVER_SESSION_CACHE);
		/* One ticket per full handshake is all a client needs. */
		SSL_CTX_set_num_tickets(ctx, 1);
		/* The daemon's shared key when it set one; OpenSSL's own
		 * per-context key otherwise. */
		if (ticket_keys.have_cur)
			SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb);
	} else {
		/* Every handshake a full one: no ticket, no cache. */
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_num_tickets(ctx, 0);
	}
	if (!SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)SESSION_ID_CONTEXT,
	    sizeof(SESSION_ID_CONTEXT) - 1)) {
		snprintf(err, errlen, "cannot set the TLS session context");
		goto bad;
	}
	if (conf->verify_client != FR_VERIFY_NONE) {
		STACK_OF(X509_NAME) *names;

		if (conf->ca == NULL) {
			snprintf(err, errlen, "tls-verify-client needs tls-ca");
			goto bad;
		}
		if (load_ca(ctx, conf->ca, err, errlen) != 0)
			goto bad;
		if ((names = SSL_load_client_CA_file(conf->ca)) != NULL)
			SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    (conf->verify_client == FR_VERIFY_REQUIRE ?
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	}
	ERR_clear_error();
	return ctx;
bad:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

SSL_CTX *
fr_tls_client_ctx_new(const struct fr_tls_conf *conf, char *err,
    size_t errlen)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "cannot create a TLS context: out of "
		    "memory");
		ERR_clear_error();
		return NULL;
	}
	if (set_common(ctx, conf, err, errlen) != 0)
		goto bad;
	if (conf->verify) {
		if (conf->ca != NULL) {
			if (load_ca(ctx, conf->ca, err, errlen) != 0)
				goto bad;
		} else if (!SSL_CTX_set_default_verify_paths(ctx)) {
			snprintf(err, errlen, "cannot load the system's trust "
			    "store; set tls-ca");
			goto bad;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	ERR_clear_error();
	return ctx;
bad:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

SSL *
fr_tls_client_new(SSL_CTX *ctx, int fd, const char *server_name,
    const struct fr_sockaddr *addr, bool verify)
{
	char ip[FR_ADDRSTRLEN];
	SSL *ssl;

	if ((ssl = SSL_new(ctx)) == NULL)
		goto bad;
	if (!SSL_set_fd(ssl, fd))
		goto bad;
	if (server_name != NULL &&
	    !SSL_set_tlsext_host_name(ssl, server_name))
		goto bad;
	if (verify) {
		if (server_name != NULL) {
			/* The tester's own name rule (proto/certname.h). */
			if (!fr_cert_require_host(ssl, server_name))
				goto bad;
		} else if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    fr_addr_ip_str(addr, ip, sizeof(ip)))) {
			goto bad;
		}
	}
	SSL_set_connect_state(ssl);
	return ssl;
bad:
	SSL_free(ssl);
	ERR_clear_error();
	return NULL;
}

const char *
fr_tls_strerror(const SSL *ssl, int ret, int errno_saved, char *buf,
    size_t len)
{
	int e = ssl != NULL ? SSL_get_error(ssl, ret) : SSL_ERROR_SSL;
	unsigned long q = ERR_peek_error();
	long vr;

	if (ssl != NULL && (vr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		snprintf(buf, len, "certificate verify failed: %s",
		    X509_verify_cert_error_string(vr));
	} else if (e == SSL_ERROR_SYSCALL && q == 0) {
		snprintf(buf, len, "%s", errno_saved != 0 ?
		    strerror(errno_saved) : "connection closed during TLS");
	} else if (e == SSL_ERROR_ZERO_RETURN) {
		snprintf(buf, len, "TLS closed");
	} else if (q != 0) {
		const char *r = ERR_reason_error_string(q);

		snprintf(buf, len, "TLS: %s", r != NULL ? r : "error");
	} else {
		snprintf(buf, len, "TLS error %d", e);
	}
	ERR_clear_error();
	return buf;
}
