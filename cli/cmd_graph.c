/*
 * cmd_graph.c -- `mtl graph MODEL`: the transfer graph B of an asymmetric
 * model (mtl train --method asym*) as Graphviz DOT, rendered to PNG when
 * Graphviz `dot` is installed, and B as CSV.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* MODEL with its extension replaced by ext (malloc'd). */
static char *with_ext(const char *path, const char *ext) {
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(path, '.');
  size_t n = dot && (!slash || dot > slash) && dot != path &&
                     (!slash || dot != slash + 1)
                 ? (size_t)(dot - path)
                 : strlen(path);
  char *s = malloc(n + strlen(ext) + 1);
  if (!s)
    return NULL;
  memcpy(s, path, n);
  strcpy(s + n, ext);
  return s;
}

/* 1 if an executable `name` is in a directory of $PATH. */
static int on_path(const char *name) {
  const char *path = getenv("PATH");
  if (!path || !*path)
    return 0;
  char buf[4096];
  while (*path) {
    size_t n = strcspn(path, ":");
    const char *dir = n ? path : ".";
    int len = snprintf(buf, sizeof buf, "%.*s/%s", (int)(n ? n : 1), dir,
                       name);
    if (len > 0 && (size_t)len < sizeof buf && access(buf, X_OK) == 0)
      return 1;
    path += n;
    if (*path == ':')
      path++;
  }
  return 0;
}

/* Runs `dot -Tpng -o TMP DOTFILE` (argv, no shell), TMP the temporary file
 * of png opened with mtl_output_open, which puts it in place, so that a
 * failed render leaves no partial image. */
static int render_png(const char *dotfile, const char *png) {
  mtl_output *out;
  if (mtl_output_open(png, "PNG image", &out) < 0) {
    cli_error("%s", mtl_last_error());
    return CLI_FAIL;
  }
  const char *tmp = mtl_output_path(out);
  int rc = CLI_FAIL;
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    cli_error("cannot start Graphviz dot: %s", strerror(errno));
    goto done;
  }
  if (pid == 0) {
    char *const argv[] = {"dot", "-Tpng", "-o", (char *)tmp, (char *)dotfile,
                          NULL};
    execvp("dot", argv);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      cli_error("waiting for Graphviz dot: %s", strerror(errno));
      goto done;
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    cli_error("Graphviz 'dot -Tpng %s' failed (%s %d); the DOT file is kept",
              dotfile, WIFEXITED(status) ? "exit status" : "signal",
              WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    goto done;
  }
  rc = CLI_OK;
done:
  if (rc == CLI_OK && mtl_output_commit(out) < 0) {
    cli_error("%s", mtl_last_error());
    return CLI_FAIL;
  }
  if (rc != CLI_OK)
    mtl_output_abort(out);
  return rc;
}

typedef struct graph_args {
  const char *out, *csv, *mpath;
  double min_weight;
  int no_png;
} graph_args;

/* Parses the options into a; *stop when cmd_graph returns the result. */
static int graph_options(graph_args *a, int argc, char **argv, int *stop) {
  opts o;
  *stop = 1;
  opts_init(&o, "graph", "MODEL [options]",
            "Writes the transfer graph of a model trained with --method "
            "asym,\nasym-curriculum, asym-noloss, asym-symmetric or "
            "curriculum-simple as Graphviz\nDOT: one node per task (width "
            "by its loss), one edge s -> t per\nB_st > --min-weight (w_s "
            "helps reconstruct w_t).  Renders OUT.png with\nGraphviz 'dot' "
            "when it is on PATH.");
  opts_section(&o, "Output");
  opts_string(&o, "output", 'o', &a->out, "OUT.dot",
              "DOT file ('-' = standard output, not rendered)")
      ->def = "MODEL with .dot";
  opts_double(&o, "min-weight", 0, &a->min_weight, "X", 0, 1e300,
              "draw only edges with B_st > X");
  opts_string(&o, "csv", 0, &a->csv, "FILE",
              "also write B as CSV (header source,t1..tT; row s = edges "
              "out of task s)")
      ->def = "none";
  opts_flag(&o, "no-png", 0, &a->no_png, 1,
            "do not render OUT.png even if Graphviz is installed")
      ->def = "render when dot is on PATH";
  opts_flag(&o, "quiet", 'q', &cli_quiet, 1, "no diagnostics on stderr");
  int rc = opts_parse(&o, argc, argv);
  if (rc != 0)
    return rc == OPTS_HELP ? CLI_OK : rc;
  if (o.npos == 0)
    return cli_usage("graph", "missing the MODEL argument");
  if (o.npos > 1)
    return cli_usage("graph", "unexpected argument '%s'", o.pos[1]);
  a->mpath = o.pos[0];
  *stop = 0;
  return CLI_OK;
}

/* The model's transfer graph B (T x T), or NULL after an error. */
static const double *model_graph(const char *mpath, mtl_model **m, int *T,
                                 int *rc) {
  int lr = mtl_model_load(mpath, m);
  if (lr < 0) {
    *rc = cli_lib_error(lr, "cannot load model '%s'", mpath);
    return NULL;
  }
  int rows = 0, cols = 0;
  *T = mtl_model_ntasks(*m);
  const double *B = mtl_model_get_matrix(*m, "B", &rows, &cols);
  if (!B) {
    const char *method = mtl_model_get_meta(*m, "method");
    cli_error("model '%s' has no transfer graph B (method %s; train with "
              "--method asym or another asymmetric variant)",
              mpath, method ? method : "batch");
    return NULL;
  }
  if (rows != *T || cols != *T) {
    cli_error("model '%s': matrix B is %d x %d but the model has %d tasks",
              mpath, rows, cols, *T);
    return NULL;
  }
  return B;
}

/* The DOT graph on standard output: the library writes files, so a
 * temporary one is written and copied. */
static int dot_to_stdout(const mtl_model *m, double min_weight) {
  const char *dir = getenv("TMPDIR");
  char tname[4096];
  snprintf(tname, sizeof tname, "%s/mtl-graph-XXXXXX",
           dir && *dir ? dir : "/tmp");
  int fd = mkstemp(tname);
  if (fd < 0) {
    cli_error("cannot create a temporary file '%s': %s", tname,
              strerror(errno));
    return CLI_FAIL;
  }
  close(fd);
  int wr = mtl_asym_model_write_dot(m, min_weight, tname);
  FILE *f = wr < 0 ? NULL : fopen(tname, "r");
  if (!f) {
    if (wr < 0)
      cli_lib_error(wr, "cannot write the graph");
    else
      cli_error("cannot read back '%s': %s", tname, strerror(errno));
    unlink(tname);
    return CLI_FAIL;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    fwrite(buf, 1, n, stdout);
  fclose(f);
  unlink(tname);
  return CLI_OK;
}

/* OUT.png rendered by Graphviz when it is on PATH, else a note. */
static int write_png(const char *out) {
  char *png = with_ext(out, ".png");
  int rc = CLI_OK;
  if (!png) {
    cli_error("out of memory");
    return CLI_FAIL;
  }
  if (!on_path("dot")) {
    cli_note("Graphviz 'dot' is not on PATH: %s not rendered (install "
             "Graphviz, then: dot -Tpng %s -o %s)",
             png, out, png);
  } else if (render_png(out, png) != CLI_OK) {
    rc = CLI_FAIL;
  } else {
    printf("wrote %s\n", png);
  }
  free(png);
  return rc;
}

int cmd_graph(int argc, char **argv) {
  graph_args a = {0};
  int stop;
  int rc = graph_options(&a, argc, argv, &stop);
  if (stop)
    return rc;
  const char *out = a.out, *csv = a.csv, *mpath = a.mpath;
  double min_weight = a.min_weight;
  mtl_model *m = NULL;
  char *dotname = NULL;
  int T = 0;
  rc = CLI_FAIL;
  const double *B = model_graph(mpath, &m, &T, &rc);
  if (!B)
    goto done;
  int to_stdout = out && strcmp(out, "-") == 0;
  if (!out) {
    dotname = with_ext(mpath, ".dot");
    if (!dotname) {
      cli_error("out of memory");
      goto done;
    }
    out = dotname;
  }
  int edges = 0;
  for (int t = 0; t < T; t++)
    for (int s = 0; s < T; s++)
      edges += s != t && B[(size_t)s + (size_t)t * (size_t)T] > min_weight;
  if (to_stdout) {
    if (dot_to_stdout(m, min_weight) != CLI_OK)
      goto done;
  } else {
    int wr = mtl_asym_model_write_dot(m, min_weight, out);
    if (wr < 0) {
      rc = cli_lib_error(wr, "cannot write the graph to '%s'", out);
      goto done;
    }
  }
  if (csv) {
    int wr = mtl_asym_write_csv(T, B, NULL, csv);
    if (wr < 0) {
      rc = cli_lib_error(wr, "cannot write B to '%s'", csv);
      goto done;
    }
  }
  if (!to_stdout) {
    printf("wrote %s: %d task%s, %d edge%s with B_st > %g\n", out, T,
           CLI_S(T), edges, CLI_S(edges), min_weight);
    if (csv)
      printf("wrote %s: B, %d x %d (row = source task)\n", csv, T, T);
  }
  if (!to_stdout && !a.no_png && write_png(out) != CLI_OK)
    goto done;
  rc = CLI_OK;
done:
  free(dotname);
  mtl_model_free(m);
  return rc;
}
