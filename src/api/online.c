/*
 * online.c -- the online methods fed round by round (mtl_online_*): the
 * caller's rounds go to the method's stepper (solvers/omtl/omtl_online.c),
 * whose state persists between calls, and the model of the state so far
 * is built on demand with the metadata every mtl_fit model has.  This is
 * what a binding's partial_fit uses.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mtl_online {
  mtl_params *p; /* copy */
  mtl__omtl_step *st;
  int K, d;
  double seconds;
};

static int online_method(const mtl_params *p, mtl_omtl_method *m) {
  static const char *const names[] = {"cadmm", "dadmm", "dpsgd", "ogd"};
  static const mtl_omtl_method codes[] = {MTL_OMTL_CADMM, MTL_OMTL_DADMM,
                                          MTL_OMTL_DPSGD, MTL_OMTL_OGD};
  for (int i = 0; i < 4; i++)
    if (strcmp(p->m->name, names[i]) == 0) {
      *m = codes[i];
      return MTL_OK;
    }
  return mtl__err(MTL_EINVAL, "mtl_online_create: %s is not an online "
                              "method (cadmm, dadmm, dpsgd, ogd)",
                  p->m->name);
}

int mtl_online_create(const mtl_params *p, int K, int d, mtl_online **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_online_create: NULL output pointer");
  *out = NULL;
  if (!p)
    return mtl__err(MTL_EINVAL, "mtl_online_create: NULL parameters");
  mtl_omtl_method method = MTL_OMTL_CADMM;
  mtl_omtl_params op;
  int rc = online_method(p, &method);
  rc = rc ? rc : mtl_params_check(p);
  rc = rc < 0 ? rc : mtl__omtl_params_from(p, method, &op);
  if (rc < 0)
    return rc;
  mtl_online *h = mtl__calloc(1, sizeof *h);
  if (!h)
    return MTL_ENOMEM;
  h->K = K;
  h->d = d;
  h->p = mtl_params_copy(p);
  if (!h->p)
    rc = MTL_ENOMEM;
  else
    rc = mtl__omtl_step_create(&op, K, d, &h->st);
  if (rc < 0) {
    mtl_online_free(h);
    return rc;
  }
  *out = h;
  return MTL_OK;
}

void mtl_online_free(mtl_online *h) {
  if (!h)
    return;
  mtl__omtl_step_free(h->st);
  mtl_params_free(h->p);
  free(h);
}

int64_t mtl_online_rounds(const mtl_online *h) {
  return h ? mtl__omtl_step_rounds(h->st) : 0;
}

/* The rounds' data is checked before any is learned from. */
static int check_rounds(const mtl_online *h, int64_t rounds, const double *X,
                        const double *y) {
  const char *name = h->p->m->name;
  for (int64_t r = 0; r < rounds; r++)
    for (int k = 0; k < h->K; k++) {
      double yk = y[r * h->K + k];
      if (yk != 0 && yk != 1 && yk != -1)
        return mtl__err(MTL_EINVAL, "%s: round %lld of this update, task "
                                    "%d: label %g (expected -1 or +1; 0 = "
                                    "no instance)", name, (long long)r + 1,
                        k + 1, yk);
      const double *x = X + ((size_t)r * h->K + (size_t)k) * h->d;
      for (int i = 0; yk != 0 && i < h->d; i++)
        if (!isfinite(x[i]))
          return mtl__err(MTL_EFORMAT, "%s: round %lld of this update, task "
                                       "%d: x[%d] is %g", name,
                          (long long)r + 1, k + 1, i + 1, x[i]);
    }
  return MTL_OK;
}

/* Mean over the tasks seen so far of each task's mistake rate. */
static double cumulative_error(const mtl_online *h, int64_t *seen,
                               int64_t *mis, int64_t *nseen, int64_t *nmis) {
  mtl__omtl_step_counts(h->st, seen, mis);
  double s = 0;
  int n = 0;
  *nseen = *nmis = 0;
  for (int k = 0; k < h->K; k++) {
    *nseen += seen[k];
    *nmis += mis[k];
    if (seen[k]) {
      s += (double)mis[k] / (double)seen[k];
      n++;
    }
  }
  return n ? s / n : NAN;
}

int mtl_online_update(mtl_online *h, int64_t rounds, const double *X,
                      const double *y, double *pred) {
  if (!h || rounds < 0 || (rounds > 0 && (!X || !y)))
    return mtl__err(MTL_EINVAL, "mtl_online_update: NULL handle or data, "
                                "or rounds < 0");
  int rc = check_rounds(h, rounds, X, y);
  if (rc)
    return rc;
  int K = h->K;
  double *code = mtl__malloc((size_t)K * sizeof(double));
  int64_t *cnt = mtl__malloc(2 * (size_t)K * sizeof(int64_t));
  if (!code || !cnt) {
    free(code);
    free(cnt);
    return MTL_ENOMEM;
  }
  double t0 = mtl__now();
  for (int64_t r = 0; r < rounds && !rc; r++) {
    rc = mtl__omtl_step_round(h->st, X + (size_t)r * K * h->d, y + r * K,
                              code);
    for (int k = 0; !rc && pred && k < K; k++)
      pred[r * K + k] = code[k] > 0 ? 1 : code[k] < 0 ? -1 : 0;
    if (!rc && h->p->progress) {
      int64_t ns, nm;
      double err = cumulative_error(h, cnt, cnt + K, &ns, &nm);
      int64_t t = mtl__omtl_step_rounds(h->st);
      if (h->p->progress(h->p->progress_ctx, (int)t, err, 0, 0))
        rc = mtl__err(MTL_ECANCELLED, "%s: cancelled by the progress "
                                      "callback after round %lld",
                      h->p->m->name, (long long)t);
    }
  }
  h->seconds += mtl__now() - t0;
  free(code);
  free(cnt);
  return rc;
}

int mtl_online_model(const mtl_online *h, mtl_model **out) {
  if (!out)
    return mtl__err(MTL_EINVAL, "mtl_online_model: NULL output pointer");
  *out = NULL;
  if (!h)
    return mtl__err(MTL_EINVAL, "mtl_online_model: NULL handle");
  int64_t *cnt = mtl__malloc(2 * (size_t)h->K * sizeof(int64_t));
  if (!cnt)
    return MTL_ENOMEM;
  mtl__fit_out o;
  int rc = mtl__fit_begin(&o, h->p->m);
  int64_t rounds = mtl__omtl_step_rounds(h->st), ns, nm;
  double err = cumulative_error(h, cnt, cnt + h->K, &ns, &nm);
  rc = rc < 0 ? rc : mtl__omtl_step_model(h->st, &o.model);
  rc = rc < 0 ? rc : mtl__info_num(o.info, "iterations", (double)rounds);
  rc = rc < 0 ? rc : mtl__info_num(o.info, "seconds", h->seconds);
  rc = rc < 0 ? rc : mtl__info_text(o.info, "certificate", "none (online: "
                                                           "cumulative error)");
  rc = rc < 0 ? rc : mtl__info_num(o.info, "rounds", (double)rounds);
  rc = rc < 0 ? rc : mtl__info_num(o.info, "instances", (double)ns);
  rc = rc < 0 ? rc : mtl__info_num(o.info, "mistakes", (double)nm);
  rc = rc < 0 ? rc : mtl__info_num(o.info, "cumulative_error", err);
  rc = rc < 0 ? rc : mtl__fit_finish(&o, h->p, MTL_CONVERGED, h->seconds, out);
  mtl__fit_out_clear(&o);
  free(cnt);
  return rc < 0 ? rc : MTL_OK;
}
