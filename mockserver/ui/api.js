// The admin API as the page reaches it: same origin, the admin token when the server wants one.
// The token comes from the URL's fragment (#token=..., printed by the start banner: a fragment
// never reaches a server or its log) or from the token box, and stays in this tab's sessionStorage.

const KEY = "mockserver-admin-token";

export function takeTokenFromUrl() {
  const match = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
}

export function setToken(token) {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
  const token = sessionStorage.getItem(KEY);
  return token ? { ...extra, "X-Mock-Admin-Token": token } : { ...extra };
}

export class AdminError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// One admin call; answers the decoded JSON, throws AdminError with the API's one-line error.
export async function admin(path, { method = "GET", json, text, query } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v != null));
    if ([...params].length) url += "?" + params;
  }
  const init = { method, headers: headers() };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  } else if (text !== undefined) {
    init.body = text;
    init.headers["Content-Type"] = "application/yaml";
  }
  const response = await fetch(url, init);
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new AdminError(response.status, (data && data.error) || `${response.status} ${response.statusText}`);
  }
  return data;
}

// The live journal: Server-Sent Events read with fetch (EventSource cannot send the token header).
// Reconnects after a second when the stream ends; resumes with a backfill that the caller de-duplicates by seq.
export function stream(onEvent, onStatus) {
  let stopped = false;
  async function once() {
    const response = await fetch("/__admin/stream?backfill=500", { headers: headers({ Accept: "text/event-stream" }) });
    if (!response.ok) {
      let message = `${response.status}`;
      try { message = (await response.json()).error || message; } catch { /* not JSON */ }
      throw new AdminError(response.status, message);
    }
    onStatus("live");
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let kind = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) kind = line.slice(7);
          else if (line.startsWith("data: ")) data.push(line.slice(6));
        }
        if (data.length) onEvent(kind, JSON.parse(data.join("\n")));
      }
    }
  }
  (async () => {
    while (!stopped) {
      try {
        await once();
        onStatus("reconnecting");
      } catch (error) {
        onStatus(error instanceof AdminError ? `error: ${error.message}` : "offline", error);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  return () => { stopped = true; };
}
