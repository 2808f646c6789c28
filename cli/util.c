/*
 * util.c -- progress display and Ctrl-C, atomic output files, lists,
 * metrics printing and JSON for the commands.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- progress and interrupt ------------------------------------------------ */

static volatile sig_atomic_t interrupted = 0;
static volatile sig_atomic_t graceful = 0;

/* SIGINT in a command that can stop cleanly (graceful): the first one asks
 * the solver to stop (through the progress callback, which returns
 * non-zero).  Otherwise -- SIGTERM, SIGHUP, a second Ctrl-C, or a command
 * with nothing to stop -- the temporary files of the outputs being
 * written are removed and the signal is raised again with its default
 * action, so that the process ends as killed by it.  Async-signal-safe. */
static void on_signal(int sig) {
  if (sig == SIGINT && graceful && !interrupted) {
    interrupted = 1;
    return;
  }
  mtl_output_remove_temps();
  signal(sig, SIG_DFL);
  raise(sig); /* delivered when this handler returns */
}

void cli_signals_install(int stop_gracefully) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  graceful = stop_gracefully != 0;
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    struct sigaction sa, old;
    /* An ignored signal (a background job, nohup) stays ignored. */
    if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
      continue;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < sizeof sigs / sizeof *sigs; k++)
      sigaddset(&sa.sa_mask, sigs[k]);
    sigaction(sigs[i], &sa, NULL);
  }
}

int cli_interrupted(void) { return interrupted != 0; }

double cli_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Solver progress: redraws one status line on a terminal at most 10 times a
 * second; cancels the solve after Ctrl-C. */
int cli_progress_cb(void *ctx, int iter, double obj, double rel_change,
                    double residual) {
  cli_progress *pc = ctx;
  if (pc->show) {
    double now = cli_now();
    if (now - pc->last >= 0.1) {
      pc->last = now;
      pc->drawn = 1;
      /* The async server holds no data: its objective is NaN. */
      if (isnan(obj))
        fprintf(stderr, "\r\033[K%s update %d  change %.2e",
                pc->label ? pc->label : "", iter, rel_change);
      else
        fprintf(stderr, "\r\033[K%s iter %d  objective %.10g  change %.2e",
                pc->label ? pc->label : "", iter, obj, rel_change);
      fflush(stderr);
    }
  }
  (void)residual;
  return interrupted ? 1 : 0;
}

void cli_progress_start(cli_progress *pc, const char *label) {
  memset(pc, 0, sizeof *pc);
  pc->show = !cli_quiet && isatty(STDERR_FILENO);
  pc->last = cli_now();
  pc->label = label;
}

void cli_progress_done(cli_progress *pc) {
  if (pc->drawn) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
    pc->drawn = 0;
  }
}

/* ---- atomic output files ----------------------------------------------------- */

int cli_out_open(cli_out *o, const char *path) {
  memset(o, 0, sizeof *o);
  o->path = path ? path : "-";
  int r = mtl_output_open(o->path, "output", &o->out);
  if (r < 0) {
    cli_error("%s", mtl_last_error());
    return CLI_FAIL;
  }
  o->f = mtl_output_stream(o->out);
  return CLI_OK;
}

int cli_out_commit(cli_out *o) {
  int r = mtl_output_commit(o->out);
  o->out = NULL;
  o->f = NULL;
  if (r < 0) {
    cli_error("%s", mtl_last_error());
    return CLI_FAIL;
  }
  return CLI_OK;
}

void cli_out_abort(cli_out *o) {
  mtl_output_abort(o->out);
  o->out = NULL;
  o->f = NULL;
}

int cli_out_check(const char *path, const char *option) {
  struct stat st;
  if (!path || strcmp(path, "-") == 0 || lstat(path, &st) == 0) {
    if (path && strcmp(path, "-") != 0 && S_ISDIR(st.st_mode)) {
      cli_error("%s '%s' is a directory", option, path);
      return CLI_FAIL;
    }
    return CLI_OK; /* exists: the writer checks it (mode, link, device) */
  }
  char dir[4096];
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (n >= sizeof dir)
    return CLI_OK;
  memcpy(dir, slash ? path : ".", slash ? n : 1);
  dir[slash ? n : 1] = '\0';
  if (slash && n == 0)
    strcpy(dir, "/");
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    cli_error("%s '%s': no directory '%s'", option, path, dir);
    return CLI_FAIL;
  }
  if (access(dir, W_OK | X_OK) != 0) {
    cli_error("%s '%s': cannot write in '%s': %s", option, path, dir,
              strerror(errno));
    return CLI_FAIL;
  }
  return CLI_OK;
}

/* ---- lists ------------------------------------------------------------------- */

int cli_parse_list(const char *cmd, const char *opt_name, const char *s,
                   double **out, int *n) {
  int cnt = 1;
  for (const char *c = s; *c; c++)
    cnt += *c == ',';
  double *v = malloc((size_t)cnt * sizeof *v);
  if (!v) {
    cli_error("out of memory");
    return CLI_FAIL;
  }
  char item[64];
  const char *c = s;
  for (int i = 0; i < cnt; i++) {
    size_t len = strcspn(c, ",");
    if (len == 0 || len >= sizeof item) {
      free(v);
      return cli_usage(cmd, "--%s: item %d of '%s' is %s", opt_name, i + 1, s,
                       len ? "too long" : "empty");
    }
    memcpy(item, c, len);
    item[len] = '\0';
    if (opts_parse_double(item, &v[i]) != 0 || !(v[i] > 0)) {
      free(v);
      return cli_usage(cmd,
                       "--%s: item %d '%s' is not a positive number", opt_name,
                       i + 1, item);
    }
    c += len + (c[len] == ',');
  }
  *out = v;
  *n = cnt;
  return CLI_OK;
}

/* ---- metrics ----------------------------------------------------------------- */

int cli_kinds(const mtl_dataset *ds) {
  int k = 0, T = mtl_dataset_ntasks(ds);
  for (int t = 0; t < T; t++)
    k |= mtl_dataset_task_kind(ds, t) == MTL_TASK_CLASSIFICATION
             ? CLI_KIND_CLS
             : CLI_KIND_REG;
  return k;
}

double cli_headline(const mtl_metrics *m, int kinds) {
  return (kinds & CLI_KIND_REG) ? m->rmse : m->error;
}

const char *cli_headline_name(int kinds) {
  return (kinds & CLI_KIND_REG) ? "RMSE" : "error rate";
}

int cli_check_match(const mtl_model *m, const mtl_dataset *ds,
                    const char *path) {
  int T = mtl_dataset_ntasks(ds), mt = mtl_model_ntasks(m);
  int d = mtl_dataset_dim(ds), md = mtl_model_input_dim(m);
  if (T != mt) {
    cli_error("'%s' has %d tasks but the model has %d (tasks are matched by "
              "position)",
              path, T, mt);
    return CLI_FAIL;
  }
  if (d != md) {
    cli_error("'%s' has %d features but the model expects %d", path, d, md);
    return CLI_FAIL;
  }
  return CLI_OK;
}

int cli_evaluate(const mtl_model *m, const mtl_dataset *ds,
                 mtl_metrics *per_task, mtl_metrics *mean,
                 mtl_metrics *pooled) {
  int64_t N = mtl_dataset_total_n(ds);
  double *pred = malloc((size_t)(N > 0 ? N : 1) * sizeof *pred);
  if (!pred) {
    cli_error("out of memory");
    return CLI_FAIL;
  }
  int rc = mtl_model_predict(m, ds, pred);
  if (rc < 0) {
    free(pred);
    return cli_lib_error(rc, "prediction failed");
  }
  rc = mtl_metrics_dataset(ds, pred, per_task, mean, pooled);
  free(pred);
  if (rc < 0)
    return cli_lib_error(rc, "cannot compute metrics");
  return CLI_OK;
}

void cli_metrics_text(FILE *f, const mtl_metrics *m, int kinds) {
  const char *sep = "";
  if (kinds & CLI_KIND_REG) {
    fprintf(f, "RMSE %.6g  MSE %.6g  MAE %.6g  EV %.4f  R2 %.4f", m->rmse,
            m->mse, m->mae, m->explained_variance, m->r2);
    sep = "  ";
  }
  if (kinds & CLI_KIND_CLS)
    fprintf(f, "%saccuracy %.4f  AUC %.4f  F1 %.4f", sep, m->accuracy,
            m->auc, m->f1);
}

void cli_metrics_json(FILE *f, const mtl_metrics *m, int kinds) {
  fprintf(f, "{\"n\": %d", m->n);
  if (kinds & CLI_KIND_REG) {
    fputs(", \"rmse\": ", f);
    cli_json_num(f, m->rmse);
    fputs(", \"mse\": ", f);
    cli_json_num(f, m->mse);
    fputs(", \"mae\": ", f);
    cli_json_num(f, m->mae);
    fputs(", \"explained_variance\": ", f);
    cli_json_num(f, m->explained_variance);
    fputs(", \"r2\": ", f);
    cli_json_num(f, m->r2);
  }
  if (kinds & CLI_KIND_CLS) {
    fputs(", \"accuracy\": ", f);
    cli_json_num(f, m->accuracy);
    fputs(", \"error\": ", f);
    cli_json_num(f, m->error);
    fputs(", \"auc\": ", f);
    cli_json_num(f, m->auc);
    fputs(", \"f1\": ", f);
    cli_json_num(f, m->f1);
    fputs(", \"precision\": ", f);
    cli_json_num(f, m->precision);
    fputs(", \"recall\": ", f);
    cli_json_num(f, m->recall);
  }
  fputc('}', f);
}

/* ---- JSON -------------------------------------------------------------------- */

void cli_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
    switch (*c) {
    case '"':
      fputs("\\\"", f);
      break;
    case '\\':
      fputs("\\\\", f);
      break;
    case '\n':
      fputs("\\n", f);
      break;
    case '\r':
      fputs("\\r", f);
      break;
    case '\t':
      fputs("\\t", f);
      break;
    default:
      if (*c < 0x20 || *c == 0x7f)
        fprintf(f, "\\u%04x", *c);
      else
        fputc(*c, f);
    }
  }
  fputc('"', f);
}

void cli_json_num(FILE *f, double v) {
  if (isfinite(v))
    fprintf(f, "%.17g", v);
  else
    fputs("null", f);
}
