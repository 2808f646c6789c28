/*
 * basic.c -- the smallest complete use of libmtl's C API: generate tasks
 * that share a sparse support, fit an L2,1-regularized multi-task model,
 * print its certificate and save it.
 *
 *   cc basic.c $(pkg-config --cflags --libs libmtl) -o basic && ./basic
 */
#include <mtl.h>

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  mtl_gen_params gp;
  mtl_gen_params_init(&gp); /* 20 tasks, 50 features, 10 shared */
  mtl_dataset *ds = NULL;
  if (mtl_generate(&gp, &ds, NULL) < 0) {
    fprintf(stderr, "generate: %s\n", mtl_last_error());
    return 1;
  }
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_L21;
  pp.reg.lambda = 0.05;
  mtl_problem *pb = NULL;
  if (mtl_problem_create(ds, &pp, &pb) < 0) {
    fprintf(stderr, "problem: %s\n", mtl_last_error());
    return 1;
  }
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double *W = calloc((size_t)d * T, sizeof(double));
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.tol_gap = 1e-8;
  mtl_solve_info info;
  int rc = mtl_solve(pb, &sp, W, &info);
  if (rc < 0) {
    fprintf(stderr, "solve: %s\n", mtl_last_error());
    return 1;
  }
  printf("%d iterations, objective %.10g, duality gap %.2e\n",
         info.iterations, info.objective, info.cert.gap);
  mtl_model *m = mtl_model_create(d, T, W, &pp, NULL);
  if (!m || mtl_model_save(m, "basic.model") < 0) {
    fprintf(stderr, "model: %s\n", mtl_last_error());
    return 1;
  }
  mtl_free(info.trace);
  mtl_model_free(m);
  free(W);
  mtl_problem_free(pb);
  mtl_dataset_free(ds);
  return 0;
}
