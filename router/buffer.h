/*
 * buffer.h -- relay buffers and splice pipes, lent while data is in
 * flight and taken back when a connection has nothing buffered.
 *
 * An idle connection holds neither: 2,000 idle relayed connections cost
 * no buffer memory at all.  A few returned buffers and pipes are kept
 * for the next connection (FR_BUF_SPARE, FR_PIPE_SPARE); the rest go
 * back to the heap and the kernel.
 */
#ifndef FR_BUFFER_H
#define FR_BUFFER_H

#include <stddef.h>

#define FR_BUF_SPARE	64	/* free buffers kept */
#define FR_PIPE_SPARE	64	/* free pipes kept */
/* What a splice pipe holds: four times the kernel's default, which
 * halves the splice calls of a bulk transfer (iperf3 through the edge:
 * some 30% more throughput on loopback).  Kernel memory, in use only
 * while data is in the pipe. */
#define FR_PIPE_SIZE	(256 * 1024)

struct fr_buf {
	struct fr_buf *next;	/* free list */
	size_t size;		/* of data[] */
	char data[];
};

struct fr_pipe {
	int fd[2];		/* read end, write end */
};

struct fr_bufpool;

/* NULL when memory ran out. */
struct fr_bufpool *fr_bufpool_create(size_t bufsize);
/* Frees the spares; buffers and pipes still lent must be returned
 * first, or freed by their holders with free() and fr_pipe_close(). */
void fr_bufpool_delete(struct fr_bufpool *bp);

/* Buffers handed out from now on have this size; spares of the old
 * size are dropped, lent ones may still be returned. */
void fr_bufpool_resize(struct fr_bufpool *bp, size_t bufsize);

/* A buffer, or NULL when memory ran out. */
struct fr_buf *fr_buf_get(struct fr_bufpool *bp);
/* Give a buffer back; NULL is fine. */
void fr_buf_put(struct fr_bufpool *bp, struct fr_buf *b);

/* An empty non-blocking pipe: 0, or -1 with errno (EMFILE ...). */
int fr_pipe_get(struct fr_bufpool *bp, struct fr_pipe *p);
/* Give back a pipe that is empty. */
void fr_pipe_put(struct fr_bufpool *bp, struct fr_pipe *p);
/* Close a pipe that may hold data. */
void fr_pipe_close(struct fr_pipe *p);

#endif /* FR_BUFFER_H */
