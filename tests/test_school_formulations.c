/*
 * test_school_formulations.c -- the L1/L-infinity regularizer and the five
 * decomposition models on School (139 tasks, 28 raw features, MALSAR's
 * 1/2-sum least squares, as test_school.c): FISTA reaches a duality gap
 * <= 1e-7 x objective, and a second solver (ISTA to a gap of 1e-8, or its
 * iteration cap) agrees on the objective to 1e-6 relative.  Clustered MTL
 * (no dual): FISTA and ISTA to a relative objective change of 1e-13 agree
 * to 1e-6.
 */
#include "../src/solvers/solvers.h"
#include "check.h"

static void solve_pair(mtl_problem *pb, const mtl_reg *regs, const char *what,
                       double *x, double *y, size_t n) {
  mtl_solver_params sp;
  mtl_solve_info a, b;
  for (int k = 0; k < 2; k++) {
    mtl_solver_params_init(&sp);
    sp.solver = k ? MTL_SOLVER_ISTA : MTL_SOLVER_FISTA;
    sp.tol_obj = 0;
    sp.tol_gap = k ? 1e-8 : 1e-7;
    sp.max_iter = k ? 300000 : 200000;
    double *z = k ? y : x;
    memset(z, 0, n * sizeof *z);
    int rc = regs ? mtl__decomp_solve(pb, regs, &sp, z, k ? &b : &a)
                  : mtl_solve(pb, &sp, z, k ? &b : &a);
    mtl_solve_info *i = k ? &b : &a;
    fprintf(stderr, "school %s %s: rc %d, %d iters, %.2fs, obj %.12g, gap "
                    "%.3g, residual %.3g\n",
            what, k ? "ista" : "fista", rc, i->iterations, i->seconds,
            i->objective, i->cert.gap, i->cert.residual);
    CHECK(rc >= 0);
    if (!k) {
      CHECK(rc == MTL_CONVERGED);
      CHECK_LE(a.cert.gap, 1e-7 * a.cert.primal);
      CHECK(a.cert.gap >= -1e-9 * a.cert.primal);
    }
  }
  CHECK_CLOSE(b.objective, a.objective, 1e-6);
}

static const struct {
  const char *name;
  mtl_reg_type p, q;
  double fp, fq; /* lambda_i = f_i x the part's dual norm at 0 */
} forms[] = {{"dirty", MTL_REG_L1INF, MTL_REG_L1, 0.1, 0.1},
             {"dirty-l21", MTL_REG_L21, MTL_REG_L1, 0.1, 0.1},
             {"rmtl", MTL_REG_TRACE, MTL_REG_COL21, 0.1, 0.05},
             {"rmtfl", MTL_REG_L21, MTL_REG_COL21, 0.1, 0.1},
             {"sparse_lowrank", MTL_REG_L1, MTL_REG_TRACE, 0.1, 0.1}};

int main(void) {
  const char *path = check_data("school.mat");
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(path, NULL, &ds));
  if (!ds)
    CHECK_DONE();
  int d = 28, T = 139;
  size_t dT = (size_t)d * T;
  double *x = malloc(2 * dT * sizeof *x), *y = malloc(2 * dT * sizeof *y);
  double *G = malloc(dT * sizeof *G), f;
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.scaling = MTL_SCALE_SUM;
  pp.reg.type = MTL_REG_L1INF;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  double lmax;
  CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
  const double fr[2] = {0.1, 0.01};
  for (int l = 0; l < 2; l++) {
    char what[64];
    snprintf(what, sizeof what, "l1inf %.2g lmax", fr[l]);
    CHECK_OK(mtl_problem_set_lambda(pb, fr[l] * lmax));
    solve_pair(pb, NULL, what, x, y, dT);
  }
  mtl_problem_free(pb);
  pp.reg.type = MTL_REG_NONE;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  memset(x, 0, dT * sizeof *x);
  CHECK_OK(mtl_problem_loss(pb, x, &f, G));
  for (int k = 0; k < 5; k++) {
    mtl_reg regs[2] = {{.type = forms[k].p}, {.type = forms[k].q}};
    double dn;
    CHECK_OK(mtl_reg_dual_norm(&regs[0], G, d, T, &dn));
    regs[0].lambda = forms[k].fp * dn;
    CHECK_OK(mtl_reg_dual_norm(&regs[1], G, d, T, &dn));
    regs[1].lambda = forms[k].fq * dn;
    solve_pair(pb, regs, forms[k].name, x, y, 2 * dT);
    double np = 0, nq = 0;
    for (size_t i = 0; i < dT; i++) {
      np += x[i] * x[i];
      nq += x[dT + i] * x[dT + i];
    }
    fprintf(stderr, "  ||P||^2 %.4g, ||Q||^2 %.4g\n", np, nq);
    CHECK(np > 0 && nq > 0); /* both parts in use at these lambdas */
  }
  /* clustered MTL, k = 3, through mtl_fit (standardized features, mean
   * scaling, no bias): FISTA vs ISTA, both to a relative objective change
   * of 1e-13 */
  double obj[2];
  for (int k = 0; k < 2; k++) {
    mtl_params *p = mtl_params_create("cmtl");
    CHECK_OK(mtl_params_set(p, "k", "3"));
    CHECK_OK(mtl_params_set(p, "lambda", "1"));
    CHECK_OK(mtl_params_set(p, "lambda2", "1"));
    CHECK_OK(mtl_params_set(p, "bias", "0"));
    CHECK_OK(mtl_params_set(p, "tol", "1e-13"));
    CHECK_OK(mtl_params_set(p, "max_iter", "30000"));
    CHECK_OK(mtl_params_set(p, "solver", k ? "ista" : "fista"));
    mtl_model *m = NULL;
    mtl_fit_info *in = NULL;
    int rc = mtl_fit(ds, p, NULL, &m, &in);
    obj[k] = mtl_fit_info_number(in, "objective");
    fprintf(stderr, "school cmtl %s: rc %d, %s iters, obj %.12g, residual "
                    "%s, cluster sizes %s\n",
            k ? "ista" : "fista", rc, mtl_fit_info_get(in, "iterations"),
            obj[k], mtl_fit_info_get(in, "residual"),
            mtl_fit_info_get(in, "cluster_sizes"));
    CHECK(rc == MTL_CONVERGED);
    mtl_model_free(m);
    mtl_fit_info_free(in);
    mtl_params_free(p);
  }
  CHECK_CLOSE(obj[1], obj[0], 1e-6);
  mtl_problem_free(pb);
  free(x);
  free(y);
  free(G);
  mtl_dataset_free(ds);
  CHECK_DONE();
}
