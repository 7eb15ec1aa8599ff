/*
 * buffer.c -- free lists of relay buffers and of pipes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "buffer.h"

struct fr_bufpool {
	size_t bufsize;
	struct fr_buf *free;
	unsigned nfree;
	struct fr_pipe pipes[FR_PIPE_SPARE];
	unsigned npipes;
};

struct fr_bufpool *
fr_bufpool_create(size_t bufsize)
{
	struct fr_bufpool *bp = calloc(1, sizeof(*bp));

	if (bp != NULL)
		bp->bufsize = bufsize;
	return bp;
}

static void
drop_spares(struct fr_bufpool *bp)
{
	struct fr_buf *b;

	while ((b = bp->free) != NULL) {
		bp->free = b->next;
		free(b);
	}
	bp->nfree = 0;
}

void
fr_bufpool_delete(struct fr_bufpool *bp)
{
	if (bp == NULL)
		return;
	drop_spares(bp);
	while (bp->npipes > 0)
		fr_pipe_close(&bp->pipes[--bp->npipes]);
	free(bp);
}

void
fr_bufpool_resize(struct fr_bufpool *bp, size_t bufsize)
{
	if (bufsize == bp->bufsize)
		return;
	drop_spares(bp);
	bp->bufsize = bufsize;
}

struct fr_buf *
fr_buf_get(struct fr_bufpool *bp)
{
	struct fr_buf *b;

	if ((b = bp->free) != NULL) {
		bp->free = b->next;
		bp->nfree--;
		return b;
	}
	if ((b = malloc(sizeof(*b) + bp->bufsize)) == NULL)
		return NULL;
	b->size = bp->bufsize;
	return b;
}

void
fr_buf_put(struct fr_bufpool *bp, struct fr_buf *b)
{
	if (b == NULL)
		return;
	if (b->size != bp->bufsize || bp->nfree >= FR_BUF_SPARE) {
		free(b);
		return;
	}
	b->next = bp->free;
	bp->free = b;
	bp->nfree++;
}

int
fr_pipe_get(struct fr_bufpool *bp, struct fr_pipe *p)
{
	if (bp->npipes > 0) {
		*p = bp->pipes[--bp->npipes];
		return 0;
	}
	if (pipe2(p->fd, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	/* Refused beyond fs.pipe-max-size or the user's pipe quota: the
	 * default size works too. */
	(void)fcntl(p->fd[1], F_SETPIPE_SZ, FR_PIPE_SIZE);
	return 0;
}

void
fr_pipe_put(struct fr_bufpool *bp, struct fr_pipe *p)
{
	if (bp->npipes >= FR_PIPE_SPARE) {
		fr_pipe_close(p);
		return;
	}
	bp->pipes[bp->npipes++] = *p;
	p->fd[0] = p->fd[1] = -1;
}

void
fr_pipe_close(struct fr_pipe *p)
{
	if (p->fd[0] >= 0)
		close(p->fd[0]);
	if (p->fd[1] >= 0)
		close(p->fd[1]);
	p->fd[0] = p->fd[1] = -1;
}
