/*
 * omtl_feed.c -- the round feeder of the online methods (omtl_impl.h):
 * turns a stream in arrival order into rounds, buffering each task's
 * instances until its role asks for them.  Reads the stream only through
 * the public mtl_stream_* calls.
 */
#include "omtl_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fq {
  int64_t *round;
  double *x; /* cap x d */
  double *y;
  int head, len, cap;
} fq;

struct mtl__feed {
  pthread_mutex_t mu;
  mtl_stream *s;
  int K, d;
  int64_t max_rounds;
  fq *q;             /* K queues */
  int64_t *next;     /* K: round of the next instance of task k */
  int64_t maxnext;   /* max of next */
  int eof;
  int err;           /* sticky error code */
  char errmsg[512];
  double *xbuf;
};

int mtl__feed_create(mtl_stream *s, int64_t max_rounds, mtl__feed **out) {
  *out = NULL;
  mtl__feed *f = mtl__calloc(1, sizeof *f);
  if (!f)
    return MTL_ENOMEM;
  f->s = s;
  f->K = mtl_stream_ntasks(s);
  f->d = mtl_stream_dim(s);
  f->max_rounds = max_rounds;
  f->q = mtl__calloc((size_t)f->K, sizeof *f->q);
  f->next = mtl__calloc((size_t)f->K, sizeof *f->next);
  f->xbuf = mtl__malloc((size_t)f->d * sizeof(double));
  if (!f->q || !f->next || !f->xbuf || pthread_mutex_init(&f->mu, NULL)) {
    free(f->q);
    free(f->next);
    free(f->xbuf);
    free(f);
    return mtl__err(MTL_ENOMEM, "out of memory");
  }
  *out = f;
  return MTL_OK;
}

void mtl__feed_free(mtl__feed *f) {
  if (!f)
    return;
  for (int k = 0; k < f->K; k++) {
    free(f->q[k].round);
    free(f->q[k].x);
    free(f->q[k].y);
  }
  free(f->q);
  free(f->next);
  free(f->xbuf);
  pthread_mutex_destroy(&f->mu);
  free(f);
}

static int fq_push(fq *q, int d, int64_t round, const double *x, double y) {
  if (q->len == q->cap) {
    int nc = q->cap ? 2 * q->cap : 16;
    int64_t *r = mtl__malloc((size_t)nc * sizeof *r);
    double *xx = mtl__malloc((size_t)nc * (size_t)d * sizeof(double));
    double *yy = mtl__malloc((size_t)nc * sizeof(double));
    if (!r || !xx || !yy) {
      free(r);
      free(xx);
      free(yy);
      return MTL_ENOMEM;
    }
    for (int i = 0; i < q->len; i++) {
      int j = (q->head + i) % q->cap;
      r[i] = q->round[j];
      yy[i] = q->y[j];
      memcpy(xx + (size_t)i * d, q->x + (size_t)j * d, (size_t)d * sizeof(double));
    }
    free(q->round);
    free(q->x);
    free(q->y);
    q->round = r;
    q->x = xx;
    q->y = yy;
    q->head = 0;
    q->cap = nc;
  }
  int j = (q->head + q->len) % q->cap;
  q->round[j] = round;
  q->y[j] = y;
  memcpy(q->x + (size_t)j * d, x, (size_t)d * sizeof(double));
  q->len++;
  return MTL_OK;
}

int mtl__feed_get(mtl__feed *f, int k, int64_t t, double *x, double *y) {
  int rc;
  pthread_mutex_lock(&f->mu);
  if (f->err) {
    rc = mtl__err(f->err, "%s", f->errmsg);
    goto done;
  }
  for (;;) {
    if (f->max_rounds > 0 && t >= f->max_rounds) {
      rc = 2;
      break;
    }
    fq *q = &f->q[k];
    if (q->len > 0) {
      if (q->round[q->head] == t) {
        memcpy(x, q->x + (size_t)q->head * f->d, (size_t)f->d * sizeof(double));
        *y = q->y[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
        rc = 1;
      } else {
        rc = 0; /* next instance belongs to a later round */
      }
      break;
    }
    if (f->next[k] > t) {
      rc = 0;
      break;
    }
    if (f->eof) {
      rc = t >= f->maxnext ? 2 : 0;
      break;
    }
    if (f->maxnext > t + MTL__FEED_LOOKAHEAD) {
      f->next[k] = t + 1; /* declared absent at round t */
      rc = 0;
      break;
    }
    int j;
    double yy;
    int r = mtl_stream_next(f->s, &j, f->xbuf, &yy);
    if (r < 0) {
      f->err = r;
      snprintf(f->errmsg, sizeof f->errmsg, "%s", mtl_last_error());
      rc = r;
      break;
    }
    if (r == 0) {
      f->eof = 1;
      continue;
    }
    r = fq_push(&f->q[j], f->d, f->next[j], f->xbuf, yy);
    if (r) {
      f->err = r;
      snprintf(f->errmsg, sizeof f->errmsg, "out of memory");
      rc = mtl__err(r, "out of memory");
      break;
    }
    f->next[j]++;
    if (f->next[j] > f->maxnext)
      f->maxnext = f->next[j];
  }
done:
  pthread_mutex_unlock(&f->mu);
  return rc;
}
