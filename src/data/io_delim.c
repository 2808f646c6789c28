/*
 * io_delim.c -- delimited text (CSV with ',' ';' or tab) through the
 * column reader (io_cols.c): the general path for what the fast reader
 * (io_csv.c) does not do: other delimiters, column selection, several
 * targets, string values, missing values, files without a header row.
 *
 * Two passes over the lines: the first finds which columns hold strings,
 * the second parses the rows.  Each line is copied before it is split, so
 * the second pass reads what the first read.
 */
#include "io_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_end(char c) { return c == '\0' || c == '\n' || c == '\r'; }
static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Grows *fields to hold one more. */
static int push(char ***fields, int *cap, int n, char *f) {
  if (n == *cap) {
    int nc = *cap ? 2 * *cap : 16;
    char **nf = realloc(*fields, (size_t)nc * sizeof *nf);
    if (!nf)
      return MTL_ENOMEM;
    *fields = nf;
    *cap = nc;
  }
  (*fields)[n] = f;
  return MTL_OK;
}

int mtl__cols_split(char *line, int delim, int squote, char ***fields,
                    int *cap) {
  int n = 0;
  char *p = line;
  for (;;) {
    while (is_blank(*p) && *p != delim)
      p++;
    char *start = p, *w = p, q = *p;
    if (q == '"' || (squote && q == '\'')) {
      start = w = ++p;
      for (;;) {
        if (is_end(*p))
          return -1;
        if (*p == q && p[1] == q) { /* "" inside quotes */
          *w++ = q;
          p += 2;
        } else if (*p == q) {
          p++;
          break;
        } else if (*p == '\\' && squote && !is_end(p[1])) {
          p++;
          *w++ = *p++;
        } else {
          *w++ = *p++;
        }
      }
      while (is_blank(*p) && *p != delim)
        p++;
      if (!is_end(*p) && *p != delim)
        return -1;
    } else {
      while (!is_end(*p) && *p != delim)
        p++;
      w = p;
      while (w > start && is_blank(w[-1]) && w[-1] != delim)
        w--;
    }
    char c = *p;
    *w = '\0';
    if (push(fields, cap, n, start))
      return MTL_ENOMEM;
    n++;
    if (c != delim || c == '\0')
      break;
    p++;
  }
  return n;
}

/* Counts c outside double quotes in line. */
static int count_unquoted(const char *line, char c) {
  int n = 0, in = 0;
  for (const char *p = line; !is_end(*p); p++)
    if (*p == '"')
      in = !in;
    else if (*p == c && !in)
      n++;
  return n;
}

/* The delimiter of a header line: the most frequent of ',' ';' tab. */
static int detect(const char *line) {
  int nc = count_unquoted(line, ','), ns = count_unquoted(line, ';'),
      nt = count_unquoted(line, '\t');
  if (ns > nc && ns >= nt)
    return ';';
  if (nt > nc && nt > ns)
    return '\t';
  return ',';
}

/* A copy of line[0..n) with room past its end for mtl__strtod. */
static char *copy_line(const char *line, size_t n, char **buf, size_t *cap) {
  if (n + MTL__LINES_PAD + 1 > *cap) {
    size_t nc = 2 * (n + MTL__LINES_PAD + 1);
    char *b = realloc(*buf, nc);
    if (!b)
      return NULL;
    *buf = b;
    *cap = nc;
  }
  memcpy(*buf, line, n);
  memset(*buf + n, 0, MTL__LINES_PAD + 1);
  return *buf;
}

typedef struct delim_rd {
  const char *path;
  mtl__lines L;
  int delim, header;
  char *buf, **fld;
  size_t cap;
  int fcap;
} delim_rd;

/* The next line that holds data (not blank, not '#'), split: the count,
 * 0 at the end, or an error. */
static int next_row(delim_rd *r) {
  char *line;
  size_t len;
  int got;
  while ((got = mtl__lines_next(&r->L, &line, &len)) > 0) {
    const char *q = line;
    while (is_blank(*q))
      q++;
    if (is_end(*q) || *q == '#')
      continue;
    char *b = copy_line(line, len, &r->buf, &r->cap);
    if (!b)
      return MTL_ENOMEM;
    int n = mtl__cols_split(b, r->delim, 0, &r->fld, &r->fcap);
    if (n == -1)
      return mtl__err(MTL_EFORMAT, "%s:%ld: unterminated quote", r->path,
                      r->L.lineno);
    return n;
  }
  return got;
}

/* The header: names of the columns, or col0..colK when the first line is
 * all numbers (then r->header = 0 and that line is data). */
static int header(delim_rd *r, mtl__cols *c, const mtl_read_params *p) {
  char *line;
  size_t len;
  int got, n, rc;
  while ((got = mtl__lines_next(&r->L, &line, &len)) > 0 &&
         (is_end(line[strspn(line, " \t")]) || line[0] == '#'))
    ;
  if (got <= 0)
    return got < 0 ? got
                   : mtl__err(MTL_EFORMAT,
                              "%s: empty file (no header "
                              "row)",
                              r->path);
  if (r->L.lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
    line += 3; /* a UTF-8 byte order mark */
    len -= 3;
  }
  r->delim = p->delimiter ? p->delimiter : detect(line);
  char *b = copy_line(line, len, &r->buf, &r->cap);
  if (!b)
    return MTL_ENOMEM;
  if ((n = mtl__cols_split(b, r->delim, 0, &r->fld, &r->fcap)) < 0)
    return n == -1 ? mtl__err(MTL_EFORMAT,
                              "%s:%ld: unterminated quote "
                              "in the header",
                              r->path, r->L.lineno)
                   : n;
  if ((rc = mtl__cols_init(c, r->path, "CSV", p, n)))
    return rc;
  r->header = 0;
  for (int k = 0; k < n; k++)
    r->header |=
        !mtl__cols_is_number(r->fld[k]) && !mtl__cols_missing(r->fld[k]);
  for (int k = 0; k < n; k++) {
    char nm[32];
    snprintf(nm, sizeof nm, "col%d", k);
    if (r->header && !r->fld[k][0])
      return mtl__err(MTL_EFORMAT,
                      "%s:%ld: header column %d has an "
                      "empty name",
                      r->path, r->L.lineno, k + 1);
    if (!(c->names[k] = mtl__strdup(r->header ? r->fld[k] : nm)))
      return MTL_ENOMEM;
  }
  int d1, d2, dup = r->header ? mtl__names_dup(c->names, n, &d1, &d2) : 0;
  if (dup)
    return dup < 0 ? MTL_ENOMEM
                   : mtl__err(MTL_EFORMAT,
                              "%s:%ld: duplicate header name (value '%s') in "
                              "columns %d and %d",
                              r->path, r->L.lineno, c->names[d2], d1 + 1,
                              d2 + 1);
  if (r->delim != ',')
    snprintf(c->notes, sizeof c->notes, "%s: columns separated by %s%s",
             r->path, r->delim == ';' ? "semicolons" : "tabs",
             p->delimiter ? "" : " (detected from the first line)");
  if (!r->header) {
    size_t k = strlen(c->notes);
    snprintf(c->notes + k, sizeof c->notes - k,
             "%s%s: no header row (line %ld is all numbers): columns named "
             "col0..col%d",
             k ? "\n" : "", r->path, r->L.lineno, n - 1);
  }
  return MTL_OK;
}

/* A column of numbers with a word in it (a typo, not a string column):
 * the error names the word's line and value. */
static int mixed(const char *path, long wline, const char *col,
                 const char *word, long nline) {
  return mtl__err(MTL_EFORMAT,
                  "%s:%ld: bad number in column '%s' (value "
                  "'%s'); the column holds numbers (line %ld)",
                  path, wline, col, word, nline);
}

/* First pass: which used columns hold strings (then nominal). */
static int scan(delim_rd *r, mtl__cols *c) {
  size_t K = (size_t)c->ncol;
  long *nline = mtl__calloc(K, sizeof *nline),
       *sline = mtl__calloc(K, sizeof *sline);
  char **sval = mtl__calloc(K, sizeof *sval);
  int n = 0, rc = nline && sline && sval ? MTL_OK : MTL_ENOMEM;
  while (!rc && (n = next_row(r)) > 0) {
    if (n != c->ncol) {
      rc = mtl__err(MTL_EFORMAT,
                    "%s:%ld: wrong column count: %d columns, "
                    "header has %d",
                    r->path, r->L.lineno, n, c->ncol);
      break;
    }
    for (int k = 0; k < n && !rc; k++) {
      const char *f = r->fld[k];
      if ((c->role[k] != MTL__COL_FEAT && c->role[k] != MTL__COL_LABEL) ||
          mtl__cols_missing(f))
        continue;
      int isnum = mtl__cols_is_number(f);
      if (isnum && !nline[k])
        nline[k] = r->L.lineno;
      if (!isnum && !sline[k]) {
        sline[k] = r->L.lineno;
        if (!(sval[k] = mtl__strdup(f)))
          rc = MTL_ENOMEM;
      }
      if (!rc && nline[k] && sline[k])
        rc = mixed(r->path, sline[k], c->names[k], sval[k], nline[k]);
      c->nominal[k] |= !isnum;
    }
  }
  for (size_t k = 0; sval && k < K; k++)
    free(sval[k]);
  free(sval);
  free(sline);
  free(nline);
  return rc ? rc : n;
}

int mtl__read_delim(const char *path, const mtl_read_params *p,
                    mtl_dataset **out) {
  delim_rd r = {.path = path};
  mtl__cols c;
  int n, rc;
  memset(&c, 0, sizeof c);
  *out = NULL;
  if ((rc = mtl__lines_open(&r.L, path)))
    goto done;
  if ((rc = header(&r, &c, p)) || (rc = mtl__cols_roles(&c, !r.header)))
    goto done;
  if (!r.header && (rc = mtl__lines_rewind(&r.L)))
    goto done;
  if ((rc = scan(&r, &c)) || (rc = mtl__lines_rewind(&r.L)))
    goto done;
  if (r.header && (rc = next_row(&r)) < 0)
    goto done;
  while ((n = next_row(&r)) > 0)
    if ((rc = mtl__cols_row(&c, r.L.lineno, r.fld, n)))
      goto done;
  if ((rc = n) == 0)
    rc = mtl__cols_build(&c, out);
done:
  mtl__lines_close(&r.L);
  mtl__cols_free(&c);
  free(r.buf);
  free(r.fld);
  return rc;
}
