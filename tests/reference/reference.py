"""Reference figures for the statistics tests, computed independently of diaoyan with
pandas, scipy and statsmodels.

Writes tests/fixtures/stats/data.csv (a synthetic 问卷星 text export, fixed seed) and,
from that file alone, tests/reference/expected_results.csv and expected_tests.csv in the
layout of diaoyan's results.csv / tests.csv. A second wave, data_2026.csv (another seed,
shifted answers), gives expected_changes.csv (changes 2025 → 2026 with pooled z-tests
and Welch t-tests) and expected_mean_letters.csv (Welch column letters of means). The Rust tests compare diaoyan's output with
these files to 1e-9; they need no Python. Rerun after changing the fixture:

    pip install pandas scipy statsmodels
    python3 tests/reference/reference.py
"""

import itertools
import pathlib

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests/fixtures/stats/data.csv"
DATA2 = ROOT / "tests/fixtures/stats/data_2026.csv"
OUT = ROOT / "tests/reference"

Q1 = ["党政干部", "事业单位人员", "国有企业人员"]
Q2 = ["机关", "基层单位", "两者都有", "说不清"]
Q3 = ["会议多", "检查多", "留痕多", "报表多", "调研虚"]
Q4 = ["1分", "2分", "3分", "4分", "5分"]
Q5 = ["精简会议", "规范检查", "减少报表", "改进调研"]
Q7 = ["男", "女"]
Q8 = ["是", "否"]
ALPHA, MIN_BASE, CONF = 0.05, 30, 0.95
# The same targets as the [weighting] table in tests/cli/stats.rs (counts, normalised).
CELL_TARGETS = {"党政干部": 50, "事业单位人员": 40, "国有企业人员": 10}


def make_data(n=260, seed=7, path=DATA, shift=0.0):
    """`shift` moves the answers of a later wave: fewer name 机关, fewer complain, higher
    satisfaction, fewer meetings (0 leaves the first wave exactly as it always was)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        g = rng.choice(3, p=[0.55, 0.35, 0.10])
        pw = np.array([[0.62, 0.12, 0.22, 0.04], [0.45, 0.25, 0.25, 0.05], [0.40, 0.30, 0.20, 0.10]][g]) + shift * np.array([-0.5, 0.3, 0.2, 0.0])
        where = rng.choice(4, p=pw / pw.sum())
        base = np.array([0.6, 0.55, 0.45, 0.5, 0.3]) + [0.1, 0.0, -0.05][g] * np.array([1, -1, 1, 1, 0]) - shift * np.array([0.6, 0.2, 0.0, 0.4, 0.1])
        sel = [Q3[k] for k in range(5) if rng.random() < base[k]]
        score = int(np.clip(round(3.6 + [0.4, 0.0, -0.5][g] + 2 * shift + rng.normal(0, 1)), 1, 5))
        order = list(rng.permutation(4))[: rng.choice([2, 3, 4])]
        meetings = int(rng.poisson(6 + 2 * (g == 0) - 10 * shift))
        sex = rng.choice(2, p=[0.5, 0.5])
        yes = rng.choice(2, p=[0.7 if sex == 0 else 0.55, 0.3 if sex == 0 else 0.45])
        weight = round(float(rng.choice([0.5, 1.0, 1.5, 2.0])), 2)
        rows.append({
            "序号": i + 1,
            "1、身份": Q1[g],
            # A few skipped or blank answers keep the bases different per question.
            "2、形式主义主要存在于": "(跳过)" if i % 17 == 0 else Q2[where],
            "3、主要表现": "┋".join(sel) if sel and i % 23 != 5 else "(空)",
            "4、满意度": f"{score}分",
            "5、措施排序": "→".join(Q5[k] for k in order) if i % 19 != 3 else "(跳过)",
            "6、会议次数": meetings if i % 29 != 7 else "",
            "7、性别": Q7[sex],
            "8、是否开展整治": Q8[yes],
            "9、权重": weight,
        })
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")


def load(path=DATA):
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df = pd.DataFrame(index=raw.index)
    blank = lambda s: s.isin(["", "(空)", "(跳过)"])
    for q, col in [("Q1", "1、身份"), ("Q2", "2、形式主义主要存在于"), ("Q7", "7、性别"), ("Q8", "8、是否开展整治")]:
        df[q] = raw[col].where(~blank(raw[col]))
    answered = ~blank(raw["3、主要表现"])
    for o in Q3:
        df[f"Q3/{o}"] = np.where(answered, raw["3、主要表现"].apply(lambda s: o in s.split("┋")), np.nan)
    df["Q4"] = raw["4、满意度"].where(~blank(raw["4、满意度"])).str.rstrip("分").astype(float)
    ranked = ~blank(raw["5、措施排序"])
    for o in Q5:
        df[f"Q5/{o}"] = raw["5、措施排序"].where(ranked).apply(
            lambda s: (s.split("→").index(o) + 1) if isinstance(s, str) and o in s.split("→") else np.nan)
    df["Q5_answered"] = ranked
    df["Q6"] = pd.to_numeric(raw["6、会议次数"].where(~blank(raw["6、会议次数"])), errors="coerce")
    df["Q9"] = pd.to_numeric(raw["9、权重"])
    return df


rows, tests = [], []


def add(question, banner, group, option, measure, value, count="", base="", ci=None, sig=""):
    rows.append({
        "question": question, "banner": banner, "group": group, "option": option, "measure": measure,
        "value": value, "count": count, "base": base,
        "ci_low": "" if ci is None else ci[0] * 100, "ci_high": "" if ci is None else ci[1] * 100, "sig": sig,
    })


def wilson(count, n):
    return proportion_confint(count, n, alpha=1 - CONF, method="wilson")


def letters(counts, bases, ns):
    """SPSS column letters: pooled two-proportion z-test between columns whose unweighted
    base `ns` is at least MIN_BASE; `counts`/`bases` are on the effective base."""
    out = [""] * len(counts)
    for i, j in itertools.permutations(range(len(counts)), 2):
        if ns[i] < MIN_BASE or ns[j] < MIN_BASE or bases[i] == 0 or bases[j] == 0:
            continue
        pi, pj = counts[i] / bases[i], counts[j] / bases[j]
        if pi <= pj:
            continue
        pooled = (counts[i] + counts[j]) / (bases[i] + bases[j])
        if pooled in (0.0, 1.0):
            continue
        _, p = proportions_ztest([counts[i], counts[j]], [bases[i], bases[j]])
        if p < ALPHA:
            out[i] += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[j]
    return out


def categorical(df, q, options, weight=None, banner="总体", groups=None):
    """Single choice (or scale as categories): counts, shares, Wilson intervals, letters."""
    sub = df[df[q].notna()]
    if groups is None:
        frames = [("总体", sub)]
    else:
        frames = [(g, sub[sub["Q1"] == g]) for g in groups]
    for o in options:
        counts, bases, eff_counts, effs, ns = [], [], [], [], []
        for g, f in frames:
            w = f[weight] if weight else pd.Series(1.0, index=f.index)
            counts.append(float(w[f[q] == o].sum()))
            bases.append(float(w.sum()))
            n_eff = w.sum() ** 2 / (w ** 2).sum() if len(f) else 0.0
            effs.append(n_eff)
            eff_counts.append(counts[-1] / bases[-1] * n_eff if bases[-1] else 0.0)
            ns.append(len(f))
        sig = letters(eff_counts, effs, ns) if groups else [""] * len(frames)
        for (g, f), c, b, s in zip(frames, counts, bases, sig):
            if b == 0:
                continue
            w = f[weight] if weight else pd.Series(1.0, index=f.index)
            n_eff = w.sum() ** 2 / (w ** 2).sum()
            p = c / b
            add(q, banner, g, o, "percent", p * 100, c, len(f), wilson(p * n_eff, n_eff), s)


def scale_stats(df, q, options, scores):
    sub = df[df[q].notna()]
    x = sub[q]
    add(q, "总体", "总体", "", "mean", x.mean(), base=len(sub))
    add(q, "总体", "总体", "", "sd", x.std(ddof=1), base=len(sub))
    n = len(sub)
    top = (x >= sorted(scores)[-2]).sum()
    bottom = (x <= sorted(scores)[1]).sum()
    add(q, "总体", "总体", "", "top2", top / n * 100, top, n, wilson(top, n))
    add(q, "总体", "总体", "", "bottom2", bottom / n * 100, bottom, n, wilson(bottom, n))


def multi(df, weight=None):
    cols = [f"Q3/{o}" for o in Q3]
    sub = df[df[cols[0]].notna()]
    w = sub[weight] if weight else pd.Series(1.0, index=sub.index)
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    total = sum(float(w[sub[c] == 1].sum()) for c in cols)
    for o, c in zip(Q3, cols):
        cnt = float(w[sub[c] == 1].sum())
        p = cnt / w.sum()
        add("Q3", "总体", "总体", o, "percent", p * 100, cnt, len(sub), wilson(p * n_eff, n_eff))
        if weight is None:
            # Base of percent of responses: the number of selections.
            add("Q3", "总体", "总体", o, "percent_of_responses", cnt / total * 100, cnt, int(total))


def rank(df):
    sub = df[df["Q5_answered"]]
    n, k = len(sub), len(Q5)
    for o in Q5:
        r = sub[f"Q5/{o}"]
        score = sum(((r == pos).sum()) * (k - pos + 1) for pos in range(1, k + 1)) / n
        first = (r == 1).sum()
        add("Q5", "总体", "总体", o, "rank_score", score, base=n)
        add("Q5", "总体", "总体", o, "first_share", first / n * 100, first, n, wilson(first, n))
        # Base of an average rank: the number who ranked that option.
        add("Q5", "总体", "总体", o, "avg_rank", r.mean(), base=int(r.notna().sum()))


def number(df):
    x = df["Q6"].dropna()
    n = len(x)
    for m, v in [("mean", x.mean()), ("sd", x.std(ddof=1)), ("median", x.median()), ("min", x.min()), ("max", x.max())]:
        add("Q6", "总体", "总体", "", m, v, base=n)


def figures(df):
    """The shares and means changes.csv compares, per (question, banner, group, option,
    measure): (value, base, count or (mean, sd)). Overall and by Q1."""
    out = {}
    frames = [("总体", "总体", df)] + [("Q1", g, df[df["Q1"] == g]) for g in Q1]
    for banner, g, f in frames:
        for q, opts in [("Q2", Q2), ("Q8", Q8)]:
            sub = f[f[q].notna()]
            for o in opts:
                out[(q, banner, g, o, "percent")] = ("p", (sub[q] == o).sum(), len(sub))
        sub = f[f["Q3/会议多"].notna()]
        for o in Q3:
            out[("Q3", banner, g, o, "percent")] = ("p", (sub[f"Q3/{o}"] == 1).sum(), len(sub))
        x = f["Q4"].dropna()
        for k, o in enumerate(Q4, start=1):
            out[("Q4", banner, g, o, "percent")] = ("p", (x == k).sum(), len(x))
        out[("Q4", banner, g, "", "top2")] = ("p", (x >= 4).sum(), len(x))
        out[("Q4", banner, g, "", "bottom2")] = ("p", (x <= 2).sum(), len(x))
        out[("Q4", banner, g, "", "mean")] = ("m", x.mean(), x.std(ddof=1), len(x))
        y = f["Q6"].dropna()
        out[("Q6", banner, g, "", "mean")] = ("m", y.mean(), y.std(ddof=1), len(y))
    return out


def changes(a, b):
    """Change from wave a to wave b of every figure, with the test diaoyan runs: pooled
    two-proportion z (statsmodels) for shares, Welch's t (scipy) for means; none when a
    base is below MIN_BASE or the test is undefined."""
    fa, fb = figures(a), figures(b)
    out = []
    for key, x in fa.items():
        y = fb[key]
        test = stat = p = ""
        if x[0] == "p":
            (_, ca, na), (_, cb, nb) = x, y
            va, vb = ca / na * 100 if na else None, cb / nb * 100 if nb else None
            base_a, base_b = na, nb
            pooled = (ca + cb) / (na + nb) if na + nb else 0
            if na >= MIN_BASE and nb >= MIN_BASE and 0 < pooled < 1:
                z, p = proportions_ztest([cb, ca], [nb, na])
                test, stat = "z", z
        else:
            (_, ma, sa, na), (_, mb, sb, nb) = x, y
            va, vb, base_a, base_b = ma, mb, na, nb
            if na >= MIN_BASE and nb >= MIN_BASE:
                t, p = stats.ttest_ind_from_stats(mb, sb, nb, ma, sa, na, equal_var=False)
                test, stat = "welch", t
        change = vb - va if va is not None and vb is not None else ""
        sig = ("↑" if change > 0 else "↓") if test and p < ALPHA and change != 0 else ""
        q, banner, g, o, m = key
        out.append({"question": q, "banner": banner, "group": g, "option": o, "measure": m,
                    "value_from": va, "value_to": vb, "change": change, "base_from": base_a, "base_to": base_b,
                    "test": test, "statistic": stat, "p_value": p if test else "", "sig": sig})
    return out


def weighted_changes(a, b, weight="Q9"):
    """Changes of weighted shares (Q2 and Q8, whole sample): shares on the weighted base,
    the z-test on the effective bases (Σw)²/Σw² of each wave."""
    out = []
    for q, opts in [("Q2", Q2), ("Q8", Q8)]:
        for o in opts:
            vals = []
            for d in (a, b):
                sub = d[d[q].notna()]
                w = sub[weight]
                p = w[sub[q] == o].sum() / w.sum()
                vals.append((p, w.sum() ** 2 / (w ** 2).sum(), len(sub)))
            (pa, ea, na), (pb, eb, nb) = vals
            z, pv = proportions_ztest([pb * eb, pa * ea], [eb, ea])
            out.append({"question": q, "option": o, "value_from": pa * 100, "value_to": pb * 100,
                        "base_from": na, "base_to": nb, "statistic": z, "p_value": pv})
    return out


def mean_letters(df, q):
    """SPSS-style letters for the means of q by Q1: pairwise Welch t-tests between groups
    whose base is at least MIN_BASE."""
    xs = [df[df["Q1"] == g][q].dropna() for g in Q1]
    out = []
    for i, g in enumerate(Q1):
        sig = ""
        for j in range(len(Q1)):
            if i == j or len(xs[i]) < MIN_BASE or len(xs[j]) < MIN_BASE or xs[i].mean() <= xs[j].mean():
                continue
            _, p = stats.ttest_ind(xs[i], xs[j], equal_var=False)
            if p < ALPHA:
                sig += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[j]
        out.append({"question": q, "group": g, "mean": xs[i].mean(), "base": len(xs[i]), "sig": sig})
    return out


def tables_with_margins(rs, cs):
    """Every table of non-negative integers with row sums rs and column sums cs."""
    if len(cs) == 1:
        yield [[r] for r in rs]
        return

    def columns(rem, left, i):
        if i == len(rem) - 1:
            if left <= rem[i]:
                yield [left]
            return
        for x in range(0, min(left, rem[i]) + 1):
            for rest in columns(rem, left - x, i + 1):
                yield [x] + rest

    for col in columns(rs, cs[0], 0):
        rem = [r - c for r, c in zip(rs, col)]
        for sub in tables_with_margins(rem, cs[1:]):
            yield [[c] + s for c, s in zip(col, sub)]


def freeman_halton(table):
    """Fisher-Freeman-Halton p-value by enumeration, probabilities from scipy's
    random_table (multivariate hypergeometric); no more likely than observed, rel. tol 1e-7."""
    table = np.asarray(table, dtype=int)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    rs, cs = table.sum(axis=1), table.sum(axis=0)
    dist = stats.random_table(rs, cs)
    p_obs = dist.pmf(table)
    total = 0.0
    for t in tables_with_margins(list(rs), list(cs)):
        p = dist.pmf(np.array(t))
        if p <= p_obs * (1 + 1e-7):
            total += p
    return min(total, 1.0)


# Small r×c tables for the exact test (rows: options, columns: groups).
EXACT_TABLES = {
    "3x2": [[3, 0], [1, 4], [2, 6]],
    "2x3": [[5, 1, 0], [1, 3, 4]],
    "3x3": [[4, 1, 0], [1, 3, 1], [0, 2, 5]],
    "4x2 sparse": [[6, 1], [0, 3], [2, 0], [1, 1]],
    "2x2": [[8, 2], [1, 5]],
}


def independence(df, q, options, groups, banner="Q1", banner_col="Q1"):
    sub = df[df[q].notna() & df[banner_col].notna()]
    # The whole table: every group with a non-zero base, however small (as SPSS does).
    present = [g for g in groups if (sub[banner_col] == g).sum() > 0]
    table = np.array([[((sub[q] == o) & (sub[banner_col] == g)).sum() for g in present] for o in options], dtype=float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return
    chi2, p, dof, expected = stats.chi2_contingency(table, correction=False)
    v = association(table.astype(int), method="cramer", correction=False)
    low = (expected < 5).mean()
    test = "chi2"
    if table.shape == (2, 2):
        p = stats.fisher_exact(table)[1]
        test = "fisher"
    # An unreliable chi-square (more than 20% of expected counts below 5) of a table
    # larger than 2×2: scipy's r×c Fisher test, simulated with many resamples, as an
    # independent check of diaoyan's exact (or simulated) p-value (compared to ±0.02).
    exact = ""
    if low > 0.2 and table.shape != (2, 2):
        exact = stats.fisher_exact(table.astype(int), method=stats.MonteCarloMethod(n_resamples=200000, rng=np.random.default_rng(1))).pvalue
    tests.append({"question": q, "banner": banner, "test": test, "statistic": chi2, "df": dof, "p_value": p,
                  "cramers_v": v, "low_expected_share": low, "exact_p_approx": exact})


def main():
    make_data()
    df = load()
    # Whole sample, unweighted.
    categorical(df, "Q1", Q1)
    categorical(df, "Q2", Q2)
    multi(df)
    categorical(df.assign(Q4s=df["Q4"].map(lambda v: f"{int(v)}分" if v == v else np.nan)).assign(Q4=lambda d: d["Q4s"]), "Q4", Q4)
    scale_stats(df, "Q4", Q4, [1, 2, 3, 4, 5])
    rank(df)
    number(df)
    categorical(df, "Q7", Q7)
    categorical(df, "Q8", Q8)
    # Crosstabs by Q1 (column percentages, intervals, letters) and their tests.
    for q, opts in [("Q2", Q2), ("Q7", Q7), ("Q8", Q8)]:
        categorical(df, q, opts, banner="Q1", groups=Q1)
        independence(df, q, opts, Q1)
    # A 2×2 table: Fisher's exact test (Q8 by Q7, banner Q7).
    independence(df, "Q8", Q8, Q7, banner="Q7", banner_col="Q7")
    pd.DataFrame(rows).to_csv(OUT / "expected_results.csv", index=False, encoding="utf-8")
    pd.DataFrame(tests).to_csv(OUT / "expected_tests.csv", index=False, encoding="utf-8")
    exact = [{"name": k, "table": ";".join(",".join(str(x) for x in r) for r in t), "p_value": freeman_halton(t)} for k, t in EXACT_TABLES.items()]
    pd.DataFrame(exact).to_csv(OUT / "expected_exact.csv", index=False, encoding="utf-8")
    # Weighted by Q9: shares on the weighted base, intervals on the effective base.
    rows.clear()
    categorical(df, "Q2", Q2, weight="Q9")
    multi(df, weight="Q9")
    categorical(df, "Q8", Q8, weight="Q9", banner="Q1", groups=Q1)
    w = df["Q9"]
    eff = w.sum() ** 2 / (w ** 2).sum()
    pd.DataFrame(rows).to_csv(OUT / "expected_weighted.csv", index=False, encoding="utf-8")
    (OUT / "expected_effective_base.txt").write_text(repr(float(eff)) + "\n")
    # Cell weighting (post-stratification) of Q1 to the targets in CELL_TARGETS.
    rows.clear()
    shares = df["Q1"].value_counts(normalize=True)
    total = sum(CELL_TARGETS.values())
    df["cw"] = df["Q1"].map(lambda g: CELL_TARGETS[g] / total / shares[g])
    categorical(df, "Q2", Q2, weight="cw")
    multi(df, weight="cw")
    categorical(df, "Q8", Q8, weight="cw", banner="Q1", groups=Q1)
    pd.DataFrame(rows).to_csv(OUT / "expected_cellweighted.csv", index=False, encoding="utf-8")
    # A second wave: changes 2025 → 2026, and the Welch letters of means by Q1.
    make_data(n=240, seed=11, path=DATA2, shift=0.15)
    first, second = load(DATA), load(DATA2)
    pd.DataFrame(changes(first, second)).to_csv(OUT / "expected_changes.csv", index=False, encoding="utf-8")
    pd.DataFrame(mean_letters(first, "Q4") + mean_letters(first, "Q6")).to_csv(OUT / "expected_mean_letters.csv", index=False, encoding="utf-8")
    pd.DataFrame(weighted_changes(first, second)).to_csv(OUT / "expected_weighted_changes.csv", index=False, encoding="utf-8")
    print(f"wrote {DATA.name}, {DATA2.name} and the expected figures to {OUT}")


if __name__ == "__main__":
    main()
