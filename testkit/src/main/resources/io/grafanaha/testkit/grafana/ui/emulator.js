// The Grafana API emulator's page. It uses only the API a real Grafana serves, through whatever
// front door the browser came in by, and shows which instance answered each call (the emulator's
// X-Grafana-Emulator header), so a failover behind a gateway is visible.
"use strict";

const app = document.getElementById("app");

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  children.forEach((c) => node.append(c));
  return node;
}

function show(...nodes) {
  app.replaceChildren(...nodes);
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const instance = response.headers.get("X-Grafana-Emulator");
  document.getElementById("served-by").textContent = instance || "no Grafana (HTTP " + response.status + ")";
  if (response.status === 401 && path !== "/login") {
    location.assign("/login?redirectTo=" + encodeURIComponent(location.pathname));
    throw new Error("not signed in");
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  return { status: response.status, json, text };
}

function loginPage() {
  const status = el("p", { id: "login-status", class: "status" });
  const form = el("form", { class: "login", id: "login" },
    el("h2", {}, "Sign in"),
    el("label", {}, "User ", el("input", { type: "text", id: "user", name: "user", autocomplete: "username" })),
    el("label", {}, "Password ", el("input", { type: "password", id: "password", name: "password", autocomplete: "current-password" })),
    el("button", { type: "submit", id: "login-submit" }, "Sign in"),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await api("POST", "/login", {
      user: document.getElementById("user").value,
      password: document.getElementById("password").value,
    });
    if (answer.status === 200) {
      const target = new URLSearchParams(location.search).get("redirectTo") || "/dashboards";
      location.assign(target.startsWith("/") && !target.startsWith("//") ? target : "/dashboards");
    } else {
      status.textContent = "Refused (" + answer.status + "): " + ((answer.json && answer.json.message) || answer.text);
      status.className = "status error";
    }
  });
  show(form);
}

async function dashboardList() {
  const answer = await api("GET", "/api/search?type=dash-db&limit=5000");
  if (answer.status !== 200) {
    show(el("p", { class: "status error" }, "Search failed (" + answer.status + "): " + answer.text));
    return;
  }
  const byFolder = new Map();
  answer.json.forEach((hit) => {
    const folder = hit.folderTitle || "General";
    if (!byFolder.has(folder)) {
      byFolder.set(folder, []);
    }
    byFolder.get(folder).push(hit);
  });
  const sections = [el("h2", {}, "Dashboards (" + answer.json.length + ")")];
  [...byFolder.keys()].sort().forEach((folder) => {
    const items = byFolder.get(folder).map((hit) =>
      el("li", {}, el("a", { href: hit.url, class: "dashboard", "data-uid": hit.uid }, hit.title)));
    sections.push(el("section", { class: "folder", "data-folder": folder }, el("h3", {}, folder), el("ul", {}, ...items)));
  });
  show(...sections);
}

async function dashboardPage(uid) {
  const answer = await api("GET", "/api/dashboards/uid/" + encodeURIComponent(uid));
  if (answer.status !== 200) {
    show(el("p", { class: "status error" }, "Cannot open " + uid + " (" + answer.status + "): " + answer.text));
    return;
  }
  const dashboard = answer.json.dashboard;
  const meta = answer.json.meta;
  const panels = (dashboard.panels || []).map((p) => el("li", { class: "panel" }, p.title || "(untitled panel)"));
  const title = el("input", { type: "text", id: "title" });
  title.value = dashboard.title;
  const message = el("input", { type: "text", id: "message", placeholder: "what changed (optional)" });
  const status = el("p", { id: "save-status", class: "status" });
  const save = el("button", { type: "button", id: "save" }, "Save dashboard");
  save.addEventListener("click", async () => {
    // What Grafana's UI sends: the dashboard as read (id, uid and the version it was read at), its folder,
    // the message, and overwrite off, so a save over someone else's newer version gets 412.
    const body = {
      dashboard: Object.assign({}, dashboard, { title: title.value }),
      folderUid: meta.folderUid || "",
      message: message.value,
      overwrite: false,
    };
    const saved = await api("POST", "/api/dashboards/db", body);
    if (saved.status === 200) {
      status.textContent = "Saved: version " + saved.json.version;
      status.className = "status ok";
      dashboard.version = saved.json.version;
      dashboard.title = title.value;
      document.getElementById("dashboard-title").textContent = title.value;
      document.getElementById("dashboard-meta").textContent =
        "Folder: " + (meta.folderTitle || "General") + " · version " + dashboard.version;
      document.getElementById("json").textContent = JSON.stringify(dashboard, null, 2);
    } else {
      status.textContent = "Not saved (" + saved.status + "): " + ((saved.json && saved.json.message) || saved.text);
      status.className = "status error";
    }
  });
  show(
    el("h2", { id: "dashboard-title" }, dashboard.title),
    el("p", { id: "dashboard-meta" }, "Folder: " + (meta.folderTitle || "General") + " · version " + dashboard.version),
    el("h3", {}, "Panels"),
    el("ul", { id: "panels" }, ...panels),
    el("div", { class: "save" },
      el("label", {}, "Title ", title),
      el("label", {}, "Message ", message),
      save,
      status),
    el("h3", {}, "JSON model"),
    el("pre", { id: "json" }, JSON.stringify(dashboard, null, 2)));
}

function route() {
  const path = location.pathname;
  const dashboard = path.match(/^\/d\/([^/]+)/);
  if (path === "/login") {
    loginPage();
  } else if (dashboard) {
    dashboardPage(decodeURIComponent(dashboard[1])).catch((e) => console.log(e));
  } else {
    dashboardList().catch((e) => console.log(e));
  }
}

// Asks every few seconds who answers (the health endpoint needs no sign-in), so a failover behind a gateway shows
// in the header while the page stays open.
function watchWhoAnswers() {
  setInterval(() => {
    api("GET", "/api/health").catch(() => {
      document.getElementById("served-by").textContent = "no answer";
    });
  }, 3000);
}

route();
watchWhoAnswers();
