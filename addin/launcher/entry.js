"use strict";
// The start file opens http://127.0.0.1:<port>/#<one-time secret>. The fragment never
// reaches the server in a request line; it is posted once, exchanged for the session
// cookie, and removed from the address bar and the history.
(async () => {
  const secret = location.hash.slice(1);
  const title = document.getElementById("entry-title");
  const text = document.getElementById("entry-text");
  history.replaceState(null, "", "/");
  if (!secret) { title.textContent = "请从“台账工具”图标打开"; return; }
  try {
    const response = await fetch("/session", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Zhicheng": "1" },
      body: JSON.stringify({ secret }),
    });
    if (response.ok) { location.replace("/"); return; }
    const payload = await response.json();
    title.textContent = "无法打开";
    text.textContent = payload.error || "请双击“台账工具”重新打开。";
  } catch (error) {
    title.textContent = "台账工具没有运行";
    text.textContent = "请双击“台账工具”图标重新打开。";
  }
})();
