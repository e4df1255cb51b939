// Yunli console: the freight orders layer and order panel (loaded after console.js and
// using its helpers). Everything goes through the yunli.v1.Orders RPCs behind the gateway:
// ListOrders (map), GetOrder (order + bid guidance), ListBids (as the platform sees them:
// sealed before the deadline, with the award rule's ranking after), Subscribe (event
// history, and live as SSE), Award.
"use strict";

const ORDER_COLORS = {
  posted: "#7f7f7f", bidding: "#1f77b4", grabbing: "#ff7f0e", offered: "#bcbd22",
  awarded: "#2ca02c", loading_confirmed: "#17becf", in_transit: "#9467bd", delivered: "#8c564b",
  confirmed: "#8c564b", rated: "#8c564b", settled: "#555555", cancelled: "#bbbbbb",
  expired: "#bbbbbb", exception: "#d62728",
};
Object.assign(Y, { orderEvents: 0, lastOrderEvent: null, awarded: [], orderPanel: null });
S.layers.orders = true;
S.orders = null;
S.orderSeq = 0;
S.actor = "platform:1";

function yuan(fen) { return "¥" + fmt(num(fen) / 100, 0); }
function when(t) { return num(t) ? hhmm(t) : "–"; }
function idemKey() { return "console-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10); }

async function refreshOrders() {
  const out = await apiRetry("yunli.v1.Orders/ListOrders", { limit: 5000 });
  S.orders = (out.items || []).map((o) => ({
    ...o, order_id: String(o.order_id), origin_lat: num(o.origin_lat), origin_lon: num(o.origin_lon),
    dest_lat: num(o.dest_lat), dest_lon: num(o.dest_lon),
  }));
  Y.orderStates = Object.fromEntries(S.orders.map((o) => [o.order_id, o.state]));
  requestDraw();
}

function drawOrders() {
  let n = 0;
  ctx.lineWidth = 2.5;
  for (const o of S.orders) {
    const x1 = sx(o.origin_lon), y1 = sy(o.origin_lat), x2 = sx(o.dest_lon), y2 = sy(o.dest_lat);
    if (!visible(x1, y1) && !visible(x2, y2)) continue;
    const c = ORDER_COLORS[o.state] || "#333";
    ctx.strokeStyle = c; ctx.fillStyle = c;
    ctx.setLineDash(o.state === "bidding" || o.state === "grabbing" ? [7, 4] : []);
    ctx.beginPath(); ctx.moveTo(x1, y1);
    ctx.quadraticCurveTo((x1 + x2) / 2 + (y2 - y1) * 0.12, (y1 + y2) / 2 - (x2 - x1) * 0.12, x2, y2);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath(); ctx.rect(x1 - 5, y1 - 5, 10, 10); ctx.fill();
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5; ctx.stroke(); ctx.lineWidth = 2.5;
    ctx.beginPath(); ctx.arc(x2, y2, 3.5, 0, 2 * Math.PI); ctx.fill();
    n++;
  }
  return n;
}

function pickOrder(px, py) {
  let best = null, bd = 81;
  if (!S.layers.orders || !S.orders) return null;
  for (const o of S.orders) {
    const d2 = (sx(o.origin_lon) - px) ** 2 + (sy(o.origin_lat) - py) ** 2;
    if (d2 < bd) { bd = d2; best = o.order_id; }
  }
  return best;
}

function ordersLegend() {
  return "<br>orders: " + ["bidding", "grabbing", "awarded", "in_transit", "settled"]
    .map((k) => `<i style="background:${ORDER_COLORS[k]}"></i>${k}`).join("");
}

function guidanceHtml(g, o) {
  if (!g || !num(g.mid_fen)) return '<p class="muted">No price guidance for this lane.</p>';
  const reserve = num(o.price_fen);
  return `<h4>Bid guidance (fair price range)</h4>
    <p><b>${yuan(g.low_fen)} – ${yuan(g.high_fen)}</b> (mid ${yuan(g.mid_fen)}) · outlier fences
    ${yuan(g.fence_low_fen)} / ${yuan(g.fence_high_fen)} · basis <i>${esc(g.basis)}</i>, ${fmt(num(g.observations))} observations
    · weekday ×${fmt(num(g.weekday_factor) || 1, 2)}${reserve ? ` · ${o.price_mode === "bidding" ? "reserve" : "price"} ${yuan(reserve)}` : ""}</p>`;
}

function bidsHtml(o, bids, sealed) {
  if (!bids.length) return '<p class="muted">No bids yet.</p>';
  const canAward = o.state === "bidding" && !sealed;
  const rows = bids.slice().sort((a, b) => (num(a.award_rank) || 1e9) - (num(b.award_rank) || 1e9) || num(a.bid_id) - num(b.bid_id))
    .map((b) => {
      const rank = num(b.award_rank);
      const won = num(o.carrier_id) === num(b.carrier_id) && num(o.vehicle_id) === num(b.vehicle_id) && num(o.awarded_price_fen) === num(b.amount_fen);
      return `<tr class="bid${won && o.state !== "bidding" ? " won" : ""}" data-bid="${esc(b.bid_id)}"><td>${rank || (sealed ? "" : "–")}</td><td>${esc(b.bid_id)}</td>
        <td>${esc(b.carrier_id)}</td><td><a href="#vehicle=${esc(b.vehicle_id)}">${esc(b.vehicle_id)}</a></td>
        <td class="n">${sealed ? '<span class="muted">sealed</span>' : yuan(b.amount_fen)}${b.outlier ? ' <span class="warn" title="outside the guidance fences">outlier</span>' : ""}</td>
        <td class="n">${fmt(num(b.match_score), 3)}</td><td class="n">${fmt(num(b.credit), 1)}</td>
        <td class="n">${sealed || !rank ? "–" : "<b>" + fmt(num(b.award_score), 3) + "</b>"}</td>
        <td>${b.withdrawn ? '<span class="muted">withdrawn</span>' : canAward && rank ? `<button class="act award" data-bid="${esc(b.bid_id)}">Award</button>` : won && o.state !== "bidding" ? '<span class="ok">won</span>' : ""}</td></tr>`;
    });
  return `<table class="recs bids"><tr><th title="award rule rank">#</th><th>bid</th><th>carrier</th><th>vehicle</th><th>amount</th>
    <th title="matching score of the vehicle">match</th><th title="carrier credit 0-100">credit</th>
    <th title="0.6·price + 0.25·match + 0.15·credit">award score</th><th></th></tr>${rows.join("")}</table>`;
}

function eventsHtml(events) {
  return `<h4>Event history</h4><table class="recs events"><tr><th>seq</th><th>time</th><th>event</th><th>state</th><th>actor</th><th>reason</th></tr>
    ${events.map((e) => `<tr><td>${esc(e.seq)}</td><td>${when(e.at)}</td><td>${esc(e.kind)}</td>
      <td>${esc(e.from_state || "")} → ${esc(e.to_state || "")}</td><td>${esc(e.actor)}</td><td>${esc(e.reason || "")}</td></tr>`).join("")}</table>`;
}

async function openOrder(id, fly = true) {
  showTab("order");
  const el = $("panel-order");
  if (fly) el.innerHTML = `<p class="muted">Order ${esc(id)}…</p>`;
  try {
    const [got, bids, hist] = await Promise.all([
      apiRetry("yunli.v1.Orders/GetOrder", { order_id: id }),
      apiRetry("yunli.v1.Orders/ListBids", { order_id: id, actor: S.actor }),
      apiRetry("yunli.v1.Orders/Subscribe", { order_id: id, follow: false }),
    ]);
    const o = got.order, list = bids.bids || [], events = hist.items || [];
    // the server decides: sealed bids come back with their amounts hidden (a bid is >= 1 fen)
    const sealed = o.state === "bidding" && list.length > 0 && list.every((b) => !num(b.amount_fen));
    S.selected = { kind: "order", id: String(id), x: 1, lat: num(o.origin_lat), lon: num(o.origin_lon), dlat: num(o.dest_lat), dlon: num(o.dest_lon) };
    if (fly) {
      const my1 = merc(S.selected.lat), my2 = merc(S.selected.dlat);
      const span = Math.max(Math.abs(S.selected.dlon - S.selected.lon), Math.abs(my2 - my1), 0.2);
      S.view.cx = (S.selected.lon + S.selected.dlon) / 2; S.view.cy = (my1 + my2) / 2;
      S.view.k = Math.min(2000, (0.6 * Math.min(canvas.clientWidth, canvas.clientHeight)) / span);
    }
    requestDraw();
    let middle = "";
    if (o.price_mode === "bidding") {
      middle = `<h4>Bids ${sealed ? `(sealed until ${when(o.deadline)}: amounts hidden)` : o.state === "bidding" ? "(open: award one, ranked by the award rule)" : ""}</h4>${bidsHtml(o, list, sealed)}`;
    } else if (o.price_mode === "grabbing") {
      const grabs = events.filter((e) => e.kind === "grabbed");
      middle = `<h4>Grab (first eligible carrier wins)</h4>` + (num(o.carrier_id) > 0 && o.state !== "grabbing"
        ? `<p class="winner ok">Won by carrier <b>${esc(o.carrier_id)}</b> with vehicle <a href="#vehicle=${esc(o.vehicle_id)}">${esc(o.vehicle_id)}</a>
           at ${yuan(o.awarded_price_fen)}, ${when(o.awarded_at)} (${grabs.length} winning grab; later grabs are refused).</p>`
        : `<p class="muted">Open for grabbing at ${yuan(o.price_fen)} until ${when(o.deadline)}; no grab yet.</p>`);
    }
    el.innerHTML = `<h3>Order ${esc(o.order_id)} <span class="badge" style="background:${ORDER_COLORS[o.state] || "#333"}">${esc(o.state)}</span></h3>
      <p>${esc(o.origin_city)} → ${esc(o.dest_city)} · ${esc(o.price_mode)} · ${fmt(num(o.weight_kg))} kg · ${fmt(num(o.volume_l))} L ·
      shipper ${esc(o.shipper_id)} · pickup ${when(o.pickup_start)}–${when(o.pickup_end)} · deadline ${when(o.deadline)}
      · accepts ${esc((o.vehicle_types || []).join(", ") || "any")}</p>
      ${guidanceHtml(got.guidance, o)}${middle}<p id="ordermsg">${Y.orderPanel?.id === String(id) ? Y.orderPanel.msg || "" : ""}</p>${eventsHtml(events)}`;
    el.querySelectorAll("button.award").forEach((b) => b.addEventListener("click", () => awardBid(id, b.dataset.bid, b)));
    Y.orderPanel = { id: String(id), state: o.state, bids: list.length, sealed, events: events.length, msg: Y.orderPanel?.id === String(id) ? Y.orderPanel.msg : "" };
  } catch (e) { panelError("order", e); }
}

async function awardBid(orderId, bidId, button) {
  button.disabled = true;
  const say = (html) => { Y.orderPanel.msg = html; if ($("ordermsg")) $("ordermsg").innerHTML = html; };
  try {
    const out = await api("yunli.v1.Orders/Award", { idempotency_key: idemKey(), order_id: orderId, actor: S.actor, bid_id: bidId });
    Y.awarded.push({ order: Number(orderId), bid: Number(bidId) });
    say(`<span class="ok">Awarded bid ${esc(bidId)} to carrier ${esc(out.order.carrier_id)} (event ${esc(out.seq)}).</span>`);
  } catch (e) {
    say(`<span class="err">${esc(e.message)}</span>`);
    button.disabled = false;
  }
}

let orderRefresh = null;
function onOrderEvent(ev) {
  S.orderSeq = Math.max(S.orderSeq, num(ev.seq));
  Y.orderEvents++; Y.lastOrderEvent = ev;
  if (orderRefresh) return;
  orderRefresh = setTimeout(async () => {
    orderRefresh = null;
    await refreshOrders().catch(() => {});
    const sel = S.selected;
    if (sel?.kind === "order" && $("panel-order").classList.contains("on")) openOrder(sel.id, false);
  }, 150);
}

// Orders.Subscribe relayed as SSE from the last event seen: a grab or award made by any
// client reaches the map and the open panel without a reload.
async function followOrders() {
  for (;;) {
    try {
      const headers = { "Content-Type": "application/json" };
      if (S.token) headers.Authorization = "Bearer " + S.token;
      const resp = await fetch("/api/stream/yunli.v1.Orders/Subscribe", { method: "POST", headers, body: JSON.stringify({ cursor: S.orderSeq, follow: true }) });
      if (resp.status === 401) { showLogin((await resp.json()).error.message); await loginDone(); continue; }
      if (!resp.ok) throw new Error("HTTP " + resp.status);
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
          if (ev === "message" && data) onOrderEvent(JSON.parse(data));
          else if (ev === "error") throw new Error(JSON.parse(data).error.message);
        }
      }
      throw new Error("stream ended");
    } catch (e) {
      setStatus(`order stream lost (${e.message}) — reconnecting`, "bad");
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function startOrders() {
  await refreshOrders();
  followOrders();
}
