/*
 * text_matrix.c -- a dense matrix from a text file: one row per line,
 * numbers separated by blanks or commas, '#' comments and blank lines
 * skipped (the graph matrix R of the graph regularizer).  Numbers are read
 * by mtl__strtod (numparse.c).
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
    while ((isspace((unsigned char)*s) && *s != '\n') || *s == ',')
      s++;
    if (*s == '\0' || *s == '\n')
      return c;
    char *end;
    errno = 0;
    double v = mtl__strtod(s, &end);
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
  mtl__lines L;
  *out = NULL;
  int rc = mtl__lines_open(&L, path), r = 0, ncol = -1, got;
  size_t cap = 0, cnt = 0, n;
  double *rm = NULL;
  char *line;
  if (rc)
    goto done;
  while ((got = mtl__lines_next(&L, &line, &n)) > 0) {
    char *s = line;
    int lineno = (int)L.lineno;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' ||
           *s == '\v')
      s++;
    if (*s == '\0' || *s == '#' || *s == '\n')
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
  if (got < 0) {
    rc = mtl__err(got, "error reading '%s'", path);
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
  mtl__lines_close(&L);
  free(rm);
  return rc;
}
