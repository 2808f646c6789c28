/* fuzz_mat.c -- the MATLAB .mat reader (v4, v5, v7.3 through matio) and the
 * layouts of its variables. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = fz_write("in.mat", data, size);
  fz_read_dataset(p, "format=mat");
  unlink(p);
  return 0;
}
