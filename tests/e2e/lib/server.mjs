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

/** A sanitizer report in a process's output fails the test that ran it (ASan stage). */
const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|UndefinedBehaviorSanitizer/;
export function assertNoSanitizerReport(what, text) {
  if (SANITIZER_REPORT.test(text || '')) throw new Error(`${what}: sanitizer report:\n${text}`);
}

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
  // The ingest journal of a PostgreSQL-backed server lives in a directory of its own.
  const dir = mkdtempSync(join(tmpdir(), 'aj-e2e-pg-'));
  return { url: u.toString(), name, dir, journalDir: join(dir, 'journal') };
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
  const jd = db.journalDir ? { ANJIAN_JOURNAL_DIR: db.journalDir } : {};
  const r = spawnSync(BIN, args, { env: { ...process.env, ANJIAN_DB: db.url, ...jd, ...env }, encoding: 'utf8', timeout: 120000 });
  assertNoSanitizerReport(`anjian ${args.join(' ')}`, r.stderr);
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
    ...(db.journalDir ? ['--journal-dir', db.journalDir] : []), '--upload-dir', join(db.dir, 'uploads'),
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
      const r = await exited;
      assertNoSanitizerReport('anjian serve', output);
      return r;
    },
    async kill9() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      const r = await exited;
      assertNoSanitizerReport('anjian serve', output);
      return r;
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
  // PostgreSQL: drop the database freshDatabase() made (call after its servers stopped).
  if (db && db.name && process.env.ANJIAN_TEST_PG_URL) {
    spawnSync('psql', [process.env.ANJIAN_TEST_PG_URL, '-q', '-c', `DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`], { stdio: 'pipe' });
  }
}

// ---- helpers added for the API end-to-end suites (auth, tenancy, errors, plant, audit, cli, http) ----

/** Runs the CLI and throws (with its output) unless it exits 0; returns its stdout. */
export function cliOk(db, args, env = {}) {
  const r = cli(db, args, env);
  if (r.status !== 0) throw new Error(`anjian ${args.join(' ')} exited ${r.status} (${r.signal || ''}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Names of all tables of the database, sorted. */
export function tableNames(db) {
  const q = db.path
    ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    : 'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename';
  return sql(db, q).split('\n').filter(Boolean);
}

/**
 * Row count of every table plus the audit head (seq and hash): take one before and one
 * after a request that must not write anything and compare them with deepEqual.
 */
export function dbSnapshot(db) {
  const names = tableNames(db);
  const rows = sql(db, names.map((t) => `SELECT '${t}', COUNT(*) FROM ${t}`).join(' UNION ALL '));
  const snap = {};
  for (const line of rows.split('\n')) {
    const [t, n] = line.split('\t');
    snap[t] = Number(n);
  }
  const [seq, hash] = sql(db, 'SELECT seq, hash FROM audit_head WHERE id = 1').split('\t');
  snap['audit_head.seq'] = Number(seq);
  snap['audit_head.hash'] = hash;
  return snap;
}

/**
 * Sends `text` as-is over a TCP connection to base's host and port (no URL normalisation,
 * unlike fetch) and reads until the server closes. Returns { status, headers, body, raw }.
 * Send "Connection: close" in the request.
 */
export async function rawRequest(base, text) {
  const { connect } = await import('node:net');
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks = [];
    const s = connect({ host: u.hostname, port: Number(u.port) }, () => s.end(text));
    s.setTimeout(60000, () => s.destroy(new Error('rawRequest: timeout')));
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      const head = split < 0 ? raw : raw.slice(0, split);
      let body = split < 0 ? '' : raw.slice(split + 4);
      const [statusLine, ...hl] = head.split('\r\n');
      const headers = {};
      for (const h of hl) {
        const i = h.indexOf(':');
        if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
      }
      if (/chunked/i.test(headers['transfer-encoding'] || '')) {
        let out = '';
        let rest = body;
        for (;;) {
          const nl = rest.indexOf('\r\n');
          const n = parseInt(rest.slice(0, nl), 16);
          if (!n) break;
          out += rest.slice(nl + 2, nl + 2 + n);
          rest = rest.slice(nl + 2 + n + 2);
        }
        body = out;
      }
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine || '');
      resolve({ status: m ? Number(m[1]) : 0, headers, body: Buffer.from(body, 'latin1').toString('utf8'), raw });
    });
  });
}

/**
 * POSTs body (string) with node:http, so the caller learns when the body has been handed
 * to the kernel: onSent() is called then. chunked: no Content-Length, the body goes in
 * 16 KiB chunks (Transfer-Encoding: chunked). Resolves { status, body, headers, text } or
 * { error } when the connection breaks (e.g. the server was killed).
 */
export async function postStreaming(base, path, token, body, { onSent, chunked = false, headers = {} } = {}) {
  const http = await import('node:http');
  const u = new URL(path, base);
  const buf = Buffer.from(body);
  const h = { 'Content-Type': 'application/json', ...headers };
  if (token) h.Authorization = 'Bearer ' + token;
  if (!chunked) h['Content-Length'] = String(buf.length);
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: Number(u.port), path: u.pathname + u.search, method: 'POST', headers: h, agent: false });
    req.setTimeout(600000);
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('error', (error) => resolve({ error }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = text;
        try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, body: parsed, headers: res.headers, text });
      });
    });
    req.on('error', (error) => resolve({ error }));
    if (!chunked) {
      req.end(buf, () => onSent && onSent());
    } else {
      let off = 0;
      const next = () => {
        if (req.destroyed) return;
        if (off >= buf.length) { req.end(() => onSent && onSent()); return; }
        const piece = buf.subarray(off, off + 16384);
        off += piece.length;
        if (req.write(piece)) setImmediate(next); else req.once('drain', next);
      };
      next();
    }
  });
}

/**
 * A large valid plant file: one site, `areas` areas, `assets` valves spread over them and
 * `tagsPerAsset` pressure tags on each valve (30 000 tags by default, about 3.6 MB).
 */
export function bigPlant({ code = 'BIG1', areas = 5, assets = 3000, tagsPerAsset = 10 } = {}) {
  const doc = { format: 'anjian-plant', version: 1, site: { code, name: '大型测试厂区', name_en: 'Large test site' }, areas: [], assets: [], tags: [] };
  for (let a = 0; a < areas; a++) {
    doc.areas.push({ code: `A${a}`, name: `区域${a}`, kind: 'process_unit', polygon: [[a * 100, 0], [a * 100 + 90, 0], [a * 100 + 90, 90], [a * 100, 90]] });
  }
  for (let i = 0; i < assets; i++) {
    const ac = `V-${String(i).padStart(5, '0')}`;
    doc.assets.push({ code: ac, name: `阀门${i}`, template: 'valve', area: `A${i % areas}`, x: (i % areas) * 100 + 10, y: i % 80 });
    for (let t = 0; t < tagsPerAsset; t++) {
      doc.tags.push({ key: `${code}.${ac}.p${t}`, name: `${ac} 压力${t}`, unit: 'MPa', kind: 'pressure', range: [0, 2.5], asset: ac });
    }
  }
  return doc;
}

/** sha256 hex of a session token: the sessions table stores this, never the token. */
export async function tokenHash(token) {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(token).digest('hex');
}
