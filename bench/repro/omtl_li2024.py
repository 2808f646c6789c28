#!/usr/bin/python3
"""Online ADMM (Li, Zhao, Li, Xu, Li, Neurocomputing 2025) under its
authors' own protocol, on the authors' released synthetic set.

Usage: nice -n 19 /usr/bin/python3 bench/repro/omtl_li2024.py BUILD DATA > bench/repro/omtl_li2024.md
  BUILD: a Release build directory holding `mtl`; DATA: the shared data
  directory (synthetic_nc24.npz, reference/nc24_cadmm_predictions.npy).
Runs in about 20 s on 2 cores.  Prints a Markdown report: the ladder from
the project's default to the authors' protocol, the authors' preset
against the authors' own predictions, the spread of the chaotic run, and
the paper's ablation (Tables 2 and 4) under the authors' protocol, with
which of the paper's claims hold.
"""
import json, os, platform, subprocess, sys, tempfile
import numpy as np

B, D = sys.argv[1], sys.argv[2]
MTL = os.path.join(B, "mtl")
NC = os.path.join(D, "synthetic_nc24.npz")
REF = os.path.join(D, "reference", "nc24_cadmm_predictions.npy")
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")
REF_ERR = 0.13772          # the authors' unmodified C-ADMM on this file
ys = np.load(NC)["ys"]
ref = np.load(REF)
ref_mis = (ref != ys).T.astype(int)   # rounds x tasks


def run(*args):
    """final error and the first 1-based round whose mistakes differ from
    the authors' run (None: never)."""
    with tempfile.TemporaryDirectory() as t:
        csv = os.path.join(t, "c.csv")
        out = subprocess.run([MTL, "online", NC, "-q", "--json", "--csv", csv,
                              *args], env=ENV, check=True,
                             capture_output=True, text=True).stdout
        j = json.loads(out)
        c = np.loadtxt(csv, delimiter=",", skiprows=1)
    cum = np.rint(c[:, 3:] * c[:, :1]).astype(int)
    mis = np.diff(np.vstack([np.zeros((1, 5), int), cum]), axis=0)
    bad = np.nonzero((mis != ref_mis).any(axis=1))[0]
    return j["error"], (int(bad[0]) + 1 if len(bad) else None)


cpu = ""
try:
    cpu = [l.split(":", 1)[1].strip() for l in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines()
        if l.startswith("Model name")][0]
except Exception:
    pass
print("# Online ADMM (Li et al. 2025): the authors' protocol\n")
print("Made by `nice -n 19 /usr/bin/python3 bench/repro/omtl_li2024.py build ../shared/data > bench/repro/omtl_li2024.md` (Release build).\n")
print(f"Data: `synthetic_nc24.npz` (the authors' release), 5 tasks x 10,000 "
      f"rounds.  Reference: the authors' unmodified C-ADMM script "
      f"(`reference/nc24_cadmm_predictions.npy`, mean cumulative error "
      f"{REF_ERR}).  CPU: {cpu}.  Errors are deterministic (no timing).\n")

A = ["--no-normalize", "--authors", "--seed", "0"]
L = ["--lambda1", "0.1", "--lambda3", "0.1", "--lambda4", "0.1"]
print("## 1. From the project's default to the authors' protocol\n")
print("| step | options (cumulative) | error | first round != authors |")
print("|---|---|---|---|")
ladder = [
    ("project default", []),
    ("+ the C-ADMM script's values", ["--preset", "code"]),
    ("+ eqs. (12)/(14) as printed", ["--preset", "code", "--variant", "paper"]),
    ("+ raw features", ["--preset", "code", "--variant", "paper",
                        "--no-normalize"]),
    ("+ +1 at score 0, step on mistakes", ["--preset", "code", "--variant",
                                           "paper", "--no-normalize",
                                           "--authors"]),
    ("+ stored order (= `--preset authors`)", ["--preset", "authors"]),
]
for name, args in ladder:
    e, f = run(*args)
    print(f"| {name} | `{' '.join(args) or '(none)'}` | {e:.5f} | {f} |")
print()

print("## 2. `--preset authors` against the authors' predictions\n")
e1, f1 = run("--preset", "authors")
e0, f0 = run("--preset", "authors", "--eps", "0")
print("| Omega inverse | error | authors | first round != authors |")
print("|---|---|---|---|")
print(f"| eps 1e-8, Cholesky solve (the preset) | {e1:.5f} | {REF_ERR} | {f1} |")
print(f"| eps 0, pseudo-inverse (`--eps 0`, as the script) | {e0:.5f} | {REF_ERR} | {f0} |")
print()
spread = []
print("Spread of the chaotic run: the same protocol with Omega regularised "
      "by eps (each a rounding-level change of the arithmetic):\n")
print("| eps | " + " | ".join(["0", "1e-14", "1e-12", "1e-10", "1e-9", "5e-9",
                              "1e-8", "2e-8", "5e-8", "1e-7", "1e-6"]) + " |")
print("|---" * 12 + "|")
row = []
for eps in ["0", "1e-14", "1e-12", "1e-10", "1e-9", "5e-9", "1e-8", "2e-8",
            "5e-8", "1e-7", "1e-6"]:
    e, _ = run("--preset", "authors", "--eps", eps)
    spread.append(e)
    row.append(f"{e:.4f}")
print("| error | " + " | ".join(row) + " |\n")
sp = np.array(spread)
print(f"Mean {sp.mean():.4f}, sd {sp.std(ddof=1):.4f}, range "
      f"{sp.min():.4f}-{sp.max():.4f}; the authors' {REF_ERR} lies inside.\n")

print("## 3. The paper's comparison under the authors' protocol\n")
print("Same data order, raw features, +1 at score 0, steps on mistakes "
      "(`--no-normalize --authors --seed 0`); ADMM learners with "
      "`--preset authors`; OGD and D-PSGD step 1/sqrt(t).\n")
print("| method | ours | paper (Table 2 / 4, Synthetic) |")
print("|---|---|---|")
rows = [
    ("C-ADMM (with RL)", ["--method", "cadmm", "--preset", "authors"], "0.138"),
    ("C-ADMM W/O RL", ["--method", "cadmm", "--preset", "authors",
                       "--no-omega"], "0.162"),
    ("D-ADMM Full-Conn", ["--method", "dadmm", "--topology", "full",
                          "--preset", "authors"], "0.173"),
    ("D-ADMM Full-Conn W/O RL", ["--method", "dadmm", "--topology", "full",
                                 "--preset", "authors", "--no-omega"],
     "0.183"),
    ("D-ADMM Ring", ["--method", "dadmm", "--preset", "authors"], "0.173"),
    ("D-ADMM Ring W/O RL", ["--method", "dadmm", "--preset", "authors",
                            "--no-omega"], "0.191"),
    ("ADMM-Single (Indpt)", ["--method", "single", "--preset", "authors"],
     "0.214"),
    ("D-PSGD Ring", ["--method", "dpsgd", *A], "0.204"),
    ("D-PSGD Full-Conn", ["--method", "dpsgd", "--topology", "full", *A],
     "0.209"),
    ("OGD per task (not in the paper)", ["--method", "ogd", *A], "-"),
]
res = {}
for name, args, paper in rows:
    e, _ = run(*args)
    res[name] = e
    print(f"| {name} | {e:.4f} | {paper} |")
print()

c, cw = res["C-ADMM (with RL)"], res["C-ADMM W/O RL"]
best_base = min(res["D-PSGD Ring"], res["D-PSGD Full-Conn"],
                res["ADMM-Single (Indpt)"])
def verdict(ok):
    return "holds" if ok else "does NOT hold"
print("## Claims\n")
print(f"* C-ADMM reaches the paper's 0.138 on Synthetic under the authors' "
      f"protocol: {verdict(abs(c - 0.138) < 0.003)} (ours {c:.4f}, the "
      f"authors' code {REF_ERR}; the project's default protocol gives "
      f"{run()[0]:.4f}).")
print(f"* Relationship learning helps (C-ADMM with RL < W/O RL): "
      f"{verdict(c < cw)} (with {c:.4f}, without {cw:.4f}).")
print(f"* C-ADMM beats the baselines (ADMM-Single, D-PSGD): "
      f"{verdict(c < best_base)} (C-ADMM {c:.4f}; best baseline "
      f"{best_base:.4f}; OGD {res['OGD per task (not in the paper)']:.4f}).")
print(f"* C-ADMM beats ADMM-Single (Indpt): "
      f"{verdict(c < res['ADMM-Single (Indpt)'])} "
      f"({c:.4f} vs {res['ADMM-Single (Indpt)']:.4f}).")
print(f"* D-ADMM Full-Conn makes C-ADMM's predictions: "
      f"{verdict(res['D-ADMM Full-Conn'] == c)} "
      f"({res['D-ADMM Full-Conn']:.5f} vs {c:.5f}).")
print(f"* The authors' predictions are reproduced bit for bit for the first "
      f"{min(f1, f0) - 1} rounds (eps 1e-8: {f1 - 1}; pseudo-inverse: "
      f"{f0 - 1}); after that the run is chaotic and its final error is "
      f"set by rounding (range above), so 0.13772 is one draw of a spread "
      f"of sd {sp.std(ddof=1):.4f}.")
