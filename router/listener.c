/*
 * listener.c -- binding and accepting.
 */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "edgeint.h"
#include "listener.h"
#include "sipproxy.h"
#include "xmppout.h"
#include "log.h"
#include "pool.h"
#include "session.h"

/* Connections accepted per wake-up before others get their turn. */
#define ACCEPT_BATCH 64

int
fr_listener_steer_by_source(struct fr_listener *l, unsigned groups)
{
	/* Classic BPF, run by the kernel on the SYN with the data at the
	 * TCP payload: SKF_NET_OFF reaches back to the IP header.  IPv4:
	 * the source address; IPv6 (a V6ONLY socket): its four words
	 * xored.  Then a multiplicative hash, and its high bits modulo
	 * groups pick the socket. */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 0),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 2, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 12),
		BPF_JUMP(BPF_JMP | BPF_JA, 10, 0, 0),	/* to the hash */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 8),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 12),
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 16),
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 20),
		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1u),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, groups > 0 ? groups : 1),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };
	int off = 0;

	if (l->fd < 0)
		return 0;
	if (groups < 2) {
		/* Nothing attached is fine. */
		if (setsockopt(l->fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &off,
		    sizeof(off)) != 0 && errno != ENOENT)
			return -1;
		return 0;
	}
	return setsockopt(l->fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
	    sizeof(prog));
}

static int
bind_socket(const struct fr_listener_conf *conf, bool reuseport, char *err,
    size_t errlen)
{
	char buf[FR_ADDRSTRLEN];
	int fd, on = 1;

	fd = socket(conf->addr.u.sa.sa_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto bad;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0)
		goto bad;
	/* Workers: one socket each on the same port; the kernel spreads
	 * new connections over them. */
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on,
	    sizeof(on)) != 0)
		goto bad;
	/* [::]:5061 and 0.0.0.0:5061 are two listeners, not one. */
	if (conf->addr.u.sa.sa_family == AF_INET6 && setsockopt(fd,
	    IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0)
		goto bad;
	if (bind(fd, &conf->addr.u.sa, conf->addr.len) != 0)
		goto bad;
	if (listen(fd, (int)conf->backlog) != 0)
		goto bad;
	return fd;
bad:
	fr_addr_str(&conf->addr, buf, sizeof(buf));
	snprintf(err, errlen, "listener %s: cannot listen on %s: %s",
	    conf->name != NULL ? conf->name : buf, buf, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fr_listener *l = w->data;
	struct sockaddr_storage ss;
	struct fr_sockaddr client;
	socklen_t len;
	int fd, i, on = 1;

	(void)loop;
	(void)revents;
	for (i = 0; i < ACCEPT_BATCH && ev_is_active(&l->io); i++) {
		len = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
#if EAGAIN != EWOULDBLOCK
			case EWOULDBLOCK:
#endif
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				fr_log(LOG_ERR, "listener %s: accept: %s; "
				    "pausing", l->name, strerror(errno));
				fr_edge_accept_failed(l->edge);
				return;
			default:
				fr_log(LOG_ERR, "listener %s: accept: %s",
				    l->name, strerror(errno));
				return;
			}
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		fr_addr_set(&client, (struct sockaddr *)&ss, len);
		if (l->federation && l->proto == FR_PROTO_XMPP &&
		    l->edge->xmpp != NULL)
			fr_xmppout_accept(l->edge->xmpp, l, fd, &client);
		else if (l->proto == FR_PROTO_SIP && l->edge->proxy != NULL)
			fr_sipproxy_accept(l->edge->proxy, l, fd, &client);
		else
			fr_session_accept(l, fd, &client);
	}
}

struct fr_listener *
fr_listener_create(struct fr_edge *edge, const struct fr_listener_conf *conf,
    struct fr_pool *pool, SSL_CTX *tls, int fd, bool reuseport, char *err,
    size_t errlen)
{
	struct fr_listener *l;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (fd < 0 && (fd = bind_socket(conf, reuseport, err, errlen)) < 0) {
		free(l);
		return NULL;
	}
	/* A kept socket takes the new backlog (Linux allows listen()
	 * again on a listening socket). */
	if (conf->name != NULL)
		snprintf(l->name, sizeof(l->name), "%s", conf->name);
	else
		fr_addr_str(&conf->addr, l->name, sizeof(l->name));
	if (listen(fd, (int)conf->backlog) != 0)
		fr_log(LOG_WARNING, "listener %s: backlog %u: %s", l->name,
		    conf->backlog, strerror(errno));
	l->refs = 1;
	l->edge = edge;
	l->stats = fr_stats_listener(&edge->stats.n, l->name);
	l->addr = conf->addr;
	l->proto = conf->proto;
	l->fd = fd;
	l->tls = tls;
	l->pool = pool;
	if (pool != NULL)
		fr_pool_ref(pool);
	l->federation = conf->federation;
	if (conf->allow_from.n > 0) {
		size_t i;

		if ((l->allow = calloc(conf->allow_from.n,
		    sizeof(*l->allow))) == NULL) {
			snprintf(err, errlen, "out of memory");
			if (pool != NULL)
				fr_pool_unref(pool);
			close(fd);
			free(l);
			return NULL;
		}
		/* Checked by the configuration parser already. */
		for (i = 0; i < conf->allow_from.n; i++)
			if (fr_cidr_parse(conf->allow_from.v[i],
			    &l->allow[l->nallow]) == 0)
				l->nallow++;
	}
	l->backlog = conf->backlog;
	ev_io_init(&l->io, accept_cb, fd, EV_READ);
	l->io.data = l;
	return l;
}

int
fr_listener_take_socket(struct fr_listener *l)
{
	int fd = l->fd;

	fr_listener_stop(l);
	l->fd = -1;
	return fd;
}

void
fr_listener_start(struct fr_listener *l)
{
	if (l->fd >= 0)
		ev_io_start(l->edge->loop, &l->io);
}

void
fr_listener_stop(struct fr_listener *l)
{
	ev_io_stop(l->edge->loop, &l->io);
}

void
fr_listener_close(struct fr_listener *l)
{
	fr_listener_stop(l);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

void
fr_listener_ref(struct fr_listener *l)
{
	l->refs++;
}

void
fr_listener_unref(struct fr_listener *l)
{
	if (l == NULL || --l->refs > 0)
		return;
	fr_listener_close(l);
	if (l->pool != NULL)
		fr_pool_unref(l->pool);
	SSL_CTX_free(l->tls);
	free(l->allow);
	free(l);
}
