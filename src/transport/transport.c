/*
 * transport.c -- the transport-independent half of layer 5 (see
 * transport.h): delay injection and bookkeeping around the vtable, and the
 * in-process implementation (ranks are threads of this process).
 *
 * In-process consistency model: the hub owns one mailbox per rank, a FIFO
 * list protected by that mailbox's mutex.  send copies the payload into a
 * new node appended under the destination's mutex and signals its condvar;
 * recv scans the FIFO for the first node matching (src, tag), unlinks it
 * under the mutex and copies it out after unlocking.  Appending in send
 * order and taking the first match gives MPI's non-overtaking order per
 * (source, tag).  Lock order: a thread holds at most one mailbox mutex at a
 * time; `closed` is atomic and read without locks, and hub_close takes each
 * mailbox mutex in turn only to broadcast.
 */
#include "transport.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sleep_ms(double ms) {
  if (!(ms > 0))
    return;
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000.0);
  ts.tv_nsec = (long)((ms - 1000.0 * (double)ts.tv_sec) * 1e6);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

void mtl__tr_set_delay(mtl__tr *tr, const mtl__delay *d) {
  tr->delay = *d;
  mtl__rng_seed(&tr->delay_rng, d->seed);
}

int mtl__tr_send(mtl__tr *tr, int dest, int tag, const double *buf, int n) {
  if (dest < 0 || dest >= tr->size)
    return mtl__err(MTL_EINVAL, "transport: rank %d sends to rank %d of %d",
                    tr->rank, dest, tr->size);
  if (tag < 0 || n < 0)
    return mtl__err(MTL_EINVAL, "transport: bad tag %d or length %d", tag, n);
  double ms = 0;
  if (tr->delay.offset_ms > 0 || tr->delay.jitter_ms > 0) {
    double u = mtl__rng_uniform(&tr->delay_rng);
    double x = tr->delay.dist == 1 ? -log1p(-u) : u;
    ms = tr->delay.offset_ms + tr->delay.jitter_ms * x;
    sleep_ms(ms);
  }
  tr->last_delay_ms = ms;
  int rc = tr->v->send(tr, dest, tag, buf, n);
  if (rc == MTL_OK) {
    tr->bytes_sent += (uint64_t)n * sizeof(double);
    tr->msgs_sent++;
  }
  return rc;
}

void mtl__tr_close(mtl__tr *tr) {
  if (tr->v->close)
    tr->v->close(tr);
}

int mtl__tr_recv(mtl__tr *tr, int src, int tag, double *buf, int cap, int *n,
                 int *from, int *tag_out) {
  int rc = tr->v->recv(tr, src, tag, buf, cap, n, from, tag_out, 0);
  return rc < 0 ? rc : MTL_OK;
}

int mtl__tr_try_recv(mtl__tr *tr, int src, int tag, double *buf, int cap,
                     int *n, int *from, int *tag_out) {
  return tr->v->recv(tr, src, tag, buf, cap, n, from, tag_out, 1);
}

/* ---- in-process implementation ------------------------------------------- */

typedef struct msg {
  struct msg *next;
  int src, tag, n;
  double data[];
} msg;

typedef struct mailbox {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  msg *head, *tail;
} mailbox;

struct mtl__hub {
  int size;
  mailbox *box;
  mtl__tr *eps;
  atomic_int closed;
};

static int inproc_send(mtl__tr *tr, int dest, int tag, const double *buf,
                       int n) {
  mtl__hub *h = tr->impl;
  if (atomic_load(&h->closed))
    return mtl__err(MTL_ECANCELLED, "transport closed");
  msg *m = malloc(sizeof *m + (size_t)n * sizeof(double));
  if (!m)
    return mtl__err(MTL_ENOMEM, "transport: out of memory for a %d-double "
                                "message", n);
  m->next = NULL;
  m->src = tr->rank;
  m->tag = tag;
  m->n = n;
  if (n)
    memcpy(m->data, buf, (size_t)n * sizeof(double));
  mailbox *b = &h->box[dest];
  pthread_mutex_lock(&b->mu);
  if (b->tail)
    b->tail->next = m;
  else
    b->head = m;
  b->tail = m;
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
  return MTL_OK;
}

static int inproc_recv(mtl__tr *tr, int src, int tag, double *buf, int cap,
                       int *n, int *from, int *tag_out, int nonblock) {
  mtl__hub *h = tr->impl;
  mailbox *b = &h->box[tr->rank];
  msg *m = NULL;
  pthread_mutex_lock(&b->mu);
  for (;;) {
    msg *prev = NULL;
    for (m = b->head; m; prev = m, m = m->next)
      if ((src == MTL__ANY || m->src == src) &&
          (tag == MTL__ANY || m->tag == tag))
        break;
    if (m) {
      if (prev)
        prev->next = m->next;
      else
        b->head = m->next;
      if (b->tail == m)
        b->tail = prev;
      break;
    }
    if (nonblock || atomic_load(&h->closed))
      break;
    pthread_cond_wait(&b->cv, &b->mu);
  }
  pthread_mutex_unlock(&b->mu);
  if (!m) {
    if (nonblock && !atomic_load(&h->closed))
      return 0;
    return mtl__err(MTL_ECANCELLED, "transport closed while rank %d waited",
                    tr->rank);
  }
  int rc = 1;
  if (m->n > cap)
    rc = mtl__err(MTL_EDIM,
                  "transport: rank %d got a %d-double message (tag %d from "
                  "rank %d) for a %d-double buffer",
                  tr->rank, m->n, m->tag, m->src, cap);
  else if (m->n)
    memcpy(buf, m->data, (size_t)m->n * sizeof(double));
  if (n)
    *n = m->n;
  if (from)
    *from = m->src;
  if (tag_out)
    *tag_out = m->tag;
  free(m);
  return rc;
}

static void inproc_close(mtl__tr *tr) { mtl__hub_close(tr->impl); }

static const mtl__tr_vtbl inproc_vtbl = {inproc_send, inproc_recv,
                                         inproc_close};

int mtl__hub_create(int size, mtl__hub **out) {
  *out = NULL;
  if (size < 1)
    return mtl__err(MTL_EINVAL, "transport: %d ranks", size);
  mtl__hub *h = mtl__calloc(1, sizeof *h);
  if (!h)
    return MTL_ENOMEM;
  h->size = size;
  h->box = mtl__calloc((size_t)size, sizeof *h->box);
  h->eps = mtl__calloc((size_t)size, sizeof *h->eps);
  if (!h->box || !h->eps) {
    free(h->box);
    free(h->eps);
    free(h);
    return MTL_ENOMEM;
  }
  atomic_init(&h->closed, 0);
  for (int r = 0; r < size; r++) {
    pthread_mutex_init(&h->box[r].mu, NULL);
    pthread_cond_init(&h->box[r].cv, NULL);
    h->eps[r].v = &inproc_vtbl;
    h->eps[r].rank = r;
    h->eps[r].size = size;
    h->eps[r].impl = h;
  }
  *out = h;
  return MTL_OK;
}

void mtl__hub_free(mtl__hub *h) {
  if (!h)
    return;
  for (int r = 0; r < h->size; r++) {
    msg *m = h->box[r].head;
    while (m) {
      msg *nx = m->next;
      free(m);
      m = nx;
    }
    pthread_mutex_destroy(&h->box[r].mu);
    pthread_cond_destroy(&h->box[r].cv);
  }
  free(h->box);
  free(h->eps);
  free(h);
}

mtl__tr *mtl__hub_endpoint(mtl__hub *h, int rank) {
  return (rank >= 0 && rank < h->size) ? &h->eps[rank] : NULL;
}

void mtl__hub_close(mtl__hub *h) {
  atomic_store(&h->closed, 1);
  for (int r = 0; r < h->size; r++) {
    pthread_mutex_lock(&h->box[r].mu);
    pthread_cond_broadcast(&h->box[r].cv);
    pthread_mutex_unlock(&h->box[r].mu);
  }
}

typedef struct {
  mtl__hub *h;
  mtl__role_fn role;
  void *ctx;
  int rank;
  int rc;
  char msg[512];
} thread_arg;

static void *role_main(void *p) {
  thread_arg *a = p;
  a->rc = a->role(a->ctx, &a->h->eps[a->rank]);
  if (a->rc < 0) {
    /* keep this thread's message: the caller reports it */
    strncpy(a->msg, mtl_last_error(), sizeof a->msg - 1);
    mtl__hub_close(a->h);
  }
  return NULL;
}

int mtl__hub_run(mtl__hub *h, mtl__role_fn role, void *ctx) {
  int P = h->size;
  if (P > 1)
    mtl__blas_single_thread();
  pthread_t *th = mtl__calloc((size_t)P, sizeof *th);
  thread_arg *args = mtl__calloc((size_t)P, sizeof *args);
  if (!th || !args) {
    free(th);
    free(args);
    return MTL_ENOMEM;
  }
  int started = 0, rc = MTL_OK;
  for (int r = 0; r < P; r++) {
    args[r] = (thread_arg){.h = h, .role = role, .ctx = ctx, .rank = r};
    if (pthread_create(&th[r], NULL, role_main, &args[r]) != 0) {
      rc = mtl__err(MTL_ENOMEM, "transport: could not start thread for rank "
                                "%d of %d", r, P);
      mtl__hub_close(h);
      break;
    }
    started++;
  }
  for (int r = 0; r < started; r++)
    pthread_join(th[r], NULL);
  if (rc == MTL_OK) {
    /* the root cause is the first failure that is not a consequence of
     * closing the hub */
    int first = -1;
    for (int r = 0; r < started; r++)
      if (args[r].rc < 0 && (first < 0 || (args[first].rc == MTL_ECANCELLED &&
                                           args[r].rc != MTL_ECANCELLED)))
        first = r;
    if (first >= 0)
      rc = mtl__err(args[first].rc, "rank %d: %s", first, args[first].msg);
  }
  free(th);
  free(args);
  return rc;
}
