"""Checks a Parquet dataset written by `diaoyan import -o DIR/` with DuckDB (another
engine than the one that wrote it): reads it hive-partitioned and compares the number of
responses per wave and unit, and the columns, with the same import written as CSV.

    pip install duckdb
    diaoyan import -s survey.toml surveys -o dataset/
    diaoyan import -s survey.toml surveys -o clean.csv
    python3 scripts/check-dataset.py dataset clean.csv

Prints the counts and exits 0 when they agree, 1 otherwise.
"""

import csv
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
