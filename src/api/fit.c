/*
 * fit.c -- mtl_fit, the one entry point for training, and the steps the
 * methods' fits share (scaling, problem parameters, certificate).  The
 * model's metadata is written here and nowhere else: the method's name,
 * every parameter ("param.NAME"), and every fit result.
 */
#include "api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mtl_params_check(const mtl_params *p) {
  if (!p)
    return mtl__err(MTL_EINVAL, "mtl_params_check: NULL parameters");
  const char *gf = mtl__p_text(p, "graph_file");
  int graph = mtl__p_is(p, "reg", "graph"), has_file = gf && *gf;
  if (graph && !has_file)
    return mtl__err(MTL_EINVAL, "%s: reg graph needs the parameter "
                                "graph_file (the T x E matrix R)",
                    p->m->name);
  if (has_file && !graph)
    return mtl__err(MTL_EINVAL, "%s: graph_file is only used with reg "
                                "graph (reg is %s)",
                    p->m->name, mtl__p_text(p, "reg"));
  return MTL_OK;
}

/* 1 when p's method has tolerance parameters and all of them are 0. */
static int tolerances_off(const mtl_params *p) {
  static const char *const tols[] = {"tol", "tol_gap", "tol_abs", "tol_rel"};
  int any = 0;
  for (size_t i = 0; i < sizeof tols / sizeof *tols; i++) {
    if (mtl__p_index(p, tols[i]) < 0)
      continue;
    if (mtl__p_num(p, tols[i]) != 0)
      return 0;
    any = 1;
  }
  return any;
}

static const char *status_word(const mtl_fit_info *in, const mtl_params *p,
                               int st) {
  double rg = mtl_fit_info_number(in, "relative_gap");
  double ch = mtl_fit_info_number(in, "relative_change");
  double tg = mtl__p_index(p, "tol_gap") >= 0 ? mtl__p_num(p, "tol_gap")
                                              : MTL_CERT_TOL;
  if (!isnan(rg) && rg <= tg)
    return "certified";
  /* at the iteration limit, a gap within MTL_CERT_TOL is still a
   * solution for every practical purpose: no warning for 7.7e-9 */
  if (st == MTL_CONVERGED || (!isnan(rg) && rg <= MTL_CERT_TOL))
    return "converged";
  if (tolerances_off(p))
    return "iteration limit";
  if ((!isnan(rg) && !(rg <= MTL_FAR_GAP)) ||
      (isnan(rg) && !isnan(ch) && !(ch <= MTL_FAR_CHANGE)) ||
      isinf(mtl_fit_info_number(in, "objective")))
    return "far from a solution";
  return "not converged";
}

void mtl__fit_solver_params(const mtl__fit_ctx *c, mtl_solver_params *sp) {
  const mtl_params *p = c->p;
  mtl_solver_params_init(sp);
  sp->solver = mtl__p_is(p, "solver", "ista") ? MTL_SOLVER_ISTA
                                              : MTL_SOLVER_FISTA;
  sp->max_iter = mtl__p_int(p, "max_iter");
  sp->tol_obj = mtl__p_num(p, "tol");
  if (mtl__p_index(p, "tol_gap") >= 0)
    sp->tol_gap = mtl__p_num(p, "tol_gap");
  double sel = mtl__p_num(p, "select_tol");
  if (c->select && sel > 0) {
    sp->tol_gap = sel;
    sp->tol_obj = sel / 100;
  }
  sp->record_trace = c->want_trace;
  sp->progress = p->progress;
  sp->progress_ctx = p->progress_ctx;
}

int mtl__fit_status(mtl_fit_info *in, const mtl_params *p, int st) {
  return mtl__info_text(in, "status", "%s", status_word(in, p, st));
}

int mtl__status_stopped(const char *status) {
  return status && (strcmp(status, "not converged") == 0 ||
                    strcmp(status, "far from a solution") == 0 ||
                    strcmp(status, "iteration limit") == 0);
}

int mtl__fit_scale(const mtl__fit_ctx *c, mtl_scaler *sc,
                   mtl_dataset **scaled) {
  const mtl_params *p = c->p;
  const mtl_dataset *ds = c->ds;
  memset(sc, 0, sizeof *sc);
  *scaled = NULL;
  int stdz = mtl__p_index(p, "standardize") >= 0 &&
             mtl__p_num(p, "standardize") != 0;
  int bias = mtl__p_index(p, "bias") >= 0 && mtl__p_num(p, "bias") != 0;
  int rc = mtl_scaler_fit(ds, stdz, bias, sc);
  if (rc < 0)
    return mtl__err_prefix(rc, "cannot fit the feature scaler");
  rc = c->take ? mtl__scaler_apply_take(sc, c->take, scaled)
              : mtl_scaler_apply(sc, ds, scaled);
  if (rc < 0) {
    mtl_scaler_clear(sc);
    memset(sc, 0, sizeof *sc);
    return mtl__err_prefix(rc, "cannot standardize the data");
  }
  return MTL_OK;
}

/* The graph matrix R (T x E) of parameter graph_file. */
static int read_graph_matrix(const mtl_params *p, int T, double **R,
                             int *E) {
  const char *path = mtl__p_text(p, "graph_file");
  int rows = 0;
  int rc = mtl__read_text_matrix(path, R, &rows, E);
  if (rc < 0)
    return mtl__err_prefix(rc, "graph matrix R");
  if (rows != T) {
    free(*R);
    *R = NULL;
    return mtl__err(MTL_EINVAL,
                    "graph file '%s' has %d rows but the data has %d tasks "
                    "(R is T x E: one row per task)",
                    path, rows, T);
  }
  return MTL_OK;
}

int mtl__fit_problem_params(const mtl_params *p, int T,
                            mtl_problem_params *pp, double **R) {
  mtl_problem_params_init(pp);
  *R = NULL;
  if (mtl__p_index(p, "loss") >= 0) {
    int ok = 0;
    pp->loss = (mtl_loss)mtl_loss_parse(mtl__p_text(p, "loss"), &ok);
  }
  if (mtl__p_index(p, "scaling") >= 0)
    pp->scaling = (mtl_scaling)mtl__p_int(p, "scaling");
  if (mtl__p_index(p, "reg") >= 0)
    pp->reg.type = (mtl_reg_type)mtl_reg_parse(mtl__p_text(p, "reg"));
  else
    pp->reg.type = MTL_REG_NONE;
  pp->reg.lambda = mtl__p_index(p, "lambda") >= 0 ? mtl__p_num(p, "lambda")
                                                   : 0.0;
  pp->reg.ridge = mtl__p_num(p, "ridge");
  pp->unpenalized_last = mtl__p_index(p, "bias") >= 0 &&
                         mtl__p_num(p, "bias") != 0;
  if (mtl__p_index(p, "threads") >= 0)
    pp->threads = mtl__p_int(p, "threads");
  int rc = mtl_params_check(p);
  if (rc < 0)
    return rc;
  if (pp->reg.type == MTL_REG_GRAPH) {
    if ((rc = read_graph_matrix(p, T, R, &pp->reg.R_cols)) < 0)
      return rc;
    pp->reg.R = *R;
  }
  return MTL_OK;
}

void mtl__fit_ckpt(const mtl_params *p, mtl__ckpt *ck) {
  const char *cp = mtl__p_text(p, "checkpoint");
  const char *rs = mtl__p_text(p, "resume");
  memset(ck, 0, sizeof *ck);
  ck->path = cp && *cp ? cp : NULL;
  ck->every = mtl__p_int(p, "checkpoint_every");
  ck->resume = rs && *rs ? rs : NULL;
  if (mtl__p_index(p, "checkpoint_seconds") >= 0)
    ck->seconds = mtl__p_num(p, "checkpoint_seconds");
}

int mtl__fit_out_losses(mtl__fit_out *o, const mtl_problem *pb) {
  int T = mtl_problem_ntasks(pb);
  free(o->task_loss);
  o->task_loss = mtl__malloc((size_t)T * sizeof *o->task_loss);
  if (!o->task_loss)
    return MTL_ENOMEM;
  for (int t = 0; t < T; t++)
    o->task_loss[t] = (int)mtl_problem_task_loss(pb, t);
  o->pp.task_loss = o->task_loss;
  return MTL_OK;
}

int mtl__fit_out_matrix(mtl__fit_out *o, const char *name, int rows,
                        int cols, const double *A) {
  if (o->nmat >= (int)(sizeof o->mat / sizeof *o->mat))
    return mtl__err(MTL_EINVAL, "internal: too many model matrices");
  size_t n = (size_t)rows * (size_t)cols;
  double *c = mtl__malloc((n ? n : 1) * sizeof *c);
  if (!c)
    return MTL_ENOMEM;
  memcpy(c, A, n * sizeof *c);
  snprintf(o->mat[o->nmat].name, sizeof o->mat[o->nmat].name, "%s", name);
  o->mat[o->nmat].rows = rows;
  o->mat[o->nmat].cols = cols;
  o->mat[o->nmat].A = c;
  o->nmat++;
  return MTL_OK;
}

void mtl__fit_out_clear(mtl__fit_out *o) {
  mtl_model_free(o->model);
  free(o->W);
  free(o->task_loss);
  mtl_scaler_clear(&o->sc);
  mtl_fit_info_free(o->info);
  for (int i = 0; i < o->nmat; i++)
    free(o->mat[i].A);
  free(o->R);
  memset(o, 0, sizeof *o);
}

int mtl__fit_certificate(mtl_problem *pb, const double *W, mtl_fit_info *in) {
  mtl_certificate c;
  int rc = mtl_problem_certificate(pb, W, &c);
  if (rc < 0)
    return mtl__err_prefix(rc, "cannot compute the certificate");
  return mtl__info_cert(in, &c);
}

int mtl__info_cert(mtl_fit_info *in, const mtl_certificate *cp) {
  mtl_certificate c = *cp;
  int rc;
  if (isfinite(c.gap)) {
    rc = mtl__info_text(in, "certificate", "duality gap");
    rc = rc < 0 ? rc : mtl__info_num(in, "gap", c.gap);
    rc = rc < 0 ? rc
                : mtl__info_num(in, "relative_gap",
                                c.primal != 0 ? c.gap / fabs(c.primal) : c.gap);
  } else {
    rc = mtl__info_text(in, "certificate", "fixed-point residual");
  }
  return rc < 0 ? rc : mtl__info_num(in, "residual", c.residual);
}

/* ---- the model ------------------------------------------------------------ */

/* Rows 0..d_in-1 of W (d x T) with a non-zero entry. */
static int features_used(const mtl_model *m) {
  int d = mtl_model_dim(m), T = mtl_model_ntasks(m);
  int d_in = mtl_model_input_dim(m);
  const double *W = mtl_model_W(m);
  int k = 0;
  for (int j = 0; j < d_in && j < d; j++)
    for (int t = 0; t < T; t++)
      if (W[(size_t)t * (size_t)d + (size_t)j] != 0.0) {
        k++;
        break;
      }
  return k;
}

static int meta_loss(mtl_model *m) {
  int T = mtl_model_ntasks(m);
  mtl_loss l0 = mtl_model_task_loss(m, 0);
  for (int t = 1; t < T; t++)
    if (mtl_model_task_loss(m, t) != l0)
      return mtl_model_set_meta(m, "loss", "per task");
  return mtl_model_set_meta(m, "loss", mtl_loss_name(l0));
}

/* The metadata of every model: tool, loss, parameters, results. */
static int write_meta(mtl_model *m, const mtl_params *p,
                      const mtl_fit_info *in) {
  char key[160], tool[64];
  snprintf(tool, sizeof tool, "libmtl %s", mtl_version());
  int rc = mtl_model_set_meta(m, "tool", tool);
  rc = rc < 0 ? rc : meta_loss(m);
  for (int i = 0; rc >= 0 && i < p->m->nparams; i++) {
    const char *v = p->text[i];
    snprintf(key, sizeof key, "param.%s", p->m->params[i].name);
    rc = mtl_model_set_meta(m, key, v);
  }
  for (int i = 0; rc >= 0 && i < in->n; i++)
    rc = mtl_model_set_meta(m, in->items[i].key, in->items[i].text);
  return rc;
}

/* The model of o (built from W unless the method made it), with its
 * matrices and metadata. */
static int build_model(mtl__fit_out *o, const mtl_params *p,
                       mtl_model **out) {
  mtl_model *m = o->model;
  o->model = NULL;
  if (!m) {
    m = mtl_model_create(o->d, o->T, o->W, &o->pp, &o->sc);
    if (!m)
      return mtl__err_prefix(MTL_ENOMEM, "cannot create the model");
  }
  int rc = MTL_OK;
  for (int i = 0; rc >= 0 && i < o->nmat; i++)
    rc = mtl_model_set_matrix(m, o->mat[i].name, o->mat[i].rows,
                              o->mat[i].cols, o->mat[i].A);
  rc = rc < 0 ? rc : mtl__info_num(o->info, "features_used",
                                   features_used(m));
  rc = rc < 0 ? rc : write_meta(m, p, o->info);
  if (rc < 0) {
    mtl_model_free(m);
    return mtl__err_prefix(rc, "cannot complete the model");
  }
  *out = m;
  return MTL_OK;
}

int mtl__fit_begin(mtl__fit_out *o, const mtl_method *m) {
  memset(o, 0, sizeof *o);
  o->info = mtl__info_new();
  if (!o->info)
    return MTL_ENOMEM;
  int rc = mtl__info_text(o->info, "method", "%s", m->name);
  return rc < 0 ? rc : mtl__info_text(o->info, "status", "not converged");
}

int mtl__fit_finish(mtl__fit_out *o, const mtl_params *p, int st,
                    double seconds, mtl_model **out) {
  int rc = MTL_OK;
  if (isnan(mtl_fit_info_number(o->info, "seconds")))
    rc = mtl__info_num(o->info, "seconds", seconds);
  if (st >= 0)
    rc = rc < 0 ? rc : mtl__fit_status(o->info, p, st);
  rc = rc < 0 ? rc : build_model(o, p, out);
  return rc;
}

/* The methods whose loss is mtl_problem's on the (scaled) dataset, which
 * weighs samples by their sample weights (and tasks by c_t; async and
 * smtl: one problem per task node), and the methods whose own loss code
 * ignores c_t.  A method in neither list has its own loss code that
 * honours c_t but not sample weights (srml, ssml). */
static const char *const sample_weight_methods =
    "|batch|async|smtl|dirty|rmtl|rmtfl|sparse_lowrank|cmtl|tgl|asym|"
    "asym-curriculum|asym-noloss|asym-symmetric|curriculum-simple|gomtl|";
static const char *const no_task_weight_methods = "|cadmm|dadmm|dpsgd|ogd|";

/* 1 if name is an item of the '|'-delimited list. */
static int listed(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *c = strstr(list, name); c; c = strstr(c + 1, name))
    if (c[-1] == '|' && c[n] == '|')
      return 1;
  return 0;
}

int mtl__fit_check_weights(const mtl_method *m, const mtl_dataset *ds) {
  if (!ds)
    return MTL_OK;
  if (!listed(sample_weight_methods, m->name) &&
      mtl_dataset_has_sample_weights(ds))
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s does not support sample weights (its loss is its "
                    "own code); fit a method that does (batch, async, smtl, "
                    "dirty, rmtl, rmtfl, sparse_lowrank, cmtl, tgl, asym, "
                    "gomtl) or drop the weight column",
                    m->name);
  int no_c = listed(no_task_weight_methods, m->name);
  for (int t = 0; no_c && t < mtl_dataset_ntasks(ds); t++)
    if (mtl_dataset_task_weight(ds, t) != 1.0)
      return mtl__err(MTL_EUNSUPPORTED,
                      "%s does not support task weights: task %d (%s) has "
                      "weight %g (mtl_dataset_set_weight); every task of "
                      "this method weighs 1",
                      m->name, t + 1, mtl_dataset_task_name(ds, t),
                      mtl_dataset_task_weight(ds, t));
  return MTL_OK;
}

int mtl__fit_run(const mtl__fit_ctx *c, mtl__fit_out *o, mtl_model **out) {
  int rc = mtl__fit_begin(o, c->p->m);
  if (rc < 0 || (rc = mtl__fit_check_weights(c->p->m, c->ds)) < 0)
    return rc;
  if (c->p->m->distributed &&
      (rc = mtl__info_text(o->info, "transport", "%s",
                           mtl_transport_name(c->tr))) < 0)
    return rc;
  double t0 = mtl__now();
  int st = c->p->m->fit(c, o);
  if (st < 0)
    return st;
  if (mtl_transport_rank(c->tr) > 0) { /* the model is built at rank 0 */
    *out = NULL;
    rc = mtl__fit_status(o->info, c->p, st);
    return rc < 0 ? rc : st;
  }
  rc = mtl__fit_finish(o, c->p, st, mtl__now() - t0, out);
  return rc < 0 ? rc : st;
}

const char *mtl__fit_rank_map(const mtl__fit_ctx *c, char *buf, size_t cap) {
  if (mtl__transport_local(c->tr) || mtl__p_index(c->p, "rank_map") < 0)
    return NULL;
  const char *m = mtl__p_text(c->p, "rank_map");
  const char *ck = mtl__p_text(c->p, "checkpoint");
  if (m && *m)
    return m;
  if (!ck || !*ck || (size_t)snprintf(buf, cap, "%s.ranks", ck) >= cap)
    return NULL;
  return buf;
}

/* The transport's rules: a process transport runs only the distributed
 * methods, each rank passing its own tasks (a server rank none). */
static int check_transport(const mtl_dataset *ds, const mtl_params *p,
                           const mtl_transport *tr) {
  if (mtl__transport_local(tr)) {
    if (!ds)
      return mtl__err(MTL_EINVAL, "mtl_fit: NULL dataset");
    if (mtl_dataset_ntasks(ds) < 1)
      return mtl__err(MTL_EINVAL, "%s: the dataset has no task", p->m->name);
    return MTL_OK;
  }
  if (!p->m->distributed)
    return mtl__err(MTL_EUNSUPPORTED,
                    "%s runs in one process: the %s transport serves the "
                    "distributed methods (async, smtl, cadmm, dadmm, dpsgd); "
                    "use threads (NULL)",
                    p->m->name, mtl_transport_name(tr));
  return MTL_OK;
}

/* mtl_fit and mtl_fit_take (take: ds, given to the fit). */
static int fit(const mtl_dataset *ds, mtl_dataset *take, const mtl_params *p,
               const mtl_transport *tr, mtl_model **model,
               mtl_fit_info **info) {
  if (model)
    *model = NULL;
  if (info)
    *info = NULL;
  if (!p || !model)
    return mtl__err(MTL_EINVAL, "mtl_fit: NULL parameters or model "
                                "pointer");
  int rc = check_transport(ds, p, tr);
  if (rc < 0)
    return rc;
  rc = mtl_params_check(p);
  if (rc < 0)
    return rc;
  mtl__fit_ctx c = {.ds = ds, .take = take, .p = p, .tr = tr};
  c.want_trace = mtl__p_index(p, "trace") >= 0 && mtl__p_num(p, "trace") != 0;
  mtl__fit_out o;
  int st = mtl__fit_run(&c, &o, model);
  if (st >= 0 && info) {
    *info = o.info;
    o.info = NULL;
  }
  mtl__fit_out_clear(&o);
  return st;
}

int mtl_fit(const mtl_dataset *ds, const mtl_params *p,
            const mtl_transport *tr, mtl_model **model,
            mtl_fit_info **info) {
  return fit(ds, NULL, p, tr, model, info);
}

int mtl_fit_take(mtl_dataset **ds, const mtl_params *p,
                 const mtl_transport *tr, mtl_model **model,
                 mtl_fit_info **info) {
  mtl_dataset *d = ds ? *ds : NULL;
  if (ds)
    *ds = NULL;
  int st = fit(d, d, p, tr, model, info);
  mtl_dataset_free(d);
  return st;
}
