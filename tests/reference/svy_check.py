"""Cross-check of tests/reference/design.py against the svy package (pip install svy;
not run by the tests): every Q2 share's Taylor standard error of the five designs (two with a
finite population correction from the roster),
overall and by Q1, in both waves. Run from the repository root: python3 tests/reference/svy_check.py"""
import sys; sys.path.insert(0, "tests/reference")
import design as D, svy, polars as pl, numpy as np, pandas as pd
data = D.load()
exp = pd.read_csv("tests/reference/expected_design.csv", keep_default_na=False, dtype=str)
worst = 0; n = 0
for name, spec in D.DESIGNS.items():
    for wave in D.UNITS:
        d = data[data.wave == wave].copy().reset_index(drop=True)
        d["w"] = d["Q9"] if spec["weight"] else 1.0
        d["h"] = d[spec["strata"]] if spec["strata"] else "x"
        d["psu"] = (d["h"] + "|" + d["unit"]) if spec["cluster"] else [str(i) for i in range(len(d))]
        fpc = spec.get("fpc")
        if fpc == "strata":
            d["N"] = d["unit"].map(D.ROSTER).astype(float)
        elif fpc == "cluster":
            d["N"] = float(len(D.ROSTER))
        for o in D.Q2:
            d["y"] = np.where(d.Q2.notna(), (d.Q2 == o).astype(float), np.nan)
            cols = ["h", "psu", "w", "y", "Q1"] + (["N"] if fpc else [])
            design = svy.Design(stratum="h", psu="psu", wgt="w", pop_size="N", wr=False) if fpc else svy.Design(stratum="h", psu="psu", wgt="w", wr=True)
            s = svy.Sample(pl.from_pandas(d[cols]), design)
            for by in [None, "Q1"]:
                r = s.estimation.mean("y", by=by, drop_nulls=True)
                rs = r if isinstance(r, list) else [r]
                for est in rs:
                    df = est.to_polars() if hasattr(est, "to_polars") else None
                    for row in df.iter_rows(named=True):
                        g = row.get("Q1", "总体") if by else "总体"
                        banner = "Q1" if by else "总体"
                        e = exp[(exp.design == name) & (exp.wave == wave) & (exp.question == "Q2") & (exp.banner == banner) & (exp.group == g) & (exp.option == o) & (exp.measure == "percent")]
                        se_ref = float(e.se.iloc[0]) / 100
                        worst = max(worst, abs(row["se"] - se_ref) / se_ref); n += 1
print(n, "standard errors; largest relative difference", worst)
