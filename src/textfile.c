/*
 * textfile.c -- regular files of bounded size, and bounded lines.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "textfile.h"

static const char *
kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

static int
check_stat(const struct stat *st, const char *path, off_t max, char *err,
    size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: %s, not a regular file", path,
		    kind(st->st_mode));
		return -1;
	}
	if (st->st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes; at most %lld", path,
		    (long long)st->st_size, (long long)max);
		return -1;
	}
	return 0;
}

/* O_NONBLOCK: opening a FIFO must not wait for a writer.  The flag does
 * nothing to a regular file, the only kind that is kept. */
static int
open_checked(const char *path, off_t max, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (check_stat(&st, path, max, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

FILE *
fr_textfile_open(const char *path, off_t max, char *err, size_t errlen)
{
	FILE *f;
	int fd;

	if ((fd = open_checked(path, max, err, errlen)) < 0)
		return NULL;
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

int
fr_textfile_check(const char *path, off_t max, char *err, size_t errlen)
{
	int fd;

	if ((fd = open_checked(path, max, err, errlen)) < 0)
		return -1;
	close(fd);
	return 0;
}

int
fr_textfile_check_stream(FILE *f, const char *name, off_t max, char *err,
    size_t errlen)
{
	struct stat st;

	if (fstat(fileno(f), &st) != 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "%s: %s, not a regular file", name,
		    kind(st.st_mode));
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return check_stat(&st, name, max, err, errlen);
	return 0;
}

enum fr_line
fr_textfile_getline(FILE *f, char *buf, size_t size, off_t *total,
    off_t max)
{
	enum fr_line r = FR_LINE_OK;
	size_t len = 0;
	int c;

	for (;;) {
		if (*total >= max)
			return r != FR_LINE_OK ? r : FR_LINE_TOO_BIG;
		if ((c = getc(f)) == EOF)
			break;
		(*total)++;
		if (c == '\0' && r == FR_LINE_OK)
			r = FR_LINE_NUL;
		else if (len + 2 >= size && r == FR_LINE_OK && c != '\n')
			r = FR_LINE_TOO_LONG;
		if (r == FR_LINE_OK)
			buf[len++] = (char)c;
		if (c == '\n')
			break;
	}
	if (c == EOF && ferror(f))
		return FR_LINE_ERROR;
	buf[len] = '\0';
	if (c == EOF && len == 0 && r == FR_LINE_OK)
		return FR_LINE_EOF;
	return r;
}

const char *
fr_line_error(enum fr_line r)
{
	switch (r) {
	case FR_LINE_TOO_LONG:
		return "line too long";
	case FR_LINE_NUL:
		return "a NUL byte; this is not a text file";
	case FR_LINE_TOO_BIG:
		return "file too big";
	case FR_LINE_ERROR:
		return strerror(errno);
	default:
		return "";
	}
}
