// openapi.test.mjs — docs/openapi.yaml documents every route of the route table
// (`anjian routes`), with the same path and method, and nothing that does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, ROOT } from './lib/server.mjs';

/** The operations under `paths:` of a plain block-style YAML file: "METHOD path". */
function documentedOperations(yaml) {
  const ops = new Set();
  let inPaths = false;
  let path = null;
  for (const line of yaml.split('\n')) {
    if (/^\S/.test(line)) { inPaths = line.startsWith('paths:'); path = null; continue; }
    if (!inPaths) continue;
    const p = line.match(/^  ("?)(\/[^"]*)\1:\s*$/);
    if (p) { path = p[2]; continue; }
    const m = line.match(/^    (get|post|put|patch|delete|head|options):\s*$/);
    if (m && path) ops.add(`${m[1].toUpperCase()} ${path}`);
  }
  return ops;
}

function routeTable() {
  const r = spawnSync(BIN, ['routes'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => { const [m, p] = l.trim().split(/\s+/); return `${m} ${p}`; });
}

test('every route is in docs/openapi.yaml and every documented operation is a route', () => {
  const documented = documentedOperations(readFileSync(join(ROOT, 'docs', 'openapi.yaml'), 'utf8'));
  const routes = routeTable();
  assert.ok(routes.length >= 40, `route table looks too short (${routes.length})`);
  const missing = routes.filter((r) => !documented.has(r));
  assert.deepEqual(missing, [], `routes missing from docs/openapi.yaml: ${missing.join(', ')}`);
  const extra = [...documented].filter((d) => !routes.includes(d));
  assert.deepEqual(extra, [], `documented operations that are not routes: ${extra.join(', ')}`);
});

test('the parser finds operations (guards against a test that cannot fail)', () => {
  const ops = documentedOperations('paths:\n  /a/{id}:\n    get:\n      summary: x\n    delete:\n      summary: y\ncomponents:\n  /b:\n    get:\n');
  assert.deepEqual([...ops].sort(), ['DELETE /a/{id}', 'GET /a/{id}']);
});
