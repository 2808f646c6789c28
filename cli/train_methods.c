/*
 * train_methods.c -- `mtl train --method M` for the methods beyond the batch
 * core: asynchronous/synchronous distributed proximal gradient (async,
 * smtl), sign-regularized MTL (srml, ssml), asymmetric MTL and its variants
 * (asym*, curriculum-simple) and GO-MTL (gomtl).
 *
 * Every runner fits on the training part, builds a model that predicts on
 * RAW features (the CLI's scaler for async/asym/gomtl, srml's own
 * standardization and intercepts for srml/ssml), evaluates the test part
 * with that saved model, saves it, and prints a report whose method lines
 * the runner writes into a `report` (text and JSON memory streams).
 */
#include "train.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- the report shared by the runners -------------------------------------- */

static int report_open(report *r) {
  memset(r, 0, sizeof *r);
  r->text = open_memstream(&r->tbuf, &r->tlen);
  r->json = open_memstream(&r->jbuf, &r->jlen);
  if (!r->text || !r->json) {
    cli_error("out of memory");
    return CLI_FAIL;
  }
  return CLI_OK;
}

static void report_close(report *r) {
  if (r->text)
    fclose(r->text);
  if (r->json)
    fclose(r->json);
  free(r->tbuf);
  free(r->jbuf);
  memset(r, 0, sizeof *r);
}

/* One "key:         value" line of the text report. */
static void rline(report *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rline(report *r, const char *key, const char *fmt, ...) {
  char k[32];
  snprintf(k, sizeof k, "%s:", key);
  fprintf(r->text, "%-14s", k);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(r->text, fmt, ap);
  va_end(ap);
  fputc('\n', r->text);
}

static void jnum(report *r, const char *key, double v) {
  fprintf(r->json, ", \"%s\": ", key);
  cli_json_num(r->json, v);
}

static void jint(report *r, const char *key, long long v) {
  fprintf(r->json, ", \"%s\": %lld", key, v);
}

static void jstr(report *r, const char *key, const char *s) {
  fprintf(r->json, ", \"%s\": ", key);
  cli_json_str(r->json, s);
}

typedef struct evald {
  mtl_metrics mean, pooled;
  int kinds;
} evald;

/* Common metadata, test metrics from the model as saved, then the save. */
static int finish_model(train_args *a, const char *path, parts *p,
                        mtl_model *m, int status, int iterations,
                        double objective, evald *ev) {
  int rc = cli_meta(m, "data", "%s", path);
  rc = rc < 0 ? rc : cli_meta(m, "iterations", "%d", iterations);
  rc = rc < 0 ? rc : cli_meta(m, "objective", "%.17g", objective);
  rc = rc < 0 ? rc
              : cli_meta(m, "status", "%s",
                         status == MTL_CONVERGED ? "converged" : "max-iter");
  if (rc < 0)
    return cli_lib_error(rc, "cannot set model metadata");
  memset(ev, 0, sizeof *ev);
  if (p->test) {
    ev->kinds = cli_kinds(p->test);
    if (cli_evaluate(m, p->test, NULL, &ev->mean, &ev->pooled) != CLI_OK)
      return CLI_FAIL;
  }
  rc = mtl_model_save(m, a->model);
  if (rc < 0)
    return cli_lib_error(rc, "cannot save the model to '%s'", a->model);
  return CLI_OK;
}

/* Prints the whole report: data, the runner's lines, test metrics, model. */
static int print_report(const train_args *a, const char *path,
                        const parts *p, report *r, const evald *ev) {
  if (fflush(r->text) != 0 || fflush(r->json) != 0) {
    cli_error("out of memory");
    return CLI_FAIL;
  }
  if (a->json) {
    printf("{\"command\": \"train\", \"method\": ");
    cli_json_str(stdout, train_method_name(a->method));
    printf(", \"data\": ");
    cli_json_str(stdout, path);
    printf(", \"tasks\": %d, \"samples\": %lld, \"train_samples\": %lld, "
           "\"features\": %d",
           mtl_dataset_ntasks(p->all), (long long)mtl_dataset_total_n(p->all),
           (long long)mtl_dataset_total_n(p->train), mtl_dataset_dim(p->all));
    fputs(r->jbuf ? r->jbuf : "", stdout);
    printf(", \"model\": ");
    cli_json_str(stdout, a->model);
    if (p->test) {
      printf(", \"test\": {\"samples\": %lld, \"mean\": ",
             (long long)mtl_dataset_total_n(p->test));
      cli_metrics_json(stdout, &ev->mean, ev->kinds);
      printf(", \"pooled\": ");
      cli_metrics_json(stdout, &ev->pooled, ev->kinds);
      printf("}");
    }
    printf("}\n");
  } else {
    train_print_data(stdout, path, p);
    fputs(r->tbuf ? r->tbuf : "", stdout);
    if (p->test) {
      printf("test mean:    ");
      cli_metrics_text(stdout, &ev->mean, ev->kinds);
      printf("   (mean over tasks)\ntest pooled:  ");
      cli_metrics_text(stdout, &ev->pooled, ev->kinds);
      printf("\n");
    }
    printf("model saved:  %s\n", a->model);
  }
  return CLI_OK;
}

/* meta "loss": the resolved loss of every task, or "per task". */
static int meta_loss(mtl_model *m) {
  int T = mtl_model_ntasks(m);
  mtl_loss l0 = mtl_model_task_loss(m, 0);
  for (int t = 1; t < T; t++)
    if (mtl_model_task_loss(m, t) != l0)
      return cli_meta(m, "loss", "per task");
  return cli_meta(m, "loss", "%s", mtl_loss_name(l0));
}

/* The model's resolved loss (meta "loss") for the report. */
static const char *loss_text(const mtl_model *m) {
  const char *l = mtl_model_get_meta(m, "loss");
  return l ? l : "?";
}

static const char *status_word(int st) {
  return st == MTL_CONVERGED ? "converged" : "max-iter";
}

static const char *prep_text(const cli_fit *f) {
  if (f->no_standardize)
    return f->no_bias ? "raw features, no bias" : "raw features, bias";
  return f->no_bias ? "standardized, no bias" : "standardized, bias";
}

/* CSV of n rows iter,v1[,v2,v3] (iter 1-based). */
static int write_trace_iters(const char *path, const char *header, int n,
                             const double *v1, const double *v2,
                             const double *v3) {
  cli_out out;
  if (cli_out_open(&out, path) != CLI_OK)
    return CLI_FAIL;
  fprintf(out.f, "%s\n", header);
  for (int i = 0; i < n; i++) {
    fprintf(out.f, "%d,%.17g", i + 1, v1[i]);
    if (v2)
      fprintf(out.f, ",%.17g", v2[i]);
    if (v3)
      fprintf(out.f, ",%.17g", v3[i]);
    fputc('\n', out.f);
  }
  return cli_out_commit(&out);
}

/* ---- async / smtl -------------------------------------------------------------- */

static int write_async_trace(const char *path, const mtl_async_info *in) {
  cli_out out;
  if (cli_out_open(&out, path) != CLI_OK)
    return CLI_FAIL;
  fprintf(out.f, "time_s,updates,objective\n");
  for (int i = 0; i < in->nrecords; i++)
    fprintf(out.f, "%.9g,%.17g,%.17g\n", in->rec_time[i], in->rec_updates[i],
            in->rec_obj[i]);
  return cli_out_commit(&out);
}

static int write_nodes_csv(const char *path, const mtl_async_info *in) {
  cli_out out;
  if (cli_out_open(&out, path) != CLI_OK)
    return CLI_FAIL;
  fprintf(out.f, "node,updates,mean_delay_ms,injected_ms,multiplier\n");
  for (int k = 0; k < in->nodes; k++)
    fprintf(out.f, "%d,%lld,%.9g,%.9g,%.9g\n", k + 1,
            (long long)in->node_updates[k], in->node_delay_ms[k],
            in->node_inject_ms[k], in->node_mult[k]);
  return cli_out_commit(&out);
}

/* AMTL/SMTL (Baytas et al. 2016) on the standardized training part: the
 * problem of the shared options (loss, scaling, reg, lambda, ridge, bias
 * unpenalized), solved by the in-process star network; the certificate of
 * the returned W is computed on the same problem, as for batch. */
int train_async(train_args *a, const char *path, parts *p) {
  int rc = CLI_FAIL, smtl = a->method == M_SMTL;
  mtl_scaler sc;
  memset(&sc, 0, sizeof sc);
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  mtl_model *m = NULL;
  double *W = NULL, *nu = NULL;
  mtl_async_info info;
  memset(&info, 0, sizeof info);
  report r;
  if (report_open(&r) != CLI_OK)
    goto done;
  if ((rc = cli_preprocess(&a->fit, p->train, &sc, &scaled)) != CLI_OK)
    goto done;
  rc = CLI_FAIL;
  int pr = mtl_problem_create(scaled, &a->fit.pp, &pb);
  if (pr < 0) {
    rc = cli_lib_error(pr, "cannot set up the problem on '%s'", path);
    goto done;
  }
  int d = mtl_problem_dim(pb), T = mtl_problem_ntasks(pb);
  W = calloc((size_t)d * (size_t)T, sizeof *W);
  if (!W) {
    cli_error("out of memory (W is %d x %d)", d, T);
    goto done;
  }
  cli_progress pc;
  cli_progress_start(&pc, smtl ? "smtl" : "async");
  a->ap.progress = cli_progress_cb;
  a->ap.progress_ctx = &pc;
  int st = mtl_async_fit(scaled, &a->fit.pp, &a->ap, W, &info);
  cli_progress_done(&pc);
  if (st < 0) {
    rc = cli_lib_error(st, "%s failed on '%s'", a->method_name, path);
    goto done;
  }
  mtl_certificate cert;
  int cr = mtl_problem_certificate(pb, W, &cert);
  if (cr < 0) {
    rc = cli_lib_error(cr, "cannot compute the certificate");
    goto done;
  }

  char tool[64];
  snprintf(tool, sizeof tool, "mtl train --method %s", smtl ? "smtl" : "async");
  m = cli_model_build_plain(&a->fit, pb, W, &sc, tool);
  if (!m)
    goto done;
  nu = malloc((size_t)(info.nodes > 0 ? info.nodes : 1) * sizeof *nu);
  if (!nu) {
    cli_error("out of memory");
    goto done;
  }
  for (int k = 0; k < info.nodes; k++)
    nu[k] = (double)info.node_updates[k];
  int mr = cli_meta(m, "method", "%s", smtl ? "smtl" : "async");
  mr = mr < 0 ? mr : cli_meta(m, "eta", "%.17g", info.eta);
  mr = mr < 0 ? mr : cli_meta(m, "nodes", "%d", info.nodes);
  mr = mr < 0 ? mr : cli_meta(m, "updates", "%lld", (long long)info.updates);
  mr = mr < 0 ? mr : mtl_model_set_matrix(m, "node_updates", 1, info.nodes, nu);
  if (mr < 0) {
    rc = cli_lib_error(mr, "cannot set model metadata");
    goto done;
  }
  /* Iterations of the model = updates per task (the --max-iter unit). */
  int per_task = (int)(info.updates / (T > 0 ? T : 1));
  evald ev;
  if (finish_model(a, path, p, m, st, per_task, info.objective, &ev) != CLI_OK)
    goto done;
  if (a->trace && write_async_trace(a->trace, &info) != CLI_OK)
    goto done;
  if (a->nodes_csv && write_nodes_csv(a->nodes_csv, &info) != CLI_OK)
    goto done;

  int used = train_used_features(W, d, T, mtl_dataset_dim(p->all));
  rline(&r, "model", "%s loss (%s scaling), %s regularizer, lambda %g%s; %s",
        loss_text(m), a->fit.scaling, a->fit.reg, a->fit.pp.reg.lambda,
        a->fit.pp.reg.ridge > 0 ? " + ridge" : "", prep_text(&a->fit));
  rline(&r, smtl ? "smtl" : "async",
        "%s, %d nodes, %s after %lld updates (%.3f s)",
        smtl ? "synchronous (SMTL)" : "asynchronous (AMTL)", info.nodes,
        status_word(st), (long long)info.updates, info.seconds);
  rline(&r, "delays", "tau max %d, mean %.3g (server updates between a "
                      "node's read and its write)",
        info.tau_max, info.tau_mean);
  if (smtl)
    rline(&r, "step", "eta %.6g (L %.6g); KM step eta_k %.6g (synchronous "
                      "rounds: proximal gradient when 1)",
          info.eta, info.L, info.eta_k_last);
  else
    rline(&r, "step", "eta %.6g (L %.6g); final KM step eta_k %.6g, "
                      "Theorem 1 bound %.6g (tau max %d)",
          info.eta, info.L, info.eta_k_last, info.eta_k_bound, info.tau_max);
  if (!smtl && (a->ap.dynamic || info.over_bound > 0))
    rline(&r, "over bound", "%lld updates with c_tk eta_k above Theorem 1's "
                            "bound, %lld capped at --dyn-cap",
          (long long)info.over_bound, (long long)info.capped);
  if (a->fit.pp.reg.type == MTL_REG_TRACE)
    rline(&r, "online SVD", "%lld full refreshes, largest drift %.3g",
          (long long)info.osvd_refreshes, info.osvd_drift);
  rline(&r, "objective", "%.10g", info.objective);
  if (isfinite(cert.gap))
    rline(&r, "certificate",
          "duality gap %.3e (relative %.3e), residual %.3e", cert.gap,
          cert.primal != 0 ? cert.gap / fabs(cert.primal) : cert.gap,
          cert.residual);
  else
    rline(&r, "certificate", "residual %.3e (no closed-form dual for this "
                             "loss/regularizer)",
          cert.residual);
  rline(&r, "features", "%d of %d used", used, mtl_dataset_dim(p->all));
  jstr(&r, "loss", loss_text(m));
  jstr(&r, "scaling", a->fit.scaling);
  jstr(&r, "reg", a->fit.reg);
  jnum(&r, "lambda", a->fit.pp.reg.lambda);
  jstr(&r, "status", status_word(st));
  jint(&r, "nodes", info.nodes);
  jint(&r, "updates", (long long)info.updates);
  jnum(&r, "seconds", info.seconds);
  jint(&r, "tau_max", info.tau_max);
  jnum(&r, "tau_mean", info.tau_mean);
  jnum(&r, "eta", info.eta);
  jnum(&r, "L", info.L);
  jnum(&r, "eta_k_last", info.eta_k_last);
  jnum(&r, "eta_k_bound", info.eta_k_bound);
  jint(&r, "over_bound", (long long)info.over_bound);
  jint(&r, "capped", (long long)info.capped);
  jnum(&r, "objective", info.objective);
  jnum(&r, "gap", cert.gap);
  jnum(&r, "residual", cert.residual);
  jint(&r, "features_used", used);
  if (print_report(a, path, p, &r, &ev) != CLI_OK)
    goto done;
  if (st == MTL_MAXITER)
    cli_note("warning: stopped at --max-iter %d updates per task before "
             "--tol was met",
             a->ap.max_iter);
  rc = CLI_OK;
done:
  report_close(&r);
  mtl_async_info_clear(&info);
  mtl_model_free(m);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  mtl_scaler_clear(&sc);
  free(W);
  free(nu);
  return rc;
}

/* ---- async / smtl over MPI [mpi] ------------------------------------------------ */

/* mtl_read_params of the --format/--layout/... options (the order of the
 * choice lists of common.c is the order of the library's enums). */
static void mpi_read_params(const cli_read *r, mtl_read_params *p) {
  static const int storage_val[] = {-1, 1, 0};
  static const int kind_val[] = {-1, MTL_TASK_REGRESSION,
                                 MTL_TASK_CLASSIFICATION};
  mtl_read_params_init(p);
  p->format = (mtl_format)opts_choice_index("auto|mat|npz|text|csv",
                                            r->format);
  p->layout = (mtl_layout)opts_choice_index(
      "auto|cell|task-start|task-id|onevsrest|stacked", r->layout);
  p->x_var = r->x_var;
  p->y_var = r->y_var;
  p->task_var = r->task_var;
  p->samples_in_columns = r->orient;
  p->task_col = r->task_col;
  p->label_col = r->label_col;
  p->sparse = storage_val[opts_choice_index("auto|sparse|dense", r->storage)];
  p->kind = kind_val[opts_choice_index("auto|regression|classification",
                                       r->kind)];
  p->dim = r->dim;
}

/* The MPI run: rank r >= 1 reads part r - 1 of DATA (its tasks only), the
 * scaler is fitted from per-feature sums reduced over the ranks, the
 * solver runs as an MPI program, and rank 0 assembles and saves the model
 * (with the task losses gathered from the nodes) and prints the report.
 * There is no certificate: no rank holds all the data. */
int train_async_mpi(train_args *a, const char *path) {
  int rc = CLI_FAIL, smtl = a->method == M_SMTL;
  const char *mname = smtl ? "smtl" : "async";
  mtl_scaler sc;
  memset(&sc, 0, sizeof sc);
  mtl_dataset *local = NULL, *scaled = NULL;
  mtl_model *m = NULL;
  int *ids = NULL, *tl = NULL;
  double *W = NULL, *nu = NULL;
  mtl_async_info info;
  memset(&info, 0, sizeof info);
  int e = mtl_mpi_init(NULL, NULL);
  if (e < 0)
    return cli_lib_error(e, "--transport mpi: cannot start MPI");
  int rank = mtl_mpi_rank(), size = mtl_mpi_size();
  if (rank != 0)
    cli_quiet = 1; /* rank 0 reports; other ranks print only errors */
  if (size < 2) {
    cli_error("--transport mpi needs at least 2 ranks (mpirun -np N, N >= "
              "2): rank 0 is the server, ranks 1..N-1 the task nodes");
    goto done;
  }
  int P = size - 1, T = 0;
  mtl_read_params rp;
  mpi_read_params(&a->rd, &rp);
  if (rank > 0)
    e = mtl_dataset_read_part(path, &rp, P, rank - 1, &local, &ids, &T);
  else
    e = MTL_OK;
  /* agree: any rank failing to read stops all; T, d, samples */
  double agg[4] = {e < 0 ? 1 : 0, T, local ? mtl_dataset_dim(local) : 0,
                   local ? (double)mtl_dataset_total_n(local) : 0};
  double big[3] = {agg[0], agg[1], agg[2]};
  int e2 = mtl_mpi_allreduce(big, 3, 1);
  int e3 = mtl_mpi_allreduce(agg + 3, 1, 0);
  if (e < 0) {
    cli_lib_error(e, "rank %d: cannot read its part of '%s'", rank, path);
    goto done;
  }
  if (e2 < 0 || e3 < 0) {
    cli_lib_error(e2 < 0 ? e2 : e3, "rank %d: MPI reduction failed", rank);
    goto done;
  }
  if (big[0] > 0) {
    cli_error("rank %d: another rank could not read its part of '%s' (see "
              "its message)",
              rank, path);
    goto done;
  }
  T = (int)big[1];
  int d_in = (int)big[2];
  if (cli_fit_finish(&a->fit, "train", T) != CLI_OK)
    goto done;
  e = mtl_scaler_fit_mpi(local, d_in, a->fit.no_standardize ? 0 : 1,
                         a->fit.no_bias ? 0 : 1, &sc);
  if (e < 0) {
    cli_lib_error(e, "rank %d: cannot fit the feature scaler", rank);
    goto done;
  }
  if (local && (e = mtl_scaler_apply(&sc, local, &scaled)) < 0) {
    /* the library agrees on errors at its next collective call */
    cli_lib_error(e, "rank %d: cannot standardize its data", rank);
  }
  int d = d_in + (a->fit.no_bias ? 0 : 1);
  if (rank == 0) {
    W = calloc((size_t)d * (size_t)T, sizeof *W);
    tl = malloc((size_t)T * sizeof *tl);
    if (!W || !tl) {
      cli_error("out of memory (W is %d x %d)", d, T);
      goto done;
    }
  }
  mtl_mpi_params mp;
  mtl_mpi_params_init(&mp);
  mp.checkpoint = a->checkpoint;
  mp.checkpoint_every = a->checkpoint_every;
  mp.resume = a->resume;
  mp.rank_map = a->rank_map;
  cli_progress pc;
  if (rank == 0) {
    cli_progress_start(&pc, mname);
    a->ap.progress = cli_progress_cb;
    a->ap.progress_ctx = &pc;
  }
  int st = mtl_async_fit_mpi(local ? scaled : NULL, ids, T, &a->fit.pp,
                             &a->ap, &mp, W, rank == 0 ? &info : NULL);
  if (rank == 0)
    cli_progress_done(&pc);
  if (st < 0) {
    cli_lib_error(st, "rank %d: %s over MPI failed on '%s'", rank,
                  a->method_name, path);
    goto done;
  }
  e = mtl_mpi_task_losses(scaled, ids, T, &a->fit.pp, tl);
  if (e < 0) {
    cli_lib_error(e, "rank %d: cannot gather the task losses", rank);
    goto done;
  }
  if (rank != 0) {
    rc = CLI_OK;
    goto done;
  }
  /* rank 0: the model, as mtl train --method async saves it */
  mtl_problem_params pp = a->fit.pp;
  pp.task_loss = tl;
  m = mtl_model_create(d, T, W, &pp, &sc);
  nu = malloc((size_t)(info.nodes > 0 ? info.nodes : 1) * sizeof *nu);
  if (!m || !nu) {
    cli_error("out of memory building the model");
    goto done;
  }
  for (int k = 0; k < info.nodes; k++)
    nu[k] = (double)info.node_updates[k];
  int mr = cli_meta(m, "tool", "mtl train --method %s --transport mpi (mtl "
                               "%s)",
                    mname, mtl_version());
  mr = mr < 0 ? mr : meta_loss(m);
  mr = mr < 0 ? mr : cli_meta(m, "scaling", "%s", a->fit.scaling);
  mr = mr < 0 ? mr : cli_meta(m, "method", "%s", mname);
  mr = mr < 0 ? mr : cli_meta(m, "transport", "mpi");
  mr = mr < 0 ? mr : cli_meta(m, "reg", "%s", mtl_reg_name(pp.reg.type));
  mr = mr < 0 ? mr : cli_meta(m, "lambda", "%.17g", pp.reg.lambda);
  mr = mr < 0 ? mr : cli_meta(m, "eta", "%.17g", info.eta);
  mr = mr < 0 ? mr : cli_meta(m, "nodes", "%d", info.nodes);
  mr = mr < 0 ? mr : cli_meta(m, "updates", "%lld", (long long)info.updates);
  mr = mr < 0 ? mr : mtl_model_set_matrix(m, "node_updates", 1, info.nodes, nu);
  mr = mr < 0 ? mr : cli_meta(m, "data", "%s", path);
  mr = mr < 0 ? mr : cli_meta(m, "iterations", "%lld",
                              (long long)(info.updates / (T > 0 ? T : 1)));
  mr = mr < 0 ? mr : cli_meta(m, "objective", "%.17g", info.objective);
  mr = mr < 0 ? mr : cli_meta(m, "status", "%s", status_word(st));
  if (mr < 0) {
    cli_lib_error(mr, "cannot set model metadata");
    goto done;
  }
  e = mtl_model_save(m, a->model);
  if (e < 0) {
    cli_lib_error(e, "cannot save the model to '%s'", a->model);
    goto done;
  }
  int used = train_used_features(W, d, T, d_in);
  if (a->json) {
    printf("{\"command\": \"train\", \"method\": \"%s\", \"transport\": "
           "\"mpi\", \"data\": ",
           mname);
    cli_json_str(stdout, path);
    printf(", \"tasks\": %d, \"samples\": %lld, \"features\": %d, \"ranks\": "
           "%d, \"status\": \"%s\", \"updates\": %lld, \"seconds\": %.17g, "
           "\"tau_max\": %d, \"tau_mean\": %.17g, \"eta\": %.17g, "
           "\"objective\": %.17g, \"features_used\": %d, \"model\": ",
           T, (long long)agg[3], d_in, size, status_word(st),
           (long long)info.updates, info.seconds, info.tau_max,
           info.tau_mean, info.eta, info.objective, used);
    cli_json_str(stdout, a->model);
    printf("}\n");
  } else {
    printf("%-14s%s: %d tasks, %lld samples, %d features (MPI: %d task "
           "ranks, each reading only its own tasks)\n",
           "data:", path, T, (long long)agg[3], d_in, P);
    printf("%-14s%s, %s regularizer, lambda %g%s; %s\n", "model:",
           loss_text(m), a->fit.reg, pp.reg.lambda,
           pp.reg.ridge > 0 ? " + ridge" : "", prep_text(&a->fit));
    printf("%-14s%s over MPI, %d nodes, %s after %lld updates (%.3f s)%s\n",
           smtl ? "smtl:" : "async:",
           smtl ? "synchronous (SMTL)" : "asynchronous (AMTL)", info.nodes,
           status_word(st), (long long)info.updates, info.seconds,
           a->resume ? ", resumed" : "");
    printf("%-14stau max %d, mean %.3g\n", "delays:", info.tau_max,
           info.tau_mean);
    printf("%-14s%.10g (losses summed by the nodes; no certificate: no "
           "rank holds all the data)\n",
           "objective:", info.objective);
    printf("%-14s%d of %d used\n", "features:", used, d_in);
    if (a->checkpoint)
      printf("%-14s%s (every %d %s; rank map %s.ranks)\n", "checkpoint:",
             a->checkpoint, a->checkpoint_every,
             smtl ? "iterations" : "updates", a->checkpoint);
    printf("model saved:  %s\n", a->model);
  }
  if (st == MTL_MAXITER)
    cli_note("warning: stopped at --max-iter %d updates per task before "
             "--tol was met",
             a->ap.max_iter);
  rc = CLI_OK;
done:
  mtl_async_info_clear(&info);
  mtl_model_free(m);
  mtl_dataset_free(scaled);
  mtl_dataset_free(local);
  mtl_scaler_clear(&sc);
  mtl_free(ids);
  free(tl);
  free(W);
  free(nu);
  mtl_mpi_finalize();
  return rc;
}

/* ---- srml / ssml ---------------------------------------------------------------- */

static void srml_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  (void)level;
  cli_note("warning: %s", msg);
}

/* SRML/SSML (Bai et al. 2023) on the RAW training part: srml standardizes
 * (X and y per task, pooled scales) and maps the result back to raw
 * features plus per-task intercepts, which mtl_srml_to_model stores as
 * [W; b] with a bias-appending identity scaler. */
int train_srml(train_args *a, const char *path, parts *p) {
  int rc = CLI_FAIL, T = mtl_dataset_ntasks(p->train);
  int *pairs = NULL, npairs = 0;
  mtl_srml_result res;
  memset(&res, 0, sizeof res);
  mtl_model *m = NULL;
  mtl_signs sg;
  memset(&sg, 0, sizeof sg);
  report r;
  if (report_open(&r) != CLI_OK)
    goto done;
  mtl_srml_params sp = a->sp;
  sp.loss = a->fit.pp.loss;
  sp.scaling = a->fit.pp.scaling;
  if (strcmp(a->sign_graph, "chain") != 0) {
    int gr = mtl_srml_read_graph(a->sign_graph, T, &pairs, &npairs);
    if (gr < 0) {
      rc = cli_lib_error(gr, "cannot read the sign graph '%s'",
                         a->sign_graph);
      goto done;
    }
    sp.pairs = pairs;
    sp.npairs = npairs;
  }
  sp.log = srml_log;
  sp.log_ctx = NULL;
  sp.record_trace = a->trace ? 1 : 0;
  cli_progress pc;
  cli_progress_start(&pc, a->method_name);
  sp.progress = cli_progress_cb;
  sp.progress_ctx = &pc;
  int st = mtl_srml_fit(p->train, &sp, &res);
  cli_progress_done(&pc);
  if (st < 0) {
    rc = cli_lib_error(st, "%s failed on '%s'", a->method_name, path);
    goto done;
  }
  int mr = mtl_srml_to_model(&res, &sp, p->train, &m);
  if (mr < 0) {
    rc = cli_lib_error(mr, "cannot build the %s model", a->method_name);
    goto done;
  }
  char tool[64];
  snprintf(tool, sizeof tool, "mtl train --method %s", a->method_name);
  mr = cli_meta(m, "tool", "%s (mtl %s)", tool, mtl_version());
  mr = mr < 0 ? mr : meta_loss(m);
  mr = mr < 0 ? mr : cli_meta(m, "scaling", "%s", a->fit.scaling);
  mr = mr < 0 ? mr : cli_meta(m, "standardize", "%d", sp.standardize);
  if (mr < 0) {
    rc = cli_lib_error(mr, "cannot set model metadata");
    goto done;
  }
  evald ev;
  if (finish_model(a, path, p, m, st, res.iterations, res.objective, &ev) !=
      CLI_OK)
    goto done;
  if (a->trace &&
      write_trace_iters(a->trace, "iter,objective,primal,dual",
                        res.iterations, res.trace_obj, res.trace_primal,
                        res.trace_dual) != CLI_OK)
    goto done;
  int sr = mtl_model_signs(m, 0.0, &sg);
  if (sr < 0) {
    rc = cli_lib_error(sr, "cannot compute the sign pattern");
    goto done;
  }
  int consistent = 0;
  for (int j = 0; j < sg.d; j++)
    consistent += sg.feature_ok[j] != 0;
  int used = train_used_features(res.W, res.d, res.T, res.d);

  char omega[32];
  snprintf(omega, sizeof omega, "%s", sp.omega == MTL_REG_L1 ? "l1" : "ridge");
  if (sp.strict)
    rline(&r, "model", "ssml: %s loss (%s scaling), %s omega, lambda %g, "
                       "signs constrained on the %s graph (%d edges); %s",
          loss_text(m), a->fit.scaling, omega, sp.lambda,
          sp.pairs ? "given" : "chain", res.npairs,
          sp.standardize ? "standardized with per-task intercepts"
                         : "raw features, no intercept");
  else
    rline(&r, "model", "srml: %s loss (%s scaling), %s omega, lambda %g, "
                       "sign penalty c %g on the %s graph (%d edges); %s",
          loss_text(m), a->fit.scaling, omega, sp.lambda, sp.c,
          sp.pairs ? "given" : "chain", res.npairs,
          sp.standardize ? "standardized with per-task intercepts"
                         : "raw features, no intercept");
  rline(&r, "admm", "%s after %d iterations (%.3f s), rho %g%s", status_word(st),
        res.iterations, res.seconds, res.rho,
        res.rho != sp.rho ? " (raised by --adapt-rho)" : "");
  rline(&r, "residuals", "primal ||W - U|| %.3e, dual %.3e", res.primal_res,
        res.dual_res);
  rline(&r, "H", "%.6g: Theorem 5.2 asks rho > 2H = %.6g (%s)", res.H,
        2 * res.H,
        res.rho > 2 * res.H ? "met" : "warning: not met, rho kept as given");
  if (sp.strict)
    rline(&r, "projection", "%s", res.u_convex
                                      ? "exact (the sign graph is a forest)"
                                      : "feasible, not certified (cycles)");
  else
    rline(&r, "u-step", "%s", res.u_convex
                                  ? "convex (rho >= c * max degree): exact"
                                  : "non-convex (rho < c * max degree): "
                                    "coordinate-wise minima");
  rline(&r, "signs", "%d violations (feature, edge with opposite signs); "
                     "%d of %d features sign-consistent",
        res.sign_violations, consistent, sg.d);
  rline(&r, "objective", "%.10g", res.objective);
  rline(&r, "features", "%d of %d used", used, res.d);
  jstr(&r, "loss", loss_text(m));
  jstr(&r, "scaling", a->fit.scaling);
  jstr(&r, "omega", omega);
  jnum(&r, "lambda", sp.lambda);
  if (!sp.strict)
    jnum(&r, "c", sp.c);
  jint(&r, "edges", res.npairs);
  jstr(&r, "status", status_word(st));
  jint(&r, "iterations", res.iterations);
  jnum(&r, "seconds", res.seconds);
  jnum(&r, "primal_residual", res.primal_res);
  jnum(&r, "dual_residual", res.dual_res);
  jnum(&r, "rho", res.rho);
  jnum(&r, "H", res.H);
  jint(&r, "u_convex", res.u_convex);
  jint(&r, "sign_violations", res.sign_violations);
  jint(&r, "consistent_features", consistent);
  jnum(&r, "objective", res.objective);
  jint(&r, "features_used", used);
  if (print_report(a, path, p, &r, &ev) != CLI_OK)
    goto done;
  if (st == MTL_MAXITER)
    cli_note("warning: stopped at --max-iter %d before the ADMM residuals "
             "met --tol-abs/--tol-rel",
             sp.max_iter);
  rc = CLI_OK;
done:
  report_close(&r);
  mtl_signs_clear(&sg);
  mtl_model_free(m);
  mtl_srml_result_clear(&res);
  mtl_free(pairs);
  return rc;
}

/* ---- asymmetric MTL and variants ---------------------------------------------- */

/* The paper's scalings: (1/n)||y - Xw||^2 (double-mean) for squared loss,
 * the mean for the others; used unless --scaling was given. */
static void asym_scaling(train_args *a, const mtl_dataset *ds) {
  if (a->scaling_seen)
    return;
  int all_squared = 1;
  if (a->fit.pp.loss == MTL_LOSS_AUTO)
    all_squared = !(cli_kinds(ds) & CLI_KIND_CLS);
  else
    all_squared = a->fit.pp.loss == MTL_LOSS_SQUARED;
  a->fit.scaling = all_squared ? "double-mean" : "mean";
  a->fit.pp.scaling = all_squared ? MTL_SCALE_DOUBLE_MEAN : MTL_SCALE_MEAN;
}

/* The problem of asym/gomtl: the shared loss/scaling on the standardized
 * training part, no regularizer (the methods add their own). */
static int method_problem(train_args *a, const char *path, parts *p,
                          mtl_scaler *sc, mtl_dataset **scaled,
                          mtl_problem **pb) {
  int rc = cli_preprocess(&a->fit, p->train, sc, scaled);
  if (rc != CLI_OK)
    return rc;
  a->fit.pp.reg.type = MTL_REG_NONE;
  a->fit.pp.reg.lambda = 0;
  a->fit.pp.reg.ridge = 0;
  int pr = mtl_problem_create(*scaled, &a->fit.pp, pb);
  if (pr < 0)
    return cli_lib_error(pr, "cannot set up the problem on '%s'", path);
  return CLI_OK;
}

/* Asymmetric MTL (Lee et al. 2016), Algorithm 1 or 2 or a variant, on the
 * standardized training part (the bias row is neither reconstructed nor
 * shrunk: the problem has unpenalized_last). */
int train_asym(train_args *a, const char *path, parts *p) {
  int rc = CLI_FAIL;
  mtl_scaler sc;
  memset(&sc, 0, sizeof sc);
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  mtl_model *m = NULL;
  mtl_asym_result res;
  memset(&res, 0, sizeof res);
  char *order = NULL;
  report r;
  if (report_open(&r) != CLI_OK)
    goto done;
  asym_scaling(a, p->train);
  if ((rc = method_problem(a, path, p, &sc, &scaled, &pb)) != CLI_OK)
    goto done;
  rc = CLI_FAIL;
  int T = mtl_problem_ntasks(pb), d = mtl_problem_dim(pb);
  mtl_asym_params asp = a->asp;
  /* --method smtl is the async baseline; the symmetric asym variant is
   * asym-symmetric here. */
  int v = mtl_asym_variant_parse(a->method == M_ASYM_SYMMETRIC
                                     ? "symmetric"
                                     : train_method_name(a->method));
  if (v < 0) {
    cli_error("internal error: no asym variant for --method %s",
              a->method_name);
    goto done;
  }
  asp.variant = (mtl_asym_variant)v;
  cli_progress pc;
  cli_progress_start(&pc, a->method_name);
  asp.progress = cli_progress_cb;
  asp.progress_ctx = &pc;
  int st = mtl_asym_fit(pb, &asp, &res);
  cli_progress_done(&pc);
  if (st < 0) {
    rc = cli_lib_error(st, "%s failed on '%s'", a->method_name, path);
    goto done;
  }
  int mr = mtl_asym_to_model(&res, pb, &asp, &sc, &m);
  if (mr < 0) {
    rc = cli_lib_error(mr, "cannot build the %s model", a->method_name);
    goto done;
  }
  mr = cli_meta(m, "tool", "mtl train --method %s (mtl %s)", a->method_name,
                mtl_version());
  mr = mr < 0 ? mr : meta_loss(m);
  mr = mr < 0 ? mr : cli_meta(m, "scaling", "%s", a->fit.scaling);
  if (mr < 0) {
    rc = cli_lib_error(mr, "cannot set model metadata");
    goto done;
  }
  evald ev;
  if (finish_model(a, path, p, m, st, res.iterations, res.objective, &ev) !=
      CLI_OK)
    goto done;
  if (a->trace) {
    /* trace[0] is the start (B = 0); iteration k is trace[k]. */
    cli_out out;
    if (cli_out_open(&out, a->trace) != CLI_OK)
      goto done;
    fprintf(out.f, "iter,objective\n");
    for (int i = 0; i < res.ntrace; i++)
      fprintf(out.f, "%d,%.17g\n", i, res.trace[i]);
    if (cli_out_commit(&out) != CLI_OK)
      goto done;
  }

  int edges = 0;
  double bmax = 0;
  for (int t = 0; t < T; t++)
    for (int s = 0; s < T; s++) {
      double b = res.B[(size_t)s + (size_t)t * (size_t)T];
      if (s != t && b > 0) {
        edges++;
        bmax = b > bmax ? b : bmax;
      }
    }
  const mtl_dataset *ds = p->all;
  if (res.order) {
    size_t cap = (size_t)T * 48 + 1, len = 0;
    order = malloc(cap);
    if (!order) {
      cli_error("out of memory");
      goto done;
    }
    order[0] = '\0';
    for (int i = 0; i < T && len < cap; i++) {
      int n = snprintf(order + len, cap - len, "%s%s", i ? " " : "",
                       mtl_dataset_task_name(ds, res.order[i]));
      if (n < 0)
        break;
      len += (size_t)n;
    }
  }
  int used = train_used_features(res.W, d, T, mtl_dataset_dim(p->all));
  rline(&r, "model", "%s: %s loss (%s scaling), lambda %g, mu %g%s; %s",
        a->method_name, loss_text(m), a->fit.scaling, asp.lambda, asp.mu,
        asp.imbalance ? ", imbalance weights 1/sqrt(n_t)" : "",
        prep_text(&a->fit));
  if (res.order)
    rline(&r, "curriculum", "%d steps (%d single-task iterations) (%.3f s)",
          res.iterations, res.w_iterations, res.seconds);
  else
    rline(&r, "alternating", "%s after %d outer iterations (%d W-step "
                             "iterations) (%.3f s)",
          status_word(st), res.iterations, res.w_iterations, res.seconds);
  if (order)
    rline(&r, "order", "%s", order);
  rline(&r, "edges", "%d of %d possible (B_st > 0), largest %.4g", edges,
        T * (T - 1), bmax);
  rline(&r, "objective", "%.10g (start, B = 0: %.10g)", res.objective,
        res.ntrace > 0 ? res.trace[0] : NAN);
  rline(&r, "features", "%d of %d used", used, mtl_dataset_dim(p->all));
  jstr(&r, "loss", loss_text(m));
  jstr(&r, "scaling", a->fit.scaling);
  jnum(&r, "lambda", asp.lambda);
  jnum(&r, "mu", asp.mu);
  jint(&r, "imbalance", asp.imbalance);
  jstr(&r, "status", status_word(st));
  jint(&r, "iterations", res.iterations);
  jint(&r, "w_iterations", res.w_iterations);
  jnum(&r, "seconds", res.seconds);
  jint(&r, "edges", edges);
  if (res.order) {
    fprintf(r.json, ", \"order\": [");
    for (int i = 0; i < T; i++)
      fprintf(r.json, "%s%d", i ? ", " : "", res.order[i] + 1);
    fprintf(r.json, "]");
  }
  jnum(&r, "objective", res.objective);
  jint(&r, "features_used", used);
  if (print_report(a, path, p, &r, &ev) != CLI_OK)
    goto done;
  if (st == MTL_MAXITER)
    cli_note("warning: stopped at --max-outer %d before --tol was met",
             asp.max_outer);
  rc = CLI_OK;
done:
  report_close(&r);
  free(order);
  mtl_asym_result_clear(&res);
  mtl_model_free(m);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  mtl_scaler_clear(&sc);
  return rc;
}

/* ---- GO-MTL ------------------------------------------------------------------- */

/* GO-MTL (Kumar & Daume 2012): W = L S on the standardized training part;
 * L and S are stored in the model next to W. */
int train_gomtl(train_args *a, const char *path, parts *p) {
  int rc = CLI_FAIL;
  mtl_scaler sc;
  memset(&sc, 0, sizeof sc);
  mtl_dataset *scaled = NULL;
  mtl_problem *pb = NULL;
  mtl_model *m = NULL;
  double *W = NULL, *L = NULL, *S = NULL, *trace = NULL;
  report r;
  if (report_open(&r) != CLI_OK)
    goto done;
  if ((rc = method_problem(a, path, p, &sc, &scaled, &pb)) != CLI_OK)
    goto done;
  rc = CLI_FAIL;
  int T = mtl_problem_ntasks(pb), d = mtl_problem_dim(pb);
  mtl_gomtl_params gp = a->gp;
  int kmax = d < T ? d : T;
  if (gp.k > kmax) {
    rc = cli_usage("train", "--k %d exceeds min(features%s, tasks) = %d",
                   gp.k, a->fit.no_bias ? "" : " + bias", kmax);
    goto done;
  }
  W = calloc((size_t)d * (size_t)T, sizeof *W);
  L = calloc((size_t)d * (size_t)gp.k, sizeof *L);
  S = calloc((size_t)gp.k * (size_t)T, sizeof *S);
  trace = calloc((size_t)gp.max_outer + 1, sizeof *trace);
  if (!W || !L || !S || !trace) {
    cli_error("out of memory");
    goto done;
  }
  cli_progress pc;
  cli_progress_start(&pc, "gomtl");
  gp.progress = cli_progress_cb;
  gp.progress_ctx = &pc;
  int ntrace = 0;
  double t0 = cli_now();
  int st = mtl_gomtl_fit(pb, &gp, W, L, S, trace, &ntrace);
  double secs = cli_now() - t0;
  cli_progress_done(&pc);
  if (st < 0) {
    rc = cli_lib_error(st, "gomtl failed on '%s'", path);
    goto done;
  }
  double obj = ntrace > 0 ? trace[ntrace - 1] : NAN;
  m = cli_model_build_plain(&a->fit, pb, W, &sc, "mtl train --method gomtl");
  if (!m)
    goto done;
  int mr = cli_meta(m, "method", "gomtl");
  mr = mr < 0 ? mr : cli_meta(m, "k", "%d", gp.k);
  mr = mr < 0 ? mr : cli_meta(m, "lambda", "%.17g", gp.lambda);
  mr = mr < 0 ? mr : cli_meta(m, "mu", "%.17g", gp.mu);
  mr = mr < 0 ? mr : mtl_model_set_matrix(m, "L", d, gp.k, L);
  mr = mr < 0 ? mr : mtl_model_set_matrix(m, "S", gp.k, T, S);
  if (mr < 0) {
    rc = cli_lib_error(mr, "cannot set model metadata");
    goto done;
  }
  evald ev;
  if (finish_model(a, path, p, m, st, ntrace > 0 ? ntrace - 1 : 0, obj,
                   &ev) != CLI_OK)
    goto done;
  if (a->trace) {
    cli_out out;
    if (cli_out_open(&out, a->trace) != CLI_OK)
      goto done;
    fprintf(out.f, "iter,objective\n");
    for (int i = 0; i < ntrace; i++)
      fprintf(out.f, "%d,%.17g\n", i, trace[i]);
    if (cli_out_commit(&out) != CLI_OK)
      goto done;
  }
  int nzS = 0;
  for (size_t i = 0; i < (size_t)gp.k * (size_t)T; i++)
    nzS += S[i] != 0;
  int used = train_used_features(W, d, T, mtl_dataset_dim(p->all));
  rline(&r, "model", "gomtl: %s loss (%s scaling), W = L S with k %d, "
                     "lambda %g (||L||_F^2), mu %g (||S||_1); %s",
        loss_text(m), a->fit.scaling, gp.k, gp.lambda, gp.mu,
        prep_text(&a->fit));
  rline(&r, "gomtl", "%s after %d outer iterations (%.3f s)",
        status_word(st), ntrace > 0 ? ntrace - 1 : 0, secs);
  rline(&r, "codes", "%d of %d entries of S non-zero", nzS, gp.k * T);
  rline(&r, "objective", "%.10g", obj);
  rline(&r, "features", "%d of %d used", used, mtl_dataset_dim(p->all));
  jstr(&r, "loss", loss_text(m));
  jstr(&r, "scaling", a->fit.scaling);
  jint(&r, "k", gp.k);
  jnum(&r, "lambda", gp.lambda);
  jnum(&r, "mu", gp.mu);
  jstr(&r, "status", status_word(st));
  jint(&r, "iterations", ntrace > 0 ? ntrace - 1 : 0);
  jnum(&r, "seconds", secs);
  jint(&r, "s_nonzeros", nzS);
  jnum(&r, "objective", obj);
  jint(&r, "features_used", used);
  if (print_report(a, path, p, &r, &ev) != CLI_OK)
    goto done;
  if (st == MTL_MAXITER)
    cli_note("warning: stopped at --max-outer %d before --tol was met",
             gp.max_outer);
  rc = CLI_OK;
done:
  report_close(&r);
  mtl_model_free(m);
  mtl_problem_free(pb);
  mtl_dataset_free(scaled);
  mtl_scaler_clear(&sc);
  free(W);
  free(L);
  free(S);
  free(trace);
  return rc;
}
