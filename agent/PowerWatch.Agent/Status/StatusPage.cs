namespace PowerWatch.Agent.Status;

/// <summary>The self-contained status page: no external assets, polls the status API every two seconds.</summary>
internal static class StatusPage
{
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PowerWatch status</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 1rem 2rem; background: #111; color: #ddd; }
 h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin-top: 1.5rem; }
 .chain { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
 .node { border: 2px solid #555; border-radius: 6px; padding: .4rem .7rem; min-width: 8rem; }
 .ok { border-color: #2e7d32; } .warn { border-color: #f9a825; } .bad { border-color: #c62828; background: #2a1111; }
 .arrow { color: #888; }
 table { border-collapse: collapse; margin-top: .5rem; }
 td, th { border-bottom: 1px solid #333; padding: .15rem .6rem; text-align: left; font-variant-numeric: tabular-nums; }
 .stale { color: #f9a825; } .badq { color: #ef5350; }
 .muted { color: #888; }
 .sev-critical { color: #ef5350; font-weight: bold; } .sev-warning { color: #f9a825; } .sev-info { color: #90caf9; }
</style>
</head>
<body>
<h1>PowerWatch — site <span id="site">…</span> <span class="muted" id="now"></span></h1>
<div id="chain"></div>
<h2>Failover</h2>
<div id="failover" class="muted">…</div>
<h2>Active alerts</h2>
<table id="alerts"></table>
<div id="devices"></div>
<script>
"use strict";
const fmt = v => v === null || v === undefined ? "—" : (typeof v === "number" ? (Math.round(v * 100) / 100).toString() : String(v));
function cls(dev) { return !dev ? "" : (!dev.available ? "bad" : (dev.consecutiveFailures > 0 ? "warn" : "ok")); }
function node(id, devs, extra) {
  const d = devs[id];
  const e = document.createElement("div");
  e.className = "node " + cls(d);
  e.dataset.device = id;
  e.textContent = id + (d ? (d.available ? "" : " (unavailable)") : " (not configured)") + (extra ? " " + extra : "");
  return e;
}
function arrow(t) { const s = document.createElement("span"); s.className = "arrow"; s.textContent = t; return s; }
async function refresh() {
  try {
    const o = await (await fetch("/api/overview")).json();
    const rs = await (await fetch("/api/readings")).json();
    document.getElementById("site").textContent = o.site;
    document.getElementById("now").textContent = new Date(o.now).toISOString();
    const devs = {}; for (const d of o.devices) devs[d.id] = d;
    const values = {}; for (const r of rs) { values[r.device] = {}; for (const x of r.readings) values[r.device][x.metric] = x; }
    const chain = document.getElementById("chain");
    chain.replaceChildren();
    for (const a of o.chain.ats) {
      const row = document.createElement("div"); row.className = "chain";
      row.append(node("utility", {utility: {available: true, consecutiveFailures: 0}}), arrow("→"));
      row.append(node(a.id, devs, fmt(values[a.id]?.["ats.position"]?.value)));
      if (a.generator) row.append(arrow("←"), node(a.generator, devs, fmt(values[a.generator]?.["generator.state"]?.value)));
      for (const u of a.feeds) {
        row.append(arrow("→"), node(u, devs, fmt(values[u]?.["ups.status"]?.value)));
        const link = o.chain.ups.find(x => x.id === u);
        if (link) for (const p of link.pdus) row.append(arrow("→"), node(p, devs));
      }
      chain.append(row);
    }
    await refreshAlerts();
    const host = document.getElementById("devices");
    host.replaceChildren();
    for (const r of rs) {
      const h = document.createElement("h2");
      const d = devs[r.device];
      h.textContent = r.device + " (" + r.kind + ")" + (r.available ? "" : " — UNAVAILABLE" + (d && d.lastError ? ": " + d.lastError : ""));
      h.className = r.available ? "" : "badq";
      const t = document.createElement("table");
      t.dataset.device = r.device;
      const head = t.insertRow(); for (const c of ["metric", "value", "unit", "quality", "time"]) { const th = document.createElement("th"); th.textContent = c; head.append(th); }
      for (const x of r.readings) {
        const row = t.insertRow();
        row.dataset.metric = x.metric;
        row.className = x.quality === "good" ? "" : (x.quality === "stale" ? "stale" : "badq");
        for (const c of [x.metric, fmt(x.value), x.unit, x.quality, new Date(x.timestamp).toISOString().substring(11, 19)]) row.insertCell().textContent = c;
      }
      host.append(h, t);
    }
  } catch (e) {
    document.getElementById("now").textContent = "status API unreachable: " + e;
  }
}
async function refreshAlerts() {
  const a = await fetch("/api/alerts");
  const table = document.getElementById("alerts");
  table.replaceChildren();
  if (a.ok) {
    const alerts = await a.json();
    const head = table.insertRow(); for (const c of ["severity", "alert", "message", "raised", "ack"]) { const th = document.createElement("th"); th.textContent = c; head.append(th); }
    for (const x of alerts.active) {
      const row = table.insertRow();
      row.dataset.alert = x.id;
      row.className = "sev-" + x.severity;
      for (const c of [x.severity, x.id, x.message, new Date(x.raisedAt).toISOString().substring(11, 19), x.acknowledged ? "yes" : "no"]) row.insertCell().textContent = c;
    }
    if (alerts.active.length === 0) table.insertRow().insertCell().textContent = "none";
  }
  const f = await fetch("/api/failover");
  const box = document.getElementById("failover");
  if (f.ok) {
    const fo = await f.json();
    box.replaceChildren();
    for (const u of fo.ups || []) {
      const line = document.createElement("div");
      line.dataset.ups = u.ups;
      const margin = u.marginSeconds === null || u.marginSeconds === undefined ? "no margin: generator cannot carry the load" : "margin " + Math.round(u.marginSeconds) + " s";
      line.textContent = u.ups + ": " + u.phase + ", " + margin + ", runtime used " + fmt(u.runtimeUsedSeconds) + " s (" + u.runtimeUsed + "), generator " + u.generatorState;
      line.className = u.marginSeconds === null || u.marginSeconds === undefined || u.marginSeconds < 30 ? (u.onBattery ? "badq" : "") : (u.marginSeconds < 120 ? "stale" : "");
      box.append(line);
    }
  } else {
    box.textContent = "failover analysis not available";
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
""";
}
