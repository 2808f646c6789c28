/*
 * omtl_baselines.c -- the online baselines: D-PSGD (Lian et al. 2017) over
 * the task graph, and the sequential ADMM-Single and online gradient
 * descent.
 */
#include "omtl_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- D-PSGD (Lian et al. 2017) -------------------------------------------- */

/* Node k of D-PSGD: its neighbours' latest w_j and its own w_k. */
typedef struct pnode {
  int d, k, deg;
  const int *nb;
  double *tab;          /* (deg + 1) x d: w_j of each neighbour, then w_k */
  int64_t *stamp;       /* deg: round of each neighbour's latest w_j */
  double *x, *msg, *wn; /* one allocation: x (d), msg (d + 2), wn (d + 1) */
  double *w;            /* w_k (last row of tab) */
  double *codes;        /* its prediction codes: ncodes of capc */
  int64_t ncodes, capc;
} pnode;

/* Sends w_k stamped with round t to every neighbour and collects theirs:
 * round-synchronous, or (async) the newest available, waiting only when a
 * neighbour is more than `staleness` rounds behind. */
static int pnode_exchange(mtl__tr *tr, const mtl_omtl_params *p, pnode *n,
                          int64_t t) {
  int d = n->d, rc;
  n->msg[0] = (double)t;
  memcpy(n->msg + 1, n->w, (size_t)d * sizeof(double));
  for (int e = 0; e < n->deg; e++)
    if ((rc = mtl__tr_send(tr, n->nb[e], TAG_DATA, n->msg, 1 + d)))
      return rc;
  for (int e = 0; e < n->deg; e++) {
    int len;
    if (!p->async) {
      if ((rc = mtl__tr_recv(tr, n->nb[e], TAG_DATA, n->wn, 1 + d, &len, NULL,
                             NULL)))
        return rc;
      memcpy(n->tab + (size_t)e * d, n->wn + 1, (size_t)d * sizeof(double));
      continue;
    }
    for (;;) {
      int r = mtl__tr_try_recv(tr, n->nb[e], TAG_DATA, n->wn, 1 + d, &len,
                               NULL, NULL);
      if (r < 0)
        return r;
      if (r == 0) {
        if (n->stamp[e] >= t - p->staleness)
          break;
        if ((rc = mtl__tr_recv(tr, n->nb[e], TAG_DATA, n->wn, 1 + d, &len,
                               NULL, NULL)))
          return rc;
      }
      n->stamp[e] = (int64_t)n->wn[0];
      memcpy(n->tab + (size_t)e * d, n->wn + 1, (size_t)d * sizeof(double));
    }
  }
  return MTL_OK;
}

/* w_k <- sum_j M_kj w_j - gamma_t g (Metropolis weights, g = gcoef x). */
static void pnode_mix(const mtl__omtl_ctx *c, pnode *n, int64_t t,
                      double gcoef) {
  int d = n->d, deg = n->deg;
  double *wn = n->wn, *w = n->w;
  double gam = c->p.step0 / sqrt((double)(t + 1));
  double self = 1;
  for (int i = 0; i < d; i++)
    wn[i] = 0;
  for (int e = 0; e < deg; e++) {
    int dj = mtl_graph_neighbors(c->g, n->nb[e], NULL);
    double m = 1.0 / (1 + (deg > dj ? deg : dj));
    self -= m;
    for (int i = 0; i < d; i++)
      wn[i] += m * n->tab[(size_t)e * d + i];
  }
  for (int i = 0; i < d; i++)
    w[i] = wn[i] + self * w[i] - gam * (gcoef != 0 ? gcoef * n->x[i] : 0.0);
}

/* After t rounds: (k, w, codes (t)) to node 0, which assembles the
 * result. */
static int pnode_final(mtl__omtl_ctx *c, mtl__tr *tr, const pnode *n,
                       int64_t t) {
  int d = c->d, K = c->K, rc = MTL_OK;
  int flen = 1 + d + (int)t;
  double *fin = mtl__malloc((size_t)flen * sizeof(double));
  signed char *cc = NULL;
  if (!fin)
    return MTL_ENOMEM;
  if (n->k != 0) {
    fin[0] = n->k;
    memcpy(fin + 1, n->w, (size_t)d * sizeof(double));
    if (t)
      memcpy(fin + 1 + d, n->codes, (size_t)t * sizeof(double));
    rc = mtl__tr_send(tr, 0, TAG_FINAL, fin, flen);
    goto done;
  }
  cc = mtl__calloc((size_t)(t > 0 ? t : 1) * (size_t)K, 1);
  if (!cc) {
    rc = MTL_ENOMEM;
    goto done;
  }
  free(c->codes);
  c->codes = cc;
  c->rounds = t;
  memcpy(c->W, n->w, (size_t)d * sizeof(double));
  for (int64_t r = 0; r < t; r++)
    cc[r * K] = (signed char)n->codes[r];
  for (int j = 1; j < K && !rc; j++) {
    int len;
    if ((rc = mtl__tr_recv(tr, j, TAG_FINAL, fin, flen, &len, NULL, NULL)))
      break;
    if (len != flen) {
      rc = mtl__err(MTL_EFORMAT, "dpsgd: node %d ended after a different "
                                 "number of rounds",
                    j + 1);
      break;
    }
    memcpy(c->W + (size_t)j * d, fin + 1, (size_t)d * sizeof(double));
    for (int64_t r = 0; r < t; r++)
      cc[r * K + j] = (signed char)fin[1 + d + r];
  }
done:
  free(fin);
  return rc;
}

/* Node k: predicts with w_k, hinge subgradient g at w_k, sends w_k to its
 * neighbours, then w_k <- sum_j M_kj w_j - gamma_t g with Metropolis
 * weights M_kj = 1 / (1 + max(deg_k, deg_j)) (uniform 1/(deg+1) on regular
 * graphs), gamma_t = step0 / sqrt(t + 1).  Async: latest w_j received. */
static int dpsgd_node(mtl__omtl_ctx *c, mtl__tr *tr) {
  const mtl_omtl_params *p = &c->p;
  int d = c->d, k = tr->rank;
  pnode n = {.d = d, .k = k};
  n.deg = mtl_graph_neighbors(c->g, k, &n.nb);
  n.tab = mtl__calloc((size_t)(n.deg + 1) * d, sizeof(double));
  n.stamp = mtl__calloc((size_t)(n.deg + 1), sizeof(int64_t));
  n.x = mtl__malloc((size_t)(3 * d + 3) * sizeof(double));
  int rc = MTL_ENOMEM;
  if (!n.tab || !n.stamp || !n.x)
    goto done;
  n.w = n.tab + (size_t)n.deg * d;
  n.msg = n.x + d;
  n.wn = n.msg + d + 2;
  double tprev = mtl__now();
  int64_t t;
  for (t = 0;; t++) {
    double y, gcoef = 0, code = 0;
    int sst = mtl__feed_get(c->feed, k, t, n.x, &y);
    if (sst < 0) {
      rc = sst;
      goto done;
    }
    if (sst == 2)
      break;
    if (sst == 1) {
      if (p->normalize)
        mtl__omtl_normalize(d, n.x);
      code = mtl__omtl_predict(p, d, n.w, n.x, y, &gcoef);
    }
    if ((rc = mtl__omtl_push_code(&n.codes, &n.ncodes, &n.capc, code)) ||
        (rc = pnode_exchange(tr, p, &n, t)))
      goto done;
    pnode_mix(c, &n, t, gcoef);
    if (k == 0 && (rc = mtl__omtl_round_done(c, t, &tprev)))
      goto done;
  }
  rc = pnode_final(c, tr, &n, t);
done:
  free(n.tab);
  free(n.stamp);
  free(n.x);
  free(n.codes);
  return rc;
}

int mtl__omtl_dpsgd_role(void *ctx, mtl__tr *tr) { return dpsgd_node(ctx, tr); }

/* ---- sequential baselines ------------------------------------------------- */

/* One ADMM-Single round of a task: w-, u-, v- and z-steps with K = 1 on
 * its state w (then v, z, u: d each); sv, un: d scratch each. */
static void single_step(const mtl_omtl_params *p, double eta, int d,
                        double *w, const double *x, double gcoef,
                        const double *P, double *sv, double *un) {
  double *v = w + d, *z = v + d, *u = z + d;
  const double *sp[1] = {sv}, *vp[1] = {v};
  mtl__omtl_w(p, eta, d, w, u, v, z, x, gcoef);
  for (int i = 0; i < d; i++)
    sv[i] = z[i] + p->rho * w[i];
  mtl__omtl_u(p, d, 1, sp, vp, un);
  memcpy(u, un, (size_t)d * sizeof(double));
  mtl__omtl_vcol(p, d, 1, 0, sp, u, vp, P, un);
  memcpy(v, un, (size_t)d * sizeof(double));
  mtl__omtl_z(p, d, z, w, u, v);
}

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
      double *w = st + (size_t)k * 4 * d;
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
        single_step(p, c->eta, d, w, x, gcoef, P, sv, un);
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
