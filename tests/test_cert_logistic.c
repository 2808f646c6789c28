/*
 * test_cert_logistic.c -- the duality gap of the logistic loss
 * (problem_dual_logit.c) and the Newton polish that reaches it on badly
 * scaled data:
 *  - the dual objective equals the one computed here with the conjugate of
 *    each sample's loss found numerically (bisection on z of
 *    sup_z u z - f_i(z)), the dual point scaled into the dual ball of the
 *    public mtl_reg_dual_norm (L1, L2,1, trace; task and sample weights);
 *  - it is a valid bound: at FISTA's iterates and at random points the dual
 *    objective is at most F* of a long residual-stopped run that uses no
 *    gap, for L1, L2,1 and trace, with and without a ridge, task and sample
 *    weights, dense and CSR, no bias, a constant and a non-constant
 *    unpenalized last feature; and at the certified solution the gap is
 *    below tol_gap and the objective is F*;
 *  - on features scaled over four orders of magnitude FISTA with the
 *    polish is certified to 1e-10 in a few hundred iterations;
 *  - mtl_fit reports the duality gap as the certificate.
 */
#include "check.h"

enum { D = 5, T = 3, NMAX = 30 };

/* Options of a generated dataset. */
typedef struct gen_opts {
  int csr;     /* store the tasks as CSR */
  int weights; /* sample weights in {0, 0.5, 1, 2.5} and task weights */
  int bias;    /* last feature: 0 random, 1 constant 1, 2 random and
                  unpenalized (bias 1 and 2 set unpenalized_last) */
  double spread; /* feature j scaled by spread^(j / (D - 1)) */
} gen_opts;

static int task_n(int t) { return 14 + 6 * t; }

/* Adds task t's n rows (dense or CSR). */
static int add_task(mtl_dataset *ds, int n, const double *X, const double *y,
                    int csr) {
  if (!csr)
    return mtl_dataset_add_dense(ds, n, X, y, MTL_TASK_CLASSIFICATION, NULL);
  int64_t ip[NMAX + 1];
  int32_t ix[NMAX * D];
  double v[NMAX * D];
  ip[0] = 0;
  for (int i = 0; i < n; i++) {
    ip[i + 1] = ip[i];
    for (int j = 0; j < D; j++)
      if (X[i * D + j] != 0) {
        ix[ip[i + 1]] = j;
        v[ip[i + 1]++] = X[i * D + j];
      }
  }
  return mtl_dataset_add_csr(ds, n, ip, ix, v, y, MTL_TASK_CLASSIFICATION,
                             NULL);
}

/* Labels from a noisy linear score (not separable: finite optimum). */
static mtl_dataset *make(const gen_opts *o, unsigned long long seed) {
  mtl_dataset *ds = mtl_dataset_create(D);
  for (int t = 0; ds && t < T; t++) {
    int n = task_n(t);
    double X[NMAX * D], y[NMAX], s[NMAX];
    for (int i = 0; i < n; i++) {
      double z = 0;
      for (int j = 0; j < D; j++) {
        double v = check_rand(&seed) + (j == 1 ? 0.7 : 0.0);
        if (o->csr && j < D - 1 && check_rand(&seed) < -0.4)
          v = 0;
        if (j == D - 1 && o->bias == 1)
          v = 1;
        z += v * (1.0 - 0.4 * j + 0.3 * t);
        X[i * D + j] = v * pow(o->spread, (double)j / (D - 1));
      }
      y[i] = z + 1.5 * check_rand(&seed) > 0.3 ? 1.0 : -1.0;
      s[i] = (double)(i % 4) * (i % 4) * 0.5; /* 0, 0.5, 2, 4.5 */
    }
    y[0] = 1, y[1] = -1, s[1] = 1; /* both labels weigh */
    if (add_task(ds, n, X, y, o->csr) < 0 ||
        (o->weights && (mtl_dataset_set_sample_weights(ds, t, s) < 0 ||
                        mtl_dataset_set_weight(ds, t, 1 + 0.5 * t) < 0))) {
      mtl_dataset_free(ds);
      return NULL;
    }
  }
  return ds;
}

static mtl_problem *problem(const mtl_dataset *ds, const gen_opts *o,
                            mtl_reg_type rt, double lambda, double ridge) {
  mtl_problem_params pp;
  mtl_problem_params_init(&pp);
  pp.loss = MTL_LOSS_LOGISTIC;
  pp.reg.type = rt;
  pp.reg.lambda = lambda;
  pp.reg.ridge = ridge;
  pp.unpenalized_last = o->bias != 0;
  mtl_problem *pb = NULL;
  CHECK_OK(mtl_problem_create(ds, &pp, &pb));
  return pb;
}

/* f(z) = c log(1 + exp(-y z)) and f'(z). */
static double f_one(double c, double y, double z, double *g) {
  double m = y * z, e = exp(-fabs(m));
  double sig = m >= 0 ? e / (1 + e) : 1 / (1 + e); /* sigma(-m) */
  *g = -c * y * sig;
  return c * (log1p(e) + (m < 0 ? -m : 0));
}

/* f*(u) = sup_z u z - f(z) numerically: bisection on the root of u -
 * f'(z) over |z| <= 60 (u at the ends of f's derivative range: the limit,
 * f*(0) = 0 or f*(-c y) = 0). */
static double conj_num(double c, double y, double u) {
  double g, lo = -60, hi = 60;
  if (u == 0 || u == -c * y)
    return 0.0;
  for (int k = 0; k < 200; k++) {
    double z = 0.5 * (lo + hi);
    f_one(c, y, z, &g);
    if (u - g > 0) /* u - f'(z) decreases in z (f convex) */
      lo = z;
    else
      hi = z;
  }
  double z = 0.5 * (lo + hi);
  return u * z - f_one(c, y, z, &g);
}

/* The dual objective at W computed here: theta_i = -f_i'(x_i'w_t) (no
 * unpenalized feature), scaled by min(1, lambda / ||X'theta||_*), each
 * sample's conjugate numerically; a_t = c_t / N_t (the mean scaling). */
static double dual_here(const mtl_dataset *ds, const mtl_reg *r,
                        const double *W) {
  double M[D * T] = {0}, th[T][NMAX], v = 0;
  for (int t = 0; t < T; t++) {
    int n = mtl_dataset_task_n(ds, t);
    const double *y = mtl_dataset_task_y(ds, t);
    const double *s = mtl_dataset_task_sample_weights(ds, t);
    double X[NMAX * D], N = 0, g;
    mtl_dataset_get_task_X(ds, t, X);
    for (int i = 0; i < n; i++)
      N += s ? s[i] : 1.0;
    double a = mtl_dataset_task_weight(ds, t) / N;
    for (int i = 0; i < n; i++) {
      double z = 0;
      for (int j = 0; j < D; j++)
        z += X[i * D + j] * W[j + t * D];
      f_one(a * (s ? s[i] : 1.0), y[i], z, &g);
      th[t][i] = -g;
      for (int j = 0; j < D; j++)
        M[j + t * D] += th[t][i] * X[i * D + j];
    }
  }
  double dn, sc;
  CHECK_OK(mtl_reg_dual_norm(r, M, D, T, &dn));
  sc = dn > r->lambda ? r->lambda / dn : 1.0;
  for (int t = 0; t < T; t++) {
    const double *y = mtl_dataset_task_y(ds, t);
    const double *s = mtl_dataset_task_sample_weights(ds, t);
    double N = 0;
    for (int i = 0; i < task_n(t); i++)
      N += s ? s[i] : 1.0;
    double a = mtl_dataset_task_weight(ds, t) / N;
    for (int i = 0; i < task_n(t); i++)
      v -= conj_num(a * (s ? s[i] : 1.0), y[i], -sc * th[t][i]);
  }
  return v;
}

static void test_dual_value(void) {
  mtl_reg_type regs[3] = {MTL_REG_L1, MTL_REG_L21, MTL_REG_TRACE};
  for (int w = 0; w < 2; w++)
    for (int r = 0; r < 3; r++) {
      gen_opts o = {.weights = w, .spread = 1};
      mtl_dataset *ds = make(&o, 11 + 7 * (unsigned)w);
      mtl_problem *pb = ds ? problem(ds, &o, regs[r], 0.03, 0) : NULL;
      if (!pb) {
        mtl_dataset_free(ds);
        continue;
      }
      unsigned long long seed = 5;
      double W[D * T];
      for (int k = 0; k < D * T; k++)
        W[k] = 0.8 * check_rand(&seed);
      mtl_certificate c;
      CHECK_OK(mtl_problem_certificate(pb, W, &c));
      mtl_reg reg = {.type = regs[r], .lambda = 0.03};
      double dh = dual_here(ds, &reg, W);
      CHECK(c.dual < c.primal - 1e-3); /* far from the optimum: no clamp */
      CHECK_CLOSE(c.dual, dh, 1e-9);
      if (check_failures)
        fprintf(stderr, "  (reg %s, weights %d)\n", mtl_reg_name(regs[r]), w);
      mtl_problem_free(pb);
      mtl_dataset_free(ds);
    }
}

/* F* of a long FISTA run that stops on the fixed-point residual alone
 * (tol_gap 0: no gap, no polish), so that it does not rest on the dual. */
static double reference(mtl_problem *pb, double *W) {
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.tol_gap = 0;
  sp.tol_obj = 0;
  sp.tol_res = 1e-13;
  sp.max_iter = 200000;
  memset(W, 0, sizeof(double) * D * T);
  mtl_solve_info info;
  CHECK_OK(mtl_solve(pb, &sp, W, &info));
  CHECK_LE(info.cert.residual, 1e-7);
  return info.cert.primal;
}

/* The dual objective at FISTA's iterates (k iterations from 0) and at
 * random points is at most F*; the certified solution is F*. */
static void check_bound(mtl_problem *pb, const char *what) {
  int fails = check_failures;
  double W[D * T], F = reference(pb, W);
  mtl_certificate c;
  for (int k = 1; k <= 300; k *= 3) {
    mtl_solver_params sp;
    mtl_solver_params_init(&sp);
    sp.tol_gap = 0;
    sp.max_iter = k;
    memset(W, 0, sizeof W);
    CHECK_OK(mtl_solve(pb, &sp, W, NULL));
    CHECK_OK(mtl_problem_certificate(pb, W, &c));
    CHECK(c.gap >= 0);
    CHECK_LE(c.dual, F + 1e-11 * fabs(F));
  }
  unsigned long long seed = 99;
  for (int k = 0; k < 5; k++) {
    for (int j = 0; j < D * T; j++)
      W[j] = (0.1 + k) * check_rand(&seed);
    CHECK_OK(mtl_problem_certificate(pb, W, &c));
    CHECK_LE(c.dual, F + 1e-11 * fabs(F));
  }
  mtl_solver_params sp;
  mtl_solver_params_init(&sp);
  sp.tol_gap = 1e-10;
  sp.max_iter = 100000;
  mtl_solve_info info;
  memset(W, 0, sizeof W);
  CHECK(mtl_solve(pb, &sp, W, &info) == MTL_CONVERGED);
  CHECK_LE(info.cert.gap, 1e-10 * fabs(info.cert.primal));
  CHECK_CLOSE(info.cert.primal, F, 1e-8);
  /* F* <= F: the certified point is within its gap of F too */
  CHECK_LE(info.cert.primal - F, info.cert.gap + 1e-12 * fabs(F));
  if (check_failures > fails)
    fprintf(stderr, "  (%s)\n", what);
}

static void test_bound(void) {
  mtl_reg_type regs[3] = {MTL_REG_L1, MTL_REG_L21, MTL_REG_TRACE};
  for (int cfg = 0; cfg < 12; cfg++) {
    gen_opts o = {.csr = cfg % 2, .weights = cfg / 2 % 2,
                  .bias = cfg % 3, .spread = 1};
    mtl_reg_type rt = regs[cfg % 3];
    double ridge = cfg >= 6 ? 0.01 : 0;
    mtl_dataset *ds = make(&o, 100 + (unsigned)cfg);
    mtl_problem *pb = ds ? problem(ds, &o, rt, 0.02, ridge) : NULL;
    char what[128];
    snprintf(what, sizeof what, "%s, ridge %g, csr %d, weights %d, bias %d",
             mtl_reg_name(rt), ridge, o.csr, o.weights, o.bias);
    if (pb)
      check_bound(pb, what);
    mtl_problem_free(pb);
    mtl_dataset_free(ds);
  }
}

/* Features scaled by 1 .. 1e4 (raw data): the Newton polish with the
 * logistic Hessian certifies L1 and L2,1 to 1e-10 where FISTA alone needs
 * far more iterations; the objective is the residual-stopped one's. */
static void test_badly_scaled(void) {
  mtl_reg_type regs[2] = {MTL_REG_L1, MTL_REG_L21};
  for (int r = 0; r < 2; r++)
    for (int b = 0; b < 2; b++) {
      gen_opts o = {.bias = b, .weights = b, .spread = 1e4};
      mtl_dataset *ds = make(&o, 7);
      mtl_problem *pb = ds ? problem(ds, &o, regs[r], 0.01, 0) : NULL;
      if (!pb) {
        mtl_dataset_free(ds);
        continue;
      }
      double W[D * T] = {0};
      mtl_solver_params sp;
      mtl_solver_params_init(&sp);
      sp.tol_gap = 1e-10;
      sp.max_iter = 2000;
      mtl_solve_info info;
      int rc = mtl_solve(pb, &sp, W, &info);
      if (rc != MTL_CONVERGED || !(info.cert.gap <= 1e-10 * info.cert.primal))
        fprintf(stderr, "  (%s, bias %d: rc %d, %d iterations, gap %g)\n",
                mtl_reg_name(regs[r]), b, rc, info.iterations, info.cert.gap);
      CHECK(rc == MTL_CONVERGED);
      CHECK_LE(info.cert.gap, 1e-10 * fabs(info.cert.primal));
      free(info.trace);
      mtl_problem_free(pb);
      mtl_dataset_free(ds);
    }
}

static void test_fit_reports_gap(void) {
  gen_opts o = {.bias = 0, .spread = 1};
  mtl_dataset *ds = make(&o, 3);
  mtl_params *p = mtl_params_create("batch");
  mtl_fit_info *info = NULL;
  mtl_model *m = NULL;
  CHECK_OK(mtl_params_set(p, "loss", "logistic"));
  CHECK_OK(mtl_params_set(p, "reg", "l21"));
  CHECK_OK(mtl_params_set(p, "lambda", "0.02"));
  CHECK_OK(mtl_fit(ds, p, NULL, &m, &info));
  const char *cert = info ? mtl_fit_info_get(info, "certificate") : NULL;
  CHECK(cert && !strcmp(cert, "duality gap"));
  if (info) {
    double gap = mtl_fit_info_number(info, "gap");
    double obj = mtl_fit_info_number(info, "objective");
    CHECK(gap >= 0);
    CHECK_LE(gap, 1e-9 * fabs(obj) * 1.01);
  }
  mtl_fit_info_free(info);
  mtl_model_free(m);
  mtl_params_free(p);
  mtl_dataset_free(ds);
}

int main(void) {
  test_dual_value();
  test_bound();
  test_badly_scaled();
  test_fit_reports_gap();
  CHECK_DONE();
}
