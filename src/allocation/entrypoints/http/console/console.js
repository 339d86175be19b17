// The operator console: plain JavaScript over the service's own API (docs/openapi.json), kept
// live by GET /events. Nothing here is fetched from anywhere else.
"use strict";

const PAGE_SIZE = 25;
const MOVEMENT_PAGE = 1000;      // the API's largest page
const MOVEMENTS_SHOWN = 200;     // the newest, in the table; the chart takes them all
const HOLDS_LOOKED_UP = 25;      // live holds whose expiry is asked for
const EVENTS_KEPT = 100;
// Every name GET /events sends: the channels of published messages, and the other kinds.
const EVENT_NAMES = [
  "line_allocated", "line_deallocated", "out_of_stock", "back_in_stock", "low_stock",
  "reservation_expired", "reservation_released", "allocated", "deallocated", "released",
  "backordered", "batch_added", "batch_quantity_changed", "reserved", "reservation_extended",
  "reservation_moved", "reservation_consumed",
];
const STATES = ["on_hand", "incoming", "allocated", "reserved", "available", "backordered"];

const $ = (selector) => document.querySelector(selector);

const view = {
  after: "",          // the products page starts after this SKU
  pages: [],          // the `after` of each page before this one, for « First
  search: "",
  rows: [],           // SKUs shown
  next: null,
  sku: null,          // the product shown
  movements: [],      // all of its movements, oldest first
  orderid: null,
};

// --- Talking to the API ---------------------------------------------------------------------

async function api(path) {
  const response = await fetch(path, {headers: {"Accept": "application/json"}});
  if (response.status === 404) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${path}: ${response.status} ${body.message || ""}`);
  return body;
}

function showProblem(error) {
  const box = $("#problem");
  box.textContent = error ? String(error.message || error) : "";
  box.hidden = !error;
}

function guarded(work) {
  return (...args) => work(...args).then(() => showProblem(null), showProblem);
}

// A function that runs `work` at most once per `ms`, the last call winning.
function debounced(ms, work) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => work(...args), ms);
  };
}

// --- Small DOM helpers ------------------------------------------------------------------------

// A cell; a number is right-aligned (class num), as is what is given that class.
function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "–" : String(text);
  td.className = [typeof text === "number" ? "num" : "", className || ""].join(" ").trim();
  return td;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) tr.append(c instanceof Node ? c : cell(c));
  return tr;
}

function fill(tbody, rows, empty) {
  tbody.replaceChildren(...rows);
  if (rows.length === 0 && empty) {
    const td = cell(empty, "muted");
    td.colSpan = tbody.parentElement.querySelectorAll("th").length;
    tbody.append(row([td]));
  }
}

function enc(id) {
  return encodeURIComponent(id);
}

function timeOf(at) {
  return at ? at.replace("T", " ").replace(/\.\d+Z$/, "Z") : "–";
}

// --- Products ---------------------------------------------------------------------------------

async function loadProducts() {
  const after = view.after ? `&after=${enc(view.after)}` : "";
  const page = await api(`/products?limit=${PAGE_SIZE}${after}`);
  let products = page.products;
  // A search lists the SKU itself, when there is one, then every SKU after it in order.
  if (view.search && view.after === view.search) {
    const exact = await api(`/products/${enc(view.search)}`);
    if (exact) products = [exact, ...products];
  }
  const previous = new Map(view.rows.map((r) => [r.sku, r]));
  view.rows = products;
  view.next = page.next;
  const tbody = $("#products tbody");
  fill(tbody, products.map((p) => {
    const tr = row([p.sku, ...STATES.map((s) => cell(p[s], s === "available" && p[s] === 0 ? "zero" : ""))]);
    tr.dataset.sku = p.sku;
    if (p.sku === view.sku) tr.classList.add("selected");
    const before = previous.get(p.sku);
    if (before && STATES.some((s) => before[s] !== p[s])) tr.classList.add("flash");
    tr.addEventListener("click", () => selectProduct(p.sku));
    return tr;
  }), view.search ? `No SKU from "${view.search}" on.` : "No products yet.");
  $("#next").disabled = !page.next;
  $("#first").disabled = view.pages.length === 0 && !view.search;
  $("#page-info").textContent = products.length
    ? `${products[0].sku} … ${products[products.length - 1].sku}` : "";
}

// --- One product: states, batches, holds, movements, chart ------------------------------------

async function selectProduct(sku) {
  view.sku = sku;
  view.movements = [];
  for (const tr of document.querySelectorAll("#products tbody tr")) {
    tr.classList.toggle("selected", tr.dataset.sku === sku);
  }
  await refreshProduct();
}

async function refreshProduct() {
  const sku = view.sku;
  if (!sku) return;
  const product = await api(`/products/${enc(sku)}`);
  if (sku !== view.sku) return;  // another was picked meanwhile
  $("#product-empty").hidden = !!product;
  $("#product").hidden = !product;
  if (!product) return;
  $("#product-sku").textContent = sku;
  $("#states").replaceChildren(...STATES.map((s) => {
    const box = document.createElement("div");
    box.className = `state ${s}` + (s === "available" && product[s] === 0 ? " out" : "");
    box.id = `state-${s}`;
    const label = document.createElement("div");
    label.className = "label";
    label.textContent = s.replace("_", " ");
    const value = document.createElement("div");
    value.className = "value";
    value.textContent = product[s];
    box.append(label, value);
    return box;
  }));
  fill($("#batches tbody"), product.batches.map((b) => row([
    b.ref, b.warehouse, b.eta, b.expires, b.purchased, b.allocated, b.reserved,
    cell(b.available, b.available === 0 ? "zero" : "")])), "No batches.");
  await loadNewMovements(sku);
}

// Reads the movements after the last one held, page after page: the first time all of them (the
// chart needs every one), then only what is new.
async function loadNewMovements(sku) {
  let after = view.movements.length ? view.movements[view.movements.length - 1].seq : 0;
  for (;;) {
    const page = await api(`/products/${enc(sku)}/movements?limit=${MOVEMENT_PAGE}&after=${after}`);
    if (sku !== view.sku || !page) return;
    view.movements.push(...page.movements);
    if (page.next === null || page.movements.length === 0) break;
    after = page.next;
  }
  renderMovements();
  drawChart();
  await renderHolds(sku);
}

function renderMovements() {
  const shown = view.movements.slice(-MOVEMENTS_SHOWN).reverse();
  fill($("#movements tbody"), shown.map((m) => row([
    m.seq, timeOf(m.at), m.kind, m.batchref, cell(m.qty > 0 ? `+${m.qty}` : m.qty, "num"),
    m.orderid || m.reservation || "", m.reason || ""])), "No movements.");
  const total = view.movements.length;
  $("#movement-count").textContent =
    total > MOVEMENTS_SHOWN ? `(newest ${MOVEMENTS_SHOWN} of ${total})` : `(${total})`;
}

// The live holds, from the ledger: a hold's units are its reserved movements less its
// unreserved ones. Their expiry is asked of GET /reservations/<id>.
async function renderHolds(sku) {
  const held = new Map();
  for (const m of view.movements) {
    if (!m.reservation) continue;
    const h = held.get(m.reservation) || {units: 0, batchref: m.batchref};
    h.units -= m.qty;
    if (m.kind === "reserved") h.batchref = m.batchref;
    held.set(m.reservation, h);
  }
  const live = [...held].filter(([, h]) => h.units > 0).slice(-HOLDS_LOOKED_UP);
  const rows = [];
  for (const [id, h] of live) {
    let expires = "–";
    try {
      const hold = await api(`/reservations/${enc(id)}`);
      if (!hold) continue;  // ended meanwhile
      expires = timeOf(hold.expires_at);
    } catch (error) {
      expires = "expired";  // 410: not swept yet
    }
    rows.push(row([id, h.batchref, h.units, expires]));
  }
  if (sku === view.sku) fill($("#holds tbody"), rows, "No live holds.");
}

// Available units over time: the running sum of the movements' signed quantities, one step
// per movement, at most one point per pixel column (the last of its movements).
function drawChart() {
  const svg = $("#chart");
  const width = 640, height = 170, left = 44, right = 8, top = 10, bottom = 22;
  const points = [];
  let available = 0;
  for (const m of view.movements) {
    available += m.qty;
    points.push([Date.parse(m.at), available]);
  }
  const ns = "http://www.w3.org/2000/svg";
  const element = (name, attributes, text) => {
    const e = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  if (points.length === 0) {
    svg.replaceChildren(element("text", {x: 12, y: 90, class: "axis"}, "No movements yet."));
    $("#chart-note").textContent = "";
    return;
  }
  points.push([Math.max(Date.now(), points[points.length - 1][0]), available]);
  const t0 = points[0][0], t1 = Math.max(points[points.length - 1][0], t0 + 1);
  const max = Math.max(1, ...points.map((p) => p[1]));
  const min = Math.min(0, ...points.map((p) => p[1]));
  const x = (t) => left + (t - t0) / (t1 - t0) * (width - left - right);
  const y = (v) => top + (max - v) / (max - min) * (height - top - bottom);
  const columns = new Map();
  for (const [t, v] of points) columns.set(Math.round(x(t)), v);
  let path = "", last = null;
  for (const [px, v] of columns) {
    path += last === null ? `M${px},${y(v)}` : `H${px}V${y(v)}`;
    last = v;
  }
  const baseline = y(Math.max(min, 0));
  const children = [];
  for (const v of [min, (min + max) / 2, max]) {
    const value = Math.round(v);
    children.push(element("line", {x1: left, x2: width - right, y1: y(value), y2: y(value), class: "grid"}));
    children.push(element("text", {x: left - 6, y: y(value) + 3, "text-anchor": "end", class: "axis"}, value));
  }
  children.push(element("path", {d: `${path}V${baseline}H${left}Z`, class: "area"}));
  children.push(element("path", {d: path, class: "line"}));
  children.push(element("text", {x: left, y: height - 6, class: "axis"}, timeOf(new Date(t0).toISOString())));
  children.push(element("text", {x: width - right, y: height - 6, "text-anchor": "end", class: "axis"},
                        timeOf(new Date(t1).toISOString())));
  svg.replaceChildren(...children);
  $("#chart-note").textContent = `(${view.movements.length} movements, now ${available})`;
}

// --- An order ---------------------------------------------------------------------------------

async function showOrder() {
  const orderid = view.orderid;
  if (!orderid) return;
  const order = await api(`/orders/${enc(orderid)}`);
  const box = $("#order");
  if (!order) {
    box.innerHTML = "";
    box.append(Object.assign(document.createElement("p"), {className: "muted", textContent: `No order ${orderid}.`}));
    return;
  }
  const table = document.createElement("table");
  table.innerHTML = "<thead><tr><th>SKU</th><th>qty</th><th>status</th><th>batches</th></tr></thead><tbody></tbody>";
  fill(table.querySelector("tbody"), order.lines.map((l) => row([
    l.sku, l.qty, cell(l.status, `status-${l.status}`),
    l.allocations.map((a) => `${a.batchref} × ${a.qty}`).join(", ")])));
  box.replaceChildren(table);
}

// --- Live changes -----------------------------------------------------------------------------

const refreshProducts = debounced(250, guarded(loadProducts));
const refreshShownProduct = debounced(200, guarded(refreshProduct));
const refreshOrder = debounced(200, guarded(showOrder));

function onChange(name, data) {
  const list = $("#events");
  const item = document.createElement("li");
  item.className = "fresh";
  const ids = Object.entries(data).filter(([k]) => k !== "sku").map(([k, v]) => `${k} ${v}`).join(" · ");
  item.innerHTML = '<span class="time"></span><span class="name"></span> <span class="sku"></span><span class="ids"></span>';
  item.querySelector(".time").textContent = new Date().toLocaleTimeString();
  item.querySelector(".name").textContent = name.replaceAll("_", " ");
  item.querySelector(".sku").textContent = data.sku || "";
  item.querySelector(".ids").textContent = ids;
  list.prepend(item);
  $("#events-empty").hidden = true;
  while (list.children.length > EVENTS_KEPT) list.lastChild.remove();

  if (data.sku && data.sku === view.sku) refreshShownProduct();
  // A change of a SKU on this page, or a new SKU that may belong on it.
  if (view.rows.some((r) => r.sku === data.sku) || name === "batch_added") refreshProducts();
  if (view.orderid && data.orderid === view.orderid) refreshOrder();
}

function listen(again = false) {
  const live = $("#live");
  const source = new EventSource("/events");
  let reconnected = again;
  source.onopen = () => {
    live.className = "live on";
    live.textContent = "live";
    // What happened while the stream was down: read afresh.
    if (reconnected) {
      refreshProducts();
      view.movements = [];
      refreshShownProduct();
      refreshOrder();
    }
  };
  source.onerror = () => {
    reconnected = true;
    live.className = "live connecting";
    live.textContent = "reconnecting…";
    // Refused (a 503: every stream taken) rather than cut: the browser gives up on it, so this
    // page tries again itself, afresh.
    if (source.readyState === EventSource.CLOSED) {
      live.textContent = "not live: retrying";
      setTimeout(() => listen(true), 5000);
    }
  };
  for (const name of EVENT_NAMES) {
    source.addEventListener(name, (event) => onChange(name, JSON.parse(event.data)));
  }
  // A page left for another keeps no stream (the server has 16): a browser may keep the page
  // (back/forward cache), and its stream with it, though nobody reads it.
  window.addEventListener("pagehide", () => source.close(), {once: true});
}

// Back to a page the browser kept: live again, read afresh.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) listen(true);
});

// --- Wiring -----------------------------------------------------------------------------------

function start() {
  $("#search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    view.search = $("#search").value.trim();
    view.after = view.search;
    view.pages = [];
    guarded(loadProducts)();
  });
  $("#next").addEventListener("click", () => {
    if (!view.next) return;
    view.pages.push(view.after);
    view.after = view.next;
    guarded(loadProducts)();
  });
  $("#first").addEventListener("click", () => {
    view.pages = [];
    view.search = "";
    $("#search").value = "";
    view.after = "";
    guarded(loadProducts)();
  });
  $("#order-form").addEventListener("submit", (event) => {
    event.preventDefault();
    view.orderid = $("#orderid").value.trim() || null;
    guarded(showOrder)();
  });
  api("/version").then((v) => { $("#version").textContent = v ? `version ${v.version}` : ""; }, () => {});
  guarded(loadProducts)();
  listen();
}

start();
