/*
 * io_npz.c -- NumPy .npz archives (a zip of .npy files, as written by
 * numpy.savez and numpy.savez_compressed) through libzip.  Each member
 * "name.npy" is the variable "name".  The .npy header (format versions 1-3)
 * is a Python dict literal: {'descr': '<f8', 'fortran_order': False,
 * 'shape': (5, 10000, 9), }.  Little-endian and byte-sized integer, bool
 * and float dtypes are converted to double; big-endian, object, string,
 * complex and structured dtypes are reported by the layout code as
 * unsupported when the variable is used.
 */
#include "data.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

typedef struct npy_hdr {
  char descr[32];
  int fortran;
  int rank;
  size_t dims[MTL__ARR_MAXRANK];
} npy_hdr;

static const char *skip_ws(const char *p, const char *e) {
  while (p < e && isspace((unsigned char)*p))
    p++;
  return p;
}

/* Parses a quoted Python string into buf; returns the end or NULL. */
static const char *parse_str(const char *p, const char *e, char *buf,
                             size_t cap) {
  if (p >= e || (*p != '\'' && *p != '"'))
    return NULL;
  char q = *p++;
  size_t n = 0;
  while (p < e && *p != q) {
    if (n + 1 < cap)
      buf[n++] = *p;
    p++;
  }
  buf[n] = '\0';
  return p < e ? p + 1 : NULL;
}

/* Parses the header dict; returns NULL or a reason. */
static const char *parse_header(const char *p, const char *e, npy_hdr *h) {
  int seen = 0;
  memset(h, 0, sizeof *h);
  p = skip_ws(p, e);
  if (p >= e || *p++ != '{')
    return "header is not a dict";
  for (;;) {
    char key[32];
    p = skip_ws(p, e);
    if (p < e && *p == '}')
      break;
    if (!(p = parse_str(p, e, key, sizeof key)))
      return "bad key in header dict";
    p = skip_ws(p, e);
    if (p >= e || *p++ != ':')
      return "missing ':' in header dict";
    p = skip_ws(p, e);
    if (strcmp(key, "descr") == 0) {
      if (p < e && *p == '[') {
        snprintf(h->descr, sizeof h->descr, "structured");
        int depth = 0;
        for (; p < e; p++) { /* skip the list */
          depth += *p == '[';
          depth -= *p == ']';
          if (depth == 0) {
            p++;
            break;
          }
        }
      } else if (!(p = parse_str(p, e, h->descr, sizeof h->descr))) {
        return "bad 'descr' value";
      }
      seen |= 1;
    } else if (strcmp(key, "fortran_order") == 0) {
      if (e - p >= 4 && memcmp(p, "True", 4) == 0)
        h->fortran = 1, p += 4;
      else if (e - p >= 5 && memcmp(p, "False", 5) == 0)
        h->fortran = 0, p += 5;
      else
        return "bad 'fortran_order' value (need True or False)";
      seen |= 2;
    } else if (strcmp(key, "shape") == 0) {
      if (p >= e || *p++ != '(')
        return "bad 'shape' value (need a tuple)";
      for (;;) {
        p = skip_ws(p, e);
        if (p < e && *p == ')') {
          p++;
          break;
        }
        if (p >= e || !isdigit((unsigned char)*p))
          return "bad dimension in 'shape'";
        if (h->rank == MTL__ARR_MAXRANK)
          return "too many dimensions in 'shape'";
        size_t v = 0;
        while (p < e && isdigit((unsigned char)*p)) {
          if (v > (SIZE_MAX - 9) / 10)
            return "dimension too large in 'shape'";
          v = v * 10 + (size_t)(*p++ - '0');
        }
        h->dims[h->rank++] = v;
        p = skip_ws(p, e);
        if (p < e && *p == ',')
          p++;
      }
      seen |= 4;
    } else {
      return "unknown key in header dict";
    }
    p = skip_ws(p, e);
    if (p < e && *p == ',')
      p++;
  }
  if (seen != 7)
    return "header lacks 'descr', 'fortran_order' or 'shape'";
  return NULL;
}

/* Element kind of a dtype: returns 0 if supported (kind char, size) or
 * fills why with the class name shown in messages. */
static int dtype_ok(const char *descr, char *kind, int *size, char *why,
                    size_t cap) {
  const char *d = descr;
  char order = '|';
  if (strcmp(descr, "structured") == 0) {
    snprintf(why, cap, "structured dtype");
    return 0;
  }
  if (*d == '<' || *d == '>' || *d == '|' || *d == '=')
    order = *d++;
  *kind = *d ? *d++ : '?';
  *size = atoi(d);
  if (*kind == 'O') {
    snprintf(why, cap, "object dtype '%s'", descr);
    return 0;
  }
  int known = (*kind == 'b' && *size == 1) ||
              ((*kind == 'i' || *kind == 'u') &&
               (*size == 1 || *size == 2 || *size == 4 || *size == 8)) ||
              (*kind == 'f' && (*size == 4 || *size == 8));
  if (!known) {
    snprintf(why, cap, "dtype '%s'", descr);
    return 0;
  }
  if (order == '>' && *size > 1) {
    snprintf(why, cap, "big-endian dtype '%s'", descr);
    return 0;
  }
  snprintf(why, cap, "%s", descr);
  return 1;
}

/* Little-endian element k of the given kind/size as a double. */
static double le_elem(const unsigned char *b, char kind, int size, size_t k) {
  const unsigned char *q = b + k * (size_t)size;
  uint64_t u = 0;
  for (int i = size - 1; i >= 0; i--)
    u = (u << 8) | q[i];
  if (kind == 'f') {
    if (size == 8) {
      double v;
      memcpy(&v, &u, 8);
      return v;
    }
    uint32_t w = (uint32_t)u;
    float f;
    memcpy(&f, &w, 4);
    return f;
  }
  if (kind == 'u' || kind == 'b')
    return (double)u;
  /* signed: sign-extend from size bytes */
  if (size < 8 && (u >> (8 * size - 1)) & 1)
    u |= ~(uint64_t)0 << (8 * size);
  return (double)(int64_t)u;
}

/* Converts the bytes of one .npy member into a. */
static int npy_convert(const char *where, const unsigned char *buf,
                       size_t len, mtl__arr *a) {
  npy_hdr h;
  const char *why;
  memset(a, 0, sizeof *a);
  if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
    return mtl__err(MTL_EFORMAT, "%s: not a .npy array (bad magic)", where);
  int major = buf[6];
  size_t hlen, off;
  if (major == 1) {
    hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
    off = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12)
      return mtl__err(MTL_EFORMAT, "%s: truncated .npy header", where);
    hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
           (size_t)buf[11] << 24;
    off = 12;
  } else {
    return mtl__err(MTL_EUNSUPPORTED, "%s: .npy format version %d.%d",
                    where, major, buf[7]);
  }
  if (hlen > len - off)
    return mtl__err(MTL_EFORMAT, "%s: truncated .npy header (%zu bytes "
                                 "announced, %zu present)",
                    where, hlen, len - off);
  why = parse_header((const char *)buf + off, (const char *)buf + off + hlen,
                     &h);
  if (why)
    return mtl__err(MTL_EFORMAT, "%s: bad .npy header: %s", where, why);
  off += hlen;
  a->rank = h.rank;
  memcpy(a->dims, h.dims, sizeof a->dims);
  a->colmajor = h.fortran;
  char kind;
  int size;
  if (!dtype_ok(h.descr, &kind, &size, a->cls, sizeof a->cls)) {
    a->kind = MTL__ARR_OTHER;
    return MTL_OK;
  }
  size_t n = 1;
  for (int k = 0; k < h.rank; k++) {
    if (h.dims[k] && n > SIZE_MAX / 16 / h.dims[k])
      return mtl__err(MTL_EFORMAT, "%s: shape too large", where);
    n *= h.dims[k];
  }
  if (n * (size_t)size > len - off)
    return mtl__err(MTL_EFORMAT,
                    "%s: truncated data: shape needs %zu bytes, %zu present",
                    where, n * (size_t)size, len - off);
  a->kind = MTL__ARR_NUM;
  a->data = mtl__malloc((n ? n : 1) * sizeof *a->data);
  if (!a->data)
    return MTL_ENOMEM;
  for (size_t k = 0; k < n; k++)
    a->data[k] = le_elem(buf + off, kind, size, k);
  return MTL_OK;
}

/* Deflate's largest compression ratio is 1032:1 (258-byte matches coded in
 * 2 bits): a member that declares more than that many bytes per
 * compressed byte is lying, and its size must not be allocated. */
#define NPZ_MAX_RATIO 1032

/* Checks the sizes a member's directory entry declares before anything is
 * allocated (issue 18): the compressed size against the archive's size
 * (path), the uncompressed one against the compressed one: equal when
 * stored, at most NPZ_MAX_RATIO times (plus a block's slack) otherwise. */
static int member_size_ok(const char *path, const char *where,
                          const char *member, const zip_stat_t *st) {
  struct stat fs;
  if (st->size > (zip_uint64_t)SIZE_MAX / 2)
    return mtl__err(MTL_EFORMAT, "%s: member %s too large", where, member);
  if (!(st->valid & ZIP_STAT_COMP_SIZE) || !(st->valid & ZIP_STAT_COMP_METHOD))
    return MTL_OK;
  zip_uint64_t c = st->comp_size;
  if (stat(path, &fs) == 0 && S_ISREG(fs.st_mode) &&
      c > (zip_uint64_t)fs.st_size)
    return mtl__err(MTL_EFORMAT,
                    "%s: member %s declares %llu compressed bytes but the "
                    "file has %lld: the zip directory is corrupt",
                    where, member, (unsigned long long)c,
                    (long long)fs.st_size);
  int stored = st->comp_method == ZIP_CM_STORE;
  if (stored ? st->size != c
             : c > UINT64_MAX / NPZ_MAX_RATIO ||
                   st->size > c * NPZ_MAX_RATIO + 1024)
    return mtl__err(MTL_EFORMAT,
                    "%s: member %s declares %llu bytes from %llu %s bytes "
                    "(%s): the zip directory is corrupt",
                    where, member, (unsigned long long)st->size,
                    (unsigned long long)c, stored ? "stored" : "compressed",
                    stored ? "stored sizes must be equal"
                           : "more than deflate's largest ratio, 1032:1");
  return MTL_OK;
}

static int npz_load(mtl__varsrc *s, const char *name, mtl__arr *out) {
  zip_t *z = s->h;
  char member[300], where[1200];
  snprintf(member, sizeof member, "%s.npy", name);
  snprintf(where, sizeof where, "%s: variable '%s'", s->path, name);
  zip_int64_t idx = zip_name_locate(z, member, 0);
  zip_stat_t st;
  if (idx < 0 || zip_stat_index(z, (zip_uint64_t)idx, 0, &st) != 0 ||
      !(st.valid & ZIP_STAT_SIZE))
    return mtl__err(MTL_EFORMAT, "%s: cannot locate member %s", where,
                    member);
  int rc = member_size_ok(s->path, where, member, &st);
  if (rc)
    return rc;
  size_t len = (size_t)st.size;
  unsigned char *buf = mtl__malloc(len ? len : 1);
  if (!buf)
    return MTL_ENOMEM;
  zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
  zip_int64_t got = f ? zip_fread(f, buf, len) : -1;
  if (got >= 0 && got != (zip_int64_t)len)
    rc = mtl__err(MTL_EFORMAT, "%s: member %s is truncated: %lld of the %zu "
                               "bytes its directory entry declares",
                  where, member, (long long)got, len);
  else if (got != (zip_int64_t)len)
    rc = mtl__err(MTL_EFORMAT, "%s: cannot read member %s: %s", where,
                  member, f ? zip_file_strerror(f) : zip_strerror(z));
  else
    rc = npy_convert(where, buf, len, out);
  if (f)
    zip_fclose(f);
  free(buf);
  if (rc)
    mtl__arr_clear(out);
  return rc;
}

static void npz_close(mtl__varsrc *s) {
  for (int k = 0; k < s->nvars; k++)
    free(s->names[k]);
  free(s->names);
  if (s->h)
    zip_discard(s->h);
  memset(s, 0, sizeof *s);
}

int mtl__npz_open(const char *path, mtl__varsrc *s) {
  int zerr = 0;
  memset(s, 0, sizeof *s);
  zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
  if (!z) {
    zip_error_t e;
    zip_error_init_with_code(&e, zerr);
    int rc = mtl__err(MTL_EFORMAT, "%s: not a readable .npz (zip) file: %s",
                      path, zip_error_strerror(&e));
    zip_error_fini(&e);
    return rc;
  }
  s->h = z;
  s->path = path;
  s->load = npz_load;
  s->close = npz_close;
  zip_int64_t n = zip_get_num_entries(z, 0);
  s->names = mtl__calloc(n > 0 ? (size_t)n : 1, sizeof *s->names);
  if (!s->names) {
    npz_close(s);
    return MTL_ENOMEM;
  }
  for (zip_int64_t k = 0; k < n; k++) {
    const char *nm = zip_get_name(z, (zip_uint64_t)k, 0);
    size_t l = nm ? strlen(nm) : 0;
    if (l <= 4 || strcmp(nm + l - 4, ".npy") != 0)
      continue;
    char *v = mtl__malloc(l - 3);
    if (!v) {
      npz_close(s);
      return MTL_ENOMEM;
    }
    memcpy(v, nm, l - 4);
    v[l - 4] = '\0';
    s->names[s->nvars++] = v;
  }
  s->path = path;
  return MTL_OK;
}
