// The live-session page end to end, in real headless Chromium (Debian's, driven by
// playwright-core): open the page, add an operator, drag a slider and see the preview change,
// compare before/after, watch from a second browser on the same session, start a job and cancel
// it. Screenshots go to $E2E_ARTIFACTS. Usage: node live_session.mjs FRAMELOCK_BIN
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifacts, check, footage as data, freePort, launchChromium, startServer, finish } from './harness.mjs';

const bin = process.argv[2];

const dir = mkdtempSync(join(tmpdir(), 'framelock-e2e-'));
const port = await freePort();
// A 4K clip (Megamind scaled up), for the latency the page shows on a 4K frame.
// (In a folder of its own: a media root may not hold the server's data directory.)
mkdirSync(join(dir, 'media'));
const clip4k = join(dir, 'media', 'megamind_4k.mov');
await new Promise((resolve, reject) => {
  const ff = spawn('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', join(data, 'Megamind.avi'), '-an', '-ss', '5', '-frames:v', '12',
    '-vf', 'scale=3840:2160', '-c:v', 'prores_ks', '-profile:v', '3', clip4k], { stdio: 'inherit' });
  ff.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`ffmpeg exited ${c}`))));
});
// Over https, with a certificate made here for 127.0.0.1 (the browser and node trust it for this
// test only).
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
  '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
if (made.status !== 0) throw new Error('openssl could not make the test certificate');
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const { server, token } = await startServer(bin, ['--data', join(dir, 'data'), '--port', String(port), '--media-root', data,
  '--media-root', join(dir, 'media'), '--register', join(data, 'Megamind.avi'), '--register', clip4k,
  '--tls-cert', cert, '--tls-key', key]);
const base = `https://127.0.0.1:${port}`;
const api = async (path, init = {}) => {
  const res = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers || {}) } });
  return res.json();
};

const browser = await launchChromium(['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']);
let code = 0;
const pages = [];
try {
  const director = await (await browser.newContext({ viewport: { width: 1400, height: 860 }, ignoreHTTPSErrors: true })).newPage();
  const colourist = await (await browser.newContext({ viewport: { width: 1400, height: 860 }, ignoreHTTPSErrors: true })).newPage();
  colourist.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  pages.push(['colourist', colourist], ['director', director]);
  // The server's Content-Security-Policy allows no inline script or style: anything the page
  // does that it blocks is a failure, not a warning.
  const cspViolations = [];
  const watchCsp = (p) => p.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  watchCsp(colourist);
  watchCsp(director);

  const page = await fetch(`${base}/`);
  check(page.ok && /max-age=\d+/.test(page.headers.get('strict-transport-security') || '') &&
    /script-src 'self'/.test(page.headers.get('content-security-policy') || ''),
  'the page is served over https (TLS), with HSTS and a Content-Security-Policy');
  await colourist.goto(`${base}/#token=${token}`);
  await colourist.waitForSelector('#after[data-final="true"]', { timeout: 30000 });
  check(true, 'the page opens and shows the clip, refined to full quality');
  // The token became an httpOnly, SameSite=Strict cookie session: nothing in the page's storage,
  // and a change without the session's CSRF token is refused.
  const stored = await colourist.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  check(!stored.includes('flk_'), 'the page keeps no token in localStorage or sessionStorage');
  const cookies = await colourist.context().cookies(base);
  const sessionCookie = cookies.find((c) => c.name.includes('framelock'));
  check(sessionCookie && sessionCookie.httpOnly && sessionCookie.sameSite === 'Strict' && sessionCookie.secure,
    `the page's session is an httpOnly, Secure, SameSite=Strict cookie (${sessionCookie?.name})`);
  const forged = await colourist.evaluate(async () => (await fetch('/v1/sessions', { method: 'POST', credentials: 'same-origin' })).status);
  check(forged === 403, `a change from the page without its CSRF token is refused (${forged})`);
  // Frame 0 of Megamind is black (exposure would change nothing): scrub to a lit one.
  const first = await colourist.getAttribute('#after', 'src');
  await colourist.fill('#frame', '120');
  await colourist.waitForFunction((before) => {
    const img = document.querySelector('#after');
    return img.dataset.final === 'true' && img.src !== before;
  }, first, { timeout: 30000 });
  check(true, 'scrubbing to frame 120 shows that frame');
  const plain = await colourist.getAttribute('#after', 'src');

  await colourist.selectOption('#op-select', 'exposure');
  await colourist.click('#add-op');
  await colourist.waitForSelector('#chain li[data-op="exposure"] input[data-param="stops"]');
  const t0 = Date.now();
  await colourist.fill('#chain li[data-op="exposure"] input[data-param="stops"]', '1.5');
  await colourist.waitForFunction((before) => {
    const img = document.querySelector('#after');
    return img.dataset.final === 'true' && img.src !== before;
  }, plain, { timeout: 30000 });
  const changed = await colourist.getAttribute('#after', 'src');
  check(changed !== plain, `dragging exposure to +1.5 stops changes the preview (${Date.now() - t0} ms to the final level)`);
  const info = await colourist.textContent('#preview-info');
  console.log(`   preview: ${info}`);
  await colourist.screenshot({ path: join(artifacts, 'live_exposure.png') });

  await colourist.check('#compare');
  await colourist.fill('#split', '40');
  await colourist.waitForFunction(() => document.querySelector('#before').src.startsWith('blob:'));
  await colourist.screenshot({ path: join(artifacts, 'live_compare.png') });
  check(await colourist.isVisible('#split-line'), 'before/after split view shows the original beside the edit');

  // The director opens the same session and sees the same state.
  const sessionHash = new URL(colourist.url()).hash.slice(1);
  const sid = new URLSearchParams(sessionHash).get('session');
  await director.goto(`${base}/#token=${token}&session=${sid}`);
  await director.waitForSelector('#chain li[data-op="exposure"]');
  check(!new URL(director.url()).hash.includes('token='), 'joining a session leaves no token in the address bar');
  const stops = await director.inputValue('#chain li[data-op="exposure"] input[data-param="stops"]');
  check(Number(stops) === 1.5, 'a second browser on the session sees the same graph and parameters');
  await colourist.fill('#frame', '150');
  await director.waitForFunction(() => document.querySelector('#frame-out').textContent === '150', null, { timeout: 10000 });
  check(true, 'the director follows the colourist to frame 150');
  await director.waitForFunction(() => document.querySelector('#after').src.startsWith('data:image'), null, { timeout: 20000 });
  await director.screenshot({ path: join(artifacts, 'live_director.png') });

  // A full render as a job: progress arrives, then it is cancelled.
  await colourist.fill('#out-name', 'e2e.mov');
  await colourist.click('#start-job');
  const job = colourist.locator('#jobs li').first();
  await colourist.waitForFunction(() => Number(document.querySelector('#jobs li')?.dataset.framesDone || 0) > 0, null, { timeout: 60000 });
  await colourist.screenshot({ path: join(artifacts, 'live_job_running.png') });
  check(true, 'the job reports progress');
  await job.locator('button.cancel').click();
  await colourist.waitForFunction(() => document.querySelector('#jobs li')?.dataset.state === 'cancelled', null, { timeout: 20000 });
  const id = await job.getAttribute('data-job');
  const state = (await api(`/v1/jobs/${id}`)).state;
  check(state === 'cancelled', `the job is cancelled on the server too (${state})`);
  await colourist.screenshot({ path: join(artifacts, 'live_job_cancelled.png') });

  // Remove something: add fill, draw a box on the picture; the preview changes inside the box
  // and (nearly) nowhere else, and the session keeps the box.
  await colourist.uncheck('#compare');
  const unfilled = await colourist.getAttribute('#after', 'src');
  await colourist.selectOption('#op-select', 'fill');
  await colourist.click('#add-op');
  await colourist.waitForSelector('#chain li[data-op="fill"] .hint');
  check(true, 'fill waits for a box, saying so');
  await colourist.click('#chain li[data-op="fill"] button.draw-mask');
  const stage = await colourist.locator('#stage').boundingBox();
  const scale = Math.min(stage.width / 720, stage.height / 528);
  const ox = stage.x + (stage.width - 720 * scale) / 2, oy = stage.y + (stage.height - 528 * scale) / 2;
  const box = [430, 120, 120, 150];  // frame pixels
  await colourist.evaluate(() => { document.querySelector('#after').dataset.final = 'pending'; });
  await colourist.mouse.move(ox + box[0] * scale, oy + box[1] * scale);
  await colourist.mouse.down();
  await colourist.mouse.move(ox + (box[0] + box[2] / 2) * scale, oy + (box[1] + box[3] / 2) * scale, { steps: 4 });
  await colourist.mouse.move(ox + (box[0] + box[2]) * scale, oy + (box[1] + box[3]) * scale, { steps: 4 });
  await colourist.mouse.up();
  await colourist.waitForFunction((before) => {
    const img = document.querySelector('#after');
    return img.dataset.final === 'true' && img.src !== before;
  }, unfilled, { timeout: 90000 });
  const shape = await colourist.inputValue('#chain li[data-op="fill"] input[data-mask]');
  const v = shape.split(' ').slice(1).map(Number);
  check(shape.startsWith('rect ') && v.every((x, k) => Math.abs(x - box[k]) <= 3),
    `the box drawn becomes the fill's mask (${shape})`);
  const filled = await colourist.getAttribute('#after', 'src');
  const diff = await colourist.evaluate(async ([a, b, r]) => {
    const load = (src) => new Promise((res) => { const i = new Image(); i.onload = () => res(i); i.src = src; });
    const [ia, ib] = await Promise.all([load(a), load(b)]);
    const px = (img) => {
      const c = Object.assign(document.createElement('canvas'), { width: img.naturalWidth, height: img.naturalHeight });
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      return g.getImageData(0, 0, c.width, c.height);
    };
    const da = px(ia), db = px(ib);
    const k = da.width / 720;
    let inSum = 0, inN = 0, outSum = 0, outN = 0;
    for (let y = 0; y < da.height; y++)
      for (let x = 0; x < da.width; x++) {
        const fx = x / k, fy = y / k;
        const inside = fx >= r[0] && fx < r[0] + r[2] && fy >= r[1] && fy < r[1] + r[3];
        const near = fx >= r[0] - 24 && fx < r[0] + r[2] + 24 && fy >= r[1] - 24 && fy < r[1] + r[3] + 24;
        const i = 4 * (y * da.width + x);
        const d = (Math.abs(da.data[i] - db.data[i]) + Math.abs(da.data[i + 1] - db.data[i + 1]) + Math.abs(da.data[i + 2] - db.data[i + 2])) / 3;
        if (inside) { inSum += d; inN++; } else if (!near) { outSum += d; outN++; }
      }
    return { inside: inSum / inN, outside: outSum / outN };
  }, [unfilled, filled, box]);
  check(diff.inside > 8 && diff.outside < 2,
    `fill changes the picture inside the box (mean |diff| ${diff.inside.toFixed(1)}) and not away from it (${diff.outside.toFixed(2)})`);
  const sessionState = await api(`/v1/sessions/${sid}`);
  check(sessionState.state.chain.some((n) => n.op === 'fill' && n.mask === shape), 'the session keeps the box for everyone');
  await colourist.screenshot({ path: join(artifacts, 'live_fill.png') });

  // Characters: find them as a job, see the cast panel (faces, names, shots) and their boxes over
  // the picture, rename one (the watching director's panel follows), then limit a grade to them.
  const castMedia = await colourist.inputValue('#media-select');
  while (await colourist.locator('#chain li').count()) await colourist.locator('#chain li .op-head button').first().click();
  await colourist.click('#find-characters');
  await colourist.waitForFunction(() => document.querySelectorAll('#cast li').length > 0, null, { timeout: 120000 });
  const found = await api(`/v1/media/${castMedia}/characters`);
  const listed = await colourist.locator('#cast li').count();
  check(found.characters.length >= 2 && listed === found.characters.length,
    `"Find characters" runs the analysis and the cast panel lists the ${listed} characters it found`);
  await colourist.waitForFunction(() => [...document.querySelectorAll('#cast canvas.face')].every((c) => c.dataset.drawn === 'true'),
    null, { timeout: 30000 });
  const faceSpread = await colourist.evaluate(() => [...document.querySelectorAll('#cast canvas.face')].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let sum = 0, sq = 0;
    for (let i = 0; i < d.length; i += 4) { const y = (d[i] + d[i + 1] + d[i + 2]) / 3; sum += y; sq += y * y; }
    const n = d.length / 4;
    return Math.sqrt(sq / n - (sum / n) ** 2);
  }));
  check(faceSpread.every((sd) => sd > 10), `each character shows a face crop (luma spread ${faceSpread.map((x) => x.toFixed(0)).join(', ')})`);
  const lead = found.characters[0];
  const nameInput = `#cast li[data-character="${lead.id}"] input.name`;
  await colourist.fill(nameInput, 'Lead A');
  await colourist.press(nameInput, 'Tab');
  let renamed = null;
  for (let k = 0; k < 50 && renamed !== 'Lead A'; k++) {
    renamed = (await api(`/v1/media/${castMedia}/characters`)).characters.find((c) => c.id === lead.id).name;
    if (renamed !== 'Lead A') await new Promise((r) => setTimeout(r, 100));
  }
  check(renamed === 'Lead A', 'renaming in the panel renames the character in the media\'s cast');
  await director.waitForFunction(() => [...document.querySelectorAll('#cast input.name')].some((i) => i.value === 'Lead A'),
    null, { timeout: 10000 });
  check(true, 'the director\'s cast panel follows the rename');

  // A frame where the lead and another character are both on screen, at a sighting of each.
  const sighted = (c, f) => c.tracks.some((t) => t.boxes.some((b) => b[0] === f));
  const other = found.characters.find((c) => c.id !== lead.id &&
    lead.tracks.some((t) => t.boxes.some((b) => sighted(c, b[0]))));
  check(!!other, `another character shares a frame with the lead (${other?.name})`);
  const both = lead.tracks.flatMap((t) => t.boxes.map((b) => b[0])).filter((f) => sighted(other, f));
  const shared = both[Math.floor(both.length / 2)];
  const boxOf = (c) => c.tracks.flatMap((t) => t.boxes).find((b) => b[0] === shared).slice(1, 5);
  await colourist.evaluate(() => { document.querySelector('#after').dataset.final = 'pending'; });
  await colourist.fill('#frame', String(shared));
  await colourist.waitForFunction(() => document.querySelector('#after').dataset.final === 'true', null, { timeout: 30000 });
  const tracks = await colourist.evaluate(() => [...document.querySelectorAll('#tracks .track')].map((d) => {
    const r = d.getBoundingClientRect();
    return { id: Number(d.dataset.character), box: d.dataset.box.split(' ').map(Number), label: d.textContent,
      screen: [r.left, r.top, r.width, r.height] };
  }));
  const leadBox = tracks.find((t) => t.id === lead.id);
  const expected = boxOf(lead);
  const onScreen = [ox + expected[0] * scale, oy + expected[1] * scale, expected[2] * scale, expected[3] * scale];
  check(tracks.length >= 2 && leadBox && leadBox.label === 'Lead A' && leadBox.screen.every((v, k) => Math.abs(v - onScreen[k]) <= 3),
    `frame ${shared}: ${tracks.length} boxes over the picture, the lead's labelled and where the cast puts them`);
  const ungraded = await colourist.getAttribute('#after', 'src');

  await colourist.selectOption('#op-select', 'exposure');
  await colourist.click('#add-op');
  await colourist.waitForSelector('#chain li[data-op="exposure"] select.mask-source');
  const choices = await colourist.evaluate(() => [...document.querySelectorAll('#chain li[data-op="exposure"] select.mask-source option')].map((o) => o.textContent));
  check(choices.includes('Lead A') && choices.includes(other.name), `the grade's "only in" picker offers the characters (${choices.join(', ')})`);
  await colourist.selectOption('#chain li[data-op="exposure"] select.mask-source', `c${lead.id}`);
  await colourist.evaluate(() => { document.querySelector('#after').dataset.final = 'pending'; });
  await colourist.fill('#chain li[data-op="exposure"] input[data-param="stops"]', '2');
  await colourist.waitForFunction((before) => {
    const img = document.querySelector('#after');
    return img.dataset.final === 'true' && img.src !== before;
  }, ungraded, { timeout: 60000 });
  const graded = await colourist.getAttribute('#after', 'src');
  const faceDiff = await colourist.evaluate(async ([a, b, boxes, width]) => {
    const load = (src) => new Promise((res) => { const i = new Image(); i.onload = () => res(i); i.src = src; });
    const px = (img) => {
      const c = Object.assign(document.createElement('canvas'), { width: img.naturalWidth, height: img.naturalHeight });
      c.getContext('2d').drawImage(img, 0, 0);
      return c.getContext('2d').getImageData(0, 0, c.width, c.height);
    };
    const [da, db] = (await Promise.all([load(a), load(b)])).map(px);
    const k = da.width / width;
    return boxes.map(([x0, y0, w, h]) => {
      let sum = 0, n = 0;
      for (let y = Math.round((y0 + h * 0.2) * k); y < (y0 + h * 0.8) * k; y++)
        for (let x = Math.round((x0 + w * 0.2) * k); x < (x0 + w * 0.8) * k; x++) {
          const i = 4 * (y * da.width + x);
          sum += (Math.abs(da.data[i] - db.data[i]) + Math.abs(da.data[i + 1] - db.data[i + 1]) + Math.abs(da.data[i + 2] - db.data[i + 2])) / 3;
          n++;
        }
      return sum / n;
    });
  }, [ungraded, graded, [boxOf(lead), boxOf(other)], 720]);
  check(faceDiff[0] > 8 && faceDiff[1] < 2,
    `exposure "only in" Lead A brightens their face (mean |diff| ${faceDiff[0].toFixed(1)}) and not ${other.name}'s (${faceDiff[1].toFixed(2)})`);
  await colourist.screenshot({ path: join(artifacts, 'live_characters.png') });

  // A 4K clip: each slider change shows its coarse level in the browser within ~100 ms.
  const editor4k = await (await browser.newContext({ viewport: { width: 1400, height: 860 }, ignoreHTTPSErrors: true })).newPage();
  pages.push(['4k', editor4k]);
  watchCsp(editor4k);
  await editor4k.goto(`${base}/#token=${token}`);
  await editor4k.waitForSelector('#after[data-final="true"]', { timeout: 30000 });
  const id4k = await editor4k.evaluate(() => [...document.querySelectorAll('#media-select option')]
    .find((o) => o.textContent.includes('4k')).value);
  await editor4k.selectOption('#media-select', id4k);
  await editor4k.waitForFunction(() => document.querySelector('#media-info').textContent.startsWith('3840'));
  // Each step waits for its own final level, not one left from the step before.
  const pending = () => editor4k.evaluate(() => { document.querySelector('#after').dataset.final = 'pending'; });
  await pending();
  await editor4k.fill('#frame', '6');
  await editor4k.waitForFunction(() => document.querySelector('#after').dataset.final === 'true', null, { timeout: 30000 });
  await editor4k.selectOption('#op-select', 'exposure');
  await pending();
  await editor4k.click('#add-op');
  const slider = '#chain li[data-op="exposure"] input[data-param="stops"]';
  await editor4k.waitForSelector(slider);
  await editor4k.waitForFunction(() => document.querySelector('#after').dataset.final === 'true', null, { timeout: 30000 });
  const firsts = [];
  for (const v of ['0.4', '0.8', '1.2', '-0.6', '0.2', '1.6', '-1', '0.6']) {
    await pending();
    await editor4k.fill(slider, v);
    await editor4k.waitForFunction(() => document.querySelector('#after').dataset.final === 'true', null, { timeout: 30000 });
    firsts.push(Number(await editor4k.getAttribute('#after', 'data-first-ms')));
    if (process.env.E2E_VERBOSE) console.log(`  4K change ${v}: ${firsts.at(-1)} ms`);
  }
  firsts.sort((a, b) => a - b);
  check(firsts.length === 8, `4K frame: slider change -> coarse preview in the browser, median ${firsts[4].toFixed(0)} ms, ` +
    `worst ${firsts[7].toFixed(0)} ms (8 changes)`);
  // Scrubbing to 4K frames not seen yet: each must be decoded first.
  const scrubs = [];
  for (const f of ['2', '9', '4', '11']) {
    await pending();
    await editor4k.fill('#frame', f);
    await editor4k.waitForFunction(() => document.querySelector('#after').dataset.final === 'true', null, { timeout: 30000 });
    scrubs.push(Number(await editor4k.getAttribute('#after', 'data-first-ms')));
  }
  scrubs.sort((a, b) => a - b);
  check(scrubs.length === 4, `4K frame: scrub to an undecoded frame -> coarse preview in the browser, median ` +
    `${((scrubs[1] + scrubs[2]) / 2).toFixed(0)} ms, worst ${scrubs[3].toFixed(0)} ms (4 frames)`);
  await editor4k.screenshot({ path: join(artifacts, 'live_4k.png') });
  check(cspViolations.length === 0, `no Content-Security-Policy violation on any page${cspViolations.length ? `: ${cspViolations[0]}` : ''}`);
} catch (e) {
  console.error(e);
  code = 1;
  for (const [name, p] of pages) {
    await p.screenshot({ path: join(artifacts, `failed_${name}.png`) }).catch(() => {});
    console.error(`${name}: status "${await p.textContent('#status').catch(() => '')}", ` +
      `preview "${await p.textContent('#preview-info').catch(() => '')}"`);
  }
}
await finish(code, { browser, server, dir });
