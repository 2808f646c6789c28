/*
 * osvd.c -- online thin SVD under column replacement (Brand, "Fast online
 * SVD revisions for lightweight recommender systems", SDM 2003, section 3),
 * used by the asynchronous MTL server (async.c) to answer "column t of
 * Prox_{s lambda ||.||_*}(V)" without a full SVD per request.
 *
 * State: A (d x T) = U diag(s) Q' with k = min(d, T) components, U (d x k)
 * and Q (T x k) with orthonormal columns.  The rank is NEVER truncated:
 * zero singular values are kept with their (arbitrary) orthonormal
 * directions, so the factorization stays exact whatever the rank of A.
 *
 * Replacing column t by c is the rank-one update A + a b' with a = c - A e_t
 * and b = e_t.  Following Brand: m = U'a, p = a - U m, Ra = ||p||, P = p/Ra;
 * n = Q'b, q = b - Q n, Rb = ||q||, Qv = q/Rb; then
 *     A + a b' = [U P] K [Q Qv]',   K = [diag(s) 0; 0 0] + [m; Ra][n; Rb]'
 * and an SVD of the small K = Uk diag(s') Vk' gives U' = [U P] Uk,
 * Q' = [Q Qv] Vk.  With k = min(d, T) one side is always complete (U square
 * when d <= T, Q square when T <= d), so its residual is zero and K is
 * (k+1) x k or k x (k+1): its thin SVD has exactly k components and nothing
 * is dropped (no truncation error at all, unlike Brand's rank-limited
 * variant).  The residual of the incomplete side is orthogonalized twice
 * (classical Gram-Schmidt with one re-orthogonalization) and ignored when it
 * is below 1e-13 ||a||.
 *
 * Rounding makes U and Q drift slowly from orthonormality; every `refresh`
 * replacements the factorization is recomputed from A (kept exactly) by a
 * full SVD, and the largest relative change of a singular value at that
 * moment is recorded as the measured drift.
 *
 * Thread-safety: an mtl__osvd is used by one thread (the server).
 */
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OSVD_RESID_TOL 1e-13

void mtl__osvd_clear(mtl__osvd *o) {
  if (!o)
    return;
  free(o->A);
  free(o->work);
  memset(o, 0, sizeof *o);
}

/* Full SVD of A into U, s, Q (the refresh); records the drift of s. */
int mtl__osvd_recompute(mtl__osvd *o) {
  int d = o->d, T = o->T, k = o->k;
  double *B = o->full_A, *Vt = o->full_Vt, *s2 = o->full_s;
  memcpy(B, o->A, (size_t)d * T * sizeof(double));
  int rc = mtl__svd(d, T, B, o->U, s2, Vt);
  if (rc)
    return mtl__err_prefix(rc, "online SVD refresh (%d x %d)", d, T);
  if (o->valid) {
    double top = s2[0] > 0 ? s2[0] : 1.0;
    for (int i = 0; i < k; i++) {
      double e = fabs(o->s[i] - s2[i]) / top;
      if (e > o->drift)
        o->drift = e;
    }
  }
  memcpy(o->s, s2, (size_t)k * sizeof(double));
  for (int i = 0; i < k; i++) /* Q = Vt' */
    for (int t = 0; t < T; t++)
      o->Q[t + (size_t)i * T] = Vt[i + (size_t)t * k];
  o->valid = 1;
  o->since = 0;
  o->refreshes++;
  return MTL_OK;
}

int mtl__osvd_init(mtl__osvd *o, int d, int T, const double *A,
                   int refresh) {
  memset(o, 0, sizeof *o);
  if (d < 1 || T < 1)
    return mtl__err(MTL_EINVAL, "online SVD: bad shape %d x %d", d, T);
  if (refresh < 0)
    return mtl__err(MTL_EINVAL, "online SVD: refresh = %d must be >= 0",
                    refresh);
  int k = d < T ? d : T, k1 = k + 1;
  o->d = d;
  o->T = T;
  o->k = k;
  o->refresh = refresh;
  size_t dT = (size_t)d * T;
  o->A = mtl__calloc(dT, sizeof(double)); /* zero when A is NULL */
  /* work: U, Q, s, Unew, Qnew, full_A, full_Vt, full_s, K, Uk, sk, Vkt,
   * m (k1), nn (k1), p (d), q (T) */
  size_t nw = 2 * (size_t)d * k + 2 * (size_t)T * k + (size_t)k + dT +
              (size_t)d + (size_t)T +
              (size_t)k * T + (size_t)k + 4 * (size_t)k1 * k1 + (size_t)k1 +
              2 * (size_t)k1 + (size_t)d + (size_t)T;
  o->work = mtl__calloc(nw, sizeof(double));
  if (!o->A || !o->work) {
    mtl__osvd_clear(o);
    return MTL_ENOMEM;
  }
  double *w = o->work;
  o->U = w, w += (size_t)d * k;
  o->Unew = w, w += (size_t)d * k;
  o->Q = w, w += (size_t)T * k;
  o->Qnew = w, w += (size_t)T * k;
  o->s = w, w += k;
  o->full_A = w, w += dT + (size_t)d + (size_t)T; /* + scratch a, e_t */
  o->full_Vt = w, w += (size_t)k * T;
  o->full_s = w, w += k;
  o->K = w, w += (size_t)k1 * k1;
  o->Uk = w, w += (size_t)k1 * k1;
  o->Vkt = w, w += (size_t)k1 * k1;
  o->sk = w, w += (size_t)k1 * k1; /* generous */
  o->mm = w, w += k1;
  o->nn = w, w += k1;
  o->p = w, w += d;
  o->q = w, w += T;
  if (A)
    memcpy(o->A, A, dT * sizeof(double));
  int rc = mtl__osvd_recompute(o);
  if (rc)
    mtl__osvd_clear(o);
  return rc;
}

/* x = v - B (B' v) twice (n x k basis B with ld n); coef += B' v. Returns
 * ||x||. */
static double orth_resid(int n, int k, const double *B, const double *v,
                         double *coef, double *x, double *tmp) {
  mtl__gemv(1, n, k, 1.0, B, n, v, 0.0, coef);
  memcpy(x, v, (size_t)n * sizeof(double));
  mtl__gemv(0, n, k, -1.0, B, n, coef, 1.0, x);
  mtl__gemv(1, n, k, 1.0, B, n, x, 0.0, tmp);
  mtl__gemv(0, n, k, -1.0, B, n, tmp, 1.0, x);
  mtl__axpy(k, 1.0, tmp, coef);
  return mtl__nrm2(n, x);
}

/* Periodic full recomputation, after the online update so that the drift
 * recorded compares the online and the exact factorization of one A. */
static int refresh_due(mtl__osvd *o) {
  if (o->refresh > 0 && o->since >= o->refresh)
    return mtl__osvd_recompute(o);
  return MTL_OK;
}

/* Brand's rank-one revision for A[:, t] <- col (see the file comment). */
int mtl__osvd_replace(mtl__osvd *o, int t, const double *col) {
  int d = o->d, T = o->T, k = o->k;
  if (t < 0 || t >= T)
    return mtl__err(MTL_EINVAL, "online SVD: column %d out of [0, %d)", t, T);
  double *acol = o->A + (size_t)t * d;
  double *a = o->full_A; /* scratch: a = col - A e_t (d entries) */
  for (int j = 0; j < d; j++)
    a[j] = col[j] - acol[j];
  memcpy(acol, col, (size_t)d * sizeof(double));
  o->updates++;
  o->since++;
  double na = mtl__nrm2(d, a);
  if (na == 0)
    return refresh_due(o);
  double *tmp = o->full_Vt; /* scratch, >= max(k, ...) entries */
  /* left side: m = U'a, p = a - U m */
  int el = 0;
  double Ra = 0;
  double *m = o->mm, *nn = o->nn;
  if (k < d) {
    Ra = orth_resid(d, k, o->U, a, m, o->p, tmp);
    if (Ra > OSVD_RESID_TOL * na) {
      el = 1;
      mtl__scal(d, 1.0 / Ra, o->p);
    }
  } else {
    mtl__gemv(1, d, k, 1.0, o->U, d, a, 0.0, m);
  }
  /* right side: n = Q' e_t = row t of Q, q = e_t - Q n */
  for (int i = 0; i < k; i++)
    nn[i] = o->Q[t + (size_t)i * T];
  int er = 0;
  double Rb = 0;
  if (k < T) {
    double *e = o->full_A + d; /* scratch e_t (T entries) */
    memset(e, 0, (size_t)T * sizeof(double));
    e[t] = 1.0;
    Rb = orth_resid(T, k, o->Q, e, nn, o->q, tmp);
    if (Rb > OSVD_RESID_TOL) {
      er = 1;
      mtl__scal(T, 1.0 / Rb, o->q);
    }
  }
  if (el && er) /* cannot happen with k = min(d, T); kept as a guard */
    return mtl__err(MTL_ENUMERIC, "online SVD: both sides incomplete");
  m[k] = Ra;
  nn[k] = Rb;
  int R = k + el, C = k + er;
  double *K = o->K;
  for (int j = 0; j < C; j++)
    for (int i = 0; i < R; i++)
      K[i + (size_t)j * R] = m[i] * nn[j] + (i == j && i < k ? o->s[i] : 0.0);
  int rc = mtl__svd(R, C, K, o->Uk, o->sk, o->Vkt);
  if (rc)
    return mtl__err_prefix(rc, "online SVD update of column %d", t);
  /* U' = [U P] Uk (d x k), Q' = [Q Qv] Vk (T x k); Vkt is k x C. */
  mtl__gemm(0, 0, d, k, k, 1.0, o->U, d, o->Uk, R, 0.0, o->Unew, d);
  if (el)
    for (int i = 0; i < k; i++)
      mtl__axpy(d, o->Uk[k + (size_t)i * R], o->p, o->Unew + (size_t)i * d);
  mtl__gemm(0, 1, T, k, k, 1.0, o->Q, T, o->Vkt, k, 0.0, o->Qnew, T);
  if (er)
    for (int i = 0; i < k; i++)
      mtl__axpy(T, o->Vkt[i + (size_t)k * k], o->q, o->Qnew + (size_t)i * T);
  double *sw = o->U;
  o->U = o->Unew;
  o->Unew = sw;
  sw = o->Q;
  o->Q = o->Qnew;
  o->Qnew = sw;
  memcpy(o->s, o->sk, (size_t)k * sizeof(double));
  return refresh_due(o);
}

/* Column t of U diag(max(s - thr, 0) * scale) Q' in O(d k). */
void mtl__osvd_prox_col(const mtl__osvd *o, double thr, double scale, int t,
                        double *out) {
  int d = o->d, T = o->T;
  memset(out, 0, (size_t)d * sizeof(double));
  for (int i = 0; i < o->k; i++) {
    double si = (o->s[i] - thr) * scale;
    if (si > 0)
      mtl__axpy(d, si * o->Q[t + (size_t)i * T], o->U + (size_t)i * d, out);
  }
}

/* The whole prox U diag(max(s - thr, 0) * scale) Q' (d x T). */
void mtl__osvd_prox(const mtl__osvd *o, double thr, double scale,
                    double *out) {
  for (int t = 0; t < o->T; t++)
    mtl__osvd_prox_col(o, thr, scale, t, out + (size_t)t * o->d);
}
