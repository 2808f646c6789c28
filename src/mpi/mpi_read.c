/*
 * mpi_read.c -- mtl_dataset_read_part: one rank reads only its own tasks
 * (data locality of the MPI drivers, docs/mpi.md).  Needs no MPI.
 *
 * Text format: pass 1 reads every line but looks only at its first field
 * (the task) and its last "idx:val" (the largest index, indices being
 * increasing) and counts the entries, which fixes the global task order
 * (integer ids numerically, else first appearance: the rule of
 * mtl_dataset_read), the dimension and the dense/sparse choice exactly as
 * the whole-file reader would.  Pass 2 copies this part's lines to a
 * temporary file, other lines replaced by empty lines so that line numbers
 * in error messages are those of the original file, and the ordinary
 * reader parses it.  Other formats are read whole and the part kept.
 */
#include "solvers/solvers.h"
#include "mtl_mpi.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct key {
  char *s;       /* canonical key (integers without sign/zeros) */
  long long id;  /* integer id when is_int */
  int is_int, first;
} key;

typedef struct keys {
  key *k;
  int n, cap, all_int, last;
} keys;

/* Integer token as io_text.c accepts it: optional sign, digits. */
static int int_tok(const char *s, size_t n, long long *v) {
  size_t k = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (n == k || n - k > 18)
    return 0;
  long long x = 0;
  for (size_t q = k; q < n; q++) {
    if (!isdigit((unsigned char)s[q]))
      return 0;
    x = x * 10 + (s[q] - '0');
  }
  *v = s[0] == '-' ? -x : x;
  return 1;
}

/* Index of the key of token s[0..n-1], added if new; -1 on no memory. */
static int keys_get(keys *ks, const char *s, size_t n) {
  char canon[32];
  long long id = 0;
  int is_int = int_tok(s, n, &id);
  if (is_int) {
    n = (size_t)snprintf(canon, sizeof canon, "%lld", id);
    s = canon;
  }
  /* lines of one task usually come together: try the last key first */
  if (ks->last >= 0 && strlen(ks->k[ks->last].s) == n &&
      !memcmp(ks->k[ks->last].s, s, n))
    return ks->last;
  for (int i = 0; i < ks->n; i++)
    if (strlen(ks->k[i].s) == n && !memcmp(ks->k[i].s, s, n))
      return ks->last = i;
  if (ks->n == ks->cap) {
    int nc = ks->cap ? 2 * ks->cap : 64;
    key *nk = realloc(ks->k, (size_t)nc * sizeof *nk);
    if (!nk)
      return -1;
    ks->k = nk;
    ks->cap = nc;
  }
  char *c = malloc(n + 1);
  if (!c)
    return -1;
  memcpy(c, s, n);
  c[n] = 0;
  ks->k[ks->n] = (key){c, id, is_int, ks->n};
  ks->all_int = ks->n == 0 ? is_int : ks->all_int && is_int;
  return ks->last = ks->n++;
}

static int cmp_id(const void *a, const void *b) {
  const key *x = *(const key *const *)a, *y = *(const key *const *)b;
  return (x->id > y->id) - (x->id < y->id);
}

/* First field of a data line (NULL for blank and comment lines). */
static const char *first_field(const char *ln, size_t *n) {
  while (*ln == ' ' || *ln == '\t')
    ln++;
  if (*ln == 0 || *ln == '\n' || *ln == '\r' || *ln == '#')
    return NULL;
  size_t k = 0;
  while (ln[k] && !isspace((unsigned char)ln[k]))
    k++;
  *n = k;
  return ln;
}

static int is_text(const char *path, const mtl_read_params *p) {
  if (p->format != MTL_FMT_AUTO)
    return p->format == MTL_FMT_TEXT;
  const char *dot = strrchr(path, '.');
  if (!dot)
    return 1;
  return strcmp(dot, ".mat") && strcmp(dot, ".npz") && strcmp(dot, ".npy") &&
         strcmp(dot, ".csv");
}

static int read_part_other(const char *path, const mtl_read_params *p,
                           int nparts, int part, mtl_dataset **out,
                           int **ids, int *T) {
  mtl_dataset *all = NULL;
  int rc = mtl_dataset_read(path, p, &all);
  if (rc)
    return rc;
  int TT = mtl_dataset_ntasks(all), K = 0;
  int *sel = mtl__malloc((size_t)(TT > 0 ? TT : 1) * sizeof(int));
  if (!sel) {
    mtl_dataset_free(all);
    return MTL_ENOMEM;
  }
  for (int t = part; t < TT; t += nparts)
    sel[K++] = t;
  if (K == 0) {
    rc = mtl__err(MTL_EINVAL, "'%s': part %d of %d holds no task (T = %d)",
                  path, part, nparts, TT);
  } else if (!(rc = mtl_dataset_select_tasks(all, sel, K, out))) {
    *ids = sel;
    *T = TT;
    sel = NULL;
  }
  free(sel);
  mtl_dataset_free(all);
  return rc;
}

/* The state of one text read through mtl_dataset_read_part's passes. */
typedef struct rpart {
  const char *path;
  int nparts, part, K;
  mtl_read_params p;
  keys ks;
  key **ord;
  int *rank_of, *sel;
  char *line, *tmp;
  size_t lcap;
  FILE *in, *tf;
  long long maxidx, nnz, N;
} rpart;

/* Pass 1: tasks, dimension, entries. */
static int rp_scan(rpart *s) {
  s->in = fopen(s->path, "r");
  if (!s->in)
    return mtl__err(MTL_EIO, "cannot open '%s': %s", s->path,
                    strerror(errno));
  ssize_t len;
  while ((len = getline(&s->line, &s->lcap, s->in)) > 0) {
    size_t n;
    const char *f = first_field(s->line, &n);
    if (!f)
      continue;
    if (keys_get(&s->ks, f, n) < 0)
      return MTL_ENOMEM;
    s->N++;
    const char *c = strrchr(s->line, ':');
    for (const char *q = f + n; *q; q++)
      s->nnz += *q == ':';
    if (c) {
      const char *b = c;
      while (b > s->line && isdigit((unsigned char)b[-1]))
        b--;
      long long ix = strtoll(b, NULL, 10);
      if (ix > s->maxidx)
        s->maxidx = ix;
    }
  }
  fclose(s->in);
  s->in = NULL;
  if (s->ks.n == 0)
    return mtl__err(MTL_EFORMAT, "'%s': no samples", s->path);
  return MTL_OK;
}

/* The global task order, this part's tasks, the dimension and density. */
static int rp_order(rpart *s) {
  keys *ks = &s->ks;
  s->ord = mtl__malloc((size_t)ks->n * sizeof *s->ord);
  s->rank_of = mtl__malloc((size_t)ks->n * sizeof(int));
  s->sel = mtl__malloc((size_t)ks->n * sizeof(int));
  if (!s->ord || !s->rank_of || !s->sel)
    return MTL_ENOMEM;
  for (int i = 0; i < ks->n; i++)
    s->ord[i] = &ks->k[i];
  if (ks->all_int)
    qsort(s->ord, (size_t)ks->n, sizeof *s->ord, cmp_id);
  int K = 0;
  for (int t = 0; t < ks->n; t++) {
    s->rank_of[s->ord[t]->first] = t;
    if (t % s->nparts == s->part)
      s->sel[K++] = t;
  }
  s->K = K;
  if (K == 0)
    return mtl__err(MTL_EINVAL, "'%s': part %d of %d holds no task (T = %d)",
                    s->path, s->part, s->nparts, ks->n);
  int d = s->p.dim > 0 ? s->p.dim : (int)s->maxidx;
  if (s->p.sparse < 0 && d > 0) /* the whole file's density decides */
    s->p.sparse = (double)s->nnz >= 0.25 * (double)s->N * d ? 0 : 1;
  s->p.dim = d;
  s->p.format = MTL_FMT_TEXT;
  return MTL_OK;
}

/* Pass 2: this part's lines (others blank) into a temporary file. */
static int rp_copy(rpart *s) {
  const char *path = s->path;
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir)
    dir = "/tmp";
  size_t tl = strlen(dir) + 32;
  s->tmp = mtl__malloc(tl);
  if (!s->tmp)
    return MTL_ENOMEM;
  snprintf(s->tmp, tl, "%s/mtl-part-XXXXXX", dir);
  int fd = mkstemp(s->tmp);
  if (fd < 0 || !(s->tf = fdopen(fd, "w"))) {
    int rc = mtl__err(MTL_EIO, "'%s': cannot create a temporary file in "
                               "'%s': %s",
                      path, dir, strerror(errno));
    if (fd >= 0)
      close(fd);
    free(s->tmp);
    s->tmp = NULL;
    return rc;
  }
  s->in = fopen(path, "r");
  if (!s->in)
    return mtl__err(MTL_EIO, "cannot reopen '%s': %s", path, strerror(errno));
  s->ks.last = -1;
  ssize_t len;
  while ((len = getline(&s->line, &s->lcap, s->in)) > 0) {
    size_t n;
    const char *f = first_field(s->line, &n);
    int keep = 0;
    if (f) {
      int i = keys_get(&s->ks, f, n);
      if (i < 0)
        return MTL_ENOMEM;
      keep = s->rank_of[i] % s->nparts == s->part;
    }
    if (keep)
      fputs(s->line, s->tf);
    if (!keep || s->line[len - 1] != '\n')
      fputc('\n', s->tf);
  }
  if (fclose(s->tf) != 0) {
    s->tf = NULL;
    return mtl__err(MTL_EIO, "'%s': cannot write the temporary file '%s'",
                    path, s->tmp);
  }
  s->tf = NULL;
  return MTL_OK;
}

/* The ordinary reader on the temporary file. */
static int rp_parse(rpart *s, mtl_dataset **out, int **task_ids, int *T) {
  int rc = mtl_dataset_read(s->tmp, &s->p, out);
  if (rc) {
    /* name the original file in the message (same line numbers) */
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", mtl_last_error());
    char *at = strstr(msg, s->tmp);
    if (at)
      rc = mtl__err(rc, "%.*s%s%s", (int)(at - msg), msg, s->path,
                    at + strlen(s->tmp));
    return rc;
  }
  if (mtl_dataset_ntasks(*out) != s->K) {
    rc = mtl__err(MTL_EFORMAT, "'%s': part %d: read %d tasks, expected %d",
                  s->path, s->part, mtl_dataset_ntasks(*out), s->K);
    mtl_dataset_free(*out);
    *out = NULL;
    return rc;
  }
  *task_ids = s->sel;
  s->sel = NULL;
  *T = s->ks.n;
  return MTL_OK;
}

static void rp_clear(rpart *s) {
  if (s->in)
    fclose(s->in);
  if (s->tf)
    fclose(s->tf);
  if (s->tmp) {
    remove(s->tmp);
    free(s->tmp);
  }
  for (int i = 0; i < s->ks.n; i++)
    free(s->ks.k[i].s);
  free(s->ks.k);
  free(s->ord);
  free(s->rank_of);
  free(s->sel);
  free(s->line);
}

int mtl_dataset_read_part(const char *path, const mtl_read_params *pin,
                          int nparts, int part, mtl_dataset **out,
                          int **task_ids, int *T) {
  rpart s;
  int rc;
  if (out)
    *out = NULL;
  if (task_ids)
    *task_ids = NULL;
  if (T)
    *T = 0;
  if (!path || !out || !task_ids || !T)
    return mtl__err(MTL_EINVAL, "mtl_dataset_read_part: NULL argument");
  if (nparts < 1 || part < 0 || part >= nparts)
    return mtl__err(MTL_EINVAL, "mtl_dataset_read_part: part %d of %d "
                                "(need 0 <= part < nparts)",
                    part, nparts);
  memset(&s, 0, sizeof s);
  s.ks = (keys){NULL, 0, 0, 1, -1};
  s.path = path;
  s.nparts = nparts;
  s.part = part;
  if (pin)
    s.p = *pin;
  else
    mtl_read_params_init(&s.p);
  if (!is_text(path, &s.p))
    return read_part_other(path, &s.p, nparts, part, out, task_ids, T);
  if (!(rc = rp_scan(&s)) && !(rc = rp_order(&s)) && !(rc = rp_copy(&s)))
    rc = rp_parse(&s, out, task_ids, T);
  rp_clear(&s);
  return rc;
}
