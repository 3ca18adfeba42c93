// The content policy's hold, approved and rejected on the page, in real headless Chromium. The
// server runs with a policy that holds any output of a generative operator that the classifier
// scores "drawing" >= 0.3 (Megamind is animation: it does; no objectionable footage is needed).
// An artist starts two fill jobs through the API; both finish held, their files undelivered. A
// project admin opens the page in a session of their own: the project's held jobs are listed
// under "Waiting for review"; Approve delivers one, Reject removes the other. The artist's page
// offers neither. Usage: node content_review.mjs FRAMELOCK_BIN
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifacts, check, footage, freePort, launchChromium, startServer, finish } from './harness.mjs';

const bin = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'framelock-review-'));
const policy = join(dir, 'policy.json');
writeFileSync(policy, JSON.stringify({
  version: 1,
  content: { thresholds: { drawing: 0.3 }, every: 5, action: 'hold' },
}));
const port = await freePort();
const { server, token: studioAdmin } = await startServer(bin, ['--data', join(dir, 'data'), '--port', String(port),
  '--media-root', footage, '--register', join(footage, 'Megamind.avi'), '--policy', policy]);
const base = `http://127.0.0.1:${port}`;
const api = async (token, method, path, body) => {
  const res = await fetch(base + path, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* a file */ }
  return { status: res.status, json };
};
const grant = async (role) => (await api(studioAdmin, 'POST', '/v1/tokens', { role, project: 'default', name: `${role} of default` })).json.token;

const browser = await launchChromium(['--disable-gpu']);
let code = 0;
const pages = [];
try {
  const admin = await grant('admin');
  const artist = await grant('artist');
  const media = (await api(artist, 'GET', '/v1/media')).json.media.find((m) => m.path.endsWith('Megamind.avi'));
  // Fill (generative) over frames 0-20, the mask where nobody is.
  const fillJob = (name) => ({
    project: 'default',
    graph: {
      sources: { clip: { media: media.id, frames: [0, 20] } },
      nodes: {
        m: { op: 'mask', inputs: { like: 'clip' }, params: { shape: 'rect 600 20 80 60' } },
        f: { op: 'fill', inputs: { in: 'clip', mask: 'm' }, params: { hold: false } },
      },
    },
    output: { node: 'f', name },
  });
  const started = [];
  for (const name of ['approve-me.mov', 'reject-me.mov']) {
    const r = await api(artist, 'POST', '/v1/jobs', fillJob(name));
    check(r.status === 201, `the artist starts a fill job through the API (${name}: ${r.status})`);
    started.push(r.json.id);
  }
  const finished = async (id) => {
    for (let i = 0; i < 600; i++) {
      const j = (await api(artist, 'GET', `/v1/jobs/${id}`)).json;
      if (['succeeded', 'failed', 'cancelled'].includes(j.state)) return j;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`job ${id} did not finish`);
  };
  for (const id of started) {
    const j = await finished(id);
    check(j.state === 'succeeded' && j.review === 'held', `job ${id} finished held for review (${j.state}, ${j.review})`);
    const out = await api(artist, 'GET', `/v1/jobs/${id}/output`);
    check(out.status === 409, `its output is not delivered while held (${out.status})`);
  }
  const listed = (await api(admin, 'GET', '/v1/jobs?project=default&review=held')).json.jobs.map((j) => j.id);
  check(started.every((id) => listed.includes(id)), `GET /v1/jobs?review=held lists both (${listed.length})`);

  // The artist's page: nothing to decide.
  const artistPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  pages.push(['artist', artistPage]);
  await artistPage.goto(`${base}/#token=${artist}`);
  await artistPage.waitForSelector('#after[data-final="true"]', { timeout: 30000 });
  check(await artistPage.isHidden('#review') && (await artistPage.$$('button.review')).length === 0,
    'the artist\'s page lists no held job and offers no Approve or Reject');

  // The admin's page, a session of its own: the held jobs are there, wherever they were started.
  const adminPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  pages.push(['admin', adminPage]);
  const violations = [];
  adminPage.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text()); });
  await adminPage.goto(`${base}/#token=${admin}`);
  for (const id of started) await adminPage.waitForSelector(`#held li[data-job="${id}"] button.review`, { timeout: 30000 });
  check(await adminPage.isVisible('#review'), 'the admin\'s page lists both held jobs under "Waiting for review"');
  await adminPage.screenshot({ path: join(artifacts, 'review_held.png') });
  // Before deciding, the admin looks at the output: the server gives a held file to them alone.
  const [look] = await Promise.all([
    adminPage.waitForEvent('download', { timeout: 15000 }),
    adminPage.click(`#held li[data-job="${started[0]}"] button:has-text("Look")`),
  ]);
  const looked = statSync(await look.path()).size;
  check(looked > 10000 && look.suggestedFilename() === 'approve-me.mov',
    `Look: the admin downloads the held output to review it (${look.suggestedFilename()}, ${looked} bytes)`);

  await adminPage.click(`#held li[data-job="${started[0]}"] button.review:has-text("Approve")`);
  await adminPage.waitForSelector(`#held li[data-job="${started[0]}"][data-review="approved"] button.download`, { timeout: 15000 });
  check(true, 'Approve: the job shows as approved, with its Download button');
  const delivered = await api(artist, 'GET', `/v1/jobs/${started[0]}/output`);
  check(delivered.status === 200, `the approved output is delivered (${delivered.status})`);

  await adminPage.click(`#held li[data-job="${started[1]}"] button.review:has-text("Reject")`);
  await adminPage.waitForSelector(`#held li[data-job="${started[1]}"][data-review="rejected"]`, { timeout: 15000 });
  const rejectedText = await adminPage.textContent(`#held li[data-job="${started[1]}"]`);
  check(rejectedText.includes('Rejected') && !(await adminPage.$(`#held li[data-job="${started[1]}"] button`)),
    'Reject: the job shows as rejected, with nothing to download');
  const refused = await api(artist, 'GET', `/v1/jobs/${started[1]}/output`);
  check(refused.status === 409, `the rejected output is never delivered (${refused.status})`);
  await adminPage.screenshot({ path: join(artifacts, 'review_decided.png') });

  const audit = (await api(studioAdmin, 'GET', '/v1/audit?limit=1000')).json.records;
  const decisions = audit.filter((r) => r.event?.path?.endsWith('/review') && r.event?.status === 200);
  check(decisions.length === 2, `both decisions are in the audit log (${decisions.length})`);
  const viewed = audit.filter((r) => r.event?.type === 'content' && r.event?.action === 'viewed');
  check(viewed.length === 1 && viewed[0].event.job === started[0], `so is the admin's look at the held output (${viewed.length})`);
  check(violations.length === 0, `no Content-Security-Policy violation (${violations.length})`);
} catch (e) {
  console.error(e);
  code = 1;
  for (const [name, p] of pages) {
    await p.screenshot({ path: join(artifacts, `review_failed_${name}.png`) }).catch(() => {});
    console.error(`${name}: status "${await p.textContent('#status').catch(() => '')}"`);
  }
}
await finish(code, { browser, server, dir });
