# Writes a wide multi-task regression problem shaped like Mulan atp1d
# (6 targets, 411 strongly correlated raw-scale features, 235 rows shared by
# the tasks) in the text format: gen_wide.py OUT.txt [SEED].
import numpy as np, sys

rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
n, d, T, k = 235, 411, 6, 12
F = rng.standard_normal((n, k))
X = F @ rng.standard_normal((k, d)) + 0.3 * rng.standard_normal((n, d))
X = X * rng.uniform(0.5, 50, d) + rng.uniform(0, 100, d)   # raw scales
W = np.zeros((d, T)); S = rng.choice(d, 20, replace=False)
W[S] = rng.standard_normal((20, T)) * (1 + 0.3 * rng.standard_normal((1, T)))
Xs = (X - X.mean(0)) / X.std(0)
Y = Xs @ W + 0.5 * rng.standard_normal((n, T)) + 300
with open(sys.argv[1], "w") as f:
    for t in range(T):
        for i in range(n):
            f.write("%d %.17g %s\n" % (t + 1, Y[i, t], " ".join(
                "%d:%.17g" % (j + 1, X[i, j]) for j in range(d))))
