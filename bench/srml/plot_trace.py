"""Fig. 2 analogue: objective, primal and dual residual per ADMM iteration
from `bench_srml trace OUT.csv`.  Usage: plot_trace.py trace.csv out.png"""
import sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

d = np.genfromtxt(sys.argv[1], delimiter=",", names=True)
fig, ax = plt.subplots(1, 3, figsize=(12, 3.2))
for rho in np.unique(d["rho0"]):
    m = d["rho0"] == rho
    for k, col in enumerate(["objective", "primal", "dual"]):
        ax[k].semilogy(d["iter"][m], np.maximum(d[col][m], 1e-16),
                       label=f"rho0={rho:g}")
for k, t in enumerate(["objective (4.3) at U", "primal ||W-U||",
                       "dual rho||U-U_prev||"]):
    ax[k].set_title(t)
    ax[k].set_xlabel("iteration")
ax[0].legend()
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
