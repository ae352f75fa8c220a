"""Reference for diaoyan's multiple-testing adjustments (src/stats/adjust.rs): statsmodels'
multipletests (Bonferroni, Holm, Benjamini-Hochberg) on fixed families of p-values.

    pip install numpy statsmodels && python3 tests/reference/adjust.py

Writes tests/reference/expected_adjust.csv: family, p, p_bonferroni, p_holm, p_bh. The
families (seeded, deterministic) cover ties, p = 0 and 1, tiny p, a family of one, and a
family of 779 (the size of one wave pair of the bundled example).
"""
import csv
from pathlib import Path

import numpy as np
from statsmodels.stats.multitest import multipletests

OUT = Path(__file__).resolve().parent / "expected_adjust.csv"


def families():
    rng = np.random.default_rng(2026)
    yield "ties", [0.01, 0.04, 0.03, 0.04, 0.2, 0.01]
    yield "edges", [0.0, 1.0, 1e-300, 0.5, 0.049999, 0.05]
    yield "one", [0.03]
    yield "uniform", list(rng.uniform(size=40))
    yield "mixed", list(np.concatenate([rng.uniform(0, 0.002, 30), rng.uniform(size=70)]))
    yield "large", list(np.concatenate([rng.beta(0.3, 4, 200), rng.uniform(size=579)]))


def main():
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["family", "p", "p_bonferroni", "p_holm", "p_bh"])
        for name, ps in families():
            ps = np.asarray(ps, dtype=float)
            adj = {m: multipletests(ps, method=m)[1] for m in ["bonferroni", "holm", "fdr_bh"]}
            for k, p in enumerate(ps):
                w.writerow([name, repr(float(p)), repr(float(adj["bonferroni"][k])), repr(float(adj["holm"][k])), repr(float(adj["fdr_bh"][k]))])


if __name__ == "__main__":
    main()
