"""Write minitorch_nn/data/files/digits.npz, the embedded Digits set, from the UCI file.

The source is ``optdigits.tes`` of the UCI *Optical Recognition of Handwritten Digits* data set
(E. Alpaydin, C. Kaynak, 1998; https://doi.org/10.24432/C50P49; CC BY 4.0): 1,797 rows of 64
pixel counts in 0..16 and a label, comma-separated. scikit-learn ships the same rows as
``sklearn/datasets/data/digits.csv.gz``; either file works (``.gz`` or not):

    python scripts/make_digits_file.py path/to/optdigits.tes

Prints the sha256 that ``minitorch_nn/data/digits.py`` checks on load.
"""
from __future__ import annotations

import gzip
import hashlib
import pathlib
import sys

import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[1] / "minitorch_nn" / "data" / "files" / "digits.npz"


def main(source: str) -> None:
    opener = gzip.open if source.endswith(".gz") else open
    with opener(source, "rt") as file:
        rows = np.loadtxt(file, delimiter=",", dtype=np.int64)
    if rows.shape != (1797, 65) or rows[:, :64].min() < 0 or rows[:, :64].max() > 16:
        sys.exit(f"{source}: expected 1797 rows of 64 pixels in 0..16 and a label, got shape {rows.shape}")
    images = rows[:, :64].reshape(-1, 8, 8).astype(np.uint8)
    labels = rows[:, 64].astype(np.uint8)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, images=images, labels=labels)
    print(f"wrote {OUT}: sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main(sys.argv[1])
