/*
 * common.c -- error reporting, the data-reading option group and model
 * metadata shared by the commands.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_quiet = 0;

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("mtl: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("mtl: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n       (see 'mtl %s --help')\n", cmd);
  va_end(ap);
  return CLI_USAGE;
}

int cli_lib_error(int rc, const char *fmt, ...) {
  if (rc == MTL_ECANCELLED && cli_interrupted()) {
    cli_error("interrupted; nothing was written");
    return CLI_INTERRUPTED;
  }
  const char *msg = mtl_last_error();
  va_list ap;
  va_start(ap, fmt);
  fputs("mtl: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, ": %s\n", msg && *msg ? msg : mtl_strerror(rc));
  va_end(ap);
  return CLI_FAIL;
}

void cli_note(const char *fmt, ...) {
  if (cli_quiet)
    return;
  va_list ap;
  va_start(ap, fmt);
  fputs("mtl: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---- data reading ---------------------------------------------------------- */

#define FORMATS "auto|mat|npz|text|csv|arff"
#define LAYOUTS "auto|cell|task-start|task-id|onevsrest|stacked|multitarget"
#define DELIMS "auto|comma|semicolon|tab"
#define MISSINGS "error|drop|mean"
#define STORAGES "auto|sparse|dense"
#define KINDS "auto|regression|classification"

void cli_read_init(cli_read *r) {
  mtl_read_params p;
  mtl_read_params_init(&p);
  memset(r, 0, sizeof *r);
  r->format = "auto";
  r->layout = "auto";
  r->storage = "auto";
  r->kind = "auto";
  r->delimiter = "auto";
  r->missing = "error";
  r->x_var = p.x_var;
  r->y_var = p.y_var;
  r->task_var = p.task_var;
  r->orient = p.samples_in_columns;
  r->dim = p.dim;
}

void cli_read_opts(opts *o, cli_read *r) {
  opts_section(o, "Data reading");
  opts_choice(o, "format", 0, &r->format, FORMATS,
              "file format; auto = by extension (.mat .npz .csv .tsv "
              ".arff), else by content, else text");
  opts_choice(o, "layout", 0, &r->layout, LAYOUTS,
              "layout of the tasks in .mat/.npz files");
  opts_string(o, "x-var", 0, &r->x_var, "NAME", "name of the X variable")
      ->def = "try X, x, feature, xs, data";
  opts_string(o, "y-var", 0, &r->y_var, "NAME",
              "name of the y variable (an N x T matrix: T targets sharing X)")
      ->def = "try Y, y, label, ys";
  opts_string(o, "task-var", 0, &r->task_var, "NAME",
              "task start / task id variable")
      ->def = "try task_indexes, task_index, task";
  opts_flag(o, "samples-in-columns", 0, &r->orient, 1,
            "X is d x N (one sample per column, Argyriou's School)")
      ->def = "guess from y's length";
  opts_flag(o, "samples-in-rows", 0, &r->orient, 0,
            "X is N x d (one sample per row)")
      ->def = "guess from y's length";
  opts_string(o, "task-col", 0, &r->task_col, "COL",
              "CSV/ARFF: task id column, by name or 0-based index")
      ->def = "the column named task; none = one task";
  opts_string(o, "label-col", 0, &r->label_col, "COL",
              "CSV/ARFF: label column, by name or 0-based index")
      ->def = "CSV: the column named label or y; ARFF: the last";
  opts_string(o, "weight-col", 0, &r->weight_col, "COL",
              "per-sample weights (>= 0; integer w = the sample repeated w "
              "times): CSV/ARFF column by name or 0-based index, .npz/.mat "
              "variable (N entries)")
      ->def = "none; .npz/.mat: the variable sample_weight if present";
  opts_string(o, "targets", 0, &r->targets, "LIST|K",
              "several targets, T tasks sharing X: CSV/ARFF columns (names, "
              "indices, prefix*) or the last K; .mat/.npz: the last K "
              "columns of one matrix (--x-var or the only variable)")
      ->def = "one label column";
  opts_string(o, "features", 0, &r->features, "LIST",
              "CSV/ARFF: feature columns (names, indices, prefix*)")
      ->def = "every other column";
  opts_string(o, "drop", 0, &r->drop, "LIST",
              "CSV/ARFF: columns to ignore (names, indices, prefix*)")
      ->def = "none";
  opts_choice(o, "delimiter", 0, &r->delimiter, DELIMS,
              "CSV: column separator; auto = the most frequent of the three "
              "in the first line");
  opts_choice(o, "missing", 0, &r->missing, MISSINGS,
              "CSV/ARFF: missing values (?, empty, NA, NaN): refuse, drop "
              "the row, or use the column mean for features");
  opts_int(o, "dim", 0, &r->dim, "D", 0, 1e9,
           "text: feature dimension (0 = largest index seen; predict/eval "
           "use the model's)");
  opts_choice(o, "storage", 0, &r->storage, STORAGES,
              "text: keep X sparse (CSR) or dense; auto = CSR below 25% "
              "density");
  opts_choice(o, "task-kind", 0, &r->kind, KINDS,
              "target kind; auto = classification when the labels take two "
              "values (mapped to -1/+1 with a note)");
}

/* 1 if path would be read by the text reader. */
static int is_text(const char *path, mtl_format fmt) {
  if (fmt != MTL_FMT_AUTO)
    return fmt == MTL_FMT_TEXT;
  const char *dot = strrchr(path, '.');
  if (!dot)
    return 1;
  static const char *other[] = {".mat", ".npz", ".npy", ".csv", ".tsv",
                                ".arff"};
  for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
    const char *a = dot, *b = other[i];
    while (*a && *b && tolower((unsigned char)*a) == *b)
      a++, b++;
    if (!*a && !*b)
      return 0;
  }
  return 1;
}

void cli_read_params(const cli_read *r, mtl_read_params *p) {
  static const int storage_val[] = {-1, 1, 0};
  static const int kind_val[] = {-1, MTL_TASK_REGRESSION,
                                 MTL_TASK_CLASSIFICATION};
  mtl_read_params_init(p);
  p->format = (mtl_format)opts_choice_index(FORMATS, r->format);
  p->layout = (mtl_layout)opts_choice_index(LAYOUTS, r->layout);
  p->x_var = r->x_var;
  p->y_var = r->y_var;
  p->task_var = r->task_var;
  p->samples_in_columns = r->orient;
  p->task_column = r->task_col;
  p->label_column = r->label_col;
  p->weight_column = r->weight_col;
  p->targets = r->targets;
  p->features = r->features;
  p->drop = r->drop;
  p->delimiter = ",,;\t"[opts_choice_index(DELIMS, r->delimiter)];
  if (opts_choice_index(DELIMS, r->delimiter) == 0)
    p->delimiter = 0;
  p->missing = opts_choice_index(MISSINGS, r->missing);
  p->sparse = storage_val[opts_choice_index(STORAGES, r->storage)];
  p->kind = kind_val[opts_choice_index(KINDS, r->kind)];
  p->dim = r->dim;
}

int cli_load(const char *path, const cli_read *r, int want_dim,
             mtl_dataset **out) {
  mtl_read_params p;
  cli_read_params(r, &p);
  if (p.dim == 0 && want_dim > 0 && is_text(path, p.format))
    p.dim = want_dim;
  *out = NULL;
  int rc = mtl_dataset_read(path, &p, out);
  const char *msg = rc < 0 ? mtl_last_error() : NULL;
  size_t n = strlen(path);
  if (msg && strncmp(msg, path, n) == 0 && msg[n] == ':') /* names it */
    return cli_lib_error(rc, "cannot read data");
  if (rc < 0)
    return cli_lib_error(rc, "cannot read data '%s'", path);
  const char *notes = mtl_dataset_notes(*out);
  while (notes && *notes && !cli_quiet) {
    const char *nl = strchr(notes, '\n');
    int len = nl ? (int)(nl - notes) : (int)strlen(notes);
    size_t pl = strlen(path);
    if (strncmp(notes, path, pl) == 0 && notes[pl] == ':' && /* said once */
        (int)pl + 2 <= len) {
      notes += pl + 2;
      len -= (int)pl + 2;
    }
    fprintf(stderr, "mtl: note: %s: %.*s\n", path, len, notes);
    notes = nl ? nl + 1 : NULL;
  }
  return CLI_OK;
}

/* ---- model metadata ------------------------------------------------------- */

int cli_meta(mtl_model *m, const char *key, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  for (char *c = buf; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f)
      *c = '?';
  return mtl_model_set_meta(m, key, buf);
}
