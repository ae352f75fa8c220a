// The page of `diaoyan serve`: shows the project, uploads files, starts and follows a
// report run, and shows what the run wrote. Every figure comes from the server (the
// command line's results.csv and files); nothing is computed here.
"use strict";
const TOKEN = document.querySelector('meta[name="diaoyan-token"]').content;
const $ = (s) => document.querySelector(s);
let project = null;
let report = null;

async function api(path, opts = {}) {
  opts.headers = Object.assign({ "X-Diaoyan-Token": TOKEN }, opts.headers || {});
  const r = await fetch(path, opts);
  const body = (r.headers.get("content-type") || "").includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new Error(body && body.error ? body.error : String(body));
  return body;
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function fill(tbody, rows) {
  tbody.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement("tr");
    r.forEach((v) => cell(tr, v, typeof v === "number" || /^[-+]?[\d.,]+(%| 个百分点)?$/.test(v) ? "num" : ""));
    tbody.appendChild(tr);
  }
}

async function loadProject() {
  project = await api("/api/project");
  $("#folder").textContent = project.folder;
  const s = project.survey;
  $("#survey-title").value = s ? s.title : "问卷";
  $("#survey-title").disabled = !s;
  $("#save-survey").hidden = !s;
  $("#survey-note").textContent = project.survey_error
    ? "survey.toml 有问题：" + project.survey_error
    : s ? "共 " + s.questions.length + " 道题（来自 survey.toml）" : "项目文件夹中还没有 survey.toml：统计时将从回收的文件推断问卷。";
  $("#survey-note").className = project.survey_error ? "note error" : "note";
  $("#init").hidden = !!(s || project.survey_error);
  questionRows(s);
  rosterRows(project.roster);
  fill($("#files tbody"), project.files.map((f) => [f.path, f.folder || "（项目文件夹）", (f.bytes / 1024).toFixed(1) + " KB"]));
  if (!project.reports.includes(report)) report = project.reports.length ? project.reports[project.reports.length - 1] : null;
  const pick = $("#report-pick");
  pick.replaceChildren(...project.reports.map((r) => Object.assign(document.createElement("option"), { value: r, textContent: r })));
  if (report) {
    pick.value = report;
    await loadReport();
  }
}

async function upload(files) {
  const folder = encodeURIComponent($("#folder-name").value.trim());
  for (const f of files) {
    const li = document.createElement("li");
    li.textContent = f.name + "：正在上传……";
    $("#upload-log").appendChild(li);
    try {
      const r = await api("/api/upload?name=" + encodeURIComponent(f.name) + "&folder=" + folder, { method: "POST", body: f });
      li.textContent = f.name + "：已保存到 " + r.saved;
    } catch (e) {
      li.textContent = f.name + "：" + e.message;
      li.className = "error";
    }
  }
  await loadProject();
  await loadChecked();
}

async function followRun() {
  const v = await api("/api/run");
  const names = { idle: "", running: "正在统计……", done: "统计完成", failed: "统计没有完成（见上面的提示）", cancelled: "已取消" };
  $("#run-state").textContent = names[v.phase] + (v.phase === "idle" ? "" : "（" + v.seconds.toFixed(1) + " 秒）");
  $("#run-log").textContent = v.lines.join("\n");
  const bar = $("#run-files");
  bar.hidden = !(v.phase === "running" && v.files);
  if (v.files) Object.assign(bar, { max: v.files[1], value: v.files[0], title: "已读取 " + v.files[0] + "/" + v.files[1] + " 个文件" });
  $("#run-log").scrollTop = $("#run-log").scrollHeight;
  $("#run").disabled = v.phase === "running";
  $("#cancel").disabled = v.phase !== "running";
  if (v.phase === "running") {
    setTimeout(followRun, 500);
  } else if (v.phase === "done") {
    if (v.report) report = v.report;
    await loadProject();
  }
}

async function loadReport() {
  const all = await api("/api/results/index?report=" + encodeURIComponent(report));
  const qs = new Map(all.questions), waves = all.waves, banners = all.banners;
  const opts = (sel, items) => {
    const keep = sel.value;
    sel.replaceChildren(...items.map(([v, t]) => Object.assign(document.createElement("option"), { value: v, textContent: t })));
    if (items.some(([v]) => v === keep)) sel.value = keep;
  };
  opts($("#q"), [...qs].map(([id, t]) => [id, id + " " + t]));
  const hadWave = $("#wave").value;
  opts($("#wave"), [...waves].map((w) => [w, w === "全部" ? "各年合计" : w]));
  if (!hadWave) {
    const years = waves.filter((w) => w !== "全部").sort();
    if (years.length) $("#wave").value = years[years.length - 1];
  }
  const named = { 总体: "总体（不分组）", unit: "单位", wave: "年份" };
  opts($("#banner"), banners.map((b) => [b, named[b] || (qs.has(b) ? b + " " + qs.get(b) : b)]));
  await showFigures();
  await loadLeague();
  const links = ["xlsx", "docx", "html", "pptx"].map((x) => [x, report + "/" + report + "." + x]);
  links.push(["csv", report + "/results.csv"]);
  $("#downloads").replaceChildren(...links.map(([x, p]) => {
    const li = document.createElement("li");
    li.appendChild(Object.assign(document.createElement("a"), { href: "/files/" + p.split("/").map(encodeURIComponent).join("/"), textContent: p.split("/").pop() }));
    return li;
  }));
  $("#report-zip").href = "/api/report.zip?report=" + encodeURIComponent(report);
  $("#report-frame").src = "/files/" + encodeURIComponent(report) + "/" + encodeURIComponent(report + ".html");
}

let league = null;

// A report CSV's rows as objects by column name.
async function csvRows(file, filters) {
  const q = Object.entries(Object.assign({ report, file }, filters)).map(([k, v]) => k + "=" + encodeURIComponent(v)).join("&");
  const r = await api("/api/csv?" + q);
  return r.rows.map((row) => Object.fromEntries(r.head.map((h, i) => [h, row[i]])));
}

const num = (v, percent) => (v === "" || v === undefined ? "—" : percent ? Number(v).toFixed(1) + "%" : Number(v).toFixed(2));

// The question's year-over-year rows (changes.csv, whole sample).
function showChanges(rows) {
  head($("#changes"), ["选项", "指标", "年份", "前一年", "后一年", "变化", "显著"]);
  fill($("#changes tbody"), rows.filter((r) => r.change !== "").map((r) => {
    const p = isPercent(r.measure);
    return [r.option || r.question.split("/")[1] || "", label(r.measure, r.question), r.wave_from + "→" + r.wave_to, num(r.value_from, p), num(r.value_to, p),
      (Number(r.change) > 0 ? "+" : "") + Number(r.change).toFixed(p ? 1 : 2) + (p ? " 个百分点" : ""), r.sig];
  }));
}

async function loadLeague() {
  league = await csvRows("league.csv", {}).catch(() => []);
  const names = [...new Map(league.map((r) => [r.indicator, r.indicator_name]))];
  const sel = $("#indicator");
  const keep = sel.value;
  sel.replaceChildren(...names.map(([v, t]) => Object.assign(document.createElement("option"), { value: v, textContent: t })));
  if (names.some(([v]) => v === keep)) sel.value = keep;
  showLeague();
}

function showLeague() {
  if (!league) return;
  const ind = $("#indicator").value;
  const rows = league.filter((r) => r.indicator === ind);
  const newest = rows.map((r) => r.wave).sort().pop();
  const shown = rows.filter((r) => r.wave === newest).sort((a, b) => (Number(a.rank) || 1e9) - (Number(b.rank) || 1e9));
  const percent = (rows[0] || {}).value_kind === "percent";
  head($("#league"), ["名次", "单位", newest + "年", "样本量", "排名区间", "与上年相比", "显著", "说明"]);
  fill($("#league tbody"), shown.map((r) => [r.rank || "未排名", r.unit, num(r.value, percent), r.base, r.rank_low ? r.rank_low + "–" + r.rank_high : "", r.change === "" ? "" : (Number(r.change) > 0 ? "+" : "") + Number(r.change).toFixed(percent ? 1 : 2) + (percent ? " 个百分点" : ""), r.sig, r.base_note]));
}

// One figure as the page shows it: percentages with one decimal, other measures two.
function figure(r, row, name) {
  const v = row[r.head.indexOf(name)] || "";
  const m = row[r.head.indexOf("measure")];
  return v === "" ? "" : isPercent(m) ? Number(v).toFixed(1) + "%" : Number(v).toFixed(2);
}

// What hovering a figure tells: its base, interval and any caution about the base.
function about(r, row) {
  const at = (name) => row[r.head.indexOf(name)] || "";
  const ci = at("ci_low") === "" ? "" : "，95% 置信区间 " + figure(r, row, "ci_low") + " – " + figure(r, row, "ci_high");
  return "样本量 n=" + at("base") + ci + (at("base_mark") ? "（" + at("base_mark") + "）" : "");
}

// Each choice of question, year or group asks anew; an answer to an earlier choice that
// comes late is not shown over the newer one.
let asked = 0;

async function showFigures() {
  const q = $("#q").value, w = $("#wave").value, b = $("#banner").value;
  if (!q) return;
  const mine = ++asked;
  const r = await api("/api/results?report=" + encodeURIComponent(report) + "&question=" + encodeURIComponent(q) + "&wave=" + encodeURIComponent(w) + "&banner=" + encodeURIComponent(b));
  if (mine !== asked) return;
  if (b === "总体") overall(r);
  else crosstab(r);
  const [test, chart, changes] = await Promise.all([testNote(q, w, b), chartOf(q, w, b), csvRows("changes.csv", { question: q, banner: "总体" }).catch(() => [])]);
  if (mine !== asked) return;
  $("#test-note").textContent = test + (r.truncated ? "\n只显示了前 " + r.rows.length + " 行，全部见 results.csv" : "");
  $("#chart").hidden = !chart;
  if (chart) $("#chart-img").src = "/files/" + chart.svg.split("/").map(encodeURIComponent).join("/");
  showChanges(changes);
}

// The whole sample: one row per option and measure.
function overall(r) {
  const at = (row, name) => row[r.head.indexOf(name)] || "";
  head($("#figures"), ["题目", "选项", "指标", "数值", "95% 置信区间", "人数", "样本量", "样本提示"]);
  fill($("#figures tbody"), r.rows.map((row) => {
    const ci = at(row, "ci_low") === "" ? "" : figure(r, row, "ci_low") + " – " + figure(r, row, "ci_high");
    const count = at(row, "count") === "" ? "" : String(Math.round(Number(at(row, "count")) * 100) / 100);
    return [at(row, "question"), at(row, "option"), label(at(row, "measure"), at(row, "question")), figure(r, row, "value"), ci, count, at(row, "base"), at(row, "base_mark")];
  }));
  [...$("#figures tbody").rows].forEach((tr, i) => {
    tr.title = about(r, r.rows[i]);
    if (at(r.rows[i], "base_mark")) tr.classList.add("small-base");
  });
}

// A crosstab as SPSS Custom Tables shows it: options down, the banner's groups across,
// each group's letter in its heading and, beside a figure, the letters of the groups it
// is significantly higher than (results.csv's sig).
function crosstab(r) {
  const at = (row, name) => row[r.head.indexOf(name)] || "";
  const groups = [...new Set(r.rows.map((row) => at(row, "group")))];
  const letter = (i) => String.fromCharCode(65 + (i % 26));
  head($("#figures"), ["题目", "选项", "指标", ...groups.map((g, i) => g + "（" + letter(i) + "）")]);
  const lines = new Map();
  for (const row of r.rows) {
    const key = [at(row, "question"), at(row, "option"), at(row, "measure")].join("\u0001");
    if (!lines.has(key)) lines.set(key, { first: row, cells: new Map() });
    lines.get(key).cells.set(at(row, "group"), row);
  }
  const tbody = $("#figures tbody");
  tbody.replaceChildren();
  for (const { first, cells } of lines.values()) {
    const tr = document.createElement("tr");
    [at(first, "question"), at(first, "option"), label(at(first, "measure"), at(first, "question"))].forEach((v) => cell(tr, v));
    for (const g of groups) {
      const row = cells.get(g);
      const td = document.createElement("td");
      td.className = "num fig";
      if (row) {
        td.textContent = figure(r, row, "value");
        if (at(row, "sig")) td.appendChild(Object.assign(document.createElement("sup"), { className: "sig", textContent: " " + at(row, "sig") }));
        td.title = about(r, row);
        if (at(row, "base_mark")) td.classList.add("small-base");
      }
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  const bases = document.createElement("tr");
  bases.className = "bases";
  ["", "", "样本量"].forEach((v) => cell(bases, v));
  for (const g of groups) {
    const row = r.rows.find((x) => at(x, "group") === g);
    cell(bases, at(row, "base") + (at(row, "base_mark") ? "（" + at(row, "base_mark") + "）" : ""), "num");
  }
  tbody.appendChild(bases);
}

// The chart the report drew for this question, wave and banner (null when it drew none).
function chartOf(q, w, b) {
  return api("/api/chart?report=" + encodeURIComponent(report) + "&question=" + encodeURIComponent(q) + "&wave=" + encodeURIComponent(w) + "&banner=" + encodeURIComponent(b)).catch(() => null);
}

// The banner's test for this question: tests.csv's `line`, the workbook's words under
// the crosstab (one per matrix row), and what the letters mean.
async function testNote(q, w, b) {
  if (b === "总体") return "";
  const rows = await csvRows("tests.csv", { question: q, wave: w, banner: b }).catch(() => []);
  const lines = rows.map((t) => (t.question.includes("/") ? t.question.split("/")[1] + "：" : "") + (t.line || t.note));
  return lines.join("\n") + (rows.length ? "\n显著性字母：同一行中，标有某列字母的数值显著高于该列。" : "");
}

const KINDS = [["single", "单选题"], ["multi", "多选题"], ["scale", "量表题"], ["matrix", "矩阵量表题"], ["rank", "排序题"], ["text", "填空题"], ["number", "数值题"]];

function input(value, label) {
  return Object.assign(document.createElement("input"), { type: "text", value: value || "", title: label, placeholder: label });
}

// One editable row per question: text, topic, kind, options (rename, move), banner, unit.
function questionRows(s) {
  const tbody = $("#questions tbody");
  tbody.replaceChildren();
  if (!s) return;
  for (const q of s.questions) {
    const tr = document.createElement("tr");
    tr.dataset.id = q.id;
    cell(tr, q.id);
    const t = document.createElement("td");
    t.append(Object.assign(input(q.text, "题目"), { className: "q-text" }), Object.assign(input(q.label, "主题（报告中的小标题，可不填）"), { className: "q-label" }));
    tr.appendChild(t);
    const k = document.createElement("td");
    const sel = Object.assign(document.createElement("select"), { className: "q-kind" });
    sel.replaceChildren(...KINDS.map(([v, name]) => Object.assign(document.createElement("option"), { value: v, textContent: name })));
    sel.value = q.kind;
    k.appendChild(sel);
    tr.appendChild(k);
    const o = document.createElement("td");
    o.className = "q-options";
    for (const text of q.options) {
      const row = Object.assign(document.createElement("div"), { className: "opt" });
      row.dataset.from = text;
      const up = Object.assign(document.createElement("button"), { textContent: "↑", title: "上移" });
      const down = Object.assign(document.createElement("button"), { textContent: "↓", title: "下移" });
      const merge = Object.assign(document.createElement("button"), { textContent: "并入上一项", title: "把这一项的回答算作上一项（合并选项）", className: "merge" });
      up.addEventListener("click", () => row.previousElementSibling && row.parentNode.insertBefore(row, row.previousElementSibling));
      down.addEventListener("click", () => row.nextElementSibling && row.nextElementSibling.classList.contains("opt") && row.parentNode.insertBefore(row.nextElementSibling, row));
      merge.addEventListener("click", () => mergeOption(row));
      row.append(input(text, "选项"), up, down, merge);
      o.appendChild(row);
    }
    if (q.rows.length) o.appendChild(Object.assign(document.createElement("div"), { className: "note", textContent: "行：" + q.rows.join("、") }));
    tr.appendChild(o);
    const b = document.createElement("td");
    b.appendChild(Object.assign(document.createElement("input"), { type: "checkbox", className: "q-banner", checked: s.banners.includes(q.id), title: "按这道题分组比较" }));
    tr.appendChild(b);
    const u = document.createElement("td");
    u.appendChild(Object.assign(document.createElement("input"), { type: "radio", name: "unit", className: "q-unit", checked: s.unit === q.id, title: "这道题的答案是单位" }));
    tr.appendChild(u);
    tbody.appendChild(tr);
  }
}

// Merging: the row's answers count for the option above it (or undoes a merge).
function mergeOption(row) {
  const label = row.querySelector(".merge");
  if (row.dataset.into) {
    delete row.dataset.into;
    row.classList.remove("merged");
    row.querySelector("input").disabled = false;
    label.textContent = "并入上一项";
    return;
  }
  let prev = row.previousElementSibling;
  while (prev && prev.dataset.into) prev = prev.previousElementSibling;
  if (!prev || !prev.classList.contains("opt")) return;
  row.dataset.into = prev.dataset.from;
  row.classList.add("merged");
  row.querySelector("input").disabled = true;
  label.textContent = "撤销合并（已并入“" + prev.querySelector("input").value + "”）";
}

// The name an option row is saved under: its own, or that of the option it was merged into.
function optionText(row) {
  if (!row.dataset.into) return row.querySelector("input").value.trim();
  const target = [...row.parentNode.querySelectorAll(".opt")].find((d) => d.dataset.from === row.dataset.into);
  return target ? optionText(target) : row.querySelector("input").value.trim();
}

// The roster as an editable grid: its header, then one row per unit.
function rosterRows(r) {
  const headRow = r.head.length ? r.head : ["单位", "应收份数"];
  head($("#units"), [...headRow, ""]);
  $("#units").dataset.head = JSON.stringify(headRow);
  const tbody = $("#units tbody");
  tbody.replaceChildren();
  for (const row of r.rows) tbody.appendChild(unitRow(headRow, row));
  $("#units-note").textContent = r.error ? "单位名单有问题：" + r.error : r.units.length ? "共 " + r.units.length + " 个单位，应交 " + r.units.reduce((a, u) => a + u[1], 0) + " 份" : "还没有单位名单";
  $("#units-note").className = r.error ? "note error" : "note";
}

function unitRow(headRow, values) {
  const tr = document.createElement("tr");
  headRow.forEach((h, i) => {
    const td = document.createElement("td");
    td.appendChild(Object.assign(input(values[i], h), { className: "unit-cell" }));
    tr.appendChild(td);
  });
  const del = Object.assign(document.createElement("button"), { textContent: "删除", title: "从名单中删去这个单位" });
  del.addEventListener("click", () => tr.remove());
  const td = document.createElement("td");
  td.appendChild(del);
  tr.appendChild(td);
  return tr;
}

async function saveUnits(request) {
  try {
    const r = await request();
    // Said once the table shows what was saved.
    await loadProject();
    $("#units-said").textContent = "已保存：" + r.units + " 个单位";
    $("#units-said").className = "note";
    await loadChecked();
  } catch (e) {
    $("#units-said").textContent = e.message;
    $("#units-said").className = "note error";
  }
}

async function saveSurvey() {
  const s = project.survey;
  const rows = [...$("#questions tbody").rows];
  const picked = rows.filter((r) => r.querySelector(".q-banner").checked).map((r) => r.dataset.id);
  const others = s.banners.filter((b) => !s.questions.some((q) => q.id === b));
  const unitRow = rows.find((r) => r.querySelector(".q-unit").checked);
  const edit = {
    title: $("#survey-title").value.trim(),
    unit: unitRow ? unitRow.dataset.id : "",
    banners: [...picked, ...others],
    questions: rows.map((r) => ({
      id: r.dataset.id,
      text: r.querySelector(".q-text").value.trim(),
      label: r.querySelector(".q-label").value.trim(),
      kind: r.querySelector(".q-kind").value,
      options: [...r.querySelectorAll(".opt")].map((d) => ({ from: d.dataset.from, text: optionText(d) })),
    })),
  };
  try {
    const r = await api("/api/survey", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(edit) });
    $("#save-note").textContent = r.changes.length ? "已保存：" + r.changes.join("；") : "没有改动";
    $("#save-note").className = "note";
    await loadProject();
  } catch (e) {
    $("#save-note").textContent = e.message;
    $("#save-note").className = "note error";
  }
}

let checked = null;

// results.csv's measure names: their labels and which are percentages (from the server).
// `question`: results.csv's question (a matrix row `Q5/…` is of Q5); a number question's
// mean is 平均值, not 平均分.
const label = (m, question) => {
  if (!project || !project.measures[m]) return m;
  const id = String(question || "").split("/")[0];
  const q = project.survey && project.survey.questions.find((x) => x.id === id);
  return project.measures[m][q && q.kind === "number" ? 1 : 0];
};
const isPercent = (m) => !!(project && project.measures[m] && project.measures[m][2]);

function head(table, names) {
  const tr = document.createElement("tr");
  names.forEach((t) => tr.appendChild(Object.assign(document.createElement("th"), { textContent: t })));
  table.querySelector("thead").replaceChildren(tr);
}

const pct = (v) => (v === null || v === undefined ? "—" : v.toFixed(1) + "%");

async function loadChecked() {
  $("#returns-note").textContent = "正在读取回收的文件……";
  try {
    checked = await api("/api/check");
  } catch (e) {
    $("#returns-note").textContent = e.message;
    $("#accounting").textContent = e.message;
    return;
  }
  const c = checked;
  $("#returns-note").textContent = c.returns_note || "";
  const box = $("#returns");
  box.replaceChildren();
  for (const w of c.returns) {
    box.appendChild(Object.assign(document.createElement("h3"), {
      textContent: (w.wave || "") + " 应交 " + w.expected + " 份，已交 " + w.returned + " 份，有效 " + w.valid + " 份，回收率 " + pct(w.return_rate) + "，有效率 " + pct(w.valid_rate) + (w.missing.length ? "；未交：" + w.missing.join("、") : ""),
    }));
    const t = document.createElement("table");
    t.appendChild(document.createElement("thead"));
    t.appendChild(document.createElement("tbody"));
    head(t, ["单位", "应交", "已交", "有效", "回收率", "有效率", "说明"]);
    fill(t.querySelector("tbody"), w.rows.map((r) => [r[0], r[1], r[2], r[3], pct(r[4]), pct(r[5]), r[6]]));
    box.appendChild(t);
  }
  $("#accounting").textContent = "共 " + c.files + " 个文件；读取答卷 " + c.rows_read + " 行 = 保留 " + c.rows_kept + " 行 + 剔除 " + c.rows_rejected + " 行；数据问题 " + c.issue_count + " 条" + (c.failed_files.length ? "；无法读取：" + c.failed_files.join("、") : "");
  head($("#issues"), c.issue_head);
  head($("#columns"), c.column_head);
  fill($("#columns tbody"), c.columns);
  showIssues();
}

function showIssues() {
  if (!checked) return;
  const f = $("#issue-filter").value.trim();
  const rows = checked.issues.filter((r) => !f || r.some((v) => v.includes(f)));
  fill($("#issues tbody"), rows);
  $("#issue-count").textContent = "显示 " + rows.length + " 条" + (checked.issue_count > checked.issues.length ? "（共 " + checked.issue_count + " 条，全部见 issues.csv）" : "");
}

document.addEventListener("DOMContentLoaded", () => {
  const show = (tab) => {
    const b = document.querySelector('nav button[data-tab="' + tab + '"]');
    if (!b) return;
    document.querySelectorAll("nav button, .tab").forEach((x) => x.classList.remove("on"));
    b.classList.add("on");
    $("#" + tab).classList.add("on");
  };
  for (const b of document.querySelectorAll("nav button")) {
    b.addEventListener("click", () => { show(b.dataset.tab); history.replaceState(null, "", "#" + b.dataset.tab); });
  }
  if (location.hash) show(location.hash.slice(1));
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); upload([...e.dataTransfer.files]); });
  $("#pick").addEventListener("change", (e) => {
    const files = [...e.target.files];
    e.target.value = "";
    upload(files);
  });
  $("#run").addEventListener("click", async () => {
    const banners = $("#run-banners").value.split(/[,，、\s]+/).filter((b) => b);
    const filter = $("#run-filter").value.trim();
    const body = JSON.stringify({ banners, filter: filter || null });
    try { await api("/api/run", { method: "POST", headers: { "Content-Type": "application/json" }, body }); } catch (e) { $("#run-state").textContent = e.message; }
    followRun();
  });
  $("#cancel").addEventListener("click", () => api("/api/run/cancel", { method: "POST" }).catch(() => {}));
  for (const s of ["#q", "#wave", "#banner"]) $(s).addEventListener("change", showFigures);
  $("#indicator").addEventListener("change", showLeague);
  $("#report-pick").addEventListener("change", () => { report = $("#report-pick").value; loadReport(); });
  $("#check").addEventListener("click", loadChecked);
  $("#unit-add").addEventListener("click", () => $("#units tbody").appendChild(unitRow(JSON.parse($("#units").dataset.head), [])));
  $("#units-save").addEventListener("click", () => saveUnits(() => {
    const rows = [JSON.parse($("#units").dataset.head), ...[...$("#units tbody").rows].map((tr) => [...tr.querySelectorAll(".unit-cell")].map((i) => i.value))];
    return api("/api/units", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ rows }) });
  }));
  $("#units-pick").addEventListener("change", (e) => {
    const f = e.target.files[0];
    if (f) saveUnits(() => api("/api/units/upload?name=" + encodeURIComponent(f.name), { method: "POST", body: f }));
    e.target.value = "";
  });
  $("#save-survey").addEventListener("click", saveSurvey);
  $("#init").addEventListener("click", async () => {
    $("#init-log").textContent = "正在从回收的文件推断问卷……";
    try {
      const r = await api("/api/init", { method: "POST" });
      $("#init-log").textContent = r.lines.join("\n");
    } catch (e) {
      $("#init-log").textContent = e.message;
    }
    await loadProject();
    await loadChecked();
  });
  $("#issue-filter").addEventListener("input", showIssues);
  loadChecked();
  loadProject().catch((e) => { $("#survey-note").textContent = e.message; });
  followRun();
});
