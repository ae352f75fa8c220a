"""The polars (Python) baseline for the large-file benchmark: reads the 问卷星-style CSV
with polars and computes what `diaoyan report --banner Q1` computes for it (shares of
every single-choice question, multi-select shares, rank scores, crosstabs by Q1 with
column percentages and chi-square tests), then writes the figures to a CSV.

    pip install polars scipy
    python3 bench/polars_report.py bench/data/wjx_1000000.csv OUT.csv
"""

import sys

import polars as pl
from scipy import stats


def main(path, out):
    if path.endswith(".parquet"):
        df = pl.read_parquet(path)
    else:
        df = pl.read_csv(path, infer_schema_length=0, encoding="utf8")
    qcols = [c for c in df.columns if "、" in c]
    banner = qcols[0]
    rows = []
    for c in qcols:
        s = df.get_column(c).replace({"(跳过)": None, "(空)": None})
        sample = s.drop_nulls().head(1000)
        if sample.str.contains("┋", literal=True).any():
            base = df.filter(s.is_not_null()).select([pl.col(banner), pl.col(c).str.split("┋").alias("picked")])
            n = base.height
            exploded = base.explode("picked")
            tot = exploded.group_by("picked").len()
            rows.extend((c, "总体", o, k / n * 100) for o, k in tot.iter_rows())
            per = exploded.group_by(["picked", banner]).len()
            sizes = dict(base.group_by(banner).len().iter_rows())
            rows.extend((c, g, o, k / sizes[g] * 100) for o, g, k in per.iter_rows())
        elif sample.str.contains("→", literal=True).any():
            parts = df.filter(s.is_not_null()).select(pl.col(c).str.split("→").alias("r"))
            k = parts.get_column("r").list.len().max()
            ex = parts.with_row_index().explode("r").with_columns(pl.col("r").cum_count().over("index").alias("pos"))
            score = ex.group_by("r").agg(((k - pl.col("pos") + 1)).sum().alias("s"))
            rows.extend((c, "总体", o, v / parts.height) for o, v in score.iter_rows())
        elif sample.n_unique() <= 30:
            counts = df.filter(s.is_not_null()).group_by(c).len()
            total = counts.get_column("len").sum()
            rows.extend((c, "总体", o, k / total * 100) for o, k in counts.iter_rows())
            if c != banner:
                ct = df.filter(s.is_not_null()).group_by([c, banner]).len().pivot(on=banner, index=c, values="len").fill_null(0)
                mat = ct.drop(c).to_numpy()
                colsum = mat.sum(axis=0)
                for i, o in enumerate(ct.get_column(c)):
                    rows.extend((c, g, o, mat[i, j] / colsum[j] * 100) for j, g in enumerate(ct.columns[1:]))
                chi2, p, dof, _ = stats.chi2_contingency(mat, correction=False)
                rows.append((c, "chi2", "p", p))
    pl.DataFrame(rows, schema=["question", "group", "option", "value"], orient="row").write_csv(out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
