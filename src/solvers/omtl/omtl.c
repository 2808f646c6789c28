/*
 * omtl.c -- online parallel multi-task relationship learning via ADMM
 * (Li, Zhao, Li, Xu, Li 2024): C-ADMM (Algorithm 1), D-ADMM (Algorithm 2)
 * and the baselines ADMM-Single, D-PSGD (Lian et al. 2017) and online
 * gradient descent, over the message transport (src/transport.h).
 *
 * Roles talk only through mtl__tr_send/recv/try_recv; each reads only its
 * own task through the round feeder (omtl_impl.h); ids, rounds and codes
 * travel as doubles in the payloads, so an MPI transport runs them
 * unchanged.  Rank 0 assembles the result (C-ADMM: the server; D-ADMM and
 * D-PSGD: node 0, which is also task 0).
 *
 * Every arithmetic step that C-ADMM and D-ADMM share (u-step, a column of
 * the V-step, Omega, the coefficient matrix P, the w- and z-steps) is one
 * function below with plain loops in a fixed order, so that D-ADMM on a
 * fully connected graph, which sees exactly the server's inputs, computes
 * the same bits (docs/omtl.md).
 *
 * Per-prediction codes (one double per task per round): 0 = no instance,
 * +-1 = predicted +-1 correctly, +-2 = predicted +-1 wrongly.
 *
 * Thread-safety and locks: each role thread owns its state; the shared
 * run_ctx is read-only to all ranks except rank 0, which alone writes the
 * collected results.  The only lock is the feeder's mutex (data source;
 * omtl_impl.h), never held across a send or receive.  LAPACK calls from
 * many rank threads run concurrently: the in-process transport makes
 * OpenBLAS single-threaded (mtl__blas_single_thread), which is what makes
 * that safe and fast.
 */
#include "omtl_impl.h"
#include "transport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_DATA = 1, TAG_REPLY = 2, TAG_FINAL = 3,
       TAG_CKPT = 4 /* [mpi] D-ADMM state to rank 0 / back on resume */ };

void mtl_omtl_params_init(mtl_omtl_params *p) {
  *p = (mtl_omtl_params){
      .method = MTL_OMTL_CADMM,
      .variant = MTL_OMTL_EXACT,
      .rho = 0.1,
      .lambda1 = 0.01,
      .lambda2 = 0.1,
      .lambda3 = 0.01,
      .lambda4 = 0.01,
      .eta = 0,
      .horizon = 0,
      .learn_omega = 1,
      .eps = 1e-8,
      .omega_every = 1,
      .normalize = 1,
      .zero_positive = 0,
      .mistake_driven = 0,
      .topology = MTL_GRAPH_RING,
      .degree = 3,
      .graph_seed = 1,
      .graph = NULL,
      .async = 0,
      .staleness = 8,
      .step0 = 1.0,
      .max_rounds = 0,
      .record_predictions = 0,
      .progress = NULL,
      .progress_ctx = NULL,
      .progress_every = 100,
  };
}

int mtl_omtl_params_preset(mtl_omtl_params *p, const char *name) {
  if (!p || !name)
    return mtl__err(MTL_EINVAL, "omtl preset: NULL argument");
  if (strcmp(name, "paper") == 0) {
    p->rho = 0.1;
    p->lambda2 = 0.1;
    p->lambda1 = p->lambda3 = p->lambda4 = 0.01;
    p->eta = 0;
  } else if (strcmp(name, "code") == 0) {
    p->rho = 0.5;
    p->eta = 240;
    p->lambda2 = 20;
    p->lambda1 = p->lambda3 = p->lambda4 = 0.01;
  } else {
    return mtl__err(MTL_EINVAL,
                    "omtl preset '%s' unknown (expected paper or code)", name);
  }
  return MTL_OK;
}

int mtl_omtl_method_parse(const char *s) {
  static const char *names[] = {"cadmm", "dadmm", "single", "dpsgd", "ogd"};
  for (int i = 0; s && i < 5; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

int mtl_graph_kind_parse(const char *s) {
  static const char *names[] = {"ring", "full", "star", "regular"};
  for (int i = 0; s && i < 4; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

static const char *method_name(mtl_omtl_method m) {
  static const char *names[] = {"cadmm", "dadmm", "single", "dpsgd", "ogd"};
  return (int)m >= 0 && (int)m < 5 ? names[m] : "?";
}

/* ---- the shared arithmetic ------------------------------------------------ */

/* u-step over K columns given by pointers (fixed summation order 0..K-1).
 * EXACT: the minimizer of (13) with V fixed, sum (s_k - rho v_k) /
 * (lambda2 + rho K); PAPER: eq. (14), a sum s_k / (a (lambda2 + rho K) +
 * lambda2 rho) with a = lambda1 + lambda3. */
static void ustep(const mtl_omtl_params *p, int d, int K,
                  const double *const *s, const double *const *v, double *u) {
  for (int i = 0; i < d; i++)
    u[i] = 0;
  if (p->variant == MTL_OMTL_EXACT) {
    for (int j = 0; j < K; j++)
      for (int i = 0; i < d; i++)
        u[i] += s[j][i] - p->rho * v[j][i];
    double den = p->lambda2 + p->rho * K;
    for (int i = 0; i < d; i++)
      u[i] /= den;
  } else {
    double a = p->lambda1 + p->lambda3;
    for (int j = 0; j < K; j++)
      for (int i = 0; i < d; i++)
        u[i] += s[j][i];
    double den = a * (p->lambda2 + p->rho * K) + p->lambda2 * p->rho;
    for (int i = 0; i < d; i++)
      u[i] = a * u[i] / den;
  }
}

/* Coefficients of the V-step for the current Omega (K x K).  EXACT: P =
 * N^-1 Omega with N = (a + rho) Omega + lambda4 I (Cholesky solve), so that
 * V = R P = R ((a + rho) I + lambda4 Omega^-1)^-1 without inverting Omega
 * (Omega and N commute); lambda4 = 0 gives P = I / (a + rho).  PAPER: P =
 * Omega^-1 by a Cholesky solve against I (needs Omega positive definite:
 * eps > 0 once rank V < K).  work: K x K. */
static int coef_prepare(const mtl_omtl_params *p, int K, const double *Om,
                        double *P, double *work) {
  size_t KK = (size_t)K * K;
  double a = p->lambda1 + p->lambda3;
  if (p->variant == MTL_OMTL_EXACT) {
    if (p->lambda4 == 0) {
      memset(P, 0, KK * sizeof(double));
      for (int k = 0; k < K; k++)
        P[k + (size_t)k * K] = 1.0 / (a + p->rho);
      return MTL_OK;
    }
    for (size_t i = 0; i < KK; i++)
      work[i] = (a + p->rho) * Om[i];
    for (int k = 0; k < K; k++)
      work[k + (size_t)k * K] += p->lambda4;
    memcpy(P, Om, KK * sizeof(double));
  } else {
    memcpy(work, Om, KK * sizeof(double));
    memset(P, 0, KK * sizeof(double));
    for (int k = 0; k < K; k++)
      P[k + (size_t)k * K] = 1.0;
  }
  int rc = mtl__potrf(K, work);
  if (rc == MTL_OK)
    rc = mtl__potrs(K, K, work, P, K);
  if (rc)
    return mtl__err_prefix(rc,
                           "omtl: V-step coefficients (%s variant; Omega not "
                           "positive definite: use eps > 0)",
                           p->variant == MTL_OMTL_EXACT ? "exact" : "paper");
  return MTL_OK;
}

/* Column k of the V-step.  EXACT: v_k = sum_j P_jk (s_j - rho u).  PAPER
 * (12): v_k = lambda2 s_k / (lambda2 (a + rho) + rho K a) + lambda4/2
 * [V Omega^-1 + V Omega^-T]_k with the old V (P = Omega^-1). */
static void vcol(const mtl_omtl_params *p, int d, int K, int k,
                 const double *const *s, const double *u,
                 const double *const *v, const double *P, double *out) {
  for (int i = 0; i < d; i++)
    out[i] = 0;
  if (p->variant == MTL_OMTL_EXACT) {
    for (int j = 0; j < K; j++) {
      double c = P[j + (size_t)k * K];
      if (c == 0)
        continue;
      for (int i = 0; i < d; i++)
        out[i] += c * (s[j][i] - p->rho * u[i]);
    }
  } else {
    double a = p->lambda1 + p->lambda3;
    double c0 = p->lambda2 /
                (p->lambda2 * (a + p->rho) + p->rho * K * a);
    for (int j = 0; j < K; j++) {
      double c = 0.5 * p->lambda4 *
                 (P[j + (size_t)k * K] + P[k + (size_t)j * K]);
      for (int i = 0; i < d; i++)
        out[i] += c * v[j][i];
    }
    for (int i = 0; i < d; i++)
      out[i] += c0 * s[k][i];
  }
}

/* Omega (18), regularised: (V'V + eps I)^{1/2} / tr(.), I/K while V = 0.
 * work: 2 K x K. */
static int omega_update(int d, int K, const double *const *v, double eps,
                        double *Om, double *work) {
  size_t KK = (size_t)K * K;
  int nonzero = 0;
  for (int j = 0; j < K && !nonzero; j++)
    for (int i = 0; i < d; i++)
      if (v[j][i] != 0) {
        nonzero = 1;
        break;
      }
  if (!nonzero) {
    memset(Om, 0, KK * sizeof(double));
    for (int k = 0; k < K; k++)
      Om[k + (size_t)k * K] = 1.0 / K;
    return MTL_OK;
  }
  double *A = work;
  for (int a = 0; a < K; a++)
    for (int b = a; b < K; b++) {
      double s = 0;
      for (int i = 0; i < d; i++)
        s += v[a][i] * v[b][i];
      A[a + (size_t)b * K] = A[b + (size_t)a * K] = s;
    }
  for (int k = 0; k < K; k++)
    A[k + (size_t)k * K] += eps;
  int rc = mtl__sqrtm_psd(K, A, work + KK);
  if (rc)
    return mtl__err_prefix(rc, "omtl: Omega update");
  double tr = 0;
  for (int k = 0; k < K; k++)
    tr += work[KK + k + (size_t)k * K];
  if (!(tr > 0) || !isfinite(tr))
    return mtl__err(MTL_ENUMERIC, "omtl: Omega update: trace %g of "
                                  "(V'V + eps I)^(1/2) is not positive",
                    tr);
  for (size_t i = 0; i < KK; i++)
    Om[i] = work[KK + i] / tr;
  /* exact symmetry, so both halves of every product agree */
  for (int a = 0; a < K; a++)
    for (int b = a + 1; b < K; b++)
      Om[b + (size_t)a * K] = Om[a + (size_t)b * K];
  return MTL_OK;
}

/* Prediction, loss subgradient coefficient (g = gcoef x) and code for one
 * instance: hinge at the margin, or (mistake_driven, the authors' code) at
 * the predicted label. */
static double predict(const mtl_omtl_params *p, int d, const double *w,
                      const double *x, double y, double *gcoef) {
  double sc = 0;
  for (int i = 0; i < d; i++)
    sc += w[i] * x[i];
  double pr = sc > 0 ? 1.0 : sc < 0 ? -1.0 : (p->zero_positive ? 1.0 : -1.0);
  if (p->mistake_driven)
    *gcoef = pr != y ? -y : 0.0;
  else
    *gcoef = y * sc < 1 ? -y : 0.0;
  return pr == y ? pr : 2 * pr;
}

/* w-step (10) with the linearized hinge loss g = gcoef x (x may be NULL
 * when gcoef = 0). */
static void wstep(const mtl_omtl_params *p, double eta, int d, double *w,
                  const double *u, const double *v, const double *z,
                  const double *x, double gcoef) {
  double c1 = eta / (p->rho + eta), c2 = p->rho / (p->rho + eta),
         c3 = 1.0 / (p->rho + eta);
  for (int i = 0; i < d; i++) {
    double g = gcoef != 0 ? gcoef * x[i] : 0.0;
    w[i] = c1 * w[i] + c2 * (u[i] + v[i]) - c3 * (g + z[i]);
  }
}

/* z-step (15). */
static void zstep(const mtl_omtl_params *p, int d, double *z, const double *w,
                  const double *u, const double *v) {
  for (int i = 0; i < d; i++)
    z[i] += p->rho * (w[i] - u[i] - v[i]);
}

static void normalize(int d, double *x) {
  double s = 0;
  for (int i = 0; i < d; i++)
    s += x[i] * x[i];
  if (s > 0) {
    s = 1.0 / sqrt(s);
    for (int i = 0; i < d; i++)
      x[i] *= s;
  }
}

/* ---- public building blocks ----------------------------------------------- */

static int cols(const double *A, int d, int K, const double ***out) {
  const double **c = mtl__malloc((size_t)K * sizeof *c);
  if (!c)
    return MTL_ENOMEM;
  for (int k = 0; k < K; k++)
    c[k] = A + (size_t)k * d;
  *out = c;
  return MTL_OK;
}

void mtl_omtl_ustep(const mtl_omtl_params *p, int d, int K, const double *S,
                    const double *V, double *u) {
  const double **s = NULL, **v = NULL;
  if (cols(S, d, K, &s) == MTL_OK && cols(V, d, K, &v) == MTL_OK)
    ustep(p, d, K, s, v, u);
  free(s);
  free(v);
}

int mtl_omtl_vstep(const mtl_omtl_params *p, int d, int K, const double *S,
                   const double *u, const double *V, const double *Omega,
                   double *Vnew) {
  if (!p || !S || !u || !V || !Omega || !Vnew || d < 1 || K < 1)
    return mtl__err(MTL_EINVAL, "omtl_vstep: bad argument");
  const double **s = NULL, **v = NULL;
  double *P = mtl__malloc((size_t)K * K * 2 * sizeof(double));
  int rc = MTL_ENOMEM;
  if (!P || cols(S, d, K, &s) || cols(V, d, K, &v))
    goto done;
  rc = coef_prepare(p, K, Omega, P, P + (size_t)K * K);
  if (rc)
    goto done;
  for (int k = 0; k < K; k++)
    vcol(p, d, K, k, s, u, v, P, Vnew + (size_t)k * d);
done:
  free(P);
  free(s);
  free(v);
  return rc;
}

int mtl_omtl_omega(int d, int K, const double *V, double eps, double *Omega) {
  if (!V || !Omega || d < 1 || K < 1 || !(eps >= 0))
    return mtl__err(MTL_EINVAL, "omtl_omega: bad argument (d %d, K %d, eps "
                                "%g)",
                    d, K, eps);
  const double **v = NULL;
  double *work = mtl__malloc((size_t)K * K * 2 * sizeof(double));
  int rc = MTL_ENOMEM;
  if (work && cols(V, d, K, &v) == MTL_OK)
    rc = omega_update(d, K, v, eps, Omega, work);
  free(work);
  free(v);
  return rc;
}

/* ---- run context and rank-0 collection ----------------------------------- */

typedef struct run_ctx {
  mtl_omtl_params p;
  double eta;
  int K, d;
  mtl__feed *feed;
  const mtl_graph *g;
  /* written by rank 0 only */
  signed char *codes; /* rounds x K */
  double *round_sec;
  int64_t rounds, cap;
  double *W, *V, *u, *Om;
  int *first;         /* K x K gossip first-known rounds */
  int64_t nseen_err[2];
  /* [mpi] hooks (mtl__omtl_run_tr), zero in-process: */
  int64_t agreed_rounds; /* > 0: every node runs exactly this many rounds */
  mtl__ckpt *ck;         /* D-ADMM checkpoints / resume (rank 0 writes) */
} run_ctx;

/* Rank 0: appends one round of codes (K doubles) and its time. */
static int collect_round(run_ctx *c, const double *code, double sec) {
  if (c->rounds == c->cap) {
    int64_t nc = c->cap ? 2 * c->cap : 1024;
    signed char *nc1 = realloc(c->codes, (size_t)nc * (size_t)c->K);
    if (!nc1)
      return mtl__err(MTL_ENOMEM, "out of memory");
    c->codes = nc1;
    double *nc2 = realloc(c->round_sec, (size_t)nc * sizeof(double));
    if (!nc2)
      return mtl__err(MTL_ENOMEM, "out of memory");
    c->round_sec = nc2;
    c->cap = nc;
  }
  for (int k = 0; k < c->K; k++)
    c->codes[c->rounds * c->K + k] = (signed char)code[k];
  c->round_sec[c->rounds] = sec;
  c->rounds++;
  return MTL_OK;
}

/* Rank 0 of the graph methods: appends the wall time of one round (the
 * codes travel to rank 0 only at the end). */
static int push_round_time(run_ctx *c, double sec) {
  if (c->rounds == c->cap) {
    int64_t nc = c->cap ? 2 * c->cap : 1024;
    double *r2 = realloc(c->round_sec, (size_t)nc * sizeof(double));
    if (!r2)
      return mtl__err(MTL_ENOMEM, "out of memory");
    c->round_sec = r2;
    c->cap = nc;
  }
  c->round_sec[c->rounds++] = sec;
  return MTL_OK;
}

/* Progress report from rank 0 (err: averaged cumulative error or NaN). */
static int report(run_ctx *c, int64_t t, double err) {
  if (!c->p.progress || (t + 1) % c->p.progress_every != 0)
    return MTL_OK;
  if (c->p.progress(c->p.progress_ctx, (int)(t + 1), err, 0, 0))
    return mtl__err(MTL_ECANCELLED, "omtl: cancelled by the progress "
                                    "callback at round %lld",
                    (long long)(t + 1));
  return MTL_OK;
}

/* Running averaged cumulative error for progress (rank 0, codes known). */
static double running_err(run_ctx *c, int64_t *seen, int64_t *mis,
                          const double *code) {
  double s = 0;
  int n = 0;
  for (int k = 0; k < c->K; k++) {
    if (code[k] != 0) {
      seen[k]++;
      mis[k] += fabs(code[k]) == 2;
    }
    if (seen[k]) {
      s += (double)mis[k] / (double)seen[k];
      n++;
    }
  }
  return n ? s / n : NAN;
}

/* ---- C-ADMM (Algorithm 1) ------------------------------------------------- */

/* Task node k = rank - 1: predicts, w-step, sends (t, k, status, code, s_k)
 * to the server, receives (t, u, v_k), z-step.  At the end sends (k, w). */
static int cadmm_node(run_ctx *c, mtl__tr *tr) {
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
        normalize(d, x);
      code = predict(p, d, w, x, y, &gcoef);
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
    wstep(p, c->eta, d, w, u, v, z, x, gcoef);
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
    zstep(p, d, z, w, u, v);
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
static int cadmm_server(run_ctx *c, mtl__tr *tr) {
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
  if ((rc = coef_prepare(p, K, Om, P, work)))
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
    ustep(p, d, K, s, v, u);
    for (int k = 0; k < K; k++)
      vcol(p, d, K, k, s, u, v, P, Vn + (size_t)k * d);
    memcpy(V, Vn, (size_t)d * K * sizeof(double));
    msg[0] = (double)t;
    memcpy(msg + 1, u, (size_t)d * sizeof(double));
    for (int k = 0; k < K; k++) {
      memcpy(msg + 1 + d, V + (size_t)k * d, (size_t)d * sizeof(double));
      if ((rc = mtl__tr_send(tr, k + 1, TAG_REPLY, msg, 1 + 2 * d)))
        goto done;
    }
    if (p->learn_omega && (t + 1) % p->omega_every == 0) {
      if ((rc = omega_update(d, K, v, p->eps, Om, work)) ||
          (rc = coef_prepare(p, K, Om, P, work)))
        goto done;
    }
    double now = mtl__now();
    if ((rc = collect_round(c, code, now - tprev)))
      goto done;
    tprev = now;
    if ((rc = report(c, t, running_err(c, seen, mis, code))))
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

static int cadmm_role(void *ctx, mtl__tr *tr) {
  run_ctx *c = ctx;
  return tr->rank == 0 ? cadmm_server(c, tr) : cadmm_node(c, tr);
}

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
static int dadmm_ckpt(run_ctx *c, mtl__tr *tr, double *buf, int64_t t) {
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
static int64_t dadmm_resume(run_ctx *c, mtl__tr *tr, double **buf,
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
static int push_code(double **codes, int64_t *n, int64_t *cap, double code) {
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

static int dadmm_node(run_ctx *c, mtl__tr *tr) {
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
        if ((rc = push_round_time(c, 0)))
          goto done;
  }
  rc = coef_prepare(p, K, Om, P, work);
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
        normalize(d, x);
      code = predict(p, d, w, x, y, &gcoef);
    }
    if ((rc = push_code(&codes, &ncodes, &capc, code)))
      goto done;
    wstep(p, c->eta, d, w, u, myv, z, x, gcoef);
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
      rc = omega_update(d, K, v, p->eps, Om, work);
      if (!rc)
        rc = coef_prepare(p, K, Om, P, work);
      if (rc)
        goto done;
    }
    ustep(p, d, K, s, v, u);
    vcol(p, d, K, k, s, u, v, P, vn);
    memcpy(myv, vn, (size_t)d * sizeof(double));
    zstep(p, d, z, w, u, myv);
    if (k == 0) {
      double now = mtl__now();
      if ((rc = push_round_time(c, now - tprev)))
        goto done;
      tprev = now;
      if ((rc = report(c, t, NAN)))
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

static int dadmm_role(void *ctx, mtl__tr *tr) {
  return dadmm_node(ctx, tr);
}

/* ---- D-PSGD (Lian et al. 2017) -------------------------------------------- */

/* Node k: predicts with w_k, hinge subgradient g at w_k, sends w_k to its
 * neighbours, then w_k <- sum_j M_kj w_j - gamma_t g with Metropolis
 * weights M_kj = 1 / (1 + max(deg_k, deg_j)) (uniform 1/(deg+1) on regular
 * graphs), gamma_t = step0 / sqrt(t + 1).  Async: latest w_j received. */
static int dpsgd_node(run_ctx *c, mtl__tr *tr) {
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
        normalize(d, x);
      code = predict(p, d, w, x, y, &gcoef);
    }
    if ((rc = push_code(&codes, &ncodes, &capc, code)))
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
      if ((rc = push_round_time(c, now - tprev)))
        goto done;
      tprev = now;
      if ((rc = report(c, t, NAN)))
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

static int dpsgd_role(void *ctx, mtl__tr *tr) { return dpsgd_node(ctx, tr); }

/* ---- sequential baselines ------------------------------------------------- */

/* ADMM-Single (each task its own u, v, z, w with K = 1, Omega = [1]) or
 * online gradient descent w <- w - step0/sqrt(n_k) g (n_k: instances of
 * task k so far).  No communication: a plain loop over rounds and tasks. */
static int sequential(run_ctx *c) {
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
  if (admm && (rc = coef_prepare(p, 1, &one, P, work)))
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
          normalize(d, x);
        code[k] = predict(p, d, w, x, y, &gcoef);
      }
      if (admm) {
        const double *sp[1] = {sv}, *vp[1] = {v};
        wstep(p, c->eta, d, w, u, v, z, x, gcoef);
        for (int i = 0; i < d; i++)
          sv[i] = z[i] + p->rho * w[i];
        ustep(p, d, 1, sp, vp, un);
        memcpy(u, un, (size_t)d * sizeof(double));
        vcol(p, d, 1, 0, sp, u, vp, P, un);
        memcpy(v, un, (size_t)d * sizeof(double));
        zstep(p, d, z, w, u, v);
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
    if ((rc = collect_round(c, code, now - tprev)))
      goto done;
    tprev = now;
    if ((rc = report(c, t, running_err(c, seen, mis, code))))
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

/* ---- driver ---------------------------------------------------------------- */

void mtl_omtl_result_clear(mtl_omtl_result *r) {
  if (!r)
    return;
  free(r->n_seen);
  free(r->mistakes);
  free(r->err_task);
  free(r->err_avg);
  free(r->round_sec);
  free(r->pred);
  free(r->W);
  free(r->V);
  free(r->u);
  free(r->Omega);
  free(r->gossip_first);
  memset(r, 0, sizeof *r);
}

static int check_params(const mtl_omtl_params *p) {
  if ((int)p->method < MTL_OMTL_CADMM || (int)p->method > MTL_OMTL_OGD)
    return mtl__err(MTL_EINVAL, "omtl: method %d unknown", (int)p->method);
  if (p->variant != MTL_OMTL_EXACT && p->variant != MTL_OMTL_PAPER)
    return mtl__err(MTL_EINVAL, "omtl: variant %d unknown", (int)p->variant);
  if (!(p->rho > 0) || !isfinite(p->rho))
    return mtl__err(MTL_EINVAL, "omtl: rho = %g must be > 0", p->rho);
  if (!(p->lambda1 >= 0) || !isfinite(p->lambda1))
    return mtl__err(MTL_EINVAL, "omtl: lambda1 = %g must be >= 0",
                    p->lambda1);
  if (!(p->lambda2 > 0) || !isfinite(p->lambda2))
    return mtl__err(MTL_EINVAL, "omtl: lambda2 = %g must be > 0", p->lambda2);
  if (!(p->lambda3 >= 0) || !isfinite(p->lambda3))
    return mtl__err(MTL_EINVAL, "omtl: lambda3 = %g must be >= 0",
                    p->lambda3);
  if (!(p->lambda4 >= 0) || !isfinite(p->lambda4))
    return mtl__err(MTL_EINVAL, "omtl: lambda4 = %g must be >= 0",
                    p->lambda4);
  if (p->variant == MTL_OMTL_PAPER && !(p->lambda1 + p->lambda3 > 0))
    return mtl__err(MTL_EINVAL, "omtl: the paper variant (14) needs "
                                "lambda1 + lambda3 > 0");
  if (!(p->eta >= 0) || !isfinite(p->eta))
    return mtl__err(MTL_EINVAL, "omtl: eta = %g must be >= 0 (0 = "
                                "sqrt(horizon))",
                    p->eta);
  if (p->horizon < 0)
    return mtl__err(MTL_EINVAL, "omtl: horizon = %lld must be >= 0",
                    (long long)p->horizon);
  if (p->learn_omega != 0 && p->learn_omega != 1)
    return mtl__err(MTL_EINVAL, "omtl: learn_omega = %d must be 0 or 1",
                    p->learn_omega);
  if (!(p->eps >= 0) || !isfinite(p->eps))
    return mtl__err(MTL_EINVAL, "omtl: eps = %g must be >= 0", p->eps);
  if (p->omega_every < 1)
    return mtl__err(MTL_EINVAL, "omtl: omega_every = %d must be >= 1",
                    p->omega_every);
  if (p->normalize != 0 && p->normalize != 1)
    return mtl__err(MTL_EINVAL, "omtl: normalize = %d must be 0 or 1",
                    p->normalize);
  if (p->zero_positive != 0 && p->zero_positive != 1)
    return mtl__err(MTL_EINVAL, "omtl: zero_positive = %d must be 0 or 1",
                    p->zero_positive);
  if (p->mistake_driven != 0 && p->mistake_driven != 1)
    return mtl__err(MTL_EINVAL, "omtl: mistake_driven = %d must be 0 or 1",
                    p->mistake_driven);
  if (p->async != 0 && p->async != 1)
    return mtl__err(MTL_EINVAL, "omtl: async = %d must be 0 or 1", p->async);
  if (p->staleness < 0)
    return mtl__err(MTL_EINVAL, "omtl: staleness = %d must be >= 0",
                    p->staleness);
  if (!(p->step0 > 0) || !isfinite(p->step0))
    return mtl__err(MTL_EINVAL, "omtl: step0 = %g must be > 0", p->step0);
  if (p->max_rounds < 0)
    return mtl__err(MTL_EINVAL, "omtl: max_rounds = %lld must be >= 0",
                    (long long)p->max_rounds);
  if (p->progress_every < 1)
    return mtl__err(MTL_EINVAL, "omtl: progress_every = %d must be >= 1",
                    p->progress_every);
  return MTL_OK;
}

/* Turns rank 0's codes into the curves of the result. */
static int finish(run_ctx *c, mtl_omtl_result *r) {
  int K = c->K;
  int64_t R = c->rounds;
  r->rounds = R;
  r->n_seen = mtl__calloc((size_t)K, sizeof(int64_t));
  r->mistakes = mtl__calloc((size_t)K, sizeof(int64_t));
  r->err_task = mtl__malloc((size_t)(R > 0 ? R : 1) * K * sizeof(double));
  r->err_avg = mtl__malloc((size_t)(R > 0 ? R : 1) * sizeof(double));
  r->round_sec = mtl__calloc((size_t)(R > 0 ? R : 1), sizeof(double));
  if (c->p.record_predictions)
    r->pred = mtl__malloc((size_t)(R > 0 ? R : 1) * K);
  if (!r->n_seen || !r->mistakes || !r->err_task || !r->err_avg ||
      !r->round_sec || (c->p.record_predictions && !r->pred))
    return MTL_ENOMEM;
  for (int64_t t = 0; t < R; t++) {
    double s = 0;
    int n = 0;
    for (int k = 0; k < K; k++) {
      int cd = c->codes[t * K + k];
      if (cd) {
        r->n_seen[k]++;
        r->mistakes[k] += (cd == 2 || cd == -2);
      }
      if (r->pred)
        r->pred[t * K + k] = (signed char)(cd > 0 ? 1 : cd < 0 ? -1 : 0);
      double e = r->n_seen[k] ? (double)r->mistakes[k] / (double)r->n_seen[k]
                              : NAN;
      r->err_task[t * K + k] = e;
      if (r->n_seen[k]) {
        s += e;
        n++;
      }
    }
    r->err_avg[t] = n ? s / n : NAN;
    if (c->round_sec && t < c->rounds)
      r->round_sec[t] = c->round_sec[t];
  }
  return MTL_OK;
}

/* Moves rank 0's collected state into res (curves, W, V, u, Omega). */
static int take_result(run_ctx *c, const mtl_omtl_params *p,
                       mtl_omtl_result *res) {
  int K = c->K, d = c->d, rc;
  res->K = K;
  res->d = d;
  res->eta = c->eta;
  if ((rc = finish(c, res)))
    return rc;
  res->W = c->W;
  c->W = NULL;
  if (p->method != MTL_OMTL_DPSGD && p->method != MTL_OMTL_OGD) {
    res->V = c->V;
    c->V = NULL;
    res->Omega = mtl__malloc((size_t)K * K * sizeof(double));
    if (!res->Omega) {
      return MTL_ENOMEM;
    }
    if (p->method == MTL_OMTL_SINGLE || !p->learn_omega) {
      memset(res->Omega, 0, (size_t)K * K * sizeof(double));
      for (int k = 0; k < K; k++)
        res->Omega[k + (size_t)k * K] = p->method == MTL_OMTL_SINGLE ? 1.0
                                                                   : 1.0 / K;
    } else if ((rc = mtl_omtl_omega(d, K, res->V, p->eps, res->Omega))) {
      return rc;
    }
    if (p->method != MTL_OMTL_SINGLE) {
      res->u = c->u;
      c->u = NULL;
    }
  }
  if (p->method == MTL_OMTL_DADMM && !p->async) {
    res->gossip_first = c->first;
    c->first = NULL;
  }
  return MTL_OK;
}

/* Set-up shared by the in-process and the MPI drivers: the graph (the
 * caller's, or one built from the topology into *own_g) when `graph` is
 * set, and the result buffers, each node's feeder over `rounds` (0 = the
 * stream's).  On error the caller still calls run_ctx_clear. */
static int run_ctx_setup(run_ctx *c, mtl_stream *s, int graph,
                         int64_t rounds, mtl_graph **own_g) {
  int K = c->K, d = c->d, rc;
  if (graph) {
    const mtl_omtl_params *p = &c->p;
    if (p->graph) {
      if (mtl_graph_nodes(p->graph) != K)
        return mtl__err(MTL_EINVAL, "omtl: graph has %d nodes, stream has "
                                    "%d tasks",
                        mtl_graph_nodes(p->graph), K);
      c->g = p->graph;
    } else {
      if ((rc = mtl_graph_create(p->topology, K, p->degree, p->graph_seed,
                                 own_g)))
        return mtl__err_prefix(rc, "omtl: topology");
      c->g = *own_g;
    }
  }
  c->W = mtl__calloc((size_t)d * K, sizeof(double));
  c->V = mtl__calloc((size_t)d * K, sizeof(double));
  c->u = mtl__calloc((size_t)d, sizeof(double));
  c->first = mtl__malloc((size_t)K * K * sizeof(int));
  if (!c->W || !c->V || !c->u || !c->first)
    return MTL_ENOMEM;
  for (size_t i = 0; i < (size_t)K * K; i++)
    c->first[i] = -1;
  return mtl__feed_create(s, rounds, &c->feed);
}

static void run_ctx_clear(run_ctx *c, mtl_graph *own_g) {
  mtl__feed_free(c->feed);
  mtl_graph_free(own_g);
  free(c->codes);
  free(c->round_sec);
  free(c->W);
  free(c->V);
  free(c->u);
  free(c->first);
}

int mtl_omtl_run(mtl_stream *s, const mtl_omtl_params *pin,
                 mtl_omtl_result *res) {
  if (!res)
    return mtl__err(MTL_EINVAL, "omtl_run: res is NULL");
  memset(res, 0, sizeof *res);
  if (!s)
    return mtl__err(MTL_EINVAL, "omtl_run: stream is NULL");
  mtl_omtl_params p;
  if (pin)
    p = *pin;
  else
    mtl_omtl_params_init(&p);
  int rc = check_params(&p);
  if (rc)
    return rc;
  int K = mtl_stream_ntasks(s), d = mtl_stream_dim(s);
  run_ctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.K = K;
  c.d = d;
  mtl_graph *own_g = NULL;
  mtl__hub *hub = NULL;
  double t0 = mtl__now();
  int64_t T = p.horizon;
  if (T == 0) {
    T = mtl_stream_rounds(s);
    if (T > 0 && p.max_rounds > 0 && p.max_rounds < T)
      T = p.max_rounds;
  }
  if (p.eta > 0) {
    c.eta = p.eta;
  } else if (T > 0) {
    c.eta = sqrt((double)T);
  } else if (p.method == MTL_OMTL_OGD || p.method == MTL_OMTL_DPSGD) {
    c.eta = 1; /* unused: these use step0 / sqrt(t) */
  } else {
    return mtl__err(MTL_EINVAL, "omtl: eta = 0 means sqrt(T), but the "
                                "stream's length is unknown: set horizon "
                                "(or eta)");
  }
  int decentral = p.method == MTL_OMTL_DADMM || p.method == MTL_OMTL_DPSGD;
  if ((rc = run_ctx_setup(&c, s, decentral, p.max_rounds, &own_g)))
    goto done;
  if (p.method == MTL_OMTL_SINGLE || p.method == MTL_OMTL_OGD) {
    rc = sequential(&c);
  } else {
    int size = p.method == MTL_OMTL_CADMM ? K + 1 : K;
    if ((rc = mtl__hub_create(size, &hub)))
      goto done;
    mtl__role_fn role = p.method == MTL_OMTL_CADMM   ? cadmm_role
                        : p.method == MTL_OMTL_DADMM ? dadmm_role
                                                     : dpsgd_role;
    rc = mtl__hub_run(hub, role, &c);
    for (int r = 0; r < size; r++)
      res->bytes_sent += mtl__hub_endpoint(hub, r)->bytes_sent;
  }
  if (rc < 0)
    goto done;
  if ((rc = take_result(&c, &p, res)))
    goto done;
  res->seconds = mtl__now() - t0;
  rc = MTL_OK;
done:
  if (rc < 0)
    mtl_omtl_result_clear(res);
  mtl__hub_free(hub);
  run_ctx_clear(&c, own_g);
  return rc;
}

/* [mpi hook] One rank's part of an MPI D-ADMM run (internal.h, "MPI
 * drivers" block): the same role as in-process, over the caller's endpoint,
 * with the agreed round count and the checkpoint hook. */
int mtl__omtl_run_tr(mtl_stream *s, const mtl_omtl_params *pin,
                     mtl__tr *tr, int64_t rounds, mtl__ckpt *ck,
                     mtl_omtl_result *res) {
  memset(res, 0, sizeof *res);
  mtl_omtl_params p = *pin;
  int rc = check_params(&p);
  if (rc)
    return rc;
  if (p.method != MTL_OMTL_DADMM)
    return mtl__err(MTL_EUNSUPPORTED, "omtl over MPI: method %s; only "
                                      "dadmm runs over MPI",
                    method_name(p.method));
  int K = mtl_stream_ntasks(s), d = mtl_stream_dim(s);
  if (tr->size != K)
    return mtl__err(MTL_EINVAL, "omtl over MPI: %d ranks for K = %d tasks "
                                "(D-ADMM needs one rank per task)",
                    tr->size, K);
  if (rounds < 1)
    return mtl__err(MTL_EINVAL, "omtl over MPI: agreed round count %lld",
                    (long long)rounds);
  run_ctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.K = K;
  c.d = d;
  c.agreed_rounds = rounds;
  c.ck = ck;
  mtl_graph *own_g = NULL;
  double t0 = mtl__now();
  c.eta = p.eta > 0 ? p.eta
                    : sqrt((double)(p.horizon > 0 ? p.horizon : rounds));
  if ((rc = run_ctx_setup(&c, s, 1, rounds, &own_g)))
    goto done;
  rc = dadmm_role(&c, tr);
  if (rc < 0)
    goto done;
  if (tr->rank == 0) {
    if ((rc = take_result(&c, &p, res)))
      goto done;
    res->seconds = mtl__now() - t0;
  }
  res->bytes_sent = tr->bytes_sent;
  rc = MTL_OK;
done:
  if (rc < 0)
    mtl_omtl_result_clear(res);
  run_ctx_clear(&c, own_g);
  return rc;
}

/* ---- outputs ---------------------------------------------------------------- */

typedef struct csv_ctx {
  const mtl_omtl_result *r;
  int every;
} csv_ctx;

static int csv_body(FILE *f, void *vctx) {
  const csv_ctx *c = vctx;
  const mtl_omtl_result *r = c->r;
  int every = c->every;
  fprintf(f, "round,avg,round_us");
  for (int k = 0; k < r->K; k++)
    fprintf(f, ",task%d", k + 1);
  fputc('\n', f);
  for (int64_t t = 0; t < r->rounds; t++) {
    if ((t + 1) % every != 0 && t != r->rounds - 1)
      continue;
    fprintf(f, "%lld,%.6g,%.3f", (long long)(t + 1), r->err_avg[t],
            r->round_sec ? 1e6 * r->round_sec[t] : 0.0);
    for (int k = 0; k < r->K; k++)
      fprintf(f, ",%.6g", r->err_task[t * r->K + k]);
    fputc('\n', f);
  }
  return MTL_OK;
}

int mtl_omtl_write_csv(const mtl_omtl_result *r, const char *path,
                       int every) {
  if (!r || !path || !r->err_avg)
    return mtl__err(MTL_EINVAL, "omtl_write_csv: empty result or NULL path");
  csv_ctx c = {r, every < 1 ? 1 : every};
  return mtl__write_atomic(path, "error curves (CSV)", csv_body, &c);
}

static const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                "#bcbd22", "#17becf"};

typedef struct svg_ctx {
  const mtl_omtl_result *const *res;
  const char *const *labels;
  int n;
  const char *title;
  int64_t R;
  double ymax;
} svg_ctx;

static int svg_body(FILE *f, void *vctx);

int mtl_omtl_write_svg(const mtl_omtl_result *const *res,
                       const char *const *labels, int n, const char *title,
                       const char *path) {
  if (!res || n < 1 || !path)
    return mtl__err(MTL_EINVAL, "omtl_write_svg: no result or NULL path");
  int64_t R = 1;
  double ymax = 0;
  for (int i = 0; i < n; i++) {
    if (!res[i] || !res[i]->err_avg)
      return mtl__err(MTL_EINVAL, "omtl_write_svg: result %d is empty", i);
    if (res[i]->rounds > R)
      R = res[i]->rounds;
    for (int64_t t = res[i]->rounds / 20; t < res[i]->rounds; t++)
      if (res[i]->err_avg[t] > ymax)
        ymax = res[i]->err_avg[t];
  }
  ymax = ymax > 0 ? ceil(ymax * 10 + 0.5) / 10 : 1;
  if (ymax > 1)
    ymax = 1;
  svg_ctx c = {res, labels, n, title, R, ymax};
  return mtl__write_atomic(path, "plot (SVG)", svg_body, &c);
}

static int svg_body(FILE *f, void *vctx) {
  const svg_ctx *c = vctx;
  const mtl_omtl_result *const *res = c->res;
  const char *const *labels = c->labels;
  const char *title = c->title;
  int n = c->n;
  int64_t R = c->R;
  double ymax = c->ymax;
  const double W = 640, H = 400, L = 60, Rm = 170, Tm = 40, B = 50;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" "
             "height=\"%g\" font-family=\"sans-serif\" font-size=\"12\">\n",
          W, H);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"%g\" y=\"20\" text-anchor=\"middle\" "
             "font-size=\"14\">%s</text>\n",
          (W - Rm + L) / 2, title ? title : "cumulative error rate");
  double pw = W - L - Rm, ph = H - Tm - B;
  fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" "
             "fill=\"none\" stroke=\"black\"/>\n",
          L, Tm, pw, ph);
  for (int i = 0; i <= 5; i++) {
    double yv = ymax * i / 5, yy = Tm + ph - ph * i / 5;
    fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.2f</text>\n",
            L - 5, yy + 4, yv);
    double xv = (double)R * i / 5, xx = L + pw * i / 5;
    fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%.0f</text>\n",
            xx, Tm + ph + 18, xv);
  }
  fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">round</text>\n",
          L + pw / 2, H - 10);
  fprintf(f, "<text x=\"15\" y=\"%g\" transform=\"rotate(-90 15 %g)\" "
             "text-anchor=\"middle\">averaged cumulative error</text>\n",
          Tm + ph / 2, Tm + ph / 2);
  for (int i = 0; i < n; i++) {
    const mtl_omtl_result *r = res[i];
    const char *col = palette[i % 10];
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
               "points=\"",
            col);
    int64_t step = r->rounds / 300 + 1;
    for (int64_t t = 0; t < r->rounds; t += step) {
      double e = r->err_avg[t];
      if (!isfinite(e))
        continue;
      if (e > ymax)
        e = ymax;
      fprintf(f, "%.1f,%.1f ", L + pw * (double)(t + 1) / (double)R,
              Tm + ph - ph * e / ymax);
    }
    fprintf(f, "\"/>\n");
    fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" "
               "stroke-width=\"2\"/>\n",
            W - Rm + 10, Tm + 15 + 18.0 * i, W - Rm + 30, Tm + 15 + 18.0 * i,
            col);
    fprintf(f, "<text x=\"%g\" y=\"%g\">%s (%.3f)</text>\n", W - Rm + 35,
            Tm + 19 + 18.0 * i, labels && labels[i] ? labels[i] : "?",
            r->rounds ? r->err_avg[r->rounds - 1] : NAN);
  }
  fprintf(f, "</svg>\n");
  return MTL_OK;
}

typedef struct heat_ctx {
  const double *A;
  int K;
  const char *title;
  double amax;
} heat_ctx;

static int heat_body(FILE *f, void *vctx);

int mtl_omtl_write_heatmap(const double *A, int K, const char *title,
                           const char *path) {
  if (!A || K < 1 || !path)
    return mtl__err(MTL_EINVAL, "omtl_write_heatmap: bad argument");
  double amax = 0;
  for (size_t i = 0; i < (size_t)K * K; i++)
    if (fabs(A[i]) > amax)
      amax = fabs(A[i]);
  if (amax == 0)
    amax = 1;
  heat_ctx c = {A, K, title, amax};
  return mtl__write_atomic(path, "heatmap (SVG)", heat_body, &c);
}

static int heat_body(FILE *f, void *vctx) {
  const heat_ctx *c = vctx;
  const double *A = c->A;
  int K = c->K;
  const char *title = c->title;
  double amax = c->amax;
  double cell = K <= 10 ? 40 : 400.0 / K, off = 40;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" "
             "height=\"%g\" font-family=\"sans-serif\" font-size=\"11\">\n",
          off + cell * K + 20, off + cell * K + 20);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"%g\" y=\"20\">%s (max |entry| %.3g; red +, blue "
             "-)</text>\n",
          off, title ? title : "Omega", amax);
  for (int a = 0; a < K; a++)
    for (int b = 0; b < K; b++) {
      double v = A[a + (size_t)b * K] / amax;
      int lev = (int)(255 * (1 - fabs(v)));
      fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                 "fill=\"rgb(%d,%d,%d)\"><title>%d,%d: %.4g</title></rect>\n",
              off + cell * b, off + cell * a, cell, cell, v >= 0 ? 255 : lev,
              lev, v >= 0 ? lev : 255, a + 1, b + 1, A[a + (size_t)b * K]);
    }
  fprintf(f, "</svg>\n");
  return MTL_OK;
}

int mtl_omtl_to_model(const mtl_omtl_result *r, const mtl_omtl_params *p,
                      mtl_model **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "omtl_to_model: out is NULL");
  *out = NULL;
  if (!r || !r->W || !p)
    return mtl__err(MTL_EINVAL, "omtl_to_model: empty result or NULL params");
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.loss = MTL_LOSS_HINGE;
  pp.reg.type = MTL_REG_NONE;
  pp.reg.lambda = 0;
  mtl_model *m = mtl_model_create(r->d, r->K, r->W, &pp, NULL);
  if (!m)
    return mtl__err_prefix(MTL_ENOMEM, "omtl_to_model");
  char buf[64];
  int rc = mtl_model_set_meta(m, "method", method_name(p->method));
  if (!rc)
    rc = mtl_model_set_meta(m, "variant", p->variant == MTL_OMTL_EXACT
                                              ? "exact"
                                              : "paper");
  const char *keys[] = {"rho", "lambda1", "lambda2", "lambda3", "lambda4",
                        "eta", "eps"};
  double vals[] = {p->rho, p->lambda1, p->lambda2, p->lambda3, p->lambda4,
                   r->eta, p->eps};
  for (int i = 0; i < 7 && !rc; i++) {
    snprintf(buf, sizeof buf, "%.17g", vals[i]);
    rc = mtl_model_set_meta(m, keys[i], buf);
  }
  if (!rc)
    rc = mtl_model_set_meta(m, "learn_omega", p->learn_omega ? "1" : "0");
  if (!rc)
    rc = mtl_model_set_meta(m, "normalize", p->normalize ? "1" : "0");
  if (!rc && r->Omega)
    rc = mtl_model_set_matrix(m, "Omega", r->K, r->K, r->Omega);
  if (!rc && r->V)
    rc = mtl_model_set_matrix(m, "V", r->d, r->K, r->V);
  if (!rc && r->u)
    rc = mtl_model_set_matrix(m, "u", r->d, 1, r->u);
  if (rc) {
    mtl_model_free(m);
    return rc;
  }
  *out = m;
  return MTL_OK;
}
