// The flow view: a session's calls as a sequence diagram (SVG), client on the left, each vendor
// a lifeline; every answer says its status and, for an error, the vendor's own name for it.
// Sized for a projector: large type, one row per call, the virtual time in the margin.

const NS = "http://www.w3.org/2000/svg";
const ROW = 92; // px per call: request arrow, answer arrow
const TOP = 70;
const MARGIN = 150; // the time column
const GAP_SECONDS = 60; // a jump of the virtual clock bigger than this is drawn as a divider

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function since(a, b) {
  const seconds = (Date.parse(b) - Date.parse(a)) / 1000;
  if (seconds >= 86400) return `+${(seconds / 86400).toFixed(seconds % 86400 ? 1 : 0)} day`;
  if (seconds >= 3600) return `+${(seconds / 3600).toFixed(seconds % 3600 ? 1 : 0)} h`;
  return `+${Math.round(seconds / 60)} min`;
}

function short(text, max) {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

export function drawFlow(container, entries, titles) {
  container.replaceChildren();
  if (!entries.length) {
    const empty = document.createElement("p");
    empty.className = "hint big";
    empty.textContent = "No calls yet: send one (Try it), or run a guided demo.";
    container.append(empty);
    return;
  }
  const vendors = [...new Set(entries.map((e) => e.vendor))];
  const width = Math.max(900, container.clientWidth || 1100);
  const laneX = (index) => MARGIN + 120 + ((width - MARGIN - 240) * (index + 1)) / vendors.length;
  const clientX = MARGIN + 60;
  let gaps = 0;
  for (let i = 1; i < entries.length; i++) {
    if ((Date.parse(entries[i].time) - Date.parse(entries[i - 1].time)) / 1000 > GAP_SECONDS) gaps++;
  }
  const height = TOP + entries.length * ROW + gaps * 44 + 30;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "sequence", role: "img", "aria-label": "sequence diagram" });
  const defs = el("defs");
  for (const [id, cls] of [["arrow", "req"], ["arrow-ok", "ok"], ["arrow-err", "err"]]) {
    const marker = el("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse" });
    marker.append(el("path", { d: "M0,0 L10,5 L0,10 z", class: `head ${cls}` }));
    defs.append(marker);
  }
  svg.append(defs);
  // Lifelines
  svg.append(el("text", { x: clientX, y: 34, class: "actor", "text-anchor": "middle" }, "client"));
  svg.append(el("line", { x1: clientX, y1: 46, x2: clientX, y2: height - 10, class: "life" }));
  vendors.forEach((vendor, index) => {
    svg.append(el("text", { x: laneX(index), y: 34, class: "actor", "text-anchor": "middle" }, titles[vendor] || vendor));
    svg.append(el("line", { x1: laneX(index), y1: 46, x2: laneX(index), y2: height - 10, class: "life" }));
  });
  let y = TOP;
  entries.forEach((entry, i) => {
    if (i > 0 && (Date.parse(entry.time) - Date.parse(entries[i - 1].time)) / 1000 > GAP_SECONDS) {
      svg.append(el("line", { x1: 10, y1: y + 8, x2: width - 10, y2: y + 8, class: "gap" }));
      svg.append(el("text", { x: width / 2, y: y + 30, class: "gap-text", "text-anchor": "middle" }, `${since(entries[i - 1].time, entry.time)} on the virtual clock`));
      y += 44;
    }
    const x = laneX(vendors.indexOf(entry.vendor));
    const failed = entry.status >= 400;
    const group = el("g", { class: `call ${failed ? "failed" : "passed"}`, "data-seq": entry.seq });
    group.append(el("text", { x: 10, y: y + 26, class: "time" }, entry.time.slice(11, 19)));
    group.append(el("text", { x: 10, y: y + 50, class: "date" }, entry.time.slice(0, 10)));
    group.append(el("line", { x1: clientX, y1: y + 30, x2: x - 4, y2: y + 30, class: "req", "marker-end": "url(#arrow)" }));
    group.append(el("text", { x: (clientX + x) / 2, y: y + 22, class: "label", "text-anchor": "middle" },
      short(`${entry.method} ${entry.path}`, 70)));
    const answer = `${entry.status}${entry.error ? " " + entry.error : ""}`;
    group.append(el("line", { x1: x, y1: y + 68, x2: clientX + 4, y2: y + 68, class: failed ? "err" : "ok", "marker-end": failed ? "url(#arrow-err)" : "url(#arrow-ok)" }));
    group.append(el("text", { x: (clientX + x) / 2, y: y + 60, class: `answer ${failed ? "err" : "ok"}`, "text-anchor": "middle", "data-testid": "flow-answer" },
      short(answer, 60) + (entry.scenario ? `  ⚑ ${entry.scenario}` : "")));
    svg.append(group);
    y += ROW;
  });
  container.append(svg);
}
