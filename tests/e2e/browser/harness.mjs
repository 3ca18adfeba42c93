// What the browser tests share: playwright-core and Debian's Chromium (or a skip, exit 77, when
// set-up has not installed them), checks that print as they pass, a free port, and a framelock
// server started on a data directory of the test's own, with the token it prints at start.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';

export const SKIP = 77;
export const footage = '/usr/share/doc/opencv-doc/examples/data';
export const artifacts = process.env.E2E_ARTIFACTS || join(process.cwd(), 'e2e-artifacts');
mkdirSync(artifacts, { recursive: true });

export function fail(msg) { console.error(`FAIL: ${msg}`); throw new Error(msg); }
export function check(cond, msg) { if (!cond) fail(msg); console.log(`ok - ${msg}`); }

// Headless Chromium through playwright-core; exits with SKIP when either is missing.
export async function launchChromium(extraArgs = []) {
  const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
  let playwright;
  try {
    playwright = await import('playwright-core');
  } catch {
    console.log('SKIP: playwright-core is not installed (scripts/setup.sh installs it)');
    process.exit(SKIP);
  }
  if (!existsSync(chromium)) {
    console.log(`SKIP: no Chromium at ${chromium}`);
    process.exit(SKIP);
  }
  return playwright.chromium.launch({ executablePath: chromium, args: ['--no-sandbox', ...extraArgs] });
}

export const freePort = () => new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

// `framelock serve ARGS...` on `port`; resolves to {server, token} once it has printed its token.
export async function startServer(bin, args) {
  const server = spawn(bin, ['serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  server.stdout.on('data', (d) => { out += d; });
  server.stderr.on('data', (d) => process.stderr.write(d));
  const token = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start')), 20000);
    const poll = setInterval(() => {
      const m = out.match(/^(flk_\S+)$/m);
      if (m) { clearTimeout(t); clearInterval(poll); resolve(m[1]); }
    }, 50);
  });
  return { server, token };
}

export async function stopServer(server) {
  if (server.exitCode !== null) return;
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
}

// The end of a test: the browser closed, the server stopped, its directory gone, PASS or FAIL.
export async function finish(code, { browser, server, dir }) {
  await browser.close();
  await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
  console.log(code === 0 ? 'PASS' : 'FAIL');
  process.exit(code);
}
