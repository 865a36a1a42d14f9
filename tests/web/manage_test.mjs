// End-to-end test of the management page (/manage) in Debian's chromium, driven
// by playwright-core, against a ringbid-node that asks for a token and places
// carrier-sim calls (20/s) on the demo configuration.
//
//   node tests/web/manage_test.mjs --bin <dir with ringbid, ringbid-node> --src <repo root> --out <artifact dir>
//
// Checks, as a manager signed in through /signin: pausing auto-ins-national in
// the page books its next calls `paused` (read with `ringbid leads`), resuming
// it routes them again; a floor of -3 is refused with the error next to the
// floor field; History shows the pause as a revision with a readable diff and
// rolls back to it after a confirm step; caps show usage, limit and reset time
// in the owner's zone; the tabs work with the keyboard; Audit lists the pause.
// As a publisher: the dashboard shows only its source and no money, /manage
// offers no configuration. On a 390×844 phone: tabs and forms usable, no
// sideways scrolling of the page. Exit 0 when every check passed;
// <out>/manage-failure.png shows the page when one failed.

import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CHROMIUM, browserTestSetup } from './browser_support.mjs';

const { bin, src, out, chromium } = browserTestSetup('manage_test.mjs');

const CAMPAIGN = 'auto-ins-national';
const PUBLISHER_SOURCE = 'summit-search';
const started = Date.now();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ringbid-manage-'));
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

function tokens(...argv) {
  return execFileSync(path.join(bin, 'ringbid'), ['tokens', '--db', dbPath, ...argv], { encoding: 'utf8' });
}

/// `ringbid leads --format json` with these filters: the leads, newest first.
function leads(...filters) {
  const argv = ['leads', '--db', dbPath, '--format', 'json', '--campaign', CAMPAIGN, ...filters];
  return new Promise((resolve, reject) =>
    execFile(path.join(bin, 'ringbid'), argv, { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`ringbid ${argv.join(' ')}: ${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout).leads)));
}

/// Polls `probe` until it returns a truthy value; throws `what` (and the last error) on timeout.
async function eventually(what, limitMs, probe) {
  const until = Date.now() + limitMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${limitMs} ms: ${what}${last ? ` (${last.message})` : ''}`);
    await sleep(150);
  }
}

async function signIn(page, base, token, landing = '/') {
  await page.goto(base + landing);
  assert.equal(new URL(page.url()).pathname, '/signin', 'without a session the page sends the browser to /signin');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(base + '/');
}

async function openManage(page, base, tab = '') {
  await page.goto(base + '/manage' + (tab ? '#' + tab : ''));
  await page.waitForSelector('body[data-ready="true"]');
}

const row = (page, id) => page.locator(`#panel-campaigns tr[data-id="${id}"]`);
const statusOf = async (page, id) => (await row(page, id).locator('.badge').textContent()).trim();

/// No sideways scrolling of the page itself (a table may scroll inside its box).
async function assertNoPageScroll(page, width, where) {
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.body.scrollWidth]);
  assert.ok(widths.every((w) => w <= width), `${where}: the page scrolls sideways (${widths.join(', ')} > ${width})`);
}

async function main() {
  let node;
  let browser;
  let page;
  let failed = null;
  try {
    const manager = /^rb_\S+$/m.exec(tokens('create', '--role', 'manager', '--label', 'manage test'))[0];
    const publisher = /^rb_\S+$/m.exec(
      tokens('create', '--role', 'publisher', '--source', PUBLISHER_SOURCE, '--label', 'Summit'))[0];
    const fd = fs.openSync(nodeLog, 'a');
    node = spawn(path.join(bin, 'ringbid-node'), ['--carrier', 'sim', '--rate', '20', '--config', demoConfig,
      '--data-dir', work, '--http', '127.0.0.1:0', '--access-token', 'bootstrap-only-for-this-test'],
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

    // ------------------------------------------------------------ manager: pause and resume while calls flow
    await signIn(page, base, manager);
    await page.getByRole('link', { name: 'Manage' }).click();
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(await page.textContent('#who'), /manage test \(manager\)/);
    assert.equal(await page.getAttribute('#tab-campaigns', 'aria-selected'), 'true');
    await eventually(`${CAMPAIGN} listed as active`, 10000, async () => (await statusOf(page, CAMPAIGN)) === 'active');
    // Calls are flowing and routed before the pause.
    await eventually(`a routed call of ${CAMPAIGN}`, 30000, async () =>
      (await leads('--limit', '50')).some((l) => l.disposition !== 'paused'));
    passed('the manager signs in, opens Manage from the dashboard and sees the campaigns');

    await page.getByRole('button', { name: `Pause ${CAMPAIGN}` }).click();
    await eventually(`${CAMPAIGN} shown paused`, 10000, async () => (await statusOf(page, CAMPAIGN)) === 'paused');
    const pausedAt = new Date();
    const pauseMessage = await page.textContent('#status-line');
    const pauseRevision = Number(/paused \(revision (\d+)\)/.exec(pauseMessage)?.[1]);
    assert.ok(pauseRevision > 0, `the status line names the revision: ${pauseMessage}`);
    const pausedLead = await eventually(`a lead of ${CAMPAIGN} booked paused after the pause`, 30000, async () =>
      (await leads('--from', pausedAt.toISOString(), '--disposition', 'paused'))[0]);
    passed(`pausing ${CAMPAIGN} in the page books its next call paused (${pausedLead.id})`);

    await page.getByRole('button', { name: `Resume ${CAMPAIGN}` }).click();
    await eventually(`${CAMPAIGN} shown active`, 10000, async () => (await statusOf(page, CAMPAIGN)) === 'active');
    const resumedAt = new Date();
    const routed = await eventually(`a lead of ${CAMPAIGN} after the resume, not paused`, 30000, async () =>
      (await leads('--from', resumedAt.toISOString())).find((l) => l.disposition !== 'paused'));
    const settled = new Date(resumedAt.getTime() + 1000).toISOString();
    const pausedLater = await leads('--from', settled, '--disposition', 'paused');
    assert.deepEqual(pausedLater.map((l) => l.id), [], 'no call started a second after the resume is booked paused');
    passed(`resuming it routes the next call again (${routed.id}: ${routed.disposition})`);

    // ------------------------------------------------------------ manager: a bad floor, shown next to the field
    await page.getByRole('button', { name: `Edit ${CAMPAIGN}` }).click();
    const floor = page.getByLabel('Floor ($)');
    await floor.fill('-3');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await eventually('aria-invalid on the floor field', 10000, async () => (await floor.getAttribute('aria-invalid')) === 'true');
    const describedBy = (await floor.getAttribute('aria-describedby')).split(/\s+/);
    const messages = await Promise.all(describedBy.map((id) => page.locator('#' + id).textContent()));
    const message = messages.find((m) => m.trim() && !/lowest bid/.test(m));
    assert.ok(message, `a message next to the floor field (described by ${describedBy.join(', ')}: ${messages.join(' | ')})`);
    assert.ok(await page.locator(`#${describedBy.at(-1)}`).isVisible(), 'the message is visible');
    const floorBox = await floor.boundingBox();
    const messageBox = await page.locator(`#${describedBy.at(-1)}`).boundingBox();
    assert.ok(Math.abs(messageBox.y - (floorBox.y + floorBox.height)) < 60, 'the message sits just under the field');
    assert.equal((await page.getByRole('button', { name: `Edit ${CAMPAIGN}` }).count()), 1);
    const campaignNow = await page.evaluate(async (id) => (await fetch('/api/v1/campaigns/' + id)).json(), CAMPAIGN);
    assert.equal(campaignNow.floor, demo.campaigns.find((c) => c.id === CAMPAIGN).floor, 'nothing saved');
    await page.getByRole('button', { name: 'Cancel' }).click();
    passed(`a floor of -3 is refused next to the field: "${message.trim()}"`);

    // ------------------------------------------------------------ caps: usage, limit, reset in the owner's zone
    await page.getByRole('tab', { name: 'Caps' }).click();
    const capRow = page.locator('#panel-caps tr[data-key^="buyer:shieldline-auto:calls:hour"]');
    await capRow.waitFor();
    assert.equal(await capRow.locator('meter').count(), 1, 'a meter of usage against the limit');
    assert.match(await capRow.textContent(), /of 600 calls/);
    assert.match(await capRow.textContent(), /\d{4}-\d\d-\d\d \d\d:\d\d \(UTC[+-]\d\d:\d\d\).*America\/New_York/);
    passed('caps show usage against the limit and the reset in the owner\'s zone');

    // ------------------------------------------------------------ tabs by keyboard
    await page.getByRole('tab', { name: 'Caps' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('#tab-dids', 'aria-selected'), 'true', 'ArrowRight selects Numbers');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-dids');
    await page.locator('#panel-dids tr[data-number]').first().waitFor();
    await page.keyboard.press('End');
    assert.equal(await page.getAttribute('#tab-audit', 'aria-selected'), 'true', 'End selects the last tab');
    await page.locator('#panel-audit tbody tr').first().waitFor();
    assert.match(await page.textContent('#panel-audit tbody'), /campaign\.pause/);
    passed('the tabs work with the keyboard; Numbers lists the DIDs; Audit lists the pause');

    // ------------------------------------------------------------ history: the pause as a readable diff, rollback
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('button', { name: `Show revision ${pauseRevision}`, exact: true }).click();
    const detail = page.locator('#panel-history .revision-detail');
    await eventually('the diff of the pause', 10000, async () =>
      /campaign auto-ins-national · \/active: (true → )?false/.test(await detail.textContent()));
    const newestBefore = Number(await page.locator('#panel-history tbody tr').first().getAttribute('data-revision'));
    assert.ok(newestBefore > pauseRevision, 'newest first: the resume is above the pause');
    await page.getByRole('button', { name: `Roll back to revision ${pauseRevision}` }).click();
    await page.getByRole('button', { name: `Confirm rollback to ${pauseRevision}` }).click();
    await eventually('the list refreshed with the rollback on top', 10000, async () =>
      Number(await page.locator('#panel-history tbody tr').first().getAttribute('data-revision')) === newestBefore + 1);
    assert.match(await page.textContent('#status-line'), new RegExp(`Rolled back to revision ${pauseRevision}`));
    await page.getByRole('tab', { name: 'Campaigns' }).click();
    await eventually(`${CAMPAIGN} paused again by the rollback`, 10000, async () => (await statusOf(page, CAMPAIGN)) === 'paused');
    passed(`History shows revision ${pauseRevision} (the pause) as a diff; rolling back to it makes revision ${newestBefore + 1}`);
    assert.deepEqual(pageErrors, [], 'no script error');
    await page.screenshot({ path: path.join(out, 'manage.png'), fullPage: true });

    // ------------------------------------------------------------ publisher: its source only, no configuration
    const pubContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await pubContext.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await signIn(page, base, publisher);
    await eventually('the dashboard to show figures', 15000, async () =>
      /\d/.test(await page.textContent('[data-tile="total"] .value')));
    assert.equal(await page.inputValue('#source'), PUBLISHER_SOURCE, 'the source filter is fixed to its source');
    assert.ok(await page.isDisabled('#source'), 'and cannot be changed');
    for (const tile of ['revenue', 'profit'])
      assert.ok(!(await page.isVisible(`[data-tile="${tile}"]`)), `no ${tile} tile`);
    const summary = await page.evaluate(async () => (await fetch('/api/v1/metrics/summary')).json());
    assert.ok(!JSON.stringify(summary).includes('revenue_micros'), 'the summary has no revenue');
    assert.ok(summary.recent.length > 0, 'recent calls of its source');
    for (const call of summary.recent) {
      assert.equal(call.source, PUBLISHER_SOURCE, 'only its source');
      assert.ok(!('buyer' in call), 'no buyer names');
    }
    const other = await page.evaluate(async () => (await fetch('/api/v1/metrics/summary?source=brightpath-media')).status);
    assert.equal(other, 403, 'another source is refused');
    await openManage(page, base);
    assert.match(await page.textContent('#who'), /publisher/);
    assert.match(await page.textContent('#panel-campaigns'), /may not see the configuration/);
    assert.equal(await page.locator('#tab-audit').isVisible(), false, 'no Audit tab');
    assert.equal(await page.getByRole('button', { name: /^(New|Edit|Pause|Archive)/ }).count(), 0, 'no controls that change anything');
    await page.getByRole('tab', { name: 'History' }).click();
    assert.match(await page.textContent('#panel-history'), /may not see the configuration/);
    passed('a publisher sees only its source on the dashboard, without money, and no configuration');

    // ------------------------------------------------------------ a phone
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    page = await phone.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await signIn(page, base, manager);
    await openManage(page, base);
    await row(page, CAMPAIGN).waitFor();
    await assertNoPageScroll(page, 390, 'campaigns');
    for (const tab of await page.getByRole('tab').all()) {
      const box = await tab.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390 && box.height >= 36, `tab fits and is tappable: ${JSON.stringify(box)}`);
    }
    await page.getByRole('tab', { name: 'Caps' }).tap();
    await page.locator('#panel-caps meter').first().waitFor();
    await assertNoPageScroll(page, 390, 'caps');
    await page.getByRole('tab', { name: 'Campaigns' }).tap();
    await page.getByRole('button', { name: 'New campaign' }).tap();
    const idField = page.getByLabel('Id', { exact: true });
    await idField.waitFor();
    for (const field of [idField, page.getByLabel('Floor ($)'), page.getByLabel('Other settings (JSON)')]) {
      const box = await field.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `a form field fits the screen: ${JSON.stringify(box)}`);
    }
    await assertNoPageScroll(page, 390, 'the new-campaign form');
    await idField.fill('phone-made');
    await page.getByLabel('Name', { exact: true }).fill('Made on a phone');
    await page.getByRole('button', { name: 'Create' }).tap();
    await row(page, 'phone-made').waitFor();
    await page.screenshot({ path: path.join(out, 'manage-phone.png'), fullPage: true });
    passed('on a 390×844 phone the tabs and forms fit and work, with no sideways scrolling');
    assert.deepEqual(pageErrors, [], 'no script error');
  } catch (err) {
    failed = err;
    if (page) await page.screenshot({ path: path.join(out, 'manage-failure.png'), fullPage: true }).catch(() => {});
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
    console.log(`manage: ${checks.length} passed, 1 failed`);
    process.exitCode = 1;
    return;
  }
  fs.rmSync(work, { recursive: true, force: true });
  console.log(`manage: ${checks.length} passed, 0 failed`);
}

await main();
process.exit();
