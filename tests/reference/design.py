"""Reference figures for design-based statistics (`[design]` in survey.toml), computed
independently of diaoyan from the raw answers with numpy and scipy: the textbook
formulas of R `survey` (svydesign with ids/strata/weights, with-replacement Taylor
linearisation; svyciprop "logit"; svychisq "F", Rao & Scott 1984).

Writes tests/fixtures/design/<wave>/<unit>.csv (synthetic 问卷星 text exports with a unit
effect, fixed seed; the unit comes from the file name) and, from those files alone,
tests/reference/expected_design.csv (figures), expected_design_tests.csv (Rao–Scott
tests) and expected_design_changes.csv (design-based tests of changes). The Rust tests
(tests/cli/stats.rs) compare diaoyan's output with them to 1e-9. Rerun after changing
the fixture:

    pip install numpy pandas scipy
    python3 tests/reference/design.py

Conventions shared with diaoyan and stated in docs/DESIGN.md §4: each wave is its own
design (strata and clusters nested in waves); a domain (a group, a question's base) keeps
every cluster of its wave (zeros outside); a stratum with one unit adds nothing; a column
whose respondents lie in one cluster has the within-cluster variance p(1−p)/(n−1)·n/n_eff
(Kish n_eff); column letters are two-sided Wald z-tests on V_a + V_b − 2C_ab, Bonferroni
over the pairs of a row; changes between waves are z-tests on V_from + V_to.
"""

import itertools
import pathlib

import numpy as np
import pandas as pd
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIX = ROOT / "tests/fixtures/design"
OUT = ROOT / "tests/reference"

Q1 = ["党政干部", "事业单位人员", "国有企业人员"]
Q2 = ["机关", "基层单位", "两者都有", "说不清"]
Q3 = ["会议多", "检查多", "留痕多", "报表多", "调研虚"]
Q4 = ["1分", "2分", "3分", "4分", "5分"]
Q7 = ["男", "女"]
Q8 = ["是", "否"]
UNITS = {"2025": {"区委办": 90, "区发改委": 64, "区财政局": 45, "区教育局": 70, "区卫健委": 38, "区民政局": 25},
         "2026": {"区委办": 52, "区发改委": 80, "区财政局": 60, "区教育局": 33, "区卫健委": 75, "区统计局": 41}}
# The units roster (tests/fixtures/design-roster/units.csv): expected questionnaires per
# unit, two units that never returned any.
ROSTER = {"区委办": 120, "区发改委": 100, "区财政局": 80, "区教育局": 90, "区卫健委": 80, "区民政局": 40,
          "区统计局": 70, "区审计局": 50, "区司法局": 30}
DESIGNS = {
    "cluster": {"weight": "Q9", "strata": None, "cluster": "unit"},
    "strata": {"weight": "Q9", "strata": "Q1", "cluster": None},
    "both": {"weight": None, "strata": "Q7", "cluster": "unit"},
    # fpc = "roster": units as strata of N = expected respondents; units as clusters of a
    # population of N = the roster's units.
    "fpc_strata": {"weight": "Q9", "strata": "unit", "cluster": None, "fpc": "strata"},
    "fpc_cluster": {"weight": None, "strata": None, "cluster": "unit", "fpc": "cluster"},
}
ALPHA, MIN_BASE, CONF = 0.05, 30, 0.95


def make_data():
    (ROOT / "tests/fixtures/design-roster").mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"单位": list(ROSTER), "应收份数": list(ROSTER.values())}).to_csv(
        ROOT / "tests/fixtures/design-roster/units.csv", index=False, encoding="utf-8-sig")
    rng = np.random.default_rng(23)
    for wave, units in UNITS.items():
        shift = 0.0 if wave == "2025" else 0.15
        (FIX / wave).mkdir(parents=True, exist_ok=True)
        for u, n in units.items():
            effect = rng.normal(0, 0.6)
            rows = []
            for i in range(n):
                g = rng.choice(3, p=[0.5, 0.35, 0.15])
                pw = np.exp(np.array([0.8 + effect, 0.2, 0.3 - effect, -1.0]) - shift * np.array([1, 0, 0, 0]))
                where = rng.choice(4, p=pw / pw.sum())
                base = np.clip(np.array([0.6, 0.5, 0.45, 0.5, 0.3]) + 0.15 * effect - shift * 0.5, 0.02, 0.98)
                sel = [Q3[k] for k in range(5) if rng.random() < base[k]]
                score = int(np.clip(round(3.4 + effect + 2 * shift + [0.3, 0.0, -0.4][g] + rng.normal(0, 1)), 1, 5))
                meetings = int(rng.poisson(max(0.5, 6 + 2 * effect - 8 * shift)))
                sex = rng.choice(2)
                yes = rng.choice(2, p=[0.6, 0.4])
                rows.append({
                    "序号": i + 1,
                    "1、身份": Q1[g],
                    "2、形式主义主要存在于": "(跳过)" if i % 13 == 0 else Q2[where],
                    "3、主要表现": "┋".join(sel) if sel and i % 11 != 4 else "(空)",
                    "4、满意度": f"{score}分",
                    "5、措施排序": "精简会议→规范检查",
                    "6、会议次数": meetings if i % 17 != 6 else "",
                    "7、性别": Q7[sex],
                    "8、是否开展整治": Q8[yes],
                    "9、权重": round(float(rng.choice([0.5, 1.0, 1.5, 2.5])), 2),
                })
            pd.DataFrame(rows).to_csv(FIX / wave / f"{u}.csv", index=False, encoding="utf-8-sig")


def load():
    frames = []
    for wave in UNITS:
        for u in UNITS[wave]:
            raw = pd.read_csv(FIX / wave / f"{u}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
            blank = lambda s: s.isin(["", "(空)", "(跳过)"])
            df = pd.DataFrame(index=raw.index)
            df["wave"], df["unit"] = wave, u
            for q, col in [("Q1", "1、身份"), ("Q2", "2、形式主义主要存在于"), ("Q7", "7、性别"), ("Q8", "8、是否开展整治")]:
                df[q] = raw[col].where(~blank(raw[col]))
            answered = ~blank(raw["3、主要表现"])
            df["Q3"] = answered
            for o in Q3:
                df[f"Q3/{o}"] = raw["3、主要表现"].apply(lambda s: o in s.split("┋")).astype(float)
            df["Q4"] = raw["4、满意度"].str.rstrip("分").astype(float)
            df["Q6"] = pd.to_numeric(raw["6、会议次数"].where(~blank(raw["6、会议次数"])), errors="coerce")
            df["Q9"] = pd.to_numeric(raw["9、权重"])
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


class Design:
    """One wave's design: weights, stratum and cluster (PSU) of every respondent."""

    def __init__(self, df, spec):
        self.df = df.reset_index(drop=True)
        self.w = self.df[spec["weight"]].to_numpy(float) if spec["weight"] else np.ones(len(self.df))
        self.h = self.df[spec["strata"]].fillna("").to_numpy() if spec["strata"] else np.array([""] * len(self.df))
        if spec["cluster"]:
            self.psu = np.array([f"{a}|{b}" for a, b in zip(self.h, self.df[spec["cluster"]])])
        else:
            self.psu = np.array([str(i) for i in range(len(self.df))])
        self.clustered = spec["cluster"] is not None
        self.fpc = spec.get("fpc")

    def cov(self, zs):
        """Covariance of estimates from their linearised values zs (rows × estimates)."""
        k = zs.shape[1]
        v = np.zeros((k, k))
        for h in np.unique(self.h):
            ins = self.h == h
            ids = np.unique(self.psu[ins])
            n = len(ids)
            if n < 2:
                continue
            tot = np.array([zs[ins & (self.psu == c)].sum(axis=0) for c in ids])
            d = tot - tot.mean(axis=0)
            f = 0.0
            if self.fpc == "strata":
                f = min(1.0, n / ROSTER[h])
            elif self.fpc == "cluster":
                f = n / len(ROSTER)
            v += n / (n - 1) * (1 - f) * d.T @ d
        return v

    def ratio(self, y, dom):
        """R = Σw·y / Σw over the domain, and its linearised values."""
        w = self.w * dom
        x = w.sum()
        r = (w * y).sum() / x
        return r, w * (y - r) / x


def srs_var(w, y, r, mean):
    n = len(y)
    if mean:
        s2 = (w * (y - r) ** 2).sum() / w.sum() * n / (n - 1)
        return s2 / n
    return r * (1 - r) / (n - 1)


def kish(w):
    return w.sum() ** 2 / (w ** 2).sum()


def logit_ci(p, var, df, n):
    a = (1 - CONF) / 2
    if p <= 0:
        return 0.0, 1 - a ** (1 / n)
    if p >= 1:
        return a ** (1 / n), 1.0
    t = stats.t.ppf(1 - a, df) if df >= 1 else stats.norm.ppf(1 - a)
    half = t * np.sqrt(var) / (p * (1 - p))
    lo = np.log(p / (1 - p))
    return 1 / (1 + np.exp(-(lo - half))), 1 / (1 + np.exp(-(lo + half)))


def measures(dsg, q):
    """(option, measure, y, answered, is_mean) of question q's figures."""
    df = dsg.df
    if q in ("Q2", "Q8"):
        ans = df[q].notna().to_numpy()
        for o in (Q2 if q == "Q2" else Q8):
            yield o, "percent", (df[q] == o).to_numpy(float), ans, False
    elif q == "Q3":
        ans = df["Q3"].to_numpy()
        for o in Q3:
            yield o, "percent", df[f"Q3/{o}"].to_numpy(), ans, False
    elif q == "Q4":
        ans = df["Q4"].notna().to_numpy()
        for s, o in enumerate(Q4, 1):
            yield o, "percent", (df["Q4"] == s).to_numpy(float), ans, False
        yield "", "mean", df["Q4"].fillna(0).to_numpy(), ans, True
        yield "", "top2", (df["Q4"] >= 4).to_numpy(float), ans, False
        yield "", "bottom2", (df["Q4"] <= 2).to_numpy(float), ans, False
    elif q == "Q6":
        ans = df["Q6"].notna().to_numpy()
        yield "", "mean", df["Q6"].fillna(0).to_numpy(), ans, True


def table(dsg, q, banner, groups, rows_out, name, wave, where=None):
    """One table's figures per column (总计 + groups) with letters; `where` (a mask) keeps a
    domain of the design (every cluster of the wave still counts)."""
    df = dsg.df
    cols = [("总体" if banner == "总体" else "总计", np.ones(len(df), bool) if banner == "总体" else df[banner].notna().to_numpy())]
    if banner != "总体":
        cols += [(g, (df[banner] == g).to_numpy()) for g in groups]
    out = {}
    for option, measure, y, ans, mean in measures(dsg, q):
        if where is not None:
            ans = ans & where
        ests = [dsg.ratio(y, (ans & m).astype(float)) if (ans & m).any() else (np.nan, np.zeros(len(df))) for _, m in cols]
        v = dsg.cov(np.column_stack([z for _, z in ests]))
        figs = []
        for c, ((g, m), (r, _)) in enumerate(zip(cols, ests)):
            dom = ans & m
            n = int(dom.sum())
            if n == 0:
                figs.append(None)
                continue
            w = dsg.w[dom]
            units = len(np.unique(dsg.psu[dom]))
            within = dsg.clustered and units == 1
            if within:
                var = srs_var(w, y[dom], r, mean) * n / kish(w)
                v[c, :] = 0
                v[:, c] = 0
                v[c, c] = var
                df_ = n - 1
            else:
                var = v[c, c]
                df_ = units - len(np.unique(dsg.h[dom]))
            deff = var / srs_var(w, y[dom], r, mean)
            if mean:
                t = stats.t.ppf(1 - (1 - CONF) / 2, df_) if df_ >= 1 else stats.norm.ppf(1 - (1 - CONF) / 2)
                ci = (r - t * np.sqrt(var), r + t * np.sqrt(var))
                scale = 1
            else:
                ci = logit_ci(r, var, df_, n)
                scale = 100
            figs.append({"value": r * scale, "se": np.sqrt(max(var, 0)) * scale, "deff": deff,
                         "ci_low": ci[0] * scale, "ci_high": ci[1] * scale, "kish": kish(w), "r": r})
        sig = letters(figs, v) if banner != "总体" else [""] * len(cols)
        for c, ((g, _), f) in enumerate(zip(cols, figs)):
            if f is None or (banner != "总体" and c == 0):
                continue
            rows_out.append({"design": name, "wave": wave, "question": q, "banner": banner, "group": g, "option": option,
                             "measure": measure, "value": f["value"], "se": f["se"], "deff": f["deff"],
                             "ci_low": f["ci_low"], "ci_high": f["ci_high"], "sig": sig[c]})
            out[(g, option, measure)] = (f["r"] * (1 if measure == "mean" else 100), f["se"], f["kish"])
    return out


def letters(figs, v):
    """Letters among the groups (columns 1..): Wald z on V_a + V_b − 2C_ab, Bonferroni."""
    k = len(figs)
    elig = [c for c in range(1, k) if figs[c] is not None and figs[c]["kish"] >= MIN_BASE]
    pairs = []
    for a, b in itertools.combinations(elig, 2):
        var = v[a, a] + v[b, b] - 2 * v[a, b]
        d = figs[a]["r"] - figs[b]["r"]
        p = 2 * stats.norm.sf(abs(d / np.sqrt(var))) if var > 0 else 1.0
        pairs.append((a, b, d, p))
    out = [""] * k
    m = len(pairs)
    for a, b, d, p in pairs:
        if min(1.0, p * m) < ALPHA and d != 0:
            hi, lo = (a, b) if d > 0 else (b, a)
            out[hi] += chr(ord("A") + lo - 1)
    return ["".join(sorted(s)) for s in out]


def rao_scott(dsg, q, banner, options):
    """svychisq(~q + banner, design, statistic = "F")."""
    df = dsg.df
    keep = df[q].notna().to_numpy() & df[banner].notna().to_numpy()
    # The order of groups and options does not change the statistic.
    groups = sorted(df.loc[keep, banner].unique())
    rows = [o for o in options if ((df[q] == o) & keep).any()]
    r, c = len(rows), len(groups)
    cells = [(o, g) for g in groups for o in rows]
    zs, p = [], []
    for o, g in cells:
        y = ((df[q] == o) & (df[banner] == g)).to_numpy(float)
        est, z = dsg.ratio(y, keep.astype(float))
        p.append(est)
        zs.append(z)
    p = np.array(p)
    V = dsg.cov(np.column_stack(zs))
    N = keep.sum()
    tab = p.reshape(c, r).T * N
    e = tab.sum(1, keepdims=True) * tab.sum(0, keepdims=True) / N
    x2 = ((tab - e) ** 2 / e).sum()
    rf = np.array([i % r for i in range(r * c)])
    cf = np.array([i // r for i in range(r * c)])
    X1 = np.column_stack([np.ones(r * c)] + [(rf == i).astype(float) for i in range(1, r)] + [(cf == j).astype(float) for j in range(1, c)])
    Xi = np.column_stack([((rf == i) & (cf == j)).astype(float) for j in range(1, c) for i in range(1, r)])
    C = Xi - X1 @ np.linalg.lstsq(X1, Xi, rcond=None)[0]
    iD = np.diag(np.where(p > 0, 1 / p, 0))
    denom = C.T @ (iD / N) @ C
    numr = C.T @ iD @ V @ iD @ C
    delta = np.linalg.solve(denom, numr)
    tr, tr2 = np.trace(delta), np.trace(delta @ delta)
    d0 = tr ** 2 / tr2
    nu = len(np.unique(dsg.psu[keep])) - len(np.unique(dsg.h[keep]))
    f = x2 / tr
    return {"statistic": f, "ndf": d0, "ddf": d0 * nu, "p_value": stats.f.sf(f, d0, d0 * nu)}


def like_for_like(data):
    """Overall changes 2025 → 2026 (weights Q9) like for like: over the respondents of the
    units in both waves together, and as the plain mean of those units' figures."""
    both = sorted(set(UNITS["2025"]) & set(UNITS["2026"]))
    out = []
    for q in ["Q2", "Q3", "Q4", "Q6"]:
        figs = {}
        for wave in UNITS:
            d = data[(data.wave == wave) & data.unit.isin(both)]
            dsg = Design(d, {"weight": "Q9", "strata": None, "cluster": None})
            for option, measure, y, ans, mean in measures(dsg, q):
                w = dsg.w * ans
                pooled = (w * y).sum() / w.sum()
                per_unit = [(w[u] * y[u]).sum() / w[u].sum() for u in [(dsg.df.unit == x).to_numpy() for x in both]]
                scale = 1 if mean else 100
                figs.setdefault((option, measure), []).append((pooled * scale, np.mean(per_unit) * scale))
        for (option, measure), ((pa, ea), (pb, eb)) in figs.items():
            out.append({"question": q, "option": option, "measure": measure, "units_both": len(both),
                        "change_same_units": pb - pa, "change_equal_units": eb - ea})
    return out


def main():
    make_data()
    data = load()
    rows, tests, changes = [], [], []
    # Unit columns in the roster's order (diaoyan's with --units).
    units = [u for u in ROSTER if u in set(data["unit"])]
    for name, spec in DESIGNS.items():
        figs = {}
        for wave in UNITS:
            dsg = Design(data[data["wave"] == wave], spec)
            for q in ["Q2", "Q3", "Q4", "Q6", "Q8"]:
                # Every table has every group of the data (all waves), as diaoyan's columns.
                for banner, groups in [("总体", None), ("Q1", Q1), ("unit", units)]:
                    figs[(wave, q, banner)] = table(dsg, q, banner, groups, rows, name, wave)
            # --where Q7=男: a domain of the wave's design.
            male = (dsg.df["Q7"] == "男").to_numpy()
            for q in ["Q2", "Q4"]:
                table(dsg, q, "总体", None, rows, name + "/where", wave, where=male)
            for q, opts in [("Q2", Q2), ("Q8", Q8)]:
                # A banner whose groups are the clusters themselves has no between-cluster
                # test (diaoyan keeps the Kish-base chi-square there).
                for banner in [b for b in ["Q1", "unit"] if b != spec["cluster"]]:
                    tests.append({"design": name, "wave": wave, "question": q, "banner": banner, **rao_scott(dsg, q, banner, opts)})
        for (wave, q, banner), f in figs.items():
            if wave != "2025":
                continue
            g = figs[("2026", q, banner)]
            for key, (va, sa, ka) in f.items():
                if key not in g or key[0] == "总计":
                    continue
                vb, sb, kb = g[key]
                if ka < MIN_BASE or kb < MIN_BASE:
                    continue
                if sa ** 2 + sb ** 2 <= 0:
                    continue
                z = (vb - va) / np.sqrt(sa ** 2 + sb ** 2)
                changes.append({"design": name, "question": q, "banner": banner, "group": key[0], "option": key[1],
                                "measure": key[2], "change": vb - va, "statistic": z, "p_value": 2 * stats.norm.sf(abs(z))})
    pd.DataFrame(like_for_like(data)).to_csv(OUT / "expected_like.csv", index=False, float_format="%.17g")
    pd.DataFrame(rows).to_csv(OUT / "expected_design.csv", index=False, float_format="%.17g")
    pd.DataFrame(tests).to_csv(OUT / "expected_design_tests.csv", index=False, float_format="%.17g")
    pd.DataFrame(changes).to_csv(OUT / "expected_design_changes.csv", index=False, float_format="%.17g")
    print(len(rows), "figures,", len(tests), "tests,", len(changes), "changes")


if __name__ == "__main__":
    main()
