/*
 * handoff.c -- a configuration in a memfd, its descriptor over a Unix
 * socket.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "handoff.h"

#define MAGIC "FRCONF1"

/* At the start of the memfd; the text follows.  Both ends are the
 * same binary, so the layout is the compiler's. */
struct header {
	char magic[8];
	uint64_t len;
	uint8_t has_key;
	unsigned char key[FR_TLS_TICKET_KEY_LEN];
};

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A message of one byte (tag) with room for descriptors in control. */
static void
one_byte_msg(struct msghdr *msg, struct iovec *iov, char *tag, char *control,
    size_t controllen)
{
	memset(msg, 0, sizeof(*msg));
	iov->iov_base = tag;
	iov->iov_len = 1;
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = control;
	msg->msg_controllen = controllen;
}

int
fr_handoff_send(int sock, const struct fr_handoff *h, char *err,
    size_t errlen)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct header hd;
	struct msghdr msg;
	struct iovec iov;
	char tag = 'C';
	int fd, rc = -1;

	if (h->len > FR_HANDOFF_MAX_TEXT) {
		snprintf(err, errlen, "configuration of %zu bytes is too "
		    "large to pass on", h->len);
		return -1;
	}
	if ((fd = memfd_create("fedrouted-conf", MFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	memset(&hd, 0, sizeof(hd));
	memcpy(hd.magic, MAGIC, sizeof(MAGIC));
	hd.len = h->len;
	hd.has_key = h->has_key;
	if (h->has_key)
		memcpy(hd.key, h->key, sizeof(hd.key));
	if (write_all(fd, &hd, sizeof(hd)) != 0 ||
	    write_all(fd, h->text, h->len) != 0) {
		snprintf(err, errlen, "writing the configuration: %s",
		    strerror(errno));
		goto out;
	}
	memset(&cm, 0, sizeof(cm));
	one_byte_msg(&msg, &iov, &tag, cm.buf, sizeof(cm.buf));
	CMSG_FIRSTHDR(&msg)->cmsg_level = SOL_SOCKET;
	CMSG_FIRSTHDR(&msg)->cmsg_type = SCM_RIGHTS;
	CMSG_FIRSTHDR(&msg)->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(CMSG_FIRSTHDR(&msg)), &fd, sizeof(int));
	while ((rc = (int)sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL)) <
	    0 && errno == EINTR)
		;
	if (rc < 0)
		snprintf(err, errlen, "sending the configuration: %s",
		    strerror(errno));
	else
		rc = 0;
out:
	OPENSSL_cleanse(&hd, sizeof(hd));
	close(fd);
	return rc;
}

static int
read_payload(int fd, struct fr_handoff *h, char *err, size_t errlen)
{
	struct header hd;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size < sizeof(hd)) {
		snprintf(err, errlen, "a configuration message without a "
		    "configuration");
		return -1;
	}
	if (pread(fd, &hd, sizeof(hd), 0) != (ssize_t)sizeof(hd) ||
	    memcmp(hd.magic, MAGIC, sizeof(MAGIC)) != 0 ||
	    hd.len > FR_HANDOFF_MAX_TEXT ||
	    hd.len != (uint64_t)st.st_size - sizeof(hd)) {
		snprintf(err, errlen, "a configuration message that is cut "
		    "short or not ours");
		OPENSSL_cleanse(&hd, sizeof(hd));
		return -1;
	}
	if ((h->text = malloc(hd.len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		OPENSSL_cleanse(&hd, sizeof(hd));
		return -1;
	}
	n = hd.len == 0 ? 0 : pread(fd, h->text, hd.len, sizeof(hd));
	if (n != (ssize_t)hd.len) {
		snprintf(err, errlen, "reading the configuration: %s",
		    n < 0 ? strerror(errno) : "cut short");
		OPENSSL_cleanse(&hd, sizeof(hd));
		fr_handoff_clear(h);
		return -1;
	}
	h->text[hd.len] = '\0';
	h->len = hd.len;
	h->has_key = hd.has_key != 0;
	if (h->has_key)
		memcpy(h->key, hd.key, sizeof(h->key));
	OPENSSL_cleanse(&hd, sizeof(hd));
	return 0;
}

int
fr_handoff_recv(int sock, struct fr_handoff *h, char *err, size_t errlen)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct cmsghdr *c;
	struct msghdr msg;
	struct iovec iov;
	char tag;
	ssize_t n;
	int fd = -1, rc;
	size_t i, nfds;

	memset(h, 0, sizeof(*h));
	one_byte_msg(&msg, &iov, &tag, cm.buf, sizeof(cm.buf));
	while ((n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) < 0 &&
	    errno == EINTR)
		;
	if (n < 0) {
		snprintf(err, errlen, "receiving a configuration: %s",
		    strerror(errno));
		return -1;
	}
	if (n == 0)
		return 0;
	/* Take every descriptor that came, to close the ones not wanted. */
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			int one;

			memcpy(&one, CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
			if (fd < 0)
				fd = one;
			else
				close(one);
		}
	}
	if (tag != 'C' || fd < 0 || (msg.msg_flags & MSG_CTRUNC)) {
		snprintf(err, errlen, "a malformed configuration message");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rc = read_payload(fd, h, err, errlen);
	close(fd);
	return rc == 0 ? 1 : -1;
}

void
fr_handoff_clear(struct fr_handoff *h)
{
	free(h->text);
	OPENSSL_cleanse(h, sizeof(*h));
}
