"""The pandas baseline for the report benchmark: reads the 问卷星 text export and
computes what `diaoyan report --banner Q1` computes for it (frequencies, multi-select
shares, rank scores, crosstabs by Q1 with column percentages and chi-square tests),
then writes the figures to a CSV.

    python3 bench/pandas_report.py bench/data/wjx_100k.xlsx calamine|openpyxl OUT.csv
    python3 bench/pandas_report.py bench/data/wjx_1000000.csv csv OUT.csv
    python3 bench/pandas_report.py bench/data/wjx_1000000.parquet parquet OUT.csv
"""

import sys

import numpy as np
import pandas as pd
from scipy import stats


def main(path, engine, out):
    if engine == "parquet":
        df = pd.read_parquet(path).replace({"": np.nan})
    elif engine == "csv":
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False).replace({"": np.nan})
    else:
        df = pd.read_excel(path, engine=engine, dtype=str)
    qcols = [c for c in df.columns if "、" in c]
    banner = df[qcols[0]]
    rows = []
    for c in qcols:
        s = df[c].replace({"(跳过)": np.nan, "(空)": np.nan})
        if s.str.contains("┋", regex=False).any():
            dummies = s.str.get_dummies(sep="┋")
            base = s.notna()
            for o in dummies.columns:
                rows.append((c, "总体", o, dummies.loc[base, o].mean() * 100))
                ct = dummies.loc[base, o].groupby(banner[base]).mean() * 100
                rows.extend((c, g, o, v) for g, v in ct.items())
        elif s.str.contains("→", regex=False).any():
            parts = s.dropna().str.split("→")
            k = parts.str.len().max()
            scores = {}
            for lst in parts:
                for pos, o in enumerate(lst):
                    scores[o] = scores.get(o, 0) + (k - pos)
            rows.extend((c, "总体", o, v / len(parts)) for o, v in scores.items())
        elif s.nunique() <= 30:
            vc = s.value_counts(normalize=True) * 100
            rows.extend((c, "总体", o, v) for o, v in vc.items())
            if c != qcols[0]:
                ct = pd.crosstab(s, banner)
                pct = ct / ct.sum() * 100
                rows.extend((c, g, o, pct.loc[o, g]) for o in pct.index for g in pct.columns)
                chi2, p, dof, _ = stats.chi2_contingency(ct.values, correction=False)
                rows.append((c, "chi2", "p", p))
    pd.DataFrame(rows, columns=["question", "group", "option", "value"]).to_csv(out, index=False)


if __name__ == "__main__":
    main(*sys.argv[1:4])
