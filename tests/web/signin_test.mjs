// End-to-end test of signing in: a ringbid-node that asks for a token (its
// --access-token given), a token made with `ringbid tokens create`, and
// Debian's chromium driven by playwright-core.
//
//   node tests/web/signin_test.mjs --bin <dir with ringbid, ringbid-node> --src <repo root> --out <artifact dir>
//
// Checks: the dashboard without a session sends the browser to /signin; a wrong
// token is refused with the error next to the field (announced); the right one
// opens the dashboard; the same on a phone-sized viewport; a token revoked with
// the CLI sends the page back to sign in. Exit 0 when every check passed;
// <out>/signin-failure.png shows the page when one failed.

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CHROMIUM, browserTestSetup } from './browser_support.mjs';

const { bin, src, out, chromium } = browserTestSetup('signin_test.mjs');

const started = Date.now();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ringbid-signin-'));
const demoConfig = path.join(src, 'examples/demo.json');
const demo = JSON.parse(fs.readFileSync(demoConfig, 'utf8'));
const dbPath = path.join(work, demo.storage.sqlite_file);
const nodeLog = path.join(work, 'node.log');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const checks = [];
const passed = (name) => {
  checks.push(name);
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ok: ${name}`);
};

function ringbid(...argv) {
  return execFileSync(path.join(bin, 'ringbid'), ['tokens', '--db', dbPath, ...argv], { encoding: 'utf8' });
}

/// Polls `probe` until it returns a truthy value; throws `what` on timeout.
async function eventually(what, limitMs, probe) {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${limitMs} ms: ${what}`);
    await sleep(100);
  }
}

async function signIn(page, base, token) {
  await page.goto(base + '/');
  assert.equal(new URL(page.url()).pathname, '/signin', 'the dashboard sends a browser without a session to /signin');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function main() {
  let node;
  let browser;
  let page;
  let failed = null;
  try {
    const made = ringbid('create', '--role', 'manager', '--label', 'browser test');
    const token = /^rb_\S+$/m.exec(made)[0];
    const tokenId = /token (tk_\w+)/.exec(made)[1];
    const fd = fs.openSync(nodeLog, 'a');
    node = spawn(path.join(bin, 'ringbid-node'), ['--config', demoConfig, '--data-dir', work, '--carrier', 'sim',
      '--rate', '0', '--http', '127.0.0.1:0', '--access-token', 'bootstrap-only-for-this-test'],
    { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const port = await eventually('the node to log its port', 30000, async () => {
      const match = /http on 127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(nodeLog, 'utf8'));
      return match && Number(match[1]);
    });
    const base = `http://127.0.0.1:${port}`;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await desktop.newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    // A wrong token: the error is shown next to the field and announced.
    await signIn(page, base, 'rb_not-a-token');
    const error = page.locator('#token-error');
    await eventually('the error next to the field', 5000, async () => (await error.textContent()).includes('not valid'));
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.equal(await error.getAttribute('aria-live'), 'assertive');
    assert.equal(await page.getAttribute('#token', 'aria-invalid'), 'true');
    assert.equal(new URL(page.url()).pathname, '/signin', 'still on the sign-in page');
    passed('a wrong token is refused next to the field');

    // The right one: the dashboard, with its figures.
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(base + '/');
    await eventually('#status saying live', 15000, async () => (await page.textContent('#status')) === 'live');
    const cookies = await desktop.cookies();
    const session = cookies.find((c) => c.name === 'ringbid_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true, 'HttpOnly');
    assert.equal(session.sameSite, 'Strict', 'SameSite=Strict');
    assert.ok(!cookies.some((c) => c.value.includes(token)), 'the token itself is in no cookie');
    assert.deepEqual(pageErrors, [], 'no script error');
    passed('signing in with a token shows the dashboard');

    // A phone: signing in leads to the dashboard, and the form fits the screen.
    const phone = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    await signIn(small, base, token);
    await small.waitForURL(base + '/');
    await small.goto(base + '/signin');
    const field = await small.locator('#token').boundingBox();
    const button = await small.locator('#submit').boundingBox();
    assert.ok(field.x >= 0 && field.x + field.width <= 375, `the field fits the screen (${JSON.stringify(field)})`);
    assert.ok(button.height >= 44, 'the button is large enough to tap');
    await small.screenshot({ path: path.join(out, 'signin-phone.png'), fullPage: true });
    passed('signing in works on a phone-sized viewport');

    // Revoked with the CLI: the next request of the page is refused and it goes back to sign in.
    ringbid('revoke', tokenId);
    await page.reload();
    await page.waitForURL(base + '/signin', { timeout: 5000 });
    passed('a revoked token sends the page back to sign in');
    await page.screenshot({ path: path.join(out, 'signin.png'), fullPage: true });
  } catch (err) {
    failed = err;
    if (page) await page.screenshot({ path: path.join(out, 'signin-failure.png'), fullPage: true }).catch(() => {});
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (node) {
      node.kill('SIGTERM');
      await Promise.race([new Promise((resolve) => node.on('exit', resolve)), sleep(10000)]);
      node.kill('SIGKILL');
    }
  }
  if (fs.existsSync(nodeLog)) fs.copyFileSync(nodeLog, path.join(out, 'node.log'));
  if (failed) {
    console.error(`\nFAIL: ${failed.stack || failed.message}\nlogs in ${out}; scratch directory kept: ${work}`);
    console.log(`signin: ${checks.length} passed, 1 failed`);
    process.exitCode = 1;
    return;
  }
  fs.rmSync(work, { recursive: true, force: true });
  console.log(`signin: ${checks.length} passed, 0 failed`);
}

await main();
process.exit();
