// coordd dashboard (server/ui/). Every piece of data comes from the ordinary v2 API of the member
// that serves the page (the Content-Security-Policy allows no other origin), so v2 auth applies
// unchanged: a 401 asks for a user and password, sent as Basic auth from then on.
// Keys and values are untrusted: they reach the page only through textContent and attributes
// set with setAttribute, never through innerHTML.
"use strict";

// The recipes' default prefixes, as recipes/include/coord/recipes/key_layouts.hpp documents them
// (with the layouts this page reads below). The user may change them in the Recipes view.
const DEFAULT_PREFIXES = {
  services: "/coord/services",
  locks: "/coord/locks",
  qlocks: "/coord/qlocks",
  rwlocks: "/coord/rwlocks",
  semaphores: "/coord/semaphores",
  elections: "/coord/elections",
  jobs: "/coord/jobs",
  workqueues: "/coord/workqueues",
};
const PREFIX_LABELS = {
  services: "Services", locks: "Locks", qlocks: "Sequenced locks", rwlocks: "Read-write locks",
  semaphores: "Semaphores", elections: "Elections", jobs: "Task jobs", workqueues: "Work queues",
};
const POLL_MS = { cluster: 1500, recipes: 1500 };

// ------------------------------------------------------------------ DOM helpers

const $ = (id) => document.getElementById(id);

// An element with text children only (strings become text nodes: never parsed as HTML).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = String(v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c);
  return e;
}

function setRows(table, rows, columns, emptyText) {
  const body = table.tBodies[0];
  if (rows.length === 0) rows = [el("tr", {}, el("td", { class: "empty", colspan: columns, text: emptyText }))];
  body.replaceChildren(...rows);
}

function setStatus(text, isError) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", !!isError);
}

// A "<n> s" countdown that the ticker below keeps current (ttl in seconds, as read now).
function countdown(ttl) {
  if (ttl === undefined || ttl === null) return el("span", { text: "none" });
  const expires = Date.now() + ttl * 1000;
  const span = el("span", { class: "countdown", "data-expires": expires });
  span.textContent = formatLeft(expires);
  return span;
}
function formatLeft(expires) {
  return Math.max(0, Math.ceil((expires - Date.now()) / 1000)) + " s";
}
setInterval(() => {
  for (const span of document.querySelectorAll(".countdown")) span.textContent = formatLeft(Number(span.dataset.expires));
  for (const span of document.querySelectorAll(".since")) span.textContent = formatSince(Number(span.dataset.since));
}, 1000);
function formatSince(t) {
  return Math.max(0, Math.round((Date.now() - t) / 1000)) + " s ago";
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ the v2 API

let credentials = null;  // "user:password" once the server asked for them
let loginPending = null;

// A key's URL under /v2/keys, each path segment escaped.
function keyUrl(key) {
  return "/v2/keys" + key.split("/").map(encodeURIComponent).join("/");
}

function basicAuth(userPassword) {
  let binary = "";
  for (const b of new TextEncoder().encode(userPassword)) binary += String.fromCharCode(b);
  return "Basic " + btoa(binary);
}

// fetch() for the v2 API: adds the credentials, and on 401 asks for them and tries again.
async function api(path, init = {}) {
  for (;;) {
    const headers = new Headers(init.headers || {});
    if (credentials) headers.set("Authorization", basicAuth(credentials));
    const res = await fetch(path, { ...init, headers, cache: "no-store", credentials: "omit" });
    if (res.status !== 401) return res;
    await askCredentials();
  }
}

function askCredentials() {
  if (loginPending) return loginPending;
  const dialog = $("login-dialog");
  loginPending = new Promise((resolve, reject) => {
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      loginPending = null;
      if (dialog.returnValue === "ok") {
        credentials = $("login-user").value + ":" + $("login-password").value;
        resolve();
      } else {
        reject(new Error("not signed in"));
      }
    });
  });
  dialog.returnValue = "";
  dialog.showModal();
  return loginPending;
}

// GET of a key as JSON; null when it does not exist (errorCode 100).
async function getNode(key, query) {
  const res = await api(keyUrl(key) + (query ? "?" + query : ""));
  const body = await res.json();
  if (res.status === 404 && body.errorCode === 100) return null;
  if (!res.ok) throw new Error(body.message + (body.cause ? " (" + body.cause + ")" : ""));
  return body.node;
}

async function writeKey(method, key, query, form) {
  const init = { method };
  if (form) {
    init.body = new URLSearchParams(form).toString();
    init.headers = { "Content-Type": "application/x-www-form-urlencoded" };
  }
  const res = await api(keyUrl(key) + (query ? "?" + query : ""), init);
  const body = await res.json();
  if (!res.ok) throw new Error(body.message + (body.cause ? " (" + body.cause + ")" : ""));
  return body;
}

async function getJson(path) {
  const res = await api(path);
  if (!res.ok) throw new Error(path + ": " + res.status);
  return res.json();
}

function parseJson(text) {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" ? v : null;
  } catch (e) {
    return null;
  }
}

const baseName = (key) => key.slice(key.lastIndexOf("/") + 1);
const isHiddenName = (name) => name.startsWith("_");

// ------------------------------------------------------------------ views

const views = {};
let activeView = null;
let pollTimer = null;

function showView(name) {
  if (!views[name]) name = "cluster";
  activeView = name;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.view === name);
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== "view-" + name;
  if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
  clearTimeout(pollTimer);
  poll();
}

// Refreshes the active view, then again after its interval (views without one refresh on demand).
async function poll() {
  const name = activeView;
  try {
    await views[name].refresh();
    setStatus("updated " + new Date().toLocaleTimeString());
  } catch (e) {
    setStatus(e.message, true);
  }
  if (name === activeView && POLL_MS[name]) pollTimer = setTimeout(poll, POLL_MS[name]);
}

// ------------------------------------------------------------------ cluster

views.cluster = {
  async refresh() {
    const [members, self, health, root] = await Promise.all([
      getJson("/v2/members"),
      getJson("/v2/stats/self"),
      fetch("/health", { cache: "no-store" }).then((r) => r.json()).catch(() => ({ health: "false" })),
      api("/v2/keys/"),
    ]);
    const list = members.members || [];
    const leaderId = self.leaderInfo ? self.leaderInfo.leader : "";
    const leader = list.find((m) => m.id === leaderId);
    $("member-count").textContent = String(list.length);
    $("leader-name").textContent = leader ? leader.name || leader.id : leaderId ? leaderId : "none";
    $("raft-term").textContent = root.headers.get("X-Raft-Term") || "–";
    $("raft-index").textContent = root.headers.get("X-Raft-Index") || "–";
    const healthy = health.health === "true";
    $("health").textContent = healthy ? "healthy" : "unhealthy";
    $("health").className = "big " + (healthy ? "healthy" : "unhealthy");

    setRows($("members"), list.map((m) => el("tr", { "data-member": m.id },
      el("td", { text: m.name || "(not started)" }),
      el("td", { class: "mono", text: m.id }),
      el("td", {}, m.id === leaderId ? el("span", { class: "badge leader", text: "leader" }) : "follower",
        m.id === self.id ? " (this member)" : ""),
      el("td", { class: "mono", text: (m.clientURLs || []).join(" ") }),
      el("td", { class: "mono", text: (m.peerURLs || []).join(" ") }))), 5, "no members");

    await this.followers(self, list, leader);
    const pairs = [["Name", self.name], ["ID", self.id], ["State", self.state], ["Started", self.startTime],
      ["Leader since", self.leaderInfo && self.leaderInfo.startTime], ["Leader uptime", self.leaderInfo && self.leaderInfo.uptime],
      ["Append requests received", self.recvAppendRequestCnt], ["Append requests sent", self.sendAppendRequestCnt]];
    $("self-stats").replaceChildren(...pairs.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v === undefined ? "–" : v })]));
  },

  // Follower lag and round trips are the leader's statistics: shown when this member leads. The
  // lag (entries the follower lacks: the leader's last index minus the follower's match index)
  // comes from /ui/api/raft; etcd's /v2/stats/leader has no indexes.
  async followers(self, list, leader) {
    const note = $("followers-note");
    if (self.state !== "StateLeader") {
      note.textContent = "This member follows; the leader's dashboard shows its followers' statistics";
      const url = leader && leader.clientURLs && leader.clientURLs[0];
      // Linked only when it is an http(s) URL (a member's URLs are data, like any other).
      if (url && /^https?:\/\//.test(url)) note.append(": ", el("a", { href: url.replace(/\/$/, "") + "/ui/", text: url + "/ui/" }));
      else note.append(".");
      setRows($("followers"), [], 6, "—");
      return;
    }
    const [stats, raft] = await Promise.all([getJson("/v2/stats/leader"), getJson("/ui/api/raft")]);
    const progress = new Map((raft.followers || []).map((p) => [p.id, p]));
    const ms = (v) => (typeof v === "number" ? v.toFixed(2) + " ms" : "–");
    const rows = Object.entries(stats.followers || {}).map(([id, f]) => {
      const m = list.find((x) => x.id === id);
      const lat = f.latency || {}, counts = f.counts || {};
      const p = progress.get(id);
      return el("tr", { "data-follower": id },
        el("td", { text: m && m.name ? m.name + " (" + id + ")" : id }),
        p ? el("td", { class: "lag", title: "match " + p.matchIndex + ", next " + p.nextIndex + ", " + p.state, text: String(p.lag) })
          : el("td", { class: "lag", text: "–" }),
        el("td", { text: (counts.success || 0) + " / " + (counts.fail || 0) }),
        el("td", { text: ms(lat.current) }), el("td", { text: ms(lat.average) }),
        el("td", { text: ms(lat.minimum) + " / " + ms(lat.maximum) }));
    });
    note.textContent = rows.length ? "" : "A single member: no followers.";
    setRows($("followers"), rows, 6, "no followers");
  },
};

// ------------------------------------------------------------------ keys

const tree = {
  open: new Set(["/"]),      // directories shown expanded
  children: new Map(),       // directory key -> its child nodes as last listed
  knownHidden: new Map(),    // hidden keys opened by path (the server never lists them)
  selected: null,            // the node shown in the panel
};

views.keys = {
  async refresh() {
    await Promise.all([...tree.open].map((dir) => loadDir(dir)));
    renderTree();
  },
};

async function loadDir(dir) {
  const node = await getNode(dir === "/" ? "/" : dir, "sorted=true");
  if (!node || !node.dir) {
    tree.open.delete(dir);
    tree.children.delete(dir);
    return;
  }
  tree.children.set(dir, node.nodes || []);
}

function childrenOf(dir) {
  const listed = (tree.children.get(dir) || []).slice();
  if ($("show-hidden").checked) {
    for (const [key, node] of tree.knownHidden) {
      const parent = key.slice(0, key.lastIndexOf("/")) || "/";
      if (parent === dir && !listed.some((n) => n.key === key)) listed.push(node);
    }
    listed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  return listed.filter((n) => $("show-hidden").checked || !isHiddenName(baseName(n.key)));
}

function renderTree() {
  const rootButton = treeButton({ key: "/", dir: true }, "/");
  const ul = el("ul", {}, el("li", {}, rootButton, tree.open.has("/") ? renderDir("/") : null));
  $("tree").replaceChildren(ul);
}

function renderDir(dir) {
  const items = childrenOf(dir).map((n) =>
    el("li", {}, treeButton(n, baseName(n.key)), n.dir && tree.open.has(n.key) ? renderDir(n.key) : null));
  if (items.length === 0) items.push(el("li", { class: "note", text: "(empty)" }));
  return el("ul", {}, ...items);
}

function treeButton(node, label) {
  const classes = ["node"];
  if (node.dir) classes.push("dir");
  if (node.dir && tree.open.has(node.key)) classes.push("open");
  if (tree.selected && tree.selected.key === node.key) classes.push("selected");
  if (isHiddenName(label)) classes.push("hidden-key");
  const b = el("button", { type: "button", class: classes.join(" "), "data-key": node.key, title: node.key, text: label });
  b.addEventListener("click", () => openKey(node.key, node.dir).catch((e) => setStatus(e.message, true)));
  return b;
}

// Selects `key`: a directory also toggles open (listing it); the panel shows the node.
async function openKey(key, toggleDir) {
  const node = await getNode(key, "sorted=true");
  if (!node) {
    setStatus("key not found: " + key, true);
    return;
  }
  if (key.split("/").some(isHiddenName)) tree.knownHidden.set(node.key, node);
  if (node.dir) {
    if (toggleDir && tree.open.has(node.key) && tree.selected && tree.selected.key === node.key) tree.open.delete(node.key);
    else {
      tree.open.add(node.key);
      tree.children.set(node.key, node.nodes || []);
    }
  }
  // Show its ancestors expanded too.
  for (let p = node.key.lastIndexOf("/"); p > 0; p = node.key.lastIndexOf("/", p - 1)) {
    const dir = node.key.slice(0, p);
    if (!tree.open.has(dir)) {
      tree.open.add(dir);
      await loadDir(dir);
    }
  }
  tree.selected = node;
  showNode(node);
  renderTree();
}

function showNode(node) {
  $("node-empty").hidden = true;
  $("node-details").hidden = false;
  $("node-key").textContent = node.key || "/";
  $("node-type").textContent = node.dir ? "directory" : "key";
  $("node-created").textContent = node.createdIndex === undefined ? "–" : String(node.createdIndex);
  $("node-modified").textContent = node.modifiedIndex === undefined ? "–" : String(node.modifiedIndex);
  $("node-ttl").replaceChildren(countdown(node.ttl));
  $("edit-value").value = node.dir ? "" : node.value || "";
  $("edit-value").disabled = !!node.dir;
  $("edit-ttl").value = node.ttl ? String(node.ttl) : "";
  const isRoot = !node.key || node.key === "/";
  $("save-node").disabled = isRoot;
  $("delete-node").disabled = isRoot;
}

async function saveNode(event) {
  event.preventDefault();
  const node = tree.selected;
  if (!node) return;
  // An empty ttl= removes a TTL, as in etcd's v2 API.
  const form = { ttl: $("edit-ttl").value.trim() };
  if (node.dir) await writeKey("PUT", node.key, "dir=true&prevExist=true", form);
  else await writeKey("PUT", node.key, "", { value: $("edit-value").value, ...form });
  setStatus("saved " + node.key);
  await reloadAround(node.key);
}

async function deleteNode() {
  const node = tree.selected;
  if (!node) return;
  const what = node.dir ? "the directory " + node.key + " and everything in it" : node.key;
  if (!(await confirmDialog("Delete " + what + "?"))) return;
  await writeKey("DELETE", node.key, node.dir ? "dir=true&recursive=true" : "");
  tree.knownHidden.delete(node.key);
  tree.selected = null;
  $("node-details").hidden = true;
  $("node-empty").hidden = false;
  setStatus("deleted " + node.key);
  await views.keys.refresh();
}

function confirmDialog(text) {
  const dialog = $("confirm-dialog");
  $("confirm-text").textContent = text;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

async function reloadAround(key) {
  const parent = key.slice(0, key.lastIndexOf("/")) || "/";
  tree.open.add(parent);
  await views.keys.refresh();
  await openKey(key, false);
}

function newKey() {
  const base = tree.selected ? (tree.selected.dir ? tree.selected.key : tree.selected.key.slice(0, tree.selected.key.lastIndexOf("/"))) : "";
  $("new-key-path").value = (base === "/" ? "" : base) + "/";
  $("new-key-value").value = "";
  $("new-key-ttl").value = "";
  $("new-key-dir").checked = false;
  const dialog = $("new-dialog");
  dialog.returnValue = "";
  dialog.showModal();
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "ok") return;
    const key = $("new-key-path").value.trim();
    const ttl = $("new-key-ttl").value.trim();
    const form = ttl ? { ttl } : {};
    try {
      if ($("new-key-dir").checked) await writeKey("PUT", key, "dir=true&prevExist=false", form);
      else await writeKey("PUT", key, "prevExist=false", { value: $("new-key-value").value, ...form });
      setStatus("created " + key);
      await reloadAround(key.startsWith("/") ? key : "/" + key);
    } catch (e) {
      setStatus(e.message, true);
    }
  }, { once: true });
}

// ------------------------------------------------------------------ live events

const watch = { prefix: "/", nextIndex: null, running: false, controller: null };

views.events = { async refresh() {} };

// Top-level JSON objects complete in `text`, and what is left after them (a stream's chunks
// need not end where an event does).
function takeJsonObjects(text) {
  const objects = [];
  let depth = 0, inString = false, escaped = false, start = -1, end = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && depth > 0 && --depth === 0) {
      objects.push(JSON.parse(text.slice(start, i + 1)));
      end = i + 1;
    }
  }
  return [objects, text.slice(end)];
}

function setWatchState(text) {
  $("events-state").textContent = text;
  $("events-pause").disabled = !watch.running;
  $("events-resume").disabled = watch.running || watch.nextIndex === null;
}

// Streams the watch from watch.nextIndex (or from now) until paused; a stream the server ends
// is opened again from the next index, so no event is missed or shown twice.
async function runWatch() {
  while (watch.running) {
    const controller = new AbortController();
    watch.controller = controller;
    let url = keyUrl(watch.prefix) + "?wait=true&recursive=true&stream=true";
    if (watch.nextIndex !== null) url += "&waitIndex=" + watch.nextIndex;
    try {
      const res = await api(url, { signal: controller.signal });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        if (body.errorCode === 401) {  // the history no longer reaches back: continue from now
          watch.nextIndex = Number(res.headers.get("X-Etcd-Index")) + 1;
          addNotice("events before index " + watch.nextIndex + " were cleared from the server's history");
          continue;
        }
        throw new Error(body.message || "watch failed: " + res.status);
      }
      if (watch.nextIndex === null && res.headers.get("X-Etcd-Index")) watch.nextIndex = Number(res.headers.get("X-Etcd-Index")) + 1;
      setWatchState("watching " + watch.prefix + (watch.nextIndex !== null ? " from index " + watch.nextIndex : ""));
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let pending = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        const [events, rest] = takeJsonObjects(pending);
        pending = rest;
        for (const ev of events) addEvent(ev);
      }
    } catch (e) {
      if (controller.signal.aborted) return;
      setWatchState("watch error: " + e.message + "; retrying");
      await delay(1000);
    }
  }
}

function addEvent(ev) {
  const node = ev.node || {};
  if (node.modifiedIndex !== undefined) watch.nextIndex = node.modifiedIndex + 1;
  const prev = ev.prevNode;
  const show = (n) => (!n ? "" : n.dir ? "(dir)" : n.value === undefined ? "" : n.value);
  const row = el("tr", { class: ev.action, "data-key": node.key, "data-index": node.modifiedIndex },
    el("td", { text: node.modifiedIndex }),
    el("td", { text: ev.action }),
    el("td", { class: "mono", text: node.key }),
    el("td", { class: "mono", text: show(prev) }),
    el("td", { class: "diff-arrow", text: prev ? "→" : "" }),
    el("td", { class: "mono", text: show(node) }));
  const body = $("events").tBodies[0];
  body.prepend(row);
  while (body.rows.length > 500) body.deleteRow(body.rows.length - 1);
  setWatchState("watching " + watch.prefix + ", next index " + watch.nextIndex);
}

function addNotice(text) {
  $("events").tBodies[0].prepend(el("tr", {}, el("td", { colspan: 6, class: "empty", text })));
}

function startWatch(event) {
  event.preventDefault();
  stopWatch();
  let prefix = $("events-prefix").value.trim() || "/";
  if (!prefix.startsWith("/")) prefix = "/" + prefix;
  watch.prefix = prefix;
  watch.nextIndex = null;
  watch.running = true;
  setWatchState("starting");
  runWatch();
}

function stopWatch() {
  watch.running = false;
  if (watch.controller) watch.controller.abort();
  watch.controller = null;
}

function pauseWatch() {
  stopWatch();
  setWatchState("paused" + (watch.nextIndex !== null ? "; resumes from index " + watch.nextIndex : ""));
}

function resumeWatch() {
  if (watch.running) return;
  watch.running = true;
  setWatchState("resuming from index " + watch.nextIndex);
  runWatch();
}

// ------------------------------------------------------------------ recipes

function loadPrefixes() {
  const saved = parseJson(localStorage.getItem("coord.ui.prefixes") || "") || {};
  const out = {};
  for (const k of Object.keys(DEFAULT_PREFIXES)) out[k] = typeof saved[k] === "string" ? saved[k] : DEFAULT_PREFIXES[k];
  return out;
}
let prefixes = loadPrefixes();

function buildPrefixForm() {
  const form = $("prefix-form");
  for (const k of Object.keys(DEFAULT_PREFIXES)) {
    const input = el("input", { type: "text", id: "prefix-" + k, autocomplete: "off" });
    input.value = prefixes[k];
    input.addEventListener("change", () => {
      prefixes[k] = input.value.trim() || DEFAULT_PREFIXES[k];
      localStorage.setItem("coord.ui.prefixes", JSON.stringify(prefixes));
      poll();
    });
    form.append(el("label", { for: "prefix-" + k, text: PREFIX_LABELS[k] + " (comma-separated)" }), input);
  }
}

// Every root of one recipe kind, each read recursively (a missing root is simply empty).
async function readRoots(kind) {
  const roots = prefixes[kind].split(",").map((p) => p.trim()).filter(Boolean);
  const nodes = await Promise.all(roots.map((r) => getNode(r, "recursive=true&sorted=true")));
  return roots.map((root, i) => ({ root: nodes[i] ? nodes[i].key : root, node: nodes[i] })).filter((r) => r.node);
}

const relative = (root, key) => key.slice(root.length + 1);
const byCreated = (a, b) => a.createdIndex - b.createdIndex;

// Every directory below `node` that holds keys (not directories): one recipe object each.
function dirsWithKeys(node, out = []) {
  const kids = node.nodes || [];
  if (kids.some((n) => !n.dir)) out.push({ dir: node, entries: kids.filter((n) => !n.dir).sort(byCreated) });
  for (const k of kids) if (k.dir) dirsWithKeys(k, out);
  return out;
}
function keysBelow(node, out = []) {
  for (const k of node.nodes || []) (k.dir ? keysBelow(k, out) : out.push(k));
  return out;
}

const ownerOf = (value) => value.replace(/^(read|write):/, "");
const taskSeen = new Map();  // task key -> { seq, since }: when this page saw its latest report

views.recipes = {
  async refresh() {
    const [services, locks, qlocks, rwlocks, semaphores, elections, jobs, queues] = await Promise.all(
      ["services", "locks", "qlocks", "rwlocks", "semaphores", "elections", "jobs", "workqueues"].map(readRoots));
    this.services(services);
    this.locks(locks, qlocks, rwlocks, semaphores);
    this.elections(elections);
    this.tasks(jobs);
    this.queues(queues);
  },

  services(roots) {
    const rows = [];
    for (const { root, node } of roots) {
      for (const svc of node.nodes || []) {
        if (!svc.dir) continue;
        for (const inst of (svc.nodes || []).filter((n) => !n.dir)) {
          const doc = parseJson(inst.value || "") || {};
          const meta = doc.metadata && typeof doc.metadata === "object" ? doc.metadata : {};
          const weight = typeof meta.weight === "number" && meta.weight > 0 ? meta.weight : 1;
          rows.push(el("tr", { "data-key": inst.key, class: "service-instance" },
            el("td", { text: relative(root, svc.key) }),
            el("td", { class: "mono instance-id", text: doc.id !== undefined ? doc.id : baseName(inst.key) }),
            el("td", { class: "mono endpoint", text: doc.endpoint !== undefined ? doc.endpoint : "?" }),
            el("td", { class: "weight", text: weight }),
            el("td", {}, countdown(inst.ttl)),
            el("td", { text: inst.createdIndex })));
        }
      }
    }
    setRows($("services"), rows, 6, "no service instances");
  },

  locks(locks, qlocks, rwlocks, semaphores) {
    const rows = [];
    const queue = (entries) => el("ol", { class: "queue" }, ...entries.map((e) => el("li", { class: "mono", text: ownerOf(e.value || "") + " (#" + e.createdIndex + ")" })));
    const row = (key, name, kind, holder, token, ttl, waiters) =>
      el("tr", { "data-key": key, class: "lock" }, el("td", { text: name }), el("td", { text: kind }),
        el("td", { class: "mono holder", text: holder }), el("td", { class: "token", text: token }),
        el("td", {}, countdown(ttl)), el("td", {}, waiters));
    for (const { root, node } of locks)
      for (const k of keysBelow(node))
        rows.push(row(k.key, relative(root, k.key), "exclusive", k.value, k.createdIndex, k.ttl, "(not recorded)"));
    for (const { root, node } of qlocks)
      for (const { dir, entries } of dirsWithKeys(node)) {
        const [first, ...rest] = entries;
        rows.push(row(dir.key, relative(root, dir.key), "sequenced", first.value, first.createdIndex, first.ttl, queue(rest)));
      }
    for (const { root, node } of rwlocks)
      for (const { dir, entries } of dirsWithKeys(node)) {
        // A writer holds when first; readers hold while no writer entry precedes them.
        const firstWriter = entries.findIndex((e) => (e.value || "").startsWith("write:"));
        const holders = firstWriter === 0 ? [entries[0]] : entries.slice(0, firstWriter < 0 ? entries.length : firstWriter);
        const mode = firstWriter === 0 ? "write" : "read";
        rows.push(row(dir.key, relative(root, dir.key), "read-write (" + mode + ")", holders.map((e) => ownerOf(e.value || "")).join(", "),
          holders.map((e) => e.createdIndex).join(", "), holders[0].ttl, queue(entries.slice(holders.length))));
      }
    for (const { root, node } of semaphores)
      for (const { dir, entries } of dirsWithKeys(node))
        rows.push(row(dir.key, relative(root, dir.key), "semaphore", "the first <permits> below", "", entries[0].ttl, queue(entries)));
    setRows($("locks"), rows, 6, "no locks held");
  },

  elections(roots) {
    const rows = [];
    for (const { root, node } of roots)
      for (const { dir, entries } of dirsWithKeys(node)) {
        const valueOf = (e) => {
          const doc = parseJson(e.value || "");
          return doc && doc.value !== undefined ? String(doc.value) : e.value || "";
        };
        rows.push(el("tr", { "data-key": dir.key, class: "election" },
          el("td", { text: relative(root, dir.key) }),
          el("td", { class: "mono leader", text: valueOf(entries[0]) }),
          el("td", { class: "term", text: entries[0].createdIndex }),
          el("td", {}, el("ol", { class: "queue" }, ...entries.slice(1).map((e) => el("li", { class: "mono", text: valueOf(e) }))))));
      }
    setRows($("elections"), rows, 4, "no elections");
  },

  tasks(roots) {
    const rows = [];
    const now = Date.now();
    for (const { root, node } of roots)
      for (const job of node.nodes || []) {
        if (!job.dir) continue;
        for (const task of (job.nodes || []).filter((n) => !n.dir)) {
          const doc = parseJson(task.value || "") || {};
          const fraction = typeof doc.fraction === "number" ? Math.min(1, Math.max(0, doc.fraction)) : 0;
          const seen = taskSeen.get(task.key);
          if (!seen || seen.seq !== doc.seq) taskSeen.set(task.key, { seq: doc.seq, since: now });
          const since = taskSeen.get(task.key).since;
          const state = typeof doc.state === "string" ? doc.state : "?";
          rows.push(el("tr", { "data-key": task.key, class: "task" },
            el("td", { text: relative(root, job.key) }),
            el("td", { class: "mono", text: baseName(task.key) }),
            el("td", {}, el("span", { class: "badge state " + state.replace(/[^a-z]/g, ""), text: state })),
            el("td", {}, el("progress", { max: 1, value: fraction }), el("span", { class: "pct", text: Math.round(fraction * 100) + "%" })),
            el("td", { class: "mono", text: doc.worker !== undefined ? doc.worker : "" }),
            el("td", { text: doc.message !== undefined ? doc.message : "" }),
            el("td", {}, el("span", { class: "since", "data-since": since, text: formatSince(since) }))));
        }
      }
    setRows($("tasks"), rows, 7, "no tasks");
  },

  queues(roots) {
    const rows = [];
    const walk = (root, node) => {
      const kids = node.nodes || [];
      const items = kids.find((n) => n.dir && baseName(n.key) === "items");
      const claims = kids.find((n) => n.dir && baseName(n.key) === "claims");
      if (items || claims) {
        rows.push(el("tr", { "data-key": node.key, class: "queue" },
          el("td", { text: relative(root, node.key) }),
          el("td", { class: "depth", text: items ? (items.nodes || []).length : 0 }),
          el("td", { text: claims ? (claims.nodes || []).length : 0 })));
        return;
      }
      for (const k of kids) if (k.dir) walk(root, k);
    };
    for (const { root, node } of roots) walk(root, node);
    setRows($("queues"), rows, 3, "no queues");
  },
};

// ------------------------------------------------------------------ start

function guard(fn) {
  return (...args) => Promise.resolve(fn(...args)).catch((e) => setStatus(e.message, true));
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showView(b.dataset.view));
  window.addEventListener("hashchange", () => showView(location.hash.slice(1)));
  $("goto-form").addEventListener("submit", guard((e) => {
    e.preventDefault();
    let key = $("goto-key").value.trim();
    if (!key.startsWith("/")) key = "/" + key;
    return openKey(key, false);
  }));
  $("show-hidden").addEventListener("change", renderTree);
  $("refresh-tree").addEventListener("click", guard(() => views.keys.refresh()));
  $("new-key").addEventListener("click", newKey);
  $("edit-form").addEventListener("submit", guard(saveNode));
  $("delete-node").addEventListener("click", guard(deleteNode));
  $("events-form").addEventListener("submit", startWatch);
  $("events-pause").addEventListener("click", pauseWatch);
  $("events-resume").addEventListener("click", resumeWatch);
  $("events-clear").addEventListener("click", () => $("events").tBodies[0].replaceChildren());
  buildPrefixForm();
  showView(location.hash.slice(1) || "cluster");
});
