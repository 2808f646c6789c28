/*
 * mpi_test_fit.c -- every distributed method trained by name through the
 * one entry point, mtl_fit, on the MPI transport (5 ranks), against the
 * same call on threads.  Each rank keeps only the tasks the method's
 * layout gives it (mtl_dataset_select_tasks keeps the global indices, as
 * the reader's task filter does):
 *   - smtl (unstandardized), cadmm, dadmm, dpsgd: the model of MPI = the
 *     model of threads (W bit for bit; the online methods' Omega too);
 *   - async: the same certified optimum within 1e-5;
 *   - every model (rank 0 only) carries its method, its parameters
 *     (param.NAME), transport "mpi", its learned structure (node
 *     statistics, Omega/V) and its certificate line.
 */
#include "mpi_check.h"
#include "mtl_mpi.h"

#include <mpi.h>

static int rank, size;
static mtl_transport *tr;

/* The tasks of this rank: a server rank none; node rank r of P the tasks
 * t % P == r - 1 (server layouts) or t == rank (one rank per task). */
static mtl_dataset *mine(const mtl_dataset *ds, int server) {
  int T = mtl_dataset_ntasks(ds), P = size - server, sel[64], K = 0;
  if (server && rank == 0)
    return NULL;
  for (int t = rank - server; t < T; t += P)
    sel[K++] = t;
  mtl_dataset *out = NULL;
  CHECK_OK(mtl_dataset_select_tasks(ds, sel, K, &out));
  return out;
}

static double max_abs_diff(const double *a, const double *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++)
    m = fabs(a[i] - b[i]) > m ? fabs(a[i] - b[i]) : m;
  return m;
}

/* One method: MPI vs threads; exact (1) or to the optimum (0). */
static void one(const char *method, const char *sets, const mtl_dataset *ds,
                int server, int exact, const char *structure) {
  mtl_params *p = mtl_params_create(method);
  CHECK(p != NULL);
  char buf[256], *save = NULL;
  snprintf(buf, sizeof buf, "%s", sets);
  for (char *kv = strtok_r(buf, ";", &save); kv;
       kv = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(kv, '=');
    *eq = 0;
    CHECK_OK(mtl_params_set(p, kv, eq + 1));
  }
  mtl_dataset *local = mine(ds, server);
  mtl_model *m = NULL, *mt = NULL;
  mtl_fit_info *in = NULL, *it = NULL;
  int st = mtl_fit(local, p, tr, &m, &in);
  CHECK(st == MTL_CONVERGED || st == MTL_MAXITER);
  if (rank != 0) {
    CHECK(m == NULL);
  } else {
    CHECK(mtl_fit(ds, p, NULL, &mt, &it) == st || !exact);
    int n = mtl_model_dim(mt) * mtl_model_ntasks(mt);
    CHECK(m && mtl_model_dim(m) * mtl_model_ntasks(m) == n);
    double dw = m ? max_abs_diff(mtl_model_W(m), mtl_model_W(mt), (size_t)n)
                  : 1;
    double fo = mtl_fit_info_number(in, "objective");
    double ft = mtl_fit_info_number(it, "objective");
    printf("%-6s MPI vs threads: max |dW| %.3g, objective %.12g vs %.12g\n",
           method, dw, fo, ft);
    if (exact)
      CHECK(dw == 0);
    else
      CHECK_LE(fabs(fo - ft), 1e-5 * fabs(ft));
    CHECK(m && !strcmp(mtl_model_get_meta(m, "method"), method));
    CHECK(m && !strcmp(mtl_model_get_meta(m, "transport"), "mpi"));
    CHECK(m && mtl_model_get_meta(m, "certificate") != NULL);
    CHECK(m && mtl_model_get_meta(m, "status") != NULL);
    CHECK(m && mtl_model_get_meta(m, "param.seed") != NULL);
    int r, c;
    const double *A = m ? mtl_model_get_matrix(m, structure, &r, &c) : NULL;
    const double *At = mtl_model_get_matrix(mt, structure, &r, &c);
    CHECK(A != NULL && At != NULL);
    if (A && At && exact && strcmp(structure, "node_updates") != 0)
      CHECK(max_abs_diff(A, At, (size_t)r * (size_t)c) == 0);
  }
  mtl_model_free(m);
  mtl_model_free(mt);
  mtl_fit_info_free(in);
  mtl_fit_info_free(it);
  mtl_dataset_free(local);
  mtl_params_free(p);
}

int main(int argc, char **argv) {
  CHECK_OK(mtl_mpi_init(&argc, &argv));
  rank = mtl_mpi_rank();
  size = mtl_mpi_size();
  CHECK(size == 5);
  CHECK_OK(mtl_transport_mpi(&tr));

  /* regression, 8 tasks: a server and 4 task ranks */
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.kind = MTL_GEN_LOWRANK;
  g.T = 8;
  g.d = 6;
  g.n = 30;
  g.seed = 3;
  mtl_dataset *reg = NULL, *cls4 = NULL, *cls5 = NULL;
  CHECK_OK(mtl_generate(&g, &reg, NULL));
  /* bitwise without standardization (the pooled scaler sums in another
   * order: 1e-15; mpi_test_async checks it to 1e-12) */
  one("smtl", "reg=trace;lambda=0.2;max_iter=40;tol=0;seed=1;standardize=0",
      reg, 1, 1, "node_updates");
  one("async", "reg=trace;lambda=0.2;max_iter=20000;tol=1e-12;tau_adapt=0;"
               "seed=1",
      reg, 1, 0, "node_updates");
  /* binary tasks: C-ADMM on 4 tasks + a server; the graph methods on 5 */
  CHECK_OK(mtl_omtl_gen_synthetic(4, 40, 0.5, 7, &cls4));
  CHECK_OK(mtl_omtl_gen_synthetic(5, 40, 0.5, 8, &cls5));
  one("cadmm", "seed=2", cls4, 1, 1, "Omega");
  one("dadmm", "seed=2;topology=ring", cls5, 0, 1, "Omega");
  one("dpsgd", "seed=2;topology=full", cls5, 0, 1, "W");

  /* a method that runs in one process refuses the MPI transport */
  mtl_params *p = mtl_params_create("gomtl");
  mtl_model *m = NULL;
  CHECK_ERR(mtl_fit(reg, p, tr, &m, NULL), MTL_EUNSUPPORTED);
  CHECK_MSG("runs in one process");
  mtl_params_free(p);

  mtl_dataset_free(reg);
  mtl_dataset_free(cls4);
  mtl_dataset_free(cls5);
  mtl_transport_free(tr);
  return mpi_check_done(rank, __FILE__);
}
