// The ringbid dashboard. Plain script, no build step: the node serves this file
// at /assets/app.js and uPlot beside it. The HTTP contract it follows:
//   GET api/v1/metrics/summary?from=&to=&campaign=&source=  -> tiles, chart, recent calls
//   GET api/v1/calls/live?campaign=&source=                 -> the board (polling modes)
//   GET api/v1/stream?campaign=&source=  (SSE: board, call, metrics events) -> Live mode
'use strict';

(() => {
  const $ = (selector) => document.querySelector(selector);

  const controls = {
    campaign: $('#campaign'),
    source: $('#source'),
    from: $('#from'),
    to: $('#to'),
    refresh: $('#refresh'),
  };
  const statusEl = $('#status');
  const noticeEl = $('#notice');
  const chartEl = $('#chart');
  const recentRows = $('#recent-rows');
  const columns = {};
  for (const el of document.querySelectorAll('[data-column]')) {
    columns[el.dataset.column] = { cards: el.querySelector('.cards'), count: el.querySelector('.count') };
  }

  // Which board column shows a call in each state; other states are not on the board.
  const COLUMN_OF_STATE = { greeting: 'greeting', hold: 'hold', auction: 'hold', bridged: 'bridged' };
  const CLOSED_RETRY_MS = 5000;
  const RANGE_POLL_MS = 3000; // Live mode with a range other than today: the stream's metrics are for today only

  const app = {
    generation: 0, // bumped whenever the controls change; answers for an older generation are dropped
    stream: null, // the EventSource in Live mode
    timers: [], // intervals and timeouts of the current mode
    clockOffsetMs: 0, // node clock minus browser clock, so "time in state" uses the node's clock
    cards: new Map(), // call id -> card element
    summaryAt: 0, // generated_at (ms) of the summary shown, to ignore an older one arriving late
    scopedSource: '', // a publisher's source: the only one shown
    chart: null,
    today: todayUtc(),
  };

  // ---------------------------------------------------------------- formatting

  function todayUtc() {
    return new Date().toISOString().slice(0, 10);
  }

  function formatCount(n) {
    return Number(n).toLocaleString('en-US');
  }

  // Micro-dollars as dollars with 2 decimals, computed on integers.
  function formatMoney(micros) {
    const cents = Math.round(Math.abs(micros) / 10000);
    const text = '$' + Math.floor(cents / 100).toLocaleString('en-US') + '.' + String(cents % 100).padStart(2, '0');
    return micros < 0 && cents > 0 ? '−' + text : text;
  }

  // A talk duration for a tile: "42s", "3m 07s", "2h 05m".
  function formatDuration(ms) {
    const s = Math.floor(ms / 1000);
    if (s < 60) return s + 's';
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
    return `${formatCount(Math.floor(m / 60))}h ${String(m % 60).padStart(2, '0')}m`;
  }

  // Time in state for a card: "0:07", "12:34", "1:02:03".
  function formatClock(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const hh = Math.floor(s / 3600);
    const mm = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, '0');
    return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
  }

  function percent(part, whole) {
    return whole > 0 ? Math.round((100 * part) / whole) + '%' : '';
  }

  // ---------------------------------------------------------------- status and notices

  function setStatus(state, detail) {
    statusEl.textContent = state;
    statusEl.dataset.state = state;
    statusEl.title = detail || state;
  }

  function showNotice(text) {
    noticeEl.textContent = text;
    noticeEl.hidden = false;
  }

  function clearNotice() {
    noticeEl.hidden = true;
    noticeEl.textContent = '';
  }

  class RequestError extends Error {
    constructor(kind, message) {
      super(message);
      this.kind = kind; // "offline" | "token" | "http"
    }
  }

  function reportError(err) {
    if (err.kind === 'token') {
      setStatus('offline', 'access token needed');
      // The session ended (signed out elsewhere, expired, token revoked): sign in again.
      window.location.assign('/signin');
    } else if (err.kind === 'http') {
      showNotice('The node refused the request: ' + err.message);
    } else {
      setStatus('offline', 'node not reachable');
      showNotice('The node is not answering. Retrying…');
    }
  }

  async function getJson(path) {
    let response;
    try {
      response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    } catch {
      throw new RequestError('offline', 'node not reachable');
    }
    if (response.status === 401) throw new RequestError('token', 'access token needed');
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      try {
        const body = await response.json();
        message = body.detail || body.error || message;
      } catch {
        // not JSON: keep the status line
      }
      throw new RequestError('http', message);
    }
    try {
      return await response.json();
    } catch {
      throw new RequestError('http', 'the node sent something that is not JSON');
    }
  }

  // ---------------------------------------------------------------- controls and URL

  function filterQuery() {
    return new URLSearchParams({ campaign: controls.campaign.value, source: controls.source.value });
  }

  function rangeQuery() {
    const q = filterQuery();
    q.set('from', controls.from.value);
    q.set('to', controls.to.value);
    return q;
  }

  function rangeIsToday() {
    return controls.from.value === app.today && controls.to.value === app.today;
  }

  function rangeProblem() {
    if (!controls.from.value || !controls.to.value) return 'Choose both dates of the range.';
    if (controls.from.value > controls.to.value) return '“From” is after “To”: choose a range that runs forward.';
    return '';
  }

  // Keeps an <option> list equal to "All" + ids, without losing the selection.
  function fillOptions(select, ids) {
    const wanted = ['', ...ids];
    if (select.value && !ids.includes(select.value)) wanted.push(select.value);
    const have = Array.from(select.options, (o) => o.value);
    if (have.length === wanted.length && have.every((v, i) => v === wanted[i])) return;
    const chosen = select.value;
    select.replaceChildren(
      ...wanted.map((id) => {
        const option = document.createElement('option');
        option.value = id;
        option.textContent = id === '' ? 'All' : id;
        return option;
      })
    );
    select.value = chosen;
  }

  // The controls come from the URL so a view can be bookmarked. A ?token= is
  // dropped from the address bar: the node has set its cookie by now.
  function readUrl() {
    const q = new URLSearchParams(location.search);
    for (const name of ['campaign', 'source']) {
      const id = q.get(name);
      if (!id) continue;
      fillOptions(controls[name], [id]);
      controls[name].value = id;
    }
    const isDay = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v || '');
    controls.from.value = isDay(q.get('from')) ? q.get('from') : app.today;
    controls.to.value = isDay(q.get('to')) ? q.get('to') : app.today;
    if (['live', '3', '5', '10'].includes(q.get('refresh'))) controls.refresh.value = q.get('refresh');
  }

  function writeUrl() {
    const q = new URLSearchParams(location.search);
    q.delete('token');
    const set = (name, value, fallback) => (value && value !== fallback ? q.set(name, value) : q.delete(name));
    set('campaign', controls.campaign.value, '');
    set('source', controls.source.value, '');
    set('from', controls.from.value, app.today);
    set('to', controls.to.value, app.today);
    set('refresh', controls.refresh.value, 'live');
    const search = q.toString();
    history.replaceState(null, '', location.pathname + (search ? '?' + search : ''));
  }

  // ---------------------------------------------------------------- tiles, chart, recent calls

  function setTile(name, value, format, sub) {
    const tile = document.querySelector(`[data-tile="${name}"]`);
    const raw = String(value);
    if (tile.dataset.value !== raw && tile.dataset.value !== '') {
      // A short highlight so a change is seen at a glance.
      tile.classList.remove('changed');
      void tile.offsetWidth;
      tile.classList.add('changed');
    }
    tile.dataset.value = raw;
    tile.querySelector('.value').textContent = format(value);
    tile.querySelector('.sub').textContent = sub || '';
  }

  function applySummary(s) {
    if (!s || !s.calls) return;
    const at = Date.parse(s.generated_at) || 0;
    if (at < app.summaryAt) return;
    app.summaryAt = at;

    fillOptions(controls.campaign, s.campaigns || []);
    fillOptions(controls.source, s.sources || []);

    const c = s.calls;
    const a = s.active;
    setTile('total', c.total, formatCount, c.abandoned ? `${formatCount(c.abandoned)} abandoned` : '');
    setTile('answered', c.answered, formatCount, percent(c.answered, c.total) && `${percent(c.answered, c.total)} of calls`);
    setTile('missed', c.missed, formatCount, percent(c.missed, c.total) && `${percent(c.missed, c.total)} of calls`);
    setTile('paused', c.paused || 0, formatCount, percent(c.paused || 0, c.total) && `${percent(c.paused || 0, c.total)} of calls`);
    setTile('active', a.total, formatCount, `${a.greeting} greeting · ${a.hold + a.auction} hold · ${a.bridged} bridged`);
    setTile('total-duration', s.talk.total_ms, formatDuration);
    setTile('average-duration', s.talk.average_ms, formatDuration, 'per answered call');
    if (s.money) {
      setTile('revenue', s.money.revenue_micros, formatMoney, `payout ${formatMoney(s.money.payout_micros)}`);
      setTile('profit', s.money.profit_micros, formatMoney,
        percent(s.money.profit_micros, s.money.revenue_micros) && `${percent(s.money.profit_micros, s.money.revenue_micros)} margin`);
    }

    renderChart(s.per_minute || []);
    renderRecent(s.recent || []);
  }

  function chartSize() {
    return { width: Math.max(240, chartEl.clientWidth), height: window.innerWidth < 600 ? 160 : 220 };
  }

  // "14:05" for epoch seconds: the chart's times are UTC, like the date range.
  function utcMinute(ts) {
    return new Date(ts * 1000).toISOString().slice(11, 16);
  }

  function renderChart(perMinute) {
    const data = [
      perMinute.map((p) => Date.parse(p.minute) / 1000),
      perMinute.map((p) => p.total),
      perMinute.map((p) => p.answered),
    ];
    if (typeof uPlot === 'undefined') {
      chartEl.textContent = 'The chart library did not load.';
      return;
    }
    if (app.chart) {
      app.chart.setData(data);
      return;
    }
    app.chart = new uPlot(
      {
        ...chartSize(),
        scales: { y: { range: (u, min, max) => [0, Math.max(4, max)] } },
        series: [
          { value: (u, ts) => (ts == null ? '–' : utcMinute(ts)) },
          { label: 'Calls', stroke: '#2563eb', width: 2, fill: 'rgba(37, 99, 235, 0.10)' },
          { label: 'Answered', stroke: '#15803d', width: 2 },
        ],
        axes: [{ values: (u, splits) => splits.map(utcMinute) }, { size: 40 }],
      },
      data,
      chartEl
    );
    new ResizeObserver(() => app.chart.setSize(chartSize())).observe(chartEl);
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function renderRecent(recent) {
    recentRows.replaceChildren(
      ...recent.map((r) => {
        const tr = document.createElement('tr');
        tr.dataset.callId = r.id;
        tr.dataset.campaign = r.campaign;
        tr.dataset.source = r.source;
        const started = r.started_at.slice(11, 19);
        const day = r.started_at.slice(0, 10);
        const when = cell(day === app.today ? started : `${day} ${started}`);
        when.title = r.started_at;
        tr.append(
          when,
          cell(r.campaign || '–'),
          cell(r.source || '–'),
          app.scopedSource ? '' : cell(r.buyer || '–'),
          cell(r.outcome.replace(/_/g, ' '), 'outcome outcome-' + r.outcome.split(' ')[0]),
          cell(r.talk_ms ? formatClock(r.talk_ms) : '–', 'num')
        );
        if (!app.scopedSource) {
          tr.append(
            cell(r.bid_micros ? formatMoney(r.bid_micros) : '–', 'num'),
            cell(formatMoney(r.revenue_micros), 'num'),
            cell(formatMoney(r.revenue_micros - r.payout_micros), 'num')
          );
        }
        return tr;
      })
    );
  }

  // ---------------------------------------------------------------- the live board

  function noteNodeClock(generatedAtMs) {
    if (Number.isFinite(generatedAtMs)) app.clockOffsetMs = generatedAtMs - Date.now();
  }

  function matchesFilter(card) {
    return (!controls.campaign.value || card.campaign === controls.campaign.value) &&
      (!controls.source.value || card.source === controls.source.value);
  }

  function makeCard(id) {
    const el = document.createElement('article');
    el.className = 'card';
    el.dataset.callId = id;
    el.innerHTML =
      '<div class="card-head"><span class="campaign"></span><span class="age"></span></div>' +
      '<div class="card-source"></div><div class="card-win"></div>';
    return el;
  }

  function fillCard(el, card) {
    el.dataset.state = card.state;
    el.dataset.since = card.since_ms;
    el.dataset.campaign = card.campaign;
    el.dataset.source = card.source;
    el.querySelector('.campaign').textContent = card.campaign || 'looking up…';
    el.querySelector('.card-source').textContent = card.source || '';
    const win = el.querySelector('.card-win');
    if (card.buyer) win.textContent = `${card.buyer} · ${formatMoney(card.bid_micros)}`;
    else win.textContent = card.state === 'auction' ? 'auction running…' : '';
    win.hidden = win.textContent === '';
    tickCard(el, Date.now() + app.clockOffsetMs);
  }

  function tickCard(el, nodeNow) {
    el.querySelector('.age').textContent = formatClock(nodeNow - Number(el.dataset.since));
  }

  function updateCounts() {
    for (const column of Object.values(columns)) column.count.textContent = column.cards.childElementCount;
  }

  function removeCard(id) {
    const el = app.cards.get(id);
    if (!el) return;
    el.remove();
    app.cards.delete(id);
  }

  // Adds, moves or removes the card of one call (a `call` event or a row of a board).
  function upsertCard(card) {
    if (!card || !card.id) return;
    const column = matchesFilter(card) ? COLUMN_OF_STATE[card.state] : undefined;
    if (!column) {
      removeCard(card.id); // ending, done, or filtered out
      updateCounts();
      return;
    }
    let el = app.cards.get(card.id);
    if (!el) {
      el = makeCard(card.id);
      app.cards.set(card.id, el);
    }
    fillCard(el, card);
    const target = columns[column].cards;
    if (el.parentNode !== target) target.appendChild(el); // moves it out of its old column
    updateCounts();
  }

  // Replaces the board, reusing the cards still there so nothing flickers.
  function renderBoard(calls) {
    const keep = new Set();
    for (const card of [...calls].sort((x, y) => x.since_ms - y.since_ms)) {
      upsertCard(card);
      if (app.cards.has(card.id)) keep.add(card.id);
    }
    for (const id of [...app.cards.keys()]) if (!keep.has(id)) removeCard(id);
    updateCounts();
  }

  function clearBoard() {
    renderBoard([]);
  }

  // ---------------------------------------------------------------- modes: Live (SSE) or polling

  function later(fn, ms) {
    app.timers.push(setTimeout(fn, ms));
  }

  // Calls fn now and every ms, never two at once.
  function every(ms, fn) {
    let running = false;
    const run = async () => {
      if (running) return;
      running = true;
      try {
        await fn();
      } finally {
        running = false;
      }
    };
    run();
    app.timers.push(setInterval(run, ms));
  }

  function stopAll() {
    for (const t of app.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    app.timers = [];
    if (app.stream) app.stream.close();
    app.stream = null;
  }

  async function refreshSummary(gen) {
    try {
      const summary = await getJson('api/v1/metrics/summary?' + rangeQuery());
      if (gen !== app.generation) return;
      applySummary(summary);
      if (controls.refresh.value !== 'live') setStatus('polling', `every ${controls.refresh.value} s`);
      clearNotice();
    } catch (err) {
      if (gen === app.generation) reportError(err);
    }
  }

  async function refreshBoard(gen) {
    try {
      const live = await getJson('api/v1/calls/live?' + filterQuery());
      if (gen !== app.generation) return;
      noteNodeClock(live.generated_at_ms);
      renderBoard(live.calls || []);
    } catch (err) {
      if (gen === app.generation) reportError(err);
    }
  }

  function parseEvent(event) {
    try {
      return JSON.parse(event.data);
    } catch {
      return null;
    }
  }

  function openStream(gen) {
    const es = new EventSource('api/v1/stream?' + filterQuery());
    app.stream = es;
    const current = () => app.stream === es && gen === app.generation;
    es.onopen = () => {
      if (!current()) return;
      setStatus('live', 'streaming from the node');
      clearNotice();
    };
    es.addEventListener('board', (event) => {
      const board = parseEvent(event);
      if (!current() || !board) return;
      noteNodeClock(board.generated_at_ms);
      renderBoard(board.calls || []);
    });
    es.addEventListener('call', (event) => {
      if (current()) upsertCard(parseEvent(event));
    });
    es.addEventListener('metrics', (event) => {
      if (current() && rangeIsToday()) applySummary(parseEvent(event));
    });
    es.onerror = () => {
      if (!current()) return;
      if (es.readyState !== EventSource.CLOSED) {
        // The connection dropped; EventSource reconnects by itself.
        setStatus('offline', 'reconnecting');
        showNotice('Lost the connection to the node. Reconnecting…');
        return;
      }
      // The node answered with something other than a stream (401, 5xx): EventSource
      // gives up, so ask the summary why, and try again a little later.
      es.close();
      app.stream = null;
      setStatus('offline', 'stream refused');
      refreshSummary(gen).then(() => {
        if (gen === app.generation && noticeEl.hidden) showNotice('The node refused the live stream. Retrying…');
      });
      later(() => {
        if (gen === app.generation) openStream(gen);
      }, CLOSED_RETRY_MS);
    };
  }

  // Starts over after any change of the controls.
  function restart() {
    stopAll();
    const gen = ++app.generation;
    app.summaryAt = 0;
    writeUrl();
    clearBoard();
    const problem = rangeProblem();
    if (problem) {
      showNotice(problem);
      return;
    }
    clearNotice();
    const mode = controls.refresh.value;
    if (app.scopedSource) {
      // A publisher: its source's figures, polled; the board and the stream are not for it.
      const ms = mode === 'live' ? RANGE_POLL_MS : Number(mode) * 1000;
      every(ms, () => refreshSummary(gen).then(() => {
        if (gen === app.generation) setStatus('polling', `every ${ms / 1000} s`);
      }));
    } else if (mode === 'live') {
      openStream(gen);
      // The stream's metrics are for today; other ranges are polled.
      if (rangeIsToday()) refreshSummary(gen);
      else every(RANGE_POLL_MS, () => refreshSummary(gen));
    } else {
      every(Number(mode) * 1000, () => Promise.all([refreshSummary(gen), refreshBoard(gen)]));
    }
  }

  // Once a second: the cards' time in state, and the change of the UTC day.
  function tick() {
    const nodeNow = Date.now() + app.clockOffsetMs;
    for (const el of app.cards.values()) tickCard(el, nodeNow);
    const today = todayUtc();
    if (today !== app.today) {
      // A range left at "today" follows the day; a chosen range stays.
      if (controls.from.value === app.today && controls.to.value === app.today) {
        controls.from.value = today;
        controls.to.value = today;
      }
      app.today = today;
      restart();
    }
  }

  // A publisher token sees its own source only: the source filter is fixed,
  // money and buyers are not shown, and the live board is not for it.
  function applyScope(session) {
    if (!session || !session.scope || session.scope.kind !== 'source') return;
    const id = session.scope.id;
    app.scopedSource = id;
    fillOptions(controls.source, [id]);
    controls.source.value = id;
    controls.source.disabled = true;
    for (const name of ['revenue', 'profit']) document.querySelector(`[data-tile="${name}"]`).hidden = true;
    const board = document.querySelector('.board');
    board.hidden = true;
    const note = document.createElement('p');
    note.className = 'scope-note';
    note.textContent = `Signed in as publisher of ${id}: the figures are those of its calls, without revenue or buyers. The live board is not shown to publishers.`;
    board.before(note);
    const heads = document.querySelectorAll('.recent thead th');
    for (const i of [3, 6, 7, 8]) heads[i].hidden = true;
  }

  async function start() {
    readUrl();
    try {
      applyScope(await getJson('api/v1/session'));
    } catch (err) {
      if (err.kind === 'token') {
        reportError(err);
        return;
      }
    }
    for (const control of Object.values(controls)) control.addEventListener('change', restart);
    $('#filters').addEventListener('submit', (event) => event.preventDefault());
    setInterval(tick, 1000);
    restart();
  }

  start();
})();
