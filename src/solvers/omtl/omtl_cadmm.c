/*
 * omtl_cadmm.c -- C-ADMM (Algorithm 1 of Li et al. 2024): the server
 * (rank 0: u-, V-step and Omega over every task's s_k) and the task nodes
 * (prediction, w- and z-steps), over the message transport.
 */
#include "omtl_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- C-ADMM (Algorithm 1) ------------------------------------------------- */

/* Task node k = rank - 1: predicts, w-step, sends (t, k, status, code, s_k)
 * to the server, receives (t, u, v_k), z-step.  At the end sends (k, w). */
static int cadmm_node(mtl__omtl_ctx *c, mtl__tr *tr) {
  int d = c->d, k = tr->rank - 1;
  const mtl_omtl_params *p = &c->p;
  double *buf = mtl__calloc((size_t)(7 * d + 8), sizeof(double));
  if (!buf)
    return MTL_ENOMEM;
  double *w = buf, *v = w + d, *z = v + d, *u = z + d, *x = u + d;
  double *msg = x + d; /* 4 + d, reused for the reply (1 + 2d) */
  int rc = MTL_OK;
  for (int64_t t = 0;; t++) {
    double y, gcoef = 0, code = 0;
    int st = mtl__feed_get(c->feed, k, t, x, &y);
    if (st < 0) {
      rc = st;
      goto done;
    }
    if (st == 1) {
      if (p->normalize)
        mtl__omtl_normalize(d, x);
      code = mtl__omtl_predict(p, d, w, x, y, &gcoef);
    }
    msg[0] = (double)t;
    msg[1] = k;
    msg[2] = st;
    msg[3] = code;
    if (st == 2) {
      if ((rc = mtl__tr_send(tr, 0, TAG_DATA, msg, 4)))
        goto done;
      break;
    }
    mtl__omtl_w(p, c->eta, d, w, u, v, z, x, gcoef);
    for (int i = 0; i < d; i++)
      msg[4 + i] = z[i] + p->rho * w[i];
    if ((rc = mtl__tr_send(tr, 0, TAG_DATA, msg, 4 + d)))
      goto done;
    int n;
    if ((rc = mtl__tr_recv(tr, 0, TAG_REPLY, msg, 1 + 2 * d, &n, NULL, NULL)))
      goto done;
    if (n != 1 + 2 * d || msg[0] != (double)t) {
      rc = mtl__err(MTL_EFORMAT, "cadmm node %d: bad reply for round %lld",
                    k + 1, (long long)t);
      goto done;
    }
    memcpy(u, msg + 1, (size_t)d * sizeof(double));
    memcpy(v, msg + 1 + d, (size_t)d * sizeof(double));
    mtl__omtl_z(p, d, z, w, u, v);
  }
  msg[0] = k;
  memcpy(msg + 1, w, (size_t)d * sizeof(double));
  rc = mtl__tr_send(tr, 0, TAG_FINAL, msg, 1 + d);
done:
  free(buf);
  return rc;
}

/* The server's state: every task's s_k and v_k, u, Omega and P. */
typedef struct server {
  double *S, *V, *Vn, *u; /* d x K, d x K, d x K, d */
  double *P, *Om, *work;  /* K x K, K x K, 2 K x K */
  double *msg, *code;     /* 4 + 2d, K */
  const double **s, **v;  /* K: the columns of S and V */
  int64_t *seen, *mis;    /* K: running error counts */
} server;

static void server_free(server *sv) {
  free(sv->S);
  free(sv->V);
  free(sv->Vn);
  free(sv->u);
  free(sv->P);
  free(sv->Om);
  free(sv->work);
  free(sv->msg);
  free(sv->code);
  free(sv->s);
  free(sv->v);
  free(sv->seen);
  free(sv->mis);
}

/* Zero state, Omega = I / K. */
static int server_init(server *sv, int d, int K) {
  size_t KK = (size_t)K * K;
  sv->S = mtl__calloc((size_t)d * K, sizeof(double));
  sv->V = mtl__calloc((size_t)d * K, sizeof(double));
  sv->Vn = mtl__calloc((size_t)d * K, sizeof(double));
  sv->u = mtl__calloc((size_t)d, sizeof(double));
  sv->P = mtl__malloc(KK * sizeof(double));
  sv->Om = mtl__calloc(KK, sizeof(double));
  sv->work = mtl__malloc(2 * KK * sizeof(double));
  sv->msg = mtl__malloc((size_t)(4 + 2 * d) * sizeof(double));
  sv->code = mtl__malloc((size_t)K * sizeof(double));
  sv->s = mtl__malloc((size_t)K * sizeof *sv->s);
  sv->v = mtl__malloc((size_t)K * sizeof *sv->v);
  sv->seen = mtl__calloc((size_t)K, sizeof(int64_t));
  sv->mis = mtl__calloc((size_t)K, sizeof(int64_t));
  if (!sv->S || !sv->V || !sv->Vn || !sv->u || !sv->P || !sv->Om ||
      !sv->work || !sv->msg || !sv->code || !sv->s || !sv->v || !sv->seen ||
      !sv->mis)
    return MTL_ENOMEM;
  for (int k = 0; k < K; k++) {
    sv->s[k] = sv->S + (size_t)k * d;
    sv->v[k] = sv->V + (size_t)k * d;
    sv->Om[k + (size_t)k * K] = 1.0 / K;
  }
  return MTL_OK;
}

/* Round t's message of every task node (in task order): 0 with s_k and the
 * codes stored, 1 when every node's stream has ended, or an error. */
static int server_gather(const mtl__omtl_ctx *c, mtl__tr *tr, server *sv,
                         int64_t t) {
  int d = c->d, K = c->K, ended = 0, rc;
  double *msg = sv->msg;
  for (int k = 0; k < K; k++) {
    int n;
    if ((rc = mtl__tr_recv(tr, k + 1, TAG_DATA, msg, 4 + d, &n, NULL, NULL)))
      return rc;
    if (msg[0] != (double)t || msg[1] != k)
      return mtl__err(MTL_EFORMAT,
                      "cadmm server: round %lld: message from task %d is "
                      "for round %g, task %g",
                      (long long)t, k + 1, msg[0], msg[1] + 1);
    if (msg[2] == 2) {
      ended++;
      continue;
    }
    sv->code[k] = msg[3];
    memcpy(sv->S + (size_t)k * d, msg + 4, (size_t)d * sizeof(double));
  }
  if (ended && ended != K)
    return mtl__err(MTL_EFORMAT, "cadmm server: round %lld: %d of %d task "
                                 "nodes ended",
                    (long long)t, ended, K);
  return ended ? 1 : 0;
}

/* u-step, V-step with the current P, (t, u, v_k) to every node, then Omega
 * (18) every omega_every rounds and P for the next round. */
static int server_step(const mtl__omtl_ctx *c, mtl__tr *tr, server *sv,
                       int64_t t) {
  const mtl_omtl_params *p = &c->p;
  int d = c->d, K = c->K, rc;
  double *msg = sv->msg;
  mtl__omtl_u(p, d, K, sv->s, sv->v, sv->u);
  for (int k = 0; k < K; k++)
    mtl__omtl_vcol(p, d, K, k, sv->s, sv->u, sv->v, sv->P,
                   sv->Vn + (size_t)k * d);
  memcpy(sv->V, sv->Vn, (size_t)d * K * sizeof(double));
  msg[0] = (double)t;
  memcpy(msg + 1, sv->u, (size_t)d * sizeof(double));
  for (int k = 0; k < K; k++) {
    memcpy(msg + 1 + d, sv->V + (size_t)k * d, (size_t)d * sizeof(double));
    if ((rc = mtl__tr_send(tr, k + 1, TAG_REPLY, msg, 1 + 2 * d)))
      return rc;
  }
  if (p->learn_omega && (t + 1) % p->omega_every == 0) {
    if ((rc = mtl__omtl_omega_update(d, K, sv->v, p->eps, sv->Om, sv->work)) ||
        (rc = mtl__omtl_coef(p, K, sv->Om, sv->P, sv->work)))
      return rc;
  }
  return MTL_OK;
}

/* Server: gathers s_k of every task (in task order), u-step, V-step with
 * the current P, sends (t, u, v_k), then Omega (18) every omega_every
 * rounds and P for the next round. */
static int cadmm_server(mtl__omtl_ctx *c, mtl__tr *tr) {
  int d = c->d, K = c->K;
  server sv;
  memset(&sv, 0, sizeof sv);
  int rc = server_init(&sv, d, K);
  if (rc || (rc = mtl__omtl_coef(&c->p, K, sv.Om, sv.P, sv.work)))
    goto done;
  double tprev = mtl__now();
  for (int64_t t = 0;; t++) {
    if ((rc = server_gather(c, tr, &sv, t)) < 0)
      goto done;
    if (rc == 1)
      break;
    if ((rc = server_step(c, tr, &sv, t)))
      goto done;
    double now = mtl__now();
    if ((rc = mtl__omtl_collect_round(c, sv.code, now - tprev)))
      goto done;
    tprev = now;
    double err = mtl__omtl_running_err(c, sv.seen, sv.mis, sv.code);
    if ((rc = mtl__omtl_report(c, t, err)))
      goto done;
  }
  rc = MTL_OK;
  for (int k = 0; k < K && !rc; k++) {
    int n;
    rc = mtl__tr_recv(tr, k + 1, TAG_FINAL, sv.msg, 1 + d, &n, NULL, NULL);
    if (!rc)
      memcpy(c->W + (size_t)k * d, sv.msg + 1, (size_t)d * sizeof(double));
  }
  if (!rc) {
    memcpy(c->V, sv.V, (size_t)d * K * sizeof(double));
    memcpy(c->u, sv.u, (size_t)d * sizeof(double));
  }
done:
  server_free(&sv);
  return rc;
}

int mtl__omtl_cadmm_role(void *ctx, mtl__tr *tr) {
  mtl__omtl_ctx *c = ctx;
  return tr->rank == 0 ? cadmm_server(c, tr) : cadmm_node(c, tr);
}
