/*
 * omtl_baselines.c -- the online baselines: D-PSGD (Lian et al. 2017) over
 * the task graph, and the sequential ADMM-Single and online gradient
 * descent.
 */
#include "omtl_impl.h"
#include "transport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- D-PSGD (Lian et al. 2017) -------------------------------------------- */

/* Node k: predicts with w_k, hinge subgradient g at w_k, sends w_k to its
 * neighbours, then w_k <- sum_j M_kj w_j - gamma_t g with Metropolis
 * weights M_kj = 1 / (1 + max(deg_k, deg_j)) (uniform 1/(deg+1) on regular
 * graphs), gamma_t = step0 / sqrt(t + 1).  Async: latest w_j received. */
static int dpsgd_node(mtl__omtl_ctx *c, mtl__tr *tr) {
  const mtl_omtl_params *p = &c->p;
  int d = c->d, K = c->K, k = tr->rank;
  const int *nb;
  int deg = mtl_graph_neighbors(c->g, k, &nb);
  double *tab = mtl__calloc((size_t)(deg + 1) * d, sizeof(double));
  int64_t *stamp = mtl__calloc((size_t)(deg + 1), sizeof(int64_t));
  double *x = mtl__malloc((size_t)(3 * d + 3) * sizeof(double));
  double *codes = NULL, *fin = NULL;
  int64_t ncodes = 0, capc = 0;
  int rc = MTL_ENOMEM;
  if (!tab || !stamp || !x)
    goto done;
  double *w = tab + (size_t)deg * d, *msg = x + d, *wn = msg + d + 2;
  double tprev = mtl__now();
  int64_t t;
  for (t = 0;; t++) {
    double y, gcoef = 0, code = 0;
    int sst = mtl__feed_get(c->feed, k, t, x, &y);
    if (sst < 0) {
      rc = sst;
      goto done;
    }
    if (sst == 2)
      break;
    if (sst == 1) {
      if (p->normalize)
        mtl__omtl_normalize(d, x);
      code = mtl__omtl_predict(p, d, w, x, y, &gcoef);
    }
    if ((rc = mtl__omtl_push_code(&codes, &ncodes, &capc, code)))
      goto done;
    msg[0] = (double)t;
    memcpy(msg + 1, w, (size_t)d * sizeof(double));
    for (int e = 0; e < deg; e++)
      if ((rc = mtl__tr_send(tr, nb[e], TAG_DATA, msg, 1 + d)))
        goto done;
    for (int e = 0; e < deg; e++) {
      if (!p->async) {
        int len;
        if ((rc = mtl__tr_recv(tr, nb[e], TAG_DATA, wn, 1 + d, &len, NULL,
                               NULL)))
          goto done;
        memcpy(tab + (size_t)e * d, wn + 1, (size_t)d * sizeof(double));
      } else {
        /* newest available; wait only when too stale */
        for (;;) {
          int len;
          int r = mtl__tr_try_recv(tr, nb[e], TAG_DATA, wn, 1 + d, &len,
                                   NULL, NULL);
          if (r < 0) {
            rc = r;
            goto done;
          }
          if (r == 0) {
            if (stamp[e] >= t - p->staleness)
              break;
            if ((rc = mtl__tr_recv(tr, nb[e], TAG_DATA, wn, 1 + d, &len,
                                   NULL, NULL)))
              goto done;
          }
          stamp[e] = (int64_t)wn[0];
          memcpy(tab + (size_t)e * d, wn + 1, (size_t)d * sizeof(double));
        }
      }
    }
    double gam = p->step0 / sqrt((double)(t + 1));
    double self = 1;
    for (int i = 0; i < d; i++)
      wn[i] = 0;
    for (int e = 0; e < deg; e++) {
      int dj = mtl_graph_neighbors(c->g, nb[e], NULL);
      double m = 1.0 / (1 + (deg > dj ? deg : dj));
      self -= m;
      for (int i = 0; i < d; i++)
        wn[i] += m * tab[(size_t)e * d + i];
    }
    for (int i = 0; i < d; i++)
      w[i] = wn[i] + self * w[i] - gam * (gcoef != 0 ? gcoef * x[i] : 0.0);
    if (k == 0) {
      double now = mtl__now();
      if ((rc = mtl__omtl_push_round_time(c, now - tprev)))
        goto done;
      tprev = now;
      if ((rc = mtl__omtl_report(c, t, NAN)))
        goto done;
    }
  }
  int flen = 1 + d + (int)t;
  fin = mtl__malloc((size_t)flen * sizeof(double));
  if (!fin) {
    rc = MTL_ENOMEM;
    goto done;
  }
  if (k != 0) {
    fin[0] = k;
    memcpy(fin + 1, w, (size_t)d * sizeof(double));
    if (t)
      memcpy(fin + 1 + d, codes, (size_t)t * sizeof(double));
    rc = mtl__tr_send(tr, 0, TAG_FINAL, fin, flen);
    goto done;
  }
  signed char *cc = mtl__calloc((size_t)(t > 0 ? t : 1) * (size_t)K, 1);
  if (!cc) {
    rc = MTL_ENOMEM;
    goto done;
  }
  free(c->codes);
  c->codes = cc;
  c->rounds = t;
  memcpy(c->W, w, (size_t)d * sizeof(double));
  for (int64_t r = 0; r < t; r++)
    cc[r * K] = (signed char)codes[r];
  for (int j = 1; j < K; j++) {
    int len;
    if ((rc = mtl__tr_recv(tr, j, TAG_FINAL, fin, flen, &len, NULL, NULL)))
      goto done;
    if (len != flen) {
      rc = mtl__err(MTL_EFORMAT, "dpsgd: node %d ended after a different "
                                 "number of rounds",
                    j + 1);
      goto done;
    }
    memcpy(c->W + (size_t)j * d, fin + 1, (size_t)d * sizeof(double));
    for (int64_t r = 0; r < t; r++)
      cc[r * K + j] = (signed char)fin[1 + d + r];
  }
  rc = MTL_OK;
done:
  free(tab);
  free(stamp);
  free(x);
  free(codes);
  free(fin);
  return rc;
}

int mtl__omtl_dpsgd_role(void *ctx, mtl__tr *tr) { return dpsgd_node(ctx, tr); }

/* ---- sequential baselines ------------------------------------------------- */

/* ADMM-Single (each task its own u, v, z, w with K = 1, Omega = [1]) or
 * online gradient descent w <- w - step0/sqrt(n_k) g (n_k: instances of
 * task k so far).  No communication: a plain loop over rounds and tasks. */
int mtl__omtl_sequential(mtl__omtl_ctx *c) {
  const mtl_omtl_params *p = &c->p;
  int d = c->d, K = c->K;
  int admm = p->method == MTL_OMTL_SINGLE;
  double *st = mtl__calloc((size_t)K * 4 * d, sizeof(double));
  double *x = mtl__malloc((size_t)(3 * d) * sizeof(double));
  double *code = mtl__malloc((size_t)K * sizeof(double));
  int64_t *seen = mtl__calloc((size_t)K, sizeof(int64_t));
  int64_t *mis = mtl__calloc((size_t)K, sizeof(int64_t));
  int rc = MTL_ENOMEM;
  double one = 1, P[1], work[2];
  if (!st || !x || !code || !seen || !mis)
    goto done;
  double *sv = x + d, *un = sv + d;
  if (admm && (rc = mtl__omtl_coef(p, 1, &one, P, work)))
    goto done;
  double tprev = mtl__now();
  for (int64_t t = 0;; t++) {
    int ended = 0;
    for (int k = 0; k < K; k++) {
      double *w = st + (size_t)k * 4 * d, *v = w + d, *z = v + d, *u = z + d;
      double y, gcoef = 0;
      code[k] = 0;
      int sst = mtl__feed_get(c->feed, k, t, x, &y);
      if (sst < 0) {
        rc = sst;
        goto done;
      }
      if (sst == 2) {
        ended++;
        continue;
      }
      if (sst == 1) {
        if (p->normalize)
          mtl__omtl_normalize(d, x);
        code[k] = mtl__omtl_predict(p, d, w, x, y, &gcoef);
      }
      if (admm) {
        const double *sp[1] = {sv}, *vp[1] = {v};
        mtl__omtl_w(p, c->eta, d, w, u, v, z, x, gcoef);
        for (int i = 0; i < d; i++)
          sv[i] = z[i] + p->rho * w[i];
        mtl__omtl_u(p, d, 1, sp, vp, un);
        memcpy(u, un, (size_t)d * sizeof(double));
        mtl__omtl_vcol(p, d, 1, 0, sp, u, vp, P, un);
        memcpy(v, un, (size_t)d * sizeof(double));
        mtl__omtl_z(p, d, z, w, u, v);
      } else if (sst == 1 && gcoef != 0) {
        double gam = p->step0 / sqrt((double)(seen[k] + 1));
        for (int i = 0; i < d; i++)
          w[i] -= gam * gcoef * x[i];
      }
    }
    if (ended) {
      if (ended != K) {
        rc = mtl__err(MTL_EFORMAT, "omtl: stream ended for %d of %d tasks "
                                   "at round %lld",
                      ended, K, (long long)t);
        goto done;
      }
      break;
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
    memcpy(c->W + (size_t)k * d, st + (size_t)k * 4 * d,
           (size_t)d * sizeof(double));
    if (admm)
      memcpy(c->V + (size_t)k * d, st + (size_t)k * 4 * d + d,
             (size_t)d * sizeof(double));
  }
  rc = MTL_OK;
done:
  free(st);
  free(x);
  free(code);
  free(seen);
  free(mis);
  return rc;
}
