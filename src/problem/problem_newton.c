/*
 * problem_newton.c -- Newton steps on the active manifold of the squared
 * loss with an L1 or L2,1 penalty, the polish of the proximal-gradient
 * solvers (solve.c) on badly conditioned data.
 *
 * Near a solution the support is fixed (the nonzero entries for L1, the
 * nonzero rows for L2,1) and the objective is smooth there, with Hessian
 *   L1:   blockdiag_t( a_t H_t[S_t, S_t] ) + 2 ridge I
 *   L2,1: blockdiag_t( a_t H_t[A, A] + diag(c) ) - sum_j c_j v_j v_j'
 * (H_t = X_t'X_t, c_j = lambda / ||w_j||, v_j = e_j (x) w_j / ||w_j||: the
 * curvature lambda (I - u u') / ||w_j|| of each row norm), so a Newton step
 * costs one small Cholesky per task and, for L2,1, a |A| x |A| capacitance
 * system (Woodbury).  This is what first-order methods lack on raw
 * features: their rate is set by the ratio of the largest curvature of the
 * loss to the smallest curvature of the penalty along the null space of
 * X_t, which Newton does not see.  The step is globalized by quartering
 * until the objective decreases (zero crossings of L1 entries are set to
 * 0: an orthant projection), the full step also taken where the objective
 * is flat to rounding and the manifold gradient shrinks (full_step);
 * where no step is taken, W is left as it was.
 * Uses the X_t'X_t blocks of the certificate's cache (problem_dual.c);
 * for the logistic loss H_t is its Hessian at W over a_t, X_t'diag(s_i
 * sigma_i (1 - sigma_i))X_t (mtl__problem_logit_hessians), recomputed at
 * each step.
 */
#include "problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The largest support of one task for the L1 null-space move. */
#define NEWTON_MAX_M 256

/* Workspace of the Newton steps of one solve (mtl__newton_create): sized
 * for the whole problem once, so that a step does not allocate. */
struct mtl__newton {
  int d, T, m;      /* m = active rows (L2,1) */
  int *act;         /* active row indices (m) */
  int *S;           /* d: a task's support (L1) */
  double *Cinv;     /* L2,1: per task m x m inverse of the block (d x d x T) */
  double *C;        /* 2 d x d + 2 d: a block, its copy or inverse, vectors */
  double *C0;       /* d x d: the block before the jitter (spd_inverse) */
  double *c;        /* m: lambda / ||w_j|| (0: the unpenalized row) */
  double *R;        /* d x T: gradient on the manifold */
  double *R1;       /* d x T: the same at the trial point (full_step) */
  double *X;        /* d x T: the step */
  double *sg;       /* d x T (L1): the sign of each entry on the support
                       (-sign of the gradient for a zero entry that
                       violates |g| <= lambda: it joins), 0 off it */
};
typedef struct mtl__newton newton_ws;

int mtl__newton_create(const mtl_problem *pb, mtl__newton **out) {
  size_t d = (size_t)pb->d, dT = d * pb->T;
  newton_ws *w = mtl__calloc(1, sizeof *w);
  *out = NULL;
  if (!w)
    return MTL_ENOMEM;
  w->d = pb->d;
  w->T = pb->T;
  w->act = mtl__malloc(d * sizeof(int));
  w->S = mtl__malloc(d * sizeof(int));
  w->c = mtl__malloc(d * sizeof(double));
  w->C = mtl__malloc((2 * d * d + 2 * d) * sizeof(double));
  w->C0 = mtl__malloc(d * d * sizeof(double));
  w->R = mtl__malloc(dT * sizeof(double));
  w->R1 = mtl__malloc(dT * sizeof(double));
  w->X = mtl__malloc(dT * sizeof(double));
  w->sg = mtl__calloc(dT, sizeof(double));
  w->Cinv = pb->p.reg.type == MTL_REG_L21
                ? mtl__malloc(d * d * pb->T * sizeof(double))
                : NULL;
  if (!w->act || !w->S || !w->c || !w->C || !w->C0 || !w->R || !w->R1 ||
      !w->X || !w->sg || (pb->p.reg.type == MTL_REG_L21 && !w->Cinv)) {
    mtl__newton_free(w);
    return MTL_ENOMEM;
  }
  *out = w;
  return MTL_OK;
}

void mtl__newton_free(mtl__newton *w) {
  if (!w)
    return;
  free(w->act);
  free(w->S);
  free(w->c);
  free(w->C);
  free(w->C0);
  free(w->R);
  free(w->R1);
  free(w->X);
  free(w->sg);
  free(w->Cinv);
  free(w);
}

/* Inverts the SPD matrix C (m x m) in place by Cholesky, with a diagonal
 * jitter of 1e-12, 1e-10, ... x its largest diagonal entry when the
 * factorization fails.  inv: m x m output; C is destroyed; C0: m x m
 * scratch. */
static int spd_inverse(int m, double *C, double *C0, double *inv) {
  double dmax = 0;
  for (int i = 0; i < m; i++)
    dmax = fmax(dmax, C[i + (size_t)i * m]);
  memcpy(C0, C, (size_t)m * m * sizeof(double));
  int rc = MTL_ENUMERIC;
  for (double jit = 0; jit <= 1e-6 * dmax; jit = jit ? jit * 100 : 1e-12 * dmax) {
    memcpy(C, C0, (size_t)m * m * sizeof(double));
    for (int i = 0; i < m; i++)
      C[i + (size_t)i * m] += jit;
    if (mtl__potrf(m, C) == MTL_OK) {
      memset(inv, 0, (size_t)m * m * sizeof(double));
      for (int i = 0; i < m; i++)
        inv[i + (size_t)i * m] = 1.0;
      rc = mtl__potrs(m, m, C, inv, m);
      break;
    }
    if (dmax == 0)
      break;
  }
  return rc;
}

static const double *task_H(const mtl_problem *pb, int t) {
  size_t dd = (size_t)pb->d * pb->d;
  if (pb->logit_H) /* logistic: the Hessian at W (mtl__problem_newton) */
    return pb->logit_H + (size_t)t * dd;
  int k = pb->dual_idx[t];
  return k < 0 ? NULL : pb->dual_blk + (size_t)k * 2 * dd + dd;
}

/* L2,1 step: X = K^{-1} R on the active rows by Woodbury (see the top). */
static int step_l21(mtl_problem *pb, const double *W, newton_ws *w) {
  int d = pb->d, T = pb->T, m = w->m, dp = pb->d_pen;
  double lam = pb->p.reg.lambda, ridge = pb->p.reg.ridge;
  size_t mm = (size_t)m * m;
  double *C = w->C; /* m <= d: C, S (m x m each), p, q (m each) */
  double *S = C + mm, *p = S + mm, *q = p + m;
  int rc = MTL_OK;
  for (int i = 0; i < m; i++) {
    p[i] = 0;
    for (int k = 0; k < m; k++)
      S[i + (size_t)k * m] = 0;
    if (w->c[i] > 0)
      S[i + (size_t)i * m] = 1.0 / w->c[i];
    else
      S[i + (size_t)i * m] = 1.0; /* the unpenalized row: decoupled */
  }
  for (int t = 0; t < T && !rc; t++) {
    const double *H = task_H(pb, t);
    double a = pb->scale[t], *Ci = w->Cinv + (size_t)t * mm;
    for (int i = 0; i < m; i++)
      for (int k = 0; k < m; k++) {
        int ji = w->act[i], jk = w->act[k];
        C[i + (size_t)k * m] =
            a * H[ji + (size_t)jk * d] +
            (i == k ? w->c[i] + (ji < dp ? 2 * ridge : 0) : 0);
      }
    rc = spd_inverse(m, C, w->C0, Ci);
    if (rc)
      break;
    /* y_t = C_t^{-1} R_t (kept in X), p += u_t o y_t, S -= (u u') o Cinv */
    double *xt = w->X + (size_t)t * d;
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int k = 0; k < m; k++)
        s += Ci[i + (size_t)k * m] * w->R[w->act[k] + (size_t)t * d];
      xt[w->act[i]] = s;
    }
    for (int i = 0; i < m; i++) {
      if (!(w->c[i] > 0))
        continue;
      double ui = W[w->act[i] + (size_t)t * d] * w->c[i] / lam;
      p[i] += ui * xt[w->act[i]];
      for (int k = 0; k < m; k++)
        if (w->c[k] > 0)
          S[i + (size_t)k * m] -= ui * W[w->act[k] + (size_t)t * d] *
                                  w->c[k] / lam * Ci[i + (size_t)k * m];
    }
  }
  if (!rc)
    rc = mtl__gesv(m, 1, S, p, m); /* p = S^{-1} p */
  for (int t = 0; t < T && !rc; t++) {
    const double *Ci = w->Cinv + (size_t)t * mm;
    for (int k = 0; k < m; k++)
      q[k] = w->c[k] > 0 ? W[w->act[k] + (size_t)t * d] * w->c[k] / lam * p[k]
                         : 0.0;
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int k = 0; k < m; k++)
        s += Ci[i + (size_t)k * m] * q[k];
      w->X[w->act[i] + (size_t)t * d] += s;
    }
  }
  return rc;
}

/* Along the null space of the task's block the loss is flat and the L1
 * term linear (signs fixed): move along n = -(I - Ci C) sign(w) (the null
 * projection of the penalty's gradient) until the first entry reaches 0,
 * as a simplex ratio test; X (the step, subtracted from w) gains -alpha n.
 * C: the block, Ci: its pseudo-inverse (m x m, on the entries S). */
static void null_move(const mtl_problem *pb, const double *W,
                      const double *sgn, int t, const int *S, int m,
                      const double *C, const double *Ci, double *X) {
  int d = pb->d;
  const double *w = W + (size_t)t * d, *sgt = sgn + (size_t)t * d;
  double n[NEWTON_MAX_M], sg[NEWTON_MAX_M], nn = 0, sn = 0;
  if (m > NEWTON_MAX_M)
    return;
  for (int i = 0; i < m; i++)
    sg[i] = S[i] < pb->d_pen ? sgt[S[i]] : 0.0;
  for (int i = 0; i < m; i++) { /* n = -(sg - Ci (C sg)) */
    double v = 0;
    for (int k = 0; k < m; k++) {
      double cs = 0;
      for (int l = 0; l < m; l++)
        cs += C[k + (size_t)l * m] * sg[l];
      v += Ci[i + (size_t)k * m] * cs;
    }
    n[i] = -(sg[i] - v);
    nn += n[i] * n[i];
    sn += sg[i] * sg[i];
  }
  if (!(nn > 1e-16 * sn))
    return;
  double alpha = INFINITY;
  for (int i = 0; i < m; i++) {
    double wi = fmax(0, sg[i] * (w[S[i]] - X[S[i]])) * sg[i];
    if (S[i] < pb->d_pen && sg[i] * n[i] < 0)
      alpha = fmin(alpha, -wi / n[i]);
  }
  if (isfinite(alpha))
    for (int i = 0; i < m; i++)
      X[S[i]] -= alpha * n[i];
}

/* Ci = pinv(C) (m x m, relative cutoff rcond), for the logistic loss on
 * the Jacobi-scaled S C S, S = diag(C)^{-1/2}, then Ci = S pinv(S C S) S
 * (C restored): on raw features over several orders of magnitude the
 * plain cutoff drops the directions of the small ones and the step stalls
 * short of the optimum.  The same null space (C n = 0 for n = (I - Ci C) v
 * either way). */
static int pinv_block(const mtl_problem *pb, int m, double *C, double rcond,
                      double *Ci) {
  double S[NEWTON_MAX_M];
  if (!pb->logit_H || m > NEWTON_MAX_M)
    return mtl__pinv_sym(m, C, rcond, Ci);
  for (int i = 0; i < m; i++)
    S[i] = C[i + (size_t)i * m] > 0 ? 1.0 / sqrt(C[i + (size_t)i * m]) : 1.0;
  for (int i = 0; i < m; i++)
    for (int k = 0; k < m; k++)
      C[i + (size_t)k * m] *= S[i] * S[k];
  int rc = mtl__pinv_sym(m, C, rcond, Ci);
  for (int i = 0; i < m; i++)
    for (int k = 0; k < m; k++) {
      C[i + (size_t)k * m] /= S[i] * S[k];
      Ci[i + (size_t)k * m] *= S[i] * S[k];
    }
  return rc;
}

/* L1 step: per task, X_t[S] = (a H[S,S] + 2 ridge)^{-1} R_t[S] on the
 * nonzero entries S (and the unpenalized row). */
static int step_l1(mtl_problem *pb, const double *W, newton_ws *w) {
  int d = pb->d, T = pb->T, dp = pb->d_pen;
  double ridge = pb->p.reg.ridge;
  double *C = w->C;
  int *S = w->S, rc = MTL_OK;
  for (int t = 0; t < T && !rc; t++) {
    const double *H = task_H(pb, t);
    double a = pb->scale[t], *Ci = C + (size_t)d * d;
    int m = 0;
    for (int j = 0; j < d; j++)
      if (j >= dp || w->sg[j + (size_t)t * d] != 0)
        S[m++] = j;
    for (int i = 0; i < m; i++)
      for (int k = 0; k < m; k++)
        C[i + (size_t)k * m] = a * H[S[i] + (size_t)S[k] * d] +
                               (i == k && S[i] < dp ? 2 * ridge : 0);
    if (m == 0)
      continue;
    rc = pinv_block(pb, m, C, 1e-10, Ci);
    for (int i = 0; i < m && !rc; i++) {
      double s = 0;
      for (int k = 0; k < m; k++)
        s += Ci[i + (size_t)k * m] * w->R[S[k] + (size_t)t * d];
      w->X[S[i] + (size_t)t * d] = s;
    }
    if (!rc)
      null_move(pb, W, w->sg, t, S, m, C, Ci, w->X + (size_t)t * d);
  }
  return rc;
}

/* R = the gradient of the objective on the manifold at W (grad f + lambda
 * times the unit row / sign + 2 ridge W; 0 off the support); with record,
 * R is w->R and the support is recorded: the active rows of L2,1 (act,
 * c, m), the signs of L1 (sg).  *F = F(W). */
static int manifold_grad(mtl_problem *pb, const double *W, newton_ws *w,
                         int record, double *F) {
  int d = pb->d, T = pb->T, dp = pb->d_pen, l21 = pb->p.reg.type == MTL_REG_L21;
  double lam = pb->p.reg.lambda, ridge = pb->p.reg.ridge, f;
  double *R = record ? w->R : w->R1;
  int rc = mtl_problem_loss(pb, W, &f, R);
  if (rc)
    return rc;
  *F = f + mtl__problem_reg_value(pb, W);
  if (record)
    w->m = 0;
  for (int j = 0; j < d; j++) {
    double nr = 0;
    for (int t = 0; t < T; t++)
      nr += W[j + (size_t)t * d] * W[j + (size_t)t * d];
    nr = sqrt(nr);
    for (int t = 0; t < T && j < dp; t++) {
      double *r = &R[j + (size_t)t * d], x = W[j + (size_t)t * d];
      if (l21) {
        *r = nr > 0 ? *r + lam * x / nr + 2 * ridge * x : 0.0;
        continue;
      }
      double sg = x > 0 ? 1 : x < 0 ? -1 : *r > lam ? -1 : *r < -lam ? 1 : 0;
      *r = sg != 0 ? *r + lam * sg + 2 * ridge * x : 0.0;
      if (record)
        w->sg[j + (size_t)t * d] = sg;
    }
    if (record && (j >= dp || nr > 0)) {
      w->act[w->m] = j;
      w->c[w->m++] = j >= dp ? 0.0 : lam / nr;
    }
  }
  return MTL_OK;
}

/* The group analogue of the orthant projection: a row whose norm, to
 * first order along the step, reaches zero (u_j . step x_j >= ||w_j||) is
 * set to zero; this is how the polish drops a row that the first-order
 * iterations shrink only slowly along the null space of the X_t. */
static void zero_crossings(const mtl_problem *pb, const double *W,
                           const newton_ws *w, double step, double *Wn) {
  int d = pb->d, T = pb->T;
  for (int i = 0; i < w->m; i++) {
    int j = w->act[i];
    if (!(w->c[i] > 0))
      continue;
    double nr = pb->p.reg.lambda / w->c[i], ux = 0;
    for (int t = 0; t < T; t++)
      ux += W[j + (size_t)t * d] * w->X[j + (size_t)t * d];
    if (step * ux / nr >= nr)
      for (int t = 0; t < T; t++)
        Wn[j + (size_t)t * d] = 0;
  }
}

/* Wn = W - step X, with the orthant projection of L1 and the zero
 * crossings of L2,1. */
static void trial_point(const mtl_problem *pb, const double *W,
                        const newton_ws *w, double step, double *Wn) {
  int d = pb->d;
  size_t dT = (size_t)d * pb->T;
  int l1 = pb->p.reg.type == MTL_REG_L1;
  for (size_t k = 0; k < dT; k++) {
    Wn[k] = W[k] - step * w->X[k];
    if (l1 && (int)(k % d) < pb->d_pen &&
        (Wn[k] * w->sg[k] <= 0 || fabs(Wn[k]) <= 1e-12 * fabs(W[k])))
      Wn[k] = 0; /* orthant projection (and zero entries stay 0) */
  }
  if (!l1)
    zero_crossings(pb, W, w, step, Wn);
}

/* Near the optimum a step changes the objective by about the squared
 * manifold gradient, below the objective's rounding, while the
 * certificate's dual point is first order in W's error: it sees the
 * gradient itself (logistic School: 6e-6 x lambda where the objective is
 * exact to 1e-19; squared School, L2,1: a gap of 3e-10 x F at a point
 * whose F is F* to rounding).  So the full step is taken where it lowers
 * F, and also where it keeps the support (the zero entries of W and only
 * those: the manifold gradients then measure the same thing), leaves F
 * within FLAT_TOL x |F0| of F0 and shrinks the manifold gradient 4-fold
 * (a "flat step", the same rule for every loss): 1 then, Wn = the step
 * and *F = F(Wn); else 0.  w's support is kept (w->R1 is used). */
#define FLAT_TOL 1e-13
static int same_support(const mtl_problem *pb, const double *W,
                        const double *Wn) {
  int d = pb->d;
  for (int t = 0; t < pb->T; t++)
    for (int j = 0; j < pb->d_pen; j++)
      if ((W[j + (size_t)t * d] == 0) != (Wn[j + (size_t)t * d] == 0))
        return 0;
  return 1;
}

static int full_step(mtl_problem *pb, const double *W, newton_ws *w,
                     double F0, double *Wn, double *F) {
  size_t dT = (size_t)pb->d * pb->T;
  double r0 = 0, r1 = 0, F1;
  trial_point(pb, W, w, 1.0, Wn);
  int rc = mtl_problem_objective(pb, Wn, &F1);
  if (!rc && F1 < F0) {
    *F = F1;
    return 1;
  }
  if (rc || !(F1 <= F0 + FLAT_TOL * fabs(F0)) || !same_support(pb, W, Wn))
    return rc;
  if ((rc = manifold_grad(pb, Wn, w, 0, &F1)))
    return rc;
  for (size_t k = 0; k < dT; k++) {
    r0 += w->R[k] * w->R[k];
    r1 += w->R1[k] * w->R1[k];
  }
  if (!(r1 < 0.25 * r0))
    return 0;
  *F = F1;
  return 1;
}

/* L2,1, where the full step fails: the step up to the first zero
 * crossing, that row set to 0 (an active-set step).  A row of small
 * norm that should vanish makes the Newton system ill-conditioned (its
 * curvature lambda / ||w_j|| across the row, none along it), its radial
 * move huge, and the other rows' steps wild, so that the full step rises
 * and only tiny steps lower F, shrinking the row a little each time
 * (School standardized, L2,1, from a FISTA iterate at gap 1e-4: steps of
 * 1e-7 .. 6e-5, one row of norm 8e-3 too many, its move 2e4).  1 and *F
 * = F(Wn) if a crossing comes before the full step and F does not rise
 * beyond FLAT_TOL (at the optimum's rounding level, a row of norm 1e-5
 * too many costs nothing visible: the gap and the next steps tell); else
 * 0.  (L1 has no such curvature: its entries' steps stay decoupled.) */
static int drop_step(mtl_problem *pb, const double *W, newton_ws *w,
                     double F0, double *Wn, double *F) {
  int d = pb->d, T = pb->T, first = -1;
  double alpha = 1, F1;
  if (pb->p.reg.type != MTL_REG_L21)
    return 0;
  for (int i = 0; i < w->m; i++) {
    int j = w->act[i];
    double ww = 0, ux = 0;
    if (!(w->c[i] > 0))
      continue; /* the unpenalized row */
    for (int t = 0; t < T; t++) {
      ww += W[j + (size_t)t * d] * W[j + (size_t)t * d];
      ux += W[j + (size_t)t * d] * w->X[j + (size_t)t * d];
    }
    if (ux > 0 && ww < alpha * ux) { /* crosses at step ww / ux */
      alpha = ww / ux;
      first = j;
    }
  }
  if (first < 0)
    return 0;
  trial_point(pb, W, w, alpha, Wn);
  for (int t = 0; t < T; t++)
    Wn[first + (size_t)t * d] = 0;
  int rc = mtl_problem_objective(pb, Wn, &F1);
  if (rc || !(F1 <= F0 + FLAT_TOL * fabs(F0)))
    return rc;
  *F = F1;
  return 1;
}

int mtl__problem_newton(mtl_problem *pb, mtl__newton *w, const double *W,
                        double *Wn, double *F) {
  mtl_reg_type rt = pb->p.reg.type;
  *F = NAN;
  if ((rt != MTL_REG_L1 && rt != MTL_REG_L21) || !(pb->p.reg.lambda > 0))
    return 0;
  if (!mtl__problem_squared_only(pb)) { /* logistic: the Hessians at W */
    int ok = mtl__problem_logit_hessians(pb, W);
    if (ok <= 0)
      return ok;
  } else if (!mtl__problem_newton_cache(pb)) {
    return 0;
  }
  for (int t = 0; !pb->logit_H && t < pb->T; t++)
    if (pb->dual_idx[t] < 0)
      return 0;
  double F0;
  memset(w->X, 0, (size_t)pb->d * pb->T * sizeof(double));
  int rc = manifold_grad(pb, W, w, 1, &F0);
  if (!rc && w->m == 0 && rt == MTL_REG_L21)
    return 0; /* every row zero: no step */
  if (!rc)
    rc = rt == MTL_REG_L21 ? step_l21(pb, W, w) : step_l1(pb, W, w);
  if (rc)
    return rc;
  *F = F0;
  /* the full step where it lowers F or is flat, else the zero crossings
   * alone, else shorter steps */
  if ((rc = full_step(pb, W, w, F0, Wn, F)) ||
      (rc = drop_step(pb, W, w, F0, Wn, F)))
    return rc;
  for (double step = 0.25; step > 1e-12; step /= 4) {
    double F1;
    trial_point(pb, W, w, step, Wn);
    if ((rc = mtl_problem_objective(pb, Wn, &F1)))
      return rc;
    if (F1 < F0) {
      *F = F1;
      return 1;
    }
  }
  return 0;
}
