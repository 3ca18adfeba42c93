// The page signs in through a real IdP's own login page (glewlwyd, started by
// tests/e2e/idp/oidc_glewlwyd.sh): the server runs the authorization code flow with PKCE, the
// browser ends with an httpOnly, SameSite=Strict cookie and no token anywhere in the page, in the
// project the IdP's group grants. Usage: node idp_signin.mjs BASE_URL USER PASSWORD PROJECT
import { join } from 'node:path';
import { artifacts, check, launchChromium } from './harness.mjs';

const [base, user, password, project] = process.argv.slice(2);
const browser = await launchChromium();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
const violations = [];
page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text()); });
try {
  await page.goto(`${base}/`);
  await page.waitForSelector('#idp-signin:not([hidden])', { timeout: 15000 });
  check(true, 'the page offers to sign in with the studio\'s account');
  await page.click('#idp-signin');
  await page.waitForSelector('#username', { timeout: 15000 });
  check(new URL(page.url()).origin !== new URL(base).origin, `the browser is at the IdP's login page (${new URL(page.url()).origin})`);
  await page.screenshot({ path: join(artifacts, 'idp-login.png') });
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#loginbut');
  // glewlwyd asks the signed-in user to continue to the client.
  await page.click('button:has-text("Continue")', { timeout: 15000 });
  await page.waitForFunction((name) => document.querySelector('#who')?.textContent === name, user, { timeout: 20000 });
  check(new URL(page.url()).origin === new URL(base).origin, 'back on the page, signed in as ' + user);
  await page.waitForSelector('#after[data-final="true"]', { timeout: 30000 });
  check(true, 'the page shows the project\'s clip, refined to full quality');
  const info = await page.textContent('#session-info');
  check(info.startsWith(`${project} ·`), `the live session is in the project the IdP's group grants (${info})`);
  await page.screenshot({ path: join(artifacts, 'idp-signed-in.png') });

  const cookies = await page.context().cookies(base);
  const session = cookies.find((c) => c.name === 'framelock_session');
  check(session && session.httpOnly && session.sameSite === 'Strict',
    'the session is an httpOnly, SameSite=Strict cookie');
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  check(!/eyJ|flk_/.test(stored) && !stored.includes(session.value),
    'no token and no session id where the page\'s scripts can read them');
  const forged = await page.evaluate(async () => (await fetch('/v1/sessions', { method: 'POST', credentials: 'same-origin', body: '{}' })).status);
  check(forged === 403, `a change without the session's CSRF token is refused (${forged})`);
  const projects = await page.evaluate(async () => (await (await fetch('/v1/projects', { credentials: 'same-origin' })).json()).projects.map((p) => `${p.id}:${p.role}`));
  check(projects.join() === `${project}:artist`, `the signed-in user sees their project and role (${projects})`);

  await page.click('#signout');
  await page.waitForSelector('#signin:not([hidden])', { timeout: 15000 });
  const after = await page.evaluate(async () => (await fetch('/v1/auth/session', { credentials: 'same-origin' })).status);
  check(after === 401, `signed out: the session is gone (${after})`);
  check(violations.length === 0, `no Content-Security-Policy violation (${violations.length})`);
  console.log('PASS');
} catch (e) {
  await page.screenshot({ path: join(artifacts, 'idp-failure.png') }).catch(() => {});
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
