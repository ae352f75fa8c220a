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
    r.forEach((v) => cell(tr, v, typeof v === "number" ? "num" : ""));
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
  fill($("#units tbody"), project.units);
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
  const all = await api("/api/results?report=" + encodeURIComponent(report));
  const h = all.head;
  const qi = h.indexOf("question"), ti = h.indexOf("question_text"), wi = h.indexOf("wave"), bi = h.indexOf("banner");
  const qs = new Map(), waves = new Set(), banners = new Set();
  for (const r of all.rows) {
    const id = r[qi].split("/")[0];
    if (!qs.has(id)) qs.set(id, r[ti]);
    waves.add(r[wi]);
    banners.add(r[bi]);
  }
  const opts = (sel, items) => {
    const keep = sel.value;
    sel.replaceChildren(...items.map(([v, t]) => Object.assign(document.createElement("option"), { value: v, textContent: t })));
    if (items.some(([v]) => v === keep)) sel.value = keep;
  };
  opts($("#q"), [...qs].map(([id, t]) => [id, id + " " + t]));
  const hadWave = $("#wave").value;
  opts($("#wave"), [...waves].map((w) => [w, w === "全部" ? "各年合计" : w]));
  if (!hadWave) {
    const years = [...waves].filter((w) => w !== "全部");
    if (years.length) $("#wave").value = years[years.length - 1];
  }
  opts($("#banner"), [...banners].map((b) => [b, b === "总体" ? "总体（不分组）" : b]));
  await showFigures();
  await loadLeague();
  const links = ["xlsx", "docx", "html", "pptx"].map((x) => [x, report + "/" + report + "." + x]);
  links.push(["csv", report + "/results.csv"]);
  $("#downloads").replaceChildren(...links.map(([x, p]) => {
    const li = document.createElement("li");
    li.appendChild(Object.assign(document.createElement("a"), { href: "/files/" + p.split("/").map(encodeURIComponent).join("/"), textContent: p.split("/").pop() }));
    return li;
  }));
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

async function showChanges(q) {
  const rows = await csvRows("changes.csv", { question: q, banner: "总体" });
  head($("#changes"), ["选项", "指标", "年份", "前一年", "后一年", "变化", "显著"]);
  fill($("#changes tbody"), rows.filter((r) => r.change !== "").map((r) => {
    const p = isPercent(r.measure);
    return [r.option || r.question.split("/")[1] || "", label(r.measure), r.wave_from + "→" + r.wave_to, num(r.value_from, p), num(r.value_to, p),
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

async function showFigures() {
  const q = $("#q").value, w = $("#wave").value, b = $("#banner").value;
  if (!q) return;
  const r = await api("/api/results?report=" + encodeURIComponent(report) + "&question=" + encodeURIComponent(q) + "&wave=" + encodeURIComponent(w) + "&banner=" + encodeURIComponent(b));
  const h = r.head;
  const cols = ["question", "group", "option", "measure", "value", "count", "base", "sig"].map((c) => h.indexOf(c));
  const thead = $("#figures thead");
  thead.replaceChildren();
  const tr = document.createElement("tr");
  ["题目", "分组", "选项", "指标", "数值", "人数", "样本量", "显著性字母"].forEach((t) => tr.appendChild(Object.assign(document.createElement("th"), { textContent: t })));
  thead.appendChild(tr);
  const rows = r.rows.map((row) => cols.map((c, i) => {
    const v = row[c] || "";
    const m = row[cols[3]];
    if (i === 3) return label(v);
    if (i === 4 && v !== "") return isPercent(m) ? Number(v).toFixed(1) + "%" : Number(v).toFixed(2);
    if (i === 5 && v !== "") return String(Math.round(Number(v) * 100) / 100);
    return v;
  }));
  fill($("#figures tbody"), rows);
  await showChanges(q);
  [...$("#figures tbody").rows].forEach((tr, i) => { tr.title = "样本量 n=" + r.rows[i][cols[6]]; });
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
      up.addEventListener("click", () => row.previousElementSibling && row.parentNode.insertBefore(row, row.previousElementSibling));
      down.addEventListener("click", () => row.nextElementSibling && row.parentNode.insertBefore(row.nextElementSibling, row));
      row.append(input(text, "选项"), up, down);
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
      options: [...r.querySelectorAll(".opt")].map((d) => ({ from: d.dataset.from, text: d.querySelector("input").value.trim() })),
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
const label = (m) => (project && project.measures[m] ? project.measures[m][0] : m);
const isPercent = (m) => !!(project && project.measures[m] && project.measures[m][1]);

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
  $("#pick").addEventListener("change", (e) => upload([...e.target.files]));
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
