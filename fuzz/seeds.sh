#!/usr/bin/env bash
# fuzz/seeds.sh MTL OUT -- writes the seed corpora of the harnesses of fuzz/
# into OUT/<harness>/: small valid inputs of every reader, made by the mtl
# binary MTL (gen, train) and by Debian's python3 (numpy, scipy: .npz, .npy
# and .mat files of every version and layout).  Deterministic (fixed seeds).
set -euo pipefail
mtl=$1
out=$2
for h in text csv arff npz npy mat model index stream; do
  mkdir -p "$out/$h"
done

# text: generated tasks of each kind, dense and sparse, plus the corners of
# the syntax (names, comments, the header line, 0/1 labels, CRLF)
"$mtl" gen -q -o "$out/text/reg.txt" -T 2 -d 4 -n 3 >/dev/null
"$mtl" gen -q -o "$out/text/cls.txt" -T 3 -d 3 -n 2 --classification --seed 2 >/dev/null
"$mtl" gen -q -o "$out/text/sparse.txt" -T 2 -d 8 -n 3 --sparse-x --density 0.3 >/dev/null
"$mtl" gen -q -o "$out/text/shared.txt" -T 2 -d 3 -n 2 --shared --seed 3 >/dev/null
printf '# a comment\nalpha 1 1:0.5 3:2\nbeta 0 2:1e-3\n\nalpha 0 1:-1\r\nbeta 1 3:4\n' \
  >"$out/text/named.txt"
printf '# mtl-dataset d=5 T=2 kinds=cc storage=sd\n1 1 1:1\n1 -1 5:2\n2 1 2:1\n2 -1 3:1\n' \
  >"$out/text/header.txt"

# stream: classification lines for 3 tasks of dimension 5
"$mtl" gen -q -o "$out/stream/s1.txt" -T 3 -d 5 -n 3 --classification >/dev/null
printf '1 1 1:1 5:2\n3 0 2:0.5\n2 -1\n' >"$out/stream/s2.txt"

# model: models of several methods and formulations
"$mtl" gen -q -o "$out/train.txt" -T 3 -d 3 -n 8 --classification --seed 4 >/dev/null
for m in "--reg l21" "--reg trace --no-standardize" "--reg mean" \
         "--method asym" "--method gomtl" "--method cadmm"; do
  # shellcheck disable=SC2086
  "$mtl" train "$out/train.txt" -q $m \
    -o "$out/model/$(echo "$m" | tr -c 'a-z0-9\n' _).model" >/dev/null
done
rm "$out/train.txt"

# index: text forms
printf '1 2 3\n4, 5 # comment\n' >"$out/index/a.txt"
printf '7\n' >"$out/index/b.txt"

/usr/bin/python3 - "$out" <<'PY'
import io, sys
import numpy as np
import scipy.io as sio
import scipy.sparse as sp

out = sys.argv[1]
rng = np.random.default_rng(1)
X = rng.standard_normal((6, 3))
y = np.array([1., -1, 1, -1, 1, 1])
task = np.array([1, 1, 2, 2, 3, 3], dtype=np.int32)

# csv
with open(f"{out}/csv/a.csv", "w") as f:
    f.write("task,label,f1,f2\n1,1,0.5,2\n1,-1,1,0\n2,1,3,1e-3\n2,0,\"4\",5\n")
with open(f"{out}/csv/b.csv", "w") as f:
    f.write("y,x1,task\n2.5,1,a\n-1,2,b\n")

# arff: numeric, nominal, string and sparse rows, missing values
with open(f"{out}/arff/a.arff", "w") as f:
    f.write("% comment\n@relation r\n@attribute x1 numeric\n"
            "@attribute 'site name' {north,south}\n@attribute s string\n"
            "@attribute y1 real\n@attribute y2 integer\n@data\n"
            "1.5,north,'a b',2,1\n?,south,c,-1,0\n0,north,d,3,?\n")
with open(f"{out}/arff/sparse.arff", "w") as f:
    f.write("@RELATION s\n@ATTRIBUTE a NUMERIC\n@ATTRIBUTE b NUMERIC\n"
            "@ATTRIBUTE c NUMERIC\n@DATA\n{0 1,2 3}\n{1 -2}\n{}\n")
with open(f"{out}/arff/weights.arff", "w") as f:  # instance weights {w}
    f.write("@relation w\n@attribute x numeric\n@attribute s {'a}b',c}\n"
            "@attribute y numeric\n@data\n1,'a}b',3,{2}\n2,c,4\n"
            "{0 3, 1 c, 2 5}, {0.5}\n{0 4,2 1},{ 3 }\n")

# npz: the layouts
def npz(name, compressed=False, **v):
    (np.savez_compressed if compressed else np.savez)(f"{out}/npz/{name}", **v)
npz("xy.npz", X=X, y=y)
npz("taskid.npz", X=X.astype(np.float32), y=y, task=task)
npz("stacked.npz", True, xs=X.reshape(2, 3, 3), ys=y.reshape(2, 3))
npz("ovr.npz", X=np.asfortranarray(X), y=np.array([0, 1, 2, 0, 1, 2], np.uint8))

# npy: members of every supported dtype, order and rank
for i, a in enumerate([X, X.astype(np.float32), X.T, np.asfortranarray(X),
                       (X > 0), X.astype(np.int16), np.zeros((0, 3)),
                       X.astype('>f8'), np.array(3.0)]):
    b = io.BytesIO()
    np.save(b, a)
    with open(f"{out}/npy/{i}.npy", "wb") as f:
        f.write(b.getvalue())

# mat: v5 (plain and compressed), v4, cells, sparse, task indexes
Xc = np.empty((1, 2), dtype=object)
Yc = np.empty((1, 2), dtype=object)
Xc[0, 0], Xc[0, 1] = X[:3], X[3:]
Yc[0, 0], Yc[0, 1] = y[:3, None], y[3:, None]
sio.savemat(f"{out}/mat/cell.mat", {"X": Xc, "Y": Yc})
sio.savemat(f"{out}/mat/cellz.mat", {"X": Xc, "Y": Yc}, do_compression=True)
sio.savemat(f"{out}/mat/v4.mat", {"X": X, "y": y[:, None]}, format="4")
sio.savemat(f"{out}/mat/sparse.mat", {"X": sp.csc_matrix(X * (X > 0)),
                                      "y": y[:, None]})
sio.savemat(f"{out}/mat/start.mat", {"X": X.T, "Y": y[:, None],
                                     "task_indexes": np.array([[1], [4]])})
sio.savemat(f"{out}/mat/id.mat", {"X": X.astype(np.int8), "y": y,
                                  "task": task})
sio.savemat(f"{out}/index/split.mat", {"tr": np.array([[1, 2, 4]]),
                                       "tst": np.array([[3]], np.uint8)})
PY
