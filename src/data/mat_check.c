/*
 * mat_check.c -- checks the structure of a MATLAB v4 or v5 file before
 * matio reads it (issue 18).
 *
 * matio trusts the lengths and dimensions a file declares and allocates
 * them before it reads a data byte: a 30-byte v4 file asked it for 2^60
 * bytes, a 503-byte v5 file for a cell array of 51,904,530 entries, and a
 * name length is malloc'd as it stands.  This walks every element the way
 * matio's Mat_VarReadNextInfo and Mat_VarRead parse it (through zlib for
 * compressed variables) and refuses a file in which a length runs past
 * the element that holds it, a variable's data past the end of the file,
 * or a cell array or struct declares more entries than the bytes that
 * could hold them.  What matio then allocates is bounded by a small
 * multiple of the bytes the file holds once inflated.  v7.3 files (HDF5)
 * are left to HDF5.
 */
#include "data.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define MAT_MAX_DEPTH 32 /* cells in cells in ... */

enum { T_INT8 = 1, T_INT32 = 5, T_UINT32 = 6, T_MATRIX = 14, T_ZLIB = 15 };
enum {
  C_CELL = 1,
  C_STRUCT = 2,
  C_CHAR = 4,
  C_SPARSE = 5,
  C_DOUBLE = 6,
  C_UINT64 = 15,
  C_FUNCTION = 16
};

typedef struct mck {
  FILE *f;
  int swap;
  int zon; /* reading the inflated stream of a variable */
  z_stream z;
  uint64_t zin;    /* compressed bytes not yet fed to z */
  uint64_t nested; /* cells and fields allocated so far */
  uint64_t nested_max;
  int var; /* the top-level variable being walked, 1-based */
  unsigned char ib[16384];
  char why[160];
} mck;

static int bad(mck *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (!c->why[0])
    vsnprintf(c->why, sizeof c->why, fmt, ap);
  va_end(ap);
  return -1;
}

static uint32_t u32(const mck *c, const unsigned char *b) {
  uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
               (uint32_t)b[3] << 24;
  return c->swap
             ? (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | v << 24
             : v;
}

/* Reads k bytes of the current source: the file, or the inflated stream of
 * a compressed variable. */
static int get(mck *c, void *buf, size_t k) {
  if (!c->zon)
    return fread(buf, 1, k, c->f) == k ? 0 : bad(c, "truncated");
  c->z.next_out = buf;
  c->z.avail_out = (uInt)k;
  while (c->z.avail_out) {
    if (!c->z.avail_in) {
      size_t want = c->zin < sizeof c->ib ? (size_t)c->zin : sizeof c->ib;
      size_t got = want ? fread(c->ib, 1, want, c->f) : 0;
      if (!got)
        return bad(c, "compressed data truncated");
      c->zin -= got;
      c->z.next_in = c->ib;
      c->z.avail_in = (uInt)got;
    }
    int r = inflate(&c->z, Z_NO_FLUSH);
    if (r == Z_STREAM_END && c->z.avail_out)
      return bad(c, "compressed data shorter than its elements");
    if (r != Z_OK && r != Z_STREAM_END)
      return bad(c, "corrupt compressed data");
  }
  return 0;
}

static int skip(mck *c, uint64_t k) {
  unsigned char t[4096];
  if (!c->zon)
    return fseeko(c->f, (off_t)k, SEEK_CUR) ? bad(c, "truncated") : 0;
  while (k) {
    size_t n = k < sizeof t ? (size_t)k : sizeof t;
    if (get(c, t, n))
      return -1;
    k -= n;
  }
  return 0;
}

/* Takes n bytes from the rem left in the enclosing element. */
static int take(mck *c, uint64_t *rem, uint64_t n, const char *what) {
  if (n > *rem)
    return bad(c, "%s of %llu bytes runs past its element (%llu left)", what,
               (unsigned long long)n, (unsigned long long)*rem);
  *rem -= n;
  return 0;
}

static uint64_t pad8(uint64_t n) { return (n + 7) & ~(uint64_t)7; }

/* Bytes per element of a v5 data type; UINT64_MAX (nothing fits) for an
 * unknown one. */
static uint64_t type_size(uint32_t t) {
  switch (t) {
  case 1:
  case 2:
  case 16:
    return 1; /* int8, uint8, utf8 */
  case 3:
  case 4:
  case 17:
    return 2; /* int16, uint16, utf16 */
  case 5:
  case 6:
  case 7:
  case 18:
    return 4; /* int32, uint32, single, utf32 */
  case 9:
  case 12:
  case 13:
    return 8; /* double, int64, uint64 */
  default:
    return UINT64_MAX;
  }
}

static int matrix(mck *c, uint64_t n, int depth);

/* count miMATRIX elements (cells, fields, function handles) of rem. */
static int children(mck *c, uint64_t *rem, uint64_t count, int depth) {
  if (count > *rem / 8 || count > c->nested_max - c->nested)
    return bad(c, "%llu cells or fields in %llu bytes",
               (unsigned long long)count, (unsigned long long)*rem);
  c->nested += count;
  for (uint64_t k = 0; k < count; k++) {
    unsigned char b[8];
    if (take(c, rem, 8, "cell tag") || get(c, b, 8))
      return -1;
    uint32_t type = u32(c, b), len = u32(c, b + 4);
    if (len == 0)
      continue; /* an empty cell */
    if (type != T_MATRIX)
      return bad(c, "cell %llu is not a matrix (type %u)",
                 (unsigned long long)k + 1, type);
    if (take(c, rem, len, "cell") || matrix(c, len, depth + 1))
      return -1;
  }
  return 0;
}

/* A struct's field names and its numel x nfields fields. */
static int fields(mck *c, uint64_t *rem, uint64_t numel, int depth) {
  unsigned char b[8];
  if (take(c, rem, 8, "field name length") || get(c, b, 8))
    return -1;
  uint32_t L = u32(c, b + 4), nf = 0;
  if ((u32(c, b) & 0xffff) != T_INT32 || L == 0)
    return 0; /* matio stops here */
  if (take(c, rem, 8, "field names tag") || get(c, b, 8))
    return -1;
  uint32_t t = u32(c, b);
  if (t == T_INT8) {
    uint32_t len = u32(c, b + 4);
    nf = len / L;
    if (take(c, rem, pad8((uint64_t)nf * L), "field names") ||
        skip(c, pad8((uint64_t)nf * L)))
      return -1;
  } else if ((t & 0xffff) == T_INT8 && (t >> 16) > 0 && (t >> 16) <= 4) {
    nf = (t >> 16) / L;
  }
  if (nf && numel > UINT64_MAX / nf)
    return bad(c, "struct too large");
  return children(c, rem, numel * nf, depth);
}

/* The array flags, dimensions and name of a matrix as matio reads them;
 * *cls, *cplx and *numel receive its class, complex flag and element
 * count. */
static int matrix_header(mck *c, uint64_t *rem, int *cls, int *cplx,
                         uint64_t *numel) {
  unsigned char b[24];
  if (take(c, rem, 24, "array header") || get(c, b, 24))
    return -1;
  int flags = u32(c, b) == T_UINT32 || u32(c, b) == T_INT32;
  *cls = flags ? u32(c, b + 8) & 0xff : 0;
  *cplx = flags && (u32(c, b + 8) & 0x800);
  *numel = 1;
  if (u32(c, b + 16) == T_INT32) {
    uint64_t rank = u32(c, b + 20) / 4;
    for (uint64_t k = 0; k < rank; k++) {
      if (take(c, rem, 4, "dimensions") || get(c, b, 4))
        return -1;
      uint64_t d = u32(c, b);
      if (d && *numel > UINT64_MAX / 256 / d)
        return bad(c, "dimensions too large");
      *numel *= d;
    }
    if (rank % 2 && (take(c, rem, 4, "dimensions") || skip(c, 4)))
      return -1;
  }
  if (take(c, rem, 8, "name tag") || get(c, b, 8))
    return -1;
  if (u32(c, b) == T_INT8 && u32(c, b + 4) > 0) {
    uint64_t len = pad8(u32(c, b + 4));
    if (take(c, rem, len, "name") || skip(c, len))
      return -1;
  }
  return 0;
}

/* A miMATRIX element of n bytes: its header, then its cells or fields, then
 * its data elements, each of which must fit in what is left of n. */
static int matrix(mck *c, uint64_t n, int depth) {
  uint64_t rem = n, numel;
  int cls, cplx, de;
  if (depth > MAT_MAX_DEPTH)
    return bad(c, "cells nested more than %d deep", MAT_MAX_DEPTH);
  if (matrix_header(c, &rem, &cls, &cplx, &numel))
    return -1;
  if (cls == C_FUNCTION) /* Mat_VarFree does not free what its listing
                            reads (a leak found by fuzz_mat) */
    return bad(c, "function handle (not supported)");
  if (cls == C_CELL && children(c, &rem, numel, depth))
    return -1;
  if (cls == C_STRUCT && fields(c, &rem, numel, depth))
    return -1;
  int numeric = cls == C_CHAR || (cls >= C_DOUBLE && cls <= C_UINT64);
  if (numeric && numel && rem < 8)
    return bad(c, "no data for %llu elements", (unsigned long long)numel);
  for (de = 0; rem >= 8; de++) { /* data elements */
    unsigned char b[8];
    if (get(c, b, 8))
      return -1;
    rem -= 8;
    uint32_t t = u32(c, b);
    uint64_t len = t >> 16 ? t >> 16 : u32(c, b + 4);
    if (t >> 16 && len > 4) /* matio would read past the tag */
      return bad(c, "small data element of %llu bytes (at most 4)",
                 (unsigned long long)len);
    /* Mat_VarRead allocates numel elements of the class: they must be in
     * the element (stored in the same or a smaller type) */
    if (numeric && len / type_size(t & 0xffff) < numel)
      return bad(c, "%llu elements declared, %llu bytes of type %u present",
                 (unsigned long long)numel, (unsigned long long)len,
                 t & 0xffff);
    /* matio reads a sparse matrix's row and column indices as len / 4
     * elements of the element's type: any other size than 4 puts it
     * elsewhere than the next element */
    if (cls == C_SPARSE && de < 2 && (type_size(t & 0xffff) != 4 || len % 4))
      return bad(c, "sparse index element of type %u and %llu bytes",
                 t & 0xffff, (unsigned long long)len);
    if (t >> 16)
      continue; /* small element: its data was in the tag */
    if (take(c, &rem, len, "data element") || skip(c, len))
      return -1;
    uint64_t p = pad8(len) - len;
    p = p < rem ? p : rem;
    if (skip(c, p))
      return -1;
    rem -= p;
  }
  /* matio reads ir, jc and the values of a sparse matrix (the values of a
   * numeric one), and the imaginary parts of a complex one, wherever they
   * are: a missing one is taken from the next variable (a jc tag read from
   * a double's bytes asked for 3.2 GB, found by fuzz_mat) */
  int need = (cls == C_SPARSE ? 3 : numeric && numel ? 1 : 0) +
             (cplx && (cls == C_SPARSE || (numeric && numel)));
  if (de < need)
    return bad(c, "%d of the %d data elements of a %s matrix present", de,
               need, cls == C_SPARSE ? "sparse" : "numeric");
  return skip(c, rem);
}

/* A compressed variable of n bytes at the current position. */
static int compressed(mck *c, uint64_t n) {
  unsigned char b[8];
  memset(&c->z, 0, sizeof c->z);
  if (inflateInit(&c->z) != Z_OK)
    return bad(c, "zlib: cannot start");
  c->zon = 1;
  c->zin = n;
  int rc = get(c, b, 8);
  if (!rc && u32(c, b) != T_MATRIX)
    rc = bad(c, "compressed element is not a matrix");
  if (!rc)
    rc = matrix(c, u32(c, b + 4), 0);
  inflateEnd(&c->z);
  c->zon = 0;
  return rc;
}

/* Every top-level element of a v5 file of size fsize. */
static int walk_v5(mck *c, uint64_t fsize) {
  uint64_t pos = 128;
  for (int var = 1; fsize - pos >= 8; var++) {
    unsigned char b[8];
    if (fseeko(c->f, (off_t)pos, SEEK_SET) || get(c, b, 8))
      return -1;
    uint32_t type = u32(c, b), n = u32(c, b + 4);
    if (type != T_MATRIX && type != T_ZLIB)
      return 0; /* matio ends the listing here */
    c->var = var;
    if (n > fsize - pos - 8)
      return bad(c, "element of %u bytes, %llu left in the file", n,
                 (unsigned long long)(fsize - pos - 8));
    c->var = var;
    if (type == T_MATRIX ? matrix(c, n, 0) : compressed(c, n))
      return -1;
    pos += 8 + (uint64_t)n;
  }
  return 0;
}

/* Element k of a v4 record's data of type P at off, as a double. */
static int v4_value(mck *c, uint64_t off, int P, double *v) {
  static const int size[] = {8, 4, 4, 2, 2, 1};
  unsigned char b[8];
  if (fseeko(c->f, (off_t)off, SEEK_SET) || get(c, b, (size_t)size[P]))
    return -1;
  uint32_t lo = u32(c, b), hi = P == 0 ? u32(c, b + 4) : 0;
  if (P == 0) {
    uint64_t u = c->swap ? (uint64_t)lo << 32 | hi : (uint64_t)hi << 32 | lo;
    memcpy(v, &u, 8);
  } else if (P == 1) {
    float f;
    memcpy(&f, &lo, 4);
    *v = f;
  } else {
    *v = P == 2   ? (double)(int32_t)lo
         : P == 3 ? (double)(int16_t)(c->swap ? lo >> 16 : lo & 0xffff)
         : P == 4 ? (double)(uint16_t)(c->swap ? lo >> 16 : lo & 0xffff)
                  : (double)b[0];
  }
  return 0;
}

/* A v4 sparse record: rows of (i, j, re[, im]), its last row the
 * dimensions, which matio allocates by (a record of 0 columns made it ask
 * for 8 GB, found by fuzz_mat): 3 or 4 columns, and dimensions that are
 * whole numbers within 2^24 or 16 x the file's size. */
static int sparse_v4(mck *c, uint64_t data, int32_t rows, int32_t cols, int P,
                     uint64_t fsize) {
  static const int size[] = {8, 4, 4, 2, 2, 1};
  if (rows < 1 || (cols != 3 && cols != 4))
    return bad(c, "sparse record of %d x %d (rows of i, j, value[, imag] "
                  "and a last row of dimensions wanted)", rows, cols);
  double lim = fsize * 16.0 > 16777216.0 ? fsize * 16.0 : 16777216.0;
  for (int k = 0; k < 2; k++) {
    double v;
    uint64_t at = data + ((uint64_t)k * (uint64_t)rows + (uint64_t)rows - 1) *
                             (uint64_t)size[P];
    if (v4_value(c, at, P, &v))
      return -1;
    if (!(v >= 0 && v <= lim && v == (double)(int64_t)v))
      return bad(c, "sparse record declares dimension %g (a whole number "
                    "of at most %.0f wanted)", v, lim);
  }
  return 0;
}

/* Every record of a v4 file (as Mat_VarReadNextInfo4 reads it): the name
 * and the data it declares must be in the file. */
static int walk_v4(mck *c, uint64_t fsize) {
  uint64_t pos = 0;
  for (int var = 1; fsize - pos >= 20; var++) {
    unsigned char b[20];
    if (fseeko(c->f, (off_t)pos, SEEK_SET) || get(c, b, 20))
      return -1;
    c->swap = 0;
    int32_t mopt = (int32_t)u32(c, b);
    if (mopt < 0 || mopt > 4052) {
      c->swap = 1;
      mopt = (int32_t)u32(c, b);
    }
    int P = mopt / 10 % 10;
    if (mopt < 0 || mopt > 4052 || mopt / 1000 > 1 || mopt / 100 % 10 ||
        P > 5 || mopt % 10 > 2)
      return 0; /* matio ends the listing here */
    /* matio takes the MOPT word in either byte order, but the rest in the
     * order its M digit names (0 little-endian, 1 big-endian; u32 reads
     * little-endian unless swap) */
    c->swap = mopt / 1000 == 1;
    int32_t rows = (int32_t)u32(c, b + 4), cols = (int32_t)u32(c, b + 8);
    int32_t namelen = (int32_t)u32(c, b + 16);
    static const int size[] = {8, 4, 4, 2, 2, 1};
    if (namelen < 1)
      return 0;
    c->var = var;
    if (rows < 0 || cols < 0)
      return bad(c, "negative dimension %d x %d", rows, cols);
    uint64_t data = (uint64_t)rows * (uint64_t)cols * (uint64_t)size[P] *
                    (u32(c, b + 12) ? 2 : 1);
    if ((uint64_t)namelen > fsize - pos - 20 ||
        data > fsize - pos - 20 - (uint64_t)namelen)
      return bad(c,
                 "%d x %d needs %llu bytes and its name %d, %llu left "
                 "in the file",
                 rows, cols, (unsigned long long)data, namelen,
                 (unsigned long long)(fsize - pos - 20));
    if (mopt % 10 == 2 &&
        sparse_v4(c, pos + 20 + (uint64_t)namelen, rows, cols, P, fsize))
      return -1;
    pos += 20 + (uint64_t)namelen + data;
  }
  return 0;
}

int mtl__mat_check(const char *path) {
  static mck zero;
  struct stat st;
  unsigned char h[128];
  FILE *f = fopen(path, "rb");
  if (!f)
    return MTL_OK; /* Mat_Open reports it */
  mck *c = malloc(sizeof *c);
  if (!c) {
    fclose(f);
    return MTL_ENOMEM;
  }
  *c = zero;
  c->f = f;
  int rc = 0;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
    uint64_t fsize = (uint64_t)st.st_size;
    c->nested_max = ((uint64_t)1 << 20) + fsize / 8;
    size_t got = fread(h, 1, sizeof h, f);
    int v5 = got == 128 && ((h[126] == 'I' && h[127] == 'M') ||
                            (h[126] == 'M' && h[127] == 'I'));
    c->swap = v5 && h[126] == 'M';
    int ver = c->swap ? h[124] << 8 | h[125] : h[125] << 8 | h[124];
    if (v5 && ver == 0x0100)
      rc = walk_v5(c, fsize);
    else if (!(v5 && ver == 0x0200))
      rc = walk_v4(c, fsize);
  }
  if (rc)
    rc = mtl__err(MTL_EFORMAT, "%s: not a valid MATLAB file: variable %d: %s",
                  path, c->var, c->why);
  fclose(f);
  free(c);
  return rc;
}
