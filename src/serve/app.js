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
  $("#survey-title").textContent = s ? s.title : "问卷";
  $("#survey-note").textContent = project.survey_error
    ? "survey.toml 有问题：" + project.survey_error
    : s ? "共 " + s.questions.length + " 道题（来自 survey.toml）" : "项目文件夹中还没有 survey.toml：统计时将从回收的文件推断问卷。";
  $("#survey-note").className = project.survey_error ? "note error" : "note";
  fill($("#questions tbody"), s ? s.questions.map((q) => [q.id, q.text, q.kind, q.options.join("、")]) : []);
  fill($("#units tbody"), project.units);
  fill($("#files tbody"), project.files.map((f) => [f.path, f.folder || "（项目文件夹）", (f.bytes / 1024).toFixed(1) + " KB"]));
  report = project.reports.length ? project.reports[project.reports.length - 1] : null;
  if (report) await loadReport();
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
  opts($("#wave"), [...waves].map((w) => [w, w]));
  opts($("#banner"), [...banners].map((b) => [b, b === "总体" ? "总体（不分组）" : b]));
  await showFigures();
  const links = ["xlsx", "docx", "html", "pptx"].map((x) => [x, report + "/" + report + "." + x]);
  links.push(["csv", report + "/results.csv"]);
  $("#downloads").replaceChildren(...links.map(([x, p]) => {
    const li = document.createElement("li");
    li.appendChild(Object.assign(document.createElement("a"), { href: "/files/" + p.split("/").map(encodeURIComponent).join("/"), textContent: p.split("/").pop() }));
    return li;
  }));
  $("#report-frame").src = "/files/" + encodeURIComponent(report) + "/" + encodeURIComponent(report + ".html");
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
    return i === 4 && v !== "" ? Number(v).toFixed(row[cols[3]].startsWith("percent") || row[cols[3]] === "top2" ? 1 : 2) : v;
  }));
  fill($("#figures tbody"), rows);
  [...$("#figures tbody").rows].forEach((tr, i) => { tr.title = "样本量 n=" + r.rows[i][cols[6]]; });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("nav button")) {
    b.addEventListener("click", () => {
      document.querySelectorAll("nav button, .tab").forEach((x) => x.classList.remove("on"));
      b.classList.add("on");
      $("#" + b.dataset.tab).classList.add("on");
    });
  }
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); upload([...e.dataTransfer.files]); });
  $("#pick").addEventListener("change", (e) => upload([...e.target.files]));
  $("#run").addEventListener("click", async () => {
    try { await api("/api/run", { method: "POST" }); } catch (e) { $("#run-state").textContent = e.message; }
    followRun();
  });
  $("#cancel").addEventListener("click", () => api("/api/run/cancel", { method: "POST" }).catch(() => {}));
  for (const s of ["#q", "#wave", "#banner"]) $(s).addEventListener("change", showFigures);
  loadProject().catch((e) => { $("#survey-note").textContent = e.message; });
  followRun();
});
