"""Checks a Parquet dataset written by `diaoyan import -o DIR/` with DuckDB (another
engine than the one that wrote it): reads it hive-partitioned and compares the number of
responses per wave and unit, and the columns, with the same import written as CSV; given
the results.csv of `diaoyan report` on the same files (unweighted), also every overall
share of every single-choice and multi-select question in every wave, and every cell of
the crosstabs by the first banner that is a column of the data, computed by DuckDB from
the dataset (to 1e-9).

    pip install duckdb
    diaoyan import -s survey.toml surveys -o dataset/
    diaoyan import -s survey.toml surveys -o clean.csv
    diaoyan report -s survey.toml surveys -o report --charts none --doc none
    python3 scripts/check-dataset.py dataset clean.csv report/results.csv

Prints what it compared and exits 0 when everything agrees, 1 otherwise.
"""

import csv
import math
import sys
from collections import Counter

import duckdb


def main(dataset: str, clean_csv: str) -> int:
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_parquet('{dataset}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)")
    columns = rel.columns
    rows = con.sql(f"SELECT wave, unit, count(*) FROM read_parquet('{dataset}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false) GROUP BY ALL").fetchall()
    got = Counter({(w if w != "__HIVE_DEFAULT_PARTITION__" else "", u): n for w, u, n in rows})
    with open(clean_csv, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        want = Counter((r["wave"], r["unit"]) for r in reader)
        header = reader.fieldnames or []
    ok = True
    if sum(got.values()) != sum(want.values()):
        print(f"rows: dataset {sum(got.values())}, csv {sum(want.values())}")
        ok = False
    for key in sorted(set(got) | set(want)):
        if got[key] != want[key]:
            print(f"{key}: dataset {got[key]}, csv {want[key]}")
            ok = False
    missing = [c for c in header if c not in columns]
    if missing:
        print(f"columns missing from the dataset: {missing}")
        ok = False
    print(f"{'OK' if ok else 'DIFFERENT'}: {sum(got.values())} responses in {len(got)} partitions, {len(columns)} columns")
    return 0 if ok else 1


def shares(dataset: str, results_csv: str) -> int:
    """Every overall share and the first crosstab of results.csv, from the dataset."""
    con = duckdb.connect()
    con.sql(
        f"CREATE VIEW d AS SELECT * REPLACE (CASE WHEN wave = '__HIVE_DEFAULT_PARTITION__' THEN '' ELSE wave END AS wave) "
        f"FROM read_parquet('{dataset}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)"
    )
    columns = set(con.sql("SELECT * FROM d LIMIT 0").columns)
    with open(results_csv, encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["measure"] == "percent" and r["kind"] in ("single", "multi") and r["wave"] != "全部"]
    banners = [b for b in dict.fromkeys(r["banner"] for r in rows) if b != "总体" and b in columns]
    crosstab = banners[0] if banners else None
    q = lambda name: '"' + name.replace('"', '""') + '"'
    computed = {}
    for r in rows:
        if r["banner"] not in ("总体", crosstab):
            continue
        col = r["question"] if r["kind"] == "single" else f"{r['question']}/{r['option']}"
        if col not in columns:
            continue
        hit = f"{q(col)} = ?" if r["kind"] == "single" else q(col)
        args = [r["option"]] if r["kind"] == "single" else []
        if r["banner"] == "总体":
            sql = f"SELECT 100.0 * count(*) FILTER (WHERE {hit}) / count({q(col)}) FROM d WHERE wave = ?"
            args += [r["wave"]]
        else:
            sql = f"SELECT 100.0 * count(*) FILTER (WHERE {hit}) / count({q(col)}) FROM d WHERE wave = ? AND CAST({q(crosstab)} AS VARCHAR) = ?"
            args += [r["wave"], r["group"]]
        computed[(r["wave"], r["question"], r["banner"], r["group"], r["option"])] = (con.execute(sql, args).fetchone()[0], r["value"])
    # No share (nobody in the group, or an option that wave did not offer): empty in
    # results.csv, NULL or 0/0 in DuckDB.
    empty = lambda x: x is None or (isinstance(x, float) and math.isnan(x))
    bad = [(k, got, want) for k, (got, want) in computed.items() if empty(got) != (want == "") or (want != "" and abs(got - float(want)) > 1e-9)]
    for k, got, want in bad[:20]:
        print(f"{k}: DuckDB {got}, results.csv {want}")
    overall = sum(1 for k in computed if k[2] == "总体")
    print(f"{'OK' if not bad else 'DIFFERENT'}: {overall} overall shares and {len(computed) - overall} cells of the crosstab by {crosstab} compared")
    return 0 if not bad else 1


if __name__ == "__main__":
    status = main(sys.argv[1], sys.argv[2])
    if len(sys.argv) > 3:
        status = max(status, shares(sys.argv[1], sys.argv[3]))
    sys.exit(status)
