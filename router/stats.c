/*
 * stats.c -- the edge's counters: histogram buckets, listener rows, the
 * names of outcomes and SIP methods.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <ev.h>

#include "escape.h"
#include "stats.h"

/* From a millisecond to ten seconds: a cached answer, a LAN check, a
 * resolution across the internet, and the time-outs. */
const double fr_hist_bounds[FR_HIST_BOUNDS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
};

void
fr_hist_observe(struct fr_histogram *h, double seconds)
{
	size_t i;

	if (!(seconds > 0))	/* NaN too */
		seconds = 0;
	for (i = 0; i < FR_HIST_BOUNDS && seconds > fr_hist_bounds[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum += seconds;
}

const char *
fr_conn_outcome_name(enum fr_conn_outcome o)
{
	static const char *const names[FR_CONN_OUTCOMES] = {
		[FR_CONN_RELAYED] = "relayed",
		[FR_CONN_PROXIED] = "proxied",
		[FR_CONN_NO_NODE] = "no_node",
		[FR_CONN_TLS_FAILED] = "tls_failed",
		[FR_CONN_REFUSED] = "refused",
		[FR_CONN_LIMITED] = "limited",
		[FR_CONN_ABORTED] = "aborted",
		[FR_CONN_ERROR] = "error",
	};

	return (unsigned)o < FR_CONN_OUTCOMES ? names[o] : "?";
}

static const char *const method_names[FR_SIPM_COUNT] = {
	[FR_SIPM_INVITE] = "INVITE", [FR_SIPM_ACK] = "ACK",
	[FR_SIPM_BYE] = "BYE", [FR_SIPM_CANCEL] = "CANCEL",
	[FR_SIPM_OPTIONS] = "OPTIONS", [FR_SIPM_REGISTER] = "REGISTER",
	[FR_SIPM_MESSAGE] = "MESSAGE", [FR_SIPM_SUBSCRIBE] = "SUBSCRIBE",
	[FR_SIPM_NOTIFY] = "NOTIFY", [FR_SIPM_INFO] = "INFO",
	[FR_SIPM_UPDATE] = "UPDATE", [FR_SIPM_PRACK] = "PRACK",
	[FR_SIPM_REFER] = "REFER", [FR_SIPM_PUBLISH] = "PUBLISH",
	[FR_SIPM_OTHER] = "other",
};

const char *
fr_sip_method_stat_name(enum fr_sip_method_stat m)
{
	return (unsigned)m < FR_SIPM_COUNT ? method_names[m] : "?";
}

enum fr_sip_method_stat
fr_sip_method_stat_of(const char *s, size_t len)
{
	unsigned i;

	for (i = 0; i < FR_SIPM_OTHER; i++)
		if (strlen(method_names[i]) == len &&
		    memcmp(method_names[i], s, len) == 0)
			return (enum fr_sip_method_stat)i;
	return FR_SIPM_OTHER;
}

void
fr_stats_failure(struct fr_edge_stats *st, const char *fmt, ...)
{
	struct fr_failure *f;
	char raw[sizeof(f->what)];
	va_list ap;

	if (st == NULL)
		return;
	f = &st->recent[st->nrecent++ % FR_STATS_RECENT];
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	f->at = ev_time();
	fr_escape_str(f->what, sizeof(f->what), raw);
}

void
fr_stats_sip(struct fr_edge_stats *st, bool request, const char *s,
    size_t len, unsigned status)
{
	if (st == NULL)
		return;
	if (request)
		st->n.sip_requests[fr_sip_method_stat_of(s, len)]++;
	else if (status >= 100 && status <= 699)
		st->n.sip_responses[status / 100 - 1]++;
}

struct fr_listener_stats *
fr_stats_listener(struct fr_stats_counts *n, const char *name)
{
	struct fr_listener_stats *ls;
	size_t i;

	for (i = 0; i < n->nlisteners; i++)
		if (strcmp(n->listeners[i].name, name) == 0)
			return &n->listeners[i];
	if (n->nlisteners == FR_STATS_LISTENERS - 1)
		name = "(other)";	/* the last row, from now on */
	else if (n->nlisteners == FR_STATS_LISTENERS)
		return &n->listeners[FR_STATS_LISTENERS - 1];
	ls = &n->listeners[n->nlisteners++];
	snprintf(ls->name, sizeof(ls->name), "%s", name);
	return ls;
}

static void
add_hist(struct fr_histogram *a, const struct fr_histogram *b)
{
	size_t i;

	for (i = 0; i <= FR_HIST_BOUNDS; i++)
		a->bucket[i] += b->bucket[i];
	a->count += b->count;
	a->sum += b->sum;
}

#define ADD_ARRAY(a, b, f) do {						\
	size_t i_;							\
	for (i_ = 0; i_ < sizeof((a)->f) / sizeof((a)->f[0]); i_++)	\
		(a)->f[i_] += (b)->f[i_];				\
} while (0)

void
fr_stats_add(struct fr_stats_counts *a, const struct fr_stats_counts *b)
{
	struct fr_listener_stats *ls;
	size_t i, o;

	for (i = 0; i < b->nlisteners && i < FR_STATS_LISTENERS; i++) {
		ls = fr_stats_listener(a, b->listeners[i].name);
		for (o = 0; o < FR_CONN_OUTCOMES; o++)
			ls->conns[o] += b->listeners[i].conns[o];
		ls->bytes_from_client += b->listeners[i].bytes_from_client;
		ls->bytes_to_client += b->listeners[i].bytes_to_client;
	}
	ADD_ARRAY(a, b, sip_requests);
	ADD_ARRAY(a, b, sip_responses);
	ADD_ARRAY(a, b, sip_local_responses);
	ADD_ARRAY(a, b, decisions);
	add_hist(&a->resolution, &b->resolution);
	add_hist(&a->check, &b->check);
	a->checks_failed += b->checks_failed;
	a->node_went_up += b->node_went_up;
	a->node_went_down += b->node_went_down;
	ADD_ARRAY(a, b, tls[0]);
	ADD_ARRAY(a, b, tls[1]);
}

/* ------------------------------------------------------------ board */

struct fr_stats_board *
fr_stats_board_create(unsigned nslots)
{
	size_t size = sizeof(struct fr_stats_board) +
	    (size_t)nslots * sizeof(struct fr_stats_slot);
	struct fr_stats_board *b;

	b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	b->nslots = nslots;	/* the rest is zero already */
	return b;
}

void
fr_stats_board_delete(struct fr_stats_board *b)
{
	if (b != NULL)
		munmap(b, sizeof(*b) + (size_t)b->nslots *
		    sizeof(struct fr_stats_slot));
}

/* Copy slot into out without a half-written copy: -1 if the writer
 * kept it busy (it writes once a second, so that does not last). */
static int
slot_read(const struct fr_stats_slot *slot, struct fr_stats_counts *out,
    bool *used)
{
	uint64_t s1, s2;
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		s1 = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		*used = __atomic_load_n(&slot->used, __ATOMIC_RELAXED);
		memcpy(out, &slot->n, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return 0;
	}
	return -1;
}

static void
slot_write(struct fr_stats_slot *slot, const struct fr_stats_counts *n)
{
	uint64_t seq = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);

	__atomic_store_n(&slot->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&slot->n, n, sizeof(*n));
	__atomic_store_n(&slot->used, true, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->seq, seq + 2, __ATOMIC_RELEASE);
}

/* What our slot should hold: its start plus our counters.  Written in
 * place: tmp is scratch of the caller's. */
static void
publish(struct fr_edge_stats *st, struct fr_stats_counts *tmp)
{
	*tmp = *st->base;
	fr_stats_add(tmp, &st->n);
	slot_write(&st->board->slot[st->slot], tmp);
}

static void
publish_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fr_edge_stats *st = w->data;
	struct fr_stats_counts *tmp;

	(void)loop;
	(void)revents;
	/* 11 KB once a second: from the heap, not the loop's stack. */
	if ((tmp = malloc(sizeof(*tmp))) == NULL)
		return;		/* next second, then */
	publish(st, tmp);
	free(tmp);
}

int
fr_stats_share(struct fr_edge_stats *st, struct ev_loop *loop,
    struct fr_stats_board *board, unsigned slot)
{
	bool used;

	if (slot >= board->nslots ||
	    (st->base = calloc(1, sizeof(*st->base))) == NULL)
		return -1;
	/* A predecessor's figures; we are the slot's only writer, so the
	 * read cannot be disturbed. */
	(void)slot_read(&board->slot[slot], st->base, &used);
	st->loop = loop;
	st->board = board;
	st->slot = slot;
	ev_timer_init(&st->publish, publish_cb, 0., FR_STATS_PUBLISH);
	st->publish.data = st;
	ev_timer_start(loop, &st->publish);
	return 0;
}

void
fr_stats_unshare(struct fr_edge_stats *st)
{
	struct fr_stats_counts *tmp;

	if (st->board == NULL)
		return;
	ev_timer_stop(st->loop, &st->publish);
	if ((tmp = malloc(sizeof(*tmp))) != NULL) {
		publish(st, tmp);
		free(tmp);
	}
	free(st->base);
	st->base = NULL;
	st->board = NULL;
}

unsigned
fr_stats_total(const struct fr_edge_stats *st, struct fr_stats_counts *out)
{
	struct fr_stats_counts *tmp;
	unsigned i, n = 1;
	bool used;

	*out = st->n;
	if (st->board == NULL)
		return n;
	fr_stats_add(out, st->base);
	if ((tmp = malloc(sizeof(*tmp))) == NULL)
		return n;
	for (i = 0; i < st->board->nslots; i++) {
		if (i == st->slot ||
		    slot_read(&st->board->slot[i], tmp, &used) != 0 || !used)
			continue;
		fr_stats_add(out, tmp);
		n++;
	}
	free(tmp);
	return n;
}
