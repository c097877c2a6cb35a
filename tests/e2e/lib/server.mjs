// server.mjs — start the real anjian binary for end-to-end tests, on SQLite (a temp
// file) or PostgreSQL (a fresh database in the test server named by ANJIAN_TEST_PG_URL),
// on a free loopback port; plus small HTTP helpers. Every test file runs its cases for
// each backend returned by backends().
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = process.env.ANJIAN_BIN || join(ROOT, 'build', 'anjian');

/** Backends to test: sqlite always, postgres when ANJIAN_TEST_PG_URL is set. */
export function backends() {
  const list = ['sqlite'];
  if (process.env.ANJIAN_TEST_PG_URL) list.push('postgres');
  else console.log('# ANJIAN_TEST_PG_URL not set: PostgreSQL cases skipped');
  return list;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

/** A fresh, empty database URL for the backend. */
export function freshDatabase(backend) {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'aj-e2e-'));
    return { url: `sqlite:${join(dir, 'anjian.db')}`, path: join(dir, 'anjian.db'), dir };
  }
  const base = process.env.ANJIAN_TEST_PG_URL;
  const name = 'aj_' + randomBytes(6).toString('hex');
  execFileSync('psql', [base, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  const u = new URL(base); u.pathname = '/' + name;
  return { url: u.toString(), name };
}

/** Runs SQL against a database from freshDatabase(); returns stdout rows (tab-separated). */
export function sql(db, query) {
  if (db.path) {
    return execFileSync('sqlite3', ['-batch', '-noheader', '-separator', '\t', db.path, query], { encoding: 'utf8' }).trim();
  }
  return execFileSync('psql', [db.url, '-q', '-t', '-A', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', query], { encoding: 'utf8' }).trim();
}

/** Runs the anjian CLI synchronously against db; returns {status, stdout, stderr}. */
export function cli(db, args, env = {}) {
  const r = spawnSync(BIN, args, { env: { ...process.env, ANJIAN_DB: db.url, ...env }, encoding: 'utf8', timeout: 120000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/**
 * Starts `anjian serve` on a fresh (or given) database. Resolves when /healthz answers.
 * Returns { url, db, proc, adminPassword, stop(), kill9(), log() }.
 */
export async function startServer(backend, opts = {}) {
  const db = opts.db || freshDatabase(backend);
  const port = await freePort();
  const adminPassword = opts.adminPassword || 'Adm-' + randomBytes(9).toString('base64url');
  const env = {
    ...process.env,
    ANJIAN_ADMIN_PASSWORD: adminPassword,
    ANJIAN_LOG_LEVEL: process.env.ANJIAN_LOG_LEVEL || 'warn',
    ...(opts.env || {}),
  };
  const args = ['serve', '--db', db.url, '--listen', `127.0.0.1:${port}`, '--web-root', join(ROOT, 'web'),
    ...(opts.args || [])];
  const proc = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`anjian serve exited early (${proc.exitCode}):\n${output}`);
    try {
      const r = await fetch(url + '/healthz');
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`anjian serve did not come up:\n${output}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url, db, proc, adminPassword, exited,
    log: () => output,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      return exited;
    },
  };
}

/** Logs in; returns { token, csrf, cookie, user, status }. */
export async function login(base, username, password) {
  const r = await fetch(base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  const body = await r.json();
  const setCookie = r.headers.get('set-cookie') || '';
  return { status: r.status, token: body.token, csrf: body.csrf_token, user: body.user, cookie: setCookie.split(';')[0], body, headers: r.headers };
}

/** JSON request with a bearer token. Returns { status, body, headers }. */
export async function api(base, token, method, path, body, headers = {}) {
  const h = { ...headers };
  if (token) h.Authorization = 'Bearer ' + token;
  let payload;
  if (body !== undefined) {
    h['Content-Type'] = h['Content-Type'] || 'application/json';
    payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  }
  const r = await fetch(base + path, { method, headers: h, body: payload });
  const text = await r.text();
  let parsed = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: r.status, body: parsed, headers: r.headers, text };
}

/** Writes a temp file and returns its path. */
export function tempFile(name, content) {
  const dir = mkdtempSync(join(tmpdir(), 'aj-f-'));
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

export function cleanup(db) {
  if (db && db.dir) rmSync(db.dir, { recursive: true, force: true });
}
