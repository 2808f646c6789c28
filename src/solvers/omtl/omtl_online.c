/*
 * omtl_online.c -- the online methods fed round by round by the caller
 * (mtl_online_* of the api layer, Python's partial_fit): C-ADMM, round-
 * synchronous D-PSGD and OGD with their whole state kept between calls,
 * and round-synchronous D-ADMM through its nodes stepped together
 * (mtl__dadmm_seq of omtl_dadmm.c: the one implementation of the node).
 *
 * Each round does, in the calling thread and in the same order, the
 * arithmetic the threaded roles of omtl_cadmm.c / omtl_baselines.c do for
 * that round (the server's sums over tasks 0..K-1, the neighbours of a
 * D-PSGD node in ascending order), so that feeding the rounds of a
 * replayed dataset gives the bits of mtl_omtl_run on that stream.  The
 * asynchronous variants are not offered: their order is the threads'.
 */
#include "omtl_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mtl__omtl_step {
  mtl_omtl_params p;
  int K, d;
  int64_t rounds;        /* rounds done */
  double *W, *V, *Z, *S; /* d x K each: w_k, v_k, z_k, s_k = z_k + rho w_k */
  double *Vn, *u, *x;    /* d x K, d, d */
  double *Om, *P, *work; /* K x K, K x K, 2 K x K */
  const double **s, **v; /* K column pointers into S and V */
  int64_t *seen, *mis;   /* K each */
  mtl_graph *g;          /* D-PSGD, D-ADMM */
  mtl__dadmm_seq *dq;    /* D-ADMM */
};

void mtl__omtl_step_free(mtl__omtl_step *st) {
  if (!st)
    return;
  free(st->W);
  free(st->V);
  free(st->Z);
  free(st->S);
  free(st->Vn);
  free(st->u);
  free(st->x);
  free(st->Om);
  free(st->P);
  free(st->work);
  free(st->s);
  free(st->v);
  free(st->seen);
  free(st->mis);
  mtl__dadmm_seq_free(st->dq);
  mtl_graph_free(st->g);
  free(st);
}

static int step_check(const mtl_omtl_params *p, int K, int d) {
  const char *name = mtl__omtl_method_name(p->method);
  if (K < 1 || d < 1)
    return mtl__err(MTL_EINVAL, "%s: %d tasks and %d features: both must "
                                "be >= 1", name, K, d);
  if (p->method != MTL_OMTL_CADMM && p->method != MTL_OMTL_DADMM &&
      p->method != MTL_OMTL_DPSGD && p->method != MTL_OMTL_OGD)
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s: rounds fed one call at a time are available for "
                    "cadmm, dadmm, dpsgd and ogd", name);
  if (p->async)
    return mtl__err(MTL_EUNSUPPORTED, "%s: async = 1 is not available round "
                                      "by round (round-synchronous only)",
                    name);
  if ((p->method == MTL_OMTL_CADMM || p->method == MTL_OMTL_DADMM) &&
      !(p->eta > 0))
    return mtl__err(MTL_EINVAL, "%s: eta = 0 means sqrt(number of rounds), "
                                "unknown while rounds are fed one call at "
                                "a time: set eta > 0", name);
  return MTL_OK;
}

int mtl__omtl_step_create(const mtl_omtl_params *p, int K, int d,
                          mtl__omtl_step **out) {
  *out = NULL;
  int rc = step_check(p, K, d);
  if (rc)
    return rc;
  mtl__omtl_step *st = mtl__calloc(1, sizeof *st);
  if (!st)
    return MTL_ENOMEM;
  st->p = *p;
  st->K = K;
  st->d = d;
  size_t dK = (size_t)d * K, KK = (size_t)K * K;
  st->W = mtl__calloc(dK, sizeof(double));
  st->V = mtl__calloc(dK, sizeof(double));
  st->Z = mtl__calloc(dK, sizeof(double));
  st->S = mtl__calloc(dK, sizeof(double));
  st->Vn = mtl__calloc(dK, sizeof(double));
  st->u = mtl__calloc((size_t)d, sizeof(double));
  st->x = mtl__calloc((size_t)d, sizeof(double));
  st->Om = mtl__calloc(KK, sizeof(double));
  st->P = mtl__calloc(KK, sizeof(double));
  st->work = mtl__calloc(2 * KK, sizeof(double));
  st->s = mtl__malloc((size_t)K * sizeof *st->s);
  st->v = mtl__malloc((size_t)K * sizeof *st->v);
  st->seen = mtl__calloc((size_t)K, sizeof(int64_t));
  st->mis = mtl__calloc((size_t)K, sizeof(int64_t));
  if (!st->W || !st->V || !st->Z || !st->S || !st->Vn || !st->u || !st->x ||
      !st->Om || !st->P || !st->work || !st->s || !st->v || !st->seen ||
      !st->mis) {
    mtl__omtl_step_free(st);
    return MTL_ENOMEM;
  }
  for (int k = 0; k < K; k++) {
    st->s[k] = st->S + (size_t)k * d;
    st->v[k] = st->V + (size_t)k * d;
    st->Om[k + (size_t)k * K] = 1.0 / K;
  }
  if (p->method == MTL_OMTL_CADMM)
    rc = mtl__omtl_coef(p, K, st->Om, st->P, st->work);
  else if (p->method != MTL_OMTL_OGD && p->graph)
    rc = mtl__err(MTL_EINVAL, "%s: give the graph by topology",
                  mtl__omtl_method_name(p->method));
  else if (p->method != MTL_OMTL_OGD &&
           (rc = mtl_graph_create(p->topology, K, p->degree, p->graph_seed,
                                  &st->g)))
    rc = mtl__err_prefix(rc, "%s: topology", mtl__omtl_method_name(p->method));
  if (!rc && p->method == MTL_OMTL_DADMM)
    rc = mtl__dadmm_seq_create(p, st->g, K, d, &st->dq);
  if (rc) {
    mtl__omtl_step_free(st);
    return rc;
  }
  *out = st;
  return MTL_OK;
}

/* Task k's instance of the round into st->x (normalized), its prediction
 * code (0 when absent: y = 0) and the loss coefficient. */
static double predict_one(mtl__omtl_step *st, int k, const double *X,
                          const double *y, double *gcoef) {
  *gcoef = 0;
  if (y[k] == 0)
    return 0;
  int d = st->d;
  memcpy(st->x, X + (size_t)k * d, (size_t)d * sizeof(double));
  if (st->p.normalize)
    mtl__omtl_normalize(d, st->x);
  return mtl__omtl_predict(&st->p, d, st->W + (size_t)k * d, st->x, y[k],
                           gcoef);
}

/* C-ADMM round t (Algorithm 1): every node's prediction and w-step (10)
 * with s_k, the server's u- and V-steps, every node's z-step (15), then
 * Omega (18) and the V-step coefficients every omega_every rounds. */
static int cadmm_round(mtl__omtl_step *st, const double *X, const double *y,
                       double *code) {
  const mtl_omtl_params *p = &st->p;
  int d = st->d, K = st->K, rc;
  double eta = p->eta;
  for (int k = 0; k < K; k++) {
    double gcoef;
    code[k] = predict_one(st, k, X, y, &gcoef);
    double *w = st->W + (size_t)k * d, *z = st->Z + (size_t)k * d;
    mtl__omtl_w(p, eta, d, w, st->u, st->V + (size_t)k * d, z,
                gcoef != 0 ? st->x : NULL, gcoef);
    double *s = st->S + (size_t)k * d;
    for (int i = 0; i < d; i++)
      s[i] = z[i] + p->rho * w[i];
  }
  mtl__omtl_u(p, d, K, st->s, st->v, st->u);
  for (int k = 0; k < K; k++)
    mtl__omtl_vcol(p, d, K, k, st->s, st->u, st->v, st->P,
                   st->Vn + (size_t)k * d);
  memcpy(st->V, st->Vn, (size_t)d * K * sizeof(double));
  for (int k = 0; k < K; k++)
    mtl__omtl_z(p, d, st->Z + (size_t)k * d, st->W + (size_t)k * d, st->u,
                st->V + (size_t)k * d);
  if (p->learn_omega && (st->rounds + 1) % p->omega_every == 0) {
    if ((rc = mtl__omtl_omega_update(d, K, st->v, p->eps, st->Om,
                                     st->work)) ||
        (rc = mtl__omtl_coef(p, K, st->Om, st->P, st->work)))
      return rc;
  }
  return MTL_OK;
}

/* D-PSGD round t, round-synchronous: every node mixes its neighbours'
 * w_j of the start of the round with Metropolis weights and takes its
 * hinge step gamma_t = step0 / sqrt(t + 1).  The mixes read the old W
 * (kept in S). */
static void dpsgd_round(mtl__omtl_step *st, const double *X, const double *y,
                        double *code) {
  int d = st->d, K = st->K;
  double gam = st->p.step0 / sqrt((double)(st->rounds + 1));
  memcpy(st->S, st->W, (size_t)d * K * sizeof(double));
  for (int k = 0; k < K; k++) {
    double gcoef;
    code[k] = predict_one(st, k, X, y, &gcoef);
    const int *nb;
    int deg = mtl_graph_neighbors(st->g, k, &nb);
    double *wn = st->Vn, *w = st->W + (size_t)k * d, self = 1;
    for (int i = 0; i < d; i++)
      wn[i] = 0;
    for (int e = 0; e < deg; e++) {
      int dj = mtl_graph_neighbors(st->g, nb[e], NULL);
      double m = 1.0 / (1 + (deg > dj ? deg : dj));
      self -= m;
      const double *wj = st->S + (size_t)nb[e] * d;
      for (int i = 0; i < d; i++)
        wn[i] += m * wj[i];
    }
    for (int i = 0; i < d; i++)
      w[i] = wn[i] + self * w[i] - gam * (gcoef != 0 ? gcoef * st->x[i] : 0.0);
  }
}

/* OGD: w_k <- w_k - step0 / sqrt(n_k) g (n_k counting this instance). */
static void ogd_round(mtl__omtl_step *st, const double *X, const double *y,
                      double *code) {
  int d = st->d;
  for (int k = 0; k < st->K; k++) {
    double gcoef;
    code[k] = predict_one(st, k, X, y, &gcoef);
    if (code[k] != 0 && gcoef != 0) {
      double gam = st->p.step0 / sqrt((double)(st->seen[k] + 1));
      double *w = st->W + (size_t)k * d;
      for (int i = 0; i < d; i++)
        w[i] -= gam * gcoef * st->x[i];
    }
  }
}

int mtl__omtl_step_round(mtl__omtl_step *st, const double *X, const double *y,
                         double *code) {
  for (int k = 0; k < st->K; k++)
    if (y[k] != 0 && y[k] != 1 && y[k] != -1)
      return mtl__err(MTL_EINVAL, "%s: round %lld, task %d: label %g (expected "
                                  "-1 or +1, 0 = no instance)",
                      mtl__omtl_method_name(st->p.method),
                      (long long)st->rounds + 1, k + 1, y[k]);
  int rc = MTL_OK;
  /* the threaded run's BLAS setting, so that its calls (Omega) give the
   * same bits */
  mtl__blas_single_thread();
  if (st->p.method == MTL_OMTL_CADMM)
    rc = cadmm_round(st, X, y, code);
  else if (st->p.method == MTL_OMTL_DADMM &&
           !(rc = mtl__dadmm_seq_round(st->dq, st->rounds, X, y, code)))
    mtl__dadmm_seq_state(st->dq, st->W, st->V, st->u);
  else if (st->p.method == MTL_OMTL_DPSGD)
    dpsgd_round(st, X, y, code);
  else
    ogd_round(st, X, y, code);
  if (rc)
    return rc;
  for (int k = 0; k < st->K; k++)
    if (code[k] != 0) {
      st->seen[k]++;
      st->mis[k] += code[k] == 2 || code[k] == -2;
    }
  st->rounds++;
  return MTL_OK;
}

int64_t mtl__omtl_step_rounds(const mtl__omtl_step *st) { return st->rounds; }

void mtl__omtl_step_counts(const mtl__omtl_step *st, int64_t *seen,
                           int64_t *mistakes) {
  memcpy(seen, st->seen, (size_t)st->K * sizeof(int64_t));
  memcpy(mistakes, st->mis, (size_t)st->K * sizeof(int64_t));
}

int mtl__omtl_step_model(const mtl__omtl_step *st, mtl_model **out) {
  int K = st->K, d = st->d, admm = st->p.method == MTL_OMTL_CADMM ||
                                    st->p.method == MTL_OMTL_DADMM;
  mtl_omtl_result r;
  memset(&r, 0, sizeof r);
  r.K = K;
  r.d = d;
  r.rounds = st->rounds;
  r.eta = admm ? st->p.eta : 1;
  r.W = st->W;
  double *Om = NULL;
  mtl__blas_single_thread(); /* as mtl__omtl_step_round */
  if (admm) {
    r.V = st->V;
    r.u = st->u;
    Om = mtl__malloc((size_t)K * K * sizeof(double));
    if (!Om)
      return MTL_ENOMEM;
    int rc = MTL_OK;
    if (st->p.learn_omega)
      rc = mtl_omtl_omega(d, K, st->V, st->p.eps, Om);
    else
      for (size_t i = 0; i < (size_t)K * K; i++)
        Om[i] = i % ((size_t)K + 1) == 0 ? 1.0 / K : 0.0;
    if (rc) {
      free(Om);
      return rc;
    }
    r.Omega = Om;
  }
  int rc = mtl_omtl_to_model(&r, &st->p, out);
  free(Om);
  return rc;
}
