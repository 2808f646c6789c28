#!/usr/bin/python3
"""Asymmetric MTL (Lee, Yang & Hwang, ICML 2016), Table 1's MNIST and
Synthetic columns, under the authors' protocol as far as our data allow,
through libmtl's Python binding.

Usage: PYTHONPATH=python nice -n 19 /usr/bin/python3 bench/repro/asym_lee2016.py DATA > bench/repro/asym_lee2016.md
About 5 minutes on 2 cores.

* MNIST: the paper uses 5 random 1000/500/500 train/validation/test splits
  of PCA-64 MNIST (Kang et al.'s procedure).  We have Kang's split 1 only
  (2,000 digits, PCA 87), so we pool its 2,000 samples and re-split them
  5 times (seeds 0-4) into 1000/500/500; 10 one-vs-rest logistic tasks,
  10-class argmax error (%), hyper-parameters chosen on the validation
  part, the model refit on the training part.  Mean and 95% interval
  (1.96 sd / sqrt(5), the paper's "standard error for 95% confidence").
* Synthetic (Sec. 4.1): 12 regression tasks in two groups of 6, w_t =
  m_g + N(0, I), m_g ~ N(0, 4 I), noise sd 5 (tasks 1-3, 7-9) or 25,
  x ~ N(0, I), 30/30/30 per task; the paper does not state d: d = 15 and
  d = 25, 5 draws each; mean task RMSE.
* Methods: STL (independent ridge logistic / least squares, libmtl's
  batch solver), AMTL (Algorithm 1, "asym"), AMTL-Curriculum
  (Algorithm 2), and both with the separate ridge lambda_0 ||W||^2
  ("ridge", NOT in the paper).  Grids: lambda down to 1e-3 (STL to
  1e-4), mu in {0.01, 0.1} (MNIST) or {0.01, 0.1, 1} (synthetic),
  lambda_0 in {1e-3, 1e-2, 0.1} (MNIST) or {0.01, 0.1, 1} (synthetic).
"""
import os, subprocess, sys, time
import numpy as np
import scipy.io as sio
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
import libmtl  # noqa: E402

D = sys.argv[1]
AS = dict(max_outer=20, tol=1e-5, w_tol=1e-9, w_max_iter=1000)


def ci(v):
    v = np.asarray(v, float)
    return v.mean(), 1.96 * v.std(ddof=1) / np.sqrt(len(v))


def make(kind, lam, mu=None, ridge=None, reg=False):
    if kind == "STL":
        return libmtl.MultiTask("batch", reg="ridge", lambda_=lam,
                                scaling="double-mean" if reg else "mean")
    kw = dict(AS, lambda_=lam, mu=mu)
    if ridge:
        kw["ridge"] = ridge
    return libmtl.MultiTask("asym-curriculum" if "Curriculum" in kind
                            else "asym", **kw)


def grid(kind, data):
    mnist = data == "mnist"
    stl = [1e-4, 1e-3, 1e-2, 0.1, 1, 10]
    lams = [1e-3, 1e-2, 0.1, 1] if mnist else [1e-3, 1e-2, 0.1, 1, 10]
    mus = [0.01, 0.1] if mnist else [0.01, 0.1, 1]
    rid = [1e-3, 1e-2, 0.1] if mnist else [0.01, 0.1, 1]
    if kind == "STL":
        return [(l, None, None) for l in stl]
    if kind.endswith("+ ridge"):
        return [(l, 0.1, r) for l in lams for r in rid]
    return [(l, m, None) for l in lams for m in mus]


KINDS = ["STL", "AMTL", "AMTL + ridge", "AMTL-Curriculum",
         "AMTL-Curriculum + ridge"]


def select(kind, data, fit_eval):
    best, bh = np.inf, None
    for h in grid(kind, data):
        e = fit_eval(make(kind, h[0], h[1], h[2], reg=data != "mnist"))
        if e < best:
            best, bh = e, h
    return bh


# ---- MNIST ------------------------------------------------------------------
m = sio.loadmat(os.path.join(D, "mnist_usps_kang",
                             "split1_mnist_1000train.mat"))
Xm = np.vstack([m["digit_trainx"], m["digit_validx"],
                m["digit_testx"]]).astype(float)
lab = np.concatenate([m["digit_trainy"].ravel(), m["digit_validy"].ravel(),
                      m["digit_testy"].ravel()]).astype(int) - 1
Ym = np.where(lab[:, None] == np.arange(10)[None, :], 1.0, -1.0)


def mnist_err(est, tr, ev):
    est.fit(Xm[tr], Ym[tr])
    return 100.0 * np.mean(est.predict(Xm[ev]).argmax(1) != lab[ev])


t0 = time.time()
cpu = [l.split(":", 1)[1].strip() for l in subprocess.run(
    ["lscpu"], capture_output=True, text=True).stdout.splitlines()
    if l.startswith("Model name")]
print("# Asymmetric MTL (Lee et al. 2016): MNIST and synthetic, 5 splits\n")
print("Made by `PYTHONPATH=python nice -n 19 /usr/bin/python3 "
      "bench/repro/asym_lee2016.py ../shared/data > "
      "bench/repro/asym_lee2016.md` (Release build in build/; CPU: %s).  "
      "Protocol: the docstring of the script.\n" % (cpu[0] if cpu else "?"))

res = {k: [] for k in KINDS}
chosen = {k: [] for k in KINDS}
for seed in range(5):
    perm = np.random.default_rng(seed).permutation(2000)
    tr, va, te = perm[:1000], perm[1000:1500], perm[1500:]
    for k in KINDS:
        h = select(k, "mnist", lambda est: mnist_err(est, tr, va))
        chosen[k].append(h)
        res[k].append(mnist_err(make(k, *h), tr, te))
    print("mnist split %d done (%.0f s)" % (seed, time.time() - t0),
          file=sys.stderr)

# Kang's split 1 as it is, STL over the whole lambda grid (test error)
tr1, va1, te1 = np.arange(1000), np.arange(1000, 1500), np.arange(1500, 2000)
stl_curve = [(l, mnist_err(make("STL", l), tr1, te1))
             for l in [1e-5, 1e-4, 1e-3, 1e-2, 0.03, 0.1, 1]]

print("## MNIST (Kang's 2,000 digits re-split 5 times, 1000/500/500, "
      "10-class error %)\n")
print("| method | error, mean +- 95% | per split | chosen (lambda, mu, "
      "lambda_0) per split | paper |")
print("|---|---|---|---|---|")
paper_m = {"STL": "14.76 +- 0.62", "AMTL": "12.92 +- 1.37",
           "AMTL-Curriculum": "13.68 +- 1.42"}
for k in KINDS:
    mu_, c_ = ci(res[k])
    ch = "; ".join(",".join("%g" % x for x in h if x is not None)
                   for h in chosen[k])
    print("| %s | %.2f +- %.2f | %s | %s | %s |" % (
        k, mu_, c_, " ".join("%.1f" % e for e in res[k]), ch,
        paper_m.get(k, "not in the paper")))
print()
p = np.mean(res["STL"]) / 100
print("One test set of 500 digits: the binomial 95%% interval of an error "
      "near %.1f%% is +-%.1f points.\n" % (100 * p, 196 * np.sqrt(p * (1 - p)
                                                                  / 500)))
print("STL on Kang's split 1 as released (test error for each lambda, no "
      "selection):\n")
print("| lambda | " + " | ".join("%g" % l for l, _ in stl_curve) + " |")
print("|---" * (len(stl_curve) + 1) + "|")
print("| error % | " + " | ".join("%.1f" % e for _, e in stl_curve) + " |\n")
mnist = res


# ---- synthetic --------------------------------------------------------------
def synth(d, seed):
    rng = np.random.default_rng(1000 + seed)
    mg = 2 * rng.standard_normal((2, d))
    W = np.array([mg[t // 6] + rng.standard_normal(d) for t in range(12)])
    parts = []
    for _ in range(3):
        X = rng.standard_normal((12 * 30, d))
        task = np.repeat(np.arange(12), 30)
        sig = np.where(task % 6 < 3, 5.0, 25.0)
        y = np.einsum("ij,ij->i", X, W[task]) + sig * rng.standard_normal(
            len(task))
        parts.append((X, y, task))
    return parts


def rmse(est, fit, ev):
    est.fit(fit[0], fit[1], task=fit[2])
    p = est.predict(ev[0], task=ev[2])
    return float(np.mean([np.sqrt(np.mean((ev[1][ev[2] == t] -
                                           p[ev[2] == t]) ** 2))
                          for t in range(12)]))


syn = {}
for d in (15, 25):
    syn[d] = {k: [] for k in KINDS}
    for seed in range(5):
        trp, vap, tep = synth(d, seed)
        for k in KINDS:
            h = select(k, "synth", lambda est: rmse(est, trp, vap))
            syn[d][k].append(rmse(make(k, *h, reg=True), trp, tep))
    print("synthetic d=%d done (%.0f s)" % (d, time.time() - t0),
          file=sys.stderr)
print("## Synthetic (Sec. 4.1 generator, 5 draws, mean task RMSE)\n")
print("| method | d = 15 | d = 25 | paper (d not stated) |")
print("|---|---|---|---|")
paper_s = {"STL": "20.87 +- 0.36", "AMTL": "18.80 +- 0.22",
           "AMTL-Curriculum": "20.33 +- 0.29"}
for k in KINDS:
    a, b = ci(syn[15][k]), ci(syn[25][k])
    print("| %s | %.2f +- %.2f | %.2f +- %.2f | %s |" % (
        k, a[0], a[1], b[0], b[1], paper_s.get(k, "not in the paper")))
print()


def v(ok):
    return "holds" if ok else "does NOT hold"


def cmp(name, a, b):
    """'holds' when the paired 95% interval of a - b lies below 0, 'does
    NOT hold' when it lies above 0 or the mean is not lower, else 'not
    shown' (lower on average, but the interval holds 0)."""
    a, b = np.asarray(a), np.asarray(b)
    m, h = ci(a - b)
    verdict = ("holds" if m + h < 0 else "does NOT hold" if m >= 0 or
               m - h > 0 else "not shown (lower on average, the paired "
               "interval holds 0)")
    return "%s (%.2f vs %.2f; lower in %d of %d, paired difference %.2f "\
        "+- %.2f)" % (verdict, a.mean(), b.mean(), int((a < b).sum()),
                      len(a), m, h)


print("## Claims\n")
print("A claim holds when the paired 95% interval (5 splits or draws) of "
      "the difference excludes 0.\n")
print("* MNIST STL near the paper's 14.76: %s (ours %.2f; the paper used "
      "its own splits and PCA-64)." % (v(abs(np.mean(mnist["STL"]) - 14.76)
                                         < 0.62), np.mean(mnist["STL"])))
print("* AMTL beats STL on MNIST: " + cmp("", mnist["AMTL"], mnist["STL"]))
print("* AMTL-Curriculum beats STL on MNIST: " +
      cmp("", mnist["AMTL-Curriculum"], mnist["STL"]))
for d in (15, 25):
    print("* AMTL beats STL on synthetic d = %d: " % d +
          cmp("", syn[d]["AMTL"], syn[d]["STL"]))
    print("* AMTL-Curriculum beats STL on synthetic d = %d: " % d +
          cmp("", syn[d]["AMTL-Curriculum"], syn[d]["STL"]))
    print("* AMTL beats AMTL-Curriculum (paper: on every data set) on "
          "synthetic d = %d: " % d +
          cmp("", syn[d]["AMTL"], syn[d]["AMTL-Curriculum"]))
print("* The separate ridge lambda_0 (not in the paper) helps AMTL on "
      "MNIST: " + cmp("", mnist["AMTL + ridge"], mnist["AMTL"]))
print("* ... helps AMTL-Curriculum on MNIST: " +
      cmp("", mnist["AMTL-Curriculum + ridge"], mnist["AMTL-Curriculum"]))
for d in (15, 25):
    print("* ... helps AMTL on synthetic d = %d: " % d +
          cmp("", syn[d]["AMTL + ridge"], syn[d]["AMTL"]))
    print("* ... helps AMTL-Curriculum on synthetic d = %d: " % d +
          cmp("", syn[d]["AMTL-Curriculum + ridge"],
              syn[d]["AMTL-Curriculum"]))
print("\nTotal time %.0f s." % (time.time() - t0))
