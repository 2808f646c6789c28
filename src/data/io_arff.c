/*
 * io_arff.c -- Weka's ARFF (Mulan's format for multi-label and
 * multi-target sets) through the column reader (io_cols.c).
 *
 * The header declares every attribute: "@attribute NAME TYPE" with TYPE
 * numeric, real, integer, string, or a nominal list {a,b,...}; names and
 * values may be quoted ('...' or "...").  '%' starts a comment line.  After
 * "@data", one instance per line: dense, comma-separated, or sparse
 * "{i v, j w}" (0-based indices, absent = 0).  '?' is a missing value.
 * An instance may end with its weight, "1,2,a,{0.5}" or "{0 1, 2 3}, {0.5}"
 * (Weka's instance weights): the sample weight (times the weight column's,
 * if any).  Mulan's convention puts the targets last: targets = "K".  Without a
 * targets or label option the last attribute is the label (Weka's class).
 * A nominal attribute whose values are all numbers ({0,1}) is read as
 * those numbers; other nominal values are strings (io_cols_build.c).
 */
#include "io_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Zeros for absent sparse entries, with room for mtl__strtod. */
static char zero_field[MTL__LINES_PAD + 2] = "0";

typedef struct arff_attr {
  char *name;
  int type;     /* 0 numeric, 1 nominal, 2 string */
  char *levels; /* nominal: the {...} text, owned */
} arff_attr;

typedef struct arff_rd {
  const char *path;
  mtl__lines L;
  char *buf, **fld;
  size_t cap;
  int fcap, na, acap;
  arff_attr *a;
} arff_rd;

static int bad(const arff_rd *r, const char *what, const char *tok) {
  return mtl__err(MTL_EFORMAT, "%s:%ld: %s%s%s%s", r->path, r->L.lineno, what,
                  tok ? " (value '" : "", tok ? tok : "", tok ? "')" : "");
}

/* The next line with content into r->buf (trimmed, padded): 1, 0 at the
 * end, or an error. */
static int next_line(arff_rd *r, char **out) {
  char *line;
  size_t len;
  int got;
  while ((got = mtl__lines_next(&r->L, &line, &len)) > 0) {
    while (len && (isspace((unsigned char)line[len - 1]) || !line[len - 1]))
      len--;
    size_t s =
        r->L.lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0
            ? 3 /* a UTF-8 byte order mark */
            : 0;
    while (s < len && isspace((unsigned char)line[s]))
      s++;
    if (s == len || line[s] == '%')
      continue;
    if (len - s + MTL__LINES_PAD + 1 > r->cap) {
      size_t nc = 2 * (len + MTL__LINES_PAD + 1);
      char *b = realloc(r->buf, nc);
      if (!b)
        return MTL_ENOMEM;
      r->buf = b;
      r->cap = nc;
    }
    memcpy(r->buf, line + s, len - s);
    memset(r->buf + len - s, 0, MTL__LINES_PAD + 1);
    *out = r->buf;
    return 1;
  }
  return got;
}

/* Copies the name at *q (quoted, or a bare token ending at a blank or
 * '{') into nm and advances *q past it; 0 when there is none. */
static int take_name(char **q, char *nm, size_t cap) {
  char *p = *q;
  size_t n = 0;
  while (isspace((unsigned char)*p))
    p++;
  if (*p == '\'' || *p == '"') {
    char c = *p++;
    for (; *p && *p != c; p++) {
      if (*p == '\\' && p[1])
        p++;
      if (n + 1 < cap)
        nm[n++] = *p;
    }
    if (*p++ != c)
      return 0;
  } else {
    for (; *p && !isspace((unsigned char)*p) && *p != '{'; p++)
      if (n + 1 < cap)
        nm[n++] = *p;
  }
  nm[n] = '\0';
  *q = p;
  return n > 0;
}

/* One "@attribute NAME TYPE" line (text after the keyword). */
static int attribute(arff_rd *r, char *q) {
  char nm[512];
  if (!take_name(&q, nm, sizeof nm))
    return bad(r, "bad @attribute line: no name", NULL);
  while (isspace((unsigned char)*q))
    q++;
  int type;
  if (*q == '{')
    type = 1;
  else if (strncasecmp(q, "numeric", 7) == 0 ||
           strncasecmp(q, "real", 4) == 0 || strncasecmp(q, "integer", 7) == 0)
    type = 0;
  else if (strncasecmp(q, "string", 6) == 0)
    type = 2;
  else
    return bad(r,
               "unsupported attribute type (numeric, real, integer, "
               "string and {nominal} are read)",
               q);
  if (r->na == r->acap) {
    int nc = r->acap ? 2 * r->acap : 32;
    arff_attr *na = realloc(r->a, (size_t)nc * sizeof *na);
    if (!na)
      return MTL_ENOMEM;
    r->a = na;
    r->acap = nc;
  }
  arff_attr *a = &r->a[r->na];
  a->type = type;
  a->levels = NULL;
  if (!(a->name = mtl__strdup(nm)))
    return MTL_ENOMEM;
  r->na++;
  if (type == 1) {
    char *e = strrchr(q, '}');
    if (!e)
      return bad(r, "nominal attribute without a closing '}'", nm);
    *e = '\0';
    if (!(a->levels = mtl__strdup(q + 1)))
      return MTL_ENOMEM;
  }
  return MTL_OK;
}

/* The header up to @data: the attributes. */
static int header(arff_rd *r) {
  char *q;
  int got, data = 0;
  while (!data && (got = next_line(r, &q)) > 0) {
    if (strncasecmp(q, "@relation", 9) == 0)
      continue;
    if (strncasecmp(q, "@attribute", 10) == 0 &&
        isspace((unsigned char)q[10])) {
      int rc = attribute(r, q + 10);
      if (rc)
        return rc;
    } else if (strncasecmp(q, "@data", 5) == 0) {
      data = 1;
    } else {
      return bad(r, "expected @relation, @attribute or @data", q);
    }
  }
  if (got < 0)
    return got;
  if (!data)
    return mtl__err(MTL_EFORMAT, "%s: no @data line", r->path);
  if (r->na < 2)
    return mtl__err(MTL_EFORMAT,
                    "%s: %d attribute(s); need a "
                    "feature and a target",
                    r->path, r->na);
  return MTL_OK;
}

/* Declares the levels of nominal attribute k in c (numbers kept when all
 * levels are numbers). */
static int levels(arff_rd *r, mtl__cols *c, int k) {
  arff_attr *a = &r->a[k];
  c->nominal[k] = a->type != 0;
  if (a->type != 1)
    return MTL_OK;
  c->fixed[k] = 1;
  size_t len = strlen(a->levels);
  char *b = mtl__malloc(len + MTL__LINES_PAD + 1);
  if (!b)
    return MTL_ENOMEM;
  memcpy(b, a->levels, len);
  memset(b + len, 0, MTL__LINES_PAD + 1);
  int n = mtl__cols_split(b, ',', 1, &r->fld, &r->fcap), num = n > 0;
  for (int i = 0; i < n; i++) {
    int l = mtl__tset_get(&c->lev[k], r->fld[i], strlen(r->fld[i]));
    if (l < 0 || l != i) { /* the message before b, which holds fld */
      int rc = l < 0 ? l
                     : bad(r, "nominal attribute repeats a value", r->fld[i]);
      free(b);
      return rc;
    }
    num &= mtl__cols_is_number(r->fld[i]);
  }
  if (num && !(c->levval[k] = mtl__malloc((size_t)n * sizeof(double))))
    n = MTL_ENOMEM;
  for (int i = 0; num && n > 0 && i < n; i++)
    c->levval[k][i] = mtl__strtod(r->fld[i], NULL);
  free(b);
  return n < 0 ? (n == -1 ? bad(r, "unterminated quote in nominal values", NULL)
                          : n)
               : MTL_OK;
}

/* The instance weight "{w}" (s: the trimmed text from its '{') into
 * c->row_w: a number >= 0. */
static int inst_weight(arff_rd *r, mtl__cols *c, const char *s) {
  char num[64 + MTL__LINES_PAD + 1];
  size_t len = strlen(s);
  if (len < 2 || s[len - 1] != '}')
    return bad(r, "instance weight without a closing '}'", s);
  const char *a = s + 1, *b = s + len - 1;
  while (a < b && isspace((unsigned char)*a))
    a++;
  while (b > a && isspace((unsigned char)b[-1]))
    b--;
  if (b == a || (size_t)(b - a) > 64)
    return bad(r, "bad instance weight (need {number})", s);
  memset(num, 0, sizeof num);
  memcpy(num, a, (size_t)(b - a));
  char *e;
  double w = mtl__strtod(num, &e);
  if (e == num || *e)
    return bad(r, "bad instance weight (need {number})", s);
  if (!(w >= 0) || !isfinite(w))
    return bad(r,
               w < 0 ? "instance weight is negative (a weight must be >= 0)"
                     : "instance weight is not finite (a weight must be "
                       ">= 0 and finite)",
               s);
  c->row_w = w;
  c->nweighted++;
  return MTL_OK;
}

/* The '}' that closes the sparse instance opened at q (quoted values, a
 * quote that opens a value, skipped), or NULL. */
static char *sparse_end(char *q) {
  for (char *p = q + 1; *p; p++) {
    if ((*p == '\'' || *p == '"') &&
        (p[-1] == '{' || p[-1] == ',' || isspace((unsigned char)p[-1]))) {
      char c = *p;
      for (p++; *p && *p != c; p++)
        if (*p == '\\' && p[1])
          p++;
      if (!*p)
        return NULL;
    } else if (*p == '}') {
      return p;
    }
  }
  return NULL;
}

/* A sparse instance "{i v, j w}" (then maybe ", {weight}") as dense fields
 * (absent = "0"). */
static int sparse_row(arff_rd *r, mtl__cols *c, char *q, char ***fld) {
  char *e = sparse_end(q);
  if (!e)
    return bad(r, "sparse instance without a closing '}'", NULL);
  *e = '\0';
  char *t = e + 1;
  while (isspace((unsigned char)*t))
    t++;
  if (*t == ',') {
    do
      t++;
    while (isspace((unsigned char)*t));
    if (*t != '{')
      return bad(r, "after a sparse instance: expected its weight {w}", t);
    int rc = inst_weight(r, c, t);
    if (rc)
      return rc;
  } else if (*t) {
    return bad(r, "text after the sparse instance", t);
  }
  char **f = mtl__malloc((size_t)c->ncol * sizeof *f);
  if (!f)
    return MTL_ENOMEM;
  for (int k = 0; k < c->ncol; k++) /* absent: 0, or the first value */
    f[k] = c->fixed[k] && c->lev[k].T ? c->lev[k].t[0].key : zero_field;
  int n = mtl__cols_split(q + 1, ',', 1, &r->fld, &r->fcap);
  long prev = -1;
  for (int i = 0; i < n; i++) {
    char *s = r->fld[i], *end;
    if (!*s && n == 1)
      break;
    long k = strtol(s, &end, 10);
    if (end == s || k < 0 || k >= c->ncol || !isspace((unsigned char)*end)) {
      free(f);
      return bad(r,
                 "bad sparse entry (need 'index value', index 0-based "
                 "below the attribute count)",
                 s);
    }
    if (k <= prev) {
      free(f);
      return bad(r, "sparse indices must increase", s);
    }
    prev = k;
    while (isspace((unsigned char)*end))
      end++;
    f[k] = end;
  }
  *fld = f;
  return n == -1 ? bad(r, "unterminated quote", NULL) : n < 0 ? n : MTL_OK;
}

static int data(arff_rd *r, mtl__cols *c) {
  char *q;
  int got, rc = MTL_OK;
  c->inst_w = 1;
  while (!rc && (got = next_line(r, &q)) > 0) {
    c->row_w = 1.0;
    if (*q == '{') {
      char **f = NULL;
      rc = sparse_row(r, c, q, &f);
      if (!rc)
        rc = mtl__cols_row(c, r->L.lineno, f, c->ncol);
      free(f);
      continue;
    }
    int n = mtl__cols_split(q, ',', 1, &r->fld, &r->fcap);
    if (n == -1)
      return bad(r, "unterminated quote", NULL);
    if (n < 0)
      return n;
    if (n == c->ncol + 1 && r->fld[n - 1][0] == '{' && /* its weight */
        (rc = inst_weight(r, c, r->fld[--n])))
      return rc;
    rc = mtl__cols_row(c, r->L.lineno, r->fld, n);
  }
  return rc ? rc : got;
}

int mtl__read_arff(const char *path, const mtl_read_params *p,
                   mtl_dataset **out) {
  arff_rd r = {.path = path};
  mtl__cols c;
  int rc;
  memset(&c, 0, sizeof c);
  *out = NULL;
  if ((rc = mtl__lines_open(&r.L, path)) || (rc = header(&r)) ||
      (rc = mtl__cols_init(&c, path, "ARFF", p, r.na)))
    goto done;
  for (int k = 0; k < r.na && !rc; k++) {
    for (int j = 0; j < k && !rc; j++)
      if (strcmp(r.a[j].name, r.a[k].name) == 0)
        rc = mtl__err(MTL_EFORMAT,
                      "%s: attribute '%s' is declared "
                      "twice (attributes %d and %d)",
                      path, r.a[k].name, j + 1, k + 1);
    if (!rc && !(c.names[k] = mtl__strdup(r.a[k].name)))
      rc = MTL_ENOMEM;
    if (!rc)
      rc = levels(&r, &c, k);
  }
  if (!rc && !(rc = mtl__cols_roles(&c, 1)) && !(rc = data(&r, &c)))
    rc = mtl__cols_build(&c, out);
done:
  mtl__lines_close(&r.L);
  mtl__cols_free(&c);
  for (int k = 0; k < r.na; k++) {
    free(r.a[k].name);
    free(r.a[k].levels);
  }
  free(r.a);
  free(r.buf);
  free(r.fld);
  return rc;
}
