// What every browser test starts with: its options (--bin, --src, --out) and
// Playwright's chromium from web/node_modules driving Debian's /usr/bin/chromium.
// Exits 2 with a message when something is missing.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

export const CHROMIUM = '/usr/bin/chromium';

/// { bin, src, out, chromium } for the test file `name` (e.g. 'manage_test.mjs').
export function browserTestSetup(name) {
  const { values: opts } = parseArgs({
    options: { bin: { type: 'string' }, src: { type: 'string' }, out: { type: 'string' } },
  });
  if (!opts.bin || !opts.src || !opts.out) {
    console.error(`usage: node tests/web/${name} --bin DIR --src REPO_ROOT --out ARTIFACT_DIR`);
    process.exit(2);
  }
  const bin = path.resolve(opts.bin);
  const src = path.resolve(opts.src);
  const out = path.resolve(opts.out);
  fs.mkdirSync(out, { recursive: true });
  let chromium;
  try {
    ({ chromium } = createRequire(path.join(src, 'web/package.json'))('playwright-core'));
  } catch (err) {
    console.error(`cannot load playwright-core from ${src}/web/node_modules (${err.message}): run tools/setup-web.sh --browser`);
    process.exit(2);
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`no ${CHROMIUM}: run tools/setup-web.sh --browser`);
    process.exit(2);
  }
  return { bin, src, out, chromium };
}
