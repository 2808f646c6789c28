/*
 * cli.h -- helpers shared by the `mtl` commands: error reporting, the data
 * reading and training option groups, preprocessing, progress and interrupt
 * handling, atomic output files, metrics printing and JSON.
 *
 * Only the public header mtl.h is used.  Every helper that can fail prints
 * its own `mtl: error: ...` line and returns an exit code (CLI_FAIL for data
 * and runtime errors, CLI_USAGE for bad options), so commands just propagate.
 */
#ifndef MTL_CLI_H
#define MTL_CLI_H

#include "mtl.h"
#include "opts.h"

#include <stdio.h>

enum {
  CLI_OK = 0,
  CLI_FAIL = 1,          /* runtime or data error */
  CLI_USAGE = 2,         /* bad command line */
  CLI_INTERRUPTED = 130  /* SIGINT during a solve */
};

extern int cli_quiet; /* -q: no diagnostics on stderr */

/* "mtl: error: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error for command cmd, with the --help hint; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Library failure rc: "mtl: error: <context>: <mtl_last_error()>"; returns
 * CLI_INTERRUPTED for MTL_ECANCELLED after Ctrl-C, CLI_FAIL otherwise. */
int cli_lib_error(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Diagnostics ("mtl: ..." on stderr) unless -q. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- data reading options (--format, --layout, ...) ---------------------- */

typedef struct cli_read {
  const char *format, *layout, *storage, *kind;
  const char *x_var, *y_var, *task_var;
  int orient; /* -1 guess, 1 samples in columns, 0 in rows */
  const char *task_col, *label_col; /* name or 0-based index */
  const char *weight_col;           /* sample weights: column / variable */
  const char *targets, *features, *drop, *delimiter, *missing;
  int dim;
} cli_read;

void cli_read_init(cli_read *r);
void cli_read_opts(opts *o, cli_read *r);
/* Reads path.  want_dim > 0 fixes the dimension of text files (so that a
 * test file whose last features are all zero still matches the model) unless
 * --dim was given.  Prints notes and errors.  Returns CLI_OK or CLI_FAIL. */
/* The reader's parameters of the --format/--layout/... options. */
void cli_read_params(const cli_read *r, mtl_read_params *p);
int cli_load(const char *path, const cli_read *r, int want_dim,
             mtl_dataset **out);

/* ---- model metadata ------------------------------------------------------ */

/* Sets metadata key to a printf-formatted value (control characters are
 * replaced).  Returns the library code. */
int cli_meta(mtl_model *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- progress and interrupt ---------------------------------------------- */

typedef struct cli_progress {
  int show;        /* stderr is a terminal and not -q */
  double last;     /* time of the last line */
  const char *label;
  int drawn;
} cli_progress;

/* Signal handling.  With stop_gracefully, the first SIGINT makes the running
 * solver stop at its next iteration (the command then saves what it has);
 * any other SIGINT, SIGTERM or SIGHUP removes the temporary files of the
 * outputs being written (mtl_output_remove_temps) and ends the process. */
void cli_signals_install(int stop_gracefully);
int cli_interrupted(void);
/* Progress of a fit: start pc, then pass cli_progress_cb with pc as its
 * context (mtl_params_set_progress). */
void cli_progress_start(cli_progress *pc, const char *label);
int cli_progress_cb(void *ctx, int iter, double obj, double rel_change,
                    double residual);
void cli_progress_done(cli_progress *pc);
double cli_now(void);

/* "s" unless n is 1: "%d task%s", n, CLI_S(n). */
#define CLI_S(n) ((n) == 1 ? "" : "s")

/* ---- atomic output files -------------------------------------------------- */

typedef struct cli_out {
  FILE *f;
  mtl_output *out;  /* the library's output writer (mtl_output_open) */
  const char *path; /* final name */
} cli_out;

/* Opens path for writing with mtl_output_open (mtl.h): NULL or "-" is
 * stdout, a device or FIFO is written directly, a regular file through a
 * temporary file renamed at commit (a symlink's target, the mode kept).
 * Returns CLI_OK or CLI_FAIL (after printing the error). */
int cli_out_open(cli_out *o, const char *path);
/* Flushes and puts the content in place; a write error (a full disk,
 * /dev/full, a closed stdout) is printed.  CLI_OK or CLI_FAIL. */
int cli_out_commit(cli_out *o);
/* Drops the content (removes the temporary file). */
void cli_out_abort(cli_out *o);
/* Before a long computation: checks that the output `path` of `option`
 * can be written (its directory exists and is writable; it is not a
 * directory), so that a typo fails at once and not after the work.
 * Devices, FIFOs, symlinks and "-" are left to the writer.  CLI_OK or
 * CLI_FAIL (after printing the error). */
int cli_out_check(const char *path, const char *option);

/* "a,b,c" -> malloc'd doubles (> 0).  Returns CLI_OK or CLI_USAGE. */
int cli_parse_list(const char *cmd, const char *opt_name, const char *s,
                   double **out, int *n);

/* ---- metrics --------------------------------------------------------------- */

enum { CLI_KIND_REG = 1, CLI_KIND_CLS = 2 };
/* Bit set of the task kinds present in ds. */
int cli_kinds(const mtl_dataset *ds);
/* The headline error: RMSE for regression, error rate for classification
 * (RMSE when both kinds are present). */
double cli_headline(const mtl_metrics *m, int kinds);
const char *cli_headline_name(int kinds);
/* Predicts ds with m and computes metrics (per_task may be NULL). */
int cli_evaluate(const mtl_model *m, const mtl_dataset *ds,
                 mtl_metrics *per_task, mtl_metrics *mean,
                 mtl_metrics *pooled);
/* "RMSE 1.23  MSE 1.5  MAE 0.9  EV 0.8" for the kinds present. */
void cli_metrics_text(FILE *f, const mtl_metrics *m, int kinds);
void cli_metrics_json(FILE *f, const mtl_metrics *m, int kinds);
/* Checks that ds has the model's task count and input dimension. */
int cli_check_match(const mtl_model *m, const mtl_dataset *ds,
                    const char *path);

/* ---- JSON -------------------------------------------------------------- */
void cli_json_str(FILE *f, const char *s);
void cli_json_num(FILE *f, double v); /* NaN/Inf -> null */

/* ---- commands ----------------------------------------------------------- */
int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_cv(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_signs(int argc, char **argv);
int cmd_online(int argc, char **argv);
int cmd_keygen(int argc, char **argv);

#endif /* MTL_CLI_H */
