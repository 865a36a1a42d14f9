// The management page: campaigns, sources, buyers, caps, numbers, the revision
// history and the audit log, over the REST API under /api/v1 (schemas/openapi.json).
// Plain script, no build step. What shows depends on GET /api/v1/session's rights:
// read_config for the configuration tabs, write_config for every control that
// changes something, read_audit for the Audit tab.
'use strict';

(() => {
  const API = '/api/v1/';
  const CONFIG_TABS = ['campaigns', 'sources', 'buyers', 'caps', 'dids', 'history'];

  const state = {
    session: null,
    rights: new Set(),
    current: null,
    showArchived: { campaigns: false, sources: false, buyers: false },
    lists: {}, // kind -> items last read (for the selects of other forms)
    revisionsCursor: null,
    auditCursor: null,
  };

  // ---------------------------------------------------------------- DOM helpers

  /// h('button', {type: 'button', onclick: f}, 'text', child...)
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key === 'value') el.value = value;
      else if (key in el && typeof value !== 'string') el[key] = value;
      else el.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;

  const may = (right) => state.rights.has(right);
  const panel = (name) => document.getElementById('panel-' + name);

  function announce(text) {
    const line = document.getElementById('status-line');
    line.textContent = text;
  }

  function showNotice(text) {
    const el = document.getElementById('notice');
    el.textContent = text;
    el.hidden = !text;
  }

  // ---------------------------------------------------------------- formatting

  function money(value) {
    if (value === undefined || value === null || value === '') return '—';
    return '$' + Number(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 });
  }

  function count(value) {
    return value === undefined || value === null ? '—' : Number(value).toLocaleString('en-US');
  }

  /// "2026-05-01T00:00:00-07:00" -> "2026-05-01 00:00 (UTC-07:00)"
  function localTime(text) {
    if (!text) return 'never';
    const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)?$/.exec(text);
    if (!m) return text;
    return `${m[1]} ${m[2]}` + (m[3] ? ` (UTC${m[3] === 'Z' ? '' : m[3]})` : '');
  }

  function utcTime(text) {
    return text ? text.replace('T', ' ').replace(/\.\d+/, '').replace('Z', ' UTC') : '';
  }

  function valueText(value) {
    if (value === undefined) return '—';
    const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
    return text.length > 160 ? text.slice(0, 157) + '…' : text;
  }

  function statusOf(item) {
    if (item.archived) return 'archived';
    if (item.active === false) return 'paused';
    return 'active';
  }

  // ---------------------------------------------------------------- HTTP

  class Problem extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || `HTTP ${status}`);
      this.status = status;
      this.body = body || {};
    }
  }

  /// One API request. Answers {status, body, etag, revision}; throws Problem
  /// for 4xx/5xx (401 goes to the sign-in page) and for a node not answering.
  async function api(method, path, options = {}) {
    const headers = { Accept: 'application/json, application/problem+json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.etag) headers['If-Match'] = options.etag;
    if (options.reason) headers['Ringbid-Change-Reason'] = options.reason;
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: 'no-store',
      });
    } catch {
      throw new Problem(0, { title: 'The node is not answering. Try again.' });
    }
    if (response.status === 401) {
      window.location.assign('/signin');
      throw new Problem(401, { title: 'Signed out' });
    }
    let body = null;
    if (response.status !== 204) {
      try {
        body = await response.json();
      } catch {
        body = null;
      }
    }
    if (!response.ok) throw new Problem(response.status, body);
    return {
      status: response.status,
      body,
      etag: response.headers.get('ETag'),
      revision: response.headers.get('Ringbid-Revision'),
    };
  }

  async function listAll(path) {
    const items = [];
    let cursor = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = await api('GET', path + sep + 'limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      items.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    return items;
  }

  // ---------------------------------------------------------------- forms

  // A field spec: {path: ['split', 'campaign_id'], label, type, options, blank, help, required}
  // type: text | textarea | money | int | select | checkbox | tags | checks (a list of ids)
  function pointerOf(field) {
    return '/' + field.path.join('/');
  }

  function getPath(obj, path) {
    return path.reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
  }

  function setPath(obj, path, value) {
    let o = obj;
    for (const k of path.slice(0, -1)) o = o[k] = o[k] && typeof o[k] === 'object' ? o[k] : {};
    o[path[path.length - 1]] = value;
  }

  function fieldControl(field, id, describedBy, value) {
    const common = { id, name: field.path.join('.'), 'aria-describedby': describedBy };
    switch (field.type) {
      case 'textarea':
        return h('textarea', { ...common, rows: field.rows || 2, value: value ?? '' });
      case 'money':
        return h('input', { ...common, type: 'number', step: 'any', inputmode: 'decimal', value: value ?? '' });
      case 'int':
        return h('input', { ...common, type: 'number', step: '1', inputmode: 'numeric', value: value ?? '' });
      case 'checkbox':
        return h('input', { ...common, type: 'checkbox', checked: value === true });
      case 'tags':
        return h('input', { ...common, type: 'text', value: (value || []).join(', '), autocomplete: 'off' });
      case 'select': {
        const options = typeof field.options === 'function' ? field.options() : field.options;
        const select = h('select', common);
        if (field.blank !== undefined) select.append(h('option', { value: '' }, field.blank));
        for (const option of options) {
          const [v, label] = Array.isArray(option) ? option : [option, option];
          select.append(h('option', { value: v }, label));
        }
        if (value !== undefined && value !== null && ![...select.options].some((o) => o.value === String(value)))
          select.append(h('option', { value: String(value) }, String(value)));
        select.value = value === undefined || value === null ? '' : String(value);
        return select;
      }
      default:
        return h('input', {
          ...common,
          type: field.inputType || 'text',
          value: value ?? '',
          autocomplete: 'off',
          readonly: field.readonly,
          required: field.required,
        });
    }
  }

  /// Builds a form from `fields` over `values`; `other` adds an "Other settings
  /// (JSON)" textarea with the keys no field covers. onSubmit(body) answers a
  /// promise; a Problem it throws is shown next to the fields its pointers name.
  function buildForm({ title, fields, values, other, submitLabel, onSubmit, onCancel }) {
    const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1', hidden: true });
    const form = h('form', { class: 'edit-form', novalidate: true, 'aria-label': title });
    const rows = [];
    for (const field of fields) {
      const id = nextId('f');
      const errorId = id + '-error';
      const helpId = field.help ? id + '-help' : null;
      const describedBy = [helpId, errorId].filter(Boolean).join(' ');
      const value = getPath(values, field.path);
      let control;
      let wrapper;
      if (field.type === 'checks') {
        const options = field.options();
        const chosen = new Set(value || []);
        control = h('fieldset', { class: 'checks', id, 'aria-describedby': describedBy },
          h('legend', {}, field.label),
          options.map(([v, label]) => h('label', { class: 'check' },
            h('input', { type: 'checkbox', value: v, checked: chosen.has(v) }), ' ', label)));
        wrapper = h('div', { class: 'field field-wide' }, control);
      } else {
        control = fieldControl(field, id, describedBy, value);
        const label = h('label', { for: id }, field.label);
        wrapper = h('div', { class: 'field' + (field.type === 'textarea' ? ' field-wide' : '') },
          field.type === 'checkbox' ? h('div', { class: 'check-row' }, control, label) : [label, control]);
      }
      if (helpId) wrapper.append(h('p', { class: 'help', id: helpId }, field.help));
      const error = h('p', { class: 'field-error', id: errorId });
      wrapper.append(error);
      rows.push({ field, control, error, original: value });
      form.append(wrapper);
    }
    let otherRow = null;
    if (other) {
      const rest = JSON.parse(JSON.stringify(values || {}));
      for (const key of other.exclude) delete rest[key];
      for (const field of fields) delete rest[field.path[0]];
      const id = nextId('f');
      const control = h('textarea', {
        id, rows: 6, class: 'json', spellcheck: 'false', 'aria-describedby': `${id}-help ${id}-error`,
        value: Object.keys(rest).length ? JSON.stringify(rest, null, 2) : '{}',
      });
      const error = h('p', { class: 'field-error', id: id + '-error' });
      form.append(h('div', { class: 'field field-wide' },
        h('label', { for: id }, 'Other settings (JSON)'), control,
        h('p', { class: 'help', id: id + '-help' }, 'The rest of the object, as in the configuration file.'), error));
      otherRow = { control, error, keep: other.keep || [] };
    }
    const reasonId = nextId('f');
    const reason = h('input', { id: reasonId, type: 'text', autocomplete: 'off', maxlength: '500' });
    form.append(h('div', { class: 'field field-wide' }, h('label', { for: reasonId }, 'Reason for the change (optional)'), reason));
    const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel || 'Save');
    form.append(h('div', { class: 'form-actions' }, submit,
      onCancel ? h('button', { type: 'button', onclick: onCancel }, 'Cancel') : null));
    form.prepend(h('h3', {}, title), summary);

    function setError(row, message) {
      row.error.textContent = message || '';
      if (message) row.control.setAttribute('aria-invalid', 'true');
      else row.control.removeAttribute('aria-invalid');
    }

    function clearErrors() {
      for (const row of rows) setError(row, '');
      if (otherRow) setError(otherRow, '');
      summary.hidden = true;
      summary.replaceChildren();
    }

    function showSummary(title, items) {
      summary.replaceChildren(h('p', { class: 'summary-title' }, title), items.length ? h('ul', {}, items.map((t) => h('li', {}, t))) : null);
      summary.hidden = false;
    }

    function readBody() {
      const body = {};
      if (otherRow) {
        let rest;
        try {
          rest = JSON.parse(otherRow.control.value.trim() || '{}');
        } catch (err) {
          setError(otherRow, 'Not valid JSON: ' + err.message);
          return null;
        }
        if (!rest || typeof rest !== 'object' || Array.isArray(rest)) {
          setError(otherRow, 'Give a JSON object: {"key": value, …}');
          return null;
        }
        for (const key of otherRow.keep) if (values && values[key] !== undefined) body[key] = values[key];
        Object.assign(body, rest);
      }
      for (const row of rows) {
        const { field, control, original } = row;
        let value;
        if (field.type === 'checks') {
          const chosen = [...control.querySelectorAll('input:checked')].map((i) => i.value);
          const before = (original || []).filter((v) => chosen.includes(v));
          value = [...before, ...chosen.filter((v) => !before.includes(v))];
          if (!value.length && original === undefined) value = undefined;
        } else if (field.type === 'checkbox') {
          value = control.checked ? true : original === undefined ? undefined : false;
        } else if (field.type === 'money' || field.type === 'int') {
          const text = control.value.trim();
          value = text === '' ? undefined : Number(text);
        } else if (field.type === 'tags') {
          const list = control.value.split(',').map((t) => t.trim()).filter(Boolean);
          value = list.length ? list : undefined;
        } else {
          value = control.value === '' ? undefined : control.value;
        }
        if (value !== undefined) setPath(body, field.path, value);
        else if (field.path.length === 1) delete body[field.path[0]];
      }
      return body;
    }

    /// The row a problem pointer names: the field whose pointer is its longest prefix.
    function rowFor(pointer) {
      let best = null;
      for (const row of rows) {
        const p = pointerOf(row.field);
        if ((pointer === p || pointer.startsWith(p + '/')) && (!best || p.length > pointerOf(best.field).length)) best = row;
      }
      if (!best && pointer) {
        // "/split" names the split's first field
        best = rows.find((row) => pointerOf(row.field).startsWith(pointer + '/')) || null;
      }
      return best;
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors();
      const body = readBody();
      if (!body) {
        otherRow.control.focus();
        return;
      }
      submit.disabled = true;
      try {
        await onSubmit(body, reason.value.trim());
      } catch (err) {
        if (!(err instanceof Problem)) throw err;
        const others = [];
        let first = null;
        for (const e of err.body.errors || []) {
          const row = rowFor(e.pointer || '');
          const text = e.detail + (e.conflicts_with ? ` (conflicts with ${e.conflicts_with})` : '');
          if (row) {
            setError(row, row.error.textContent ? row.error.textContent + ' ' + text : text);
            first = first || row;
          } else others.push((e.pointer ? e.pointer + ': ' : '') + text);
        }
        const title = err.title || summaryTitle(err);
        if (others.length || !first || [409, 412, 422].includes(err.status)) showSummary(title, others);
        if (!summary.hidden) summary.focus();
        else first.control.focus();
        if (err.status === 412 && err.reload) err.reload();
      } finally {
        submit.disabled = false;
      }
    });
    return { form, showSummary };
  }

  function summaryTitle(err) {
    const b = err.body;
    switch (err.status) {
      case 400: return 'Not saved: ' + (b.detail || 'some values are not valid') + '.';
      case 409: return 'Not saved, a conflict: ' + (b.detail || b.title || 'it exists already') + '.';
      case 412: return 'Someone else changed this since you opened it. The form now shows their version: make your change again.';
      case 422: return 'Not saved: the configuration would not be valid. ' + (b.detail || '');
      case 403: return 'Your role may not make this change.';
      default: return 'Not saved: ' + err.message;
    }
  }

  // ---------------------------------------------------------------- campaigns, sources, buyers

  const idsOf = (kind) => () => (state.lists[kind] || []).map((x) => [x.id, x.name ? `${x.name} (${x.id})` : x.id]);

  const KINDS = {
    campaigns: {
      one: 'campaign',
      pausable: true,
      columns: [
        ['Floor', (c) => money(c.floor), 'num'],
        ['Strategy', (c) => c.strategy || 'auction'],
        ['Buyers', (c) => (c.buyer_ids || []).join(', ') || '—', 'wrap'],
      ],
      fields: [
        { path: ['name'], label: 'Name' },
        { path: ['strategy'], label: 'Strategy', type: 'select', blank: 'auction (default)', options: ['auction', 'weighted', 'round_robin', 'waterfall'] },
        { path: ['floor'], label: 'Floor ($)', type: 'money', help: 'The lowest bid the campaign accepts, in dollars.' },
        { path: ['buyer_ids'], label: 'Buyers', type: 'checks', options: idsOf('buyers') },
        { path: ['greeting_text'], label: 'Greeting', type: 'textarea' },
        { path: ['paused_text'], label: 'Message while paused', type: 'textarea' },
        { path: ['when_paused'], label: 'When paused', type: 'select', blank: 'message (default)', options: ['message', 'reject'] },
        { path: ['record'], label: 'Record calls', type: 'checkbox' },
      ],
    },
    sources: {
      one: 'source',
      pausable: false,
      columns: [
        ['Payout', (s) => (s.payout_mode === 'fixed' ? money(s.fixed_payout) + ' per call' : ((s.revenue_share_bp || 0) / 100) + '% of revenue')],
        ['Split', (s) => (s.split ? `${s.split.percent}% → ${s.split.campaign_id}` : '—')],
      ],
      fields: [
        { path: ['name'], label: 'Name' },
        { path: ['payout_mode'], label: 'Payout mode', type: 'select', blank: 'revenue_share (default)', options: ['revenue_share', 'fixed'] },
        { path: ['revenue_share_bp'], label: 'Revenue share (basis points)', type: 'int', help: '10000 = all of the revenue.' },
        { path: ['fixed_payout'], label: 'Fixed payout ($)', type: 'money' },
        { path: ['tags'], label: 'Tags', type: 'tags', help: 'Separated by commas.' },
        { path: ['split', 'campaign_id'], label: 'Split to campaign', type: 'select', blank: '(no split)', options: idsOf('campaigns') },
        { path: ['split', 'percent'], label: 'Split percent', type: 'int' },
      ],
    },
    buyers: {
      one: 'buyer',
      pausable: true,
      columns: [
        ['Min bid', (b) => money(b.min_bid), 'num'],
        ['Daily cap', (b) => (b.daily_cap ? count(b.daily_cap) : 'none'), 'num'],
        ['Concurrency cap', (b) => (b.concurrency_cap ? count(b.concurrency_cap) : 'none'), 'num'],
      ],
      fields: [
        { path: ['name'], label: 'Name' },
        { path: ['destination'], label: 'Destination', help: 'E.164 number (+18005550100) or SIP URI.' },
        { path: ['ping_url'], label: 'Ping URL', inputType: 'url' },
        { path: ['min_bid'], label: 'Minimum bid ($)', type: 'money' },
        { path: ['daily_cap'], label: 'Daily cap (calls)', type: 'int' },
        { path: ['concurrency_cap'], label: 'Concurrency cap', type: 'int' },
        { path: ['time_zone'], label: 'Time zone', help: 'IANA, e.g. America/Chicago.' },
      ],
    },
  };

  async function refreshLists() {
    await Promise.all(['campaigns', 'sources', 'buyers'].map(async (kind) => {
      state.lists[kind] = await listAll(kind + '?archived=all');
    }));
  }

  function renderEntityPanel(kind) {
    const spec = KINDS[kind];
    const el = panel(kind);
    const write = may('write_config');
    const title = kind[0].toUpperCase() + kind.slice(1);
    const archivedId = nextId('archived');
    const toggle = h('input', {
      type: 'checkbox', id: archivedId, checked: state.showArchived[kind],
      onchange: () => { state.showArchived[kind] = toggle.checked; loadEntities(kind); },
    });
    const formArea = h('div', { class: 'form-area' });
    const tbody = h('tbody');
    el.replaceChildren(
      h('div', { class: 'panel-head' }, h('h2', {}, title),
        h('div', { class: 'panel-tools' },
          h('label', { class: 'check', for: archivedId }, toggle, ' Show archived'),
          write ? h('button', { type: 'button', class: 'primary', onclick: () => openEntityForm(kind, null) }, `New ${spec.one}`) : null)),
      formArea,
      h('div', { class: 'table-wrap' }, h('table', {},
        h('caption', { class: 'visually-hidden' }, title),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Id'), h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Status'),
          spec.columns.map(([label, , cls]) => h('th', { scope: 'col', class: cls }, label)),
          write ? h('th', { scope: 'col' }, 'Actions') : null)),
        tbody)));
    el.dataset.ready = '';
    return loadEntities(kind);
  }

  async function loadEntities(kind) {
    const spec = KINDS[kind];
    const el = panel(kind);
    const tbody = el.querySelector('tbody');
    const write = may('write_config');
    let items;
    try {
      items = await listAll(kind + '?archived=' + (state.showArchived[kind] ? 'all' : 'false'));
    } catch (err) {
      showNotice(`Cannot read the ${kind}: ${err.message}`);
      return;
    }
    tbody.replaceChildren(...items.map((item) => {
      const status = statusOf(item);
      const actions = [];
      if (write) {
        actions.push(h('button', { type: 'button', 'aria-label': `Edit ${item.id}`, onclick: () => openEntityForm(kind, item.id) }, 'Edit'));
        if (spec.pausable && status !== 'archived') {
          const verb = status === 'paused' ? 'resume' : 'pause';
          actions.push(h('button', { type: 'button', 'aria-label': `${verb === 'pause' ? 'Pause' : 'Resume'} ${item.id}`, onclick: () => entityAction(kind, item.id, verb) },
            verb === 'pause' ? 'Pause' : 'Resume'));
        }
        const verb = status === 'archived' ? 'unarchive' : 'archive';
        actions.push(h('button', { type: 'button', 'aria-label': `${verb === 'archive' ? 'Archive' : 'Unarchive'} ${item.id}`, onclick: () => entityAction(kind, item.id, verb) },
          verb === 'archive' ? 'Archive' : 'Unarchive'));
      }
      return h('tr', { 'data-id': item.id },
        h('td', {}, h('code', {}, item.id)),
        h('td', {}, item.name || ''),
        h('td', {}, h('span', { class: 'badge badge-' + status }, status)),
        spec.columns.map(([, fn, cls]) => h('td', { class: cls }, fn(item))),
        write ? h('td', { class: 'actions' }, actions) : null);
    }));
    if (!items.length) tbody.append(h('tr', {}, h('td', { colspan: 10 }, `No ${kind}.`)));
  }

  async function entityAction(kind, id, verb) {
    try {
      const r = await api('POST', `${kind}/${encodeURIComponent(id)}/${verb}`);
      const past = { pause: 'paused', resume: 'resumed', archive: 'archived', unarchive: 'unarchived' }[verb];
      announce(`${KINDS[kind].one[0].toUpperCase()}${KINDS[kind].one.slice(1)} ${id} ${past}` + (r.revision ? ` (revision ${r.revision}).` : '.'));
      showNotice('');
    } catch (err) {
      showNotice(`Cannot ${verb} ${id}: ${err.message}`);
    }
    await loadEntities(kind);
  }

  async function openEntityForm(kind, id) {
    const spec = KINDS[kind];
    const area = panel(kind).querySelector('.form-area');
    try {
      await refreshLists();
    } catch (err) {
      showNotice('Cannot read the configuration: ' + err.message);
      return;
    }
    let values = {};
    let etag = null;
    if (id) {
      try {
        const r = await api('GET', `${kind}/${encodeURIComponent(id)}`);
        values = r.body;
        etag = r.etag;
      } catch (err) {
        showNotice(`Cannot read ${spec.one} ${id}: ${err.message}`);
        return;
      }
    }
    const fields = id ? spec.fields : [{ path: ['id'], label: 'Id', required: true, help: 'Letters, digits, . _ ~ -' }, ...spec.fields];
    const close = () => area.replaceChildren();
    const { form } = buildForm({
      title: id ? `Edit ${spec.one} ${id}` : `New ${spec.one}`,
      fields,
      values,
      other: { exclude: ['id', 'active', 'archived'], keep: ['active', 'archived'] },
      submitLabel: id ? 'Save' : 'Create',
      onCancel: close,
      onSubmit: async (body, reason) => {
        try {
          if (id) {
            body.id = id;
            const r = await api('PUT', `${kind}/${encodeURIComponent(id)}`, { body, etag, reason });
            announce(`Saved ${spec.one} ${id}` + (r.revision ? ` (revision ${r.revision}).` : '.'));
          } else {
            const r = await api('POST', kind, { body, reason });
            announce(`Created ${spec.one} ${body.id}` + (r.revision ? ` (revision ${r.revision}).` : '.'));
          }
        } catch (err) {
          if (err instanceof Problem && err.status === 412) {
            err.reload = () => openEntityForm(kind, id).then(() => {
              const fresh = area.querySelector('form');
              const box = fresh && fresh.querySelector('.form-summary');
              if (box) {
                box.replaceChildren(h('p', { class: 'summary-title' }, summaryTitle(err)));
                box.hidden = false;
                box.focus();
              }
            });
          }
          throw err;
        }
        close();
        await loadEntities(kind);
      },
    });
    area.replaceChildren(form);
    const first = form.querySelector('input, select, textarea');
    if (first) first.focus();
  }

  // ---------------------------------------------------------------- caps

  const CAP_AMOUNT = { calls: 'limit', concurrency: 'limit', revenue: 'budget', spacing: 'seconds' };

  function usageCell(usage) {
    if (!usage) return h('span', { class: 'muted' }, 'not known yet');
    const label = usage.unit === 'dollars'
      ? `${money(usage.counted)} of ${money(usage.limit)}`
      : usage.unit === 'seconds'
        ? (usage.counted < 0 ? 'no call yet' : `${count(usage.counted)} s since the last call`) + `, spacing ${count(usage.limit)} s`
        : `${count(usage.counted)} of ${count(usage.limit)} ${usage.unit}`;
    const text = label + (usage.reserved ? ` (+${count(usage.reserved)} reserved)` : '');
    const max = usage.limit > 0 ? usage.limit : 1;
    const value = Math.max(0, Math.min(max, usage.counted));
    return h('div', { class: 'usage' },
      h('meter', { min: 0, max, value, low: max * 0.75, high: max * 0.9, optimum: 0, 'aria-label': text }),
      h('span', { class: 'usage-text' }, text));
  }

  const CAP_FIELDS = [
    { path: ['owner'], label: 'Owner', type: 'select', options: ['buyer', 'campaign', 'source', 'campaign_buyer'] },
    { path: ['id'], label: "Owner's id", help: 'For buyer, campaign and source caps.' },
    { path: ['campaign'], label: 'Campaign (campaign_buyer)', type: 'select', blank: '—', options: idsOf('campaigns') },
    { path: ['buyer'], label: 'Buyer (campaign_buyer)', type: 'select', blank: '—', options: idsOf('buyers') },
    { path: ['measure'], label: 'Measure', type: 'select', options: ['calls', 'revenue', 'concurrency', 'spacing'] },
    { path: ['window'], label: 'Window', type: 'select', blank: '—', options: ['hour', 'day', 'week', 'month', 'lifetime', 'rolling'] },
    { path: ['rolling_minutes'], label: 'Rolling minutes', type: 'int' },
    { path: ['limit'], label: 'Limit (calls)', type: 'int' },
    { path: ['budget'], label: 'Budget ($, revenue)', type: 'money' },
    { path: ['seconds'], label: 'Seconds (spacing)', type: 'int' },
    { path: ['counts_on'], label: 'Counts on', type: 'select', blank: 'default', options: ['routed', 'bridged', 'converted'] },
    { path: ['time_zone'], label: 'Time zone', help: "Default: the owner's." },
  ];

  async function renderCaps() {
    const el = panel('caps');
    const write = may('write_config');
    const formArea = h('div', { class: 'form-area' });
    const tbody = h('tbody');
    el.replaceChildren(
      h('div', { class: 'panel-head' }, h('h2', {}, 'Caps'),
        write ? h('button', { type: 'button', class: 'primary', onclick: () => openCapForm(null) }, 'New cap') : null),
      formArea,
      h('div', { class: 'table-wrap' }, h('table', {},
        h('caption', { class: 'visually-hidden' }, 'Caps'),
        h('thead', {}, h('tr', {}, ['Owner', 'Measure', 'Window', 'Usage', 'Resets'].map((t) => h('th', { scope: 'col' }, t)),
          write ? h('th', { scope: 'col' }, 'Actions') : null)),
        tbody)));
    let items;
    try {
      items = await listAll('caps');
    } catch (err) {
      showNotice('Cannot read the caps: ' + err.message);
      return;
    }
    state.caps = items;
    tbody.replaceChildren(...items.map((item) => {
      const c = item.cap;
      const owner = c.owner === 'campaign_buyer' ? `${c.campaign} → ${c.buyer}` : `${c.owner} ${c.id}`;
      const window = c.window === 'rolling' ? `rolling ${c.rolling_minutes} min` : c.window || '—';
      const u = item.usage;
      return h('tr', { 'data-key': item.key },
        h('td', {}, owner, c.owner === 'campaign_buyer' ? h('span', { class: 'muted' }, ' (campaign · buyer)') : null),
        h('td', {}, c.measure + (c.counts_on ? `, ${c.counts_on}` : '')),
        h('td', {}, window),
        h('td', {}, usageCell(u)),
        h('td', {}, u && u.resets_at_local ? [localTime(u.resets_at_local), h('br'), h('span', { class: 'muted' }, u.time_zone)] : 'never'),
        write ? h('td', { class: 'actions' },
          h('button', { type: 'button', 'aria-label': `Edit limit of ${item.key}`, onclick: () => openCapForm(item) }, 'Edit limit'),
          h('button', { type: 'button', 'aria-label': `Delete ${item.key}`, onclick: () => confirmStep(tbody.closest('section').querySelector('.form-area'),
            `Delete the cap ${item.key}?`, 'Delete cap', async () => {
              await api('DELETE', 'caps/' + encodeURIComponent(item.key));
              announce(`Cap ${item.key} deleted.`);
              await renderCaps();
            }) }, 'Delete')) : null);
    }));
    if (!items.length) tbody.append(h('tr', {}, h('td', { colspan: 6 }, 'No caps.')));
  }

  async function openCapForm(item) {
    const area = panel('caps').querySelector('.form-area');
    await refreshLists().catch(() => {});
    const close = () => area.replaceChildren();
    let fields = CAP_FIELDS;
    let etag = null;
    if (item) {
      const amount = CAP_AMOUNT[item.cap.measure];
      fields = CAP_FIELDS.filter((f) => f.path[0] === amount);
      try {
        etag = (await api('GET', 'caps/' + encodeURIComponent(item.key))).etag;
      } catch (err) {
        showNotice('Cannot read the cap: ' + err.message);
        return;
      }
    }
    const { form } = buildForm({
      title: item ? `Edit limit of ${item.key}` : 'New cap',
      fields,
      values: item ? item.cap : { owner: 'buyer', measure: 'calls', window: 'day' },
      submitLabel: item ? 'Save' : 'Create',
      onCancel: close,
      onSubmit: async (body, reason) => {
        if (item) {
          const r = await api('PUT', 'caps/' + encodeURIComponent(item.key), { body: { ...item.cap, ...body }, etag, reason });
          announce(`Cap ${item.key} saved` + (r.revision ? ` (revision ${r.revision}).` : '.'));
        } else {
          const r = await api('POST', 'caps', { body, reason });
          announce(`Cap ${r.body.key} created.`);
        }
        close();
        await renderCaps();
      },
    });
    area.replaceChildren(form);
    form.querySelector('input, select').focus();
  }

  /// A confirm step inside `area`: a question with a confirm and a cancel button.
  function confirmStep(area, question, confirmLabel, action) {
    const error = h('p', { class: 'field-error', role: 'alert' });
    const yes = h('button', { type: 'button', class: 'danger', onclick: async () => {
      yes.disabled = true;
      try {
        await action();
        box.remove();
      } catch (err) {
        error.textContent = err.message;
        yes.disabled = false;
      }
    } }, confirmLabel);
    const box = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm' },
      h('p', {}, question), yes, h('button', { type: 'button', onclick: () => box.remove() }, 'Cancel'), error);
    area.replaceChildren(box);
    yes.focus();
  }

  // ---------------------------------------------------------------- numbers

  async function renderDids() {
    const el = panel('dids');
    const write = may('write_config');
    const formArea = h('div', { class: 'form-area' });
    const tbody = h('tbody');
    el.replaceChildren(
      h('div', { class: 'panel-head' }, h('h2', {}, 'Numbers'),
        write ? h('button', { type: 'button', class: 'primary', onclick: () => openDidForm(null) }, 'Assign a number') : null),
      formArea,
      h('div', { class: 'table-wrap' }, h('table', {},
        h('caption', { class: 'visually-hidden' }, 'Numbers'),
        h('thead', {}, h('tr', {}, ['Number', 'Campaign', 'Source', 'Tags', 'Split'].map((t) => h('th', { scope: 'col' }, t)),
          write ? h('th', { scope: 'col' }, 'Actions') : null)),
        tbody)));
    let items;
    try {
      items = await listAll('dids');
    } catch (err) {
      showNotice('Cannot read the numbers: ' + err.message);
      return;
    }
    tbody.replaceChildren(...items.map((d) => h('tr', { 'data-number': d.number },
      h('td', {}, h('code', {}, d.number)),
      h('td', {}, d.campaign_id),
      h('td', {}, d.source_id),
      h('td', {}, (d.tags || []).join(', ') || '—'),
      h('td', {}, d.split ? `${d.split.percent}% → ${d.split.campaign_id}` : '—'),
      write ? h('td', { class: 'actions' },
        h('button', { type: 'button', 'aria-label': `Reassign ${d.number}`, onclick: () => openDidForm(d) }, 'Reassign'),
        h('button', { type: 'button', 'aria-label': `Unassign ${d.number}`, onclick: () => confirmStep(formArea,
          `Unassign ${d.number}? Its calls will no longer route.`, 'Unassign', async () => {
            await api('DELETE', 'dids/' + encodeURIComponent(d.number));
            announce(`${d.number} unassigned.`);
            await renderDids();
          }) }, 'Unassign')) : null)));
    if (!items.length) tbody.append(h('tr', {}, h('td', { colspan: 6 }, 'No numbers.')));
  }

  async function openDidForm(did) {
    const area = panel('dids').querySelector('.form-area');
    try {
      await refreshLists();
    } catch (err) {
      showNotice('Cannot read the configuration: ' + err.message);
      return;
    }
    let etag = null;
    if (did) {
      try {
        etag = (await api('GET', 'dids/' + encodeURIComponent(did.number))).etag;
      } catch (err) {
        showNotice('Cannot read the number: ' + err.message);
        return;
      }
    }
    const fields = [
      did ? null : { path: ['number'], label: 'Number', help: 'E.164, e.g. +18445550199.', inputType: 'tel' },
      { path: ['campaign_id'], label: 'Campaign', type: 'select', blank: '(choose)', options: idsOf('campaigns') },
      { path: ['source_id'], label: 'Source', type: 'select', blank: '(choose)', options: idsOf('sources') },
      { path: ['tags'], label: 'Tags', type: 'tags', help: 'Separated by commas.' },
      { path: ['split', 'campaign_id'], label: 'Split to campaign', type: 'select', blank: '(no split)', options: idsOf('campaigns') },
      { path: ['split', 'percent'], label: 'Split percent', type: 'int' },
    ].filter(Boolean);
    const close = () => area.replaceChildren();
    const { form } = buildForm({
      title: did ? `Reassign ${did.number}` : 'Assign a number',
      fields,
      values: did || {},
      submitLabel: did ? 'Reassign' : 'Assign',
      onCancel: close,
      onSubmit: async (body, reason) => {
        const number = did ? did.number : body.number || '';
        if (!number) {
          throw new Problem(400, { detail: 'a number is needed', errors: [{ pointer: '/number', detail: 'Enter the number.' }] });
        }
        const r = await api('PUT', 'dids/' + encodeURIComponent(number), { body, etag, reason });
        announce(`${number} ${r.status === 201 ? 'assigned' : 'reassigned'}` + (r.revision ? ` (revision ${r.revision}).` : '.'));
        close();
        await renderDids();
      },
    });
    area.replaceChildren(form);
    form.querySelector('input, select').focus();
  }

  // ---------------------------------------------------------------- history

  /// "campaign solar-ca · /floor": the pointer inside the entity when the change names one.
  function changeWhere(c) {
    const inside = c.entity ? /^\/(?:campaigns|sources|buyers|dids|caps)\/\d+(\/.*)?$/.exec(c.pointer) : null;
    if (!inside) return c.entity ? `${c.entity} · ${c.pointer}` : c.pointer;
    return inside[1] ? `${c.entity} · ${inside[1]}` : c.entity;
  }

  function changeLine(c) {
    const where = changeWhere(c);
    if (c.op === 'add') return [h('span', { class: 'op op-add' }, 'added'), ` ${where}: ${valueText(c.after)}`];
    if (c.op === 'remove') return [h('span', { class: 'op op-remove' }, 'removed'), ` ${where}: ${valueText(c.before)}`];
    return [h('span', { class: 'op op-replace' }, 'changed'), ` ${where}: ${valueText(c.before)} → ${valueText(c.after)}`];
  }

  async function renderHistory(more) {
    const el = panel('history');
    if (!more) {
      state.revisionsCursor = null;
      el.replaceChildren(
        h('div', { class: 'panel-head' }, h('h2', {}, 'History')),
        h('div', { class: 'history' },
          h('div', { class: 'table-wrap' }, h('table', {},
            h('caption', { class: 'visually-hidden' }, 'Revisions, newest first'),
            h('thead', {}, h('tr', {}, ['Revision', 'When (UTC)', 'Author', 'Role', 'Reason', 'Changes'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody'))),
          h('div', { class: 'more' }),
          h('section', { class: 'revision-detail', 'aria-live': 'polite', 'aria-label': 'Selected revision' })));
    }
    const tbody = el.querySelector('tbody');
    const moreArea = el.querySelector('.more');
    let page;
    try {
      page = await api('GET', 'revisions?limit=50' + (more && state.revisionsCursor ? '&cursor=' + encodeURIComponent(state.revisionsCursor) : ''));
    } catch (err) {
      showNotice('Cannot read the history: ' + err.message);
      return;
    }
    for (const r of page.body.items) {
      tbody.append(h('tr', { 'data-revision': r.number },
        h('td', {}, h('button', { type: 'button', class: 'link-button', 'aria-label': `Show revision ${r.number}`, onclick: () => showRevision(r.number) }, `#${r.number}`)),
        h('td', {}, utcTime(r.at)),
        h('td', {}, r.author),
        h('td', {}, r.role),
        h('td', { class: 'wrap' }, r.reason || '—'),
        h('td', { class: 'num' }, count(r.change_count))));
    }
    state.revisionsCursor = page.body.next_cursor;
    moreArea.replaceChildren(state.revisionsCursor ? h('button', { type: 'button', onclick: () => renderHistory(true) }, 'Older revisions') : '');
  }

  async function showRevision(n) {
    const el = panel('history');
    const box = el.querySelector('.revision-detail');
    for (const row of el.querySelectorAll('tbody tr')) row.classList.toggle('selected', row.dataset.revision === String(n));
    let r;
    try {
      r = (await api('GET', 'revisions/' + n)).body;
    } catch (err) {
      box.replaceChildren(h('p', { class: 'field-error' }, 'Cannot read the revision: ' + err.message));
      return;
    }
    const actions = h('div', { class: 'form-actions' });
    if (may('write_config')) {
      actions.append(h('button', { type: 'button', onclick: () => confirmStep(actions,
        `Roll the configuration back to revision ${n}? This makes a new revision equal to it; calls use it at once.`,
        `Confirm rollback to ${n}`, async () => {
          const res = await api('POST', `revisions/${n}/rollback`);
          announce(`Rolled back to revision ${n}: revision ${res.body.revision} is now in force.`);
          await renderHistory(false);
          await showRevision(res.body.revision);
        }) }, `Roll back to revision ${n}`));
    }
    box.replaceChildren(
      h('h3', {}, `Revision ${r.number}`),
      h('p', { class: 'muted' }, `${utcTime(r.at)} · ${r.author} (${r.role})` + (r.reason ? ` · “${r.reason}”` : '')),
      r.changes.length
        ? h('ul', { class: 'diff' }, r.changes.map((c) => h('li', { class: 'change change-' + c.op }, changeLine(c))))
        : h('p', {}, 'No changes.'),
      actions);
  }

  // ---------------------------------------------------------------- audit

  async function renderAudit(more) {
    const el = panel('audit');
    if (!more) {
      state.auditCursor = null;
      el.replaceChildren(
        h('div', { class: 'panel-head' }, h('h2', {}, 'Audit log')),
        h('div', { class: 'table-wrap' }, h('table', {},
          h('caption', { class: 'visually-hidden' }, 'Audit entries, newest first'),
          h('thead', {}, h('tr', {}, ['When (UTC)', 'Who', 'Role', 'Address', 'Action', 'Entity', 'Revision'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody'))),
        h('div', { class: 'more' }));
    }
    const tbody = el.querySelector('tbody');
    let page;
    try {
      page = await api('GET', 'audit?limit=50' + (more && state.auditCursor ? '&cursor=' + encodeURIComponent(state.auditCursor) : ''));
    } catch (err) {
      showNotice('Cannot read the audit log: ' + err.message);
      return;
    }
    for (const a of page.body.items) {
      tbody.append(h('tr', {},
        h('td', {}, utcTime(a.at)),
        h('td', {}, a.token_id || '—'),
        h('td', {}, a.role),
        h('td', {}, a.address),
        h('td', {}, a.action),
        h('td', {}, a.entity ? `${a.entity.kind} ${a.entity.id}` : '—'),
        h('td', { class: 'num' }, a.revision ? String(a.revision) : '—')));
    }
    state.auditCursor = page.body.next_cursor;
    el.querySelector('.more').replaceChildren(state.auditCursor ? h('button', { type: 'button', onclick: () => renderAudit(true) }, 'Older entries') : '');
  }

  // ---------------------------------------------------------------- tabs

  const tabs = () => [...document.querySelectorAll('[role="tab"]')].filter((t) => !t.hidden);

  function selectTab(name, focus) {
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      const on = tab.dataset.tab === name && !tab.hidden;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
      panel(tab.dataset.tab).hidden = !on;
      if (on && focus) tab.focus();
    }
    state.current = name;
    if (window.location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
    renderTab(name);
  }

  function renderTab(name) {
    if (CONFIG_TABS.includes(name) && !may('read_config')) {
      const s = state.session;
      const scope = s.scope ? ` of ${s.scope.kind} ${s.scope.id}` : '';
      const sees = may('read_figures') ? `the figures${scope} on the dashboard` : 'no figures';
      panel(name).replaceChildren(h('p', { class: 'no-access' },
        `Your role (${s.role}) may not see the configuration. It may see ${sees}.`, ' ', h('a', { href: '/' }, 'Open the dashboard')));
      return;
    }
    const render = { caps: renderCaps, dids: renderDids, history: () => renderHistory(false), audit: () => renderAudit(false) }[name];
    (render ? render() : renderEntityPanel(name)).catch((err) => showNotice(err.message));
  }

  document.querySelector('[role="tablist"]').addEventListener('keydown', (event) => {
    const list = tabs();
    const at = list.indexOf(document.activeElement);
    if (at < 0) return;
    let next = null;
    if (event.key === 'ArrowRight') next = list[(at + 1) % list.length];
    else if (event.key === 'ArrowLeft') next = list[(at - 1 + list.length) % list.length];
    else if (event.key === 'Home') next = list[0];
    else if (event.key === 'End') next = list[list.length - 1];
    if (!next) return;
    event.preventDefault();
    selectTab(next.dataset.tab, true);
  });
  for (const tab of document.querySelectorAll('[role="tab"]')) tab.addEventListener('click', () => selectTab(tab.dataset.tab, false));

  document.getElementById('signout').addEventListener('click', async () => {
    try {
      await fetch(API + 'session', { method: 'DELETE', cache: 'no-store' });
    } finally {
      window.location.assign('/signin');
    }
  });

  // ---------------------------------------------------------------- start

  async function start() {
    let session;
    try {
      session = (await api('GET', 'session')).body;
    } catch (err) {
      showNotice('Cannot read who is signed in: ' + err.message);
      return;
    }
    state.session = session;
    state.rights = new Set(session.rights || []);
    const scope = session.scope ? ` · ${session.scope.kind} ${session.scope.id}` : '';
    document.getElementById('who').textContent = `${session.label || session.token_id || 'signed in'} (${session.role}${scope})`;
    if (session.open) document.getElementById('signout').hidden = true;
    if (!may('read_audit')) {
      document.getElementById('tab-audit').hidden = true;
    }
    document.body.dataset.role = session.role;
    const wanted = window.location.hash.slice(1);
    const first = tabs().find((t) => t.dataset.tab === wanted) || tabs()[0];
    selectTab(first.dataset.tab, false);
    document.body.dataset.ready = 'true';
  }

  start();
})();
