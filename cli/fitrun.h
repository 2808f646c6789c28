/*
 * fitrun.h -- what `mtl train` and `mtl cv` share: the method and its
 * parameters from the command line (--method, the generated parameter
 * options, --set), the grid of a search (--grid, --lambdas,
 * --lambda-path), and the printing of fit results and search tables.
 * Every method goes through the same code: mtl_fit and mtl_search_run.
 */
#ifndef MTL_CLI_FITRUN_H
#define MTL_CLI_FITRUN_H

#include "method_opts.h"

typedef struct fitrun {
  const char *method_name, *set, *grid, *lambdas;
  int path_n, no_extend;
  double ratio;
  uint64_t seed;
  mopts mo;
  /* after fitrun_params */
  const mtl_method *method;
  mtl_params *p;
  char *grid_text; /* the search grid, or NULL */
  int extended;    /* points fitrun_extend added */
  cli_progress pc;
} fitrun;

/* Defaults; then the options: the "Method" section (--method, --set) is
 * added by fitrun_method_opts, the grid options by fitrun_grid_opts, the
 * generated parameter sections by fitrun_param_opts (last in --help). */
void fitrun_init(fitrun *f);
void fitrun_method_opts(opts *o, fitrun *f);
void fitrun_grid_opts(opts *o, fitrun *f, int path_name);
void fitrun_param_opts(opts *o, fitrun *f);
/* The method's parameters from the options given (and the seed for the
 * methods with a "seed" parameter), the progress callback attached.
 * CLI_OK or CLI_USAGE. */
int fitrun_params(fitrun *f, const opts *o, const char *cmd);
/* After a validated search: extends a one-parameter grid whose best point
 * lies on its edge (mtl_search_extend, unless --no-extend), says so, and
 * warns for every parameter whose best value is still on the edge.
 * CLI_OK or CLI_FAIL. */
int fitrun_extend(fitrun *f, mtl_search *s, const mtl_dataset *ds);
/* The grid text from --grid / --lambdas / --lambda-path (NULL when none
 * was given); path_default > 0: the default path length when none is
 * given (cv).  CLI_OK or CLI_USAGE. */
int fitrun_grid(fitrun *f, const opts *o, const char *cmd, int path_default);
void fitrun_clear(fitrun *f);

/* The fit results as "key: value" lines / JSON members (`, "k": v`). */
void fitrun_print_info(FILE *out, const mtl_fit_info *in);
/* What the certificate says of the status: "relative gap 2.1e-05" (or
 * "objective change ...", "primal residual ..."); "" without one. */
void fitrun_status_detail(const mtl_fit_info *in, char *buf, size_t cap);
void fitrun_json_info(FILE *out, const mtl_fit_info *in);
/* The parameters set explicitly, "name=value ..." (text) or a JSON
 * object of all of them. */
void fitrun_print_params(FILE *out, const mtl_params *p);
void fitrun_json_params(FILE *out, const mtl_params *p);
/* Writes the trace table as CSV (atomic).  CLI_OK or CLI_FAIL. */
int fitrun_write_trace(const char *path, const mtl_fit_info *in);
/* The search table: the varied values, then the columns of `err` (one
 * per row, may be NULL) and their header; the best row marked '*'. */
void fitrun_print_table(FILE *out, const mtl_search *s, int best,
                        const char *err_name, const double *err, int cv);
void fitrun_json_table(FILE *out, const mtl_search *s, const double *err,
                       int cv);

#endif /* MTL_CLI_FITRUN_H */
