"""The minimal polars (Python) baseline of the large-file benchmark (issue 26): only what
any tally needs — read the CSV as text, then per question one count per banner group
and answer (`group_by([banner, q]).len()`; a multi-select's answers split on ┋ and
exploded first). No shares, intervals, tests or files: a baseline that computes far less
than `diaoyan report`.

    pip install polars
    python3 bench/polars_minimal.py bench/data/wjx_1000000.csv
"""

import sys

import polars as pl


def main(path):
    df = pl.read_csv(path, infer_schema=False)
    qcols = [c for c in df.columns if "、" in c]
    banner = qcols[0]
    groups = 0
    for c in qcols[1:]:
        sample = df.get_column(c).drop_nulls().head(1000)
        if sample.str.contains("┋", literal=True).any():
            counts = df.select(pl.col(banner), pl.col(c).str.split("┋")).explode(c).group_by([banner, c]).len()
        else:
            counts = df.group_by([banner, c]).len()
        groups += counts.height
    print(f"{len(qcols) - 1} questions by {banner}: {groups} counts")


if __name__ == "__main__":
    main(sys.argv[1])
