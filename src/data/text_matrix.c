/*
 * text_matrix.c -- a dense matrix from a text file: one row per line,
 * numbers separated by blanks or commas, '#' comments and blank lines
 * skipped (the graph matrix R of the graph regularizer).
 */
#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses the numbers of one line, appending to *buf; returns the count or
 * an error naming path:line. */
static int parse_row(const char *path, int lineno, char *s, double **buf,
                     size_t *cnt, size_t *cap) {
  int c = 0;
  for (;;) {
    while (isspace((unsigned char)*s) || *s == ',')
      s++;
    if (*s == '\0')
      return c;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v) ||
        (*end && !isspace((unsigned char)*end) && *end != ',')) {
      size_t n = strcspn(s, " \t\r\n,");
      return mtl__err(MTL_EFORMAT, "%s:%d: bad number '%.*s' in column %d",
                      path, lineno, (int)n, s, c + 1);
    }
    if (*cnt == *cap) {
      size_t nc = *cap ? 2 * *cap : 64;
      double *nb = realloc(*buf, nc * sizeof *nb);
      if (!nb)
        return mtl__err(MTL_ENOMEM, "out of memory reading '%s'", path);
      *buf = nb;
      *cap = nc;
    }
    (*buf)[(*cnt)++] = v;
    c++;
    s = end;
  }
}

int mtl__read_text_matrix(const char *path, double **out, int *rows,
                          int *cols) {
  *out = NULL;
  FILE *fp = fopen(path, "r");
  if (!fp)
    return mtl__err(MTL_EIO, "cannot open '%s': %s", path, strerror(errno));
  int rc = MTL_OK, r = 0, ncol = -1, lineno = 0;
  size_t cap = 0, cnt = 0, lcap = 0;
  double *rm = NULL;
  char *line = NULL;
  while (getline(&line, &lcap, fp) != -1) {
    lineno++;
    char *s = line;
    while (isspace((unsigned char)*s))
      s++;
    if (*s == '\0' || *s == '#')
      continue;
    int c = parse_row(path, lineno, s, &rm, &cnt, &cap);
    if (c < 0) {
      rc = c;
      goto done;
    }
    if (ncol >= 0 && c != ncol) {
      rc = mtl__err(MTL_EFORMAT, "%s:%d: row has %d columns, the first row "
                                 "has %d",
                    path, lineno, c, ncol);
      goto done;
    }
    ncol = c;
    r++;
  }
  if (ferror(fp)) {
    rc = mtl__err(MTL_EIO, "error reading '%s'", path);
    goto done;
  }
  if (r == 0) {
    rc = mtl__err(MTL_EFORMAT, "'%s' holds no matrix", path);
    goto done;
  }
  double *A = mtl__malloc((size_t)r * (size_t)ncol * sizeof *A);
  if (!A) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (int i = 0; i < r; i++)
    for (int j = 0; j < ncol; j++)
      A[(size_t)j * (size_t)r + (size_t)i] = rm[(size_t)i * (size_t)ncol + j];
  *out = A;
  *rows = r;
  *cols = ncol;
done:
  free(line);
  free(rm);
  fclose(fp);
  return rc;
}
