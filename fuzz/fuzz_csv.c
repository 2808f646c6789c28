/* fuzz_csv.c -- the CSV dataset reader (header with task and label
 * columns). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = fz_write("in.csv", data, size);
  fz_read_dataset(p, "format=csv");
  unlink(p);
  return 0;
}
