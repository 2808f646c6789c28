/*
 * omtl_dadmm.c -- D-ADMM (Algorithm 2 of Li et al. 2024): one node per
 * task on a graph, each with its own u, V and Omega from its neighbours'
 * messages and the entries they gossip one hop per round; [mpi] checkpoints
 * of the round-synchronous run (rank 0 gathers every node's state).
 */
#include "omtl_impl.h"
#include "transport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- D-ADMM (Algorithm 2) ------------------------------------------------- */

/* Node k's view of node j: s_j = z_j + rho w_j and v_j as sent by j at
 * round stamp[j] (-1: never heard, values 0 = the common initial state).
 * Message to neighbour m at round t: [t, k, code, nent] then nent entries
 * [src, stamp, s (d), v (d)]: the node's own entry, then the entries it
 * knows (from before this round) of nodes that are not neighbours of m
 * (gossip: an entry travels one hop per round). */
typedef struct dnode {
  int K, d, k;
  int deg;
  const int *nb;
  double *tab;     /* K x 2d: s_j then v_j */
  int64_t *stamp;  /* K */
  int *first;      /* K: first round at whose end j's entry was held */
  double *msg, *in;
  int cap;         /* doubles in msg/in */
} dnode;

static int dnode_pack(dnode *n, const mtl_graph *g, int m, int64_t t,
                      double code) {
  int d = n->d;
  double *q = n->msg;
  q[0] = (double)t;
  q[1] = n->k;
  q[2] = code;
  int nent = 0, pos = 4;
  for (int j = 0; j < n->K; j++) {
    if (j == m || n->stamp[j] < 0)
      continue;
    if (j != n->k && mtl_graph_distance(g, m, j) <= 1)
      continue;
    q[pos] = j;
    q[pos + 1] = (double)n->stamp[j];
    memcpy(q + pos + 2, n->tab + (size_t)j * 2 * d,
           (size_t)2 * d * sizeof(double));
    pos += 2 + 2 * d;
    nent++;
  }
  q[3] = nent;
  return pos;
}

/* Merges a received message: keeps the newer entry per source. */
static int dnode_merge(dnode *n, const double *q, int len) {
  int d = n->d, nent = (int)q[3], pos = 4;
  if (len != 4 + nent * (2 + 2 * d))
    return mtl__err(MTL_EFORMAT, "dadmm node %d: malformed message (%d "
                                 "doubles, %d entries)",
                    n->k + 1, len, nent);
  for (int e = 0; e < nent; e++, pos += 2 + 2 * d) {
    int j = (int)q[pos];
    int64_t st = (int64_t)q[pos + 1];
    if (j < 0 || j >= n->K)
      return mtl__err(MTL_EFORMAT, "dadmm node %d: entry for node %d",
                      n->k + 1, j + 1);
    if (j == n->k || st <= n->stamp[j])
      continue;
    n->stamp[j] = st;
    memcpy(n->tab + (size_t)j * 2 * d, q + pos + 2,
           (size_t)2 * d * sizeof(double));
  }
  return MTL_OK;
}

/* ---- [mpi] D-ADMM checkpoints -------------------------------------------------
 * A node's state at the end of round t: [k, t, w, z, u (d each), its table
 * (K x 2d), stamps (K), first-known rounds (K), Omega (K x K), its codes of
 * rounds 0..t].  In round-synchronous mode the end of round t is a
 * consistent cut (every round-t message has been received), so rank 0
 * gathers all K states after its own round t and writes one file; P is
 * recomputed from Omega.  On resume rank 0 reads the file and sends each
 * node its state back. */
static int64_t dstate_len(int K, int d, int64_t t) {
  return 2 + 3 * (int64_t)d + (int64_t)K * 2 * d + 2 * (int64_t)K +
         (int64_t)K * K + t + 1;
}

static void dstate_pack(double *b, int K, int d, int k, int64_t t,
                        const double *w, const double *z, const double *u,
                        const dnode *n, const double *Om,
                        const double *codes) {
  size_t KK = (size_t)K * K;
  b[0] = k;
  b[1] = (double)t;
  double *q = b + 2;
  memcpy(q, w, (size_t)d * sizeof(double));
  memcpy(q + d, z, (size_t)d * sizeof(double));
  memcpy(q + 2 * d, u, (size_t)d * sizeof(double));
  q += 3 * d;
  memcpy(q, n->tab, (size_t)K * 2 * d * sizeof(double));
  q += (size_t)K * 2 * d;
  for (int j = 0; j < K; j++) {
    q[j] = (double)n->stamp[j];
    q[K + j] = n->first[j];
  }
  q += 2 * K;
  memcpy(q, Om, KK * sizeof(double));
  q += KK;
  memcpy(q, codes, (size_t)(t + 1) * sizeof(double));
}

static void dstate_unpack(const double *b, int K, int d, int64_t t,
                          double *w, double *z, double *u, dnode *n,
                          double *Om, double *codes) {
  size_t KK = (size_t)K * K;
  const double *q = b + 2;
  memcpy(w, q, (size_t)d * sizeof(double));
  memcpy(z, q + d, (size_t)d * sizeof(double));
  memcpy(u, q + 2 * d, (size_t)d * sizeof(double));
  q += 3 * d;
  memcpy(n->tab, q, (size_t)K * 2 * d * sizeof(double));
  q += (size_t)K * 2 * d;
  for (int j = 0; j < K; j++) {
    n->stamp[j] = (int64_t)q[j];
    n->first[j] = (int)q[K + j];
  }
  q += 2 * K;
  memcpy(Om, q, KK * sizeof(double));
  q += KK;
  memcpy(codes, q, (size_t)(t + 1) * sizeof(double));
}

/* Every node: its state of round t to rank 0; rank 0: gathers them (its
 * own first) and writes the checkpoint.  buf holds dstate_len doubles. */
static int dadmm_ckpt(mtl__omtl_ctx *c, mtl__tr *tr, double *buf, int64_t t) {
  int K = c->K, d = c->d, rc = MTL_OK;
  int64_t len = dstate_len(K, d, t);
  if (tr->rank != 0)
    return mtl__tr_send(tr, 0, TAG_CKPT, buf, (int)len);
  mtl__ckfile f;
  memset(&f, 0, sizeof f);
  snprintf(f.kind, sizeof f.kind, "dadmm");
  double hdr[5] = {K, d, (double)t, c->eta, c->p.rho};
  rc = mtl__ck_put(&f, "header", hdr, 5);
  char name[32];
  for (int j = 0; j < K && !rc; j++) {
    int n;
    if (j > 0 && (rc = mtl__tr_recv(tr, j, TAG_CKPT, buf, (int)len, &n, NULL,
                                    NULL)))
      break;
    if (j > 0 && (n != len || (int)buf[0] != j || buf[1] != (double)t)) {
      rc = mtl__err(MTL_EFORMAT, "dadmm checkpoint: node %d sent a bad state "
                                 "for round %lld",
                    j + 1, (long long)t + 1);
      break;
    }
    snprintf(name, sizeof name, "node%d", j);
    rc = mtl__ck_put(&f, name, buf, len);
  }
  if (!rc)
    rc = mtl__ck_write(&f, c->ck->path);
  if (!rc)
    c->ck->written++;
  mtl__ck_clear(&f);
  return rc;
}

/* Rank 0 reads the checkpoint and sends node j its state (TAG_CKPT); every
 * node receives its own into buf (capacity cap).  Returns the round t of
 * the checkpoint (>= 0) or an error. */
static int64_t dadmm_resume(mtl__omtl_ctx *c, mtl__tr *tr, double **buf,
                            int64_t *cap) {
  int K = c->K, d = c->d, rc = MTL_OK;
  int64_t t = -1;
  if (tr->rank == 0) {
    mtl__ckfile f;
    const char *path = c->ck->resume;
    if ((rc = mtl__ck_read(path, &f)))
      return rc;
    const double *h = mtl__ck_get(&f, path, "header", 5);
    if (!h)
      rc = MTL_EFORMAT;
    else if (strcmp(f.kind, "dadmm") || h[0] != K || h[1] != d ||
             h[3] != c->eta || h[4] != c->p.rho)
      rc = mtl__err(MTL_EINVAL, "checkpoint '%s' is of a %s run with K = %g, "
                                "d = %g, eta = %g, rho = %g; this D-ADMM run "
                                "has K = %d, d = %d, eta = %g, rho = %g",
                    path, f.kind, h[0], h[1], h[3], h[4], K, d, c->eta,
                    c->p.rho);
    else
      t = (int64_t)h[2];
    int64_t len = t >= 0 ? dstate_len(K, d, t) : 0;
    char name[32];
    for (int j = K - 1; j >= 0 && !rc; j--) {
      snprintf(name, sizeof name, "node%d", j);
      const double *x = mtl__ck_get(&f, path, name, len);
      if (!x) {
        rc = MTL_EFORMAT;
        break;
      }
      if (j > 0) {
        rc = mtl__tr_send(tr, j, TAG_CKPT, x, (int)len);
      } else {
        if (len > *cap) {
          double *nb = realloc(*buf, (size_t)len * sizeof(double));
          if (!nb) {
            rc = mtl__err(MTL_ENOMEM, "out of memory");
            break;
          }
          *buf = nb;
          *cap = len;
        }
        memcpy(*buf, x, (size_t)len * sizeof(double));
      }
    }
    mtl__ck_clear(&f);
    if (rc) { /* release the nodes waiting for their state */
      double none = -1;
      for (int j = 1; j < K; j++)
        mtl__tr_send(tr, j, TAG_CKPT, &none, 1);
      return rc;
    }
    return t;
  }
  /* a node: the state's length depends on t; take the largest possible */
  int64_t len = dstate_len(K, d, c->agreed_rounds > 0 ? c->agreed_rounds : 0);
  if (len > *cap) {
    double *nb = realloc(*buf, (size_t)len * sizeof(double));
    if (!nb)
      return mtl__err(MTL_ENOMEM, "out of memory");
    *buf = nb;
    *cap = len;
  }
  int n;
  if ((rc = mtl__tr_recv(tr, 0, TAG_CKPT, *buf, (int)*cap, &n, NULL, NULL)))
    return rc;
  if (n == 1)
    return mtl__err(MTL_ECANCELLED, "dadmm node %d: rank 0 could not read "
                                    "the checkpoint",
                    tr->rank + 1);
  t = (int64_t)(*buf)[1];
  if ((int)(*buf)[0] != tr->rank || n != dstate_len(K, d, t))
    return mtl__err(MTL_EFORMAT, "dadmm node %d: bad resumed state",
                    tr->rank + 1);
  return t;
}

/* Appends one prediction code to a node's growing record (doubling). */
int mtl__omtl_push_code(double **codes, int64_t *n, int64_t *cap, double code) {
  if (*n == *cap) {
    int64_t nc = *cap ? 2 * *cap : 1024;
    double *p = realloc(*codes, (size_t)nc * sizeof(double));
    if (!p)
      return mtl__err(MTL_ENOMEM, "out of memory recording predictions");
    *codes = p;
    *cap = nc;
  }
  (*codes)[(*n)++] = code;
  return MTL_OK;
}

static int dadmm_node(mtl__omtl_ctx *c, mtl__tr *tr) {
  const mtl_omtl_params *p = &c->p;
  int d = c->d, K = c->K, k = tr->rank;
  size_t KK = (size_t)K * K;
  dnode n = {.K = K, .d = d, .k = k};
  n.deg = mtl_graph_neighbors(c->g, k, &n.nb);
  n.cap = 4 + K * (2 + 2 * d);
  n.tab = mtl__calloc((size_t)K * 2 * d, sizeof(double));
  n.stamp = mtl__malloc((size_t)K * sizeof(int64_t));
  n.first = mtl__malloc((size_t)K * sizeof(int));
  n.msg = mtl__malloc((size_t)n.cap * sizeof(double));
  n.in = mtl__malloc((size_t)n.cap * sizeof(double));
  double *st = mtl__calloc((size_t)5 * d, sizeof(double));
  double *P = mtl__malloc(KK * sizeof(double));
  double *Om = mtl__calloc(KK, sizeof(double));
  double *work = mtl__malloc(2 * KK * sizeof(double));
  const double **s = mtl__malloc((size_t)K * sizeof *s);
  const double **v = mtl__malloc((size_t)K * sizeof *v);
  double *codes = NULL, *fin = NULL, *ckb = NULL;
  int64_t ncodes = 0, capc = 0, ckcap = 0, t0 = 0;
  int rc = MTL_ENOMEM;
  if (!n.tab || !n.stamp || !n.first || !n.msg || !n.in || !st || !P ||
      !Om || !work || !s || !v)
    goto done;
  double *w = st, *z = w + d, *u = z + d, *x = u + d, *vn = x + d;
  double *myv = n.tab + (size_t)k * 2 * d + d, *mys = myv - d;
  for (int j = 0; j < K; j++) {
    n.stamp[j] = -1;
    n.first[j] = -1;
    s[j] = n.tab + (size_t)j * 2 * d;
    v[j] = n.tab + (size_t)j * 2 * d + d;
    Om[j + (size_t)j * K] = 1.0 / K;
  }
  n.first[k] = 0;
  if (c->ck && c->ck->resume) { /* [mpi] resume hook */
    int64_t tc = dadmm_resume(c, tr, &ckb, &ckcap);
    if (tc < 0) {
      rc = (int)tc;
      goto done;
    }
    capc = tc + 1 > 1024 ? tc + 1 : 1024;
    codes = mtl__malloc((size_t)capc * sizeof(double));
    if (!codes) {
      rc = MTL_ENOMEM;
      goto done;
    }
    dstate_unpack(ckb, K, d, tc, w, z, u, &n, Om, codes);
    ncodes = tc + 1;
    t0 = tc + 1;
    /* replay the feeder over the rounds already done (same stream) */
    for (int64_t r = 0; r < t0; r++) {
      double yy;
      int e = mtl__feed_get(c->feed, k, r, x, &yy);
      if (e < 0) {
        rc = e;
        goto done;
      }
    }
    if (k == 0) /* rounds before the checkpoint: no timings */
      for (int64_t r = 0; r < t0; r++)
        if ((rc = mtl__omtl_push_round_time(c, 0)))
          goto done;
  }
  rc = mtl__omtl_coef(p, K, Om, P, work);
  if (rc)
    goto done;
  double tprev = mtl__now();
  int64_t t;
  for (t = t0;; t++) {
    double y, gcoef = 0, code = 0;
    int sst = mtl__feed_get(c->feed, k, t, x, &y);
    if (sst < 0) {
      rc = sst;
      goto done;
    }
    /* [mpi] agreed round count: a rank's own stream may end earlier */
    if (c->agreed_rounds > 0)
      sst = t >= c->agreed_rounds ? 2 : sst == 2 ? 0 : sst;
    if (sst == 2)
      break;
    if (sst == 1) {
      if (p->normalize)
        mtl__omtl_normalize(d, x);
      code = mtl__omtl_predict(p, d, w, x, y, &gcoef);
    }
    if ((rc = mtl__omtl_push_code(&codes, &ncodes, &capc, code)))
      goto done;
    mtl__omtl_w(p, c->eta, d, w, u, myv, z, x, gcoef);
    for (int i = 0; i < d; i++)
      mys[i] = z[i] + p->rho * w[i];
    n.stamp[k] = t;
    for (int e = 0; e < n.deg; e++) {
      int len = dnode_pack(&n, c->g, n.nb[e], t, code);
      if ((rc = mtl__tr_send(tr, n.nb[e], TAG_DATA, n.msg, len)))
        goto done;
    }
    if (!p->async) {
      for (int e = 0; e < n.deg; e++) {
        int len;
        if ((rc = mtl__tr_recv(tr, n.nb[e], TAG_DATA, n.in, n.cap, &len, NULL,
                               NULL)))
          goto done;
        if (n.in[0] != (double)t) {
          rc = mtl__err(MTL_EFORMAT, "dadmm node %d: round %lld: neighbour "
                                     "%d sent round %g",
                        k + 1, (long long)t, n.nb[e] + 1, n.in[0]);
          goto done;
        }
        if ((rc = dnode_merge(&n, n.in, len)))
          goto done;
      }
    } else {
      for (;;) {
        int len;
        int r = mtl__tr_try_recv(tr, MTL__ANY, TAG_DATA, n.in, n.cap, &len,
                                 NULL, NULL);
        if (r < 0) {
          rc = r;
          goto done;
        }
        if (r == 0)
          break;
        if ((rc = dnode_merge(&n, n.in, len)))
          goto done;
      }
      /* bounded staleness: wait for a neighbour that is too far behind */
      for (int e = 0; e < n.deg; e++) {
        int m = n.nb[e];
        while (n.stamp[m] < t - p->staleness) {
          int len;
          if ((rc = mtl__tr_recv(tr, m, TAG_DATA, n.in, n.cap, &len, NULL,
                                 NULL)) ||
              (rc = dnode_merge(&n, n.in, len)))
            goto done;
        }
      }
    }
    for (int j = 0; j < K; j++)
      if (n.first[j] < 0 && n.stamp[j] >= 0)
        n.first[j] = (int)t;
    /* Omega from the view of V at the start of this round: on a full graph
     * this is the server's end-of-previous-round Omega (18). */
    if (p->learn_omega && t >= 1 && t % p->omega_every == 0) {
      rc = mtl__omtl_omega_update(d, K, v, p->eps, Om, work);
      if (!rc)
        rc = mtl__omtl_coef(p, K, Om, P, work);
      if (rc)
        goto done;
    }
    mtl__omtl_u(p, d, K, s, v, u);
    mtl__omtl_vcol(p, d, K, k, s, u, v, P, vn);
    memcpy(myv, vn, (size_t)d * sizeof(double));
    mtl__omtl_z(p, d, z, w, u, myv);
    if (k == 0) {
      double now = mtl__now();
      if ((rc = mtl__omtl_push_round_time(c, now - tprev)))
        goto done;
      tprev = now;
      if ((rc = mtl__omtl_report(c, t, NAN)))
        goto done;
    }
    /* [mpi] checkpoint hook: the end of round t is a consistent cut */
    if (c->ck && c->ck->path && c->ck->every > 0 && !p->async &&
        (t + 1) % c->ck->every == 0) {
      int64_t len = dstate_len(K, d, t);
      if (len > ckcap) {
        double *nb = realloc(ckb, (size_t)len * sizeof(double));
        if (!nb) {
          rc = mtl__err(MTL_ENOMEM, "out of memory");
          goto done;
        }
        ckb = nb;
        ckcap = len;
      }
      dstate_pack(ckb, K, d, k, t, w, z, u, &n, Om, codes);
      if ((rc = dadmm_ckpt(c, tr, ckb, t)))
        goto done;
    }
  }
  /* final: (k, w, v, u, first (K), codes (rounds)) to node 0 */
  int flen = 1 + 3 * d + K + (int)t;
  fin = mtl__malloc((size_t)flen * sizeof(double));
  if (!fin) {
    rc = MTL_ENOMEM;
    goto done;
  }
  if (k != 0) {
    fin[0] = k;
    memcpy(fin + 1, w, (size_t)d * sizeof(double));
    memcpy(fin + 1 + d, myv, (size_t)d * sizeof(double));
    memcpy(fin + 1 + 2 * d, u, (size_t)d * sizeof(double));
    for (int j = 0; j < K; j++)
      fin[1 + 3 * d + j] = n.first[j];
    if (t)
      memcpy(fin + 1 + 3 * d + K, codes, (size_t)t * sizeof(double));
    rc = mtl__tr_send(tr, 0, TAG_FINAL, fin, flen);
    goto done;
  }
  /* node 0 assembles the result */
  c->rounds = 0;
  signed char *cc = mtl__calloc((size_t)(t > 0 ? t : 1) * (size_t)K, 1);
  if (!cc) {
    rc = MTL_ENOMEM;
    goto done;
  }
  free(c->codes);
  c->codes = cc;
  c->rounds = t;
  for (int j = 0; j < K; j++) {
    const double *src = fin;
    if (j == 0) {
      memcpy(c->W, w, (size_t)d * sizeof(double));
      memcpy(c->V, myv, (size_t)d * sizeof(double));
      memcpy(c->u, u, (size_t)d * sizeof(double));
      for (int i = 0; i < K; i++)
        c->first[i] = n.first[i];
      for (int64_t r = 0; r < t; r++)
        cc[r * K] = (signed char)codes[r];
      continue;
    }
    int len;
    if ((rc = mtl__tr_recv(tr, j, TAG_FINAL, fin, flen, &len, NULL, NULL)))
      goto done;
    if (len != flen) {
      rc = mtl__err(MTL_EFORMAT, "dadmm: node %d ended after a different "
                                 "number of rounds",
                    j + 1);
      goto done;
    }
    memcpy(c->W + (size_t)j * d, src + 1, (size_t)d * sizeof(double));
    memcpy(c->V + (size_t)j * d, src + 1 + d, (size_t)d * sizeof(double));
    for (int i = 0; i < K; i++)
      c->first[(size_t)j * K + i] = (int)src[1 + 3 * d + i];
    for (int64_t r = 0; r < t; r++)
      cc[r * K + j] = (signed char)src[1 + 3 * d + K + r];
  }
done:
  free(n.tab);
  free(n.stamp);
  free(n.first);
  free(n.msg);
  free(n.in);
  free(st);
  free(P);
  free(Om);
  free(work);
  free(s);
  free(v);
  free(codes);
  free(fin);
  free(ckb);
  return rc;
}

int mtl__omtl_dadmm_role(void *ctx, mtl__tr *tr) { return dadmm_node(ctx, tr); }
