/*
 * solve.c -- batch solvers for the regularized MTL problem: accelerated
 * proximal gradient (FISTA, Beck & Teboulle 2009) with backtracking and
 * adaptive restart (O'Donoghue & Candes 2015), plain proximal gradient
 * (ISTA), dispatch to block coordinate descent (bcd.c), and the
 * regularization path with warm starts.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
      .record_trace = 1,
      .progress = NULL,
      .progress_ctx = NULL,
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

/* Proximal-gradient methods.  One iteration at extrapolated point Y:
 *   X+ = prox_{g/L}(Y - grad f(Y)/L), with L doubled until
 *   f(X+) <= f(Y) + <grad f(Y), X+ - Y> + L/2 ||X+ - Y||^2   (backtracking),
 * then (FISTA) Y = X+ + (t_k - 1)/t_{k+1} (X+ - X).  Restart resets t to 1
 * when the momentum points uphill (gradient scheme: <Y - X+, X+ - X> > 0) or
 * the objective increased (function scheme).  Each iteration first shrinks
 * L by 10% (step-size adaptation), so that a pessimistic early L does not
 * slow down the whole run; a failed probe costs one extra function value.
 * All work arrays are allocated before the first iteration. */
#define OBJ_WINDOW 10

static int prox_grad(mtl_problem *pb, const mtl_solver_params *sp, double *W,
                     mtl_solve_info *info, int accelerate) {
  int d = pb->d, T = pb->T;
  size_t dT = (size_t)d * T;
  double *X = W;
  double *Xold = mtl__malloc(dT * sizeof(double));
  double *Y = mtl__malloc(dT * sizeof(double));
  double *G = mtl__malloc(dT * sizeof(double));
  double *Xn = mtl__malloc(dT * sizeof(double));
  double *trace = NULL;
  int rc = MTL_ENOMEM;
  if (!Xold || !Y || !G || !Xn)
    goto done;
  if (sp->record_trace) {
    trace = mtl__malloc((size_t)sp->max_iter * sizeof(double));
    if (!trace)
      goto done;
  }
  for (int t = 0; t < T; t++)
    if (pb->task_loss[t] == MTL_LOSS_HINGE) {
      rc = mtl__err(MTL_EUNSUPPORTED,
                    "task %d (%s): the hinge loss is not differentiable; "
                    "proximal gradient needs squared, logistic or sqhinge",
                    t + 1, pb->ds->tasks[t].name);
      goto done;
    }
  double t0 = mtl__now();
  double L = sp->L0 > 0 ? sp->L0 : pb->L / 16;
  /* Where a duality gap exists and is asked for, it alone decides: the
   * objective can stall to 1e-12 while the certificate is still loose. */
  int use_obj_rule =
      sp->tol_obj > 0 && !(sp->tol_gap > 0 && mtl__problem_has_dual(pb));
  double tk = 1.0, F, fY, fX, hist[OBJ_WINDOW];
  int restarts = 0, status = MTL_MAXITER, it = 0;
  /* make the start point feasible for the prox (e.g. finite) */
  for (size_t k = 0; k < dT; k++)
    if (!isfinite(X[k])) {
      rc = mtl__err(MTL_EINVAL, "initial W entry %zu is not finite", k);
      goto done;
    }
  rc = mtl_problem_objective(pb, X, &F);
  if (rc)
    goto done;
  memcpy(Y, X, dT * sizeof(double));
  memcpy(Xold, X, dT * sizeof(double));
  atomic_store(&pb->interrupt, 0);
  for (it = 0; it < sp->max_iter; it++) {
    if (atomic_load(&pb->interrupt)) {
      rc = mtl__err(MTL_ECANCELLED, "solve interrupted at iteration %d", it);
      goto done;
    }
    rc = mtl_problem_loss(pb, Y, &fY, G);
    if (rc)
      goto done;
    /* Probe a 10% longer step; backtracking corrects it.  A violation of
     * the sufficient-decrease test at the level of rounding noise is
     * inconclusive: then the last accepted L is kept (never shrunk), so
     * that rounding cannot drift the step past 1/L_f near the optimum. */
    double Lprev = L, gd, dist2;
    L *= 0.9;
    for (;;) {
      for (size_t k = 0; k < dT; k++)
        Xn[k] = Y[k] - G[k] / L;
      rc = mtl__problem_prox(pb, 1.0 / L, Xn, Xn);
      if (rc)
        goto done;
      rc = mtl_problem_loss(pb, Xn, &fX, NULL);
      if (rc)
        goto done;
      gd = 0;
      dist2 = 0;
      for (size_t k = 0; k < dT; k++) {
        double dk = Xn[k] - Y[k];
        gd += G[k] * dk;
        dist2 += dk * dk;
      }
      double q = fY + gd + 0.5 * L * dist2;
      if (fX <= q)
        break;
      if (fX - q <= 1e-12 * (fabs(fY) + fabs(fX))) {
        if (L >= Lprev)
          break;
        L = Lprev;
        continue;
      }
      L *= sp->backtrack;
      if (!isfinite(L)) {
        rc = mtl__err(MTL_ENUMERIC, "backtracking diverged at iteration %d",
                      it);
        goto done;
      }
    }
    double Fn = fX + mtl__problem_reg_value(pb, Xn);
    if (trace)
      trace[it] = Fn;
    /* relative change over a window of OBJ_WINDOW iterations: FISTA is not
     * monotone, and a single small step says little about convergence */
    double Fback = it >= OBJ_WINDOW ? hist[it % OBJ_WINDOW] : HUGE_VAL;
    hist[it % OBJ_WINDOW] = Fn;
    double rel = fabs(Fback - Fn) / (fabs(Fn) > 1e-300 ? fabs(Fn) : 1e-300);
    double res = L * sqrt(dist2); /* gradient mapping at Y */
    /* momentum */
    int restart_now = 0;
    if (accelerate) {
      if (sp->restart == 2) {
        double ip = 0;
        for (size_t k = 0; k < dT; k++)
          ip += (Y[k] - Xn[k]) * (Xn[k] - X[k]);
        restart_now = ip > 0;
      } else if (sp->restart == 1) {
        restart_now = Fn > F;
      }
    }
    memcpy(Xold, X, dT * sizeof(double));
    memcpy(X, Xn, dT * sizeof(double));
    double Fprev = F;
    F = Fn;
    if (accelerate && !restart_now) {
      double tn = 0.5 * (1 + sqrt(1 + 4 * tk * tk));
      double beta = (tk - 1) / tn;
      for (size_t k = 0; k < dT; k++)
        Y[k] = X[k] + beta * (X[k] - Xold[k]);
      tk = tn;
    } else {
      if (restart_now)
        restarts++;
      tk = 1.0;
      memcpy(Y, X, dT * sizeof(double));
    }
    if (sp->progress && sp->progress(sp->progress_ctx, it + 1, F, rel, res)) {
      it++;
      rc = mtl__err(MTL_ECANCELLED, "cancelled by progress callback at "
                                    "iteration %d", it);
      goto done;
    }
    /* stopping rules; the objective rule needs a non-increasing step */
    if (use_obj_rule && rel <= sp->tol_obj && Fn <= Fprev) {
      status = MTL_CONVERGED;
      it++;
      break;
    }
    if (sp->tol_res > 0) {
      double gn = 0;
      for (size_t k = 0; k < dT; k++)
        gn += G[k] * G[k];
      gn = sqrt(gn);
      if (res <= sp->tol_res * (gn > 1 ? gn : 1)) {
        status = MTL_CONVERGED;
        it++;
        break;
      }
    }
    if (sp->tol_gap > 0 && (it + 1) % sp->gap_every == 0) {
      mtl_certificate c;
      rc = mtl_problem_certificate(pb, X, &c);
      if (rc)
        goto done;
      if (isfinite(c.gap) && c.gap <= sp->tol_gap * fabs(c.primal)) {
        status = MTL_CONVERGED;
        it++;
        break;
      }
    }
  }
  if (it > sp->max_iter)
    it = sp->max_iter;
  if (info) {
    info->status = status;
    info->iterations = it;
    info->restarts = restarts;
    info->objective = F;
    info->L = L;
    info->seconds = mtl__now() - t0;
    info->trace = trace;
    trace = NULL;
    rc = mtl_problem_certificate(pb, X, &info->cert);
    if (rc)
      goto done;
  }
  rc = status;
done:
  free(Xold);
  free(Y);
  free(G);
  free(Xn);
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
