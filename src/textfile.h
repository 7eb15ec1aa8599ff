/*
 * textfile.h -- files an administrator names, opened with a bound.
 *
 * Every file fedroute and fedrouted read by name (the configuration,
 * zone files, trust anchors, certificates and keys, --batch lists) goes
 * through here first: it must be a regular file of at most a given
 * size, or it is refused with an error that says why, before any
 * library (ldns, libunbound, OpenSSL) sees it.  A directory, a FIFO or
 * /dev/zero would otherwise make those libraries hang, spin or grow
 * without end.
 *
 * Lines are read with a bound as well, and a NUL byte is reported as
 * such rather than taken for the end of a line.
 */
#ifndef FR_TEXTFILE_H
#define FR_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Largest files read (bytes); fedroute(1) and fedrouted.conf(5). */
#define FR_FILE_MAX_CONFIG	(4LL * 1024 * 1024)
#define FR_FILE_MAX_ZONE	(64LL * 1024 * 1024)
#define FR_FILE_MAX_PEM		(4LL * 1024 * 1024)	/* certs, keys, CAs */
#define FR_FILE_MAX_ANCHOR	(1LL * 1024 * 1024)
#define FR_FILE_MAX_BATCH	(16LL * 1024 * 1024)

/*
 * Open path for reading if it is a regular file of at most max bytes.
 * Returns the stream, or NULL with "path: why" in err.  Never blocks on
 * a FIFO or a device.
 */
FILE *fr_textfile_open(const char *path, off_t max, char *err,
    size_t errlen);

/* The same check for a file a library will open by name: 0 or -1. */
int fr_textfile_check(const char *path, off_t max, char *err, size_t errlen);

/* The check on an open stream (standard input): a regular file must be
 * small enough; a pipe or terminal is bounded by the reader.  0 or -1. */
int fr_textfile_check_stream(FILE *f, const char *name, off_t max,
    char *err, size_t errlen);

enum fr_line {
	FR_LINE_OK,		/* a line in buf, NUL-terminated */
	FR_LINE_EOF,		/* nothing more */
	FR_LINE_TOO_LONG,	/* longer than size - 2; the rest skipped */
	FR_LINE_NUL,		/* a NUL byte in it; the rest skipped */
	FR_LINE_TOO_BIG,	/* *total passed max: stop reading */
	FR_LINE_ERROR,		/* read error, errno set */
};

/*
 * Read one line (its '\n' kept) into buf of size bytes.  *total counts
 * the bytes read from f so far and is bounded by max, so that a stream
 * with no end (a pipe from /dev/zero) still stops.
 */
enum fr_line fr_textfile_getline(FILE *f, char *buf, size_t size,
    off_t *total, off_t max);

/* "not a regular file", "too big", ... for a result above. */
const char *fr_line_error(enum fr_line r);

#endif /* FR_TEXTFILE_H */
