/*
 * loss.c -- per-sample losses l(z, y) of a linear score z = x'w, their
 * derivatives dl/dz and the Lipschitz constants of those derivatives.
 *
 * The losses are those of MALSAR (least squares, logistic) and LIBLINEAR
 * (squared hinge, hinge).  Every function is pure and thread-safe.
 */
#include "problem.h"

#include <math.h>
#include <stddef.h>
#include <strings.h>

/* Names indexed by mtl_loss value + 1 (so that MTL_LOSS_AUTO = -1 is 0). */
static const char *const loss_names[] = {"auto", "squared", "logistic",
                                         "sqhinge", "hinge"};
#define NLOSS_NAMES ((int)(sizeof loss_names / sizeof loss_names[0]))

const char *mtl_loss_name(mtl_loss l) {
  int i = (int)l + 1;
  if (i < 0 || i >= NLOSS_NAMES)
    return "unknown";
  return loss_names[i];
}

int mtl_loss_parse(const char *s, int *ok) {
  if (ok)
    *ok = 0;
  if (!s) {
    mtl__err(MTL_EINVAL, "mtl_loss_parse: loss name is NULL");
    return -1;
  }
  for (int i = 0; i < NLOSS_NAMES; i++)
    if (strcasecmp(s, loss_names[i]) == 0) {
      if (ok)
        *ok = 1;
      return i - 1;
    }
  mtl__err(MTL_EINVAL,
           "unknown loss \"%s\" (expected squared, logistic, sqhinge, hinge "
           "or auto)",
           s);
  return -1;
}

int mtl__loss_resolve(int requested, mtl_task_kind kind) {
  if (requested != MTL_LOSS_AUTO)
    return requested;
  return kind == MTL_TASK_CLASSIFICATION ? MTL_LOSS_LOGISTIC
                                         : MTL_LOSS_SQUARED;
}

/* sigma(-m) = 1 / (1 + exp(m)) without overflow: for m >= 0 the form
 * e^{-m} / (1 + e^{-m}) only underflows (to 0, the right limit). */
static double sigmoid_neg(double m) {
  if (m >= 0) {
    double e = exp(-m);
    return e / (1.0 + e);
  }
  return 1.0 / (1.0 + exp(m));
}

double mtl__sigmoid_neg(double m) { return sigmoid_neg(m); }

/* Each loss takes the margin form where it has one (m = y z).  The logistic
 * value log(1 + e^{-m}) is evaluated as log1p(e^{-|m|}) + max(-m, 0), which
 * is exact to rounding for every finite m (no overflow at m = -1e4, full
 * relative accuracy at m = +40 where the naive form returns 0).  Each
 * returns l(z, y) and sets *d = dl/dz. */
static inline double squared_one(double z, double y, double *d) {
  double r = z - y;
  *d = r;
  return 0.5 * r * r;
}

static inline double logistic_one(double z, double y, double *d) {
  double m = y * z;
  *d = -y * sigmoid_neg(m);
  return log1p(exp(-fabs(m))) + (m < 0 ? -m : 0.0);
}

static inline double sqhinge_one(double z, double y, double *d) {
  double r = 1.0 - y * z;
  *d = r > 0 ? -y * r : 0.0;
  return r > 0 ? 0.5 * r * r : 0.0;
}

/* Subgradient: -y where the margin is violated (1 - yz > 0), 0 where it is
 * met, including the kink 1 - yz = 0. */
static inline double hinge_one(double z, double y, double *d) {
  double r = 1.0 - y * z;
  *d = r > 0 ? -y : 0.0;
  return r > 0 ? r : 0.0;
}

/* sum += (s_i) l(z_i, y_i), g[i] = (s_i) l'(z_i, y_i): one loop per loss,
 * and without weights the same loop as before they existed (no multiply,
 * no branch per sample). */
#define EVAL_LOOP(ONE)                                                         \
  do {                                                                         \
    for (int i = 0; sw && i < n; i++) {                                        \
      double dv, v = ONE(z[i], y[i], &dv);                                     \
      sum += sw[i] * v;                                                        \
      if (g)                                                                   \
        g[i] = sw[i] * dv;                                                     \
    }                                                                          \
    for (int i = 0; !sw && i < n; i++) {                                       \
      double dv, v = ONE(z[i], y[i], &dv);                                     \
      sum += v;                                                                \
      if (g)                                                                   \
        g[i] = dv;                                                             \
    }                                                                          \
  } while (0)

static double eval_weighted(mtl_loss l, const double *z, const double *y,
                            const double *sw, int n, double *g) {
  double sum = 0.0;
  if (l == MTL_LOSS_SQUARED)
    EVAL_LOOP(squared_one);
  else if (l == MTL_LOSS_LOGISTIC)
    EVAL_LOOP(logistic_one);
  else if (l == MTL_LOSS_SQHINGE)
    EVAL_LOOP(sqhinge_one);
  else
    EVAL_LOOP(hinge_one);
  return sum;
}

double mtl__loss_eval_w(mtl_loss l, const double *z, const double *y,
                        const double *sw, int n, double *g) {
  if (n < 0) {
    mtl__err(MTL_EINVAL, "mtl_loss_eval: n = %d must be >= 0", n);
    return NAN;
  }
  if (n > 0 && (!z || !y)) {
    mtl__err(MTL_EINVAL, "mtl_loss_eval: %s is NULL with n = %d",
             z ? "y" : "z", n);
    return NAN;
  }
  if (l == MTL_LOSS_AUTO) {
    mtl__err(MTL_EINVAL, "mtl_loss_eval: loss \"auto\" must be resolved to "
                         "a concrete loss (squared or logistic) first");
    return NAN;
  }
  if (l < MTL_LOSS_SQUARED || l > MTL_LOSS_HINGE) {
    mtl__err(MTL_EINVAL, "mtl_loss_eval: invalid loss %d", (int)l);
    return NAN;
  }
  return eval_weighted(l, z, y, sw, n, g);
}

double mtl_loss_eval(mtl_loss l, const double *z, const double *y, int n,
                     double *g) {
  return mtl__loss_eval_w(l, z, y, NULL, n, g);
}

/* Lipschitz constants of z -> dl/dz for labels |y| <= 1: squared 1,
 * logistic sup sigma' = 1/4, squared hinge 1 (piecewise linear derivative
 * of slope y^2), hinge none (its subgradient jumps; 0 by convention). */
double mtl_loss_lipschitz(mtl_loss l) {
  switch (l) {
  case MTL_LOSS_SQUARED:
    return 1.0;
  case MTL_LOSS_LOGISTIC:
    return 0.25;
  case MTL_LOSS_SQHINGE:
    return 1.0;
  case MTL_LOSS_HINGE:
    return 0.0;
  case MTL_LOSS_AUTO:
    mtl__err(MTL_EINVAL, "mtl_loss_lipschitz: loss \"auto\" must be "
                         "resolved to a concrete loss first");
    return NAN;
  default:
    mtl__err(MTL_EINVAL, "mtl_loss_lipschitz: invalid loss %d", (int)l);
    return NAN;
  }
}
