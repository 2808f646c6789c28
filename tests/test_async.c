/*
 * test_async.c -- AMTL and SMTL (mtl_async_fit) through the public API:
 * on strictly convex problems (trace norm or L2,1 plus a small ridge,
 * squared and logistic losses, bias row unpenalized) both reach the FISTA
 * optimum within 1e-5 relative objective, with and without injected delays
 * (0-2 ms), with one task per node, several tasks per node, and 64 task
 * nodes on the machine's few cores; bookkeeping of updates, tau, injected
 * and measured delays, the dynamic step and its cap; the objective trace;
 * cancellation; models; and every parameter error.
 */
#include "check.h"
#include "solvers/methods.h" /* the method-specific fits (private) */

#include <math.h>

static mtl_dataset *make_data(mtl_gen_kind kind, int T, int d, int n,
                              int classification, uint64_t seed) {
  mtl_gen_params g;
  mtl_gen_params_init(&g);
  g.kind = kind;
  g.T = T;
  g.d = d;
  g.n = n;
  g.rank = 2;
  g.support = d / 2;
  g.noise = 0.3;
  g.classification = classification;
  g.seed = seed;
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_generate(&g, &ds, NULL));
  return ds;
}

/* FISTA optimum of the problem (tight tolerances). */
static double fista_opt(const mtl_dataset *ds, const mtl_problem_params *pp) {
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, pp, &pb));
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.max_iter = 50000;
  sp.tol_obj = 0;
  sp.tol_gap = 1e-14;
  sp.tol_res = 1e-11;
  sp.record_trace = 0;
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double *W = calloc((size_t)d * T, sizeof(double));
  mtl_solve_info info;
  CHECK_OK(mtl_solve(pb, &sp, W, &info));
  double f = info.objective;
  free(W);
  mtl_problem_free(pb);
  return f;
}

static double objective_of(const mtl_dataset *ds,
                           const mtl_problem_params *pp, const double *W) {
  mtl_problem *pb = NULL;
  double f = NAN;
  CHECK_OK(mtl_problem_create(ds, pp, &pb));
  CHECK_OK(mtl_problem_objective(pb, W, &f));
  mtl_problem_free(pb);
  return f;
}

/* Runs one configuration and checks the optimum, the bookkeeping and the
 * trace. */
static void run_case(const char *name, const mtl_dataset *ds,
                     const mtl_problem_params *pp, const mtl_async_params *ap,
                     double fopt) {
  int d = mtl_dataset_dim(ds), T = mtl_dataset_ntasks(ds);
  double *W = calloc((size_t)d * T, sizeof(double));
  mtl_async_info info;
  int rc = mtl_async_fit(ds, pp, ap, W, &info);
  CHECK(rc == MTL_CONVERGED || rc == MTL_MAXITER);
  double f = objective_of(ds, pp, W);
  double rel = (f - fopt) / fabs(fopt);
  printf("%-28s %s: obj %.12g (FISTA %.12g, rel %.1e), %lld updates, "
         "%.3f s, tau max %d mean %.1f, eta_k %.3f, records %d\n",
         name, ap->mode == MTL_ASYNC_SMTL ? "SMTL" : "AMTL", f, fopt, rel,
         (long long)info.updates, info.seconds, info.tau_max, info.tau_mean,
         info.eta_k_last, info.nrecords);
  CHECK_LE(fabs(rel), 1e-5);
  CHECK_CLOSE(info.objective, f, 1e-10); /* losses summed by the nodes */
  int64_t s1 = 0, s2 = 0;
  for (int r = 0; r < info.nodes; r++)
    s1 += info.node_updates[r];
  for (int t = 0; t < T; t++) {
    s2 += info.task_updates[t];
    CHECK(info.task_updates[t] >= 1 && info.task_updates[t] <= ap->max_iter);
  }
  CHECK(s1 == info.updates && s2 == info.updates);
  CHECK(info.nodes == (ap->nodes ? ap->nodes : T));
  CHECK(info.nrecords >= 2 && info.rec_updates[0] == 0);
  CHECK(info.rec_updates[info.nrecords - 1] == (double)info.updates);
  CHECK_CLOSE(info.rec_obj[info.nrecords - 1], info.objective, 1e-12);
  for (int i = 1; i < info.nrecords; i++)
    CHECK(info.rec_time[i] >= info.rec_time[i - 1]);
  if (ap->mode == MTL_ASYNC_SMTL) {
    CHECK(info.tau_max == 0);
    /* proximal gradient with step 1/L is monotone */
    for (int i = 1; i < info.nrecords; i++)
      CHECK_LE(info.rec_obj[i], info.rec_obj[i - 1] * (1 + 1e-12));
  }
  if ((ap->nodes ? ap->nodes : T) == 1) /* one column in flight per task,
    * served in order by the one node: at most the T - 1 others between a
    * column's read and its write */
    CHECK(info.tau_max <= T - 1);
  for (int r = 0; r < info.nodes; r++) {
    double f0 = r < ap->stragglers ? ap->straggle : 1.0;
    /* injected delay: uniform in [offset, offset + jitter] per send */
    CHECK(info.node_inject_ms[r] >= f0 * ap->delay_ms - 1e-9);
    CHECK(info.node_inject_ms[r] <=
          f0 * (ap->delay_ms + ap->jitter_ms) + 1e-9);
    /* measured delay covers the injected one */
    if (ap->delay_ms > 0)
      CHECK(info.node_delay_ms[r] >= f0 * ap->delay_ms);
  }
  mtl_async_info_clear(&info);
  free(W);
}

static void test_trace(void) {
  mtl_dataset *ds = make_data(MTL_GEN_LOWRANK, 8, 10, 40, 0, 11);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_TRACE;
  pp.reg.lambda = 0.3;
  pp.reg.ridge = 0.01;
  double fopt = fista_opt(ds, &pp);
  mtl_async_params ap;
  mtl_async_params_init(&ap);
  /* generous budgets: the runs stop on tol; a loaded machine makes tau,
   * and with it Theorem 1's step, larger and convergence slower */
  ap.max_iter = 20000;
  ap.tol = 1e-12;
  run_case("trace, 8 nodes", ds, &pp, &ap, fopt);
  ap.nodes = 1; /* one node serving all tasks in turn */
  run_case("trace, 1 node", ds, &pp, &ap, fopt);
  ap.nodes = 3; /* uneven: 3, 3, 2 tasks */
  ap.delay_ms = 0.2;
  ap.jitter_ms = 1.5;
  run_case("trace, 3 nodes, delay", ds, &pp, &ap, fopt);
  ap.nodes = 0;
  ap.osvd_refresh = 1; /* full SVD for every request */
  run_case("trace, full SVD, delay", ds, &pp, &ap, fopt);
  ap.osvd_refresh = 100;
  ap.mode = MTL_ASYNC_SMTL;
  ap.delay_ms = 0.5;
  ap.jitter_ms = 1.0;
  run_case("trace, 8 nodes, delay", ds, &pp, &ap, fopt);
  ap.delay_ms = 0;
  ap.jitter_ms = 0;
  ap.nodes = 3;
  run_case("trace, 3 nodes", ds, &pp, &ap, fopt);
  mtl_dataset_free(ds);
}

/* L2,1 with a bias row left unpenalized, and logistic loss. */
static void test_l21(void) {
  mtl_dataset *ds = make_data(MTL_GEN_SPARSE, 6, 9, 50, 0, 12);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_L21;
  pp.reg.lambda = 0.2;
  pp.reg.ridge = 0.005;
  pp.unpenalized_last = 1;
  double fopt = fista_opt(ds, &pp);
  mtl_async_params ap;
  mtl_async_params_init(&ap);
  ap.max_iter = 20000;
  ap.tol = 1e-12;
  ap.delay_ms = 0.3;
  ap.jitter_ms = 1.0;
  run_case("l21+bias, delay", ds, &pp, &ap, fopt);
  ap.mode = MTL_ASYNC_SMTL;
  run_case("l21+bias, delay", ds, &pp, &ap, fopt);
  mtl_dataset_free(ds);

  ds = make_data(MTL_GEN_LOWRANK, 5, 6, 60, 1, 13);
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_TRACE;
  pp.reg.lambda = 0.02;
  pp.reg.ridge = 0.01;
  fopt = fista_opt(ds, &pp);
  mtl_async_params_init(&ap);
  ap.max_iter = 20000;
  ap.tol = 1e-12;
  ap.tau_adapt = 0; /* the step must not depend on how loaded the machine is */
  run_case("trace, logistic", ds, &pp, &ap, fopt);
  mtl_dataset_free(ds);
}

/* 64 task nodes (65 threads) on a machine with few cores. */
static void test_many_nodes(void) {
  mtl_dataset *ds = make_data(MTL_GEN_LOWRANK, 64, 6, 30, 0, 14);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_TRACE;
  pp.reg.lambda = 0.1;
  pp.reg.ridge = 0.02;
  double fopt = fista_opt(ds, &pp);
  mtl_async_params ap;
  mtl_async_params_init(&ap);
  ap.max_iter = 10000;
  ap.tol = 1e-12;
  ap.tau_adapt = 0; /* eta_k = 0.9 / (2 * 63 / 8 + 1) = 0.054 */
  run_case("trace, 64 nodes", ds, &pp, &ap, fopt);
  ap.mode = MTL_ASYNC_SMTL;
  ap.delay_ms = 0.1;
  ap.jitter_ms = 0.5;
  run_case("trace, 64 nodes, delay", ds, &pp, &ap, fopt);
  mtl_dataset_free(ds);
}

/* Bookkeeping with a fixed budget: exactly max_iter updates per task;
 * delays of 2 ms with a 10x straggler; dynamic step = ln(10) below the
 * floor; the cap clips it. */
static void test_bookkeeping(void) {
  mtl_dataset *ds = make_data(MTL_GEN_LOWRANK, 4, 5, 20, 0, 15);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_TRACE;
  pp.reg.lambda = 0.1;
  int d = 5, T = 4;
  double W[20];
  mtl_async_params ap;
  mtl_async_params_init(&ap);
  ap.max_iter = 12;
  ap.tol = 0;
  ap.delay_ms = 0.5;
  ap.stragglers = 1;
  ap.straggle = 4;
  ap.dynamic = 1;
  ap.step = MTL_ASYNC_STEP_THEOREM1; /* the paper's step, checked below */
  ap.record_every = 1;
  ap.max_records = 8; /* forces the history to be thinned */
  mtl_async_info info;
  CHECK(mtl_async_fit(ds, &pp, &ap, W, &info) == MTL_MAXITER);
  CHECK(info.updates == 48);
  CHECK(info.nrecords <= 8 && info.nrecords >= 2);
  for (int t = 0; t < T; t++)
    CHECK(info.task_updates[t] == 12);
  CHECK_CLOSE(info.node_inject_ms[0], 2.0, 1e-12);
  for (int r = 1; r < 4; r++) {
    CHECK_CLOSE(info.node_inject_ms[r], 0.5, 1e-12);
    CHECK(info.node_delay_ms[r] >= 0.5);
    CHECK_CLOSE(info.node_mult[r], log(10.0), 1e-12); /* mean < floor */
  }
  CHECK(info.capped == 0);
  /* eta_k = 0.9 / (2 * 3 / 2 + 1) = 0.225 until a larger tau is seen */
  CHECK(info.eta_k_last <= 0.225 + 1e-15);
  CHECK(info.over_bound > 0); /* ln(10) * eta_k exceeds Theorem 1 */
  mtl_async_info_clear(&info);
  ap.dyn_cap = 0.3;
  CHECK(mtl_async_fit(ds, &pp, &ap, W, &info) == MTL_MAXITER);
  CHECK(info.capped > 0 && info.capped <= 48); /* tau-dependent */
  for (int r = 0; r < 4; r++)
    CHECK_LE(info.node_mult[r] * info.eta_k_last, 0.3 + 1e-12);
  mtl_async_info_clear(&info);
  (void)d;
  mtl_dataset_free(ds);
}

static int cancel_at(void *ctx, int iter, double obj, double rel,
                     double res) {
  (void)obj;
  (void)rel;
  (void)res;
  int *calls = ctx;
  (*calls)++;
  return iter >= 40;
}

static void test_cancel_and_model(void) {
  mtl_dataset *ds = make_data(MTL_GEN_LOWRANK, 4, 5, 20, 0, 16);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_TRACE;
  pp.reg.lambda = 0.1;
  double W[20];
  int calls = 0;
  mtl_async_params ap;
  mtl_async_params_init(&ap);
  ap.progress = cancel_at;
  ap.progress_ctx = &calls;
  ap.record_every = 4;
  ap.max_iter = 100000;
  mtl_async_info info;
  CHECK_ERR(mtl_async_fit(ds, &pp, &ap, W, &info), MTL_ECANCELLED);
  CHECK(calls == 10 && info.updates >= 40 && info.updates < 100);
  CHECK(isfinite(info.objective));
  mtl_model *m = NULL;
  CHECK_OK(mtl_async_to_model(ds, &pp, &ap, W, &info, &m));
  CHECK(strcmp(mtl_model_get_meta(m, "method"), "amtl") == 0);
  CHECK(strcmp(mtl_model_get_meta(m, "reg"), "trace") == 0);
  int rows, cols;
  const double *nu = mtl_model_get_matrix(m, "node_updates", &rows, &cols);
  CHECK(nu && rows == 1 && cols == 4);
  double *pred = calloc((size_t)mtl_dataset_total_n(ds), sizeof(double));
  CHECK_OK(mtl_model_predict(m, ds, pred));
  /* predictions are X_t w_t */
  double x[5];
  CHECK_OK(mtl_dataset_get_row(ds, 1, 0, x));
  double z = 0;
  for (int j = 0; j < 5; j++)
    z += x[j] * W[5 + j];
  CHECK_CLOSE(pred[mtl_dataset_task_n(ds, 0)], z, 1e-12);
  free(pred);
  mtl_model_free(m);
  mtl_async_info_clear(&info);
  mtl_dataset_free(ds);
}

static void test_errors(void) {
  mtl_dataset *ds = make_data(MTL_GEN_LOWRANK, 4, 5, 20, 0, 17);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_TRACE;
  double W[20];
  mtl_async_params ap;
#define BAD(field, value, msg)                                                 \
  mtl_async_params_init(&ap);                                                  \
  ap.field = value;                                                            \
  CHECK_ERR(mtl_async_fit(ds, &pp, &ap, W, NULL), MTL_EINVAL);                 \
  CHECK_MSG(msg);
  BAD(nodes, 5, "nodes = 5 must be in [0, T = 4]")
  BAD(max_iter, 0, "max_iter = 0")
  BAD(c, 1.0, "c = 1 must be in (0, 1)")
  BAD(eta_factor, 2.0, "eta_factor = 2")
  BAD(eta, -1, "eta = -1")
  BAD(km_step, 2.5, "km_step = 2.5")
  BAD(eta_min, 0, "eta_min = 0")
  BAD(tol, NAN, "tol = nan")
  BAD(dyn_floor_ms, 0, "dyn_floor_ms = 0")
  BAD(dyn_cap, -1, "dyn_cap = -1")
  BAD(delay_ms, -2, "delay_ms = -2")
  BAD(jitter_ms, INFINITY, "jitter_ms = inf")
  BAD(straggle, 0.5, "straggle = 0.5")
  BAD(stragglers, 5, "stragglers = 5 must be in [0, 4]")
  BAD(tau_guess, -2, "tau_guess = -2")
  BAD(dyn_window, -1, "dyn_window = -1")
  BAD(tau_adapt, 3, "tau_adapt = 3")
  BAD(osvd_refresh, -1, "osvd_refresh = -1")
  BAD(record_every, -1, "record_every = -1")
  BAD(max_records, 1, "max_records = 1")
  BAD(jitter_exp, 2, "jitter_exp = 2")
  BAD(mode, (mtl_async_mode)7, "mode = 7")
#undef BAD
  mtl_async_params_init(&ap);
  double nd[4] = {1, 2, -3, 4};
  ap.node_delay_ms = nd;
  CHECK_ERR(mtl_async_fit(ds, &pp, &ap, W, NULL), MTL_EINVAL);
  CHECK_MSG("node_delay_ms[2] = -3");
  mtl_async_params_init(&ap);
  pp.reg.lambda = -1;
  CHECK_ERR(mtl_async_fit(ds, &pp, &ap, W, NULL), MTL_EINVAL);
  CHECK_MSG("async: reg");
  pp.reg.lambda = 0.1;
  pp.loss = MTL_LOSS_LOGISTIC; /* regression targets */
  CHECK_ERR(mtl_async_fit(ds, &pp, &ap, W, NULL), MTL_EINVAL);
  CHECK_MSG("async: task 1");
  CHECK_ERR(mtl_async_fit(NULL, &pp, &ap, W, NULL), MTL_EINVAL);
  CHECK_MSG("dataset is NULL");
  CHECK_ERR(mtl_async_fit(ds, &pp, &ap, NULL, NULL), MTL_EINVAL);
  CHECK_MSG("W is NULL");
  mtl_async_info_clear(NULL);
  mtl_dataset_free(ds);
}

/* The default step policy (auto): with delays and a 10x straggler, and
 * tau left to the machine, AMTL reaches the FISTA optimum to 1e-9; its
 * steps stay between Theorem 1's floor (tau = P - 1) and 1; AMTL and SMTL
 * stopped by the same tol on the fixed-point residual end at the same
 * distance from the optimum (within 10x). */
static void test_auto_policy(void) {
  mtl_dataset *ds = make_data(MTL_GEN_LOWRANK, 10, 12, 40, 0, 21);
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.reg.type = MTL_REG_TRACE;
  pp.reg.lambda = 0.1;
  pp.reg.ridge = 0.01;
  double fopt = fista_opt(ds, &pp);
  int d = 12, T = 10;
  double *W = calloc((size_t)d * T, sizeof(double));
  mtl_async_params ap;
  mtl_async_params_init(&ap);
  CHECK(ap.step == MTL_ASYNC_STEP_AUTO && ap.km_step == 0);
  ap.max_iter = 20000;
  ap.tol = 1e-13;
  ap.delay_ms = 0.2;
  ap.jitter_ms = 0.1;
  ap.stragglers = 1;
  ap.straggle = 10;
  mtl_async_info info;
  int rc = mtl_async_fit(ds, &pp, &ap, W, &info);
  CHECK(rc == MTL_CONVERGED);
  double rel = (objective_of(ds, &pp, W) - fopt) / fabs(fopt);
  double floor = ap.c / (2.0 * (T - 1) / sqrt((double)T) + 1.0);
  printf("auto policy, straggler: rel %.1e, %lld updates, eta_k %.3f "
         "(floor %.3f), tau max %d\n",
         rel, (long long)info.updates, info.eta_k_last, floor, info.tau_max);
  CHECK_LE(fabs(rel), 1e-9);
  CHECK(info.eta_k_last >= floor - 1e-15 && info.eta_k_last <= 1.0);
  mtl_async_info_clear(&info);
  /* three 10x stragglers of ten nodes: an epoch is a sweep over every
   * task, so their old residuals do not read as a rise; the step stays 1
   * (with epochs of T updates it backed off) */
  ap.stragglers = 3;
  memset(W, 0, (size_t)d * T * sizeof(double));
  CHECK(mtl_async_fit(ds, &pp, &ap, W, &info) == MTL_CONVERGED);
  rel = (objective_of(ds, &pp, W) - fopt) / fabs(fopt);
  printf("auto policy, 3 stragglers: rel %.1e, %lld updates, eta_k %.3f\n",
         rel, (long long)info.updates, info.eta_k_last);
  CHECK_LE(fabs(rel), 1e-9);
  CHECK(info.eta_k_last == 1.0);
  mtl_async_info_clear(&info);
  /* the same tol: the same accuracy */
  double dist[2];
  for (int m = 0; m < 2; m++) {
    mtl_async_params_init(&ap);
    ap.mode = m ? MTL_ASYNC_SMTL : MTL_ASYNC_AMTL;
    ap.max_iter = 20000;
    ap.tol = 1e-7;
    CHECK(mtl_async_fit(ds, &pp, &ap, W, &info) == MTL_CONVERGED);
    dist[m] = (objective_of(ds, &pp, W) - fopt) / fabs(fopt);
    mtl_async_info_clear(&info);
  }
  printf("tol 1e-7: AMTL %.2e, SMTL %.2e above the optimum\n", dist[0],
         dist[1]);
  CHECK(dist[0] >= 0 && dist[1] >= 0);
  CHECK_LE(dist[0], 10 * dist[1] + 1e-14);
  CHECK_LE(dist[1], 10 * dist[0] + 1e-14);
  free(W);
  mtl_dataset_free(ds);
}

int main(void) {
  test_auto_policy();
  test_errors();
  test_bookkeeping();
  test_cancel_and_model();
  test_trace();
  test_l21();
  test_many_nodes();
  CHECK_DONE();
}
