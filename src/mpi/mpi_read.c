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

int mtl_dataset_read_part(const char *path, const mtl_read_params *pin,
                          int nparts, int part, mtl_dataset **out,
                          int **task_ids, int *T) {
  mtl_read_params p;
  keys ks = {NULL, 0, 0, 1, -1};
  key **ord = NULL;
  int *rank_of = NULL, *sel = NULL;
  char *line = NULL, *tmp = NULL;
  size_t lcap = 0;
  FILE *in = NULL, *tf = NULL;
  int rc = MTL_OK, fd = -1;
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
  if (pin)
    p = *pin;
  else
    mtl_read_params_init(&p);
  if (!is_text(path, &p))
    return read_part_other(path, &p, nparts, part, out, task_ids, T);

  /* pass 1: tasks, dimension, entries */
  in = fopen(path, "r");
  if (!in)
    return mtl__err(MTL_EIO, "cannot open '%s': %s", path, strerror(errno));
  long long maxidx = 0, nnz = 0, N = 0;
  ssize_t len;
  while ((len = getline(&line, &lcap, in)) > 0) {
    size_t n;
    const char *f = first_field(line, &n);
    if (!f)
      continue;
    if (keys_get(&ks, f, n) < 0) {
      rc = MTL_ENOMEM;
      goto done;
    }
    N++;
    const char *c = strrchr(line, ':');
    for (const char *q = f + n; *q; q++)
      nnz += *q == ':';
    if (c) {
      const char *b = c;
      while (b > line && isdigit((unsigned char)b[-1]))
        b--;
      long long ix = strtoll(b, NULL, 10);
      if (ix > maxidx)
        maxidx = ix;
    }
  }
  fclose(in);
  in = NULL;
  if (ks.n == 0) {
    rc = mtl__err(MTL_EFORMAT, "'%s': no samples", path);
    goto done;
  }
  ord = mtl__malloc((size_t)ks.n * sizeof *ord);
  rank_of = mtl__malloc((size_t)ks.n * sizeof(int));
  sel = mtl__malloc((size_t)ks.n * sizeof(int));
  if (!ord || !rank_of || !sel) {
    rc = MTL_ENOMEM;
    goto done;
  }
  for (int i = 0; i < ks.n; i++)
    ord[i] = &ks.k[i];
  if (ks.all_int)
    qsort(ord, (size_t)ks.n, sizeof *ord, cmp_id);
  int K = 0;
  for (int t = 0; t < ks.n; t++) {
    rank_of[ord[t]->first] = t;
    if (t % nparts == part)
      sel[K++] = t;
  }
  if (K == 0) {
    rc = mtl__err(MTL_EINVAL, "'%s': part %d of %d holds no task (T = %d)",
                  path, part, nparts, ks.n);
    goto done;
  }
  int d = p.dim > 0 ? p.dim : (int)maxidx;
  if (p.sparse < 0 && d > 0) /* the whole file's density decides */
    p.sparse = (double)nnz >= 0.25 * (double)N * d ? 0 : 1;
  p.dim = d;
  p.format = MTL_FMT_TEXT;

  /* pass 2: this part's lines (others blank) into a temporary file */
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir)
    dir = "/tmp";
  size_t tl = strlen(dir) + 32;
  tmp = mtl__malloc(tl);
  if (!tmp) {
    rc = MTL_ENOMEM;
    goto done;
  }
  snprintf(tmp, tl, "%s/mtl-part-XXXXXX", dir);
  fd = mkstemp(tmp);
  if (fd < 0 || !(tf = fdopen(fd, "w"))) {
    rc = mtl__err(MTL_EIO, "'%s': cannot create a temporary file in '%s': "
                           "%s",
                  path, dir, strerror(errno));
    if (fd >= 0)
      close(fd);
    free(tmp);
    tmp = NULL;
    goto done;
  }
  in = fopen(path, "r");
  if (!in) {
    rc = mtl__err(MTL_EIO, "cannot reopen '%s': %s", path, strerror(errno));
    goto done;
  }
  ks.last = -1;
  while ((len = getline(&line, &lcap, in)) > 0) {
    size_t n;
    const char *f = first_field(line, &n);
    int keep = 0;
    if (f) {
      int i = keys_get(&ks, f, n);
      if (i < 0) {
        rc = MTL_ENOMEM;
        goto done;
      }
      keep = rank_of[i] % nparts == part;
    }
    if (keep)
      fputs(line, tf);
    if (!keep || line[len - 1] != '\n')
      fputc('\n', tf);
  }
  if (fclose(tf) != 0) {
    tf = NULL;
    rc = mtl__err(MTL_EIO, "'%s': cannot write the temporary file '%s'",
                  path, tmp);
    goto done;
  }
  tf = NULL;
  rc = mtl_dataset_read(tmp, &p, out);
  if (rc) {
    /* name the original file in the message (same line numbers) */
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", mtl_last_error());
    char *at = strstr(msg, tmp);
    if (at)
      rc = mtl__err(rc, "%.*s%s%s", (int)(at - msg), msg, path,
                    at + strlen(tmp));
    goto done;
  }
  if (mtl_dataset_ntasks(*out) != K) {
    rc = mtl__err(MTL_EFORMAT, "'%s': part %d: read %d tasks, expected %d",
                  path, part, mtl_dataset_ntasks(*out), K);
    mtl_dataset_free(*out);
    *out = NULL;
    goto done;
  }
  *task_ids = sel;
  sel = NULL;
  *T = ks.n;
done:
  if (in)
    fclose(in);
  if (tf)
    fclose(tf);
  if (tmp) {
    remove(tmp);
    free(tmp);
  }
  for (int i = 0; i < ks.n; i++)
    free(ks.k[i].s);
  free(ks.k);
  free(ord);
  free(rank_of);
  free(sel);
  free(line);
  return rc;
}
