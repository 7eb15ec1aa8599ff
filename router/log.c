/*
 * log.c -- the logger: one write(2) per line on stderr, or syslog(3).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"

int fr_log_level = LOG_INFO;

static const char *log_ident = "fedroute";
static enum fr_log_sink log_sink = FR_LOG_STDERR;

void
fr_log_open(const char *ident, enum fr_log_sink sink, int facility)
{
	if (log_sink == FR_LOG_SYSLOG)
		closelog();
	log_ident = ident;
	log_sink = sink;
	if (sink == FR_LOG_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

const char *
fr_log_level_name(int prio)
{
	switch (prio) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "err";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

void
fr_log_emit(int prio, const char *fmt, ...)
{
	char line[FR_LOG_LINE_MAX], msg[FR_LOG_LINE_MAX];
	char shown[FR_LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t len;
	int n, saved = errno;

	/* A line may quote a peer (an SNI, a reason phrase): escaped
	 * here, once for every caller, so that no peer can forge a line
	 * or drive the terminal of whoever reads the log (escape.h). */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fr_escape_str(shown, sizeof(shown), msg);
	if (log_sink == FR_LOG_SYSLOG) {
		syslog(prio, "%s", shown);
		errno = saved;
		return;
	}

	/* One write per line, so that lines never interleave. */
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line + len, sizeof(line) - len, ".%03ld %s[%ld]: %s: ",
	    ts.tv_nsec / 1000000, log_ident, (long)getpid(),
	    fr_log_level_name(prio));
	if (n > 0 && (size_t)n < sizeof(line) - len)
		len += (size_t)n;
	n = snprintf(line + len, sizeof(line) - len, "%s", shown);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ?
		    (size_t)n : sizeof(line) - len - 1;
	line[len++] = '\n';
	/* Nothing sensible to do when stderr is gone. */
	while (write(STDERR_FILENO, line, len) < 0 && errno == EINTR)
		;
	errno = saved;
}
