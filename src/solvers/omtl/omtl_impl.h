/*
 * omtl_impl.h -- private pieces shared by the online multi-task modules
 * (omtl_feed.c, omtl*.c).  Not installed.
 */
#ifndef MTL_OMTL_IMPL_H
#define MTL_OMTL_IMPL_H

#include "internal.h"

/* A round feeder: turns a stream (arrival order) into rounds.  Round t of
 * task k is the t-th instance of task k.  A task whose next instance has not
 * arrived while another task is already LOOKAHEAD rounds ahead is declared
 * absent for that round (bounded buffering on open streams).
 *
 * In-process, one feeder serves every rank; it is the only object shared by
 * the role threads, and every call takes its mutex (the only lock; it is
 * never held while a role sends or receives).  Over MPI each rank builds a
 * feeder on its own stream, holding only its tasks' samples: the answers
 * for a task depend only on that task's instances and the end of the
 * stream, which the rank must know (the dataset's round count). */
typedef struct mtl__feed mtl__feed;
#define MTL__FEED_LOOKAHEAD 1000

/* max_rounds 0 = no limit. */
int mtl__feed_create(mtl_stream *s, int64_t max_rounds, mtl__feed **out);
void mtl__feed_free(mtl__feed *f);
/* Instance of task k at round t (rounds of one task asked in increasing
 * order): returns 1 (x (d), *y filled), 0 (task absent this round),
 * 2 (end of stream: no task has round t) or an error (file:line). */
int mtl__feed_get(mtl__feed *f, int k, int64_t t, double *x, double *y);

#endif /* MTL_OMTL_IMPL_H */
