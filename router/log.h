/*
 * log.h -- level-gated, printf-checked logging to stderr or syslog.
 *
 * The router library and the programs share one logger.  The program
 * picks the sink and the level (fr_log_open, fr_log_level); the library
 * only logs.  fr_log() evaluates its arguments only when the level is
 * enabled, so a debug line costs a comparison when debugging is off.
 *
 * Levels are syslog(3)'s: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
 * LOG_DEBUG.  Lines longer than FR_LOG_LINE_MAX are cut.
 */
#ifndef FR_LOG_H
#define FR_LOG_H

#include <syslog.h>

#define FR_LOG_LINE_MAX 1024

enum fr_log_sink {
	FR_LOG_STDERR,
	FR_LOG_SYSLOG,
};

/* Lines above this level are dropped.  Default LOG_INFO. */
extern int fr_log_level;

/*
 * Send lines to sink from now on, tagged with ident (kept by pointer:
 * a string literal or argv[0]).  facility is a LOG_DAEMON-style value,
 * used by the syslog sink only.  Never fails; can be called again.
 */
void fr_log_open(const char *ident, enum fr_log_sink sink, int facility);

#define fr_log(prio, ...) do {					\
	if ((prio) <= fr_log_level)				\
		fr_log_emit((prio), __VA_ARGS__);		\
} while (0)

void fr_log_emit(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "err", "warning", ...: the level's name as fedrouted.conf spells it. */
const char *fr_log_level_name(int prio);

#endif /* FR_LOG_H */
