// The API's reference, schemas/openapi.json, checked three ways:
//   1. it is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator);
//   2. its config.* schemas are exactly schemas/config.schema.json's definitions
//      (the entities the API takes and gives are the config file's objects);
//   3. every exchange of the API tests (config_routes_test, access_routes_test,
//      run here with RINGBID_API_EXCHANGES set) is documented: its route, method
//      and status exist, and its answer's body (and a successful request's body)
//      validates against the schema for it with ajv (JSON Schema 2020-12);
//      and every configuration route was exercised.
//
//   node tests/web/openapi_test.mjs --src <repo root> --tests <dir with the test executables>
//   node tests/web/openapi_test.mjs --src <repo root> --sync-config
//       rewrites the config.* schemas of schemas/openapi.json from schemas/config.schema.json
//       (after a change to the config schema), then exits
//
// Exit 0 when every check passed.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: { src: { type: 'string' }, tests: { type: 'string' }, 'sync-config': { type: 'boolean' } },
});
if (!opts.src || (!opts.tests && !opts['sync-config'])) {
  console.error('usage: node tests/web/openapi_test.mjs --src REPO_ROOT --tests DIR');
  process.exit(2);
}
const src = path.resolve(opts.src);
const require = createRequire(path.join(src, 'web/package.json'));
let Ajv2020, addFormats, Validator;
try {
  Ajv2020 = require('ajv/dist/2020').default;
  addFormats = require('ajv-formats').default;
  ({ Validator } = await import(require.resolve('@seriousme/openapi-schema-validator')));
} catch (err) {
  console.error(`cannot load ajv / openapi-schema-validator from ${src}/web/node_modules (${err.message}): run tools/setup-web.sh`);
  process.exit(2);
}

const doc = JSON.parse(fs.readFileSync(path.join(src, 'schemas/openapi.json'), 'utf8'));
let failures = 0;
const fail = (what) => {
  failures += 1;
  console.error(`FAIL: ${what}`);
};

// 1. A valid OpenAPI 3.1 document.
const linted = await new Validator().validate(structuredClone(doc));
if (!linted.valid) fail(`schemas/openapi.json is not valid OpenAPI: ${JSON.stringify(linted.errors, null, 2)}`);
assert.equal(doc.openapi, '3.1.0');

// 2. The config file's definitions, unchanged.
const config = JSON.parse(fs.readFileSync(path.join(src, 'schemas/config.schema.json'), 'utf8'));
const rewrite = (node) => {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node))
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')
        ? `#/components/schemas/config.${v.slice('#/definitions/'.length)}` : rewrite(v);
    return out;
  }
  return node;
};
if (opts['sync-config']) {
  for (const [name, def] of Object.entries(config.definitions)) doc.components.schemas[`config.${name}`] = rewrite(def);
  for (const name of ['properties', 'additionalProperties'])
    doc.components.schemas['config.document'][name] = rewrite(config[name]);
  fs.writeFileSync(path.join(src, 'schemas/openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
  console.log('schemas/openapi.json: config.* schemas rewritten from schemas/config.schema.json');
  process.exit(0);
}
for (const [name, def] of Object.entries(config.definitions)) {
  try {
    assert.deepEqual(doc.components.schemas[`config.${name}`], rewrite(def));
  } catch {
    fail(`components.schemas["config.${name}"] differs from schemas/config.schema.json definitions.${name}: run with --sync-config`);
  }
}
for (const name of ['properties', 'additionalProperties']) {
  try {
    assert.deepEqual(doc.components.schemas['config.document'][name], rewrite(config[name]));
  } catch {
    fail(`components.schemas["config.document"].${name} differs from schemas/config.schema.json`);
  }
}

// 3. Every exchange of the API tests.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ringbid-openapi-'));
const exchangesFile = path.join(work, 'exchanges.jsonl');
for (const test of ['config_routes_test', 'access_routes_test']) {
  try {
    execFileSync(path.join(opts.tests, test), ['--gtest_brief=1'], {
      env: { ...process.env, RINGBID_API_EXCHANGES: exchangesFile },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch (err) {
    fail(`${test} failed (${err.status}): its exchanges are checked anyway`);
  }
}
const exchanges = fs.readFileSync(exchangesFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema({ $id: 'https://ringbid.dev/openapi.json', ...doc });
const escape = (s) => s.replaceAll('~', '~0').replaceAll('/', '~1');
const validatorOf = (pointer) => ajv.getSchema(`https://ringbid.dev/openapi.json#${pointer}`);

const templates = Object.keys(doc.paths).map((t) => {
  const re = new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`);
  return { t, re, literal: t.replace(/\{[^}]+\}/g, '').length };
});
/// The documented path of a concrete one: the most literal match wins (/revisions/{n}/document over /revisions/{a}/diff/{b}).
function templateOf(p) {
  const found = templates.filter(({ re }) => re.test(p)).sort((a, b) => b.literal - a.literal);
  return found.length ? found[0].t : null;
}
const resolve = (obj) => (obj && obj.$ref ? obj.$ref.slice(2).split('/').reduce((o, k) => o[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc) : obj);

const seen = new Set();
let checked = 0;
for (const x of exchanges) {
  const p = x.path.split('?')[0];
  const where = `${x.method} ${x.path} -> ${x.status}`;
  const t = templateOf(p);
  const method = x.method.toLowerCase();
  const operation = t && doc.paths[t][method];
  if (!operation) {
    // A route that does not exist: 404 (or 405) as a problem, like every error.
    const problem = validatorOf('/components/schemas/Problem');
    if (![404, 405].includes(x.status) || !x.content_type.startsWith('application/problem+json') || !problem(JSON.parse(x.body)))
      fail(`${where}: ${x.method} ${t ?? p} is not documented, and not answered 404 / 405 as a problem`);
    checked += 1;
    continue;
  }
  seen.add(`${method} ${t}`);
  const status = String(x.status);
  if (!operation.responses[status]) { fail(`${where}: status ${status} is not documented for ${x.method} ${t}`); continue; }
  const response = resolve(operation.responses[status]);
  const ctype = (x.content_type || '').split(';')[0].trim();
  if (x.status !== 204 && response.content) {
    if (!response.content[ctype]) { fail(`${where}: content type '${ctype}' not documented`); continue; }
    let pointer = `/paths/${escape(t)}/${method}/responses/${status}/content/${escape(ctype)}/schema`;
    if (operation.responses[status].$ref) pointer = `${operation.responses[status].$ref.slice(1)}/content/${escape(ctype)}/schema`;
    const validate = validatorOf(pointer);
    let body;
    try { body = JSON.parse(x.body); } catch { fail(`${where}: the body is not JSON: ${x.body.slice(0, 200)}`); continue; }
    if (!validate(body)) fail(`${where}: the answer does not match ${pointer}: ${ajv.errorsText(validate.errors)}\n  ${x.body.slice(0, 400)}`);
  }
  if (x.status < 300 && operation.requestBody && x.request_body) {
    const content = resolve(operation.requestBody).content;
    const validate = validatorOf(`/paths/${escape(t)}/${method}/requestBody/content/application~1json/schema`);
    if (content['application/json'] && !validate(JSON.parse(x.request_body)))
      fail(`${where}: the request that succeeded does not match its documented body: ${ajv.errorsText(validate.errors)}`);
  }
  checked += 1;
}
console.log(`${checked} exchanges checked against schemas/openapi.json`);

// Every configuration route was exercised.
const configTags = new Set(['campaigns', 'sources', 'buyers', 'dids', 'caps', 'revisions']);
for (const [t, item] of Object.entries(doc.paths))
  for (const [method, operation] of Object.entries(item))
    if (operation.tags?.some((tag) => configTags.has(tag)) && !seen.has(`${method} ${t}`))
      fail(`${method.toUpperCase()} ${t} is never exercised by the API tests`);

fs.rmSync(work, { recursive: true, force: true });
if (failures > 0) {
  console.log(`${checked - failures > 0 ? checked : 0} passed, ${failures} failed`);
  process.exit(1);
}
console.log('openapi: every check passed');
