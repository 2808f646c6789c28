/*
 * test_school.c -- certificates on real data: the School set (139 tasks,
 * 28 raw features, MALSAR's 1/2-sum least squares).  For L2,1, trace and
 * Lasso at two lambdas each, FISTA reaches a duality gap <= 1e-6 x
 * objective, and a second, independent solver (block coordinate descent
 * for L1/L2,1; plain proximal gradient for the trace norm) reaches the
 * same objective.
 */
#include "check.h"

int main(void) {
  const char *path = check_data("school.mat");
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(path, NULL, &ds));
  if (!ds)
    CHECK_DONE();
  CHECK(mtl_dataset_ntasks(ds) == 139);
  CHECK(mtl_dataset_dim(ds) == 28);
  int d = 28, T = 139;
  size_t dT = (size_t)d * T;
  mtl_reg_type types[3] = {MTL_REG_L21, MTL_REG_TRACE, MTL_REG_L1};
  double fractions[2] = {0.1, 0.01};
  double *W = malloc(dT * sizeof(double)), *W2 = malloc(dT * sizeof(double));
  for (int r = 0; r < 3; r++) {
    mtl_problem_params pp;
    mtl_problem_params_init(&pp);
    pp.scaling = MTL_SCALE_SUM;
    pp.reg.type = types[r];
    mtl_problem *pb = NULL;
    CHECK_OK(mtl_problem_create(ds, &pp, &pb));
    double lmax;
    CHECK_OK(mtl_problem_lambda_max(pb, &lmax));
    for (int l = 0; l < 2; l++) {
      double lam = fractions[l] * lmax;
      mtl_problem_set_lambda(pb, lam);
      memset(W, 0, dT * sizeof(double));
      mtl_solver_params sp;
      mtl_solver_params_init(&sp);
      sp.tol_obj = 0;
      sp.tol_gap = 1e-7;
      sp.max_iter = 200000;
      sp.record_trace = 0;
      mtl_solve_info info;
      int rc = mtl_solve(pb, &sp, W, &info);
      fprintf(stderr,
              "school %s lambda=%.4g (%.2g lmax): rc %d, %d iters, %d "
              "restarts, %.3fs, obj %.12g, gap %.3g, residual %.3g\n",
              mtl_reg_name(types[r]), lam, fractions[l], rc, info.iterations,
              info.restarts, info.seconds, info.objective, info.cert.gap,
              info.cert.residual);
      CHECK(rc == MTL_CONVERGED);
      CHECK_LE(info.cert.gap, 1e-6 * info.cert.primal);
      CHECK(info.cert.gap >= -1e-9 * info.cert.primal);
      /* second, independent solver from zero */
      memset(W2, 0, dT * sizeof(double));
      mtl_solver_params_init(&sp);
      sp.record_trace = 0;
      if (types[r] == MTL_REG_TRACE) {
        sp.solver = MTL_SOLVER_ISTA;
        sp.tol_obj = 0;
        sp.tol_gap = 1e-7;
        sp.max_iter = 400000;
      } else {
        sp.solver = MTL_SOLVER_BCD;
        sp.tol_obj = 1e-15;
        sp.max_iter = 200000;
      }
      mtl_solve_info info2;
      rc = mtl_solve(pb, &sp, W2, &info2);
      fprintf(stderr, "  second solver %s: rc %d, %d iters, %.3fs, obj "
                      "%.12g, gap %.3g\n",
              types[r] == MTL_REG_TRACE ? "ista" : "bcd", rc,
              info2.iterations, info2.seconds, info2.objective,
              info2.cert.gap);
      CHECK(rc >= 0);
      CHECK_CLOSE(info2.objective, info.objective, 1e-6);
      CHECK_LE(info2.cert.gap, 1e-6 * info2.cert.primal);
    }
    mtl_problem_free(pb);
  }
  free(W);
  free(W2);
  mtl_dataset_free(ds);
  CHECK_DONE();
}
