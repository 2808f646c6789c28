/*
 * test_loss.c -- per-sample losses: closed-form values, derivatives against
 * central finite differences, Lipschitz constants on random pairs, logistic
 * stability at |z| = 1e4, hinge subgradients, names and error paths.
 */
#include "check.h"

static const mtl_loss smooth[] = {MTL_LOSS_SQUARED, MTL_LOSS_LOGISTIC,
                                  MTL_LOSS_SQHINGE};

static double loss1(mtl_loss l, double z, double y, double *g) {
  return mtl_loss_eval(l, &z, &y, 1, g);
}

/* Known values at hand-picked points. */
static void test_values(void) {
  double g;
  CHECK_CLOSE(loss1(MTL_LOSS_SQUARED, 3.0, 1.0, &g), 2.0, 1e-15);
  CHECK_CLOSE(g, 2.0, 1e-15);
  CHECK_CLOSE(loss1(MTL_LOSS_SQUARED, -1.5, 0.5, &g), 2.0, 1e-15);
  CHECK_CLOSE(g, -2.0, 1e-15);
  CHECK_CLOSE(loss1(MTL_LOSS_LOGISTIC, 0.0, 1.0, &g), log(2.0), 1e-15);
  CHECK_CLOSE(g, -0.5, 1e-15);
  CHECK_CLOSE(loss1(MTL_LOSS_LOGISTIC, 0.0, -1.0, &g), log(2.0), 1e-15);
  CHECK_CLOSE(g, 0.5, 1e-15);
  /* l(2, 1) = log(1 + e^-2), dl/dz = -1 / (1 + e^2) */
  CHECK_CLOSE(loss1(MTL_LOSS_LOGISTIC, 2.0, 1.0, &g), log(1 + exp(-2.0)),
              1e-15);
  CHECK_CLOSE(g, -1.0 / (1.0 + exp(2.0)), 1e-15);
  CHECK_CLOSE(loss1(MTL_LOSS_LOGISTIC, 2.0, -1.0, &g), log(1 + exp(2.0)),
              1e-15);
  CHECK_CLOSE(g, 1.0 / (1.0 + exp(-2.0)), 1e-15);
  CHECK_CLOSE(loss1(MTL_LOSS_SQHINGE, 0.5, 1.0, &g), 0.125, 1e-15);
  CHECK_CLOSE(g, -0.5, 1e-15);
  CHECK_CLOSE(loss1(MTL_LOSS_SQHINGE, 0.5, -1.0, &g), 1.125, 1e-15);
  CHECK_CLOSE(g, 1.5, 1e-15);
  CHECK(loss1(MTL_LOSS_SQHINGE, 3.0, 1.0, &g) == 0.0 && g == 0.0);
  CHECK_CLOSE(loss1(MTL_LOSS_HINGE, -2.0, 1.0, &g), 3.0, 1e-15);
  CHECK(g == -1.0);

  /* The sum over a vector equals the sum of per-sample values; g may be
   * NULL. */
  unsigned long long seed = 11;
  double z[50], y[50], gv[50];
  for (int i = 0; i < 50; i++) {
    z[i] = 3 * check_rand(&seed);
    y[i] = check_rand(&seed) < 0 ? -1.0 : 1.0;
  }
  for (int k = 0; k < 4; k++) {
    mtl_loss l = (mtl_loss)k;
    double sum = 0;
    for (int i = 0; i < 50; i++)
      sum += loss1(l, z[i], y[i], &g);
    CHECK_CLOSE(mtl_loss_eval(l, z, y, 50, gv), sum, 1e-14);
    CHECK_CLOSE(mtl_loss_eval(l, z, y, 50, NULL), sum, 1e-14);
    for (int i = 0; i < 50; i++) {
      loss1(l, z[i], y[i], &g);
      CHECK(gv[i] == g);
    }
    CHECK(mtl_loss_eval(l, NULL, NULL, 0, NULL) == 0.0);
  }
}

/* Derivatives against central differences (h = 1e-5), relative 1e-6.  Points
 * within 1e-3 of the squared hinge's kink are skipped (its second derivative
 * jumps there, so the central difference is off by O(h)). */
static void test_gradients(void) {
  unsigned long long seed = 3;
  int checked = 0;
  for (int rep = 0; rep < 300; rep++) {
    for (size_t k = 0; k < sizeof smooth / sizeof smooth[0]; k++) {
      mtl_loss l = smooth[k];
      double z = 6 * check_rand(&seed);
      double y = l == MTL_LOSS_SQUARED ? 4 * check_rand(&seed)
                                       : (check_rand(&seed) < 0 ? -1.0 : 1.0);
      if (l == MTL_LOSS_SQHINGE && fabs(1 - y * z) < 1e-3)
        continue;
      double g, h = 1e-5;
      loss1(l, z, y, &g);
      double fd =
          (loss1(l, z + h, y, NULL) - loss1(l, z - h, y, NULL)) / (2 * h);
      double sc = fabs(g) > 1e-3 ? fabs(g) : 1e-3;
      CHECK_LE(fabs(g - fd), 1e-6 * sc);
      checked++;
    }
  }
  CHECK(checked > 850);
  /* Hinge: away from the kink the subgradient is the exact derivative. */
  for (int rep = 0; rep < 200; rep++) {
    double z = 4 * check_rand(&seed), y = check_rand(&seed) < 0 ? -1.0 : 1.0;
    if (fabs(1 - y * z) < 1e-3)
      continue;
    double g, h = 1e-6;
    loss1(MTL_LOSS_HINGE, z, y, &g);
    double fd = (loss1(MTL_LOSS_HINGE, z + h, y, NULL) -
                 loss1(MTL_LOSS_HINGE, z - h, y, NULL)) /
                (2 * h);
    CHECK_CLOSE(g, fd, 1e-8);
    CHECK(g == (1 - y * z > 0 ? -y : 0.0));
  }
}

/* Hinge subgradient values, including the kink, where 0 is returned (a
 * valid element of [-y, 0] for y = 1 and [0, 1] for y = -1). */
static void test_hinge(void) {
  double g;
  CHECK(loss1(MTL_LOSS_HINGE, 0.5, 1.0, &g) == 0.5 && g == -1.0);
  CHECK(loss1(MTL_LOSS_HINGE, 0.5, -1.0, &g) == 1.5 && g == 1.0);
  CHECK(loss1(MTL_LOSS_HINGE, 1.0, 1.0, &g) == 0.0 && g == 0.0);
  CHECK(loss1(MTL_LOSS_HINGE, -1.0, -1.0, &g) == 0.0 && g == 0.0);
  CHECK(loss1(MTL_LOSS_HINGE, 7.0, 1.0, &g) == 0.0 && g == 0.0);
  CHECK(loss1(MTL_LOSS_HINGE, -7.0, 1.0, &g) == 8.0 && g == -1.0);
  /* Subgradient inequality l(z') >= l(z) + g (z' - z) on random pairs. */
  unsigned long long seed = 5;
  for (int rep = 0; rep < 500; rep++) {
    double z = 3 * check_rand(&seed), z2 = 3 * check_rand(&seed);
    double y = check_rand(&seed) < 0 ? -1.0 : 1.0;
    double l = loss1(MTL_LOSS_HINGE, z, y, &g);
    CHECK_LE(l + g * (z2 - z), loss1(MTL_LOSS_HINGE, z2, y, NULL) + 1e-15);
  }
}

/* |g(z1) - g(z2)| <= L |z1 - z2| on random pairs, and L is attained
 * (nearly) somewhere: the constants are tight, not just bounds. */
static void test_lipschitz(void) {
  CHECK(mtl_loss_lipschitz(MTL_LOSS_SQUARED) == 1.0);
  CHECK(mtl_loss_lipschitz(MTL_LOSS_LOGISTIC) == 0.25);
  CHECK(mtl_loss_lipschitz(MTL_LOSS_SQHINGE) == 1.0);
  CHECK(mtl_loss_lipschitz(MTL_LOSS_HINGE) == 0.0);
  unsigned long long seed = 9;
  for (size_t k = 0; k < sizeof smooth / sizeof smooth[0]; k++) {
    mtl_loss l = smooth[k];
    double L = mtl_loss_lipschitz(l), best = 0;
    for (int rep = 0; rep < 2000; rep++) {
      double y = check_rand(&seed) < 0 ? -1.0 : 1.0;
      double z1 = 5 * check_rand(&seed);
      double z2 = rep % 2 ? 5 * check_rand(&seed)
                          : z1 + 1e-3 * check_rand(&seed);
      if (z1 == z2)
        continue;
      double g1, g2;
      loss1(l, z1, y, &g1);
      loss1(l, z2, y, &g2);
      double q = fabs(g1 - g2) / fabs(z1 - z2);
      CHECK_LE(q, L * (1 + 1e-9));
      if (q > best)
        best = q;
    }
    CHECK_LE(0.95 * L, best);
  }
}

/* Logistic loss at |z| = 1e4 (the naive form overflows or returns 0). */
static void test_logistic_stability(void) {
  double g;
  double l = loss1(MTL_LOSS_LOGISTIC, 1e4, 1.0, &g);
  CHECK(isfinite(l) && l >= 0 && l < 1e-300);
  CHECK(isfinite(g) && g <= 0 && g > -1e-300);
  l = loss1(MTL_LOSS_LOGISTIC, -1e4, 1.0, &g);
  CHECK_CLOSE(l, 1e4, 1e-15);
  CHECK_CLOSE(g, -1.0, 1e-15);
  l = loss1(MTL_LOSS_LOGISTIC, 1e4, -1.0, &g);
  CHECK_CLOSE(l, 1e4, 1e-15);
  CHECK_CLOSE(g, 1.0, 1e-15);
  l = loss1(MTL_LOSS_LOGISTIC, -1e4, -1.0, &g);
  CHECK(isfinite(l) && l >= 0 && l < 1e-300);
  CHECK(isfinite(g) && g >= 0 && g < 1e-300);
  /* At margin 40 the value e^-40 ~ 4.2e-18 is kept to full relative
   * accuracy (log(1 + exp(-40)) would round to 0). */
  l = loss1(MTL_LOSS_LOGISTIC, 40.0, 1.0, &g);
  CHECK_LE(fabs(l - exp(-40.0)), 1e-14 * exp(-40.0));
  CHECK_LE(fabs(g + exp(-40.0)), 1e-14 * exp(-40.0));
  l = loss1(MTL_LOSS_LOGISTIC, -40.0, 1.0, &g);
  CHECK_CLOSE(l, 40.0, 1e-15);
  CHECK_CLOSE(g, -1.0, 1e-15);
  /* Random scores up to 1e4: finite values, derivatives in [-1, 1] with the
   * sign of -y, and l(m) - l(-m) = -m exactly up to rounding. */
  unsigned long long seed = 21;
  for (int rep = 0; rep < 1000; rep++) {
    double z = 1e4 * check_rand(&seed), y = rep % 2 ? 1.0 : -1.0;
    double ga, gb;
    double la = loss1(MTL_LOSS_LOGISTIC, z, y, &ga);
    double lb = loss1(MTL_LOSS_LOGISTIC, -z, y, &gb);
    CHECK(isfinite(la) && isfinite(ga) && la >= 0);
    CHECK(fabs(ga) <= 1 && ga * y <= 0);
    CHECK_CLOSE(la - lb, -y * z, 1e-14);
    CHECK_CLOSE(ga + gb, -y, 1e-14); /* sigma(-m) + sigma(m) = 1 */
  }
  /* The other losses stay finite there too. */
  for (int k = 0; k < 4; k++) {
    double zz[2] = {1e4, -1e4}, yy[2] = {1.0, 1.0}, gg[2];
    double s = mtl_loss_eval((mtl_loss)k, zz, yy, 2, gg);
    CHECK(isfinite(s) && isfinite(gg[0]) && isfinite(gg[1]));
  }
}

static void test_names(void) {
  const char *names[] = {"auto", "squared", "logistic", "sqhinge", "hinge"};
  for (int k = -1; k <= 3; k++) {
    int ok = -5;
    CHECK(strcmp(mtl_loss_name((mtl_loss)k), names[k + 1]) == 0);
    CHECK(mtl_loss_parse(mtl_loss_name((mtl_loss)k), &ok) == k);
    CHECK(ok == 1);
  }
  int ok = -5;
  CHECK(mtl_loss_parse("auto", &ok) == MTL_LOSS_AUTO && ok == 1);
  CHECK(mtl_loss_parse("Logistic", &ok) == MTL_LOSS_LOGISTIC && ok == 1);
  CHECK(mtl_loss_parse("hinge", NULL) == MTL_LOSS_HINGE);
  CHECK(mtl_loss_parse("hinges", &ok) == -1 && ok == 0);
  CHECK_MSG("unknown loss \"hinges\"");
  ok = 1;
  CHECK(mtl_loss_parse("", &ok) == -1 && ok == 0);
  ok = 1;
  CHECK(mtl_loss_parse(NULL, &ok) == -1 && ok == 0);
  CHECK_MSG("NULL");
  CHECK(strcmp(mtl_loss_name((mtl_loss)4), "unknown") == 0);
  CHECK(strcmp(mtl_loss_name((mtl_loss)-2), "unknown") == 0);
}

static void test_errors(void) {
  double z = 1, y = 1, g = 7;
  mtl_clear_error();
  CHECK(isnan(mtl_loss_eval((mtl_loss)9, &z, &y, 1, &g)));
  CHECK_MSG("invalid loss 9");
  CHECK(isnan(mtl_loss_eval(MTL_LOSS_AUTO, &z, &y, 1, &g)));
  CHECK_MSG("\"auto\" must be resolved");
  CHECK(isnan(mtl_loss_eval(MTL_LOSS_SQUARED, &z, &y, -1, &g)));
  CHECK_MSG("n = -1");
  CHECK(isnan(mtl_loss_eval(MTL_LOSS_SQUARED, NULL, &y, 1, &g)));
  CHECK_MSG("z is NULL");
  CHECK(isnan(mtl_loss_eval(MTL_LOSS_SQUARED, &z, NULL, 1, &g)));
  CHECK_MSG("y is NULL");
  CHECK(g == 7); /* untouched on error */
  CHECK(isnan(mtl_loss_lipschitz((mtl_loss)9)));
  CHECK_MSG("invalid loss 9");
  CHECK(isnan(mtl_loss_lipschitz(MTL_LOSS_AUTO)));
  CHECK_MSG("auto");
}

int main(void) {
  test_values();
  test_gradients();
  test_hinge();
  test_lipschitz();
  test_logistic_stability();
  test_names();
  test_errors();
  CHECK_DONE();
}
