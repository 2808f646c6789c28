/* fuzz_npy.c -- the .npy parser of the .npz reader: the input is the member
 * X.npy of a well-formed (stored, uncompressed) zip whose y.npy is a fixed
 * vector of three labels, so that every run reaches the .npy header and
 * data rather than the zip checks. */
#include "fuzz_common.h"

static uint32_t crc32_of(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

static uint8_t *put(uint8_t *q, uint32_t v, int bytes) {
  for (int k = 0; k < bytes; k++)
    *q++ = (uint8_t)(v >> (8 * k));
  return q;
}

typedef struct member {
  const char *name;
  const uint8_t *data;
  uint32_t len, crc, off;
} member;

/* A header (local: 30 bytes, central: 46) for member m, names after it. */
static uint8_t *header(uint8_t *q, const member *m, int central) {
  uint16_t nl = (uint16_t)strlen(m->name);
  q = put(q, central ? 0x02014b50u : 0x04034b50u, 4);
  if (central)
    q = put(q, 20, 2); /* made by */
  q = put(q, 20, 2);   /* version needed */
  q = put(q, 0, 2);    /* flags */
  q = put(q, 0, 2);    /* stored */
  q = put(q, 0, 4);    /* time, date */
  q = put(q, m->crc, 4);
  q = put(q, m->len, 4);
  q = put(q, m->len, 4);
  q = put(q, nl, 2);
  q = put(q, 0, 2); /* extra */
  if (central) {
    q = put(q, 0, 2); /* comment */
    q = put(q, 0, 2); /* disk */
    q = put(q, 0, 2); /* internal attributes */
    q = put(q, 0, 4); /* external attributes */
    q = put(q, m->off, 4);
  }
  memcpy(q, m->name, nl);
  return q + nl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint8_t y[] =
      "\x93NUMPY\x01\x00\x3f\x00{'descr': '<f8', 'fortran_order': False, "
      "'shape': (3,), }    \n"
      "\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\xf0\xbf"
      "\x00\x00\x00\x00\x00\x00\xf0\x3f";
  if (size > (1u << 24))
    return 0;
  member ms[2] = {{"X.npy", data, (uint32_t)size, 0, 0},
                  {"y.npy", y, sizeof y - 1, 0, 0}};
  size_t cap = size + sizeof y + 4 * 64 + 22;
  uint8_t *z = malloc(cap), *q = z;
  for (int k = 0; k < 2; k++) {
    ms[k].crc = crc32_of(ms[k].data, ms[k].len);
    ms[k].off = (uint32_t)(q - z);
    q = header(q, &ms[k], 0);
    if (ms[k].len)
      memcpy(q, ms[k].data, ms[k].len);
    q += ms[k].len;
  }
  uint32_t cd = (uint32_t)(q - z);
  for (int k = 0; k < 2; k++)
    q = header(q, &ms[k], 1);
  uint32_t cdlen = (uint32_t)(q - z) - cd;
  q = put(q, 0x06054b50u, 4);
  q = put(q, 0, 4); /* disks */
  q = put(q, 2, 2);
  q = put(q, 2, 2);
  q = put(q, cdlen, 4);
  q = put(q, cd, 4);
  q = put(q, 0, 2); /* comment */
  const char *p = fz_write("in.npz", z, (size_t)(q - z));
  free(z);
  fz_read_dataset(p, "format=npz");
  unlink(p);
  return 0;
}
