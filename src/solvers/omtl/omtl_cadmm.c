/*
 * omtl_cadmm.c -- C-ADMM (Algorithm 1 of Li et al. 2024): the server
 * (rank 0: u-, V-step and Omega over every task's s_k) and the task nodes
 * (prediction, w- and z-steps), over the message transport.
 */
#include "omtl_impl.h"
#include "transport.h"

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

/* Server: gathers s_k of every task (in task order), u-step, V-step with
 * the current P, sends (t, u, v_k), then Omega (18) every omega_every
 * rounds and P for the next round. */
static int cadmm_server(mtl__omtl_ctx *c, mtl__tr *tr) {
  int d = c->d, K = c->K;
  const mtl_omtl_params *p = &c->p;
  size_t KK = (size_t)K * K;
  double *S = mtl__calloc((size_t)d * K, sizeof(double));
  double *V = mtl__calloc((size_t)d * K, sizeof(double));
  double *Vn = mtl__calloc((size_t)d * K, sizeof(double));
  double *u = mtl__calloc((size_t)d, sizeof(double));
  double *P = mtl__malloc(KK * sizeof(double));
  double *Om = mtl__calloc(KK, sizeof(double));
  double *work = mtl__malloc(2 * KK * sizeof(double));
  double *msg = mtl__malloc((size_t)(4 + 2 * d) * sizeof(double));
  double *code = mtl__malloc((size_t)K * sizeof(double));
  const double **s = mtl__malloc((size_t)K * sizeof *s);
  const double **v = mtl__malloc((size_t)K * sizeof *v);
  int64_t *seen = mtl__calloc((size_t)K, sizeof(int64_t));
  int64_t *mis = mtl__calloc((size_t)K, sizeof(int64_t));
  int rc = MTL_ENOMEM;
  if (!S || !V || !Vn || !u || !P || !Om || !work || !msg || !code || !s ||
      !v || !seen || !mis)
    goto done;
  for (int k = 0; k < K; k++) {
    s[k] = S + (size_t)k * d;
    v[k] = V + (size_t)k * d;
    Om[k + (size_t)k * K] = 1.0 / K;
  }
  if ((rc = mtl__omtl_coef(p, K, Om, P, work)))
    goto done;
  double tprev = mtl__now();
  for (int64_t t = 0;; t++) {
    int ended = 0;
    for (int k = 0; k < K; k++) {
      int n;
      if ((rc = mtl__tr_recv(tr, k + 1, TAG_DATA, msg, 4 + d, &n, NULL,
                             NULL)))
        goto done;
      if (msg[0] != (double)t || msg[1] != k) {
        rc = mtl__err(MTL_EFORMAT,
                      "cadmm server: round %lld: message from task %d is "
                      "for round %g, task %g",
                      (long long)t, k + 1, msg[0], msg[1] + 1);
        goto done;
      }
      if (msg[2] == 2) {
        ended++;
        continue;
      }
      code[k] = msg[3];
      memcpy(S + (size_t)k * d, msg + 4, (size_t)d * sizeof(double));
    }
    if (ended) {
      if (ended != K) {
        rc = mtl__err(MTL_EFORMAT, "cadmm server: round %lld: %d of %d task "
                                   "nodes ended",
                      (long long)t, ended, K);
        goto done;
      }
      break;
    }
    mtl__omtl_u(p, d, K, s, v, u);
    for (int k = 0; k < K; k++)
      mtl__omtl_vcol(p, d, K, k, s, u, v, P, Vn + (size_t)k * d);
    memcpy(V, Vn, (size_t)d * K * sizeof(double));
    msg[0] = (double)t;
    memcpy(msg + 1, u, (size_t)d * sizeof(double));
    for (int k = 0; k < K; k++) {
      memcpy(msg + 1 + d, V + (size_t)k * d, (size_t)d * sizeof(double));
      if ((rc = mtl__tr_send(tr, k + 1, TAG_REPLY, msg, 1 + 2 * d)))
        goto done;
    }
    if (p->learn_omega && (t + 1) % p->omega_every == 0) {
      if ((rc = mtl__omtl_omega_update(d, K, v, p->eps, Om, work)) ||
          (rc = mtl__omtl_coef(p, K, Om, P, work)))
        goto done;
    }
    double now = mtl__now();
    if ((rc = mtl__omtl_collect_round(c, code, now - tprev)))
      goto done;
    tprev = now;
    if ((rc =
             mtl__omtl_report(c, t, mtl__omtl_running_err(c, seen, mis, code))))
      goto done;
  }
  for (int k = 0; k < K; k++) {
    int n;
    if ((rc = mtl__tr_recv(tr, k + 1, TAG_FINAL, msg, 1 + d, &n, NULL, NULL)))
      goto done;
    memcpy(c->W + (size_t)k * d, msg + 1, (size_t)d * sizeof(double));
  }
  memcpy(c->V, V, (size_t)d * K * sizeof(double));
  memcpy(c->u, u, (size_t)d * sizeof(double));
done:
  free(S);
  free(V);
  free(Vn);
  free(u);
  free(P);
  free(Om);
  free(work);
  free(msg);
  free(code);
  free(s);
  free(v);
  free(seen);
  free(mis);
  return rc;
}

int mtl__omtl_cadmm_role(void *ctx, mtl__tr *tr) {
  mtl__omtl_ctx *c = ctx;
  return tr->rank == 0 ? cadmm_server(c, tr) : cadmm_node(c, tr);
}
