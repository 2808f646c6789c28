/*
 * cmd_predict.c -- `mtl predict MODEL DATA`: predictions as CSV lines
 * task,index,prediction (index 1-based within the task).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Writes s as one CSV field, quoted when it holds a comma, quote or blank. */
static void csv_field(FILE *f, const char *s) {
  if (strcspn(s, ",\"\r\n \t") == strlen(s)) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

int cmd_predict(int argc, char **argv) {
  cli_read rd;
  cli_read_init(&rd);
  const char *output = "-";
  int labels = 0;
  opts o;
  opts_init(&o, "predict", "MODEL DATA [options]",
            "Applies a saved model (its preprocessing included) to every "
            "sample of DATA and\nwrites CSV lines task,index,prediction "
            "(task name, 1-based index within the\ntask).  Regression tasks "
            "get x'w, classification tasks the score x'w (its sign\nis the "
            "class) or, with --labels, the class -1/+1.  Tasks are matched "
            "to the\nmodel's by position.");
  cli_read_opts(&o, &rd);
  opts_section(&o, "Output");
  opts_string(&o, "output", 'o', &output, "FILE",
              "CSV file, written atomically ('-' = standard output)");
  opts_flag(&o, "labels", 0, &labels, 1,
            "classification tasks: print the class -1/+1, not the score");
  opts_flag(&o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos < 2)
    return cli_usage("predict", "missing the %s argument",
                     o.npos == 0 ? "MODEL" : "DATA");
  if (o.npos > 2)
    return cli_usage("predict", "unexpected argument '%s'", o.pos[2]);
  const char *mpath = o.pos[0], *dpath = o.pos[1];

  mtl_model *m = NULL;
  mtl_dataset *ds = NULL;
  double *pred = NULL;
  rc = CLI_FAIL;
  int lr = mtl_model_load(mpath, &m);
  if (lr < 0) {
    rc = cli_lib_error(lr, "cannot load model '%s'", mpath);
    goto done;
  }
  if ((rc = cli_load(dpath, &rd, mtl_model_input_dim(m), &ds)) != CLI_OK)
    goto done;
  if ((rc = cli_check_match(m, ds, dpath)) != CLI_OK)
    goto done;
  rc = CLI_FAIL;
  int64_t N = mtl_dataset_total_n(ds);
  pred = malloc((size_t)(N > 0 ? N : 1) * sizeof *pred);
  if (!pred) {
    cli_error("out of memory (%lld predictions)", (long long)N);
    goto done;
  }
  int pr = mtl_model_predict(m, ds, pred);
  if (pr < 0) {
    rc = cli_lib_error(pr, "prediction failed on '%s'", dpath);
    goto done;
  }
  /* Only now, with every prediction in hand, is the output touched. */
  cli_out out;
  if (cli_out_open(&out, output) != CLI_OK)
    goto done;
  fprintf(out.f, "task,index,prediction\n");
  int64_t off = 0;
  for (int t = 0; t < mtl_dataset_ntasks(ds); t++) {
    int n = mtl_dataset_task_n(ds, t);
    int cls = labels &&
              (mtl_model_task_loss(m, t) != MTL_LOSS_SQUARED ||
               mtl_dataset_task_kind(ds, t) == MTL_TASK_CLASSIFICATION);
    const char *name = mtl_dataset_task_name(ds, t);
    for (int i = 0; i < n; i++) {
      csv_field(out.f, name);
      double v = pred[off + i];
      if (cls)
        fprintf(out.f, ",%d,%d\n", i + 1, v >= 0 ? 1 : -1);
      else
        fprintf(out.f, ",%d,%.12g\n", i + 1, v);
    }
    off += n;
  }
  rc = cli_out_commit(&out);
  if (rc == CLI_OK && out.path && strcmp(output, "-") != 0)
    cli_note("wrote %lld predictions to %s", (long long)N, output);
done:
  free(pred);
  mtl_dataset_free(ds);
  mtl_model_free(m);
  return rc;
}
