/*
 * omtl_dadmm.c -- D-ADMM (Algorithm 2 of Li et al. 2024): one node per
 * task on a graph, each with its own u, V and Omega from its neighbours'
 * messages and the entries they gossip one hop per round; checkpoints
 * of the round-synchronous run (rank 0 gathers every node's state).
 */
#include "omtl_impl.h"

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
  /* the node's own state (dadmm_node) */
  double *st;                 /* 5d: w, z, u, x, vn */
  double *w, *z, *u, *x, *vn; /* into st */
  double *myv, *mys;          /* its own entry of tab */
  double *P, *Om, *work;      /* K x K, K x K, 2 K x K */
  const double **s, **v;      /* K: the columns s_j, v_j of tab */
  double *codes;              /* its prediction codes: ncodes of capc */
  int64_t ncodes, capc;
  double *ckb;                /* checkpoint state: ckcap doubles */
  int64_t ckcap;
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

/* ---- D-ADMM checkpoints -------------------------------------------------
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
    if (rc) { /* release the nodes waiting for their state; keep the
                 message */
      char why[512];
      snprintf(why, sizeof why, "%s", mtl_last_error());
      double none = -1;
      for (int j = 1; j < K; j++)
        mtl__tr_send(tr, j, TAG_CKPT, &none, 1);
      return mtl__err(rc, "%s", why);
    }
    return t;
  }
  /* a node: the state's length depends on t; take the largest possible */
  int64_t len = dstate_len(K, d, c->agreed_rounds > 0 ? c->agreed_rounds
                                                     : c->known_rounds);
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

/* Allocates node k's state: nothing heard yet (stamps -1, zero table),
 * Omega = I / K. */
static int dnode_init(dnode *n, const mtl_graph *g, int K, int d, int k) {
  size_t KK = (size_t)K * K;
  *n = (dnode){.K = K, .d = d, .k = k};
  n->deg = mtl_graph_neighbors(g, k, &n->nb);
  n->cap = 4 + K * (2 + 2 * d);
  n->tab = mtl__calloc((size_t)K * 2 * d, sizeof(double));
  n->stamp = mtl__malloc((size_t)K * sizeof(int64_t));
  n->first = mtl__malloc((size_t)K * sizeof(int));
  n->msg = mtl__malloc((size_t)n->cap * sizeof(double));
  n->in = mtl__malloc((size_t)n->cap * sizeof(double));
  n->st = mtl__calloc((size_t)5 * d, sizeof(double));
  n->P = mtl__malloc(KK * sizeof(double));
  n->Om = mtl__calloc(KK, sizeof(double));
  n->work = mtl__malloc(2 * KK * sizeof(double));
  n->s = mtl__malloc((size_t)K * sizeof *n->s);
  n->v = mtl__malloc((size_t)K * sizeof *n->v);
  if (!n->tab || !n->stamp || !n->first || !n->msg || !n->in || !n->st ||
      !n->P || !n->Om || !n->work || !n->s || !n->v)
    return MTL_ENOMEM;
  n->w = n->st;
  n->z = n->w + d;
  n->u = n->z + d;
  n->x = n->u + d;
  n->vn = n->x + d;
  n->myv = n->tab + (size_t)k * 2 * d + d;
  n->mys = n->myv - d;
  for (int j = 0; j < K; j++) {
    n->stamp[j] = -1;
    n->first[j] = -1;
    n->s[j] = n->tab + (size_t)j * 2 * d;
    n->v[j] = n->tab + (size_t)j * 2 * d + d;
    n->Om[j + (size_t)j * K] = 1.0 / K;
  }
  n->first[k] = 0;
  return MTL_OK;
}

static void dnode_free(dnode *n) {
  free(n->tab);
  free(n->stamp);
  free(n->first);
  free(n->msg);
  free(n->in);
  free(n->st);
  free(n->P);
  free(n->Om);
  free(n->work);
  free(n->s);
  free(n->v);
  free(n->codes);
  free(n->ckb);
}

/* resume hook: the node's state at the end of the checkpoint's
 * round, the feeder replayed over the rounds already done (same stream),
 * rank 0's times of those rounds zero; *t0 = the next round. */
static int dnode_resume(mtl__omtl_ctx *c, mtl__tr *tr, dnode *n,
                        int64_t *t0) {
  int64_t tc = dadmm_resume(c, tr, &n->ckb, &n->ckcap);
  if (tc < 0)
    return (int)tc;
  n->capc = tc + 1 > 1024 ? tc + 1 : 1024;
  n->codes = mtl__malloc((size_t)n->capc * sizeof(double));
  if (!n->codes)
    return MTL_ENOMEM;
  dstate_unpack(n->ckb, n->K, n->d, tc, n->w, n->z, n->u, n, n->Om,
                n->codes);
  n->ncodes = tc + 1;
  *t0 = tc + 1;
  for (int64_t r = 0; r < *t0; r++) {
    double yy;
    int e = mtl__feed_get(c->feed, n->k, r, n->x, &yy);
    if (e < 0)
      return e;
  }
  if (n->k == 0) /* rounds before the checkpoint: no timings */
    for (int64_t r = 0; r < *t0; r++) {
      int rc = mtl__omtl_push_round_time(c, 0);
      if (rc)
        return rc;
    }
  return MTL_OK;
}

/* Round t's own part of node n: the prediction of its instance (in n->x;
 * y = 0: none this round), the w-step (10) and its own entry
 * s = z + rho w, stamped t.  Returns the prediction code. */
static double dnode_local(const mtl_omtl_params *p, double eta, dnode *n,
                          int64_t t, double y) {
  int d = n->d;
  double gcoef = 0, code = 0;
  if (y != 0) {
    if (p->normalize)
      mtl__omtl_normalize(d, n->x);
    code = mtl__omtl_predict(p, d, n->w, n->x, y, &gcoef);
  }
  mtl__omtl_w(p, eta, d, n->w, n->u, n->myv, n->z, n->x, gcoef);
  for (int i = 0; i < d; i++)
    n->mys[i] = n->z[i] + p->rho * n->w[i];
  n->stamp[n->k] = t;
  return code;
}

/* Round t's message to every neighbour (with the gossip entries for it). */
static int dnode_send(const mtl__omtl_ctx *c, mtl__tr *tr, dnode *n,
                      int64_t t, double code) {
  for (int e = 0; e < n->deg; e++) {
    int len = dnode_pack(n, c->g, n->nb[e], t, code);
    int rc = mtl__tr_send(tr, n->nb[e], TAG_DATA, n->msg, len);
    if (rc)
      return rc;
  }
  return MTL_OK;
}

/* Round-synchronous: the round-t message of every neighbour. */
static int dnode_recv_sync(mtl__tr *tr, dnode *n, int64_t t) {
  for (int e = 0; e < n->deg; e++) {
    int len, rc;
    if ((rc = mtl__tr_recv(tr, n->nb[e], TAG_DATA, n->in, n->cap, &len, NULL,
                           NULL)))
      return rc;
    if (n->in[0] != (double)t)
      return mtl__err(MTL_EFORMAT, "dadmm node %d: round %lld: neighbour "
                                   "%d sent round %g",
                      n->k + 1, (long long)t, n->nb[e] + 1, n->in[0]);
    if ((rc = dnode_merge(n, n->in, len)))
      return rc;
  }
  return MTL_OK;
}

/* Asynchronous: whatever has arrived, then (bounded staleness) waits for a
 * neighbour that is too far behind. */
static int dnode_recv_async(mtl__tr *tr, dnode *n, int64_t t,
                            const mtl_omtl_params *p) {
  int rc;
  for (;;) {
    int len;
    int r = mtl__tr_try_recv(tr, MTL__ANY, TAG_DATA, n->in, n->cap, &len,
                             NULL, NULL);
    if (r < 0)
      return r;
    if (r == 0)
      break;
    if ((rc = dnode_merge(n, n->in, len)))
      return rc;
  }
  for (int e = 0; e < n->deg; e++) {
    int m = n->nb[e];
    while (n->stamp[m] < t - p->staleness) {
      int len;
      if ((rc = mtl__tr_recv(tr, m, TAG_DATA, n->in, n->cap, &len, NULL,
                             NULL)) ||
          (rc = dnode_merge(n, n->in, len)))
        return rc;
    }
  }
  return MTL_OK;
}

/* The end of round t once the messages are in: first-known rounds, Omega
 * (from the view of V at the start of this round: on a full graph this is
 * the server's end-of-previous-round Omega (18)), then the u-, v- and
 * z-steps. */
static int dnode_update(const mtl_omtl_params *p, dnode *n, int64_t t) {
  int d = n->d, K = n->K;
  for (int j = 0; j < K; j++)
    if (n->first[j] < 0 && n->stamp[j] >= 0)
      n->first[j] = (int)t;
  if (p->learn_omega && t >= 1 && t % p->omega_every == 0) {
    int rc = mtl__omtl_omega_update(d, K, n->v, p->eps, n->Om, n->work);
    if (!rc)
      rc = mtl__omtl_coef(p, K, n->Om, n->P, n->work);
    if (rc)
      return rc;
  }
  mtl__omtl_u(p, d, K, n->s, n->v, n->u);
  mtl__omtl_vcol(p, d, K, n->k, n->s, n->u, n->v, n->P, n->vn);
  memcpy(n->myv, n->vn, (size_t)d * sizeof(double));
  mtl__omtl_z(p, d, n->z, n->w, n->u, n->myv);
  return MTL_OK;
}

/* checkpoint hook: the end of round t is a consistent cut. */
static int dnode_ckpt(mtl__omtl_ctx *c, mtl__tr *tr, dnode *n, int64_t t) {
  int64_t len = dstate_len(n->K, n->d, t);
  if (len > n->ckcap) {
    double *nb = realloc(n->ckb, (size_t)len * sizeof(double));
    if (!nb)
      return mtl__err(MTL_ENOMEM, "out of memory");
    n->ckb = nb;
    n->ckcap = len;
  }
  dstate_pack(n->ckb, n->K, n->d, n->k, t, n->w, n->z, n->u, n, n->Om,
              n->codes);
  return dadmm_ckpt(c, tr, n->ckb, t);
}

/* Node 0 assembles the result of t rounds: its own state, then every other
 * node's final message (fin: flen doubles). */
static int dnode_gather(mtl__omtl_ctx *c, mtl__tr *tr, const dnode *n,
                        int64_t t, double *fin, int flen) {
  int d = c->d, K = c->K;
  c->rounds = 0;
  signed char *cc = mtl__calloc((size_t)(t > 0 ? t : 1) * (size_t)K, 1);
  if (!cc)
    return MTL_ENOMEM;
  free(c->codes);
  c->codes = cc;
  c->rounds = t;
  memcpy(c->W, n->w, (size_t)d * sizeof(double));
  memcpy(c->V, n->myv, (size_t)d * sizeof(double));
  memcpy(c->u, n->u, (size_t)d * sizeof(double));
  for (int i = 0; i < K; i++)
    c->first[i] = n->first[i];
  for (int64_t r = 0; r < t; r++)
    cc[r * K] = (signed char)n->codes[r];
  for (int j = 1; j < K; j++) {
    int len, rc;
    if ((rc = mtl__tr_recv(tr, j, TAG_FINAL, fin, flen, &len, NULL, NULL)))
      return rc;
    if (len != flen)
      return mtl__err(MTL_EFORMAT, "dadmm: node %d ended after a different "
                                   "number of rounds",
                      j + 1);
    memcpy(c->W + (size_t)j * d, fin + 1, (size_t)d * sizeof(double));
    memcpy(c->V + (size_t)j * d, fin + 1 + d, (size_t)d * sizeof(double));
    for (int i = 0; i < K; i++)
      c->first[(size_t)j * K + i] = (int)fin[1 + 3 * d + i];
    for (int64_t r = 0; r < t; r++)
      cc[r * K + j] = (signed char)fin[1 + 3 * d + K + r];
  }
  return MTL_OK;
}

/* After t rounds: (k, w, v, u, first (K), codes (t)) to node 0, which
 * assembles the result. */
static int dnode_final(mtl__omtl_ctx *c, mtl__tr *tr, const dnode *n,
                       int64_t t) {
  int d = c->d, K = c->K, rc;
  int flen = 1 + 3 * d + K + (int)t;
  double *fin = mtl__malloc((size_t)flen * sizeof(double));
  if (!fin)
    return MTL_ENOMEM;
  if (n->k != 0) {
    fin[0] = n->k;
    memcpy(fin + 1, n->w, (size_t)d * sizeof(double));
    memcpy(fin + 1 + d, n->myv, (size_t)d * sizeof(double));
    memcpy(fin + 1 + 2 * d, n->u, (size_t)d * sizeof(double));
    for (int j = 0; j < K; j++)
      fin[1 + 3 * d + j] = n->first[j];
    if (t)
      memcpy(fin + 1 + 3 * d + K, n->codes, (size_t)t * sizeof(double));
    rc = mtl__tr_send(tr, 0, TAG_FINAL, fin, flen);
  } else {
    rc = dnode_gather(c, tr, n, t, fin, flen);
  }
  free(fin);
  return rc;
}

static int dadmm_node(mtl__omtl_ctx *c, mtl__tr *tr) {
  const mtl_omtl_params *p = &c->p;
  int d = c->d, k = tr->rank;
  dnode n;
  int64_t t0 = 0, t;
  int rc = dnode_init(&n, c->g, c->K, d, k);
  if (!rc && c->ck && c->ck->resume) /* resume hook */
    rc = dnode_resume(c, tr, &n, &t0);
  if (!rc)
    rc = mtl__omtl_coef(p, c->K, n.Om, n.P, n.work);
  if (rc)
    goto done;
  double tprev = mtl__now();
  for (t = t0;; t++) {
    double y;
    int sst = mtl__feed_get(c->feed, k, t, n.x, &y);
    if (sst < 0) {
      rc = sst;
      goto done;
    }
    /* agreed round count: a rank's own stream may end earlier */
    if (c->agreed_rounds > 0)
      sst = t >= c->agreed_rounds ? 2 : sst == 2 ? 0 : sst;
    if (sst == 2)
      break;
    double code = dnode_local(p, c->eta, &n, t, sst == 1 ? y : 0);
    if ((rc = mtl__omtl_push_code(&n.codes, &n.ncodes, &n.capc, code)))
      goto done;
    if ((rc = dnode_send(c, tr, &n, t, code)) ||
        (rc = p->async ? dnode_recv_async(tr, &n, t, p)
                       : dnode_recv_sync(tr, &n, t)) ||
        (rc = dnode_update(p, &n, t)))
      goto done;
    if (k == 0 && (rc = mtl__omtl_round_done(c, t, &tprev)))
      goto done;
    if (c->ck && c->ck->path && c->ck->every > 0 && !p->async &&
        (t + 1) % c->ck->every == 0 && (rc = dnode_ckpt(c, tr, &n, t)))
      goto done;
  }
  rc = dnode_final(c, tr, &n, t);
done:
  dnode_free(&n);
  return rc;
}

int mtl__omtl_dadmm_role(void *ctx, mtl__tr *tr) { return dadmm_node(ctx, tr); }

/* ---- D-ADMM round by round in one thread (omtl_online.c) -----------------
 * The K nodes of dadmm_node, stepped together: every node's own part of
 * round t (dnode_local), then every node merges its neighbours' round-t
 * messages in the order of its neighbour list, each packed from the
 * sender's table as it stood when the sender sent it (before any round-t
 * merge: the snapshot), then every node's dnode_update.  That is the
 * round-synchronous run's order of operations, so the bits are the same. */
struct mtl__dadmm_seq {
  mtl_omtl_params p;
  const mtl_graph *g;
  int K, d;
  dnode *n;          /* K nodes */
  double *tab;       /* K x (K x 2d): the tables at the end of the own parts */
  int64_t *stamp;    /* K x K: their stamps */
  double *msg, *cod; /* one message (4 + K (2 + 2d)); the round's codes (K) */
};

void mtl__dadmm_seq_free(mtl__dadmm_seq *q) {
  if (!q)
    return;
  for (int k = 0; q->n && k < q->K; k++)
    dnode_free(&q->n[k]);
  free(q->n);
  free(q->tab);
  free(q->stamp);
  free(q->msg);
  free(q->cod);
  free(q);
}

int mtl__dadmm_seq_create(const mtl_omtl_params *p, const mtl_graph *g, int K,
                          int d, mtl__dadmm_seq **out) {
  *out = NULL;
  mtl__dadmm_seq *q = mtl__calloc(1, sizeof *q);
  if (!q)
    return MTL_ENOMEM;
  *q = (mtl__dadmm_seq){.p = *p, .g = g, .K = K, .d = d};
  size_t KK = (size_t)K * K;
  q->n = mtl__calloc((size_t)K, sizeof *q->n);
  q->tab = mtl__malloc(KK * 2 * (size_t)d * sizeof(double));
  q->stamp = mtl__malloc(KK * sizeof(int64_t));
  q->msg = mtl__malloc((4 + (size_t)K * (2 + 2 * (size_t)d)) * sizeof(double));
  q->cod = mtl__calloc((size_t)K, sizeof(double));
  int rc = q->n && q->tab && q->stamp && q->msg && q->cod ? MTL_OK
                                                           : MTL_ENOMEM;
  for (int k = 0; k < K && !rc; k++)
    if (!(rc = dnode_init(&q->n[k], g, K, d, k)))
      rc = mtl__omtl_coef(p, K, q->n[k].Om, q->n[k].P, q->n[k].work);
  if (rc) {
    mtl__dadmm_seq_free(q);
    return rc;
  }
  *out = q;
  return MTL_OK;
}

/* Node k receives round t from its neighbours: each message packed from
 * the sender's snapshot, merged in the order of dnode_recv_sync. */
static int seq_receive(mtl__dadmm_seq *q, int k, int64_t t) {
  dnode *n = &q->n[k];
  for (int e = 0; e < n->deg; e++) {
    int m = n->nb[e];
    dnode from = q->n[m];
    from.tab = q->tab + (size_t)m * q->K * 2 * q->d;
    from.stamp = q->stamp + (size_t)m * q->K;
    from.msg = q->msg;
    int len = dnode_pack(&from, q->g, k, t, q->cod[m]);
    int rc = dnode_merge(n, q->msg, len);
    if (rc)
      return rc;
  }
  return MTL_OK;
}

int mtl__dadmm_seq_round(mtl__dadmm_seq *q, int64_t t, const double *X,
                         const double *y, double *code) {
  int K = q->K, d = q->d, rc;
  size_t tl = (size_t)K * 2 * d;
  for (int k = 0; k < K; k++) {
    dnode *n = &q->n[k];
    if (y[k] != 0)
      memcpy(n->x, X + (size_t)k * d, (size_t)d * sizeof(double));
    code[k] = q->cod[k] = dnode_local(&q->p, q->p.eta, n, t, y[k]);
    memcpy(q->tab + (size_t)k * tl, n->tab, tl * sizeof(double));
    memcpy(q->stamp + (size_t)k * K, n->stamp, (size_t)K * sizeof(int64_t));
  }
  for (int k = 0; k < K; k++)
    if ((rc = seq_receive(q, k, t)))
      return rc;
  for (int k = 0; k < K; k++)
    if ((rc = dnode_update(&q->p, &q->n[k], t)))
      return rc;
  return MTL_OK;
}

void mtl__dadmm_seq_state(const mtl__dadmm_seq *q, double *W, double *V,
                          double *u) {
  int d = q->d;
  for (int k = 0; k < q->K; k++) {
    memcpy(W + (size_t)k * d, q->n[k].w, (size_t)d * sizeof(double));
    memcpy(V + (size_t)k * d, q->n[k].myv, (size_t)d * sizeof(double));
  }
  memcpy(u, q->n[0].u, (size_t)d * sizeof(double));
}
