// End-to-end test of the dashboard: a real ringbid-node in Telnyx mode fed by
// `ringbid carrier-sim`, and Debian's chromium driven by playwright-core.
//
//   node tests/web/dashboard_test.mjs --bin <dir with ringbid, ringbid-node> --src <repo root> --out <artifact dir>
//
// Exit 0: every check passed. Otherwise a message says which check failed and
// where the logs are; <out>/dashboard-failure.png shows the page at that moment.
// Needs tools/setup-web.sh --browser (web/node_modules and /usr/bin/chromium).

import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { CHROMIUM, browserTestSetup } from './browser_support.mjs';

const { bin, src, out, chromium } = browserTestSetup('dashboard_test.mjs');

// Traffic: 60 calls at 3 a second, the carrier's delays divided by 5, so a call
// greets for 1-2 s, rings its buyers for about a second and talks for seconds.
const CALLS = 60;
const RATE = 3;
const TIME_SCALE = 5;
// demo.json's callers talk 150 s on average (30 s at this time scale); the
// carrier simulator gets a copy where they talk 30 s (6 s here), so that every
// call is over within a minute. The node itself runs on examples/demo.json.
const TALK_S_MEAN = 30;

const started = Date.now();
const today = new Date().toISOString().slice(0, 10); // the page's default range (UTC)
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ringbid-dashboard-'));
const dataDir = path.join(work, 'data');
const demoConfig = path.join(src, 'examples/demo.json');
const demo = JSON.parse(fs.readFileSync(demoConfig, 'utf8'));
const dbPath = path.join(dataDir, demo.storage.sqlite_file);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1) + 's';
const say = (text) => console.log(`[${elapsed()}] ${text}`);

// ------------------------------------------------------------ child processes

const children = new Set();

function startProcess(name, argv, logFile) {
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  child.label = name;
  child.log = logFile;
  children.add(child);
  child.done = new Promise((resolve) => {
    child.on('error', (err) => {
      children.delete(child);
      resolve({ code: null, signal: null, error: err });
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return child;
}

async function stopProcesses() {
  await Promise.all(
    [...children].map(async (child) => {
      child.kill('SIGTERM');
      const gone = await Promise.race([child.done.then(() => true), sleep(5000).then(() => false)]);
      if (!gone) child.kill('SIGKILL');
    })
  );
}

// Whatever happens (an exception, process.exit, Ctrl-C), no child outlives the test.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

function readLog(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/// The first match of `pattern` in the child's log, once it appears.
async function waitForLog(child, pattern, limitMs) {
  const until = Date.now() + limitMs;
  for (;;) {
    const match = pattern.exec(readLog(child.log));
    if (match) return match;
    if (!children.has(child)) throw new Error(`${child.label} exited before logging ${pattern}:\n${readLog(child.log)}`);
    if (Date.now() > until) throw new Error(`${child.label} did not log ${pattern} within ${limitMs} ms:\n${readLog(child.log)}`);
    await sleep(100);
  }
}

/// Polls `probe` until it returns a truthy value; throws `what` on timeout.
async function eventually(what, limitMs, probe, intervalMs = 250) {
  const until = Date.now() + limitMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${limitMs} ms: ${what}` + (last instanceof Error ? ` (${last.message})` : ''));
    await sleep(intervalMs);
  }
}

// carrier-sim needs the node's webhook URL and the node needs carrier-sim's API
// URL, both on ports bound at run time. This little forwarder breaks the
// circle: carrier-sim posts to it from the start, and it forwards to the node
// once the node has logged its port (until then it answers 503, which
// carrier-sim's --wait-ready takes as "not ready yet").
function startWebhookForwarder() {
  let nodePort = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    if (!nodePort) {
      res.writeHead(503).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const upstream = http.request(
      { host: '127.0.0.1', port: nodePort, method: req.method, path: req.url, headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      }
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/webhooks/telnyx`,
        forwardTo: (port) => (nodePort = port),
        close: () => {
          agent.destroy();
          server.closeAllConnections();
          server.close();
        },
      })
    )
  );
}

// ------------------------------------------------------------ what the node and the CLI say

async function getJson(base, pathAndQuery) {
  const response = await fetch(base + pathAndQuery);
  assert.equal(response.status, 200, `GET ${pathAndQuery}: HTTP ${response.status}`);
  return response.json();
}

function runLeads(extra = []) {
  const argv = ['leads', '--db', dbPath, '--from', today, '--to', today, '--format', 'json', ...extra];
  return new Promise((resolve, reject) =>
    execFile(path.join(bin, 'ringbid'), argv, { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`ringbid ${argv.join(' ')}: ${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))
    )
  );
}

/// "12.5" or "-0.000001" (dollars, exact) -> integer micro-dollars.
function micros(decimal) {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(String(decimal));
  assert.ok(match, `not a dollar amount: ${decimal}`);
  const value = Number(match[2]) * 1e6 + Number((match[3] || '').padEnd(6, '0'));
  return match[1] ? -value : value;
}

/// The tile figures `ringbid leads --format json` implies, in the tiles' units.
function figuresOfLeads(report) {
  const f = { total: report.totals.leads, answered: 0, missed: 0, 'total-duration': 0, revenue: 0, profit: 0 };
  for (const lead of report.leads) {
    if (lead.disposition === 'bridged') f.answered += 1;
    if (lead.disposition === 'no_buyer' || lead.disposition === 'buyer_no_answer') f.missed += 1;
    f['total-duration'] += Math.round(lead.talk_s * 1000);
    f.revenue += micros(lead.revenue);
    f.profit += micros(lead.profit);
  }
  assert.equal(report.leads.length, report.totals.leads, 'ringbid leads listed every lead');
  assert.equal(f.revenue, micros(report.totals.revenue), 'the leads add up to the revenue total');
  assert.equal(f.profit, micros(report.totals.profit), 'the leads add up to the profit total');
  f['average-duration'] = f.answered ? Math.floor(f['total-duration'] / f.answered) : 0;
  return f;
}

function figuresOfSummary(s) {
  return {
    total: s.calls.total,
    answered: s.calls.answered,
    missed: s.calls.missed,
    'total-duration': s.talk.total_ms,
    'average-duration': s.talk.average_ms,
    revenue: s.money.revenue_micros,
    profit: s.money.profit_micros,
  };
}

function differences(want, got) {
  return Object.keys(want)
    .filter((k) => String(want[k]) !== String(got[k]))
    .map((k) => `${k}: want ${want[k]}, page ${got[k]}`);
}

// ------------------------------------------------------------ the page

async function tiles(page) {
  return page.$$eval('[data-tile]', (els) => Object.fromEntries(els.map((e) => [e.dataset.tile, e.dataset.value])));
}

async function tileNumber(page, name) {
  const value = await page.getAttribute(`[data-tile="${name}"]`, 'data-value');
  return value === null || value === '' ? NaN : Number(value);
}

/// Waits until the page's tiles show `want` (a subset of the tiles).
async function waitForTiles(page, want, what, limitMs) {
  let diff = [];
  try {
    await eventually(what, limitMs, async () => {
      diff = differences(want, await tiles(page));
      return diff.length === 0;
    });
  } catch {
    throw new Error(`${what}: the tiles differ after ${limitMs} ms: ${diff.join('; ')}`);
  }
}

// Records, per call id, the board columns its card was put in, in order. Read
// from the mutation records (the column a card was added to), so a card that
// moves twice between two observer callbacks is still seen in both columns.
function installColumnRecorder() {
  window.__columns = {};
  const note = (card, column) => {
    const seen = (window.__columns[card.dataset.callId] ||= []);
    if (seen[seen.length - 1] !== column) seen.push(column);
  };
  const cardsIn = (node) => (node.classList.contains('card') ? [node] : [...node.querySelectorAll('.card')]);
  for (const card of document.querySelectorAll('[data-column] .card')) note(card, card.closest('[data-column]').dataset.column);
  new MutationObserver((records) => {
    for (const record of records) {
      const column = record.target.closest && record.target.closest('[data-column]');
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        for (const card of cardsIn(node)) note(card, (card.parentElement.closest('[data-column]') || column)?.dataset.column);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
}

// Keeps every EventSource the page opens, so the test can see which are closed.
function trackEventSources() {
  const Native = window.EventSource;
  window.__streams = [];
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      window.__streams.push(this);
    }
  };
}

const pathOf = (url) => new URL(url).pathname;

// ------------------------------------------------------------ the checks

const checks = [];
function passed(name, detail) {
  checks.push(name);
  say(`ok ${checks.length} ${name}: ${detail}`);
}

async function checkTilesRise(page) {
  const first = await eventually('a first call booked on the total tile', 30000, async () => {
    const n = await tileNumber(page, 'total');
    return n > 0 ? n : 0;
  });
  const later = await eventually(`the total tile rising above ${first}`, 20000, async () => {
    const n = await tileNumber(page, 'total');
    return n > first ? n : 0;
  });
  passed('tiles change as calls complete', `total ${first} -> ${later}`);
}

async function checkColumns(page) {
  const inOrder = (seen, a, b) => seen.indexOf(a) >= 0 && seen.indexOf(b) > seen.indexOf(a);
  const paths = await eventually('a call seen in greeting, then hold, then bridged', 30000, async () => {
    const all = await page.evaluate(() => window.__columns);
    const full = Object.entries(all).filter(([, s]) => inOrder(s, 'greeting', 'hold') && inOrder(s, 'hold', 'bridged'));
    return full.length > 0 ? { full, all } : null;
  });
  const [id, seen] = paths.full[0];
  passed('cards move between the columns', `${paths.full.length} of ${Object.keys(paths.all).length} calls went ` +
    `greeting -> hold -> bridged (e.g. ${id}: ${seen.join(' -> ')})`);
}

async function chooseCampaign(page) {
  const options = await page.$$eval('#campaign option', (els) => els.map((e) => e.value));
  const known = demo.campaigns.map((c) => c.id);
  assert.deepEqual([...options].sort(), ['', ...known].sort(), 'the campaign filter offers All and every campaign');
  return known[known.length - 1];
}

/// Back to every campaign, once the page has reopened its stream without a filter.
async function showAllCampaigns(page, requests) {
  const since = Date.now();
  await page.selectOption('#campaign', '');
  await eventually('the stream reopened without a filter', 5000, () =>
    requests.some((r) => r.at >= since && pathOf(r.url) === '/api/v1/stream' && !new URL(r.url).searchParams.get('campaign')));
  await eventually('#status saying live', 5000, async () => (await page.textContent('#status')) === 'live');
}

async function checkFiltersDuringTraffic(page, base, requests) {
  const campaign = await chooseCampaign(page);
  const since = Date.now();
  await page.selectOption('#campaign', campaign);
  await eventually('the stream reopened with the campaign filter', 5000, () =>
    requests.some((r) => r.at >= since && pathOf(r.url) === '/api/v1/stream' &&
      new URL(r.url).searchParams.get('campaign') === campaign));
  // The board and the recent calls hold that campaign's calls only, and there are some.
  await eventually(`cards or recent rows of ${campaign}`, 15000, async () => {
    const shown = await page.$$eval('[data-column] .card, #recent-rows tr[data-call-id]', (els) => els.map((e) => e.dataset.campaign));
    const strangers = shown.filter((c) => c !== campaign);
    assert.deepEqual(strangers, [], `only ${campaign} is shown`);
    return shown.length > 0;
  });
  // The tiles show the campaign's figures: what the summary says for it at the same moment.
  let last = '';
  await eventually(`the tiles showing ${campaign}'s figures`, 8000, async () => {
    const summary = await getJson(base, `/api/v1/metrics/summary?from=${today}&to=${today}&campaign=${campaign}`);
    const diff = differences(figuresOfSummary(summary), await tiles(page));
    last = diff.join('; ');
    return diff.length === 0;
  }).catch((err) => {
    throw new Error(`${err.message}; last difference: ${last}`);
  });
  const filtered = await tileNumber(page, 'total');
  const overall = (await getJson(base, `/api/v1/metrics/summary?from=${today}&to=${today}`)).calls.total;
  assert.ok(filtered < overall, `${campaign}'s total (${filtered}) is below the overall total (${overall})`);
  await showAllCampaigns(page, requests);
  passed('the campaign filter', `${campaign}: only its cards and rows; total ${filtered} of ${overall}, as the summary API says`);
  return campaign;
}

async function checkRefresh(page, requests) {
  const summaryTimes = (from, to) =>
    requests.filter((r) => r.at >= from && r.at < to && pathOf(r.url) === '/api/v1/metrics/summary').map((r) => r.at);
  const streamsSince = (from) => requests.filter((r) => r.at >= from && pathOf(r.url) === '/api/v1/stream').length;
  const gaps = (times) => times.slice(1).map((t, i) => (t - times[i]) / 1000);

  // Every 10 s: the stream is closed; the summary comes at once, then every 10 s.
  let since = Date.now();
  await page.selectOption('#refresh', '10');
  await sleep(20800);
  let times = summaryTimes(since, Date.now());
  const openStreams = await page.evaluate(() => window.__streams.filter((s) => s.readyState !== EventSource.CLOSED).length);
  assert.equal(openStreams, 0, 'no EventSource left open in the 10 s mode');
  assert.equal(streamsSince(since), 0, 'no stream requested in the 10 s mode');
  assert.equal(times.length, 3, `3 summary requests in 20.8 s of the 10 s mode, got ${times.length}`);
  for (const gap of gaps(times)) assert.ok(gap > 9 && gap < 11, `summary requests 10 s apart, got ${gaps(times)}`);
  assert.equal(await page.textContent('#status'), 'polling');
  const tenGaps = gaps(times).map((g) => g.toFixed(1)).join(', ');

  // Every 3 s.
  since = Date.now();
  await page.selectOption('#refresh', '3');
  await sleep(9800);
  times = summaryTimes(since, Date.now());
  assert.equal(streamsSince(since), 0, 'no stream requested in the 3 s mode');
  assert.ok(times.length >= 3 && times.length <= 5, `about 4 summary requests in 9.8 s of the 3 s mode, got ${times.length}`);
  for (const gap of gaps(times)) assert.ok(gap > 2.3 && gap < 3.7, `summary requests 3 s apart, got ${gaps(times)}`);
  const threeGaps = gaps(times).map((g) => g.toFixed(1)).join(', ');

  // Back to Live: a stream again.
  since = Date.now();
  await page.selectOption('#refresh', 'live');
  await eventually('a stream opened in Live mode', 5000, () => streamsSince(since) > 0);
  await eventually('#status saying live', 5000, async () => (await page.textContent('#status')) === 'live');
  passed('the refresh selector', `10 s: summary every ${tenGaps} s, stream closed; 3 s: every ${threeGaps} s; Live: stream reopened`);
}

async function checkFinalFigures(page, base, requests, sim, campaign) {
  const simEnd = await Promise.race([sim.done, sleep(90000).then(() => null)]);
  assert.ok(simEnd, 'carrier-sim finished its calls within 90 s');
  assert.equal(simEnd.code, 0, `carrier-sim exited with ${simEnd.code ?? simEnd.signal}:\n${readLog(sim.log)}`);
  say('carrier-sim finished');
  await eventually('the node with no live call', 20000, async () =>
    (await getJson(base, '/api/v1/metrics/summary')).active.total === 0);
  await waitForTiles(page, { active: 0 }, 'the active tile at 0', 10000);

  const leads = figuresOfLeads(await runLeads());
  assert.equal(leads.total, CALLS, `ringbid leads has one lead per placed call`);
  const node = figuresOfSummary(await getJson(base, `/api/v1/metrics/summary?from=${today}&to=${today}`));
  const apiDiff = differences(leads, node).map((d) => d.replace('page', 'summary API'));
  await waitForTiles(page, leads, 'tiles against ringbid leads' + (apiDiff.length ? ` (summary API differs too: ${apiDiff.join('; ')})` : ''), 10000);
  const rows = await page.$$eval('#recent-rows tr[data-call-id]', (els) => els.length);
  assert.equal(rows, Math.min(25, leads.total), 'the recent table shows the last 25 calls');
  passed('final tiles equal ringbid leads', Object.entries(leads).map(([k, v]) => `${k} ${v}`).join(', '));

  // The filter once more, now that the figures stand still: exactly the CLI's figures for the campaign.
  await page.selectOption('#campaign', campaign);
  const mine = figuresOfLeads(await runLeads(['--campaign', campaign]));
  await waitForTiles(page, mine, `tiles for ${campaign} against ringbid leads --campaign`, 10000);
  const rowCampaigns = await page.$$eval('#recent-rows tr[data-call-id]', (els) => els.map((e) => e.dataset.campaign));
  assert.equal(rowCampaigns.length, Math.min(25, mine.total), `the recent table shows ${campaign}'s last calls`);
  assert.ok(rowCampaigns.every((c) => c === campaign), `recent rows of ${campaign} only, got ${rowCampaigns}`);
  passed('filtered tiles equal ringbid leads --campaign', `${campaign}: total ${mine.total} of ${leads.total}, revenue ${mine.revenue}`);
  await showAllCampaigns(page, requests);
  await waitForTiles(page, { total: leads.total }, 'the tiles back to every campaign', 10000);
}

// ------------------------------------------------------------ main

async function main() {
  let browser;
  let page;
  let forwarder;
  let failed = null;
  try {
    forwarder = await startWebhookForwarder();
    fs.mkdirSync(dataDir, { recursive: true });
    const carrierConfig = path.join(work, 'carrier.json');
    fs.writeFileSync(carrierConfig, JSON.stringify({ ...demo, carrier_sim: { ...demo.carrier_sim, talk_s_mean: TALK_S_MEAN } }));

    const sim = startProcess('carrier-sim', [path.join(bin, 'ringbid'), 'carrier-sim', '--config', carrierConfig,
      '--webhook-url', forwarder.url, '--listen', '127.0.0.1:0', '--key-file', path.join(work, 'carrier.key'),
      '--calls', String(CALLS), '--rate', String(RATE), '--time-scale', String(TIME_SCALE), '--seed', '7',
      '--record', path.join(work, 'carrier-record.json'), '--wait-ready', '30', '--max-run', '120'],
      path.join(work, 'carrier-sim.log'));
    const api = (await waitForLog(sim, /carrier-sim api: (\S+)/, 20000))[1];
    const publicKey = (await waitForLog(sim, /carrier-sim public key: (\S+)/, 20000))[1];

    const node = startProcess('ringbid-node', [path.join(bin, 'ringbid-node'), '--config', demoConfig,
      '--data-dir', dataDir, '--http', '127.0.0.1:0', '--carrier', 'telnyx', '--telnyx-api-url', api,
      '--telnyx-public-key', publicKey], path.join(work, 'node.log'));
    const port = Number((await waitForLog(node, /http on 127\.0\.0\.1:(\d+)/, 20000))[1]);
    const base = `http://127.0.0.1:${port}`;
    forwarder.forwardTo(port);
    say(`node on ${base}, carrier-sim API on ${api}`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(trackEventSources);
    page = await context.newPage();
    const requests = [];
    page.on('request', (r) => requests.push({ at: Date.now(), url: r.url() }));
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(base + '/');
    await page.evaluate(installColumnRecorder);
    await eventually('#status saying live', 10000, async () => (await page.textContent('#status')) === 'live');
    assert.equal(await page.inputValue('#from'), today, 'the range starts today (UTC)');
    assert.equal(await page.inputValue('#to'), today, 'the range ends today (UTC)');
    assert.equal(await page.inputValue('#refresh'), 'live', 'Live is the default refresh');

    await checkTilesRise(page);
    await checkColumns(page);
    const campaign = await checkFiltersDuringTraffic(page, base, requests);
    await checkRefresh(page, requests);
    await checkFinalFigures(page, base, requests, sim, campaign);
    assert.deepEqual(pageErrors, [], 'no script error on the page');

    await page.screenshot({ path: path.join(out, 'dashboard.png'), fullPage: true });
    passed('screenshot', path.join(out, 'dashboard.png'));
  } catch (err) {
    failed = err;
    if (page) await page.screenshot({ path: path.join(out, 'dashboard-failure.png'), fullPage: true }).catch(() => {});
  } finally {
    if (browser) await browser.close().catch(() => {});
    await stopProcesses();
    if (forwarder) forwarder.close();
  }

  for (const log of ['node.log', 'carrier-sim.log']) {
    if (fs.existsSync(path.join(work, log))) fs.copyFileSync(path.join(work, log), path.join(out, log));
  }
  if (failed) {
    console.error(`\nFAIL after ${elapsed()}: ${failed.stack || failed.message}`);
    console.error(`logs in ${out} (node.log, carrier-sim.log); scratch directory kept: ${work}`);
    console.log(`dashboard: ${checks.length} passed, 1 failed`);
    process.exitCode = 1;
    return;
  }
  fs.rmSync(work, { recursive: true, force: true });
  console.log(`dashboard: ${checks.length} passed, 0 failed (${elapsed()})`);
}

await main();
process.exit(); // keep-alive sockets of fetch() must not hold the exit up
