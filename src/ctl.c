/*
 * ctl.c -- "fedroute ctl": ask a running fedrouted over its control
 * socket (ctlproto.h) and print the answer.
 *
 * Exit status: 0 done, 1 the daemon refused the command (the answer
 * says why), 2 the daemon could not be reached or did not answer, 64 a
 * usage error found before asking.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "conf.h"
#include "ctlproto.h"

#ifndef FR_CONF_FILE
#define FR_CONF_FILE "/usr/local/etc/fedrouted.conf"
#endif

#define CTL_EXIT_REFUSED	1
#define CTL_EXIT_UNREACHABLE	2
#define CTL_ANSWER_MAX		(64u << 20)

void
fr_cmd_ctl_usage(void)
{
	fprintf(stderr,
"usage: fedroute ctl [-s SOCKET | -c FILE] [--json] [--timeout SECS] COMMAND\n"
"  -s, --socket PATH   the control socket (default: control: in FILE)\n"
"  -c, --config FILE   fedrouted.conf that names it (default %s)\n"
"  --json              one JSON object (\"version\": 1; doc/control.md)\n"
"  --timeout SECS      wait at most this long for the answer (default 30)\n"
"commands:\n"
"  status              version, uptime, configuration, workers\n"
"  nodes               state, last check, connections, weight, drained\n"
"  pools | listeners   as configured, with their state now\n"
"  domains             the cached plan of each foreign domain seen\n"
"  cache               cache counters;  cache flush [DOMAIN]\n"
"  health              destinations marked down;  health clear DEST|all\n"
"  drain NODE          no new connections or dialogs; live ones stay\n"
"  enable NODE         take new connections again\n"
"  reload              re-read the configuration (as SIGHUP), with the result\n"
"  lookup URI          what the daemon decides for URI now, through its cache\n"
"Exit status: 0 done, 1 refused, 2 daemon not reachable, 64 usage error.\n",
	    FR_CONF_FILE);
}

static void
report(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/* The socket named by file's control:, into path.  0 or -1 (said). */
static int
socket_from_config(const char *file, char *path, size_t len)
{
	struct fr_config *cfg = fr_config_read(file, 0, report, NULL);
	int rc = -1;

	if (cfg == NULL)
		return -1;
	if (cfg->control == NULL)
		fprintf(stderr, "fedroute ctl: %s sets no control: socket in "
		    "server:, so the daemon has none (or give -s PATH)\n",
		    file);
	else if ((size_t)snprintf(path, len, "%s", cfg->control) >= len)
		fprintf(stderr, "fedroute ctl: control: %s: path too long\n",
		    cfg->control);
	else
		rc = 0;
	fr_config_free(cfg);
	return rc;
}

/* Milliseconds left until deadline (monotonic seconds). */
static int
ms_left(double deadline)
{
	struct timespec ts;
	double now, left;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	left = (deadline - now) * 1000;
	return left <= 0 ? 0 : left > 1e9 ? 1000000000 : (int)left;
}

static double
deadline_in(double secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + secs;
}

/* Send req, read the whole answer into *bufp.  0, or -1 (said). */
static int
ask(const char *path, const char *req, size_t reqlen, double timeout,
    char **bufp, size_t *lenp)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	double deadline = deadline_in(timeout);
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t n;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "fedroute ctl: %s: path too long for a Unix "
		    "socket\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "fedroute ctl: cannot reach fedrouted at %s: "
		    "%s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (send(fd, req, reqlen, MSG_NOSIGNAL) != (ssize_t)reqlen) {
		fprintf(stderr, "fedroute ctl: sending to %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (cap - len < 4096) {
			if (cap >= CTL_ANSWER_MAX) {
				fprintf(stderr, "fedroute ctl: answer longer "
				    "than %u bytes\n", CTL_ANSWER_MAX);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "fedroute ctl: out of memory\n");
				goto fail;
			}
			buf = nb;
		}
		n = poll(&pfd, 1, ms_left(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "fedroute ctl: no answer from %s within "
			    "%.0f s\n", path, timeout);
			goto fail;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "fedroute ctl: reading from %s: %s\n",
			    path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

int
fr_cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *file = FR_CONF_FILE;
	char path[256], req[FR_CTL_LINE_MAX + 1], err[256], *answer, *end;
	struct fr_ctl_cmd cmd;
	double timeout = 30;
	size_t len, reqlen;
	bool json = false;
	int c, status;

	optind = 1;
	/* "+": options end at the command, so "lookup -x" is an argument. */
	while ((c = getopt_long(argc, argv, "+s:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'c':
			file = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(timeout > 0) ||
			    timeout > 3600) {
				fprintf(stderr, "fedroute ctl: --timeout %s: "
				    "seconds, above 0 and at most 3600\n",
				    optarg);
				return FR_EXIT_USAGE;
			}
			break;
		case 'h':
			fr_cmd_ctl_usage();
			return 0;
		default:
			fr_cmd_ctl_usage();
			return FR_EXIT_USAGE;
		}
	}
	if (fr_ctl_parse_words(argv + optind, (size_t)(argc - optind), json,
	    &cmd, err, sizeof(err)) != 0) {
		fprintf(stderr, "fedroute ctl: %s\n", err);
		fr_cmd_ctl_usage();
		return FR_EXIT_USAGE;
	}
	if ((reqlen = fr_ctl_request(&cmd, req, sizeof(req))) == 0) {
		fprintf(stderr, "fedroute ctl: the command is too long\n");
		return FR_EXIT_USAGE;
	}
	if (sock == NULL) {
		if (socket_from_config(file, path, sizeof(path)) != 0)
			return CTL_EXIT_UNREACHABLE;
		sock = path;
	}
	if (ask(sock, req, reqlen, timeout, &answer, &len) != 0)
		return CTL_EXIT_UNREACHABLE;
	if (len < 2 || (answer[0] != '0' && answer[0] != '1') ||
	    answer[1] != '\n') {
		fprintf(stderr, "fedroute ctl: %s did not answer as fedrouted "
		    "does\n", sock);
		free(answer);
		return CTL_EXIT_UNREACHABLE;
	}
	status = answer[0] == '0' ? 0 : CTL_EXIT_REFUSED;
	/* JSON always goes to stdout, for the script that asked. */
	fwrite(answer + 2, 1, len - 2, status == 0 || json ? stdout : stderr);
	free(answer);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fedroute ctl: writing output: %s\n",
		    strerror(errno));
		return CTL_EXIT_UNREACHABLE;
	}
	return status;
}
