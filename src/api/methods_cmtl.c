/*
 * methods_cmtl.c -- clustered MTL (cmtl): the convex relaxation of Zhou,
 * Chen & Ye (2011), MALSAR's CMTL,
 *   min_{W,M} sum_t c_t loss_t(w_t) + lambda eta (1 + eta)
 *             tr(W (eta I + M)^{-1} W'),  eta = lambda2 / lambda,
 *   s.t. tr M = k, 0 <= M <= I
 * (solvers/batch/cmtl.c).  The model holds W, the matrix M (T x T) and the
 * cluster assignment "clusters" (1 x T, labels 1..k by k-means on the rows
 * of M); the results give the cluster sizes.
 *
 * Convex alternating structure optimization (caso): Chen, Tang, Liu & Ye
 * (2009), MALSAR's cASO, the same problem with M on the feature side,
 *   min_{W,M} sum_t c_t loss_t(w_t) + lambda eta (1 + eta)
 *             tr(W' (eta I + M)^{-1} W),  tr M = h, 0 <= M <= I (d x d):
 * a shared h-dimensional subspace of the features.  The model holds W, M
 * and "subspace" (d x h, orthonormal: the top h eigenvectors of M).
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* clusters (1 x T, 1-based) and the sizes as text ("5 4 3"). */
static int cm_clusters(mtl__fit_out *o, const double *M, int T, int k) {
  int *lab = mtl__malloc((size_t)T * sizeof *lab);
  double *L = mtl__malloc((size_t)T * sizeof *L);
  int rc = lab && L ? mtl__kmeans(M, T, T, k, 1, 10, lab) : MTL_ENOMEM;
  char buf[256];
  size_t len = 0;
  for (int c = 0; rc >= 0 && c < k; c++) {
    int n = 0;
    for (int t = 0; t < T; t++)
      n += lab[t] == c;
    if (len < sizeof buf - 16)
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d",
                              c ? " " : "", n);
  }
  for (int t = 0; rc >= 0 && t < T; t++)
    L[t] = lab[t] + 1;
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "clusters", 1, T, L);
  rc = rc < 0 ? rc : mtl__info_text(o->info, "cluster_sizes", "%s", buf);
  free(lab);
  free(L);
  return rc;
}

/* subspace (n x h): the eigenvectors of the h largest eigenvalues of M
 * (n x n), largest first. */
static int cm_subspace(mtl__fit_out *o, const double *M, int n, int h) {
  size_t nn = (size_t)n * n;
  double *E = mtl__malloc((2 * nn + n) * sizeof *E), *S = E + nn;
  if (!E)
    return MTL_ENOMEM;
  memcpy(E, M, nn * sizeof *E);
  int rc = mtl__syev(n, E, S + nn); /* ascending eigenvalues */
  if (rc)
    rc = mtl__err_prefix(rc, "caso: eigenvectors of M");
  for (int i = 0; !rc && i < h; i++)
    memcpy(S + (size_t)i * n, E + (size_t)(n - 1 - i) * n,
           (size_t)n * sizeof *S);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "subspace", n, h, S);
  free(E);
  return rc;
}

/* n: the side of M (T for cmtl, d_pen for caso). */
static int cm_output(const mtl__fit_ctx *c, mtl__fit_out *o,
                     const mtl_solve_info *in, const double *M, int n,
                     int k, int features) {
  mtl_fit_info *fi = o->info;
  int rc = mtl__info_text(fi, "solver", "%s", mtl__p_text(c->p, "solver"));
  rc = rc < 0 ? rc : mtl__info_num(fi, "iterations", in->iterations);
  rc = rc < 0 ? rc : mtl__info_num(fi, "objective", in->objective);
  rc = rc < 0 ? rc : mtl__info_num(fi, "seconds", in->seconds);
  rc = rc < 0 ? rc : mtl__info_cert(fi, &in->cert);
  rc = rc < 0 ? rc : mtl__fit_out_matrix(o, "M", n, n, M);
  if (features)
    rc = rc < 0 ? rc : cm_subspace(o, M, n, k);
  else
    rc = rc < 0 ? rc : cm_clusters(o, M, n, k);
  if (rc >= 0 && c->want_trace && in->trace)
    rc = mtl__info_iter_trace(fi, in);
  return rc;
}

/* cmtl (features 0) or caso (features 1). */
static int struct_fit(const mtl__fit_ctx *c, mtl__fit_out *o, int features) {
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  double *M = NULL;
  mtl_solve_info in;
  memset(&in, 0, sizeof in);
  int T = mtl_dataset_ntasks(c->ds);
  int rc = mtl__fit_scale(c, &o->sc, &scaled);
  rc = rc < 0 ? rc : mtl__fit_problem_params(c->p, T, &o->pp, &o->R);
  if (rc < 0)
    goto done;
  o->pp.reg.type = MTL_REG_NONE; /* the loss only; the penalty is cmtl's */
  o->pp.reg.lambda = 0;
  if ((rc = mtl_problem_create(scaled, &o->pp, &pb)) < 0) {
    rc = mtl__err_prefix(rc, "cannot set up the problem");
    goto done;
  }
  int d = mtl_problem_dim(pb);
  if ((rc = mtl__fit_out_losses(o, pb)) < 0)
    goto done;
  int n = features ? pb->d_pen : T;
  o->W = mtl__calloc((size_t)d * T, sizeof *o->W);
  M = mtl__malloc((size_t)n * n * sizeof *M);
  if (!o->W || !M) {
    rc = MTL_ENOMEM;
    goto done;
  }
  o->d = d;
  o->T = T;
  if (c->W0)
    memcpy(o->W, c->W0, (size_t)d * T * sizeof *o->W);
  mtl__cmtl_params cp = {.rho1 = mtl__p_num(c->p, "lambda"),
                         .rho2 = mtl__p_num(c->p, "lambda2"),
                         .k = mtl__p_int(c->p, features ? "h" : "k"),
                         .features = features};
  mtl_solver_params sp;
  mtl__fit_solver_params(c, &sp);
  int st = mtl__cmtl_solve(pb, &cp, &sp, o->W, M, &in);
  rc = st < 0 ? st : cm_output(c, o, &in, M, n, cp.k, features);
  if (rc >= 0)
    rc = st;
done:
  mtl_free(in.trace);
  free(M);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  return rc;
}

static int cm_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return struct_fit(c, o, 0);
}

static int caso_fit(const mtl__fit_ctx *c, mtl__fit_out *o) {
  return struct_fit(c, o, 1);
}

/* Both lambdas weigh quadratic penalties: their path tops are the scale of
 * the loss's curvature (methods_lmax.c). */
static int lip_top(const mtl__fit_ctx *c, double *out) {
  return mtl__lmax_struct(c, MTL__LMAX_LIP, out);
}

/* The parameters after the structure's size, shared by cmtl and caso. */
#define STRUCT_TAIL                                                            \
  MTL__P_STANDARDIZE, MTL__P_BIAS,                                             \
      MTL__P_CHOICE("solver", "fista", "fista|ista",                           \
                    "fista = accelerated gradient on W (M minimized out), "    \
                    "ista = plain"),                                           \
      MTL__P_INT("max_iter", "10000", 1, 1e9, "maximum iterations"),           \
      MTL__P_NONNEG("tol", "1e-10", "stop when the relative objective "        \
                                    "change <= tol (0 = off)"),                \
      MTL__P_THREADS, MTL__P_TRACE

static const mtl__pdef cmtl_table[] = {
    MTL__P_LOSS,
    MTL__P_SCALING("mean"),
    MTL__P_POS("lambda", "0.1", "rho1 of CMTL: weight of the cluster "
                                "penalty"),
    MTL__P_POS("lambda2", "0.1", "rho2 of CMTL: eta = lambda2 / lambda "
                                 "trades the within-cluster spread "
                                 "against the size of W"),
    MTL__P_INT("k", "2", 1, 1e6, "number of task clusters (<= tasks)"),
    STRUCT_TAIL,
};

const mtl_method mtl__method_cmtl = {
    .name = "cmtl",
    .aliases = "clustered",
    .summary = "clustered MTL (convex relaxation of Zhou et al., MALSAR's "
               "CMTL): k clusters of tasks, the assignment in the model",
    .params = cmtl_table,
    .nparams = MTL__NPARAMS(cmtl_table),
    .fit = cm_fit,
    .lambda_max = lip_top,
    .lambda2_max = lip_top,
};

static const mtl__pdef caso_table[] = {
    MTL__P_LOSS,
    MTL__P_SCALING("mean"),
    MTL__P_POS("lambda", "0.1", "rho1 of cASO"),
    MTL__P_POS("lambda2", "0.1", "rho2 of cASO: eta = lambda2 / lambda; "
                                 "the part inside the subspace is weighted "
                                 "lambda2"),
    MTL__P_INT("h", "2", 1, 1e6, "dimension of the shared feature subspace "
                                 "(<= features)"),
    STRUCT_TAIL,
};

const mtl_method mtl__method_caso = {
    .name = "caso",
    .aliases = NULL,
    .summary = "convex alternating structure optimization (Chen et al., "
               "MALSAR's cASO): a shared h-dimensional feature subspace, "
               "the subspace in the model",
    .params = caso_table,
    .nparams = MTL__NPARAMS(caso_table),
    .fit = caso_fit,
    .lambda_max = lip_top,
    .lambda2_max = lip_top,
};
