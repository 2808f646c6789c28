#!/usr/bin/env bash
# gen_multitarget_arff.sh OUT [N] -- writes a small multi-target ARFF file
# in Mulan's layout (features first, the 3 targets y1..y3 last), the
# README's example and tests/cli_read.sh's data: N rows (default 120) of 6
# numeric features in [-1,1], a nominal attribute 'site' {north,south}, and
# targets y_t = x.w_t + 0.5*[site=south] + 0.5*noise, where the w_t are one
# shared vector plus small per-target changes.  Every 17th row has x3
# missing ('?').  Deterministic (Park and Miller's minimal generator, exact
# in double precision).
set -euo pipefail
out=${1:?usage: gen_multitarget_arff.sh OUT [N]}
n=${2:-120}
awk -v n="$n" 'BEGIN {
  s = 12345
  w0[1] = 1.0; w0[2] = -0.5; w0[3] = 0.8; w0[4] = 0; w0[5] = 0.3; w0[6] = 0
  for (t = 1; t <= 3; t++)
    for (j = 1; j <= 6; j++)
      w[t, j] = w0[j] + 0.2 * (t - 2) * (j % 2 ? 1 : -1)
  print "% multi-target example (scripts/gen_multitarget_arff.sh)"
  print "@relation multitarget"
  for (j = 1; j <= 6; j++) print "@attribute x" j " numeric"
  print "@attribute site {north,south}"
  for (t = 1; t <= 3; t++) print "@attribute y" t " numeric"
  print "@data"
  for (i = 1; i <= n; i++) {
    line = ""
    for (j = 1; j <= 6; j++) {
      s = (s * 16807) % 2147483647
      x[j] = 2 * s / 2147483647 - 1
      line = line sprintf("%.4f,", x[j])
    }
    south = i % 3 == 0
    if (i % 17 == 0) {
      split(line, f, ","); line = f[1] "," f[2] ",?," f[4] "," f[5] "," f[6] ","
    }
    line = line (south ? "south" : "north")
    for (t = 1; t <= 3; t++) {
      s = (s * 16807) % 2147483647
      e = 2 * s / 2147483647 - 1
      y = 0.5 * south + 0.5 * e
      for (j = 1; j <= 6; j++) y += w[t, j] * x[j]
      line = line sprintf(",%.4f", y)
    }
    print line
  }
}' >"$out"
