/*
 * basic.c -- the smallest complete use of libmtl's C API: generate tasks
 * that share a sparse support, fit an L2,1-regularized multi-task model
 * with the batch method, print its certificate and save it.
 *
 *   cc basic.c $(pkg-config --cflags --libs libmtl) -o basic && ./basic
 */
#include <mtl.h>

#include <stdio.h>

int main(void) {
  mtl_gen_params gp;
  mtl_gen_params_init(&gp); /* 20 tasks, 50 features, 10 shared */
  mtl_dataset *ds = NULL;
  if (mtl_generate(&gp, &ds, NULL) < 0) {
    fprintf(stderr, "generate: %s\n", mtl_last_error());
    return 1;
  }
  mtl_params *p = mtl_params_create("batch");
  mtl_model *m = NULL;
  mtl_fit_info *info = NULL;
  int rc = 1;
  if (!p || mtl_params_set(p, "reg", "l21") < 0 ||
      mtl_params_set(p, "lambda", "0.05") < 0 ||
      mtl_params_set(p, "tol_gap", "1e-8") < 0 ||
      mtl_fit(ds, p, NULL, &m, &info) < 0) {
    fprintf(stderr, "fit: %s\n", mtl_last_error());
    goto done;
  }
  printf("%s after %s iterations, objective %.10g, duality gap %.2e\n",
         mtl_fit_info_get(info, "status"),
         mtl_fit_info_get(info, "iterations"),
         mtl_fit_info_number(info, "objective"),
         mtl_fit_info_number(info, "gap"));
  if (mtl_model_save(m, "basic.model") < 0) {
    fprintf(stderr, "model: %s\n", mtl_last_error());
    goto done;
  }
  rc = 0;
done:
  mtl_fit_info_free(info);
  mtl_model_free(m);
  mtl_params_free(p);
  mtl_dataset_free(ds);
  return rc;
}
