/* fuzz_index.c -- split (index) files: a .mat file when the input starts
 * like one (v5 text header or HDF5 signature), else the text form. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int mat = (size >= 6 && memcmp(data, "MATLAB", 6) == 0) ||
            (size >= 8 && memcmp(data, "\x89HDF\r\n\x1a\n", 8) == 0);
  const char *p = fz_write(mat ? "in.mat" : "in.txt", data, size);
  int64_t *idx = NULL, m = 0;
  if (mtl_read_index_file(p, "tr", &idx, &m) == MTL_OK) {
    for (int64_t k = 0; k < m; k++)
      if (idx[k] < 0) {
        fprintf(stderr, "mtl fuzz: negative index %lld\n", (long long)idx[k]);
        abort();
      }
  }
  mtl_free(idx);
  unlink(p);
  return 0;
}
