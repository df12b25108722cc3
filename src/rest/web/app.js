// tapdemon's web page: draws /api/topology, polls port counters and taps, streams
// /api/events/stream, and creates/removes taps through /api/taps. No framework, no build.
"use strict";

const $ = (sel) => document.querySelector(sel);
const SVG = "http://www.w3.org/2000/svg";
const POLL_MS = 2000;
const EVENT_TYPES = ["switch_up", "switch_down", "port_status", "switch_error", "flow_removed",
  "trigger", "tap", "topology", "reload", "lagged"];

const state = {
  topo: { switches: [], links: [], hosts: [], discovery: false },
  taps: [], tapsAt: 0, tapsError: null,
  prevCounters: new Map(), // "dpid:port" -> {rx, tx, t}
  rates: new Map(),        // "dpid:port" -> {rx, tx bits/s; rxp, txp packets/s; drops, errors per s}
};

// ---- helpers --------------------------------------------------------------------------

function swName(sw) { return sw.name || sw.dpid; }
function switchByDpid(dpid) {
  const hex = typeof dpid === "number" ? dpid.toString(16).padStart(16, "0") : dpid;
  return state.topo.switches.find((s) => s.dpid === hex);
}
function portRef(sw, port) { return `${swName(sw)}:${port}`; }

function el(tag, attrs = {}, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmtRate(bps) {
  if (bps === undefined) return "–";
  const units = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s"];
  let i = 0;
  while (bps >= 1000 && i < units.length - 1) { bps /= 1000; i++; }
  return `${bps.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function fmtPps(pps) {
  if (pps === undefined) return "–";
  return pps >= 1000 ? `${(pps / 1000).toFixed(1)}k pkt/s` : `${pps.toFixed(pps < 10 ? 1 : 0)} pkt/s`;
}

function fmtSecs(s) {
  if (s === null || s === undefined) return "until removed";
  s = Math.max(0, Math.round(s));
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

async function api(method, path, body) {
  const headers = {};
  const token = localStorage.getItem("tapdemon.token");
  if (token && method !== "GET") headers["Authorization"] = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = { error: text }; }
  if (!resp.ok) {
    const err = new Error((data && data.error) || resp.statusText);
    err.field = data && data.field;
    err.status = resp.status;
    throw err;
  }
  return data;
}

// ---- topology ----------------------------------------------------------------------------

function linkedPorts() {
  const set = new Set();
  for (const l of state.topo.links) {
    set.add(`${l.src.dpid}:${l.src.port}`);
    set.add(`${l.dst.dpid}:${l.dst.port}`);
  }
  return set;
}

function tappedPorts() {
  const set = new Set();
  for (const t of state.taps) if (t.active) set.add(t.source);
  return set;
}

// Switches with the most neighbour switches go on the top row (aggregation), the rest below.
function layout(width) {
  const neigh = new Map();
  for (const l of state.topo.links) {
    const a = switchByDpid(l.src.dpid), b = switchByDpid(l.dst.dpid);
    if (!a || !b) continue;
    if (!neigh.has(a.dpid)) neigh.set(a.dpid, new Set());
    neigh.get(a.dpid).add(b.dpid);
  }
  const degree = (s) => (neigh.get(s.dpid) || new Set()).size;
  const sws = [...state.topo.switches].sort((a, b) => swName(a).localeCompare(swName(b), undefined, { numeric: true }));
  const max = Math.max(0, ...sws.map(degree));
  const rows = max > 1 ? [sws.filter((s) => degree(s) === max), sws.filter((s) => degree(s) !== max)] : [sws, []];
  const pos = new Map();
  rows.forEach((row, r) => {
    row.forEach((s, i) => {
      const w = Math.max(90, s.ports.length * 24 + 24);
      const x = ((i + 0.5) * width) / row.length - w / 2;
      pos.set(s.dpid, { x, y: r === 0 ? 80 : 240, w, h: 44, row: r, twoRows: rows[1].length > 0 });
    });
  });
  return pos;
}

function drawTopology() {
  const svg = $("#topology");
  const width = svg.clientWidth || 1000;
  svg.setAttribute("viewBox", `0 0 ${width} 360`);
  svg.replaceChildren();
  const pos = layout(width);
  const linked = linkedPorts();
  const tapped = tappedPorts();
  const portXY = new Map();

  const linkLayer = el("svg:g");
  svg.append(linkLayer);
  for (const s of state.topo.switches) {
    const p = pos.get(s.dpid);
    const g = el("svg:g", { class: "switch", "data-switch": swName(s) });
    g.append(el("svg:rect", { x: p.x, y: p.y, width: p.w, height: p.h, rx: 6 }));
    g.append(el("svg:text", { x: p.x + 8, y: p.y + 27 }, swName(s)));
    svg.append(g);
    // Inter-switch ports face the other row; the rest face outwards (towards hosts).
    const inner = s.ports.filter((pt) => linked.has(`${parseInt(s.dpid, 16)}:${pt.port_no}`));
    const outer = s.ports.filter((pt) => !inner.includes(pt));
    const place = (list, yEdge) => list.forEach((pt, i) => {
      const x = p.x + ((i + 1) * p.w) / (list.length + 1);
      portXY.set(`${parseInt(s.dpid, 16)}:${pt.port_no}`, { x, y: yEdge, sw: s, pt });
    });
    const top = p.y, bottom = p.y + p.h;
    if (p.twoRows) {
      place(inner, p.row === 0 ? bottom : top);
      place(outer, p.row === 0 ? top : bottom);
    } else {
      place(s.ports, bottom);
    }
  }
  // One line per cable: draw the src<dst direction only.
  for (const l of state.topo.links) {
    const a = portXY.get(`${l.src.dpid}:${l.src.port}`), b = portXY.get(`${l.dst.dpid}:${l.dst.port}`);
    if (!a || !b || `${l.src.dpid}:${l.src.port}` > `${l.dst.dpid}:${l.dst.port}`) continue;
    linkLayer.append(el("svg:line", {
      class: "link", x1: a.x, y1: a.y, x2: b.x, y2: b.y,
      "data-link": `${portRef(a.sw, l.src.port)}-${portRef(b.sw, l.dst.port)}`,
    }));
  }
  for (const h of state.topo.hosts) {
    const at = portXY.get(`${h.location.dpid}:${h.location.port}`);
    if (!at) continue;
    const p = pos.get(at.sw.dpid);
    const below = at.y >= p.y + p.h;
    const hy = below ? at.y + 46 : at.y - 46;
    const g = el("svg:g", { class: "host" });
    g.append(el("svg:line", { class: "link", x1: at.x, y1: at.y, x2: at.x, y2: hy }));
    g.append(el("svg:circle", { cx: at.x, cy: hy, r: 7 }));
    g.append(el("svg:text", { x: at.x + 9, y: hy + 3 }, (h.ips && h.ips[0]) || h.mac));
    svg.append(g);
  }
  for (const [, { x, y, sw, pt }] of portXY) {
    const ref = portRef(sw, pt.port_no);
    const c = el("svg:circle", {
      class: `port ${pt.up ? "up" : "down"}${tapped.has(ref) ? " tapped" : ""}`,
      cx: x, cy: y, r: 6, "data-port": ref, id: `port-${swName(sw)}-${pt.port_no}`,
      tabindex: 0, role: "button",
    });
    const rate = state.rates.get(`${sw.dpid}:${pt.port_no}`);
    c.append(el("svg:title", {}, `${ref} ${pt.name} ${pt.up ? "up" : "down"}` +
      (rate ? ` rx ${fmtRate(rate.rx)} tx ${fmtRate(rate.tx)}` : "") +
      (rate && rate.rxp !== undefined ? ` (${fmtPps(rate.rxp)} in, ${fmtPps(rate.txp)} out)` : "")));
    c.addEventListener("click", () => openTapForm(ref));
    c.addEventListener("keydown", (e) => { if (e.key === "Enter") openTapForm(ref); });
    svg.append(c);
    const labelY = y > (pos.get(sw.dpid).y + 22) ? y + 17 : y - 10;
    svg.append(el("svg:text", { class: "portlabel", x: x - 3, y: labelY }, String(pt.port_no)));
  }
  $("#topology-note").textContent = state.topo.discovery
    ? `${state.topo.switches.length} switches, ${state.topo.links.length / 2} links, ${state.topo.hosts.length} hosts`
    : `${state.topo.switches.length} switches (link discovery is not running: links and hosts unknown)`;
}

// ---- ports table ---------------------------------------------------------------------------

// The controller polls port-stats and sends rates (`p.rates`, per second between its last
// two reads); before it has two reads, rates come from the counters this page saw.
function updateRates() {
  const now = Date.now();
  for (const s of state.topo.switches) {
    for (const p of s.ports) {
      const key = `${s.dpid}:${p.port_no}`;
      if (p.rates) {
        const r = p.rates;
        state.rates.set(key, {
          rx: r.rx_bytes_per_sec * 8, tx: r.tx_bytes_per_sec * 8,
          rxp: r.rx_packets_per_sec, txp: r.tx_packets_per_sec,
          drops: r.rx_dropped_per_sec + r.tx_dropped_per_sec, errors: r.rx_errors_per_sec + r.tx_errors_per_sec,
        });
        continue;
      }
      if (!p.counters) continue;
      const t = p.counters.read_at_ms || now;
      const prev = state.prevCounters.get(key);
      if (prev && t > prev.t) {
        const dt = (t - prev.t) / 1000;
        state.rates.set(key, { rx: ((p.counters.rx_bytes - prev.rx) * 8) / dt, tx: ((p.counters.tx_bytes - prev.tx) * 8) / dt });
      }
      state.prevCounters.set(key, { rx: p.counters.rx_bytes, tx: p.counters.tx_bytes, t });
    }
  }
}

function drawPorts() {
  const body = $("#ports tbody");
  body.replaceChildren();
  for (const s of state.topo.switches) {
    for (const p of s.ports) {
      const rate = state.rates.get(`${s.dpid}:${p.port_no}`);
      const tr = el("tr", { "data-port": portRef(s, p.port_no) });
      if (p.rates) {
        tr.setAttribute("data-rx-bytes-per-sec", String(p.rates.rx_bytes_per_sec));
        tr.setAttribute("data-tx-bytes-per-sec", String(p.rates.tx_bytes_per_sec));
      }
      const c = p.counters;
      const known = (v) => v !== undefined && v !== null && v < 2 ** 53; // all ones: not kept
      const dropsErrs = c ? `${known(c.rx_dropped) ? c.rx_dropped + (known(c.tx_dropped) ? c.tx_dropped : 0) : "–"} / ` +
        `${known(c.rx_errors) ? c.rx_errors + (known(c.tx_errors) ? c.tx_errors : 0) : "–"}` : "n/a";
      tr.append(el("td", {}, swName(s)), el("td", { class: "num" }, String(p.port_no)), el("td", {}, p.name),
        el("td", {}, p.up ? "up" : (p.admin_down ? "admin down" : "link down")),
        el("td", { class: "num rx" }, c ? fmtRate(rate && rate.rx) : "n/a"),
        el("td", { class: "num tx" }, c ? fmtRate(rate && rate.tx) : "n/a"),
        el("td", { class: "num" }, rate && rate.rxp !== undefined ? `${fmtPps(rate.rxp)} / ${fmtPps(rate.txp)}` : "–"),
        el("td", { class: "num" }, c ? `${c.rx_packets} / ${c.tx_packets}` : "n/a"),
        el("td", { class: "num" }, dropsErrs));
      const td = el("td");
      const b = el("button", { type: "button" }, "Tap…");
      b.addEventListener("click", () => openTapForm(portRef(s, p.port_no)));
      td.append(b);
      tr.append(td);
      body.append(tr);
    }
  }
}

// ---- taps -----------------------------------------------------------------------------------

function drawTaps() {
  const body = $("#taps tbody");
  body.replaceChildren();
  $("#taps-note").textContent = state.tapsError || (state.taps.length ? "" : "no taps");
  const elapsed = (Date.now() - state.tapsAt) / 1000;
  for (const t of state.taps) {
    const tr = el("tr", { "data-tap": t.name });
    const remaining = t.remaining_secs === null || t.remaining_secs === undefined ? null : t.remaining_secs - elapsed;
    tr.append(el("td", {}, t.name), el("td", {}, t.source), el("td", {}, t.direction), el("td", {}, t.match || "all"),
      el("td", {}, t.monitor), el("td", {}, t.origin), el("td", { class: "num remaining" }, t.active ? fmtSecs(remaining) : "inactive"));
    const td = el("td");
    const b = el("button", { type: "button", class: "remove" }, "Remove");
    b.addEventListener("click", async () => {
      try { await api("DELETE", `/api/taps/${encodeURIComponent(t.id)}`); await refreshTaps(); }
      catch (e) { alert(`Cannot remove ${t.name}: ${e.message}`); }
    });
    td.append(b);
    tr.append(td);
    body.append(tr);
  }
}

function openTapForm(source) {
  $("#tap-source").value = source;
  $("#tap-source-label").textContent = source;
  $("#tap-error").textContent = "";
  const sel = $("#tap-monitor");
  sel.replaceChildren();
  for (const s of state.topo.switches) {
    for (const p of s.ports) {
      const ref = portRef(s, p.port_no);
      if (ref !== source) sel.append(el("option", { value: ref }, `${ref} (${p.name})`));
    }
  }
  $("#tap-dialog").showModal();
}

async function submitTap(ev) {
  ev.preventDefault();
  const body = { source: $("#tap-source").value, monitor: $("#tap-monitor").value, direction: $("#tap-direction").value };
  const match = $("#tap-match").value.trim();
  if (match) body.match = match;
  const d = parseInt($("#tap-duration").value, 10);
  if (d > 0) body.duration_secs = d;
  const name = $("#tap-name").value.trim();
  if (name) body.name = name;
  try {
    await api("POST", "/api/taps", body);
    $("#tap-dialog").close();
    await refreshTaps();
    drawTopology();
  } catch (e) {
    $("#tap-error").textContent = e.field ? `${e.field}: ${e.message}` : e.message;
  }
}

// ---- events ---------------------------------------------------------------------------------

function describe(ev) {
  switch (ev.type) {
    case "switch_up": return `${ev.name || ev.dpid} connected (OpenFlow ${ev.version}, ${ev.ports} ports)`;
    case "switch_down": return `${ev.name || ev.dpid} disconnected: ${ev.reason}`;
    case "port_status": return `${ev.dpid} port ${ev.port_no} (${ev.port_name}) ${ev.reason}, ${ev.up ? "up" : "down"}`;
    case "switch_error": return `${ev.dpid}: ${ev.error}${ev.caused_by ? ` (after ${ev.caused_by})` : ""}`;
    case "flow_removed": return `${ev.dpid}: flow ${ev.cookie} removed (${ev.reason})`;
    case "trigger": {
      const t = ev.event || {};
      return `threshold ${t.thresholdID} on ${t.metric}: ${t.flowKey || ""} at ${Math.round(t.value)} (> ${t.threshold})`;
    }
    case "tap": return `tap ${ev.tap && ev.tap.name} ${ev.action}`;
    case "topology": {
      const t = ev.event || {};
      const at = (p) => {
        if (!p) return "?";
        const sw = switchByDpid(p.dpid);
        return `${sw ? swName(sw) : p.dpid}:${p.port}`;
      };
      switch (t.event) {
        case "link_up": return `link ${at(t.link && t.link.src)} → ${at(t.link && t.link.dst)} up`;
        case "link_down": return `link ${at(t.link && t.link.src)} → ${at(t.link && t.link.dst)} down`;
        case "host_learned": return `host ${t.mac} at ${at(t.location)}`;
        case "host_moved": return `host ${t.mac} moved ${at(t.from)} → ${at(t.to)}`;
        case "host_removed": return `host ${t.mac} gone from ${at(t.location)}`;
        default: return t.event || "change";
      }
    }
    case "reload": return ev.ok ? `config reloaded: ${ev.message}` : `config reload refused: ${ev.message}`;
    default: return JSON.stringify(ev);
  }
}

function addEvent(ev, atTop = true) {
  const list = $("#events");
  const li = el("li", { "data-type": ev.type });
  li.append(el("span", { class: "muted" }, `${new Date(ev.time_ms).toLocaleTimeString()} `),
    el("span", { class: "type" }, ev.type), document.createTextNode(` ${describe(ev)}`));
  if (atTop) list.prepend(li); else list.append(li);
  while (list.children.length > 50) list.lastChild.remove();
}

function streamEvents() {
  const es = new EventSource("/api/events/stream");
  for (const type of EVENT_TYPES) {
    es.addEventListener(type, (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (_) { return; }
      addEvent(ev);
      if (["switch_up", "switch_down", "port_status", "tap", "topology", "reload"].includes(type)) refresh();
    });
  }
  es.onerror = () => { $("#status").textContent = "event stream reconnecting…"; };
}

// ---- polling --------------------------------------------------------------------------------

async function refreshTaps() {
  try {
    state.taps = await api("GET", "/api/taps");
    state.tapsError = null;
  } catch (e) {
    state.taps = [];
    state.tapsError = e.message;
  }
  state.tapsAt = Date.now();
  drawTaps();
}

let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    state.topo = await api("GET", "/api/topology");
    updateRates();
    await refreshTaps();
    drawTopology();
    drawPorts();
    $("#status").textContent = `${state.topo.switches.length} switches connected · updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    $("#status").textContent = `cannot reach the controller: ${e.message}`;
  } finally {
    refreshing = false;
  }
}

async function start() {
  const token = $("#token");
  token.value = localStorage.getItem("tapdemon.token") || "";
  token.addEventListener("change", () => localStorage.setItem("tapdemon.token", token.value));
  $("#tap-form").addEventListener("submit", submitTap);
  $("#tap-cancel").addEventListener("click", () => $("#tap-dialog").close());
  try {
    const recent = await api("GET", "/api/events?limit=30");
    for (const ev of recent) addEvent(ev, false);
  } catch (_) { /* the stream still works */ }
  streamEvents();
  await refresh();
  setInterval(refresh, POLL_MS);
  setInterval(drawTaps, 1000); // remaining time counts down between polls
  window.addEventListener("resize", drawTopology);
}

start();
