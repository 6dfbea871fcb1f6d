// The dashboard: plain ES modules, no build step.  Every read and write goes through the
// admin API (api.js); the live journal arrives over one Server-Sent Events stream.
import { admin, AdminError, setToken, stream, takeTokenFromUrl } from "./api.js";
import { $, clockTime, copy, curl, duration, h, pretty, statusClass } from "./dom.js";
import { drawFlow } from "./flow.js";

const KEEP = 2000; // journal entries the page keeps (the server's own journal is bounded too)
const state = {
  vendors: {}, // GET /__admin/vendors
  entries: [], // the journal as streamed, oldest first
  seen: new Set(),
  open: new Set(), // seqs of expanded rows
  paused: false,
  clock: null,
  tab: "vendors",
  flowSession: "",
  examples: {},
  openapi: {},
};

// ------------------------------------------------------------------ shell
function showError(error) {
  const banner = $("#banner");
  if (!error) {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  banner.textContent = error instanceof AdminError ? `admin API: ${error.message}` : String(error.message || error);
  if (error instanceof AdminError && error.status === 401) $("#token-form").hidden = false;
}

function selectTab(name) {
  state.tab = name;
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of document.querySelectorAll("section.tab")) section.classList.toggle("active", section.id === `tab-${name}`);
  if (name === "flow") renderFlow();
  if (name === "state") refreshState();
  if (name === "controls") refreshScenarios();
  if (name === "demos") refreshDemos();
}

function setClock(clock) {
  if (!clock) return;
  state.clock = clock;
  $("#clock-now").textContent = clockTime(clock.now, true) + " UTC";
  $("#clock-frozen").hidden = !clock.frozen;
  $("#clock-freeze").textContent = clock.frozen ? "unfreeze" : "freeze";
}

async function refreshClock() {
  setClock(await admin("/__admin/clock"));
}

// ------------------------------------------------------------------ vendors
function renderVendors(examples) {
  const cards = $("#vendor-cards");
  cards.replaceChildren();
  for (const [name, info] of Object.entries(state.vendors)) {
    const headerText = Object.entries(info.headers).map(([k, v]) => `${k}: ${v}`).join("\n");
    const create = examples[name] && Object.values(examples[name]).find((e) => e.operation === "create_user");
    const [, mountAndPath] = info.create_user.split(" ");
    const card = h("article", { class: "card", "data-vendor": name, "data-testid": "vendor-card" },
      h("h3", {}, info.title, h("span", { class: "hint" }, ` ${name}`)),
      h("dl", {},
        h("dt", {}, "base URL"), h("dd", {}, h("code", {}, info.base_url), copyButton(info.base_url)),
        h("dt", {}, "create user"), h("dd", {}, h("code", {}, info.create_user)),
        h("dt", {}, "headers"), h("dd", {}, h("pre", {}, headerText || "(none)"), headerText ? copyButton(headerText) : null),
        info.login ? [h("dt", {}, "login"), h("dd", {}, h("code", {}, info.login_route || ""), h("pre", {}, pretty(info.login)), copyButton(JSON.stringify(info.login)))] : null,
      ),
      create ? h("button", {
        class: "curl",
        onclick: (event) => copy(curl("POST", location.origin + mountAndPath, create.headers, create.body), event.target),
      }, "copy create-user as curl") : null,
    );
    cards.append(card);
  }
}

function copyButton(text) {
  return h("button", { class: "copy", title: "copy", onclick: (event) => copy(text, event.target) }, "copy");
}

// ------------------------------------------------------------------ journal
function matchesFilters(entry) {
  const vendor = $("#j-vendor").value;
  const session = $("#j-session").value.trim();
  const status = $("#j-status").value;
  if (vendor && entry.vendor !== vendor) return false;
  if (session && entry.session !== session) return false;
  if (status === "err") return entry.status >= 400;
  if (status && String(entry.status)[0] !== status) return false;
  return true;
}

function journalRow(entry) {
  const row = h("tr", { class: `row ${statusClass(entry.status)}`, "data-seq": entry.seq, "data-testid": "journal-row", onclick: () => toggle(entry.seq) },
    h("td", {}, entry.seq),
    h("td", {}, clockTime(entry.time)),
    h("td", {}, entry.vendor),
    h("td", {}, entry.operation),
    h("td", { class: "path" }, `${entry.method} ${entry.path}`),
    h("td", { class: "status" }, entry.status),
    h("td", { class: "error" }, entry.error || ""),
    h("td", {}, entry.latency_ms.toFixed(1)),
    h("td", {}, entry.session || ""),
    h("td", {}, entry.scenario || ""),
  );
  if (!state.open.has(entry.seq)) return [row];
  const detail = h("tr", { class: "detail" }, h("td", { colspan: 10 },
    h("div", { class: "exchange" },
      h("div", {}, h("h4", {}, "request"),
        Object.keys(entry.query || {}).length ? h("pre", {}, "query " + pretty(entry.query)) : null,
        h("pre", {}, pretty(entry.headers)), h("pre", {}, pretty(entry.body) || "(no body)")),
      h("div", {}, h("h4", {}, `answer ${entry.status}${entry.error ? " · " + entry.error : ""}`),
        entry.near_miss ? h("p", { class: "hint" }, entry.near_miss) : null,
        h("pre", {}, pretty(entry.response) || "(no body)")),
    )));
  return [row, detail];
}

function toggle(seq) {
  if (state.open.has(seq)) state.open.delete(seq);
  else state.open.add(seq);
  renderJournal();
}

function renderJournal() {
  const shown = state.entries.filter(matchesFilters).slice(-300).reverse(); // newest on top
  $("#j-rows").replaceChildren(...shown.flatMap(journalRow));
  $("#j-count").textContent = `${shown.length} shown of ${state.entries.length}${state.paused ? " (paused)" : ""}`;
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued || state.paused) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderJournal();
    if (state.tab === "flow") renderFlow();
    if (state.tab === "state") refreshState();
    refreshSessions();
  });
}

function onEntry(entry) {
  if (state.seen.has(entry.seq)) return;
  state.seen.add(entry.seq);
  state.entries.push(entry);
  if (state.entries.length > KEEP) state.seen.delete(state.entries.shift().seq);
  scheduleRender();
}

// ------------------------------------------------------------------ flow
function refreshSessions() {
  const select = $("#f-session");
  const sessions = [...new Set(state.entries.map((e) => e.session).filter(Boolean))];
  const have = new Set([...select.options].map((o) => o.value));
  for (const session of sessions) if (!have.has(session)) select.append(h("option", { value: session }, `session ${session}`));
}

function renderFlow() {
  const session = $("#f-session").value;
  const last = Math.max(1, Math.min(200, Number($("#f-last").value) || 12));
  const chosen = session ? state.entries.filter((e) => e.session === session) : state.entries;
  const titles = Object.fromEntries(Object.entries(state.vendors).map(([name, info]) => [name, info.title]));
  drawFlow($("#flow"), chosen.slice(-last), titles);
}

function showFlowOf(session) {
  const select = $("#f-session");
  if (![...select.options].some((o) => o.value === session)) select.append(h("option", { value: session }, `session ${session}`));
  select.value = session;
  selectTab("flow");
}

// ------------------------------------------------------------------ state
// A change made while a refresh is in flight (say the vendor, then the session, picked in
// quick succession) must not be dropped: it asks for one more refresh once this one lands,
// so the view always ends on the latest filters, and requests never overlap out of order.
let stateBusy = false;
let stateAgain = false;
async function refreshState() {
  if (stateBusy) {
    stateAgain = true;
    return;
  }
  stateBusy = true;
  try {
    do {
      stateAgain = false;
      await loadState();
    } while (stateAgain);
  } finally {
    stateBusy = false;
  }
}

async function loadState() {
  try {
    const vendor = $("#s-vendor").value;
    const data = await admin("/__admin/state", { query: { vendor, session: $("#s-session").value.trim(), q: $("#s-search").value.trim() } });
    setClock(data.clock);
    const view = data.vendors[vendor];
    $("#s-users-count").textContent = `${view.users.length} shown of ${view.users_total}, newest first`;
    const columns = [...new Set(view.users.flatMap((u) => Object.keys(u).filter((k) => u[k] === null || typeof u[k] !== "object")))].slice(0, 7);
    $("#s-users").replaceChildren(view.users.length
      ? h("table", { class: "grid", "data-testid": "users" },
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c)))),
        h("tbody", {}, view.users.map((user) => h("tr", { "data-testid": "user-row" }, columns.map((c) => h("td", {}, user[c] ?? ""))))))
      : h("p", { class: "hint", "data-testid": "no-users" }, "no users"));
    $("#s-tokens").replaceChildren(...view.tokens.map((t) => h("tr", { "data-testid": "token-row" },
      h("td", {}, t.table), h("td", {}, h("code", {}, t.token)), h("td", {}, t.expires_at ? clockTime(t.expires_at, true) : "—"),
      h("td", { class: t.seconds_left !== null && t.seconds_left < 300 ? "soon" : "" }, duration(t.seconds_left)))));
    showError(null);
  } catch (error) {
    showError(error);
  }
}

// ------------------------------------------------------------------ controls
async function moveClock(body, message) {
  try {
    setClock(await admin("/__admin/clock", { method: "POST", json: body }));
    $("#clock-msg").textContent = message;
    if (state.tab === "state") refreshState();
  } catch (error) {
    $("#clock-msg").textContent = error.message;
  }
}

function remaining(scenario) {
  const counts = scenario.rules.map((r) => (r.remaining === null || r.remaining === undefined ? "∞" : r.remaining));
  return counts.length > 3 ? `${counts.slice(0, 3).join(" · ")} …` : counts.join(" · ");
}

let scenarios = [];
async function refreshScenarios() {
  try {
    scenarios = await admin("/__admin/scenarios");
    renderScenarios();
  } catch (error) {
    showError(error);
  }
}

function renderScenarios() {
  const filter = $("#sc-filter").value.trim().toLowerCase();
  const activeOnly = $("#sc-active-only").checked;
  const rows = scenarios
    .filter((s) => !activeOnly || s.active)
    .filter((s) => !filter || s.name.toLowerCase().includes(filter) || JSON.stringify(s.rules).toLowerCase().includes(filter))
    .sort((a, b) => Number(b.active) - Number(a.active));
  $("#sc-rows").replaceChildren(...rows.map((s) => h("tr", { class: s.active ? "active" : "", "data-scenario": s.name },
    h("td", {}, h("code", {}, s.name)),
    h("td", {}, s.description || ""),
    h("td", {}, remaining(s)),
    h("td", {}, h("button", {
      "data-testid": s.active ? "deactivate" : "activate",
      onclick: async () => {
        try {
          await admin(`/__admin/scenarios/${encodeURIComponent(s.name)}/${s.active ? "deactivate" : "activate"}`, { method: "POST" });
          await refreshScenarios();
        } catch (error) {
          showError(error);
        }
      },
    }, s.active ? "deactivate" : "activate")),
  )));
}

async function loadScenario() {
  const message = $("#sc-msg");
  try {
    const added = await admin("/__admin/scenarios", { method: "POST", text: $("#sc-yaml").value, query: { activate: $("#sc-activate").checked ? "1" : "" } });
    message.className = "msg ok";
    message.textContent = `loaded ${added.name}${added.replaced ? " (replaced)" : ""}${added.active ? ", active" : ""}`;
    await refreshScenarios();
  } catch (error) {
    message.className = "msg err";
    message.textContent = error.message; // the admin API's own error: file, line and field
  }
}

// ------------------------------------------------------------------ try it
async function loadTryIt() {
  const vendor = $("#t-vendor").value;
  if (!state.openapi[vendor]) {
    [state.openapi[vendor], state.examples[vendor]] = await Promise.all([
      admin(`/__admin/openapi/${encodeURIComponent(vendor)}.json`),
      state.examples[vendor] ? Promise.resolve(state.examples[vendor]) : admin(`/__admin/examples/${encodeURIComponent(vendor)}`),
    ]);
  }
  const doc = state.openapi[vendor];
  const select = $("#t-route");
  select.replaceChildren();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      select.append(h("option", { value: `${method.toUpperCase()} ${path}` }, `${method.toUpperCase()} ${path} — ${op.summary || op.operationId}`));
    }
  }
  const create = [...select.options].find((o) => (doc.paths[o.value.split(" ")[1]][o.value.split(" ")[0].toLowerCase()] || {}).operationId === "create_user");
  if (create) select.value = create.value;
  fillForm();
}

function fillForm() {
  const vendor = $("#t-vendor").value;
  const [method, path] = $("#t-route").value.split(" ");
  const doc = state.openapi[vendor];
  const op = doc.paths[path][method.toLowerCase()];
  const example = state.examples[vendor][`${method} ${path}`] || null;
  $("#t-summary").textContent = `${op.summary || ""} (operation ${op["x-mockserver-operation"] || op.operationId})`;
  const params = (op.parameters || []).filter((p) => p.in === "path" || p.in === "query");
  const fromPath = {};
  if (example) {
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const pattern = new RegExp("^" + path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{\w+\\?\}|\{\w+\}/g, "([^/]+)") + "$");
    const found = example.path.match(pattern);
    if (found) names.forEach((name, i) => { if (!found[i + 1].startsWith("{")) fromPath[name] = decodeURIComponent(found[i + 1]); });
  }
  $("#t-params").replaceChildren(...params.map((p) => h("label", { class: "param" }, `${p.in} ${p.name}${p.required ? " *" : ""} `,
    h("input", { "data-in": p.in, "data-name": p.name, value: p.in === "path" ? fromPath[p.name] ?? "" : (example && example.query[p.name]) ?? "", size: 30 }))));
  const vendorHeaders = state.vendors[vendor].headers;
  const headers = example ? example.headers : { ...(op.requestBody ? { "Content-Type": "application/json" } : {}), ...vendorHeaders };
  $("#t-headers").value = JSON.stringify(headers, null, 2);
  $("#t-body").value = example && example.body !== null ? JSON.stringify(example.body, null, 2) : op.requestBody ? "{}" : "";
  $("#t-answer").replaceChildren();
}

function builtRequest() {
  const vendor = $("#t-vendor").value;
  const [method, template] = $("#t-route").value.split(" ");
  const server = new URL(state.openapi[vendor].servers[0].url);
  let path = template;
  const query = new URLSearchParams();
  for (const input of document.querySelectorAll("#t-params input")) {
    if (input.dataset.in === "path") path = path.replace(`{${input.dataset.name}}`, encodeURIComponent(input.value));
    else if (input.value !== "") query.set(input.dataset.name, input.value);
  }
  const headers = JSON.parse($("#t-headers").value || "{}");
  const session = $("#t-session").value.trim();
  if (session) headers["X-Mock-Session"] = session;
  const body = $("#t-body").value.trim();
  const url = location.origin + server.pathname.replace(/\/$/, "") + path + (query.toString() ? "?" + query : "");
  return { method, url, headers, body: ["GET", "HEAD"].includes(method) ? undefined : body || undefined };
}

async function sendTryIt(event) {
  event.preventDefault();
  const answer = $("#t-answer");
  let request;
  try {
    request = builtRequest();
  } catch (error) {
    answer.replaceChildren(h("p", { class: "msg err" }, `headers: ${error.message}`));
    return;
  }
  const started = performance.now();
  const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  const text = await response.text();
  let shown = text;
  try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as sent */ }
  answer.replaceChildren(
    h("h4", { class: statusClass(response.status), "data-testid": "tryit-status" }, `${response.status} ${response.statusText} · ${(performance.now() - started).toFixed(0)} ms`),
    h("pre", {}, shown || "(no body)"),
  );
}

// ------------------------------------------------------------------ demos
let demoTimer = null;
async function refreshDemos() {
  try {
    const demos = await admin("/__admin/demos");
    $("#demo-list").replaceChildren(...demos.map((demo) => h("article", { class: "card demo", "data-demo": demo.name },
      h("h3", {}, demo.title),
      h("p", { class: "hint" }, `${demo.name} · ${demo.vendor} · session ${demo.session}`),
      demo.description ? h("p", {}, demo.description) : null,
      h("ol", {}, demo.steps.map((say, i) => {
        const done = demo.run && demo.run.steps.find((s) => s.number === i + 1);
        return h("li", { class: done ? (done.ok ? "done" : "failed") : "" }, say, done ? h("div", { class: "line" }, done.line) : null);
      })),
      h("div", { class: "buttons" },
        h("button", { "data-testid": "run-demo", disabled: demo.run && demo.run.running, onclick: () => runDemo(demo) }, demo.run && demo.run.running ? "running…" : "run"),
        h("button", { onclick: () => showFlowOf(demo.session) }, "show its flow")),
    )));
    const running = demos.some((d) => d.run && d.run.running);
    clearTimeout(demoTimer);
    if (running && state.tab === "demos") demoTimer = setTimeout(refreshDemos, 500);
  } catch (error) {
    showError(error);
  }
}

async function runDemo(demo) {
  try {
    await admin(`/__admin/demos/${encodeURIComponent(demo.name)}/run`, { method: "POST", query: { pause: $("#d-pause").value } });
    await refreshDemos();
  } catch (error) {
    showError(error);
  }
}

// ------------------------------------------------------------------ start
async function start() {
  takeTokenFromUrl();
  for (const button of document.querySelectorAll("#tabs button")) button.addEventListener("click", () => selectTab(button.dataset.tab));
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setToken($("#token-input").value.trim());
    location.reload();
  });
  for (const id of ["#j-vendor", "#j-session", "#j-status"]) $(id).addEventListener("input", renderJournal);
  $("#j-pause").addEventListener("change", (event) => {
    state.paused = event.target.checked;
    renderJournal();
  });
  $("#f-session").addEventListener("change", renderFlow);
  $("#f-last").addEventListener("input", renderFlow);
  for (const id of ["#s-vendor", "#s-session"]) $(id).addEventListener("change", refreshState);
  $("#s-search").addEventListener("input", refreshState);
  $("#s-refresh").addEventListener("click", refreshState);
  for (const button of document.querySelectorAll("#clock-buttons button")) {
    button.addEventListener("click", () => moveClock({ advance: button.dataset.advance }, `moved ${button.textContent}`));
  }
  $("#clock-set-btn").addEventListener("click", () => {
    const value = $("#clock-set").value;
    if (value) moveClock({ set: (value.length === 16 ? value + ":00" : value) + "Z" }, "set");
  });
  $("#clock-freeze").addEventListener("click", () => moveClock({ freeze: !(state.clock && state.clock.frozen) }, "done"));
  $("#clock-reset").addEventListener("click", () => moveClock({ reset: true }, "back to real time"));
  $("#reset-all").addEventListener("click", async () => {
    try {
      await admin("/__admin/reset", { method: "POST" });
      state.entries = [];
      state.seen.clear();
      renderJournal();
      $("#reset-msg").textContent = "everything reset: fixtures restored, journal emptied";
    } catch (error) {
      $("#reset-msg").textContent = error.message;
    }
  });
  $("#reset-session-btn").addEventListener("click", async () => {
    const session = $("#reset-session").value.trim();
    if (!session) {
      $("#reset-msg").textContent = "name the session to reset";
      return;
    }
    try {
      await admin("/__admin/reset", { method: "POST", query: { session } });
      state.entries = state.entries.filter((e) => e.session !== session);
      renderJournal();
      $("#reset-msg").textContent = `session ${session} reset`;
    } catch (error) {
      $("#reset-msg").textContent = error.message;
    }
  });
  $("#sc-filter").addEventListener("input", renderScenarios);
  $("#sc-active-only").addEventListener("change", renderScenarios);
  $("#sc-load").addEventListener("click", loadScenario);
  $("#t-vendor").addEventListener("change", () => loadTryIt().catch(showError));
  $("#t-route").addEventListener("change", fillForm);
  $("#t-form").addEventListener("submit", (event) => sendTryIt(event).catch((error) => showError(error)));
  $("#t-curl").addEventListener("click", (event) => {
    try {
      const r = builtRequest();
      copy(curl(r.method, r.url, r.headers, r.body), event.target);
    } catch (error) {
      showError(error);
    }
  });

  try {
    state.vendors = await admin("/__admin/vendors");
    await refreshClock();
  } catch (error) {
    showError(error);
    $("#live-text").textContent = "no access";
    return;
  }
  for (const name of Object.keys(state.vendors)) {
    for (const id of ["#j-vendor", "#s-vendor", "#t-vendor"]) $(id).append(h("option", { value: name }, state.vendors[name].title));
  }
  const examples = {};
  await Promise.all(Object.keys(state.vendors).map(async (name) => {
    try {
      examples[name] = await admin(`/__admin/examples/${encodeURIComponent(name)}`);
    } catch {
      examples[name] = {};
    }
  }));
  state.examples = examples;
  renderVendors(examples);
  loadTryIt().catch(showError);
  stream((kind, data) => {
    if (kind === "entry") onEntry(data);
    else if (kind === "hello") setClock(data.clock);
  }, (status) => {
    $("#live-text").textContent = status;
    $("#live-dot").className = status === "live" ? "dot on" : "dot";
  });
  // The virtual clock moves in real time too: keep the header's reading fresh.
  setInterval(() => refreshClock().catch(() => {}), 2000);
  document.body.dataset.ready = "1"; // for the browser tests
}

start();
