// The page's HTTP: JSON calls, streamed bodies (NDJSON previews, SSE events). The page holds no
// token: its httpOnly session cookie goes with every request (same origin only), and every
// change carries the session's CSRF token (docs/security.md).
export const auth = { csrf: '' };

// fetch() options for a request of ours: the cookie, and the CSRF token on changes.
export function withSession(method = 'GET', extra = {}) {
  const headers = { ...(extra.headers || {}) };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = auth.csrf;
  return { ...extra, method, credentials: 'same-origin', headers };
}

export async function call(method, path, body) {
  const res = await fetch(path, withSession(method, {
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }));
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = new Error(json?.error?.message || `HTTP ${res.status}`);
    e.status = res.status;
    e.field = json?.error?.field;
    throw e;
  }
  return json;
}

// Reads a streamed body line by line (NDJSON previews) or event by event (SSE).
export async function readStream(res, separator, onChunk) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf(separator)) >= 0) {
      const chunk = buf.slice(0, i);
      buf = buf.slice(i + separator.length);
      if (chunk.trim()) onChunk(chunk);
    }
  }
}

// Server-Sent Events through fetch (the session cookie goes with it; no token in any URL).
export function subscribe(path, onEvent) {
  const ctrl = new AbortController();
  (async () => {
    for (let attempt = 0; !ctrl.signal.aborted && attempt < 50; attempt++) {
      try {
        const res = await fetch(path, withSession('GET', { signal: ctrl.signal }));
        if (!res.ok) return;
        let ended = false;
        await readStream(res, '\n\n', (chunk) => {
          let type = 'message', data = '';
          for (const line of chunk.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (!data) return;
          const payload = JSON.parse(data);
          if (type === 'state' && ['succeeded', 'failed', 'cancelled'].includes(payload.state)) ended = true;
          onEvent(type, payload);
        });
        if (ended) return;
      } catch (e) {
        if (ctrl.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return ctrl;
}

