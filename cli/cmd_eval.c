/*
 * cmd_eval.c -- `mtl eval MODEL DATA`: per-task, mean and pooled metrics as
 * an aligned table or JSON.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct column {
  const char *title;
  size_t offset; /* into mtl_metrics */
  int kind;      /* CLI_KIND_REG or CLI_KIND_CLS */
} column;

static const column columns[] = {
    {"RMSE", offsetof(mtl_metrics, rmse), CLI_KIND_REG},
    {"MSE", offsetof(mtl_metrics, mse), CLI_KIND_REG},
    {"MAE", offsetof(mtl_metrics, mae), CLI_KIND_REG},
    {"ExplVar", offsetof(mtl_metrics, explained_variance), CLI_KIND_REG},
    {"R2", offsetof(mtl_metrics, r2), CLI_KIND_REG},
    {"Accuracy", offsetof(mtl_metrics, accuracy), CLI_KIND_CLS},
    {"AUC", offsetof(mtl_metrics, auc), CLI_KIND_CLS},
    {"F1", offsetof(mtl_metrics, f1), CLI_KIND_CLS},
};
#define NCOL (int)(sizeof columns / sizeof *columns)

static double field(const mtl_metrics *m, const column *c) {
  return *(const double *)((const char *)m + c->offset);
}

static void row(FILE *f, int w, const char *name, const mtl_metrics *m,
                int kinds) {
  fprintf(f, "%-*s %7d", w, name, m->n);
  for (int c = 0; c < NCOL; c++) {
    if (!(columns[c].kind & kinds))
      continue;
    double v = field(m, &columns[c]);
    if (isnan(v))
      fprintf(f, " %10s", "-");
    else
      fprintf(f, " %10.5g", v);
  }
  fputc('\n', f);
}

typedef struct eval_args {
  cli_read rd;
  int json, summary;
  const char *mpath, *dpath;
} eval_args;

/* Parses the options into a; *stop when cmd_eval returns the result. */
static int eval_options(eval_args *a, int argc, char **argv, int *stop) {
  opts o;
  *stop = 1;
  opts_init(&o, "eval", "MODEL DATA [options]",
            "Evaluates a saved model on DATA (tasks matched by position): "
            "per task, the\nunweighted mean over tasks, and pooled over all "
            "samples.  Regression: RMSE,\nMSE, MAE, explained variance; "
            "classification (labels -1/+1 or 0/1, score\nthreshold 0): "
            "accuracy, AUC, F1.  Samples with a weight (--weight-col,\n"
            "ARFF's {w}, w= in the text format) count by their weight.");
  cli_read_opts(&o, &a->rd);
  opts_section(&o, "Output");
  opts_flag(&o, "json", 0, &a->json, 1, "print the results as JSON");
  opts_flag(&o, "summary", 0, &a->summary, 1,
            "only the mean and pooled rows, no per-task rows");
  opts_flag(&o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos < 2)
    return cli_usage("eval", "missing the %s argument",
                     o.npos == 0 ? "MODEL" : "DATA");
  if (o.npos > 2)
    return cli_usage("eval", "unexpected argument '%s'", o.pos[2]);
  a->mpath = o.pos[0];
  a->dpath = o.pos[1];
  *stop = 0;
  return CLI_OK;
}

static void print_json(const eval_args *a, const mtl_dataset *ds,
                       const mtl_metrics *per, const mtl_metrics *mean,
                       const mtl_metrics *pooled, int kinds) {
  int T = mtl_dataset_ntasks(ds);
  printf("{\"command\": \"eval\", \"model\": ");
  cli_json_str(stdout, a->mpath);
  printf(", \"data\": ");
  cli_json_str(stdout, a->dpath);
  printf(", \"tasks\": [");
  for (int t = 0; t < T; t++) {
    int k = mtl_dataset_task_kind(ds, t) == MTL_TASK_CLASSIFICATION
                ? CLI_KIND_CLS
                : CLI_KIND_REG;
    printf("%s{\"task\": ", t ? ", " : "");
    cli_json_str(stdout, mtl_dataset_task_name(ds, t));
    printf(", \"metrics\": ");
    cli_metrics_json(stdout, &per[t], k);
    printf("}");
  }
  printf("], \"mean\": ");
  cli_metrics_json(stdout, mean, kinds);
  printf(", \"pooled\": ");
  cli_metrics_json(stdout, pooled, kinds);
  printf("}\n");
}

static void print_table(const eval_args *a, const mtl_dataset *ds,
                        const mtl_metrics *per, const mtl_metrics *mean,
                        const mtl_metrics *pooled, int kinds) {
  int T = mtl_dataset_ntasks(ds), summary = a->summary;
  int w = 6;
  for (int t = 0; t < T && !summary; t++) {
    int len = (int)strlen(mtl_dataset_task_name(ds, t));
    if (len > w)
      w = len;
  }
  if (w > 40)
    w = 40;
  printf("%-*s %7s", w, "task", "n");
  for (int c = 0; c < NCOL; c++)
    if (columns[c].kind & kinds)
      printf(" %10s", columns[c].title);
  printf("\n");
  for (int t = 0; t < T && !summary; t++)
    row(stdout, w, mtl_dataset_task_name(ds, t), &per[t], kinds);
  if (!summary) {
    for (int i = 0; i < w + 8 + 11 * NCOL; i++)
      if (i < w + 8 || columns[(i - w - 8) / 11].kind & kinds)
        putchar('-');
    putchar('\n');
  }
  row(stdout, w, "mean", mean, kinds);
  row(stdout, w, "pooled", pooled, kinds);
}

int cmd_eval(int argc, char **argv) {
  eval_args a = {.json = 0, .summary = 0};
  cli_read_init(&a.rd);
  int stop;
  int rc = eval_options(&a, argc, argv, &stop);
  if (stop)
    return rc;
  const char *mpath = a.mpath, *dpath = a.dpath;

  mtl_model *m = NULL;
  mtl_dataset *ds = NULL;
  mtl_metrics *per = NULL, mean, pooled;
  int lr = mtl_model_load(mpath, &m);
  if (lr < 0) {
    rc = cli_lib_error(lr, "cannot load model '%s'", mpath);
    goto done;
  }
  if ((rc = cli_load(dpath, &a.rd, mtl_model_input_dim(m), &ds)) != CLI_OK)
    goto done;
  if ((rc = cli_check_match(m, ds, dpath)) != CLI_OK)
    goto done;
  int T = mtl_dataset_ntasks(ds);
  per = calloc((size_t)T, sizeof *per);
  if (!per) {
    cli_error("out of memory");
    rc = CLI_FAIL;
    goto done;
  }
  if ((rc = cli_evaluate(m, ds, per, &mean, &pooled)) != CLI_OK)
    goto done;
  int kinds = cli_kinds(ds);
  if (a.json)
    print_json(&a, ds, per, &mean, &pooled, kinds);
  else
    print_table(&a, ds, per, &mean, &pooled, kinds);
  rc = CLI_OK;
done:
  free(per);
  mtl_dataset_free(ds);
  mtl_model_free(m);
  return rc;
}
