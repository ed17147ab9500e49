// The watch page's own script: poll /api/state, draw what changed. No library, nothing from the network.
(function () {
  "use strict";
  const L = WATCH.labels;
  const start = WATCH.start ? new Date(WATCH.start) : null;
  let version = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }
  function hours(h) {
    return h === null || h === undefined ? "-" : fill(L.h, { h: h.toFixed(1) });
  }
  function when(h) {  // a time on the round's clock: clock time when the scenario has a start
    if (h === null || h === undefined) return "-";
    if (!start) return hours(h);
    const t = new Date(start.getTime() + h * 3600e3);
    const pad = (x) => String(x).padStart(2, "0");
    return `${pad(t.getHours())}:${pad(t.getMinutes())} (${hours(h)})`;
  }
  function pct(p) {
    return p === null || p === undefined ? "-" : Math.round(100 * p) + "%";
  }
  function table(head, rows, cls) {
    const h = head.map((x, i) => `<th${typeof rows[0]?.[i] === "number" || /^[-+]?[\d.]+( |%|$)/.test(rows[0]?.[i]) ? "" : ' class="t"'}>${esc(x)}</th>`).join("");
    const b = rows.map((r, k) => `<tr${cls && cls[k] ? ` class="${cls[k]}"` : ""}>` +
      r.map((x) => `<td${typeof x === "number" || /^[-+]?[\d.]+( |%|$)/.test(x) ? "" : ' class="t"'}>${x}</td>`).join("") + "</tr>").join("");
    return `<table><thead><tr>${h}</tr></thead><tbody>${b}</tbody></table>`;
  }

  function verdict(s) {
    const box = document.getElementById("verdict");
    const lines = [];
    const n = s.now;
    box.className = "verdict";
    if (n) {
      const ci = n.p_ci95 || [null, null];
      lines.push(`<p class="lead" id="verdict-line">${esc(fill(L.verdict, { deadline: s.deadline_h, p: pct(n.p), lo: pct(ci[0]), hi: pct(ci[1]) }))}</p>`);
      lines.push(`<p id="last-line">${esc(n.mean === null ? L.all_in : fill(L.last, { mean: hours(n.mean), lo: hours(n.lo), hi: hours(n.hi) }))}</p>`);
      lines.push(`<p class="note" id="made-line">${esc(fill(L.made, { at: when(n.at_h), n: n.replications, s: (n.seconds || 0).toFixed(1) }))}</p>`);
      if (n.p < 0.5) box.className = "verdict missed"; else if (n.p < 0.95) box.className = "verdict risk";
    } else {
      lines.push(`<p class="lead">${esc(L.nothing)}</p>`);
    }
    if (s.running) lines.push(`<p class="note" id="running">${esc(fill(L.running, { at: when(s.running.at_h) }))}</p>`);
    box.innerHTML = lines.join("");
    const c = s.counts;
    // The clock only while the round is on (a rehearsal of a past round on the wall clock would say 40,000 h).
    const on = s.clock_h !== null && s.clock_h > -24 && s.clock_h < s.deadline_h + 24;
    document.getElementById("counts").textContent = fill(L.counts, c) + " " + fill(L.clock, { t: on ? when(s.clock_h) : "-" });
  }

  function track(s) {
    const W = 900, H = 300, m = { l: 60, r: 20, t: 14, b: 42 };
    const pts = s.track.filter((t) => t.mean !== null);
    const xs = pts.map((t) => t.at_h), ys = pts.flatMap((t) => [t.lo, t.hi, t.mean]).filter((y) => y !== null);
    let x0 = Math.min(0, ...xs), x1 = Math.max(s.deadline_h, ...xs);
    let y0 = Math.min(s.deadline_h, ...ys), y1 = Math.max(s.deadline_h, ...ys);
    const pad = Math.max(0.5, 0.08 * (y1 - y0));
    y0 = Math.floor(y0 - pad); y1 = Math.ceil(y1 + pad);
    if (x1 <= x0) x1 = x0 + 1;
    const X = (x) => m.l + (x - x0) / (x1 - x0) * (W - m.l - m.r);
    const Y = (y) => H - m.b - (y - y0) / (y1 - y0) * (H - m.t - m.b);
    const out = [`<svg id="track-svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(L.track)}">`];
    const step = (a, b) => { const r = b - a; return r > 16 ? 4 : r > 8 ? 2 : r > 3 ? 1 : 0.5; };
    for (let x = Math.ceil(x0 / step(x0, x1)) * step(x0, x1); x <= x1 + 1e-9; x += step(x0, x1)) {
      out.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="#555"/>`,
        `<text x="${X(x)}" y="${H - m.b + 16}" text-anchor="middle">${x}</text>`);
    }
    for (let y = Math.ceil(y0 / step(y0, y1)) * step(y0, y1); y <= y1 + 1e-9; y += step(y0, y1)) {
      out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(y)}" y2="${Y(y)}" stroke="#eee"/>`,
        `<text x="${m.l - 6}" y="${Y(y) + 4}" text-anchor="end">${y}</text>`);
    }
    out.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#555"/>`,
      `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#555"/>`,
      `<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" text-anchor="middle">${esc(L.x_axis)}</text>`,
      `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(L.y_axis)}</text>`,
      `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(s.deadline_h)}" y2="${Y(s.deadline_h)}" stroke="#c0392b" stroke-dasharray="6 4" stroke-width="1.5"/>`,
      `<text x="${W - m.r - 4}" y="${Y(s.deadline_h) - 5}" text-anchor="end" fill="#c0392b">${esc(L.deadline)} ${s.deadline_h} h</text>`);
    if (s.clock_h !== null && s.clock_h >= x0 && s.clock_h <= x1) {
      out.push(`<line x1="${X(s.clock_h)}" x2="${X(s.clock_h)}" y1="${m.t}" y2="${H - m.b}" stroke="#aab7b8" stroke-dasharray="2 3"/>`);
    }
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="#2874a6" stroke-width="1.5" points="${pts.map((t) => X(t.at_h) + "," + Y(t.mean)).join(" ")}"/>`);
    for (const t of pts) {
      const c = t.p >= 0.95 ? "#1e8449" : t.p >= 0.5 ? "#b9770e" : "#c0392b";
      if (t.lo !== null) out.push(`<line x1="${X(t.at_h)}" x2="${X(t.at_h)}" y1="${Y(t.lo)}" y2="${Y(t.hi)}" stroke="#2874a6" stroke-width="2"/>`);
      out.push(`<circle class="track-point" cx="${X(t.at_h)}" cy="${Y(t.mean)}" r="4" fill="${c}"><title>${esc(when(t.at_h))}: ${esc(hours(t.mean))} (${esc(hours(t.lo))} - ${esc(hours(t.hi))}), ${pct(t.p)}</title></circle>`);
    }
    out.push("</svg>");
    document.getElementById("track").innerHTML = out.join("");
  }

  function sitesMap(s) {
    const sites = s.map.sites, byName = {};
    for (const p of s.points) byName[p.point] = p;
    const W = 900, H = 420, m = 20;
    const xs = sites.map((q) => q[1]), ys = sites.map((q) => q[2]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const k = s.map.lonlat ? Math.cos(((y0 + y1) / 2) * Math.PI / 180) : 1;
    const sc = Math.min((W - 2 * m) / Math.max((x1 - x0) * k, 1e-9), (H - 2 * m) / Math.max(y1 - y0, 1e-9));
    const out = [`<svg id="map-svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(L.map)}">`];
    const X = (x) => (m + (x - x0) * k * sc).toFixed(1), Y = (y) => (H - m - (y - y0) * sc).toFixed(1);
    const roads = (s.map.roads || []).map(([ax, ay, bx, by]) => `M${X(ax)} ${Y(ay)}L${X(bx)} ${Y(by)}`).join("");
    if (roads) out.push(`<path class="roads" d="${roads}" stroke="#b3b6b7" stroke-width="1.2" fill="none"/>`);
    for (const [name, x, y] of sites) {
      const p = byName[name];
      const c = !p ? "#aab7b8" : p.behind ? "#c0392b" : "#1e8449";
      out.push(`<circle class="site ${p && p.behind ? "behind" : "ok"}" cx="${m + (x - x0) * k * sc}" cy="${H - m - (y - y0) * sc}" r="6" fill="${c}" fill-opacity=".8"><title>${esc(name)}${p ? `: ${p.sampled} / ${Math.round(p.plan_sampled)}` : ""}</title></circle>`);
    }
    out.push(`<circle cx="${W - 190}" cy="14" r="6" fill="#c0392b"/><text x="${W - 180}" y="18">${esc(L.behind)}</text>`,
      `<circle cx="${W - 190}" cy="32" r="6" fill="#1e8449"/><text x="${W - 180}" y="36">${esc(L.ahead)}</text></svg>`);
    return out.join("");
  }

  function points(s) {
    const title = document.getElementById("points-title");
    const rows = s.points.slice().sort((a, b) => (b.behind - a.behind) || (a.sampled - a.plan_sampled) - (b.sampled - b.plan_sampled));
    const shown = s.map ? rows.filter((p) => p.behind) : rows.slice(0, 200);
    title.textContent = s.map ? L.map : L.points;
    const body = shown.map((p) => [esc(p.point), p.sampled, Math.round(p.plan_sampled), p.behind ? L.yes : L.no,
      p.sampling_end_h === null ? "-" : p.sampling_end_h.toFixed(2)]);
    const tab = body.length ? table([L.point, L.sampled, L.plan, L.behind, L.sampling_end], body, shown.map((p) => p.behind ? "behind" : ""))
      : `<p>${esc(L.behind)}: ${esc(L.none)}</p>`;
    document.getElementById("points").innerHTML = (s.map && s.points.length ? sitesMap(s) : "") + tab;
  }

  function labs(s) {
    const rows = s.labs.map((b) => [esc(b.lab), b.tubes_received, b.tubes_reported, Math.round(b.plan_tubes_reported),
      b.behind ? L.yes : L.no, b.last_result_h === null ? "-" : b.last_result_h.toFixed(2)]);
    document.getElementById("labs").innerHTML = rows.length
      ? table([L.lab, L.received, L.reported, L.plan_reported, L.behind, L.lab_last], rows, s.labs.map((b) => b.behind ? "behind" : ""))
      : `<p>${esc(L.none)}</p>`;
  }

  function options(s) {
    if (!s.adds.length) { document.getElementById("options").innerHTML = `<p class="note">${esc(L.no_options)}</p>`; return; }
    const rows = s.options.map((o) => {
      const c = o.last_result_change_h;
      return [esc(o.add), pct(o.deadline_met_probability), o.last_result_h.mean === null ? "-" : o.last_result_h.mean.toFixed(2),
        c ? `${c.mean >= 0 ? "+" : ""}${c.mean.toFixed(2)} (${c.ci95[0].toFixed(2)} to ${c.ci95[1].toFixed(2)})` : "-"];
    });
    document.getElementById("options").innerHTML = table([L.option, L.probability, L.lab_last, L.change], rows);
  }

  function refused(s) {
    const rows = s.refused.map((r) => [esc(r.received.replace("T", " ").slice(0, 19)), esc(r.source),
      `<pre>${esc(r.problems.join("\n"))}</pre>`]);
    document.getElementById("refused").innerHTML = rows.length ? table([L.received_at, L.from, L.problems], rows) : `<p>${esc(L.none)}</p>`;
  }

  async function poll() {
    try {
      const r = await fetch("/api/state" + (WATCH.token ? "?token=" + encodeURIComponent(WATCH.token) : ""), { cache: "no-store" });
      if (r.ok) {
        const s = await r.json();
        verdict(s);
        if (s.version !== version) {
          version = s.version;
          track(s); points(s); labs(s); options(s); refused(s);
          document.body.dataset.version = version;
          document.body.dataset.forecasts = s.counts.forecasts;
        }
      }
    } catch (e) { /* the watch is restarting: try again */ }
    setTimeout(poll, 2000);
  }
  poll();
})();
