#!/usr/bin/env node
// compression-check.mjs — compression ratio and reconstruction error of anjian's archive
// against the raw line-protocol file that was sent to it (run by bench/compression-sim.sh).
//
// For every tag it reads the archive back through the query API
// (GET /api/v1/tags/{id}/history, archived points only once the server was stopped and
// restarted), then for every raw point computes the value the archive gives at that time:
// linear interpolation between the archived points around it for continuous kinds, the
// last archived value at or before it for step kinds (status, count). The error is
// |raw − reconstructed|, reported relative to the tag's default compression deviation
// comp_dev and to the documented bound comp_dev + exc_dev (src/engine/compress.h,
// docs/historian.md; the defaults are recomputed here from the kind and range).
//
// Usage: node bench/compression-check.mjs RAW_LP TAGS_TSV CHUNKS_TSV BASE_URL TOKEN FROM TO
//   RAW_LP      the file sent to /write (precision ns, one field per line, as anjian sim writes)
//   TAGS_TSV    id \t key \t kind \t range_lo \t range_hi   (sqlite3 -separator $'\t')
//   CHUNKS_TSV  tag_id \t chunks \t archived points \t chunk bytes
//   FROM, TO    RFC 3339 range to read
// Prints a markdown table by kind and the largest errors. Exit 1 if a raw point of a tag has
// no archive around it, a step tag does not reconstruct exactly, or the archive count from
// the API disagrees with the chunk table.

import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

// Defaults of aj_compress_defaults (src/engine/compress.h / compress.c).
const EXC_FRAC = 0.001, COMP_FRAC = 0.002;
const GAS_EXC_FRAC = 0.0005, GAS_COMP_FRAC = 0.001;
const TEMP_EXC_C = 0.1, TEMP_COMP_C = 0.2, TEMP_SPAN_FRAC = 0.01;
const TEMP_KINDS = new Set(['temperature', 'ir_temperature']);
const GAS_KINDS = new Set(['gas_combustible_lel', 'gas_toxic_ppm', 'oxygen_pct']);
const STEP_KINDS = new Set(['status', 'count']);

function deviations(kind, lo, hi) {
  if (STEP_KINDS.has(kind)) return { step: true, exc: 0, comp: 0 };
  const span = hi - lo;
  if (TEMP_KINDS.has(kind)) {
    const cap = TEMP_SPAN_FRAC * span;
    return { step: false, comp: Math.min(TEMP_COMP_C, cap), exc: Math.min(TEMP_EXC_C, cap / 2) };
  }
  if (GAS_KINDS.has(kind)) return { step: false, exc: GAS_EXC_FRAC * span, comp: GAS_COMP_FRAC * span };
  return { step: false, exc: EXC_FRAC * span, comp: COMP_FRAC * span };
}

const nsToMs = (s) => Number(s.slice(0, -6)) + Number(s.slice(-6)) / 1e6; // exact enough at 1 s steps

function parseValue(s) {
  if (s === 't' || s === 'T' || s === 'true' || s === 'True' || s === 'TRUE') return 1;
  if (s === 'f' || s === 'F' || s === 'false' || s === 'False' || s === 'FALSE') return 0;
  if (s.endsWith('i') || s.endsWith('u')) return Number(s.slice(0, -1));
  return Number(s);
}

async function readRaw(path, keyToTag) {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let unknown = 0;
  for await (const line of rl) {
    if (!line || line[0] === '#') continue;
    const sp1 = line.indexOf(' ');
    const sp2 = line.lastIndexOf(' ');
    const meas = line.slice(0, sp1);
    const fields = line.slice(sp1 + 1, sp2).split(',');
    const t = nsToMs(line.slice(sp2 + 1));
    for (const f of fields) {
      const eq = f.indexOf('=');
      const name = f.slice(0, eq);
      const key = name === 'value' ? meas : `${meas}.${name}`;
      const tag = keyToTag.get(key);
      if (!tag) { unknown++; continue; }
      tag.rawT.push(t);
      tag.rawV.push(parseValue(f.slice(eq + 1)));
      tag.rawBytes += line.length + 1; // one field per line in the simulator's output
    }
  }
  return unknown;
}

async function fetchHistory(base, token, tag, from, to) {
  const url = `${base}/api/v1/tags/${tag.id}/history?from=${encodeURIComponent(from)}` +
    `&to=${encodeURIComponent(to)}&limit=100000`;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`history of ${tag.key}: HTTP ${res.status} ${await res.text()}`);
  const text = (await res.text()).replace(/"t_ns":(-?\d+)/g, '"t_ns":"$1"'); // keep ns exact
  const doc = JSON.parse(text);
  if (doc.truncated) throw new Error(`history of ${tag.key} truncated`);
  tag.archT = doc.points.map((p) => nsToMs(p.t_ns));
  tag.archV = doc.points.map((p) => p.v);
  tag.nNotGood = doc.points.filter((p) => p.q !== 'good').length;
}

// Largest |raw − reconstruction| of one tag; null if some raw point has no archive around it.
function maxError(tag) {
  const { rawT, rawV, archT, archV } = tag;
  let j = 0, worst = 0, worstT = 0, uncovered = 0;
  for (let i = 0; i < rawT.length; i++) {
    const t = rawT[i];
    while (j + 1 < archT.length && archT[j + 1] <= t) j++;
    if (!archT.length || archT[j] > t) { uncovered++; continue; }
    let rec;
    if (archT[j] === t || tag.dev.step) rec = archV[j];
    else if (j + 1 < archT.length) {
      const t0 = archT[j], t1 = archT[j + 1];
      rec = archV[j] + (archV[j + 1] - archV[j]) * (t - t0) / (t1 - t0);
    } else { uncovered++; continue; }
    const err = Math.abs(rawV[i] - rec);
    if (err > worst) { worst = err; worstT = t; }
  }
  return { worst, worstT, uncovered };
}

async function main(argv) {
  const [rawPath, tagsPath, chunksPath, base, token, from, to] = argv;
  if (!to) {
    process.stderr.write('usage: compression-check.mjs RAW_LP TAGS_TSV CHUNKS_TSV BASE_URL TOKEN FROM TO\n');
    return 2;
  }
  const tags = [];
  const keyToTag = new Map();
  for (const line of readFileSync(tagsPath, 'utf8').split('\n')) {
    if (!line) continue;
    const [id, key, kind, lo, hi] = line.split('\t');
    const tag = { id: Number(id), key, kind, dev: deviations(kind, Number(lo), Number(hi)),
      rawT: [], rawV: [], rawBytes: 0, chunks: 0, chunkPoints: 0, chunkBytes: 0 };
    tags.push(tag);
    keyToTag.set(key, tag);
  }
  const byId = new Map(tags.map((t) => [t.id, t]));
  for (const line of readFileSync(chunksPath, 'utf8').split('\n')) {
    if (!line) continue;
    const [id, chunks, points, bytes] = line.split('\t').map(Number);
    const tag = byId.get(id);
    if (tag) Object.assign(tag, { chunks, chunkPoints: points, chunkBytes: bytes });
  }
  const unknown = await readRaw(rawPath, keyToTag);
  const live = tags.filter((t) => t.rawT.length);
  for (let i = 0; i < live.length; i += 4)
    await Promise.all(live.slice(i, i + 4).map((t) => fetchHistory(base, token, t, from, to)));

  let failed = false;
  const kinds = new Map();
  const all = [];
  for (const tag of live) {
    const e = maxError(tag);
    tag.err = e;
    if (e.uncovered) { failed = true; process.stderr.write(`${tag.key}: ${e.uncovered} raw points outside the archive\n`); }
    if (tag.archT.length !== tag.chunkPoints) {
      failed = true;
      process.stderr.write(`${tag.key}: API gave ${tag.archT.length} points, chunks hold ${tag.chunkPoints}\n`);
    }
    if (tag.dev.step && e.worst !== 0) { failed = true; process.stderr.write(`${tag.key}: step tag off by ${e.worst}\n`); }
    tag.relComp = tag.dev.step ? 0 : e.worst / tag.dev.comp;
    tag.relBound = tag.dev.step ? 0 : e.worst / (tag.dev.comp + tag.dev.exc);
    all.push(tag);
    const k = kinds.get(tag.kind) || { kind: tag.kind, tags: 0, raw: 0, arch: 0, lpBytes: 0, chunkBytes: 0, notGood: 0, worst: null };
    k.tags++; k.raw += tag.rawT.length; k.arch += tag.archT.length; k.lpBytes += tag.rawBytes;
    k.chunkBytes += tag.chunkBytes; k.notGood += tag.nNotGood;
    if (!k.worst || tag.relComp > k.worst.relComp) k.worst = tag;
    kinds.set(tag.kind, k);
  }
  const fmt = (x, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const int = (x) => x.toLocaleString('en-US');
  const row = (k) => `| ${k.kind} | ${k.tags} | ${int(k.raw)} | ${int(k.arch)} | ${fmt(k.raw / k.arch)} | ` +
    `${fmt(k.lpBytes / k.chunkBytes)} | ${fmt(16 * k.raw / k.chunkBytes)} | ${fmt(k.chunkBytes / k.arch, 2)} | ${k.notGood} | ` +
    (k.worst.dev.step ? 'exact |' : `${fmt(k.worst.relComp, 3)} (${fmt(k.worst.relBound, 3)}) ${k.worst.key} |`);
  const total = { kind: '**all**', tags: 0, raw: 0, arch: 0, lpBytes: 0, chunkBytes: 0, notGood: 0, worst: null };
  for (const k of kinds.values()) {
    total.tags += k.tags; total.raw += k.raw; total.arch += k.arch; total.lpBytes += k.lpBytes;
    total.chunkBytes += k.chunkBytes; total.notGood += k.notGood;
    if (!total.worst || k.worst.relComp > total.worst.relComp) total.worst = k.worst;
  }
  console.log('| kind | tags | raw points | archived | points ratio | LP bytes / chunk bytes | 16 B/pt / chunk bytes | chunk B / archived pt | archived not good | largest error / comp_dev (/ bound) and tag |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const k of [...kinds.values()].sort((a, b) => b.raw - a.raw)) console.log(row(k));
  console.log(row(total));
  all.sort((a, b) => b.relComp - a.relComp);
  console.log('\nlargest errors:');
  for (const t of all.slice(0, 5))
    console.log(`  ${t.key} (${t.kind}): ${t.err.worst.toPrecision(4)} at ${new Date(t.err.worstT).toISOString()}, ` +
      `comp_dev ${t.dev.comp.toPrecision(3)}, exc_dev ${t.dev.exc.toPrecision(3)} -> ${fmt(t.relComp, 3)} x comp_dev, ` +
      `${t.relBound.toFixed(12)} x bound; ${t.archT.length} of ${t.rawT.length} points archived`);
  if (unknown) { failed = true; process.stderr.write(`${unknown} raw points of unknown keys\n`); }
  console.log(`\nraw points ${int(total.raw)}, archived ${int(total.arch)}, ratio ${fmt(total.raw / total.arch)} : 1; ` +
    `line protocol ${fmt(total.lpBytes / 1048576)} MiB, 16 B/point ${fmt(16 * total.raw / 1048576)} MiB, ` +
    `chunk data ${fmt(total.chunkBytes / 1048576, 2)} MiB (${fmt(8 * total.chunkBytes / total.raw, 2)} bits per raw point)`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then((c) => { process.exitCode = c; },
  (e) => { process.stderr.write(`${e.stack || e}\n`); process.exitCode = 2; });
