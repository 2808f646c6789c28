/*
 * test_transport.c -- the in-process transport (layer 5): delivery,
 * per-(source, tag) FIFO order, wildcard matching, non-blocking receive,
 * more ranks than cores, oversized messages, closing a hub, injected
 * delays, and the collectives (coll_check.h).  Internal API: includes the private header.
 */
#include "../src/transport/transport.h"
#include "check.h"
#include "coll_check.h"

#include <pthread.h>

#define NMSG 200

/* Rank 0 collects NMSG messages from every other rank, which send them
 * with two tags interleaved; per (source, tag) the payload counter must
 * arrive in order.  Then rank 0 replies to each rank (ping-pong). */
static int role_fifo(void *ctx, mtl__tr *tr) {
  int *bad = ctx;
  double buf[4];
  if (tr->rank == 0) {
    int P = tr->size;
    int *next = calloc((size_t)P * 2, sizeof(int));
    for (int k = 0; k < (P - 1) * NMSG; k++) {
      int n, from, tag;
      if (mtl__tr_recv(tr, MTL__ANY, MTL__ANY, buf, 4, &n, &from, &tag))
        return -1;
      if (n != 2 || buf[0] != from || buf[1] != next[from * 2 + tag])
        (*bad)++;
      next[from * 2 + tag]++;
    }
    free(next);
    for (int r = 1; r < P; r++) {
      buf[0] = r * 10.0;
      mtl__tr_send(tr, r, 7, buf, 1);
    }
    return 0;
  }
  int cnt[2] = {0, 0};
  for (int k = 0; k < NMSG; k++) {
    int tag = (k * 7 + tr->rank) % 2;
    buf[0] = tr->rank;
    buf[1] = cnt[tag]++;
    if (mtl__tr_send(tr, 0, tag, buf, 2))
      return -1;
  }
  int n, from, tag;
  if (mtl__tr_recv(tr, 0, 7, buf, 4, &n, &from, &tag))
    return -1;
  if (n != 1 || buf[0] != tr->rank * 10.0 || from != 0 || tag != 7)
    (*bad)++;
  return 0;
}

static void test_fifo(int P) {
  mtl__hub *h = NULL;
  CHECK_OK(mtl__hub_create(P, &h));
  int bad = 0;
  CHECK_OK(mtl__hub_run(h, role_fifo, &bad));
  CHECK(bad == 0);
  mtl__hub_free(h);
}

/* Specific-source and specific-tag receives skip non-matching messages,
 * which stay queued for later; try_recv does not block. */
static void test_matching(void) {
  mtl__hub *h = NULL;
  CHECK_OK(mtl__hub_create(3, &h));
  mtl__tr *a = mtl__hub_endpoint(h, 0), *b = mtl__hub_endpoint(h, 1),
          *c = mtl__hub_endpoint(h, 2);
  double x = 1, y = 2, z = 3, out[2];
  int n, from, tag;
  CHECK(mtl__tr_try_recv(a, MTL__ANY, MTL__ANY, out, 2, &n, &from, &tag) ==
        0);
  CHECK_OK(mtl__tr_send(b, 0, 5, &x, 1));
  CHECK_OK(mtl__tr_send(c, 0, 6, &y, 1));
  CHECK_OK(mtl__tr_send(b, 0, 6, &z, 1));
  CHECK_OK(mtl__tr_recv(a, 2, MTL__ANY, out, 2, &n, &from, &tag));
  CHECK(out[0] == 2 && from == 2 && tag == 6);
  CHECK_OK(mtl__tr_recv(a, MTL__ANY, 6, out, 2, &n, &from, &tag));
  CHECK(out[0] == 3 && from == 1);
  CHECK(mtl__tr_try_recv(a, 1, 5, out, 2, &n, &from, &tag) == 1);
  CHECK(out[0] == 1);
  /* oversized message: error naming both sizes, message consumed */
  double big[5] = {0};
  CHECK_OK(mtl__tr_send(b, 0, 1, big, 5));
  CHECK_ERR(mtl__tr_recv(a, MTL__ANY, MTL__ANY, out, 2, &n, NULL, NULL),
            MTL_EDIM);
  CHECK_MSG("5-double message");
  CHECK(mtl__tr_try_recv(a, MTL__ANY, MTL__ANY, out, 2, &n, NULL, NULL) ==
        0);
  /* bad destination / tag */
  CHECK_ERR(mtl__tr_send(b, 3, 0, &x, 1), MTL_EINVAL);
  CHECK_ERR(mtl__tr_send(b, 0, -2, &x, 1), MTL_EINVAL);
  /* a queued but unreceived message is freed with the hub (ASan) */
  CHECK_OK(mtl__tr_send(c, 1, 0, &x, 1));
  mtl__hub_free(h);
}

/* A role that fails closes the hub: a peer blocked in recv returns
 * MTL_ECANCELLED and the run reports the root cause (rank 1). */
static int role_fail(void *ctx, mtl__tr *tr) {
  (void)ctx;
  double buf[1];
  if (tr->rank == 1)
    return mtl__err(MTL_EFORMAT, "task 7 has bad data");
  return mtl__tr_recv(tr, MTL__ANY, MTL__ANY, buf, 1, NULL, NULL, NULL);
}

static void test_failure(void) {
  mtl__hub *h = NULL;
  CHECK_OK(mtl__hub_create(4, &h));
  CHECK_ERR(mtl__hub_run(h, role_fail, NULL), MTL_EFORMAT);
  CHECK_MSG("rank 1: task 7 has bad data");
  mtl__hub_free(h);
}

/* Injected delay: each send sleeps offset + jitter*U; measured wall time
 * covers the sum and last_delay_ms reports each one. */
static void test_delay(void) {
  mtl__hub *h = NULL;
  CHECK_OK(mtl__hub_create(2, &h));
  mtl__tr *a = mtl__hub_endpoint(h, 0), *b = mtl__hub_endpoint(h, 1);
  mtl__delay d = {.offset_ms = 5, .jitter_ms = 2, .dist = 0, .seed = 3};
  mtl__tr_set_delay(b, &d);
  double x = 0, sum = 0, t0 = 0;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  t0 = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
  for (int k = 0; k < 5; k++) {
    CHECK_OK(mtl__tr_send(b, 0, 0, &x, 1));
    CHECK(b->last_delay_ms >= 5 && b->last_delay_ms <= 7);
    sum += b->last_delay_ms;
  }
  clock_gettime(CLOCK_MONOTONIC, &ts);
  double el = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6 - t0;
  CHECK(el >= sum - 0.01);
  CHECK(b->msgs_sent == 5 && b->bytes_sent == 5 * sizeof(double));
  for (int k = 0; k < 5; k++)
    CHECK_OK(mtl__tr_recv(a, 1, 0, &x, 1, NULL, NULL, NULL));
  mtl__hub_free(h);
}

/* The collectives on the in-process hub, every rank a thread. */
static int role_coll(void *ctx, mtl__tr *tr) {
  _Atomic int *bad = ctx;
  *bad += coll_checks(tr);
  return 0;
}

static void test_collectives(int P) {
  mtl__hub *h = NULL;
  CHECK_OK(mtl__hub_create(P, &h));
  _Atomic int bad = 0;
  CHECK_OK(mtl__hub_run(h, role_coll, (void *)&bad));
  CHECK(bad == 0);
  mtl__hub_free(h);
}

int main(void) {
  test_fifo(2);
  test_fifo(9);
  test_fifo(64); /* many more ranks than cores */
  test_matching();
  test_failure();
  test_delay();
  test_collectives(1);
  test_collectives(2);
  test_collectives(5);
  test_collectives(17);
  CHECK_DONE();
}
