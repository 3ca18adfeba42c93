// Preview round trip against a running `framelock serve`: request -> first (coarse) level and
// -> final level, p50/p95, sequential requests that each change a parameter (so no level comes
// from the cache) and, in a second series, the frame (so the source must be decoded).
// Usage: node bench/preview_latency.mjs URL TOKEN MEDIA_ID [COUNT]
const [url, token, media, countArg] = process.argv.slice(2);
const count = Number(countArg || 30);

async function once(frame, stops) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/previews`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      session: 'bench',
      graph: { sources: { clip: { media } }, nodes: { g: { op: 'exposure', inputs: ['clip'], params: { stops } } } },
      node: 'g', frame, scales: [0.125, 0.5, 1],
    }),
  });
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '', first = 0, last = 0, levels = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (line.error) throw new Error(line.error.message);
      levels++;
      if (levels === 1) first = performance.now() - t0;
      if (line.final) last = performance.now() - t0;
    }
  }
  return { first, last };
}

const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
for (const [name, vary] of [['parameter change', (i) => [10, 0.01 * (i + 1)]], ['frame change', (i) => [i % 20, 0.5]]]) {
  await once(...vary(-1));  // warm the source
  const firsts = [], lasts = [];
  for (let i = 0; i < count; i++) {
    const r = await once(...vary(i));
    firsts.push(r.first);
    lasts.push(r.last);
  }
  console.log(`${name}: first coarse level p50 ${pct(firsts, 0.5).toFixed(1)} ms, p95 ${pct(firsts, 0.95).toFixed(1)} ms; ` +
    `final level p50 ${pct(lasts, 0.5).toFixed(1)} ms, p95 ${pct(lasts, 0.95).toFixed(1)} ms (n=${count})`);
}
