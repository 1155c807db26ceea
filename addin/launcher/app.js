"use strict";
// The 台账工具 page: every button runs a use case (a command of the command line, in a
// child process on this PC); the result is polled and shown below the register.
const $ = (id) => document.getElementById(id);
const GONE = "台账工具已经关闭（或电脑休眠后已停止）：请双击“台账工具”图标重新打开。已完成的操作不受影响。";

function field(name) { return $(name); }

async function post(path, data) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Zhicheng": "1" },
      body: JSON.stringify(data || {}),
    });
  } catch (error) { throw new Error(GONE); }
  let payload = {};
  try { payload = await response.json(); } catch (error) { /* not JSON */ }
  if (!response.ok) throw new Error(payload.error || ("错误 " + response.status));
  return payload;
}

async function get(path) {
  let response;
  try { response = await fetch(path, { credentials: "same-origin" }); } catch (error) { throw new Error(GONE); }
  const payload = await response.json();
  if (!response.ok) throw new Error(payload.error || ("错误 " + response.status));
  return payload;
}

function enable(on) {
  document.querySelectorAll("button.run").forEach((b) => { b.disabled = !on; });
}

function show(state) {
  $("result").hidden = false;
  const line = $("status");
  line.className = state.kind;
  line.textContent = state.action + "：" + state.status + (state.done ? "" : "……");
  $("progress").textContent = state.done ? ("用时 " + state.seconds + " 秒")
    : ((state.progress || "请稍候") + "（已用 " + state.seconds + " 秒）");
  const log = $("log");
  log.textContent = state.lines.join("\n");
  log.scrollTop = log.scrollHeight;
  const open = $("open");
  open.hidden = !(state.done && state.out);
  open.dataset.job = state.id;
  if (state.done && state.made) choose(state.made);
  if (state.done) {                     // a list to confirm (核对状态): its code goes into the card's field
    const field = document.querySelector(`.card[data-usecase="${state.usecase}"] [data-param="confirm"]`);
    if (field) field.value = state.proposal || "";
  }
}

function refused(message) {
  $("result").hidden = false;
  $("status").className = "refused";
  $("status").textContent = message;
  $("progress").textContent = "";
  $("log").textContent = "";
  $("open").hidden = true;
}

function choose(path) {
  // a register the page just made (新建台账) becomes the selected one
  const pick = $("pick");
  if (![...pick.options].some((o) => o.value === path)) {
    const option = document.createElement("option");
    option.value = path;
    option.textContent = path.split(/[\\/]/).pop();
    pick.appendChild(option);
  }
  pick.value = path;
  $("book").value = path;
}

async function poll(id) {
  try {
    const state = await get("/job/" + encodeURIComponent(id));
    show(state);
    if (state.done) enable(true);
    else setTimeout(() => poll(id), 400);
  } catch (error) { refused(error.message); enable(true); }
}

function values(card) {
  const out = {};
  const kinds = [];
  let hasKinds = false;
  card.querySelectorAll("[data-param]").forEach((el) => {
    const key = el.dataset.param;
    if (key === "kinds") { hasKinds = true; if (el.checked) kinds.push(el.value); return; }
    if (el.type === "checkbox") out[key] = el.checked;
    else if (el.type === "datetime-local") out[key] = el.value.replace("T", " ");
    else out[key] = el.value.trim();
  });
  if (hasKinds) {
    if (!kinds.length) throw new Error("请至少选择一个附件。");
    out.kinds = kinds.join(",");
  }
  return out;
}

async function run(button) {
  const card = button.closest(".card");
  enable(false);
  $("result").hidden = false;
  $("status").className = "running";
  $("status").textContent = button.textContent + "：正在开始……";
  $("progress").textContent = "";
  $("log").textContent = "";
  $("open").hidden = true;
  $("result").scrollIntoView({ behavior: "smooth", block: "start" });
  try {
    const state = await post("/run", { action: button.dataset.action, book: $("book").value, values: values(card) });
    show(state);
    poll(state.id);
  } catch (error) { refused(error.message); enable(true); }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("pick").addEventListener("change", () => { if ($("pick").value) $("book").value = $("pick").value; });
  document.querySelectorAll("button.run").forEach((b) => b.addEventListener("click", () => run(b)));
  document.querySelectorAll("button.browse").forEach((button) => button.addEventListener("click", async () => {
    try {
      const answer = await post("/browse", { what: button.dataset.what });
      if (answer.path) field(button.dataset.field).value = answer.path;
    } catch (error) { refused(error.message); }
  }));
  $("open").addEventListener("click", async () => {
    try { await post("/open", { id: $("open").dataset.job }); } catch (error) { refused(error.message); }
  });
  $("quit").addEventListener("click", async () => {
    try { await post("/quit", {}); } catch (error) { /* already closed */ }
    document.body.innerHTML = "<main><section><h2>台账工具已关闭</h2><p>可以关闭本页。需要时再双击“台账工具”。</p></section></main>";
  });
  // while this page is open the server stays; closed for 10 minutes, it stops by itself
  setInterval(() => { fetch("/ping", { credentials: "same-origin" }).catch(() => refused(GONE)); }, 60000);
  // a reload keeps the clerk's place: the last result, or the action still running
  try {
    const answer = await get("/state");
    if (answer.job) {
      show(answer.job);
      if (!answer.job.done) { enable(false); poll(answer.job.id); }
    }
  } catch (error) { refused(error.message); }
});
