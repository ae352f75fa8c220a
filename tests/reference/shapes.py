"""Reference figures for three export shapes of tests/fixtures/shapes (a paper-entry
workbook with a codebook and a tally block, a survey panel's two-row-header export, a
问卷网 CSV), computed with pandas from the raw files alone, independently of diaoyan.
tests/cli/shapes.rs compares the `report` (no survey.toml: the definition is inferred)
with tests/reference/expected_shapes.csv. Rerun after changing the fixtures:

    pip install pandas openpyxl
    python3 tests/reference/shapes.py
"""

import pathlib

import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHAPES = ROOT / "tests/fixtures/shapes"
OUT = ROOT / "tests/reference/expected_shapes.csv"
rows = []


def share_rows(file, qid, labels, counts, base):
    for label, k in zip(labels, counts):
        rows.append([file, qid, label, "percent", 100.0 * k / base, k, base])


def paper():
    f = "paper_entry.xlsx"
    book = pd.read_excel(SHAPES / f, sheet_name="编码说明")
    book = book[pd.to_numeric(book["代码"], errors="coerce").notna()].copy()
    book["题号"] = book["题号"].ffill()
    data = pd.read_excel(SHAPES / f, sheet_name="录入")
    # The respondents end at the first blank row (a tally block follows).
    blank = data.isna().all(axis=1)
    data = data.iloc[: blank.idxmax()] if blank.any() else data
    for qid, g in book.groupby("题号", sort=False):
        labels = list(g["选项"])
        codes = pd.to_numeric(data[qid], errors="coerce")
        valid = codes[codes.between(1, len(labels))]
        share_rows(f, qid, labels, [int((valid == k).sum()) for k in range(1, len(labels) + 1)], len(valid))
    meetings = pd.to_numeric(data["Q5 近一个月参加会议次数"], errors="coerce").dropna()
    rows.append([f, "Q5", "", "mean", meetings.mean(), "", len(meetings)])
    rows.append([f, "Q5", "", "sd", meetings.std(ddof=1), "", len(meetings)])


def panel():
    f = "panel_export.xlsx"
    raw = pd.read_excel(SHAPES / f, header=None)
    texts, codes = list(raw.iloc[0]), list(raw.iloc[1])
    data = raw.iloc[2:].reset_index(drop=True)
    data.columns = codes
    q1 = pd.to_numeric(data["Q1"])
    share_rows(f, "Q1", ["选项1（请补全）", "选项2（请补全）"], [int((q1 == k).sum()) for k in (1, 2)], int(q1.between(1, 2).sum()))
    dummies = [c for c in codes if str(c).startswith("Q3_") and str(c)[3:].isdigit()]
    d = data[dummies].apply(pd.to_numeric)
    answered = d[(d == 1).any(axis=1)]
    labels = [str(texts[codes.index(c)]).split("—")[-1] for c in dummies]
    share_rows(f, "Q3", labels, [int((answered[c] == 1).sum()) for c in dummies], len(answered))
    for c in [c for c in codes if str(c).startswith("Q4_") and str(c)[3:].isdigit()]:
        row = str(texts[codes.index(c)]).split("—")[-1]
        v = pd.to_numeric(data[c]).dropna()
        qid = f"Q4/{row}"
        share_rows(f, qid, [f"选项{k}（请补全）" for k in range(1, 6)], [int((v == k).sum()) for k in range(1, 6)], len(v))
        rows.append([f, qid, "", "mean", v.mean(), "", len(v)])


def wenjuanwang():
    f = "wenjuanwang.csv"
    data = pd.read_csv(SHAPES / f, encoding="utf-8-sig", dtype=str)
    ident = data["1.您的身份"].dropna().str.split(".", n=1).str[1]
    labels = ["党政干部", "事业单位人员", "国有企业人员", "其他"]
    share_rows(f, "Q1", labels, [int((ident == x).sum()) for x in labels], len(ident))
    cols = [c for c in data.columns if c.startswith("3.您认为形式主义主要表现在哪些方面？:")]
    chosen = data[cols].notna()
    answered = chosen[chosen.any(axis=1)]
    share_rows(f, "Q3", [c.split(":", 1)[1] for c in cols], [int(answered[c].sum()) for c in cols], len(answered))


paper()
panel()
wenjuanwang()
pd.DataFrame(rows, columns=["file", "question", "option", "measure", "value", "count", "base"]).to_csv(OUT, index=False, encoding="utf-8-sig")
print(f"wrote {len(rows)} reference figures to {OUT.relative_to(ROOT)}")
