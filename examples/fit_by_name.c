/*
 * fit_by_name.c -- training any method knowing only names and strings, as
 * a binding does: the method by name, its parameters as "NAME=VALUE",
 * then mtl_fit, save, load, predict.
 *
 *   cc fit_by_name.c $(pkg-config --cflags --libs libmtl) -o fit_by_name
 *   ./fit_by_name                    every method, default parameters
 *   ./fit_by_name asym lambda=0.5 mu=0.2
 *
 * The data are generated: 8 regression tasks sharing 5 of 20 features
 * (classification tasks for the online methods, which learn labels).
 */
#include <mtl.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int online(const char *m) {
  return !strcmp(m, "cadmm") || !strcmp(m, "dadmm") || !strcmp(m, "dpsgd") ||
         !strcmp(m, "ogd");
}

static mtl_dataset *make_data(int classification) {
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.T = 8;
  g.d = 20;
  g.n = 50;
  g.support = 5;
  g.classification = classification;
  mtl_dataset *ds = NULL;
  return mtl_generate(&g, &ds, NULL) < 0 ? NULL : ds;
}

/* Fits `method` with the NAME=VALUE settings, saves, loads, predicts. */
static int run(const char *method, int nset, char **set) {
  int rc = 1;
  mtl_dataset *ds = make_data(online(method));
  mtl_params *p = mtl_params_create(method);
  mtl_model *m = NULL, *loaded = NULL;
  mtl_fit_info *info = NULL;
  double *pred = NULL;
  char path[128];
  snprintf(path, sizeof path, "%s.model", method);
  if (!ds || !p)
    goto done;
  for (int i = 0; i < nset; i++) {
    char name[64];
    const char *eq = strchr(set[i], '=');
    if (!eq || eq - set[i] >= (int)sizeof name) {
      fprintf(stderr, "'%s' is not NAME=VALUE\n", set[i]);
      goto done;
    }
    snprintf(name, sizeof name, "%.*s", (int)(eq - set[i]), set[i]);
    if (mtl_params_set(p, name, eq + 1) < 0)
      goto done;
  }
  int st = mtl_fit(ds, p, NULL, &m, &info);
  if (st < 0 || mtl_model_save(m, path) < 0 ||
      mtl_model_load(path, &loaded) < 0)
    goto done;
  int64_t N = mtl_dataset_total_n(ds);
  pred = malloc((size_t)N * sizeof *pred);
  mtl_metrics mean;
  if (!pred || mtl_model_predict(loaded, ds, pred) < 0 ||
      mtl_metrics_dataset(ds, pred, NULL, &mean, NULL) < 0)
    goto done;
  printf("%-18s %-9s %5s iterations  certificate: %-24s train %s %.4f\n",
         method, mtl_fit_info_get(info, "status"),
         mtl_fit_info_get(info, "iterations"),
         mtl_fit_info_get(info, "certificate"),
         online(method) ? "error" : "RMSE",
         online(method) ? mean.error : mean.rmse);
  rc = 0;
done:
  if (rc)
    fprintf(stderr, "%s: %s\n", method, mtl_last_error());
  remove(path);
  free(pred);
  mtl_model_free(m);
  mtl_model_free(loaded);
  mtl_fit_info_free(info);
  mtl_params_free(p);
  mtl_dataset_free(ds);
  return rc;
}

int main(int argc, char **argv) {
  if (argc > 1)
    return run(argv[1], argc - 2, argv + 2);
  int fails = 0;
  for (int i = 0; i < mtl_method_count(); i++)
    fails += run(mtl_method_name(mtl_method_at(i)), 0, NULL);
  return fails ? 1 : 0;
}
