/*
 * solve.c -- batch solvers for the regularized MTL problem: accelerated
 * proximal gradient (FISTA, Beck & Teboulle 2009) with backtracking and
 * adaptive restart (O'Donoghue & Candes 2015), plain proximal gradient
 * (ISTA), dispatch to block coordinate descent (bcd.c), and the
 * regularization path with warm starts.
 */
#include "solvers/solvers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void mtl_solver_params_init(mtl_solver_params *p) {
  *p = (mtl_solver_params){
      .solver = MTL_SOLVER_FISTA,
      .max_iter = 10000,
      .tol_obj = 1e-10,
      .tol_res = 0,
      .tol_gap = 1e-9,
      .gap_every = 10,
      .restart = 2,
      .L0 = 0,
      .backtrack = 2.0,
      .record_trace = 0,
      .progress = NULL,
      .progress_ctx = NULL,
      .working_set = 1,
  };
}

static int check_solver_params(const mtl_solver_params *sp) {
  if ((int)sp->solver < MTL_SOLVER_FISTA || sp->solver > MTL_SOLVER_BCD)
    return mtl__err(MTL_EINVAL, "solver: solver = %d is invalid",
                    (int)sp->solver);
  if (sp->max_iter < 1)
    return mtl__err(MTL_EINVAL, "solver: max_iter = %d must be >= 1",
                    sp->max_iter);
  if (!(sp->tol_obj >= 0) || !isfinite(sp->tol_obj))
    return mtl__err(MTL_EINVAL, "solver: tol_obj = %g must be >= 0",
                    sp->tol_obj);
  if (!(sp->tol_res >= 0) || !isfinite(sp->tol_res))
    return mtl__err(MTL_EINVAL, "solver: tol_res = %g must be >= 0",
                    sp->tol_res);
  if (!(sp->tol_gap >= 0) || !isfinite(sp->tol_gap))
    return mtl__err(MTL_EINVAL, "solver: tol_gap = %g must be >= 0",
                    sp->tol_gap);
  if (sp->gap_every < 1)
    return mtl__err(MTL_EINVAL, "solver: gap_every = %d must be >= 1",
                    sp->gap_every);
  if (sp->restart < 0 || sp->restart > 2)
    return mtl__err(MTL_EINVAL, "solver: restart = %d must be 0, 1 or 2",
                    sp->restart);
  if (!(sp->L0 >= 0) || !isfinite(sp->L0))
    return mtl__err(MTL_EINVAL, "solver: L0 = %g must be >= 0", sp->L0);
  if (!(sp->backtrack > 1) || !isfinite(sp->backtrack))
    return mtl__err(MTL_EINVAL, "solver: backtrack = %g must be > 1",
                    sp->backtrack);
  return MTL_OK;
}

/* Proximal-gradient methods (FISTA / ISTA) through the kernel of apg.c:
 * backtracking from L0 (default L_f / 16) with a 10% longer step probed at
 * each iteration (step-size adaptation, so that a pessimistic early L does
 * not slow down the whole run), restart scheme sp->restart, and the
 * objective / residual / duality-gap stopping rules of mtl_solver_params. */
typedef struct pg_ctx {
  mtl_problem *pb;
  double tol_gap;
  double *Wn, *Wt; /* Newton polish (NULL = off): the point, a scratch */
  double *G;       /* d x T: join_rows' gradient, the certificate's */
  double *P;       /* d x T: the certificate's scratch */
  mtl__newton *nw; /* the Newton steps' workspace (NULL: none yet) */
  int newton_ok;   /* 1: Wn holds a point whose gap passed */
  int wait, skip;  /* gap checks to skip before the next polish */
  double t0, spent; /* start of the solve, seconds spent polishing */
  size_t dT;
  double Fn;        /* objective at Wn (INFINITY: none yet) */
  double best_dual; /* the largest dual objective seen (-inf at first): every
                       dual point is feasible for the same problem, so it
                       bounds F* below for every iterate */
  mtl__admm *admm;  /* the trace norm's ADMM polish (NULL: not started) */
  int admm_off;     /* 1: ADMM unavailable for this problem */
  double gap;       /* relative gap of the last check */
  double F;         /* objective at the last check */
  int chunks;       /* ADMM chunks run */
} pg_ctx;

static int smooth_cb(void *ctx, const double *W, double *f, double *grad) {
  return mtl_problem_loss(((pg_ctx *)ctx)->pb, W, f, grad);
}

static int prox_cb(void *ctx, double step, const double *V, double *out,
                   double *gout) {
  return mtl__problem_prox_val(((pg_ctx *)ctx)->pb, step, V, out, gout);
}

static double reg_cb(void *ctx, const double *W) {
  return mtl__problem_reg_value(((pg_ctx *)ctx)->pb, W);
}

/* CPU seconds of the calling thread: the polish budget is a share of the
 * solve's own work, which wall time on a loaded machine does not measure
 * (folds of a CV run in threads: the process clock would count them all). */
/* Seconds of polish allowed beyond the time of the rest of the solve. */
#ifndef POLISH_BASE
#define POLISH_BASE 0.1
#endif

static double cpu_now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
    return mtl__now();
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int gap_ok(pg_ctx *c, const double *W, int *ok) {
  mtl_certificate cert;
  int rc = c->G ? mtl__problem_certificate_buf(c->pb, W, &cert, c->G, c->P)
                : mtl_problem_certificate(c->pb, W, &cert);
  if (!rc && cert.dual > c->best_dual)
    c->best_dual = cert.dual;
  double gap = cert.primal - c->best_dual;
  *ok = !rc && isfinite(gap) && gap <= c->tol_gap * fabs(cert.primal);
  c->gap = gap / fabs(cert.primal);
  c->F = cert.primal;
  return rc;
}

/* Nonzero entries of W (n). */
static size_t nonzeros(const double *W, size_t n) {
  size_t nz = 0;
  for (size_t k = 0; k < n; k++)
    nz += W[k] != 0;
  return nz;
}

/* Nonzero rows of W (d x T). */
static int nonzero_rows(const mtl_problem *pb, const double *W) {
  int d = pb->d, T = pb->T, nz = 0;
  for (int j = 0; j < d; j++) {
    int t = 0;
    while (t < T && W[j + (size_t)t * d] == 0)
      t++;
    nz += t < T;
  }
  return nz;
}

/* L2,1: the Newton steps only drop rows, and a row that FISTA's iterate
 * has not yet made nonzero keeps the polish on too small a manifold
 * (logistic raw School: 9 rows of the optimum's 10).  Where they stall,
 * one proximal gradient step from W (step 1 / L, L the loss's Lipschitz
 * bound, so the objective does not increase) into c->Wt lets the rows
 * whose gradient violates the optimality condition join: 1 if some did. */
static int join_rows(pg_ctx *c, const double *W) {
  mtl_problem *pb = c->pb;
  if (pb->p.reg.type != MTL_REG_L21)
    return 0;
  double f;
  int rc = mtl_problem_loss(pb, W, &f, c->G);
  double L = mtl_problem_lipschitz(pb);
  for (size_t k = 0; !rc && k < c->dT; k++)
    c->Wt[k] = W[k] - c->G[k] / L;
  if (!rc)
    rc = mtl__problem_prox(pb, 1.0 / L, c->Wt, c->Wt);
  if (rc)
    return rc;
  return nonzero_rows(pb, c->Wt) > nonzero_rows(pb, W);
}

/* A Newton step from W into c->Wt (mtl__problem_newton), its workspace
 * created at the first. */
static int newton(pg_ctx *c, const double *W, double *F) {
  mtl_reg_type rt = c->pb->p.reg.type;
  if (rt != MTL_REG_L1 && rt != MTL_REG_L21)
    return 0;
  int rc = c->nw ? MTL_OK : mtl__newton_create(c->pb, &c->nw);
  return rc ? rc : mtl__problem_newton(c->pb, c->nw, W, c->Wt, F);
}

/* Steps of finish() at most: each costs about a millisecond on School. */
#define FINISH_STEPS 12
/* An objective decrease that counts as progress in finish(), relative:
 * above its rounding (a flat step's objective may rise by 1e-13). */
#define FLAT_F 1e-12
/* The relative gap below which finish() takes no step: the rounding of the
 * gradient, amplified by the inverse Hessian on ill-conditioned data,
 * would move W along its flat directions by up to sqrt(eps) without
 * lowering anything (noted on tests/python's weighted CV: a relative
 * error change of 1e-8 between weights w and 2.5 w, 1e-14 without). */
#define FINISH_FLOOR 1e-14

/* Once a point passes (c->Wn, its relative gap c->gap): more Newton steps
 * (flat ones included, rows joining once where they stall) while each
 * lowers the gap, stopping after two that neither halve it, nor lower the
 * objective beyond its rounding, nor change the support, keeping the
 * point of least gap.
 * Quadratic convergence leaves the objective at rounding level within a
 * step or two, but the dual point (problem_dual.c) is first order in W's
 * error, so that the gap can stay orders of magnitude above F - F* (raw
 * School, L2,1: 3.4e-10 x F with F = F* to rounding); the flat steps go
 * on lowering W's error, and with it the gap (there to 1.4e-13 x F). */
static int finish(pg_ctx *c) {
  for (int k = 0, joined = 0, slow = 0;
       k < FINISH_STEPS && slow < 2 && c->gap > FINISH_FLOOR; k++) {
    double F, g0 = c->gap, F0 = c->F;
    size_t nz0 = nonzeros(c->Wn, c->dT);
    int rc = newton(c, c->Wn, &F), ok;
    if (rc == 0 && !joined++)
      rc = join_rows(c, c->Wn);
    if (rc <= 0)
      return rc;
    if ((rc = gap_ok(c, c->Wt, &ok)))
      return rc;
    if (!ok || !(c->gap < g0)) {
      c->gap = g0;
      c->F = F0;
      return MTL_OK;
    }
    double *tmp = c->Wn;
    c->Wn = c->Wt;
    c->Wt = tmp;
    int progress = c->gap <= 0.5 * g0 || c->F < F0 - FLAT_F * fabs(F0) ||
                   nonzeros(c->Wn, c->dT) != nz0; /* the support moved */
    slow = progress ? 0 : slow + 1;
  }
  return MTL_OK;
}

/* Newton steps on the active manifold from W (mtl__problem_newton),
 * stopping at the first point whose gap passes (then c->newton_ok, Wn =
 * that point), when no step is taken (none lowers the objective or is a
 * flat step, and, for L2,1, up to 4 times, no row joins; an L2,1 flat step
 * first lets rows join), or when the
 * polish has taken as long as the rest of the solve plus POLISH_BASE (so
 * that it at most doubles the time where it does not help).  Each step changes the
 * support by its zero crossings and KKT violators, so identifying it from
 * a first-order iterate can take tens of steps; 200 at most. */
static int polish(pg_ctx *c, const double *W, int *stop) {
  const double *from = W;
  double start = cpu_now();
  int joins = 0;
  /* L1: continue from the last polished point if it is still below the
   * first-order iterate (its steps add and drop entries by themselves);
   * L2,1 restarts from the iterate, whose zero rows FISTA identifies (the
   * polish only drops rows) */
  if (c->pb->p.reg.type == MTL_REG_L1 && c->Fn < INFINITY) {
    double F;
    int rc = mtl_problem_objective(c->pb, W, &F);
    if (rc)
      return rc;
    if (c->Fn < F)
      from = c->Wn;
  }
  double Fprev = INFINITY;
  for (int k = 0; k < 200; k++) {
    double now = cpu_now();
    if (now - start + c->spent > POLISH_BASE + (start - c->t0 - c->spent))
      break;
    double F;
    int rc = newton(c, from, &F);
    /* stalled, or a flat step (the objective at its rounding: the
     * manifold's optimum is reached, and a gap that does not pass there
     * says the support lacks a row): let rows join, go on (measured:
     * logistic School took 3 flat steps of rounding noise before the
     * stall, and the budget ran out before the join in 4 of 10 runs) */
    int flat = rc > 0 && c->pb->p.reg.type == MTL_REG_L21 &&
               !(F < Fprev - FLAT_F * fabs(Fprev));
    if ((rc == 0 || flat) && joins < 4) {
      joins++;
      int j = join_rows(c, from);
      if (j > 0) {
        int e = mtl_problem_objective(c->pb, c->Wt, &F);
        rc = e ? e : 1;
      } else if (j < 0 || rc == 0) {
        rc = j;
      } else if ((j = newton(c, from, &F)) <= 0) { /* no row joins: the */
        rc = j;                                    /* flat step again */
      }
    }
    if (rc <= 0) {
      c->spent += cpu_now() - start;
      return rc;
    }
    double *tmp = c->Wn;
    c->Wn = c->Wt;
    c->Wt = tmp;
    c->Fn = F;
    Fprev = F;
    from = c->Wn;
    if ((rc = gap_ok(c, c->Wn, stop)))
      return rc;
    if (*stop) {
      c->newton_ok = 1;
      return finish(c);
    }
  }
  c->spent += cpu_now() - start;
  return MTL_OK;
}

/* ADMM iterations between two gap checks of the trace polish: a check (a
 * certificate: two SVDs of W) costs about as much as 10 iterations. */
#define ADMM_CHUNK 25
/* After the gap passes, more chunks, as many as it took to pass (at least
 * ADMM_FINISH), while they lower the gap by 10% or more and the polish
 * budget lasts: the objective converges faster than the dual point's
 * error, which is first order (the spectral excess of the loss gradient),
 * so that a certificate of tol_gap would overstate F - F* by orders of
 * magnitude (School: F at rounding level while the gap is 1e-6 x F). */
#define ADMM_FINISH 8
/* CPU seconds the finishing chunks may take at least (see polish_admm). */
#define ADMM_FINISH_BASE 0.05

/* The trace norm's polish: ADMM with exact per-task solves
 * (mtl__admm_*), started from the first iterate it sees and continued at
 * each later call (it is a solver of its own, converging where FISTA's
 * rate is set by the ill-conditioning), checked every ADMM_CHUNK
 * iterations; the same CPU budget as the Newton polish. */
static int polish_admm(pg_ctx *c, const double *W, int *stop) {
  double start = cpu_now();
  int rc = MTL_OK;
  if (!c->admm && (rc = mtl__admm_create(c->pb, W, &c->admm)) <= 0) {
    c->admm_off = 1;
    return rc;
  }
  while (cpu_now() - start + c->spent <=
         POLISH_BASE + (start - c->t0 - c->spent)) {
    if ((rc = mtl__admm_run(c->admm, ADMM_CHUNK, c->Wn)) ||
        (rc = gap_ok(c, c->Wn, stop)))
      return rc;
    c->chunks++;
    if (*stop) {
      c->newton_ok = 1;
      break;
    }
  }
  /* finish: keep the point of least gap; stop after two chunks that
   * lower it by less than 10%.  Its time is bounded by its own allowance
   * (the time this call took to pass, at least ADMM_FINISH_BASE), not by
   * what the budget has left: a gap that passed with the budget nearly
   * spent would otherwise stay orders of magnitude above F - F* (School,
   * bias unpenalized: 3e-9 x F against F - F* = 9e-16 x F, in a loaded
   * CI run) */
  int most = c->chunks > ADMM_FINISH ? c->chunks : ADMM_FINISH;
  double pass = cpu_now(), allow = fmax(pass - start, ADMM_FINISH_BASE);
  for (int k = 0, stalls = 0;
       *stop && k < most && stalls < 2 && cpu_now() - pass <= allow; k++) {
    double g0 = c->gap;
    int ok;
    if ((rc = mtl__admm_run(c->admm, ADMM_CHUNK, c->Wt)) ||
        (rc = gap_ok(c, c->Wt, &ok)))
      return rc;
    stalls = c->gap < 0.9 * g0 ? 0 : stalls + 1;
    if (ok && c->gap < g0) {
      double *tmp = c->Wn;
      c->Wn = c->Wt;
      c->Wt = tmp;
    } else {
      c->gap = g0;
    }
  }
  c->spent += cpu_now() - start;
  return MTL_OK;
}

/* Stops when the duality gap is at most tol_gap |primal|; else, for the
 * squared or logistic loss with L1 / L2,1, tries the Newton polish at
 * checks spaced 1, 2, 4, ... 64 checks apart while it fails (its steps converge
 * quadratically once the support is right, where FISTA's rate on raw
 * features is set by the ill-conditioning); for the trace norm the
 * ADMM polish instead (polish_admm). */
static int gap_cb(void *ctx, const double *W, int *stop) {
  pg_ctx *c = ctx;
  int rc = gap_ok(c, W, stop);
  if (rc || !c->Wn)
    return rc;
  if (*stop) { /* passed: finish with Newton steps (same answer from any
                  start, to rounding, where they converge) */
    memcpy(c->Wn, W, c->dT * sizeof(double));
    c->newton_ok = 1;
    return finish(c);
  }
  if (c->skip > 0) {
    c->skip--;
    return MTL_OK;
  }
  if (c->pb->p.reg.type == MTL_REG_TRACE)
    rc = c->admm_off ? MTL_OK : polish_admm(c, W, stop);
  else
    rc = polish(c, W, stop);
  c->wait = c->wait ? (c->wait < 64 ? 2 * c->wait : 64) : 1;
  c->skip = c->wait;
  return rc;
}

void mtl__apg_info(mtl_solve_info *info, int st, const mtl__apg_out *out,
                   double t0, double **trace) {
  info->status = st;
  info->iterations = out->iterations;
  info->restarts = out->restarts;
  info->objective = out->F;
  info->L = out->L;
  info->seconds = mtl__now() - t0;
  info->trace = *trace;
  *trace = NULL;
}

static int prox_grad(mtl_problem *pb, const mtl_solver_params *sp, double *W,
                     mtl_solve_info *info, int accelerate) {
  size_t dT = (size_t)pb->d * pb->T;
  for (int t = 0; t < pb->T; t++)
    if (pb->task_loss[t] == MTL_LOSS_HINGE)
      return mtl__err(MTL_EUNSUPPORTED,
                      "task %d (%s): the hinge loss is not differentiable; "
                      "proximal gradient needs squared, logistic or sqhinge",
                      t + 1, pb->ds->tasks[t].name);
  for (size_t k = 0; k < dT; k++)
    if (!isfinite(W[k]))
      return mtl__err(MTL_EINVAL, "initial W entry %zu is not finite", k);
  double *trace = NULL;
  if (sp->record_trace) {
    trace = mtl__malloc((size_t)sp->max_iter * sizeof(double));
    if (!trace)
      return MTL_ENOMEM;
  }
  double t0 = mtl__now();
  mtl__apg_opts o;
  mtl__apg_opts_init(&o);
  o.accelerate = accelerate;
  o.restart = sp->restart;
  o.L0 = sp->L0 > 0 ? sp->L0 : pb->L / 16;
  o.backtrack = sp->backtrack;
  o.shrink = 0.9;
  /* a failed probe costs one more prox: an SVD or eigendecomposition
   * (trace), a T x T solve (graph); back off from probing there */
  mtl__reg_col kind = mtl__reg_col_kind(&pb->p.reg);
  o.probe_backoff = kind == MTL__COL_SPECTRAL || kind == MTL__COL_COUPLED;
  o.noise = 1e-12;
  o.max_iter = sp->max_iter;
  /* Where a duality gap exists and is asked for, it alone decides: the
   * objective can stall to 1e-12 while the certificate is still loose.
   * The objective rule needs a non-increasing step. */
  if (!(sp->tol_gap > 0 && mtl__problem_has_dual(pb)))
    o.tol_obj = sp->tol_obj;
  o.obj_monotone = 1;
  o.tol_res = sp->tol_res;
  o.check = sp->tol_gap > 0 ? gap_cb : NULL;
  o.check_every = sp->gap_every;
  o.progress = sp->progress;
  o.progress_ctx = sp->progress_ctx;
  o.interrupt = &pb->interrupt;
  o.trace = trace;
  o.who = "solve";
  atomic_store(&pb->interrupt, 0);
  mtl__apg_out out;
  pg_ctx c = {.pb = pb, .tol_gap = sp->tol_gap, .best_dual = -INFINITY,
              .t0 = cpu_now(), .dT = dT, .Fn = INFINITY};
  double *nbuf = NULL;
  if (o.check && mtl__problem_has_dual(pb) &&
      (pb->p.reg.type == MTL_REG_L1 || pb->p.reg.type == MTL_REG_L21 ||
       pb->p.reg.type == MTL_REG_TRACE)) {
    nbuf = mtl__malloc(4 * dT * sizeof(double));
    if (!nbuf) {
      free(trace);
      return MTL_ENOMEM;
    }
    c.Wn = nbuf;
    c.Wt = nbuf + dT;
    c.G = nbuf + 2 * dT;
    c.P = nbuf + 3 * dT;
  }
  int rc = mtl__apg(dT, W, smooth_cb, prox_cb, reg_cb, &c, &o, &out);
  if (rc >= 0 && c.newton_ok) {
    memcpy(W, c.Wn, dT * sizeof(double));
    rc = MTL_CONVERGED;
  }
  if (rc >= 0 && info) {
    mtl__apg_info(info, rc, &out, t0, &trace);
    if (c.newton_ok && info->trace && info->iterations > 0 &&
        mtl_problem_objective(pb, W, &info->trace[info->iterations - 1]))
      rc = mtl__err(MTL_ENUMERIC, "solve: objective of the polished point");
    int e = mtl_problem_certificate(pb, W, &info->cert);
    if (e)
      rc = e;
    info->objective = info->cert.primal;
    if (c.best_dual > info->cert.dual) { /* the best dual point seen */
      info->cert.dual = fmin(c.best_dual, info->cert.primal);
      info->cert.gap = info->cert.primal - info->cert.dual;
    }
  }
  mtl__admm_free(c.admm);
  mtl__newton_free(c.nw);
  free(nbuf);
  free(trace);
  return rc;
}

int mtl_solve(mtl_problem *pb, const mtl_solver_params *sp, double *W,
              mtl_solve_info *info) {
  mtl_solver_params defaults;
  if (!pb || !W)
    return mtl__err(MTL_EINVAL, "mtl_solve: NULL problem or W");
  if (!sp) {
    mtl_solver_params_init(&defaults);
    sp = &defaults;
  }
  if (info)
    memset(info, 0, sizeof *info);
  int rc = check_solver_params(sp);
  if (rc)
    return rc;
  if (mtl__ws_applies(pb, sp)) /* wide L1 / L2,1: working_set.c */
    return mtl__ws_solve(pb, sp, W, info);
  switch (sp->solver) {
  case MTL_SOLVER_FISTA:
    return prox_grad(pb, sp, W, info, 1);
  case MTL_SOLVER_ISTA:
    return prox_grad(pb, sp, W, info, 0);
  case MTL_SOLVER_BCD: {
    rc = mtl__bcd_solve(pb, sp, W, info);
    if (rc >= 0 && info) {
      int rc2 = mtl_problem_certificate(pb, W, &info->cert);
      if (rc2)
        return rc2;
    }
    return rc;
  }
  }
  return mtl__err(MTL_EINVAL, "unknown solver %d", (int)sp->solver);
}

int mtl_solve_path(mtl_problem *pb, const mtl_solver_params *sp,
                   const double *lambdas, int n, double ratio,
                   mtl_path *path) {
  if (!pb || !path)
    return mtl__err(MTL_EINVAL, "mtl_solve_path: NULL argument");
  memset(path, 0, sizeof *path);
  if (n < 1)
    return mtl__err(MTL_EINVAL, "path: nlambda = %d must be >= 1", n);
  if (!lambdas && !(ratio > 0 && ratio < 1))
    return mtl__err(MTL_EINVAL, "path: ratio = %g must be in (0, 1)", ratio);
  size_t dT = (size_t)pb->d * pb->T;
  double lam0 = pb->p.reg.lambda;
  int rc = MTL_ENOMEM;
  path->nlambda = n;
  path->lambdas = mtl__malloc((size_t)n * sizeof(double));
  path->W = mtl__calloc((size_t)n * dT, sizeof(double));
  path->objective = mtl__malloc((size_t)n * sizeof(double));
  path->iterations = mtl__malloc((size_t)n * sizeof(int));
  double *W = mtl__calloc(dT, sizeof(double));
  if (!path->lambdas || !path->W || !path->objective || !path->iterations ||
      !W)
    goto fail;
  if (lambdas) {
    for (int i = 0; i < n; i++) {
      if (!(lambdas[i] >= 0) || !isfinite(lambdas[i])) {
        rc = mtl__err(MTL_EINVAL, "path: lambda[%d] = %g must be >= 0", i,
                      lambdas[i]);
        goto fail;
      }
      path->lambdas[i] = lambdas[i];
    }
  } else {
    double lmax;
    rc = mtl_problem_lambda_max(pb, &lmax);
    if (rc)
      goto fail;
    if (!(lmax > 0))
      lmax = 1.0;
    for (int i = 0; i < n; i++)
      path->lambdas[i] =
          n == 1 ? lmax : lmax * pow(ratio, (double)i / (n - 1));
  }
  for (int i = 0; i < n; i++) {
    mtl_solve_info info;
    mtl_problem_set_lambda(pb, path->lambdas[i]);
    mtl_solver_params s = *sp;
    s.record_trace = 0;
    rc = mtl_solve(pb, &s, W, &info);
    if (rc < 0) {
      mtl__err_prefix(rc, "path: lambda[%d] = %g", i, path->lambdas[i]);
      goto fail;
    }
    memcpy(path->W + (size_t)i * dT, W, dT * sizeof(double));
    path->objective[i] = info.objective;
    path->iterations[i] = info.iterations;
  }
  free(W);
  mtl_problem_set_lambda(pb, lam0);
  return MTL_OK;
fail:
  free(W);
  mtl_problem_set_lambda(pb, lam0);
  mtl_path_clear(path);
  return rc;
}

void mtl_path_clear(mtl_path *path) {
  if (!path)
    return;
  free(path->lambdas);
  free(path->W);
  free(path->objective);
  free(path->iterations);
  memset(path, 0, sizeof *path);
}
