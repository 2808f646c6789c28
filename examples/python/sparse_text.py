"""sparse_text.py -- multi-task classification of sparse bag-of-words data
(scipy.sparse CSR, never densified) with joint feature selection (L2,1):
the tasks share the few words that matter.

    PYTHONPATH=python /usr/bin/python3 examples/python/sparse_text.py \
        [FILE] [--docs N]

Data: FILE in libmtl's text format ("task label idx:val ...", one document
per line, read sparse by libmtl.read_dataset), else generated documents:
T users label documents over a vocabulary of V words; the label of each
user depends on a few words shared by all users, with per-user weights.
"""
import argparse

import numpy as np
import scipy.sparse as sp

import libmtl


def generate(T=6, V=2000, docs=300, seed=0):
    rng = np.random.default_rng(seed)
    key = rng.choice(V, 15, replace=False)  # the words that matter
    W = np.zeros((T, V))
    W[:, key] = rng.normal(size=(T, 15)) + np.sign(rng.normal(size=15))
    rows = []
    for t in range(T):
        # 30 words per document, Zipf-like frequencies, counts as tf
        words = np.minimum(rng.zipf(1.3, size=(docs, 30)), V) - 1
        words[:, :3] = rng.choice(key, size=(docs, 3))
        data = np.ones(words.size)
        r = np.repeat(np.arange(docs), 30)
        X = sp.csr_matrix((data, (r, words.ravel())), shape=(docs, V))
        X.sum_duplicates()
        X = sp.csr_matrix(X.multiply(1.0 / np.sqrt(X.multiply(X).sum(1))))
        y = np.where(X @ W[t] + 0.1 * rng.normal(size=docs) > 0, 1, -1)
        rows.append((X, y))
    X = sp.vstack([r[0] for r in rows], format="csr")
    y = np.concatenate([r[1] for r in rows])
    task = np.repeat(np.arange(T), docs)
    return X, y, task, set(key.tolist())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?")
    ap.add_argument("--docs", type=int, default=300)
    a = ap.parse_args()
    if a.file:
        X, y, task = libmtl.read_dataset(a.file, sparse=True).stack()
        key = None
    else:
        X, y, task, key = generate(docs=a.docs)
    X = sp.csr_matrix(X)
    print("documents %d, vocabulary %d, tasks %d, nonzeros %.2f%%"
          % (X.shape[0], X.shape[1], len(np.unique(task)),
             100.0 * X.nnz / (X.shape[0] * X.shape[1])))
    rng = np.random.default_rng(1)
    test = rng.random(X.shape[0]) < 0.3
    for alpha in (0.01, 0.003):
        clf = libmtl.MultiTaskClassifier(alpha=alpha, reg="l21",
                                         standardize=False)
        clf.fit(X[~test], y[~test], task=task[~test])
        acc = clf.score(X[test], y[test], task=task[test])
        used = np.flatnonzero(np.abs(clf.coef_).sum(axis=0) > 0)
        line = "alpha %-6g test accuracy %.3f, words used %d of %d" % (
            alpha, acc, len(used), X.shape[1])
        if key is not None:
            line += " (%d of the 15 key words)" % len(key & set(used.tolist()))
        print(line)


if __name__ == "__main__":
    main()
