// Yunli dispatcher console: plain JavaScript + Canvas2D, no external code.
// Reads everything through the console's JSON gateway (/api/yunli.v1.<Service>/<Method>),
// which calls the gRPC API; live plans stream in as Server-Sent Events.
// window.__yunli exposes counts and timings for the browser tests.
"use strict";

const T0 = performance.now();
const Y = (window.__yunli = {
  ready: false, firstPaintMs: null, drawMs: [], counts: {}, planVersion: 0,
  liveLatencyMs: [], updates: 0, errors: [], dispatched: [],
});
const TYPE_COLORS = {
  van: "#1f77b4", light_truck: "#2ca02c", medium_truck: "#9467bd",
  heavy_truck: "#d62728", trailer: "#8c564b", reefer: "#17becf",
};
const SITE_STYLE = {
  depot: ["#16324f", "star"], warehouse: ["#6a3d9a", "square"],
  bonded_warehouse: ["#e6550d", "diamond"], overseas_warehouse: ["#31a354", "triangle"],
  store: ["#3182bd", "circle"],
};
// The map layers' columns by list method (the server's /api/console says which). The
// columnar RPCs are the default; ?layers=stream uses the per-row streaming lists.
let LAYER_COLS = {
  ListVehicleColumns: "vehicle_id,lat,lon,type_index,type_names,status_index,status_names",
  ListLoadColumns: "load_id,origin_lat,origin_lon,dest_lat,dest_lon",
  ListVehicles: "vehicle_id,vehicle_type,lat,lon,status",
  ListLoads: "load_id,origin_lat,origin_lon,dest_lat,dest_lon",
};
const STREAM_LAYERS = new URLSearchParams(location.search).get("layers") === "stream";

const S = {
  token: sessionStorage.getItem("yunli-token") || "",
  layers: { basemap: true, cargo: true, vehicles: true, lanes: true, routes: true, sites: true },
  vehicles: null, loads: null, sites: null, basemap: null, plans: [], views: {},
  lanes: [], selected: null, lastInteract: 0, settle: 0,
  objective: "DISPATCH_OBJECTIVE_MAX_SCORE", dispatchState: "", flows: null, flowKey: "",
  view: { cx: 105, cy: merc(34), k: 12 }, // centre (lon, mercator-y in degrees), px per degree
};
const $ = (id) => document.getElementById(id);
const canvas = $("map");
const ctx = canvas.getContext("2d");

// ---------------------------------------------------------------------------------- utils
function merc(lat) { return (Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) * 180) / Math.PI; }
function unmerc(y) { return (Math.atan(Math.exp((y * Math.PI) / 180)) * 360) / Math.PI - 90; }
function esc(s) { return String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }
function num(x) { return x === undefined || x === null ? 0 : Number(x); }
function fmt(x, d = 0) { return Number(x).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }); }
function hhmm(t) { const d = new Date((num(t) + 8 * 3600) * 1000); return d.toISOString().slice(11, 16); }
function km(m) { return fmt(num(m) / 1000, 1) + " km"; }
function haversine(lat1, lon1, lat2, lon2) {
  const r = Math.PI / 180, a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 +
    Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
}

// ----------------------------------------------------------------------------- API access
class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}
let retryDelay = 1000;
function setStatus(text, cls = "") { const el = $("status"); el.textContent = text; el.className = "status " + cls; }

async function api(method, body = {}, columns = null) {
  const url = "/api/" + method + (columns ? "?columns=" + columns : "");
  const headers = { "Content-Type": "application/json" };
  if (S.token) headers.Authorization = "Bearer " + S.token;
  let resp;
  try {
    resp = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "UNAVAILABLE", "the console server is unreachable");
  }
  const text = await resp.text();
  let data;
  try { data = JSON.parse(text); } catch (e) { data = { error: { code: "INTERNAL", message: text.slice(0, 200) } }; }
  if (!resp.ok) {
    const err = new ApiError(resp.status, data.error?.code || "UNKNOWN", data.error?.message || resp.statusText);
    if (resp.status === 401) showLogin(err.message);
    throw err;
  }
  return data;
}

// Call until it works: the console never crashes on a server that is down.
async function apiRetry(method, body, columns) {
  for (;;) {
    try {
      const out = await api(method, body, columns);
      retryDelay = 1000;
      return out;
    } catch (e) {
      if (e.status === 0 || e.status === 503 || e.status === 502) {
        setStatus(`server down: ${e.message} — retrying in ${retryDelay / 1000}s`, "bad");
        await new Promise((r) => setTimeout(r, retryDelay));
        retryDelay = Math.min(retryDelay * 2, 15000);
        continue;
      }
      if (e.status === 401) { await loginDone(); continue; }
      throw e;
    }
  }
}

let loginWaiters = [];
function showLogin(why) {
  $("loginwhy").textContent = why.includes("missing") ? "This server needs a bearer token." : "Token rejected: " + why;
  $("login").classList.remove("hidden");
  setStatus("sign in needed", "warn");
  $("token").focus();
}
function loginDone() { return new Promise((r) => loginWaiters.push(r)); }
$("loginform").addEventListener("submit", (ev) => {
  ev.preventDefault();
  S.token = $("token").value.trim();
  sessionStorage.setItem("yunli-token", S.token);
  $("login").classList.add("hidden");
  const w = loginWaiters; loginWaiters = [];
  w.forEach((r) => r());
});

// ----------------------------------------------------------------------------- the map
function resize() {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = canvas.clientWidth * dpr;
  canvas.height = canvas.clientHeight * dpr;
  requestDraw();
}
function sx(lon) { return (lon - S.view.cx) * S.view.k + canvas.clientWidth / 2; }
function sy(lat) { return canvas.clientHeight / 2 - (merc(lat) - S.view.cy) * S.view.k; }
function syM(my) { return canvas.clientHeight / 2 - (my - S.view.cy) * S.view.k; }
function toLonLat(px, py) {
  return [S.view.cx + (px - canvas.clientWidth / 2) / S.view.k, unmerc(S.view.cy - (py - canvas.clientHeight / 2) / S.view.k)];
}

function buildBasemap(country, provinces, coast) {
  // Path2D in (lon, mercator-y) units, drawn under a transform: built once.
  const mk = (fc, closed) => {
    const p = new Path2D(); let n = 0;
    for (const f of fc.features) {
      const g = f.geometry; if (!g) continue;
      const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates
        : g.type === "LineString" ? [[g.coordinates]] : g.type === "MultiLineString" ? [g.coordinates] : [];
      for (const poly of polys) for (const ring of poly) {
        ring.forEach(([x, y], i) => (i ? p.lineTo(x, -merc(y)) : p.moveTo(x, -merc(y))));
        if (closed) p.closePath();
      }
      n++;
    }
    return [p, n];
  };
  const [pc, nc] = mk(country, true), [pp, np] = mk(provinces, true), [pl, nl] = mk(coast, false);
  S.basemap = { country: pc, provinces: pp, coast: pl, n: nc + np + nl };
}

let drawPending = false;
function requestDraw() { if (!drawPending) { drawPending = true; requestAnimationFrame(draw); } }

function draw() {
  drawPending = false;
  const t0 = performance.now();
  const dpr = window.devicePixelRatio || 1, W = canvas.clientWidth, H = canvas.clientHeight;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#dfe9f3"; ctx.fillRect(0, 0, W, H);
  const counts = { basemap: 0, orders: 0, flows: 0, loads: 0, vehicles: 0, lanes: 0, routes: 0, stops: 0, traffic: 0, sites: 0 };
  if (S.layers.basemap && S.basemap) {
    const k = S.view.k;
    ctx.save();
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * (W / 2 - S.view.cx * k), dpr * (H / 2 + S.view.cy * k));
    ctx.fillStyle = "#f7f4ec"; ctx.fill(S.basemap.country);
    ctx.lineWidth = 0.6 / k; ctx.strokeStyle = "#b9b2a2"; ctx.stroke(S.basemap.provinces);
    ctx.lineWidth = 1.2 / k; ctx.strokeStyle = "#7d8b99"; ctx.stroke(S.basemap.country);
    ctx.lineWidth = 1 / k; ctx.strokeStyle = "#5b86b0"; ctx.stroke(S.basemap.coast);
    ctx.restore();
    counts.basemap = S.basemap.n;
  }
  const lt = {}, tick = (name) => { const t = performance.now(); lt[name] = t - (lt._t || t0); lt._t = t; };
  tick("basemap");
  if (S.layers.sites && S.sites) counts.sites = drawSites();
  tick("sites");
  if (S.layers.cargo && S.loads) Object.assign(counts, cargoLayer());
  tick("cargo");
  if (S.layers.orders && S.orders) counts.orders = drawOrders();
  tick("orders");
  if (S.layers.vehicles && S.vehicles) counts.vehicles = drawVehicles();
  tick("vehicles");
  if (S.layers.lanes && S.lanes.length) counts.lanes = drawLanes();
  if (S.layers.routes) Object.assign(counts, drawRoutes());
  tick("routes");
  delete lt._t; Y.layerMs = lt;
  drawSelection();
  Y.counts = counts;
  const ms = performance.now() - t0;
  Y.drawMs.push(ms); if (Y.drawMs.length > 200) Y.drawMs.shift();
  $("perf").textContent = `draw ${ms.toFixed(1)} ms · ${fmt(counts.vehicles)} vehicles · ${fmt(counts.loads)} loads`;
  if (Y.firstPaintMs === null && S.vehicles && S.loads && S.basemap) {
    Y.firstPaintMs = performance.now() - T0;
    Y.firstPaintNav = performance.now();
  }
}

function visible(x, y) { return x > -20 && y > -20 && x < canvas.clientWidth + 20 && y < canvas.clientHeight + 20; }

// Vehicles straight into a pixel buffer: 20,000 squares cost a couple of milliseconds.
let pix = null;
function drawVehicles() {
  const v = S.vehicles, n = v.count, dpr = window.devicePixelRatio || 1;
  const W = canvas.width, H = canvas.height;
  if (!pix || pix.w !== W || pix.h !== H) {
    const off = document.createElement("canvas"); off.width = W; off.height = H;
    const octx = off.getContext("2d"), img = octx.createImageData(W, H);
    pix = { w: W, h: H, off, octx, img, buf: new Uint32Array(img.data.buffer) };
  }
  const buf = pix.buf; buf.fill(0);
  const s = Math.max(1, Math.round((S.view.k > 60 ? 4 : S.view.k > 25 ? 3 : 2) * dpr));
  const k = S.view.k * dpr, ox = W / 2 - S.view.cx * k, oy = H / 2 + S.view.cy * k;
  let drawn = 0;
  for (let i = 0; i < n; i++) {
    const x = (v.lon[i] * k + ox) | 0, y = (oy - v.my[i] * k) | 0;
    if (x < 0 || y < 0 || x + s > W || y + s > H) continue;
    const c = v.rgba[i];
    for (let dy = 0; dy < s; dy++) { const row = (y + dy) * W + x; for (let dx = 0; dx < s; dx++) buf[row + dx] = c; }
    drawn++;
  }
  pix.octx.putImageData(pix.img, 0, 0);
  ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(pix.off, 0, 0); ctx.restore();
  return drawn;
}
function rgba(hex) { // CSS #rrggbb -> little-endian ABGR word of ImageData
  const r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

// Open cargo as origin→destination flows, aggregated on a screen-sized grid so that
// 20,000 loads stay a few hundred strokes; single loads once zoomed in.
function cargoFlows() {
  const cell = 2 ** Math.round(Math.log2(36 / S.view.k)); // degrees, changes by octaves
  const key = S.loads.version + ":" + cell;
  if (S.flowKey === key) return S.flows;
  const L = S.loads, agg = new Map(), inv = 1 / cell;
  for (let i = 0; i < L.count; i++) {
    const kk = Math.floor(L.origin_lon[i] * inv) + "," + Math.floor(L.omy[i] * inv) + ">" +
      Math.floor(L.dest_lon[i] * inv) + "," + Math.floor(L.dmy[i] * inv);
    let f = agg.get(kk);
    if (!f) agg.set(kk, (f = { n: 0, ox: 0, oy: 0, dx: 0, dy: 0, i }));
    f.n++; f.ox += L.origin_lon[i]; f.oy += L.omy[i]; f.dx += L.dest_lon[i]; f.dy += L.dmy[i];
  }
  const flows = [...agg.values()].map((f) => ({
    n: f.n, i: f.i, olon: f.ox / f.n, omy: f.oy / f.n, dlon: f.dx / f.n, dmy: f.dy / f.n,
  }));
  flows.sort((a, b) => b.n - a.n);
  S.flows = flows; S.flowKey = key;
  return flows;
}

// The cargo layer is rendered into its own bitmap; while the map is being panned or
// zoomed that bitmap is moved and scaled (a few ms), and re-rendered once input stops.
let cargoCache = null;
function cargoLayer() {
  const W = canvas.width, H = canvas.height, dpr = window.devicePixelRatio || 1;
  const v = S.view, c = cargoCache;
  const same = c && c.w === W && c.h === H && c.version === S.loads.version;
  if (same && c.k === v.k && c.cx === v.cx && c.cy === v.cy) {
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(c.canvas, 0, 0); ctx.restore();
    return c.counts;
  }
  if (same && performance.now() - S.lastInteract < 150) {
    const f = v.k / c.k;
    const x0 = (W / 2) * (1 - f) + (c.cx - v.cx) * v.k * dpr, y0 = (H / 2) * (1 - f) + (v.cy - c.cy) * v.k * dpr;
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(c.canvas, x0, y0, W * f, H * f); ctx.restore();
    clearTimeout(S.settle); S.settle = setTimeout(requestDraw, 160);
    return c.counts;
  }
  const t0 = performance.now();
  const off = c && c.w === W && c.h === H ? c.canvas : Object.assign(document.createElement("canvas"), { width: W, height: H });
  const octx = off.getContext("2d");
  octx.setTransform(1, 0, 0, 1, 0, 0); octx.clearRect(0, 0, W, H); octx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const counts = drawCargo(octx);
  cargoCache = { canvas: off, w: W, h: H, k: v.k, cx: v.cx, cy: v.cy, version: S.loads.version, counts };
  Y.cargoRenderMs = performance.now() - t0;
  ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(off, 0, 0); ctx.restore();
  return counts;
}

function drawCargo(ctx) {
  const flows = cargoFlows(), maxN = flows.length ? flows[0].n : 1;
  const limit = 2000;
  let drawn = 0, loads = 0;
  ctx.lineCap = "round";
  const buckets = [new Path2D(), new Path2D(), new Path2D()];
  const origins = new Path2D();
  for (let j = 0; j < flows.length && drawn < limit; j++) {
    const f = flows[j];
    const x1 = sx(f.olon), y1 = syM(f.omy), x2 = sx(f.dlon), y2 = syM(f.dmy);
    if (!visible(x1, y1) && !visible(x2, y2)) continue;
    const r = maxN > 3 ? f.n / maxN : 0, b = r > 0.5 ? 2 : r > 0.15 ? 1 : 0;
    const mx = (x1 + x2) / 2 - (y2 - y1) * 0.18, my = (y1 + y2) / 2 + (x2 - x1) * 0.18;
    buckets[b].moveTo(x1, y1); buckets[b].quadraticCurveTo(mx, my, x2, y2);
    origins.moveTo(x1 + 2.5, y1); origins.arc(x1, y1, 2.5, 0, 2 * Math.PI);
    drawn++; loads += f.n;
  }
  [["#f0a03033", 1], ["#f0a03077", 1.8], ["#e6550dbb", 3]].forEach(([c, w], b) => {
    ctx.strokeStyle = c; ctx.lineWidth = w; ctx.stroke(buckets[b]);
  });
  ctx.fillStyle = "#e6550d"; ctx.fill(origins);
  return { flows: drawn, loads };
}

function drawSites() {
  let n = 0;
  const c = S.sites;
  for (let i = 0; i < c.site_id.length; i++) {
    const x = sx(c.lon[i]), y = sy(c.lat[i]);
    if (!visible(x, y)) continue;
    const [color, shape] = SITE_STYLE[c.kind[i]] || ["#333", "circle"];
    ctx.fillStyle = color; ctx.strokeStyle = "#fff"; ctx.lineWidth = 1;
    ctx.beginPath();
    const r = 5;
    if (shape === "square") ctx.rect(x - r, y - r, 2 * r, 2 * r);
    else if (shape === "diamond") { ctx.moveTo(x, y - r - 1); ctx.lineTo(x + r + 1, y); ctx.lineTo(x, y + r + 1); ctx.lineTo(x - r - 1, y); ctx.closePath(); }
    else if (shape === "triangle") { ctx.moveTo(x, y - r - 1); ctx.lineTo(x + r + 1, y + r); ctx.lineTo(x - r - 1, y + r); ctx.closePath(); }
    else if (shape === "star") { for (let a = 0; a < 10; a++) { const rr = a % 2 ? r * 0.5 : r * 1.4, t = (a * Math.PI) / 5 - Math.PI / 2; ctx.lineTo(x + rr * Math.cos(t), y + rr * Math.sin(t)); } ctx.closePath(); }
    else ctx.arc(x, y, r - 1, 0, 2 * Math.PI);
    ctx.fill(); ctx.stroke();
    n++;
  }
  return n;
}

function drawLanes() {
  const maxN = Math.max(...S.lanes.map((l) => l.n));
  ctx.strokeStyle = "#6a3d9a"; ctx.fillStyle = "#6a3d9a";
  for (const l of S.lanes) {
    const x1 = sx(l.olon), y1 = sy(l.olat), x2 = sx(l.dlon), y2 = sy(l.dlat);
    ctx.lineWidth = 1 + (4 * l.n) / maxN;
    ctx.beginPath(); ctx.moveTo(x1, y1);
    ctx.quadraticCurveTo((x1 + x2) / 2 + (y2 - y1) * 0.2, (y1 + y2) / 2 - (x2 - x1) * 0.2, x2, y2);
    ctx.stroke();
    ctx.beginPath(); ctx.arc(x2, y2, 3, 0, 2 * Math.PI); ctx.fill();
  }
  return S.lanes.length;
}

function riskOf(view, jobId, eta) {
  const w = (view.warnings || []).find((w) => w.job_id === jobId);
  if (num(eta?.late_s) > 0 || (w && w.kind === "late")) return "late";
  if (w) return "late";
  const job = view._jobs[jobId];
  const win = job?.windows?.length ? job.windows[job.windows.length - 1] : null;
  if (win && eta && num(win.end) - num(eta.service_start) < 1800) return "tight";
  return "ok";
}
const RISK_COLOR = { late: "#d62728", tight: "#f0a030", ok: "#2ca02c" };

function drawRoutes() {
  let routes = 0, stops = 0, traffic = 0;
  for (const view of Object.values(S.views)) {
    for (const sl of view.plan.slowdowns || []) { // traffic areas, as circles
      if (!sl.circle) continue;
      const c = sl.circle, r = (num(c.radius_m) / (111320 * Math.cos((num(c.lat) * Math.PI) / 180))) * S.view.k;
      ctx.fillStyle = "#d6272822"; ctx.strokeStyle = "#d62728"; ctx.setLineDash([4, 3]); ctx.lineWidth = 1;
      ctx.beginPath(); ctx.arc(sx(num(c.lon)), sy(num(c.lat)), Math.max(r, 3), 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
      ctx.setLineDash([]);
      traffic++;
    }
    for (const v of view.plan.vehicles || []) {
      const route = v.route || [];
      const x0 = sx(v.lat !== undefined ? v.lon : v.depot_lon), y0 = sy(v.lat !== undefined ? v.lat : v.depot_lat);
      const sel = S.selected?.kind === "live" && S.selected.id === v.vehicle_id;
      ctx.strokeStyle = sel ? "#16324f" : "#16324f88"; ctx.lineWidth = sel ? 3 : 1.5;
      ctx.beginPath(); ctx.moveTo(x0, y0);
      for (const jid of route) { const j = view._jobs[jid]; if (j) ctx.lineTo(sx(num(j.lon)), sy(num(j.lat))); }
      ctx.stroke();
      for (const jid of route) {
        const j = view._jobs[jid]; if (!j) continue;
        const r = riskOf(view, jid, view._etas[jid]);
        ctx.fillStyle = RISK_COLOR[r];
        ctx.beginPath(); ctx.arc(sx(num(j.lon)), sy(num(j.lat)), r === "ok" ? 3 : 4.5, 0, 2 * Math.PI); ctx.fill();
        stops++;
      }
      ctx.fillStyle = v.status === "broken" ? "#d62728" : "#16324f";
      ctx.beginPath(); ctx.rect(x0 - 4, y0 - 4, 8, 8); ctx.fill();
      routes++;
    }
  }
  return { routes, stops, traffic };
}

function drawSelection() {
  const s = S.selected; if (!s || s.x === undefined) return;
  ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
  ctx.beginPath(); ctx.arc(sx(s.lon), sy(s.lat), 9, 0, 2 * Math.PI); ctx.stroke();
  if (s.dlat !== undefined) {
    ctx.setLineDash([5, 4]); ctx.beginPath(); ctx.moveTo(sx(s.lon), sy(s.lat)); ctx.lineTo(sx(s.dlon), sy(s.dlat)); ctx.stroke(); ctx.setLineDash([]);
  }
}

// ------------------------------------------------------------------ pan, zoom and picking
let drag = null;
canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, moved: false }; canvas.style.cursor = "grabbing"; });
window.addEventListener("mouseup", (e) => {
  canvas.style.cursor = "grab";
  if (drag && !drag.moved && e.target === canvas) pick(e.offsetX, e.offsetY);
  drag = null;
});
window.addEventListener("mousemove", (e) => {
  if (!drag) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
  if (!drag.moved) return;
  S.view.cx -= dx / S.view.k; S.view.cy += dy / S.view.k; S.lastInteract = performance.now();
  drag.x = e.clientX; drag.y = e.clientY;
  requestDraw();
});
canvas.addEventListener("wheel", (e) => {
  e.preventDefault();
  zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015));
}, { passive: false });
function zoomAt(px, py, f) {
  S.lastInteract = performance.now();
  const [lon] = toLonLat(px, py), my = S.view.cy - (py - canvas.clientHeight / 2) / S.view.k;
  S.view.k = Math.min(20000, Math.max(4, S.view.k * f));
  S.view.cx = lon - (px - canvas.clientWidth / 2) / S.view.k;
  S.view.cy = my + (py - canvas.clientHeight / 2) / S.view.k;
  requestDraw();
}
Y.zoomAt = zoomAt;
Y.panBy = (dx, dy) => { S.lastInteract = performance.now(); S.view.cx -= dx / S.view.k; S.view.cy += dy / S.view.k; requestDraw(); };
Y.flyTo = (lat, lon, k) => { S.view.cx = lon; S.view.cy = merc(lat); S.view.k = k; requestDraw(); };
Y.screenOf = (lat, lon) => [sx(lon), sy(lat)];
Y.drawNow = () => { draw(); return Y.drawMs[Y.drawMs.length - 1]; };

function pick(px, py) {
  const oid = pickOrder(px, py); // orders sit on top of the other layers
  if (oid !== null) { location.hash = "order=" + oid; return; }
  let best = null, bd = 64; // 8 px
  const consider = (d2, item) => { if (d2 < bd) { bd = d2; best = item; } };
  if (S.layers.routes) for (const view of Object.values(S.views)) {
    for (const v of view.plan.vehicles || []) {
      const x = sx(v.lon), y = sy(v.lat);
      consider((x - px) ** 2 + (y - py) ** 2, { kind: "live", id: v.vehicle_id, plan: view.plan.plan_id });
      for (const jid of v.route || []) {
        const j = view._jobs[jid]; if (!j) continue;
        consider((sx(j.lon) - px) ** 2 + (sy(j.lat) - py) ** 2 - 1, { kind: "live", id: v.vehicle_id, plan: view.plan.plan_id, job: jid });
      }
    }
  }
  if (S.layers.vehicles && S.vehicles) {
    const v = S.vehicles;
    for (let i = 0; i < v.count; i++) consider((sx(v.lon[i]) - px) ** 2 + (syM(v.my[i]) - py) ** 2, { kind: "vehicle", id: v.vehicle_id[i] });
  }
  if (S.layers.cargo && S.loads) {
    const L = S.loads;
    for (let i = 0; i < L.count; i++) consider((sx(L.origin_lon[i]) - px) ** 2 + (syM(L.omy[i]) - py) ** 2 - 2, { kind: "load", id: L.load_id[i] });
  }
  if (!best) return;
  if (best.kind === "load") location.hash = "load=" + best.id;
  else if (best.kind === "vehicle") location.hash = "vehicle=" + best.id;
  else location.hash = "trip=" + encodeURIComponent(best.plan) + "/" + encodeURIComponent(best.id);
}

// ------------------------------------------------------------------------------- panels
function showTab(name) {
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === name));
  document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("on", p.id === "panel-" + name));
}
document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => {
  showTab(b.dataset.tab);
  if (b.dataset.tab === "charts") renderCharts(); // canvases need a laid-out panel
}));
function panelError(name, e) {
  $("panel-" + name).innerHTML = `<p class="err">${e.status === 404 ? "Not found: " : "Error: "}${esc(e.message)}</p>`;
}

function scoreTable(recs, subject) {
  const rows = recs.map((r) => {
    const c = r.components || {};
    const other = subject === "load" ? r.vehicle_id : r.load_id;
    return `<tr><td>${r.rank}</td><td><a href="#${subject === "load" ? "vehicle" : "load"}=${other}">${other}</a></td>
      <td class="n"><b>${fmt(r.score, 3)}</b></td><td class="n">${fmt(num(c.expertise), 2)}</td><td class="n">${fmt(num(c.backhaul), 2)}</td>
      <td class="n">${km(c.deadhead_m)}</td><td class="n">${fmt(num(c.utilization), 2)}</td><td class="n">${fmt(num(c.rating_vs_prior), 2)}</td>
      <td class="n">${fmt(num(c.price_margin), 2)}</td>
      ${subject === "load" ? `<td><button class="act dispatch" data-vehicle="${r.vehicle_id}">Dispatch</button></td>` : ""}</tr>`;
  });
  return `<table class="recs"><tr><th>#</th><th>${subject === "load" ? "vehicle" : "load"}</th><th>score</th><th title="route expertise on the lane">expert</th>
    <th title="heads home / toward a frequent lane">backhaul</th><th title="empty running to pickup">deadhead</th><th title="capacity used">util</th>
    <th title="driver rating vs prior">rating</th><th title="price vs cost">margin</th>${subject === "load" ? "<th></th>" : ""}</tr>${rows.join("")}</table>`;
}

async function openLoad(id) {
  showTab("load");
  const el = $("panel-load");
  el.innerHTML = `<p class="muted">Load ${esc(id)}…</p>`;
  try {
    const [got, rec] = await Promise.all([
      apiRetry("yunli.v1.Fleet/GetLoads", { ids: [id] }),
      apiRetry("yunli.v1.Matching/RecommendVehicles", { load_id: id, k: 5 }),
    ]);
    const l = got.loads[0];
    S.selected = { kind: "load", id, x: 1, lat: num(l.origin_lat), lon: num(l.origin_lon), dlat: num(l.dest_lat), dlon: num(l.dest_lon) };
    const [x1, y1] = Y.screenOf(S.selected.lat, S.selected.lon), [x2, y2] = Y.screenOf(S.selected.dlat, S.selected.dlon);
    if (!visible(x1, y1) || !visible(x2, y2)) { // fit the lane into view
      const my1 = merc(S.selected.lat), my2 = merc(S.selected.dlat);
      const span = Math.max(Math.abs(S.selected.dlon - S.selected.lon), Math.abs(my2 - my1), 0.2);
      S.view.cx = (S.selected.lon + S.selected.dlon) / 2; S.view.cy = (my1 + my2) / 2;
      S.view.k = Math.min(2000, (0.6 * Math.min(canvas.clientWidth, canvas.clientHeight)) / span);
    }
    requestDraw();
    el.innerHTML = `<h3>Load ${esc(l.load_id)}</h3>
      <p>${esc(l.origin_city)} → ${esc(l.dest_city)} · ${fmt(num(l.weight_kg))} kg · ${fmt(num(l.volume_l))} L ·
      ¥${fmt(num(l.price_fen) / 100)} · pickup ${hhmm(l.pickup_start)}–${hhmm(l.pickup_end)} · accepts ${esc((l.vehicle_types || []).join(", ") || "any")}</p>
      <h4>Recommended vehicles (explained score)</h4>${scoreTable(rec.recommendations || [], "load")}
      <p><button class="act" id="optimal">Optimal dispatch (Matching.Dispatch)</button> <span id="dispatchmsg"></span></p>`;
    el.querySelectorAll("button.dispatch").forEach((b) => b.addEventListener("click", () => dispatchTo(id, b.dataset.vehicle, b)));
    $("optimal").addEventListener("click", async () => {
      const out = await apiRetry("yunli.v1.Matching/Dispatch", { load_ids: [id] });
      const a = (out.assignments || [])[0];
      $("dispatchmsg").innerHTML = a ? `optimal: vehicle <a href="#vehicle=${a.vehicle_id}">${a.vehicle_id}</a> (score ${fmt(a.score, 3)})
        <button class="act dispatch-opt">Dispatch</button>` : "no feasible vehicle";
      if (a) el.querySelector(".dispatch-opt").addEventListener("click", (ev) => dispatchTo(id, a.vehicle_id, ev.target));
    });
  } catch (e) { panelError("load", e); }
}

// Commit a dispatch through the Fleet RPCs: the load is taken (DeleteLoads) and the
// vehicle becomes busy (UpsertVehicles); the map updates from the new state.
async function dispatchTo(loadId, vehicleId, button) {
  button.disabled = true;
  const msg = $("dispatchmsg");
  try {
    const got = await apiRetry("yunli.v1.Fleet/GetVehicles", { ids: [vehicleId] });
    const v = got.vehicles[0];
    v.status = "busy";
    await apiRetry("yunli.v1.Fleet/UpsertVehicles", { vehicles: [v] });
    const del = await apiRetry("yunli.v1.Fleet/DeleteLoads", { ids: [loadId] });
    Y.dispatched.push({ load: Number(loadId), vehicle: Number(vehicleId), revision: Number(del.revision) });
    msg.innerHTML = `<span class="ok">Dispatched load ${esc(loadId)} to vehicle ${esc(vehicleId)} (store revision ${esc(del.revision)}).</span>`;
    await refreshFleet();
  } catch (e) {
    msg.innerHTML = `<span class="err">${esc(e.message)}</span>`;
    button.disabled = false;
  }
}

function topLanes(trips) {
  const agg = new Map();
  for (const t of trips) {
    const a = [num(t.origin_lat), num(t.origin_lon)], b = [num(t.dest_lat), num(t.dest_lon)];
    const key = a.map((x) => x.toFixed(0)).join() + ">" + b.map((x) => x.toFixed(0)).join();
    let l = agg.get(key);
    if (!l) agg.set(key, (l = { n: 0, olat: a[0], olon: a[1], dlat: b[0], dlon: b[1] }));
    l.n++;
  }
  return [...agg.values()].sort((x, y) => y.n - x.n).slice(0, 5);
}

async function openVehicle(id) {
  showTab("vehicle");
  const el = $("panel-vehicle");
  el.innerHTML = `<p class="muted">Vehicle ${esc(id)}…</p>`;
  try {
    const got = await apiRetry("yunli.v1.Fleet/GetVehicles", { ids: [id] });
    const v = got.vehicles[0];
    const [trips, rec] = await Promise.all([
      apiRetry("yunli.v1.Fleet/ListTrips", { vehicle_id: id }),
      v.status === "offline" ? { recommendations: [] } : apiRetry("yunli.v1.Matching/RecommendLoads", { vehicle_id: id, k: 5 }),
    ]);
    S.lanes = topLanes(trips.items);
    S.selected = { kind: "vehicle", id, x: 1, lat: num(v.lat), lon: num(v.lon) };
    requestDraw();
    el.innerHTML = `<h3>Vehicle ${esc(v.vehicle_id)} <span class="muted">${esc(v.vehicle_type)}</span></h3>
      <p>Status <b>${esc(v.status)}</b> · at ${fmt(num(v.lat), 3)}, ${fmt(num(v.lon), 3)} · home ${esc(v.home_city)} ·
      ${fmt(num(v.capacity_kg))} kg / ${fmt(num(v.capacity_l))} L · rating ${fmt(num(v.rating), 1)} (${esc(v.rating_count || 0)}) ·
      available ${hhmm(v.available_from)}</p>
      <h4>Top lanes (${fmt(trips.items.length)} completed trips)</h4>
      <table>${S.lanes.map((l) => `<tr><td>${fmt(l.olat, 1)},${fmt(l.olon, 1)} → ${fmt(l.dlat, 1)},${fmt(l.dlon, 1)}</td><td class="n">${l.n} trips</td></tr>`).join("")}</table>
      <h4>Recommended loads</h4>${scoreTable(rec.recommendations || [], "vehicle")}
      <p class="muted">Fleet vehicles have no live route; live-plan trucks open in the Trip panel.</p>`;
  } catch (e) { panelError("vehicle", e); }
}

function tripInfo(view, vid) {
  const plan = view.plan, v = (plan.vehicles || []).find((x) => x.vehicle_id === vid);
  if (!v) return null;
  const etas = (view.etas || []).filter((e) => e.vehicle_id === vid).sort((a, b) => a.position - b.position);
  let dist = 0, prev = [num(v.lat), num(v.lon)];
  for (const jid of v.route || []) { const j = view._jobs[jid]; if (!j) continue; dist += haversine(prev[0], prev[1], num(j.lat), num(j.lon)); prev = [num(j.lat), num(j.lon)]; }
  dist *= num(plan.circuity) || 1.3;
  const now = num(plan.now), end = etas.length ? num(etas[etas.length - 1].departure) : now;
  const pts = [[num(v.lat), num(v.lon)], ...(v.route || []).map((j) => view._jobs[j]).filter(Boolean).map((j) => [num(j.lat), num(j.lon)])];
  // a slowdown is on the route when a leg (or the truck) passes within its circle
  const nearLeg = (c, p, q) => {
    const kx = 111320 * Math.cos((num(c.lat) * Math.PI) / 180), ky = 110540;
    const ax = (p[1] - num(c.lon)) * kx, ay = (p[0] - num(c.lat)) * ky, bx = (q[1] - num(c.lon)) * kx, by = (q[0] - num(c.lat)) * ky;
    const dx = bx - ax, dy = by - ay, L = dx * dx + dy * dy;
    const t = L ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / L)) : 0;
    return Math.hypot(ax + t * dx, ay + t * dy) <= num(c.radius_m);
  };
  const slow = (plan.slowdowns || []).filter((s) => s.circle &&
    pts.some((p, i) => nearLeg(s.circle, p, pts[Math.min(i + 1, pts.length - 1)])));
  return { v, etas, dist, dur: Math.max(0, end - now), slow, warnings: (view.warnings || []).filter((w) => w.vehicle_id === vid) };
}

async function openTrip(planId, vid, fly = true) {
  showTab("trip");
  const el = $("panel-trip");
  let view = S.views[planId];
  try {
    if (!view) { view = prepView(await apiRetry("yunli.v1.LivePlans/GetPlan", { plan_id: planId })); S.views[planId] = view; }
  } catch (e) { return panelError("trip", e); }
  const t = tripInfo(view, vid);
  if (!t) return panelError("trip", { status: 404, message: `vehicle ${vid} is not in live plan ${planId}` });
  S.selected = { kind: "live", id: vid, plan: planId, x: 1, lat: num(t.v.lat), lon: num(t.v.lon) };
  if (fly) Y.flyTo(num(t.v.lat), num(t.v.lon), Math.max(S.view.k, 800));
  requestDraw();
  const dh = num(t.v.driving_since_break_s), limit = 4.5 * 3600;
  el.innerHTML = `<h3>Trip · ${esc(vid)} <span class="muted">plan ${esc(planId)} v${esc(view.plan.version)}</span></h3>
    <div class="kpis"><div class="kpi">remaining distance<b>${km(t.dist)}</b></div><div class="kpi">remaining duration<b>${fmt(t.dur / 3600, 1)} h</b></div>
    <div class="kpi">driving since break<b class="${dh > limit * 0.85 ? "warn" : ""}">${fmt(dh / 3600, 1)} h / 4.5 h</b></div>
    <div class="kpi">status<b>${esc(t.v.status || "active")}</b></div></div>
    <h4>Traffic on the route</h4>${t.slow.length ? t.slow.map((s) => `<div class="warn">×${fmt(s.factor, 1)} within ${km(s.circle.radius_m)} of ${fmt(s.circle.lat, 3)},${fmt(s.circle.lon, 3)} ${hhmm(s.start)}–${hhmm(s.end)}</div>`).join("") : '<p class="muted">no slowdowns</p>'}
    <h4>Warnings</h4>${t.warnings.length ? t.warnings.map((w) => `<div class="warn">${esc(w.kind)}: ${esc(w.message)}</div>`).join("") : '<p class="ok">none</p>'}
    <h4>Next stops</h4><table class="stops"><tr><th>#</th><th>stop</th><th>kind</th><th>ETA</th><th>window</th><th>late</th></tr>
    ${t.etas.slice(0, 25).map((e) => { const j = view._jobs[e.job_id] || {}; const w = (j.windows || [])[0]; const r = riskOf(view, e.job_id, e);
      return `<tr class="risk-${r}"><td>${e.position ?? 0}</td><td>${esc(e.job_id)}</td><td>${esc(j.kind || "delivery")}</td><td>${hhmm(e.arrival)}</td>
      <td>${w ? hhmm(w.start) + "–" + hhmm(w.end) : "any"}</td><td class="n">${num(e.late_s) ? fmt(num(e.late_s) / 60) + " min" : ""}</td></tr>`; }).join("")}</table>
    <p><button class="act" id="jam">Traffic jam on the route + re-plan</button> <button class="act" id="replan">Re-plan now</button></p>
    <p id="replanmsg">${S.tripMsg?.vid === vid ? S.tripMsg.html : ""}</p>`;
  $("panel-vehicle").innerHTML = `<h3>Live truck ${esc(vid)} <span class="muted">${esc(t.v.profile || "")}, plan ${esc(planId)}</span></h3>
    <p>Status <b>${esc(t.v.status || "active")}</b> · at ${fmt(t.v.lat, 4)}, ${fmt(t.v.lon, 4)} (reported ${hhmm(t.v.position_time)}) ·
    ${(t.v.served || []).length} stops served · ${(t.v.route || []).length} to go · delay ${fmt(num(t.v.delay_s) / 60)} min</p>
    <h4>Current route: next stops</h4><table>${t.etas.slice(0, 5).map((e) => `<tr class="risk-${riskOf(view, e.job_id, e)}"><td>${esc(e.job_id)}</td><td>ETA ${hhmm(e.arrival)}</td></tr>`).join("")}</table>
    <h4>Warnings</h4>${t.warnings.length ? t.warnings.map((w) => `<div class="warn">${esc(w.message)}</div>`).join("") : '<p class="ok">none</p>'}
    <p><a href="#trip=${encodeURIComponent(planId)}/${encodeURIComponent(vid)}">trip details</a></p>`;
  $("jam").addEventListener("click", () => replanWith(planId, vid, true));
  $("replan").addEventListener("click", () => replanWith(planId, vid, false));
}

function tripMsg(vid, html) { // survives the panel being re-rendered by a live update
  S.tripMsg = { vid, html };
  if ($("replanmsg")) $("replanmsg").innerHTML = html;
}

async function replanWith(planId, vid, jam) {
  const view = S.views[planId], t = tripInfo(view, vid);
  const events = [];
  const now = Math.max(num(view.plan.now), ...(view.plan.vehicles || []).map((v) => num(v.position_time)));
  if (jam) {
    const j = view._jobs[(t.v.route || [])[0]] || t.v;
    events.push({ t: now, traffic: { factor: 2.5, start: now, end: now + 3 * 3600, circle: { lat: num(j.lat), lon: num(j.lon), radius_m: 5000 } } });
  }
  tripMsg(vid, "re-planning…");
  try {
    // one key for the click: apiRetry's retries after a lost answer are not applied twice
    const key = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`;
    const out = await apiRetry("yunli.v1.LivePlans/ApplyEvents", { plan_id: planId, events, options: { replan: true, time_limit_s: 0.5, seed: 1 }, idempotency_key: key });
    const d = out.diff || {};
    tripMsg(vid, `<span class="ok">version ${esc(out.view.plan.version)}: ${(d.moved || []).length} stops moved, ` +
      `${(d.changed_vehicles || []).length} vehicles changed, late stops ${num(d.late_stops_change) >= 0 ? "+" : ""}${num(d.late_stops_change)} ` +
      `in ${fmt(num(d.runtime_s) * 1000)} ms</span>`);
  } catch (e) { tripMsg(vid, `<span class="err">${esc(e.message)}</span>`); }
}

// ---------------------------------------------------------------------------- dashboard
let lastDispatch = null;
function renderDashboard() {
  const el = $("panel-dashboard");
  const v = S.vehicles, L = S.loads;
  const byStatus = {};
  if (v) for (let i = 0; i < v.count; i++) byStatus[v.status[i]] = (byStatus[v.status[i]] || 0) + 1;
  const views = Object.values(S.views);
  const late = views.reduce((a, w) => a + num(w.late_stops), 0);
  const stops = views.reduce((a, w) => a + (w.etas || []).length, 0);
  const d = lastDispatch;
  const share = d ? num(d.optimal.assigned) / Math.max(1, num(d.optimal.loads)) : null;
  el.innerHTML = `<h3>Platform outcomes</h3>
    <div class="kpis">
      <div class="kpi">vehicles<b>${fmt(v ? v.count : 0)}</b><span class="muted">${Object.entries(byStatus).map(([k, n]) => `${k} ${fmt(n)}`).join(" · ")}</span></div>
      <div class="kpi">open loads<b>${fmt(L ? L.count : 0)}</b></div>
      <div class="kpi">matched share<b id="kpi-share">${share === null ? "–" : fmt(share * 100, 1) + "%"}</b><span class="muted">optimal dispatch</span></div>
      <div class="kpi">empty km<b id="kpi-empty">${d ? fmt(num(d.optimal.total_deadhead_m) / 1000) : "–"}</b><span class="muted">deadhead to pickups</span></div>
      <div class="kpi">load factor<b id="kpi-util">${d ? fmt(d._util * 100, 1) + "%" : "–"}</b><span class="muted">capacity used, matched pairs</span></div>
      <div class="kpi">late stops<b id="kpi-late">${fmt(late)}</b><span class="muted">of ${fmt(stops)} pending live stops</span></div>
    </div>
    <p><select id="objective">${[["MAX_SCORE", "best pairs (score)"], ["FILL", "most loads (fill)"], ["MIN_DEADHEAD", "least empty km"]]
      .map(([v, l]) => `<option value="DISPATCH_OBJECTIVE_${v}" ${S.objective === "DISPATCH_OBJECTIVE_" + v ? "selected" : ""}>${l}</option>`).join("")}</select>
      <button class="act" id="rundispatch">Run dispatch (optimal vs greedy vs nearest)</button> <span id="dispatchstate" class="muted">${S.dispatchState || ""}</span></p>
    <h4>Live plans</h4><table>${views.map((w) => `<tr><td>${esc(w.plan.plan_id)}</td><td>v${esc(w.plan.version)}</td>
      <td>${(w.plan.vehicles || []).length} trucks</td><td>${(w.etas || []).length} stops</td><td class="${num(w.late_stops) ? "warn" : ""}">${num(w.late_stops)} late</td>
      <td>${(w.warnings || []).length} warnings</td></tr>`).join("") || '<tr><td class="muted">none</td></tr>'}</table>`;
  $("rundispatch").addEventListener("click", runDispatch);
  $("objective").addEventListener("change", (e) => { S.objective = e.target.value; });
}

function dispatchState(html) { S.dispatchState = html; if ($("dispatchstate")) $("dispatchstate").innerHTML = html; }
async function runDispatch() {
  dispatchState("solving…");
  try {
    S.objective = $("objective").value;
    const out = await apiRetry("yunli.v1.Matching/Dispatch", { objective: S.objective });
    const a = out.assignments || [];
    out._util = a.length ? a.reduce((s, x) => s + num(x.components?.utilization), 0) / a.length : 0;
    out.optimal.loads = out.optimal.loads || 0;
    lastDispatch = out;
    renderDashboard();
    renderCharts();
    dispatchState(`${fmt(num(out.candidate_pairs))} candidate pairs, ${fmt(num(out.optimal.runtime_s), 2)} s`);
  } catch (e) { dispatchState(`<span class="err">${esc(e.message)}</span>`); }
}

// ------------------------------------------------------------------------------- charts
function barChart(cv, labels, series, title, unit, colors = ["#2b7bba", "#f0a030", "#999999"]) {
  if (!cv.clientWidth) return;
  const c = cv.getContext("2d"), dpr = window.devicePixelRatio || 1;
  cv.width = cv.clientWidth * dpr; cv.height = cv.clientHeight * dpr; c.scale(dpr, dpr);
  const W = cv.clientWidth, H = cv.clientHeight, max = Math.max(...series, 1e-9);
  c.fillStyle = "#1d2733"; c.font = "12px system-ui"; c.fillText(title, 8, 16);
  const bw = (W - 40) / labels.length;
  labels.forEach((l, i) => {
    const h = ((H - 60) * series[i]) / max, x = 20 + i * bw + bw * 0.15;
    c.fillStyle = colors[i % colors.length]; c.fillRect(x, H - 24 - h, bw * 0.7, h);
    c.fillStyle = "#1d2733"; c.fillText(l, x, H - 8); c.fillText(fmt(series[i]) + unit, x, H - 28 - h);
  });
}
function lineChart(cv, hours, lines, title) {
  if (!cv.clientWidth) return;
  const c = cv.getContext("2d"), dpr = window.devicePixelRatio || 1;
  cv.width = cv.clientWidth * dpr; cv.height = cv.clientHeight * dpr; c.scale(dpr, dpr);
  const W = cv.clientWidth, H = cv.clientHeight;
  const cum = lines.map((l) => { let a = 0; return l.values.map((v) => (a += v)); });
  const max = Math.max(1, ...cum.flat());
  c.fillStyle = "#1d2733"; c.font = "12px system-ui"; c.fillText(title, 8, 16);
  const x = (i) => 36 + ((W - 50) * i) / Math.max(1, hours.length - 1), y = (v) => H - 22 - ((H - 50) * v) / max;
  c.strokeStyle = "#ccc"; c.beginPath(); c.moveTo(36, y(0)); c.lineTo(W - 10, y(0)); c.stroke();
  hours.forEach((h, i) => { if (i % 2 === 0) c.fillText(String(h), x(i) - 6, H - 6); });
  c.fillText(fmt(max) + " min", 2, y(max) + 4);
  lines.forEach((l, k) => {
    c.strokeStyle = l.color; c.lineWidth = 2; c.setLineDash(l.dash || []); c.beginPath();
    cum[k].forEach((v, i) => (i ? c.lineTo(x(i), y(v)) : c.moveTo(x(i), y(v)))); c.stroke(); c.setLineDash([]);
    c.fillStyle = l.color; c.fillText(l.label, W - 230, 34 + 14 * k);
  });
}
let replanData = null;
function renderCharts() {
  const el = $("panel-charts");
  el.innerHTML = `<h3>Dispatch methods</h3>${lastDispatch ? "" : '<p class="muted">Run the dispatch from the dashboard.</p>'}
    <canvas class="chart" id="ch-matched"></canvas><canvas class="chart" id="ch-empty"></canvas>
    <h3>Re-plan vs no re-plan</h3><p><button class="act" id="loadreplan">Simulate a day (bench.live_sim)</button> <span id="replanstate" class="muted"></span></p>
    <canvas class="chart" id="ch-replan"></canvas><canvas class="chart" id="ch-unserved"></canvas>`;
  if (lastDispatch) {
    const d = lastDispatch, names = ["optimal", "greedy", "nearest"];
    barChart($("ch-matched"), names, names.map((n) => num(d[n]?.assigned)), "loads matched", "");
    barChart($("ch-empty"), names, names.map((n) => num(d[n]?.total_deadhead_m) / 1000 / Math.max(1, num(d[n]?.assigned))), "empty km per matched load", " km");
  }
  if (replanData) drawReplan();
  $("loadreplan").addEventListener("click", async () => {
    $("replanstate").textContent = "simulating (about a minute)…";
    try {
      const r = await fetch("/api/console/charts"); const j = await r.json();
      if (!r.ok) throw new Error(j.error?.message || r.statusText);
      replanData = j; drawReplan(); $("replanstate").textContent = "";
    } catch (e) { $("replanstate").innerHTML = `<span class="err">${esc(e.message)}</span>`; }
  });
}
function drawReplan() {
  const p = replanData.policies;
  lineChart($("ch-replan"), replanData.hours, [
    { label: `no re-plan: ${p.none.late_stops} late, ${p.none.unserved} unserved`, color: "#c0392b", values: p.none.late_min_by_hour, dash: [6, 4] },
    { label: `Yunli re-plan: ${p.yunli.late_stops} late, ${p.yunli.unserved} unserved`, color: "#2b7bba", values: p.yunli.late_min_by_hour },
  ], "cumulative lateness (min) by hour of day");
  barChart($("ch-unserved"), ["late (none)", "late (re-plan)", "unserved (none)", "unserved (re-plan)"],
    [p.none.late_stops, p.yunli.late_stops, p.none.unserved, p.yunli.unserved], "late stops and unserved jobs", "",
    ["#c0392b", "#2b7bba", "#c0392b", "#2b7bba"]);
}

// ---------------------------------------------------------------------- data and live
function prepView(view) {
  view._jobs = {}; view._etas = {};
  for (const j of view.plan.jobs || []) { j.lat = num(j.lat); j.lon = num(j.lon); view._jobs[j.job_id] = j; }
  for (const v of view.plan.vehicles || []) { v.lat = num(v.lat); v.lon = num(v.lon); }
  for (const e of view.etas || []) view._etas[e.job_id] = e;
  return view;
}

async function refreshFleet() {
  const [vm, lm] = STREAM_LAYERS ? ["ListVehicles", "ListLoads"] : ["ListVehicleColumns", "ListLoadColumns"];
  const [v, l] = await Promise.all([
    apiRetry("yunli.v1.Fleet/" + vm, {}, LAYER_COLS[vm]),
    apiRetry("yunli.v1.Fleet/" + lm, {}, LAYER_COLS[lm]),
  ]);
  const V = (S.vehicles = { count: v.count, ...v.columns });
  if (V.type_index) {  // dictionary-encoded columns of ListVehicleColumns
    V.vehicle_type = V.type_index.map((i) => V.type_names[i]);
    V.status = V.status_index.map((i) => V.status_names[i]);
  }
  V.my = new Float64Array(V.count); V.rgba = new Uint32Array(V.count);
  for (let i = 0; i < V.count; i++) {
    V.my[i] = merc(V.lat[i]);
    const st = V.status[i];
    V.rgba[i] = rgba(st === "busy" ? "#444444" : st === "offline" ? "#bbbbbb" : TYPE_COLORS[V.vehicle_type[i]] || "#333333");
  }
  const L = (S.loads = { count: l.count, version: (S.loads?.version || 0) + 1, ...l.columns });
  L.omy = new Float64Array(L.count); L.dmy = new Float64Array(L.count);
  for (let i = 0; i < L.count; i++) { L.omy[i] = merc(L.origin_lat[i]); L.dmy[i] = merc(L.dest_lat[i]); }
  S.flowKey = "";
  Y.totals = { vehicles: v.count, loads: l.count };
  requestDraw();
  renderDashboard();
}

async function follow(planId) {
  // Subscribe over SSE (fetch-streamed so the token stays in a header); reconnect on loss.
  for (;;) {
    try {
      const headers = { "Content-Type": "application/json" };
      if (S.token) headers.Authorization = "Bearer " + S.token;
      const resp = await fetch("/api/stream/yunli.v1.LivePlans/Subscribe", { method: "POST", headers, body: JSON.stringify({ plan_id: planId }) });
      if (resp.status === 401) { showLogin((await resp.json()).error.message); await loginDone(); continue; }
      if (resp.status === 404) { Y.errors.push("plan not found: " + planId); setStatus(`live plan ${planId} not found`, "warn"); return; }
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      setStatus("live", "");
      const reader = resp.body.getReader(), dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const chunk = buf.slice(0, i); buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(chunk)?.[1] || "message", data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (ev === "message" && data) onPlanUpdate(JSON.parse(data));
          else if (ev === "error") throw new Error(JSON.parse(data).error.message);
        }
      }
      throw new Error("stream ended");
    } catch (e) {
      setStatus(`live stream lost (${e.message}) — reconnecting`, "bad");
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function onPlanUpdate(msg) {
  const view = prepView(msg.view);
  Y.liveLatencyMs.push(Date.now() - msg._sent_ms);
  S.views[view.plan.plan_id] = view;
  Y.planVersion = Number(view.plan.version);
  Y.updates++;
  requestDraw();
  renderDashboard();
  if (S.selected?.kind === "live" && S.selected.plan === view.plan.plan_id && $("panel-trip").classList.contains("on")) {
    openTrip(view.plan.plan_id, S.selected.id, false);
  }
}

function route() {
  const h = decodeURIComponent(location.hash.slice(1));
  const [k, v] = h.split("=");
  if (!k || v === undefined) return;
  if (k === "load") { if (/^\d+$/.test(v)) openLoad(v); else panelError("load", { status: 404, message: `load id ${v} is not a number` }); }
  else if (k === "vehicle") { if (/^\d+$/.test(v)) openVehicle(v); else panelError("vehicle", { status: 404, message: `vehicle id ${v} is not a number` }); }
  else if (k === "order") { if (/^\d+$/.test(v)) openOrder(v); else panelError("order", { status: 404, message: `order id ${v} is not a number` }); }
  else if (k === "trip") { const [p, vid] = v.split("/"); openTrip(p, vid || ""); }
}
window.addEventListener("hashchange", route);

function legend() {
  $("legend").innerHTML = Object.entries(TYPE_COLORS).map(([k, c]) => `<i style="background:${c}"></i>${k}`).join("") +
    '<i style="background:#444"></i>busy<br><i style="background:#e6550d"></i>cargo O→D' +
    Object.entries(SITE_STYLE).map(([k, [c]]) => `<i style="background:${c}"></i>${k}`).join("") +
    '<br>risk: <i style="background:#2ca02c"></i>on time<i style="background:#f0a030"></i>tight<i style="background:#d62728"></i>late' +
    ordersLegend();
}

document.querySelectorAll("#layers input").forEach((cb) => cb.addEventListener("change", () => { S.layers[cb.dataset.layer] = cb.checked; requestDraw(); }));
window.addEventListener("resize", resize);

async function main() {
  legend();
  resize();
  renderDashboard();
  renderCharts();
  const geo = (f) => fetch("/static/geo/" + f).then((r) => r.json());
  const basemap = Promise.all([geo("china_admin0.geojson"), geo("china_provinces.geojson"), geo("east_asia_coastline.geojson")])
    .then(([a, b, c]) => { buildBasemap(a, b, c); requestDraw(); });
  let info = { plans: [], sites: {} };
  for (;;) {
    try { const r = await fetch("/api/console"); info = await r.json(); break; }
    catch (e) { setStatus("console server unreachable — retrying", "bad"); await new Promise((r) => setTimeout(r, 2000)); }
  }
  if (info.sites && info.sites.site_id) S.sites = info.sites;
  if (info.columns) LAYER_COLS = { ...LAYER_COLS, ...info.columns };
  const params = new URLSearchParams(location.search);
  S.plans = params.getAll("plan").length ? params.getAll("plan") : info.plans;
  await Promise.all([basemap, refreshFleet()]);
  setStatus("connected", "");
  S.plans.forEach((p) => follow(p));
  await startOrders().catch((e) => { Y.errors.push("orders: " + e.message); });
  route();
  Y.ready = true;
  setInterval(() => refreshFleet().catch(() => {}), 60000);
}
// after every script of the page (orders.js adds the orders layer) has run
document.addEventListener("DOMContentLoaded", () => {
  main().catch((e) => { Y.errors.push(String(e)); setStatus("error: " + e.message, "bad"); });
});
