/*
 * pool.c -- a small fixed thread pool for per-task data parallelism.
 *
 * Consistency model: mtl__pool_run publishes (fn, ctx, n) under the mutex and
 * bumps `generation`; each worker w > 0 wakes, runs its static chunk
 * [w*n/P, (w+1)*n/P) and decrements `pending`; the caller runs chunk 0 and
 * waits until pending == 0.  The mutex/condvar pair orders all writes made
 * by workers before the caller returns.  Lock order: only `mu`.
 * The static partition makes every reduction done by the caller in task
 * order bitwise reproducible for a given thread count.
 */
#include "base.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct mtl__pool {
  int P;
  pthread_t *th;
  pthread_mutex_t mu;
  pthread_cond_t work_cv, done_cv;
  unsigned long generation;
  int pending;
  int stop;
  mtl__range_fn fn;
  void *ctx;
  int n;
};

typedef struct {
  mtl__pool *p;
  int w;
} worker_arg;

static void run_chunk(mtl__pool *p, int w) {
  int lo = (int)((int64_t)w * p->n / p->P);
  int hi = (int)((int64_t)(w + 1) * p->n / p->P);
  if (hi > lo)
    p->fn(p->ctx, lo, hi, w);
}

static void *worker_main(void *arg) {
  worker_arg *a = arg;
  mtl__pool *p = a->p;
  int w = a->w;
  free(a);
  unsigned long seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->stop && p->generation == seen)
      pthread_cond_wait(&p->work_cv, &p->mu);
    if (p->stop)
      break;
    seen = p->generation;
    pthread_mutex_unlock(&p->mu);
    run_chunk(p, w);
    pthread_mutex_lock(&p->mu);
    if (--p->pending == 0)
      pthread_cond_signal(&p->done_cv);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

int mtl__pool_create(int threads, mtl__pool **out) {
  *out = NULL;
  if (threads <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    threads = c > 0 ? (int)c : 1;
  }
  mtl__pool *p = mtl__calloc(1, sizeof *p);
  if (!p)
    return MTL_ENOMEM;
  p->P = threads;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->work_cv, NULL);
  pthread_cond_init(&p->done_cv, NULL);
  if (threads > 1) {
    p->th = mtl__calloc((size_t)threads, sizeof *p->th);
    if (!p->th) {
      mtl__pool_free(p);
      return MTL_ENOMEM;
    }
    for (int w = 1; w < threads; w++) {
      worker_arg *a = malloc(sizeof *a);
      if (!a || (a->p = p, a->w = w,
                 pthread_create(&p->th[w], NULL, worker_main, a) != 0)) {
        free(a);
        p->P = w; /* only workers 1..w-1 exist */
        mtl__pool_free(p);
        return mtl__err(MTL_ENOMEM, "could not start worker thread %d", w);
      }
    }
  }
  *out = p;
  return MTL_OK;
}

void mtl__pool_free(mtl__pool *p) {
  if (!p)
    return;
  if (p->th) {
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    for (int w = 1; w < p->P; w++)
      pthread_join(p->th[w], NULL);
    free(p->th);
  }
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->work_cv);
  pthread_cond_destroy(&p->done_cv);
  free(p);
}

int mtl__pool_size(const mtl__pool *p) { return p ? p->P : 1; }

void mtl__pool_run(mtl__pool *p, int n, mtl__range_fn fn, void *ctx) {
  if (n <= 0)
    return;
  if (!p || p->P == 1 || n == 1) {
    fn(ctx, 0, n, 0);
    return;
  }
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->ctx = ctx;
  p->n = n;
  p->pending = p->P - 1;
  p->generation++;
  pthread_cond_broadcast(&p->work_cv);
  pthread_mutex_unlock(&p->mu);
  run_chunk(p, 0);
  pthread_mutex_lock(&p->mu);
  while (p->pending > 0)
    pthread_cond_wait(&p->done_cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
}
