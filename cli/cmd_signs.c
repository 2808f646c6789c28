/*
 * cmd_signs.c -- `mtl signs MODEL`: the sign of every feature's weight in
 * every task (bias row excluded), on the model's sign graph (the pairs of
 * an srml/ssml model, else the chain t -- t+1), and the (feature, s, t)
 * triples whose signs are strictly opposite.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static char sign_char(int s) { return s > 0 ? '+' : (s < 0 ? '-' : '0'); }

typedef struct signs_args {
  double tol;
  int json;
  const char *mpath;
} signs_args;

/* Parses the options into a; *stop when cmd_signs returns the result. */
static int signs_options(signs_args *a, int argc, char **argv, int *stop) {
  opts o;
  *stop = 1;
  opts_init(&o, "signs", "MODEL [options]",
            "Prints the d x T sign pattern of a model's weights, one row "
            "per input feature\n(the bias row left out): +, -, or 0 when "
            "|W_jt| <= --tol.  Says which features\nkeep one sign across "
            "the sign graph (the pairs stored by srml/ssml, else the\n"
            "chain of tasks t, t+1) and lists the disagreeing pairs: feature "
            "j, tasks s and t\n(1-based) with W_js W_jt < 0.");
  opts_section(&o, "Options");
  opts_double(&o, "tol", 0, &a->tol, "X", 0, 1e300,
              "weights with |W_jt| <= X count as 0");
  opts_section(&o, "Output");
  opts_flag(&o, "json", 0, &a->json, 1, "print the results as JSON");
  opts_flag(&o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos == 0)
    return cli_usage("signs", "missing the MODEL argument");
  if (o.npos > 1)
    return cli_usage("signs", "unexpected argument '%s'", o.pos[1]);
  a->mpath = o.pos[0];
  *stop = 0;
  return CLI_OK;
}

static void print_json(const signs_args *a, const mtl_signs *s,
                       const char *method, const char *graph,
                       int consistent) {
  printf("{\"command\": \"signs\", \"model\": ");
  cli_json_str(stdout, a->mpath);
  printf(", \"method\": ");
  cli_json_str(stdout, method ? method : "batch");
  printf(", \"features\": %d, \"tasks\": %d, \"tol\": ", s->d, s->T);
  cli_json_num(stdout, a->tol);
  printf(", \"graph\": \"%s\", \"edges\": [", graph);
  for (int e = 0; e < s->npairs; e++)
    printf("%s[%d, %d]", e ? ", " : "", s->pairs[2 * e] + 1,
           s->pairs[2 * e + 1] + 1);
  printf("], \"signs\": [");
  for (int j = 0; j < s->d; j++) {
    printf("%s[", j ? ", " : "");
    for (int t = 0; t < s->T; t++)
      printf("%s%d", t ? ", " : "", s->sign[(size_t)t * (size_t)s->d + j]);
    printf("]");
  }
  printf("], \"consistent_features\": %d, \"disagreeing\": [", consistent);
  for (int k = 0; k < s->ndisagree; k++)
    printf("%s{\"feature\": %d, \"s\": %d, \"t\": %d}", k ? ", " : "",
           s->disagree[3 * k] + 1, s->disagree[3 * k + 1] + 1,
           s->disagree[3 * k + 2] + 1);
  printf("]}\n");
}

/* More tasks than this: a count per sign instead of a column per task. */
#define WIDE 40
/* Disagreeing pairs listed in the text report (--json lists them all). */
#define LIST_MAX 20

/* A column per task: the sign of every weight. */
static void print_pattern(const mtl_signs *s) {
  /* Column width: the longest task label "tT" plus a space. */
  char lab[32];
  int w = snprintf(lab, sizeof lab, "t%d", s->T) + 1;
  int fw = snprintf(lab, sizeof lab, "f%d", s->d);
  if (fw < 7)
    fw = 7;
  printf("%-*s", fw, "feature");
  for (int t = 0; t < s->T; t++) {
    snprintf(lab, sizeof lab, "t%d", t + 1);
    printf("%*s", w, lab);
  }
  printf("  signs\n");
  for (int j = 0; j < s->d; j++) {
    snprintf(lab, sizeof lab, "f%d", j + 1);
    printf("%-*s", fw, lab);
    for (int t = 0; t < s->T; t++)
      printf("%*c", w, sign_char(s->sign[(size_t)t * (size_t)s->d + j]));
    printf("  %s\n", s->feature_ok[j] ? "consistent" : "mixed");
  }
}

/* A row per feature: how many tasks have each sign (T > WIDE). */
static void print_counts(const mtl_signs *s) {
  printf("%d tasks: the count of each sign per feature (the pattern: "
         "--json)\n\n", s->T);
  printf("%-8s %7s %7s %7s  signs\n", "feature", "+", "-", "0");
  for (int j = 0; j < s->d; j++) {
    int n[3] = {0, 0, 0};
    for (int t = 0; t < s->T; t++) {
      int v = s->sign[(size_t)t * (size_t)s->d + j];
      n[v > 0 ? 0 : v < 0 ? 1 : 2]++;
    }
    char lab[32];
    snprintf(lab, sizeof lab, "f%d", j + 1);
    printf("%-8s %7d %7d %7d  %s\n", lab, n[0], n[1], n[2],
           s->feature_ok[j] ? "consistent" : "mixed");
  }
}

static void print_text(const signs_args *a, const mtl_signs *s,
                       const char *method, const char *graph,
                       int consistent) {
  printf("model:        %s (%s, %d features, %d tasks)\n", a->mpath,
         method ? method : "batch", s->d, s->T);
  printf("sign graph:   %s, %d edges\n",
         strcmp(graph, "chain") == 0 ? "chain t -- t+1"
                                     : "task pairs stored in the model",
         s->npairs);
  printf("pattern:      + positive, - negative, 0 if |w| <= %g\n\n", a->tol);
  if (s->T > WIDE)
    print_counts(s);
  else
    print_pattern(s);
  printf("\nconsistent:   %d of %d features\n", consistent, s->d);
  if (s->ndisagree == 0) {
    printf("disagreeing:  none\n");
  } else {
    printf("disagreeing:  %d pairs (feature, task s, task t)\n",
           s->ndisagree);
    for (int k = 0; k < s->ndisagree && k < LIST_MAX; k++)
      printf("  f%d t%d t%d\n", s->disagree[3 * k] + 1,
             s->disagree[3 * k + 1] + 1, s->disagree[3 * k + 2] + 1);
    if (s->ndisagree > LIST_MAX)
      printf("  ... and %d more (--json lists them all)\n",
             s->ndisagree - LIST_MAX);
  }
}

int cmd_signs(int argc, char **argv) {
  signs_args a = {0};
  int stop;
  int rc = signs_options(&a, argc, argv, &stop);
  if (stop)
    return rc;
  const char *mpath = a.mpath;
  mtl_model *m = NULL;
  mtl_signs s;
  memset(&s, 0, sizeof s);
  rc = CLI_FAIL;
  int lr = mtl_model_load(mpath, &m);
  if (lr < 0) {
    rc = cli_lib_error(lr, "cannot load model '%s'", mpath);
    goto done;
  }
  int sr = mtl_model_signs(m, a.tol, &s);
  if (sr < 0) {
    rc = cli_lib_error(sr, "cannot compute the signs of '%s'", mpath);
    goto done;
  }
  int consistent = 0;
  for (int j = 0; j < s.d; j++)
    consistent += s.feature_ok[j] != 0;
  const char *method = mtl_model_get_meta(m, "method");
  /* srml/ssml store their graph (meta sign_graph = chain|pairs); other
   * models are read on the chain. */
  const char *gmeta = mtl_model_get_meta(m, "sign_graph");
  const char *graph = gmeta && strcmp(gmeta, "pairs") == 0 ? "pairs" : "chain";
  if (a.json)
    print_json(&a, &s, method, graph, consistent);
  else
    print_text(&a, &s, method, graph, consistent);
  rc = CLI_OK;
done:
  mtl_signs_clear(&s);
  mtl_model_free(m);
  return rc;
}
