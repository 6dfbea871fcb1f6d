// Small DOM helpers: every text goes in as text (never HTML), so a journal body cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector) => document.querySelector(selector);

export function pretty(value) {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2);
}

// Copy to the clipboard; 127.0.0.1 is a secure context, else the old selection trick.
export async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h("textarea", {}, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  if (button) {
    const was = button.textContent;
    button.textContent = "copied";
    setTimeout(() => { button.textContent = was; }, 900);
  }
}

function quote(text) {
  return "'" + String(text).replaceAll("'", "'\\''") + "'";
}

export function curl(method, url, headers = {}, body) {
  const parts = ["curl", "-s"];
  if (method !== "GET") parts.push("-X", method);
  parts.push(quote(url));
  for (const [name, value] of Object.entries(headers)) parts.push("-H", quote(`${name}: ${value}`));
  if (body !== undefined && body !== null && body !== "") parts.push("-d", quote(typeof body === "string" ? body : JSON.stringify(body)));
  return parts.join(" ");
}

// "14:03:27" of an ISO instant (the virtual clock's), with the date when it is not today's.
export function clockTime(iso, withDate = false) {
  if (!iso) return "";
  const [date, rest] = iso.split("T");
  const time = (rest || "").slice(0, 8);
  return withDate ? `${date} ${time}` : time;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "never expires";
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  if (d) return `${d} d ${hh} h`;
  if (hh) return `${hh} h ${mm} min`;
  if (mm) return `${mm} min ${ss} s`;
  return `${ss} s`;
}

export function statusClass(status) {
  return status >= 500 ? "s5" : status >= 400 ? "s4" : status >= 300 ? "s3" : "s2";
}
