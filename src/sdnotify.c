/*
 * sdnotify.c -- systemd's notification protocol, without libsystemd.
 * See sdnotify.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sdnotify.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_len;	/* 0: no service manager */

int
fr_sd_notify_init(char *err, size_t errlen)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	notify_len = 0;
	if (path == NULL)
		return 0;
	len = strlen(path);
	/* A path, or "@name" for the abstract namespace. */
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(notify_addr.sun_path)) {
		snprintf(err, errlen, "NOTIFY_SOCKET=%.*s: not a Unix socket "
		    "path or @name", (int)(len < 108 ? len : 108), path);
		unsetenv("NOTIFY_SOCKET");
		return -1;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

int
fr_sd_notify(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	ssize_t sent;
	int fd, n, saved;

	if (notify_len == 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;	/* a long STATUS= is cut, not lost */
	/* A socket per message: it is rare, and no descriptor stays open
	 * for a fork or a reload to inherit. */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	sent = sendto(fd, msg, (size_t)n, MSG_NOSIGNAL,
	    (const struct sockaddr *)&notify_addr, notify_len);
	saved = errno;
	close(fd);
	errno = saved;
	return sent == n ? 0 : -1;
}

int
fr_sd_notify_reloading(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return -1;
	return fr_sd_notify("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
}
