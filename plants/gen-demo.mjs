#!/usr/bin/env node
// gen-demo.mjs — writes the demo plant plants/demo-chemical.json and checks it.
//
// The demo plant is 华东精细化工有限公司 · 金山生产基地 (site JS01): a fine-chemical site of
// about 600 m × 400 m with tank farms, a reaction unit, pump houses, a loading bay,
// utilities, a hazmat warehouse and a control room, its departments, two contractors,
// one hazmat carrier and their people with special-operation certificates.
//
// Invariants:
//  - Deterministic: every random choice comes from one seeded PRNG (mulberry32); the
//    output is byte-identical on every run and on every machine. No Math.random, no clock.
//  - Self-checking: before anything is written, the document is checked against every
//    rule of the plant-file contract (docs/plant-file.md; validatePlant below is that
//    contract in code) and against the promises the demo makes to later features
//    (demoChecks: P-101, ≥ 70 gas detectors, expired and soon-due certificates, …).
//    Any violation is printed as "<JSONPath>: <message>" and the exit status is 1.
//
// Usage:
//   node plants/gen-demo.mjs                 write plants/demo-chemical.json, print counts
//   node plants/gen-demo.mjs --stdout        write the JSON to stdout, counts to stderr
//   node plants/gen-demo.mjs --check         fail (exit 3) if the committed file differs
//   node plants/gen-demo.mjs --validate F    check any plant file F against the contract
// Exit status: 0 ok · 1 rule violations · 2 usage or I/O error · 3 --check mismatch.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// ===================================================================================
// The contract (keep in step with docs/plant-file.md)
// ===================================================================================

const FORMAT = 'anjian-plant';
const VERSION = 1;
const CODE_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const TAG_KEY_RE = /^[A-Za-z0-9_.:/-]{1,64}$/;
const NAME_LEN_MAX = 200; // names and other free-text strings, in Unicode code points
const OBJECTS_MAX = 200000; // objects per family (src/base/limits.h AJ_PLANT_OBJECTS_MAX)
const POLYGON_POINTS_MIN = 3;
const POLYGON_POINTS_MAX = 1000; // AJ_POLYGON_POINTS_MAX
const ERRORS_LISTED_MAX = 200; // AJ_PLANT_ERRORS_MAX
const TIMEZONE_RE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;
const BADGE_RE = /^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{14}|[0-9A-Fa-f]{20})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const ORG_KINDS = ['department', 'contractor', 'supplier'];
const AREA_KINDS = ['tank_farm', 'process_unit', 'pump_house', 'loading_bay', 'utility',
  'warehouse', 'control_room', 'office', 'road'];
const TEMPLATES = {
  centrifugal_pump: ['seal_temp', 'vib_1x', 'vib_2x', 'vib_3x', 'ir_max', 'motor_current',
    'discharge_pressure', 'suction_pressure', 'flow', 'bearing_temp'],
  compressor: ['suction_pressure', 'discharge_pressure', 'flow', 'vib_1x', 'vib_2x',
    'bearing_temp', 'motor_current', 'surge_margin'],
  storage_tank: ['level', 'temperature', 'pressure', 'high_level_switch'],
  reactor: ['temperature', 'pressure', 'coolant_flow', 'coolant_temp', 'agitator_current', 'level'],
  heat_exchanger: ['inlet_temp_hot', 'outlet_temp_hot', 'inlet_temp_cold', 'outlet_temp_cold',
    'pressure_drop', 'flow'],
  pipe_rack: ['pressure', 'temperature', 'ir_max'],
  motor: ['winding_temp', 'current', 'vib_1x', 'bearing_temp'],
  loading_arm: ['flow', 'pressure', 'position'],
  gas_detector_group: ['gas'],
  valve: ['position', 'pressure'],
};
const TAG_KINDS = ['temperature', 'pressure', 'differential_pressure', 'flow', 'level',
  'vibration', 'gas_combustible_lel', 'gas_toxic_ppm', 'oxygen_pct', 'ir_temperature',
  'current', 'voltage', 'power', 'speed', 'position', 'humidity', 'wind_speed',
  'wind_direction', 'status', 'count'];
const RANGELESS_KINDS = ['status', 'count']; // range optional for these, required otherwise
const GAS_KINDS = ['gas_combustible_lel', 'gas_toxic_ppm']; // need `gas`
const OEL_KINDS = ['gas_toxic_ppm']; // need `oel`
const PERSON_ROLES = ['admin', 'safety_manager', 'operator', 'unit_leader', 'worker',
  'attendant', 'approver', 'supplier', 'regulator'];
const CERT_TYPES = ['electrical', 'welding_cutting', 'work_at_height', 'hazchem_process',
  'lifting', 'confined_space', 'boiler_pressure_vessel', 'forklift'];

const FIELDS = {
  top: ['format', 'version', 'site', 'organisations', 'areas', 'assets', 'tags', 'people'],
  site: ['code', 'name', 'name_en', 'timezone', 'lat', 'lon'],
  organisations: ['code', 'name', 'name_en', 'kind', 'parent'],
  areas: ['code', 'name', 'name_en', 'kind', 'polygon', 'lat', 'lon'],
  assets: ['code', 'name', 'name_en', 'template', 'area', 'parent', 'x', 'y'],
  tags: ['key', 'name', 'name_en', 'unit', 'kind', 'range', 'asset', 'role', 'area', 'x', 'y',
    'gas', 'oel'],
  people: ['code', 'name', 'name_en', 'organisation', 'department', 'roles', 'badge_uid',
    'phone', 'certificates'],
  certificates: ['type', 'number', 'issued_on', 'expires_on', 'next_review_on'],
};
const FAMILIES = ['organisations', 'areas', 'assets', 'tags', 'people'];

// ---- small helpers used by both the generator and the checks ----------------------

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const cpLen = (s) => [...s].length; // length in Unicode code points

/** Days since 1970-01-01 of a "YYYY-MM-DD" date, or null when it is not a real date. */
function dayNumber(s) {
  if (typeof s !== 'string') return null;
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return Math.round(t / 86400000);
}
function dateOfDay(n) {
  return new Date(n * 86400000).toISOString().slice(0, 10);
}
/** Adds calendar years; 29 February becomes 28 February in a common year. */
function addYears(s, years) {
  const m = DATE_RE.exec(s);
  const y = Number(m[1]) + years;
  const mo = Number(m[2]);
  let d = Number(m[3]);
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > last) d = last;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

// ===================================================================================
// validatePlant: the importer's rules
// ===================================================================================

/**
 * Checks a parsed plant file against the contract. Returns {errors, total, warnings}:
 * errors are {path, message}, at most ERRORS_LISTED_MAX listed, total counts them all.
 * knownOrgs: codes of organisations that already exist in the enterprise (null = unknown,
 * references outside the file are then warnings).
 */
export function validatePlant(doc, knownOrgs = null) {
  const errors = [];
  const warnings = [];
  let total = 0;
  const err = (path, message) => {
    total++;
    if (errors.length < ERRORS_LISTED_MAX) errors.push({ path, message });
  };

  const keysOk = (obj, allowed, path) => {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) err(`${path}.${k}`, `unknown key "${k}"`);
    }
  };
  const reqStr = (obj, k, path) => {
    if (!(k in obj)) { err(`${path}.${k}`, 'required'); return false; }
    if (typeof obj[k] !== 'string') { err(`${path}.${k}`, 'must be a string'); return false; }
    return true;
  };
  const code = (obj, k, path, re = CODE_RE, what = 'a code') => {
    if (!(k in obj)) { err(`${path}.${k}`, 'required'); return; }
    if (typeof obj[k] !== 'string' || !re.test(obj[k])) {
      err(`${path}.${k}`, re === TAG_KEY_RE
        ? 'must be 1-64 characters of A-Z a-z 0-9 _ . : - /'
        : `must be ${what}: 1-64 characters of A-Z a-z 0-9 _ . : -`);
    }
  };
  const text = (obj, k, path, required) => {
    if (!(k in obj)) { if (required) err(`${path}.${k}`, 'required'); return; }
    const v = obj[k];
    if (typeof v !== 'string') { err(`${path}.${k}`, 'must be a string'); return; }
    const n = cpLen(v);
    if (n < 1 || n > NAME_LEN_MAX) err(`${path}.${k}`, `must be 1-${NAME_LEN_MAX} characters`);
  };
  const names = (obj, path) => { text(obj, 'name', path, true); text(obj, 'name_en', path, false); };
  const latLon = (obj, path) => {
    if ('lat' in obj && !(isNum(obj.lat) && obj.lat >= -90 && obj.lat <= 90)) err(`${path}.lat`, 'must be a number in -90..90');
    if ('lon' in obj && !(isNum(obj.lon) && obj.lon >= -180 && obj.lon <= 180)) err(`${path}.lon`, 'must be a number in -180..180');
  };
  const xy = (obj, path) => {
    for (const k of ['x', 'y']) if (k in obj && !isNum(obj[k])) err(`${path}.${k}`, 'must be a finite number (metres)');
    if (('x' in obj) !== ('y' in obj)) err(`${path}.${'x' in obj ? 'y' : 'x'}`, 'x and y must be given together');
  };
  const oneOf = (obj, k, list, path, required) => {
    if (!(k in obj)) { if (required) err(`${path}.${k}`, 'required'); return; }
    if (typeof obj[k] !== 'string' || !list.includes(obj[k])) err(`${path}.${k}`, `must be one of: ${list.join(', ')}`);
  };
  const unique = (seen, value, path, what) => {
    if (typeof value !== 'string') return;
    if (seen.has(value)) err(path, `duplicate ${what} "${value}" (first at ${seen.get(value)})`);
    else seen.set(value, path);
  };

  if (!isObj(doc)) { err('$', 'must be a JSON object'); return { errors, total, warnings }; }
  keysOk(doc, FIELDS.top, '$');
  if (doc.format !== FORMAT) err('$.format', `must be "${FORMAT}"`);
  if (doc.version !== VERSION) err('$.version', `must be ${VERSION}`);

  // site
  if (!('site' in doc)) err('$.site', 'required');
  else if (!isObj(doc.site)) err('$.site', 'must be an object');
  else {
    const s = doc.site;
    keysOk(s, FIELDS.site, '$.site');
    code(s, 'code', '$.site');
    names(s, '$.site');
    if ('timezone' in s && !(typeof s.timezone === 'string' && s.timezone.length <= 64 && TIMEZONE_RE.test(s.timezone))) {
      err('$.site.timezone', 'must be an IANA time-zone name such as "Asia/Shanghai"');
    }
    latLon(s, '$.site');
  }

  // families: arrays of objects
  const fam = {};
  for (const f of FAMILIES) {
    fam[f] = [];
    if (!(f in doc)) continue;
    if (!Array.isArray(doc[f])) { err(`$.${f}`, 'must be an array'); continue; }
    if (doc[f].length > OBJECTS_MAX) { err(`$.${f}`, `more than ${OBJECTS_MAX} objects`); continue; }
    doc[f].forEach((o, i) => {
      if (!isObj(o)) err(`$.${f}[${i}]`, 'must be an object');
      else fam[f].push([o, `$.${f}[${i}]`]);
    });
  }

  // first pass: identities, so references may point forwards
  const orgCodes = new Map(); const areaCodes = new Map(); const assetCodes = new Map();
  const tagKeys = new Map(); const personCodes = new Map(); const badges = new Map();
  const certIds = new Map();
  const assetByCode = new Map();
  for (const [o, p] of fam.organisations) unique(orgCodes, o.code, `${p}.code`, 'organisation code');
  for (const [o, p] of fam.areas) unique(areaCodes, o.code, `${p}.code`, 'area code');
  for (const [o, p] of fam.assets) {
    unique(assetCodes, o.code, `${p}.code`, 'asset code');
    if (typeof o.code === 'string' && !assetByCode.has(o.code)) assetByCode.set(o.code, o);
  }
  for (const [o, p] of fam.tags) unique(tagKeys, o.key, `${p}.key`, 'tag key');
  for (const [o, p] of fam.people) {
    unique(personCodes, o.code, `${p}.code`, 'person code');
    if (typeof o.badge_uid === 'string') unique(badges, o.badge_uid.toUpperCase(), `${p}.badge_uid`, 'badge_uid');
  }

  const ref = (obj, k, codes, path, what) => {
    if (!(k in obj)) return false;
    if (typeof obj[k] !== 'string' || !CODE_RE.test(obj[k])) { err(`${path}.${k}`, `must be ${what} code`); return false; }
    if (!codes.has(obj[k])) { err(`${path}.${k}`, `no ${what} "${obj[k]}" in this file`); return false; }
    return true;
  };
  const orgRef = (obj, k, path) => {
    if (!(k in obj)) return;
    const v = obj[k];
    if (typeof v !== 'string' || !CODE_RE.test(v)) { err(`${path}.${k}`, 'must be an organisation code'); return; }
    if (orgCodes.has(v)) return;
    if (knownOrgs === null) warnings.push({ path: `${path}.${k}`, message: `organisation "${v}" is not in this file; it must already exist in the enterprise` });
    else if (!knownOrgs.has(v)) err(`${path}.${k}`, `no organisation "${v}" in this file or the enterprise`);
  };

  // organisations
  for (const [o, p] of fam.organisations) {
    keysOk(o, FIELDS.organisations, p);
    code(o, 'code', p);
    names(o, p);
    oneOf(o, 'kind', ORG_KINDS, p, true);
    if ('parent' in o && o.parent === o.code) err(`${p}.parent`, 'an organisation cannot be its own parent');
    else orgRef(o, 'parent', p);
  }
  reportCycles(fam.organisations, orgCodes, 'organisation', err);

  // areas
  for (const [o, p] of fam.areas) {
    keysOk(o, FIELDS.areas, p);
    code(o, 'code', p);
    names(o, p);
    oneOf(o, 'kind', AREA_KINDS, p, false);
    if ('polygon' in o) {
      const poly = o.polygon;
      if (!Array.isArray(poly)) err(`${p}.polygon`, 'must be an array of [x, y] points');
      else if (poly.length < POLYGON_POINTS_MIN || poly.length > POLYGON_POINTS_MAX) {
        err(`${p}.polygon`, `must have ${POLYGON_POINTS_MIN}-${POLYGON_POINTS_MAX} points`);
      } else {
        poly.forEach((pt, i) => {
          if (!(Array.isArray(pt) && pt.length === 2 && isNum(pt[0]) && isNum(pt[1]))) {
            err(`${p}.polygon[${i}]`, 'must be [x, y] with finite numbers (metres)');
          }
        });
      }
    }
    latLon(o, p);
  }

  // assets
  for (const [o, p] of fam.assets) {
    keysOk(o, FIELDS.assets, p);
    code(o, 'code', p);
    names(o, p);
    oneOf(o, 'template', Object.keys(TEMPLATES), p, true);
    if (!('area' in o)) err(`${p}.area`, 'required');
    else ref(o, 'area', areaCodes, p, 'area');
    if ('parent' in o) {
      if (o.parent === o.code) err(`${p}.parent`, 'an asset cannot be its own parent');
      else ref(o, 'parent', assetCodes, p, 'asset');
    }
    xy(o, p);
  }
  reportCycles(fam.assets, assetCodes, 'asset', err);

  // tags
  for (const [o, p] of fam.tags) {
    keysOk(o, FIELDS.tags, p);
    code(o, 'key', p, TAG_KEY_RE);
    names(o, p);
    text(o, 'unit', p, false);
    oneOf(o, 'kind', TAG_KINDS, p, true);
    const kind = typeof o.kind === 'string' && TAG_KINDS.includes(o.kind) ? o.kind : null;
    if ('range' in o) {
      const r = o.range;
      if (!(Array.isArray(r) && r.length === 2 && isNum(r[0]) && isNum(r[1]))) err(`${p}.range`, 'must be [lo, hi] with finite numbers');
      else if (!(r[0] < r[1])) err(`${p}.range`, 'lo must be less than hi');
    } else if (kind && !RANGELESS_KINDS.includes(kind)) {
      err(`${p}.range`, `required for kind ${kind}`);
    }
    const hasAsset = ref(o, 'asset', assetCodes, p, 'asset');
    if ('area' in o) ref(o, 'area', areaCodes, p, 'area');
    if (!('area' in o) && !('asset' in o)) err(`${p}.area`, 'required when asset is not given');
    if ('role' in o) {
      if (typeof o.role !== 'string') err(`${p}.role`, 'must be a string');
      else if (!('asset' in o)) err(`${p}.role`, 'role requires asset');
      else if (hasAsset) {
        const tpl = assetByCode.get(o.asset).template;
        const roles = TEMPLATES[tpl];
        if (roles && !roles.includes(o.role)) err(`${p}.role`, `"${o.role}" is not a signal role of template ${tpl} (${roles.join(', ')})`);
      }
    }
    if (kind && GAS_KINDS.includes(kind)) text(o, 'gas', p, true);
    else if ('gas' in o) err(`${p}.gas`, `only allowed for kinds ${GAS_KINDS.join(', ')}`);
    if (kind && OEL_KINDS.includes(kind)) {
      if (!('oel' in o)) err(`${p}.oel`, `required for kind ${kind}`);
      else if (!(isNum(o.oel) && o.oel > 0)) err(`${p}.oel`, 'must be a number > 0 (ppm)');
    } else if ('oel' in o) err(`${p}.oel`, `only allowed for kind ${OEL_KINDS.join(', ')}`);
    xy(o, p);
  }

  // people and certificates
  for (const [o, p] of fam.people) {
    keysOk(o, FIELDS.people, p);
    code(o, 'code', p);
    names(o, p);
    if (!('organisation' in o)) err(`${p}.organisation`, 'required');
    else orgRef(o, 'organisation', p);
    text(o, 'department', p, false);
    text(o, 'phone', p, false);
    if ('roles' in o) {
      if (!Array.isArray(o.roles)) err(`${p}.roles`, 'must be an array of role names');
      else {
        const seen = new Set();
        o.roles.forEach((r, i) => {
          if (typeof r !== 'string' || !PERSON_ROLES.includes(r)) err(`${p}.roles[${i}]`, `must be one of: ${PERSON_ROLES.join(', ')}`);
          else if (seen.has(r)) err(`${p}.roles[${i}]`, `duplicate role "${r}"`);
          else seen.add(r);
        });
      }
    }
    if ('badge_uid' in o && !(typeof o.badge_uid === 'string' && BADGE_RE.test(o.badge_uid))) {
      err(`${p}.badge_uid`, 'must be 8, 14 or 20 hex digits (NFC UID of 4, 7 or 10 bytes)');
    }
    if ('certificates' in o) {
      if (!Array.isArray(o.certificates)) { err(`${p}.certificates`, 'must be an array'); continue; }
      o.certificates.forEach((c, j) => {
        const cp = `${p}.certificates[${j}]`;
        if (!isObj(c)) { err(cp, 'must be an object'); return; }
        keysOk(c, FIELDS.certificates, cp);
        oneOf(c, 'type', CERT_TYPES, cp, true);
        text(c, 'number', cp, true);
        const d = {};
        for (const k of ['issued_on', 'expires_on', 'next_review_on']) {
          if (!(k in c)) { if (k !== 'next_review_on') err(`${cp}.${k}`, 'required'); continue; }
          d[k] = dayNumber(c[k]);
          if (d[k] === null) err(`${cp}.${k}`, 'must be a date YYYY-MM-DD');
        }
        if (d.issued_on != null && d.expires_on != null && !(d.issued_on < d.expires_on)) {
          err(`${cp}.expires_on`, 'must be after issued_on');
        }
        if (d.next_review_on != null) {
          if (d.issued_on != null && !(d.next_review_on > d.issued_on)) err(`${cp}.next_review_on`, 'must be after issued_on');
          if (d.expires_on != null && !(d.next_review_on <= d.expires_on)) err(`${cp}.next_review_on`, 'must not be after expires_on');
        }
        if (typeof c.type === 'string' && typeof c.number === 'string') {
          unique(certIds, `${c.type} ${c.number}`, `${cp}.number`, 'certificate (type, number)');
        }
      });
    }
  }
  return { errors, total, warnings };
}

/** Reports every object whose parent chain (within the file) returns to itself. */
function reportCycles(items, codes, what, err) {
  const parentOf = new Map();
  for (const [o] of items) {
    if (typeof o.code === 'string' && typeof o.parent === 'string' && codes.has(o.parent) && o.parent !== o.code) {
      if (!parentOf.has(o.code)) parentOf.set(o.code, o.parent);
    }
  }
  for (const [o, p] of items) {
    if (typeof o.code !== 'string' || !parentOf.has(o.code)) continue;
    let cur = parentOf.get(o.code);
    for (let steps = 0; steps <= parentOf.size && cur !== undefined; steps++) {
      if (cur === o.code) { err(`${p}.parent`, `${what} parents form a cycle through "${o.code}"`); break; }
      cur = parentOf.get(cur);
    }
  }
}

// ===================================================================================
// The demo plant
// ===================================================================================

const SITE = 'JS01';
const REFERENCE_DAY = '2026-12-01'; // "today" for the certificate test cases
const SITE_W = 600; const SITE_H = 400; // metres, origin at the south-west corner
// WGS-84: the site centre (300, 200) is 30.72 N, 121.34 E; local metres are converted
// with a flat-earth approximation (error < 0.1 m over 600 m).
const CENTRE_LAT = 30.72; const CENTRE_LON = 121.34;
const M_PER_DEG_LAT = 110860; // at 30.7° N
const M_PER_DEG_LON = 95760; // 111320 · cos(30.72°)
const ORIGIN_LAT = CENTRE_LAT - (SITE_H / 2) / M_PER_DEG_LAT;
const ORIGIN_LON = CENTRE_LON - (SITE_W / 2) / M_PER_DEG_LON;

/** mulberry32: small, fast, good enough for demo data; deterministic for a seed. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = 0x4a533031; // "JS01"
let rand = mulberry32(SEED);
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
function shuffle(list) {
  const a = list.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
const r1 = (v) => Math.round(v * 10) / 10; // 0.1 m
const r6 = (v) => Math.round(v * 1e6) / 1e6; // ~0.1 m in degrees
const toLatLon = ([x, y]) => ({ lat: r6(ORIGIN_LAT + y / M_PER_DEG_LAT), lon: r6(ORIGIN_LON + x / M_PER_DEG_LON) });

function centroid(poly) { // area centroid of a simple polygon
  let a = 0; let cx = 0; let cy = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x0, y0] = poly[i]; const [x1, y1] = poly[(i + 1) % poly.length];
    const c = x0 * y1 - x1 * y0;
    a += c; cx += (x0 + x1) * c; cy += (y0 + y1) * c;
  }
  return [cx / (3 * a), cy / (3 * a)];
}

// ---- site --------------------------------------------------------------------------

function buildSite() {
  return {
    code: SITE, name: '金山生产基地', name_en: 'Jinshan Production Base', timezone: 'Asia/Shanghai',
    lat: CENTRE_LAT, lon: CENTRE_LON,
  };
}

// ---- organisations -----------------------------------------------------------------

const ORGS = [
  ['SAFETY', '安全环保部', 'Safety and Environmental Protection Department', 'department'],
  ['PROD', '生产部', 'Production Department', 'department'],
  ['CCR', '中控室运行班', 'Control Room Operations Crew', 'department', 'PROD'],
  ['RXN', '反应工段', 'Reaction Section', 'department', 'PROD'],
  ['MAINT', '设备部', 'Maintenance Department', 'department'],
  ['EI', '电仪班', 'Electrical and Instrument Crew', 'department', 'MAINT'],
  ['PROC', '采购部', 'Procurement Department', 'department'],
  ['LOGI', '仓储物流部', 'Warehousing and Logistics Department', 'department'],
  ['HONGDA', '上海宏达石化检修工程有限公司', 'Shanghai Hongda Petrochemical Maintenance Engineering Co., Ltd.', 'contractor'],
  ['ANJIE', '江苏安捷特种作业服务有限公司', 'Jiangsu Anjie Special Operations Services Co., Ltd.', 'contractor'],
  ['SHUNAN', '上海顺安危险货物运输有限公司', 'Shanghai Shun\'an Dangerous Goods Transport Co., Ltd.', 'supplier'],
];
function buildOrganisations() {
  return ORGS.map(([code, name, name_en, kind, parent]) => ({ code, name, name_en, kind, ...(parent ? { parent } : {}) }));
}

// ---- areas -------------------------------------------------------------------------
// Layout (x east, y north, metres): a cross of main roads at y 190-205 and x 295-310
// splits the site into four quarters, every area keeps ≥ 7 m from the roads.
//   SW: tank farm TF1, ammonia/propane tanks TF2, pump house PH1
//   SE: loading bay LB1, hazmat warehouse WH1, office OF1 (by the south-east gate)
//   NW: reaction unit PU1 (L-shaped: green belt in its north-west corner)
//   NE: fire-water pump house FW1, control room CR1, utilities UT1

const AREAS = [
  ['TF1', '甲类罐区', 'Class A tank farm', 'tank_farm', [[15, 15], [265, 15], [280, 30], [280, 130], [15, 130]]],
  ['TF2', '液氨及丙烷罐区', 'Ammonia and propane tank farm', 'tank_farm', [[15, 142], [155, 142], [155, 182], [15, 182]]],
  ['PH1', '罐区泵房', 'Tank farm pump house', 'pump_house', [[170, 142], [280, 142], [280, 182], [170, 182]]],
  ['PU1', '反应装置区', 'Reaction unit', 'process_unit', [[15, 220], [280, 220], [280, 385], [70, 385], [70, 330], [15, 330]]],
  ['LB1', '装卸站台', 'Loading bay', 'loading_bay', [[330, 15], [585, 15], [585, 100], [350, 100], [330, 80]]],
  ['WH1', '危化品仓库', 'Hazardous chemicals warehouse', 'warehouse', [[330, 115], [450, 115], [450, 180], [330, 180]]],
  ['OF1', '综合办公楼', 'Office building', 'office', [[490, 115], [585, 115], [585, 180], [490, 180]]],
  ['UT1', '公用工程区', 'Utilities', 'utility', [[425, 220], [585, 220], [585, 360], [560, 385], [425, 385]]],
  ['FW1', '消防泵房', 'Fire-water pump house', 'pump_house', [[325, 220], [405, 220], [405, 290], [325, 290]]],
  ['CR1', '中控室', 'Central control room', 'control_room', [[325, 315], [405, 315], [405, 385], [325, 385]]],
  ['RD1', '厂区主干道', 'Main roads', 'road', [[295, 0], [310, 0], [310, 190], [600, 190], [600, 205], [310, 205],
    [310, 400], [295, 400], [295, 205], [0, 205], [0, 190], [295, 190]]],
];
function buildAreas() {
  return AREAS.map(([code, name, name_en, kind, polygon]) => ({
    code, name, name_en, kind, polygon, ...toLatLon(centroid(polygon)),
  }));
}

// ---- assets and their tags -----------------------------------------------------------

// Role → [name zh, name en, kind, unit, range]. Per-asset overrides below.
const ROLE_SIGNALS = {
  seal_temp: ['机械密封温度', 'mechanical seal temperature', 'temperature', '℃', [0, 150]],
  vib_1x: ['振动1倍频', 'vibration 1×', 'vibration', 'mm/s', [0, 50]],
  vib_2x: ['振动2倍频', 'vibration 2×', 'vibration', 'mm/s', [0, 50]],
  vib_3x: ['振动3倍频', 'vibration 3×', 'vibration', 'mm/s', [0, 50]],
  ir_max: ['红外最高温度', 'infrared maximum temperature', 'ir_temperature', '℃', [0, 200]],
  motor_current: ['电机电流', 'motor current', 'current', 'A', [0, 100]],
  discharge_pressure: ['出口压力', 'discharge pressure', 'pressure', 'MPa', [0, 2.5]],
  suction_pressure: ['入口压力', 'suction pressure', 'pressure', 'MPa', [-0.1, 1]],
  flow: ['流量', 'flow', 'flow', 'm³/h', [0, 100]],
  bearing_temp: ['轴承温度', 'bearing temperature', 'temperature', '℃', [0, 150]],
  surge_margin: ['喘振裕度', 'surge margin', 'flow', '%', [0, 100]],
  level: ['液位', 'level', 'level', 'm', [0, 10]],
  temperature: ['温度', 'temperature', 'temperature', '℃', [-20, 80]],
  pressure: ['压力', 'pressure', 'pressure', 'MPa', [0, 2.5]],
  high_level_switch: ['高高液位开关', 'high-high level switch', 'status', null, null],
  coolant_flow: ['冷却水流量', 'coolant flow', 'flow', 'm³/h', [0, 80]],
  coolant_temp: ['冷却水温度', 'coolant temperature', 'temperature', '℃', [0, 80]],
  agitator_current: ['搅拌电机电流', 'agitator current', 'current', 'A', [0, 100]],
  inlet_temp_hot: ['热侧入口温度', 'hot-side inlet temperature', 'temperature', '℃', [0, 250]],
  outlet_temp_hot: ['热侧出口温度', 'hot-side outlet temperature', 'temperature', '℃', [0, 250]],
  inlet_temp_cold: ['冷侧入口温度', 'cold-side inlet temperature', 'temperature', '℃', [0, 100]],
  outlet_temp_cold: ['冷侧出口温度', 'cold-side outlet temperature', 'temperature', '℃', [0, 100]],
  pressure_drop: ['压降', 'pressure drop', 'differential_pressure', 'kPa', [0, 200]],
  winding_temp: ['绕组温度', 'winding temperature', 'temperature', '℃', [0, 180]],
  current: ['电流', 'current', 'current', 'A', [0, 100]],
  position: ['阀位', 'position', 'position', '%', [0, 100]],
};

let assets = [];
let assetTags = []; // [asset, role, overrides]
function asset(code, name, name_en, template, area, x, y, extra = {}) {
  const a = { code, name, name_en, template, area, ...(extra.parent ? { parent: extra.parent } : {}), x: r1(x), y: r1(y) };
  assets.push(a);
  if (template !== 'gas_detector_group') {
    for (const role of TEMPLATES[template]) assetTags.push([a, role, (extra.signals || {})[role] || {}]);
  }
  return a;
}
function pumpWithMotor(code, name, name_en, area, x, y, signals = {}, motorA = 100) {
  asset(code, name, name_en, 'centrifugal_pump', area, x, y, { signals: { motor_current: { range: [0, motorA] }, ...signals } });
  const m = code.replace('-', '');
  asset(`M-${m}`, `${code} 驱动电机`, `${code} drive motor`, 'motor', area, x + 2.5, y, { parent: code, signals: { current: { range: [0, motorA] } } });
}
function compressorWithMotor(code, name, name_en, area, x, y, signals, motorA) {
  asset(code, name, name_en, 'compressor', area, x, y, { signals: { motor_current: { range: [0, motorA] }, ...signals } });
  asset(`M-${code.replace('-', '')}`, `${code} 驱动电机`, `${code} drive motor`, 'motor', area, x + 6, y, { parent: code, signals: { current: { range: [0, motorA] } } });
}

// Substances: key (also the `gas` value of their detectors) → [name zh, name en]
const SUBST = {
  methanol: ['甲醇', 'methanol'],
  toluene: ['甲苯', 'toluene'],
  ethyl_acetate: ['乙酸乙酯', 'ethyl acetate'],
  acetone: ['丙酮', 'acetone'],
  isopropanol: ['异丙醇', 'isopropanol'],
  ethanol: ['乙醇', 'ethanol'],
  NH3: ['氨', 'ammonia'],
  propane: ['丙烷', 'propane'],
  hydrogen: ['氢气', 'hydrogen'],
  methane: ['甲烷', 'methane'],
  H2S: ['硫化氢', 'hydrogen sulphide'],
  Cl2: ['氯气', 'chlorine'],
  CO: ['一氧化碳', 'carbon monoxide'],
};

const TANKS = [ // code, substance, x, y (TF1: two rows of four 1000 m³ internal floating-roof tanks)
  ['T-101', 'methanol', 50, 100], ['T-102', 'methanol', 110, 100], ['T-103', 'toluene', 170, 100], ['T-104', 'toluene', 230, 100],
  ['T-105', 'ethyl_acetate', 50, 45], ['T-106', 'acetone', 110, 45], ['T-107', 'isopropanol', 170, 45], ['T-108', 'ethanol', 230, 45],
];
const PH1_PUMPS = [ // code, name zh, name en, substance, x, y
  ['P-101', '甲醇输送泵', 'Methanol transfer pump', 'methanol', 190, 152],
  ['P-102', '甲醇装车泵', 'Methanol loading pump', 'methanol', 212, 152],
  ['P-103', '甲苯输送泵', 'Toluene transfer pump', 'toluene', 234, 152],
  ['P-104', '甲苯装车泵', 'Toluene loading pump', 'toluene', 256, 152],
  ['P-105', '乙酸乙酯装车泵', 'Ethyl acetate loading pump', 'ethyl_acetate', 190, 172],
  ['P-106', '丙酮装车泵', 'Acetone loading pump', 'acetone', 212, 172],
  ['P-107', '异丙醇输送泵', 'Isopropanol transfer pump', 'isopropanol', 234, 172],
  ['P-108', '乙醇输送泵', 'Ethanol transfer pump', 'ethanol', 256, 172],
];
const REACTORS = [ // code, zh, en, x, y, pressure range MPa, temperature range
  ['R-201', '1#加氢反应釜', 'Hydrogenation reactor No. 1', 60, 250, [-0.1, 6], [0, 200]],
  ['R-202', '2#加氢反应釜', 'Hydrogenation reactor No. 2', 100, 250, [-0.1, 6], [0, 200]],
  ['R-203', '胺化反应釜', 'Amination reactor', 150, 250, [-0.1, 4], [0, 200]],
  ['R-204', '氯化反应釜', 'Chlorination reactor', 200, 250, [-0.1, 1], [-20, 150]],
  ['R-205', '酯化反应釜', 'Esterification reactor', 250, 250, [-0.1, 1], [0, 180]],
];

function buildAssets() {
  // TF1 tanks, their emergency shut-off valves and the tank-farm pipe rack
  for (const [code, sub, x, y] of TANKS) {
    const [zh, en] = SUBST[sub];
    asset(code, `${zh}储罐`, `${en[0].toUpperCase()}${en.slice(1)} storage tank`, 'storage_tank', 'TF1', x, y,
      { signals: { pressure: { unit: 'kPa', range: [-2, 6], name: ['气相压力', 'vapour-space pressure'] } } });
  }
  for (const [code, , x, y] of TANKS) {
    const v = `XV-${code.slice(2)}`;
    asset(v, `${code} 出口紧急切断阀`, `${code} outlet emergency shut-off valve`, 'valve', 'TF1', x + 9, y + 9,
      { parent: code, signals: { pressure: { range: [0, 1] } } });
  }
  asset('PR-101', '罐区管廊', 'Tank farm pipe rack', 'pipe_rack', 'TF1', 150, 124,
    { signals: { pressure: { range: [0, 1.6], name: ['物料总管压力', 'product header pressure'] } } });

  // TF2 pressurised storage: liquid ammonia (major hazard source) and propane fuel
  const pressTank = { level: { range: [0, 3] }, temperature: { range: [-40, 60] } };
  asset('T-109', '1#液氨储罐', 'Liquid ammonia tank No. 1', 'storage_tank', 'TF2', 35, 162, { signals: pressTank });
  asset('T-110', '2#液氨储罐', 'Liquid ammonia tank No. 2', 'storage_tank', 'TF2', 70, 162, { signals: pressTank });
  asset('T-111', '丙烷储罐', 'Propane tank', 'storage_tank', 'TF2', 125, 162, { signals: pressTank });
  for (const [t, x, y] of [['T-109', 35, 162], ['T-110', 70, 162], ['T-111', 125, 162]]) {
    asset(`XV-${t.slice(2)}`, `${t} 出口紧急切断阀`, `${t} outlet emergency shut-off valve`, 'valve', 'TF2', x + 8, y + 12, { parent: t });
  }

  // PH1 tank-farm pump house: eight transfer/loading pumps with their motors
  for (const [code, zh, en, , x, y] of PH1_PUMPS) {
    pumpWithMotor(code, zh, en, 'PH1', x, y, { flow: { range: [0, 80] } }, 60);
  }

  // PU1 reaction unit
  for (const [code, zh, en, x, y, pr, tr] of REACTORS) {
    asset(code, zh, en, 'reactor', 'PU1', x, y, {
      signals: {
        pressure: { range: pr, name: ['反应压力', 'reaction pressure'] },
        temperature: { range: tr, name: ['反应温度', 'reaction temperature'] },
        level: { unit: '%', range: [0, 100] },
      },
    });
  }
  const hx = (code, zh, en, x, y, area = 'PU1') => asset(code, zh, en, 'heat_exchanger', area, x, y);
  hx('E-201', '加氢反应冷却器', 'Hydrogenation reactor cooler', 80, 285);
  hx('E-202', '氢气压缩机后冷却器', 'Hydrogen compressor aftercooler', 140, 360);
  hx('E-203', '胺化反应冷凝器', 'Amination condenser', 150, 285);
  hx('E-204', '氯化尾气冷凝器', 'Chlorination off-gas condenser', 200, 285);
  hx('E-205', '酯化反应冷凝器', 'Esterification condenser', 250, 285);
  pumpWithMotor('P-201', '加氢进料泵', 'Hydrogenation feed pump', 'PU1', 80, 310, { discharge_pressure: { range: [0, 8] } }, 75);
  pumpWithMotor('P-202', '胺化进料泵', 'Amination feed pump', 'PU1', 150, 310, { discharge_pressure: { range: [0, 6] } }, 45);
  pumpWithMotor('P-203', '酯化回流泵', 'Esterification reflux pump', 'PU1', 250, 310, {}, 30);
  pumpWithMotor('P-204', '产品转料泵', 'Product transfer pump', 'PU1', 200, 310, {}, 45);
  compressorWithMotor('K-201', '氢气循环压缩机', 'Hydrogen recycle compressor', 'PU1', 110, 360, {
    suction_pressure: { range: [0, 4] }, discharge_pressure: { range: [0, 8] }, flow: { unit: 'Nm³/h', range: [0, 2000] },
  }, 200);
  asset('PR-201', '装置区管廊', 'Reaction unit pipe rack', 'pipe_rack', 'PU1', 150, 228,
    {
      signals: {
        temperature: { range: [-20, 250], name: ['蒸汽总管温度', 'steam header temperature'] },
        pressure: { range: [0, 1.6], name: ['蒸汽总管压力', 'steam header pressure'] },
      },
    });
  asset('XV-201', '氢气进装置紧急切断阀', 'Hydrogen supply emergency shut-off valve', 'valve', 'PU1', 120, 228,
    { parent: 'PR-201', signals: { pressure: { range: [0, 6] } } });
  asset('XV-203', '氯气进料紧急切断阀', 'Chlorine feed emergency shut-off valve', 'valve', 'PU1', 190, 240,
    { parent: 'R-204', signals: { pressure: { range: [0, 1] } } });

  // LB1 loading bay: six arms (four product loading, ammonia and propane unloading)
  const arms = [
    ['LA-401', '甲醇装车鹤管', 'Methanol loading arm', 380], ['LA-402', '甲苯装车鹤管', 'Toluene loading arm', 410],
    ['LA-403', '乙酸乙酯装车鹤管', 'Ethyl acetate loading arm', 440], ['LA-404', '丙酮装车鹤管', 'Acetone loading arm', 470],
    ['LA-405', '液氨卸车鹤管', 'Liquid ammonia unloading arm', 520], ['LA-406', '丙烷卸车鹤管', 'Propane unloading arm', 550],
  ];
  for (const [code, zh, en, x] of arms) {
    asset(code, zh, en, 'loading_arm', 'LB1', x, 55, { signals: { position: { name: ['鹤管位置', 'arm position'] }, flow: { range: [0, 120] } } });
  }
  asset('PR-401', '装卸区管廊', 'Loading bay pipe rack', 'pipe_rack', 'LB1', 460, 88);

  // UT1 utilities: air compressors, cooling-water pumps and exchanger
  const airCompressors = [
    ['K-301', '1#离心空压机', 'Centrifugal air compressor No. 1', 250],
    ['K-302', '2#离心空压机', 'Centrifugal air compressor No. 2', 275],
  ];
  for (const [code, zh, en, y] of airCompressors) {
    compressorWithMotor(code, zh, en, 'UT1', 450, y, {
      suction_pressure: { range: [-0.1, 0.2] }, discharge_pressure: { range: [0, 1.2] }, flow: { unit: 'Nm³/h', range: [0, 3000] },
    }, 150);
  }
  for (const [i, x] of [[1, 500], [2, 515], [3, 530]]) {
    pumpWithMotor(`P-30${i}`, `${i}#循环水泵`, `Cooling water pump No. ${i}`, 'UT1', x, 240,
      { flow: { range: [0, 600] }, discharge_pressure: { range: [0, 1] } }, 160);
  }
  hx('E-301', '循环水板式换热器', 'Cooling water plate heat exchanger', 560, 250, 'UT1');

  // FW1 fire-water pump house
  pumpWithMotor('P-501', '电动消防泵', 'Electric fire-water pump', 'FW1', 350, 250, { flow: { range: [0, 500] }, discharge_pressure: { range: [0, 1.6] } }, 300);
  pumpWithMotor('P-502', '消防稳压泵', 'Fire-water jockey pump', 'FW1', 380, 250, { flow: { range: [0, 20] }, discharge_pressure: { range: [0, 1.6] } }, 20);
}

// ---- gas detectors ---------------------------------------------------------------------
// Toxic OELs in ppm. GB/T 50493-2019: 1st alarm ≤ 100 % OEL, 2nd ≤ 200 % OEL, so every
// range below covers 200 % OEL.
//   NH3 20 ppm, Cl2 0.5 ppm, CO 20 ppm: the values of the project brief.
//   H2S 7 ppm: GBZ 2.1-2019 MAC 10 mg/m³ = 10 × 24.04 / 34.08 ≈ 7.05 ppm (20 ℃, 101.3 kPa),
//   rounded down (the stricter choice; many sites use 10 ppm).
const TOXIC = { NH3: { oel: 20, range: [0, 100] }, H2S: { oel: 7, range: [0, 50] }, Cl2: { oel: 0.5, range: [0, 10] }, CO: { oel: 20, range: [0, 500] } };
const AREA_NO = { TF1: 1, TF2: 1, PH1: 1, PU1: 2, UT1: 3, LB1: 4, FW1: 5, WH1: 6, CR1: 7 };

let detectorGroups = []; // {code, name, name_en, area, detectors: [...]}
function group(code, name, name_en, area) {
  const g = { code, name, name_en, area, detectors: [] };
  detectorGroups.push(g);
  return g;
}
/** gas: a SUBST key or 'O2'; near: [zh, en] where the detector is. */
function det(g, gas, near, x, y) { g.detectors.push({ gas, near, x, y }); }

function buildDetectors() {
  const byTank = (g, tanks) => {
    for (const [code, sub, x, y] of tanks) { det(g, sub, [code, code], x - 12, y + 12); det(g, sub, [code, code], x + 12, y - 12); }
  };
  const T = Object.fromEntries(TANKS.map((t) => [t[0], t]));
  byTank(group('GD-101', '甲醇罐组可燃气体探测器组', 'Methanol tanks combustible gas detectors', 'TF1'), [T['T-101'], T['T-102']]);
  byTank(group('GD-102', '甲苯罐组可燃气体探测器组', 'Toluene tanks combustible gas detectors', 'TF1'), [T['T-103'], T['T-104']]);
  byTank(group('GD-103', '乙酸乙酯及丙酮罐可燃气体探测器组', 'Ethyl acetate and acetone tanks combustible gas detectors', 'TF1'), [T['T-105'], T['T-106']]);
  byTank(group('GD-104', '异丙醇及乙醇罐可燃气体探测器组', 'Isopropanol and ethanol tanks combustible gas detectors', 'TF1'), [T['T-107'], T['T-108']]);

  const around3 = (g, gas, code, x, y) => {
    det(g, gas, [code, code], x - 10, y - 10); det(g, gas, [code, code], x + 10, y - 10); det(g, gas, [code, code], x, y + 12);
  };
  const g105 = group('GD-105', '液氨罐区有毒气体探测器组', 'Ammonia tanks toxic gas detectors', 'TF2');
  around3(g105, 'NH3', 'T-109', 35, 162); around3(g105, 'NH3', 'T-110', 70, 162);
  around3(group('GD-106', '丙烷罐可燃气体探测器组', 'Propane tank combustible gas detectors', 'TF2'), 'propane', 'T-111', 125, 162);

  const g107 = group('GD-107', '罐区泵房可燃气体探测器组', 'Tank farm pump house combustible gas detectors', 'PH1');
  for (const [code, , , sub, x, y] of PH1_PUMPS) det(g107, sub, [`${code} 机封`, `${code} seal`], x, y < 160 ? y - 5 : y + 4);

  const around = (g, gas, code, x, y, n) => {
    const offs = [[-8, 8], [8, 8], [0, -10]];
    for (let i = 0; i < n; i++) det(g, gas, [code, code], x + offs[i][0], y + offs[i][1]);
  };
  const g201 = group('GD-201', '加氢区可燃气体探测器组', 'Hydrogenation area combustible gas detectors', 'PU1');
  around(g201, 'hydrogen', 'R-201', 60, 250, 3); around(g201, 'hydrogen', 'R-202', 100, 250, 3);
  around(g201, 'hydrogen', 'K-201', 110, 360, 3);
  around(group('GD-202', '胺化区有毒气体探测器组', 'Amination area toxic gas detectors', 'PU1'), 'NH3', 'R-203', 150, 250, 3);
  around(group('GD-203', '氯化区有毒气体探测器组', 'Chlorination area toxic gas detectors', 'PU1'), 'Cl2', 'R-204', 200, 250, 3);
  around(group('GD-204', '酯化区可燃气体探测器组', 'Esterification area combustible gas detectors', 'PU1'), 'methanol', 'R-205', 250, 250, 2);
  const g205 = group('GD-205', '反应釜人孔氧含量探测器组', 'Reactor manway oxygen detectors', 'PU1');
  for (const [code, , , x, y] of REACTORS) det(g205, 'O2', [`${code} 人孔`, `${code} manway`], x + 6, y - 8);
  const g206 = group('GD-206', '装置区泵可燃气体探测器组', 'Reaction unit pumps combustible gas detectors', 'PU1');
  for (const [code, sub, x] of [['P-201', 'toluene', 80], ['P-202', 'methanol', 150], ['P-204', 'toluene', 200], ['P-203', 'methanol', 250]]) {
    det(g206, sub, [`${code} 机封`, `${code} seal`], x, 315);
  }

  const g401 = group('GD-401', '装卸站台气体探测器组', 'Loading bay gas detectors', 'LB1');
  const armSubstances = [['LA-401', 'methanol', 380], ['LA-402', 'toluene', 410], ['LA-403', 'ethyl_acetate', 440],
    ['LA-404', 'acetone', 470], ['LA-405', 'NH3', 520], ['LA-406', 'propane', 550]];
  for (const [code, sub, x] of armSubstances) {
    det(g401, sub, [code, code], x + 4, 48);
  }
  det(g401, 'methanol', ['装车区西端', 'west end of loading lanes'], 352, 40);
  det(g401, 'propane', ['卸车区东端', 'east end of unloading lanes'], 575, 40);

  const g601 = group('GD-601', '危化品仓库气体探测器组', 'Hazmat warehouse gas detectors', 'WH1');
  for (const x of [345, 360, 375]) det(g601, 'Cl2', ['液氯钢瓶间', 'chlorine cylinder room'], x, 170);
  det(g601, 'methanol', ['易燃液体库', 'flammable liquids store'], 410, 130);
  det(g601, 'toluene', ['易燃液体库', 'flammable liquids store'], 435, 130);
  det(g601, 'acetone', ['易燃液体库', 'flammable liquids store'], 430, 165);

  const g301 = group('GD-301', '污水处理集水池气体探测器组', 'Wastewater sump gas detectors', 'UT1');
  for (const [x, y] of [[545, 330], [565, 340], [550, 350]]) det(g301, 'H2S', ['污水集水池', 'wastewater sump'], x, y);
  det(g301, 'O2', ['污水集水池', 'wastewater sump'], 555, 338);
  const g302 = group('GD-302', '导热油炉气体探测器组', 'Thermal oil heater gas detectors', 'UT1');
  det(g302, 'CO', ['导热油炉', 'thermal oil heater'], 495, 325); det(g302, 'CO', ['导热油炉', 'thermal oil heater'], 510, 325);
  det(g302, 'methane', ['导热油炉燃气阀组', 'heater gas valve train'], 495, 315); det(g302, 'methane', ['导热油炉燃气阀组', 'heater gas valve train'], 510, 315);

  const g701 = group('GD-701', '中控室新风口气体探测器组', 'Control room air intake gas detectors', 'CR1');
  det(g701, 'methane', ['中控室新风口', 'control room air intake'], 360, 380);
  det(g701, 'NH3', ['中控室新风口', 'control room air intake'], 370, 380);

  // the groups become assets placed at the mean of their detectors
  for (const g of detectorGroups) {
    const mx = g.detectors.reduce((s, d) => s + d.x, 0) / g.detectors.length;
    const my = g.detectors.reduce((s, d) => s + d.y, 0) / g.detectors.length;
    asset(g.code, g.name, g.name_en, 'gas_detector_group', g.area, mx, my);
  }
}

function buildTags() {
  const tags = [];
  for (const [a, role, ov] of assetTags) {
    const [zh, en, kind, unit, range] = ROLE_SIGNALS[role];
    const [nzh, nen] = ov.name || [zh, en];
    const t = { key: `${SITE}.${a.code}.${role}`, name: `${a.code} ${nzh}`, name_en: `${a.code} ${nen}` };
    const u = ov.unit !== undefined ? ov.unit : unit;
    if (u) t.unit = u;
    t.kind = kind;
    const rg = ov.range || range;
    if (rg) t.range = rg;
    Object.assign(t, { asset: a.code, role, area: a.area });
    tags.push(t);
  }
  // gas detectors: GT = combustible, AT = toxic / oxygen; numbered per area block
  const seq = {};
  for (const g of detectorGroups) {
    for (const d of g.detectors) {
      const no = AREA_NO[g.area];
      seq[no] = (seq[no] || 0) + 1;
      const n = `${no}${String(seq[no]).padStart(3, '0')}`;
      const [zh, en] = SUBST[d.gas] || [];
      const [nearZh, nearEn] = d.near;
      let t;
      if (d.gas === 'O2') {
        const no = `AT-${n}`;
        t = { key: `${SITE}.${g.code}.${no}`, name: `${no} ${nearZh} 氧含量探测器`, name_en: `${no} oxygen detector, ${nearEn}`,
          unit: '%VOL', kind: 'oxygen_pct', range: [0, 30] };
      } else if (TOXIC[d.gas]) {
        const no = `AT-${n}`;
        t = { key: `${SITE}.${g.code}.${no}`, name: `${no} ${nearZh} ${zh}有毒气体探测器`, name_en: `${no} toxic gas detector (${en}), ${nearEn}`,
          unit: 'ppm', kind: 'gas_toxic_ppm', range: TOXIC[d.gas].range };
      } else {
        const no = `GT-${n}`;
        t = { key: `${SITE}.${g.code}.${no}`, name: `${no} ${nearZh} ${zh}可燃气体探测器`, name_en: `${no} combustible gas detector (${en}), ${nearEn}`,
          unit: '%LEL', kind: 'gas_combustible_lel', range: [0, 100] };
      }
      Object.assign(t, { asset: g.code, role: 'gas', area: g.area, x: r1(d.x), y: r1(d.y) });
      if (d.gas !== 'O2') t.gas = d.gas;
      if (TOXIC[d.gas]) t.oel = TOXIC[d.gas].oel;
      tags.push(t);
    }
  }
  // weather station on the utilities roof
  const wx = [
    ['wind_speed', '气象站风速', 'weather station wind speed', 'm/s', 'wind_speed', [0, 60]],
    ['wind_direction', '气象站风向', 'weather station wind direction', '°', 'wind_direction', [0, 360]],
    ['temperature', '气象站环境温度', 'weather station air temperature', '℃', 'temperature', [-30, 50]],
    ['humidity', '气象站相对湿度', 'weather station relative humidity', '%RH', 'humidity', [0, 100]],
  ];
  for (const [name, zh, en, unit, kind, range] of wx) {
    tags.push({ key: `${SITE}.UT1.${name}`, name: zh, name_en: en, unit, kind, range, area: 'UT1', x: 440, y: 370 });
  }
  return tags;
}

// ---- people --------------------------------------------------------------------------

const SURNAMES = [['王', 'Wang'], ['李', 'Li'], ['张', 'Zhang'], ['刘', 'Liu'], ['陈', 'Chen'], ['杨', 'Yang'],
  ['黄', 'Huang'], ['赵', 'Zhao'], ['吴', 'Wu'], ['周', 'Zhou'], ['徐', 'Xu'], ['孙', 'Sun'], ['马', 'Ma'],
  ['朱', 'Zhu'], ['胡', 'Hu'], ['郭', 'Guo'], ['何', 'He'], ['林', 'Lin'], ['罗', 'Luo'], ['高', 'Gao'],
  ['郑', 'Zheng'], ['梁', 'Liang'], ['谢', 'Xie'], ['宋', 'Song'], ['唐', 'Tang'], ['韩', 'Han'], ['冯', 'Feng'],
  ['邓', 'Deng'], ['曹', 'Cao'], ['彭', 'Peng'], ['顾', 'Gu'], ['沈', 'Shen'], ['陆', 'Lu'], ['钱', 'Qian'],
  ['蒋', 'Jiang'], ['姚', 'Yao'], ['戴', 'Dai'], ['丁', 'Ding'], ['范', 'Fan'], ['程', 'Cheng'], ['袁', 'Yuan'],
  ['潘', 'Pan'], ['杜', 'Du'], ['叶', 'Ye'], ['邵', 'Shao']];
const GIVEN = [['建国', 'Jianguo'], ['志强', 'Zhiqiang'], ['海峰', 'Haifeng'], ['晓明', 'Xiaoming'], ['丽华', 'Lihua'],
  ['伟', 'Wei'], ['磊', 'Lei'], ['静', 'Jing'], ['敏', 'Min'], ['俊杰', 'Junjie'], ['文斌', 'Wenbin'], ['国庆', 'Guoqing'],
  ['红梅', 'Hongmei'], ['永刚', 'Yonggang'], ['春生', 'Chunsheng'], ['立新', 'Lixin'], ['志华', 'Zhihua'], ['凯', 'Kai'],
  ['浩然', 'Haoran'], ['雪莲', 'Xuelian'], ['明辉', 'Minghui'], ['德明', 'Deming'], ['玉兰', 'Yulan'], ['宏伟', 'Hongwei'],
  ['秀英', 'Xiuying'], ['建华', 'Jianhua'], ['鹏', 'Peng'], ['勇', 'Yong'], ['杰', 'Jie'], ['军', 'Jun'], ['斌', 'Bin'],
  ['涛', 'Tao'], ['超', 'Chao'], ['亮', 'Liang'], ['强', 'Qiang'], ['波', 'Bo'], ['辉', 'Hui'], ['刚', 'Gang'],
  ['平', 'Ping'], ['芳', 'Fang'], ['燕', 'Yan'], ['婷', 'Ting'], ['佳怡', 'Jiayi'], ['子豪', 'Zihao'], ['思远', 'Siyuan'],
  ['建军', 'Jianjun'], ['卫东', 'Weidong'], ['忠', 'Zhong'], ['少华', 'Shaohua'], ['振宇', 'Zhenyu'], ['春燕', 'Chunyan'],
  ['海燕', 'Haiyan'], ['文杰', 'Wenjie'], ['嘉伟', 'Jiawei'], ['晓东', 'Xiaodong'], ['新民', 'Xinmin'], ['金龙', 'Jinlong'],
  ['国华', 'Guohua'], ['雨婷', 'Yuting'], ['成', 'Cheng']];

// Certificates with fixed dates are the test cases of later features (see plants/README.md);
// all others get a random issue date between 2024-03-01 and 2026-10-31 (valid, review
// not yet due within 60 days of REFERENCE_DAY).
// [code, org, department, job (documentation only), roles, [[certType, issued_on | null], ...], id region]
const PEOPLE = [
  ['E1001', 'SAFETY', '安全环保部', '安全总监', ['safety_manager', 'approver'], []],
  ['E1002', 'SAFETY', '安全环保部', '安全工程师', ['safety_manager'], []],
  ['E1003', 'SAFETY', '安全环保部', '安全工程师', ['safety_manager', 'attendant'], []],
  ['E1004', 'SAFETY', '安全环保部', '安全信息化专员', ['admin'], []],
  ['E1005', 'SAFETY', '安全环保部', '专职安全员', ['attendant'], []],
  ['E2001', 'PROD', '生产部', '生产经理', ['approver', 'unit_leader'], []],
  ['E2002', 'RXN', '生产部/反应工段', '反应工段长', ['unit_leader', 'approver'], [['hazchem_process', null]]],
  ['E2003', 'PROD', '生产部/储运班', '储运班长', ['unit_leader'], []],
  ['E2101', 'CCR', '生产部/中控室运行班', '中控班长', ['operator', 'unit_leader'], [['hazchem_process', null]]],
  ['E2102', 'CCR', '生产部/中控室运行班', '中控操作员', ['operator'], [['hazchem_process', null]]],
  ['E2103', 'CCR', '生产部/中控室运行班', '中控操作员', ['operator'], [['hazchem_process', '2024-01-12']]],
  ['E2104', 'CCR', '生产部/中控室运行班', '中控操作员', ['operator'], [['hazchem_process', null]]],
  ['E2105', 'CCR', '生产部/中控室运行班', '中控操作员', ['operator'], [['hazchem_process', null]]],
  ['E2201', 'RXN', '生产部/反应工段', '外操', ['worker', 'attendant'], [['hazchem_process', null]]],
  ['E2202', 'RXN', '生产部/反应工段', '外操', ['worker', 'attendant'], [['hazchem_process', null]]],
  ['E2203', 'RXN', '生产部/反应工段', '外操', ['worker'], [['hazchem_process', null]]],
  ['E2204', 'RXN', '生产部/反应工段', '外操', ['worker'], [['hazchem_process', null]]],
  ['E3001', 'MAINT', '设备部', '设备经理', ['approver', 'unit_leader'], []],
  ['E3002', 'EI', '设备部/电仪班', '电仪班长', ['unit_leader', 'attendant'], [['electrical', null]]],
  ['E3003', 'EI', '设备部/电仪班', '电工', ['worker'], [['electrical', '2020-10-09']]],
  ['E3004', 'EI', '设备部/电仪班', '电工', ['worker'], [['electrical', null], ['work_at_height', null]]],
  ['E3005', 'MAINT', '设备部/检修班', '焊工', ['worker'], [['welding_cutting', '2023-12-08']]],
  ['E3006', 'MAINT', '设备部/检修班', '焊工', ['worker'], [['welding_cutting', null]]],
  ['E3007', 'MAINT', '设备部/检修班', '起重工', ['worker'], [['lifting', '2024-02-08']]],
  ['E3008', 'MAINT', '设备部/公用工程班', '压力容器操作工', ['worker'], [['boiler_pressure_vessel', '2022-06-15']]],
  ['E3009', 'MAINT', '设备部/公用工程班', '公用工程班长', ['unit_leader', 'attendant'], [['boiler_pressure_vessel', null]]],
  ['E4001', 'PROC', '采购部', '采购经理', ['approver'], []],
  ['E4002', 'PROC', '采购部', '采购员', ['worker'], []],
  ['E5001', 'LOGI', '仓储物流部', '物流经理', ['unit_leader', 'approver'], []],
  ['E5002', 'LOGI', '仓储物流部', '危化品仓库保管员', ['worker'], [['forklift', null]]],
  ['E5003', 'LOGI', '仓储物流部', '叉车司机', ['worker'], [['forklift', null]]],
  ['E5004', 'LOGI', '仓储物流部', '装卸监护员', ['worker', 'attendant'], []],
  ['E5005', 'LOGI', '仓储物流部', '装卸班长', ['unit_leader'], []],
  ['HD-001', 'HONGDA', '检修项目部', '项目经理', ['supplier'], [], '310112'],
  ['HD-002', 'HONGDA', '检修项目部', '安全员', ['supplier'], [], '310112'],
  ['HD-003', 'HONGDA', '检修项目部', '焊工', ['worker'], [['welding_cutting', '2023-12-22']], '310112'],
  ['HD-004', 'HONGDA', '检修项目部', '焊工', ['worker'], [['welding_cutting', null]], '310112'],
  ['HD-005', 'HONGDA', '检修项目部', '管工', ['worker'], [['work_at_height', null]], '310112'],
  ['HD-006', 'HONGDA', '检修项目部', '起重工', ['worker'], [['lifting', '2020-11-20']], '310112'],
  ['HD-007', 'HONGDA', '检修项目部', '电工', ['worker'], [['electrical', null]], '310112'],
  ['HD-008', 'HONGDA', '检修项目部', '架子工', ['worker'], [['work_at_height', '2023-03-20']], '310112'],
  ['AJ-001', 'ANJIE', '特种作业队', '项目负责人', ['supplier'], [], '320581'],
  ['AJ-002', 'ANJIE', '特种作业队', '受限空间作业人员', ['worker'], [['confined_space', '2024-01-26']], '320581'],
  ['AJ-003', 'ANJIE', '特种作业队', '受限空间作业人员', ['worker'], [['confined_space', null]], '320581'],
  ['AJ-004', 'ANJIE', '特种作业队', '受限空间作业人员', ['worker'], [['confined_space', null], ['work_at_height', null]], '320581'],
  ['AJ-005', 'ANJIE', '特种作业队', '高处作业人员', ['worker'], [['work_at_height', null]], '320581'],
  ['AJ-006', 'ANJIE', '特种作业队', '起重机司机', ['worker'], [['lifting', null]], '320581'],
  ['AJ-007', 'ANJIE', '特种作业队', '焊工', ['worker'], [['welding_cutting', '2020-05-18']], '320581'],
  ['AJ-008', 'ANJIE', '特种作业队', '电工', ['worker'], [['electrical', null]], '320581'],
  ['SA-001', 'SHUNAN', '运输调度', '调度员', ['supplier'], [], '310116'],
  ['SA-002', 'SHUNAN', '危险货物运输车队', '驾驶员', ['supplier'], [], '310116'],
  ['SA-003', 'SHUNAN', '危险货物运输车队', '押运员', ['supplier'], [], '310116'],
];

/** Synthetic resident-ID-style number (GB 11643 layout with a valid check digit). */
function idNumber(region, birth, seq) {
  const body = `${region}${birth.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(body[i]) * w[i];
  return body + '10X98765432'[s % 11];
}

function buildPeople() {
  const surnames = shuffle(SURNAMES);
  const given = shuffle(GIVEN);
  const usedNames = new Set(); const usedBadges = new Set(); const usedPhones = new Set();
  const validFrom = dayNumber('2024-03-01'); const validTo = dayNumber('2026-10-31');
  const people = [];
  PEOPLE.forEach(([code, org, dept, , roles, certs, region = '310116'], i) => { // job: documentation only
    let k = 0; let sn; let gn;
    do { sn = surnames[(i + k) % surnames.length]; gn = given[(i * 7 + k) % given.length]; k++; } while (usedNames.has(sn[0] + gn[0]));
    usedNames.add(sn[0] + gn[0]);
    let badge;
    do { badge = '04' + Array.from({ length: 6 }, () => randInt(0, 255).toString(16).padStart(2, '0')).join('').toUpperCase(); } while (usedBadges.has(badge));
    usedBadges.add(badge);
    let phone;
    do { phone = '138' + String(randInt(0, 99999999)).padStart(8, '0'); } while (usedPhones.has(phone));
    usedPhones.add(phone);
    const birth = dateOfDay(randInt(dayNumber('1968-01-01'), dayNumber('1998-12-31')));
    const id = idNumber(region, birth, randInt(1, 999));
    const p = { code, name: sn[0] + gn[0], name_en: `${sn[1]} ${gn[1]}`, organisation: org, department: dept, roles, badge_uid: badge, phone };
    if (certs.length) {
      p.certificates = certs.map(([type, fixed]) => {
        const issued = fixed || dateOfDay(randInt(validFrom, validTo));
        return { type, number: `T${id}`, issued_on: issued, expires_on: addYears(issued, 6), next_review_on: addYears(issued, 3) };
      });
    }
    people.push(p);
  });
  return people;
}

export function buildPlant() {
  rand = mulberry32(SEED);
  assets = []; assetTags = []; detectorGroups = [];
  buildAssets();
  buildDetectors();
  return {
    format: FORMAT,
    version: VERSION,
    site: buildSite(),
    organisations: buildOrganisations(),
    areas: buildAreas(),
    assets,
    tags: buildTags(),
    people: buildPeople(),
  };
}

// ===================================================================================
// demoChecks: what the demo promises beyond the contract
// ===================================================================================

function pointInPolygon([x, y], poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]; const [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
function segmentsTouch(a, b, c, d) {
  const o = (p, q, r) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const on = (p, q, r) => Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
  const o1 = o(a, b, c); const o2 = o(a, b, d); const o3 = o(c, d, a); const o4 = o(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && on(a, b, c)) || (o2 === 0 && on(a, b, d)) || (o3 === 0 && on(c, d, a)) || (o4 === 0 && on(c, d, b));
}
function polygonsOverlap(p, q) {
  for (let i = 0; i < p.length; i++) {
    for (let j = 0; j < q.length; j++) {
      if (segmentsTouch(p[i], p[(i + 1) % p.length], q[j], q[(j + 1) % q.length])) return true;
    }
  }
  return pointInPolygon(p[0], q) || pointInPolygon(q[0], p);
}
function selfIntersects(p) {
  for (let i = 0; i < p.length; i++) {
    for (let j = i + 2; j < p.length; j++) {
      if (i === 0 && j === p.length - 1) continue; // adjacent through the closing edge
      if (segmentsTouch(p[i], p[(i + 1) % p.length], p[j], p[(j + 1) % p.length])) return true;
    }
  }
  return false;
}

/** Certificate status on a day: expired | review_overdue | review_due_60d | valid. */
export function certStatus(c, today = REFERENCE_DAY) {
  const t = dayNumber(today);
  if (dayNumber(c.expires_on) < t) return 'expired';
  if (dayNumber(c.next_review_on) < t) return 'review_overdue';
  if (dayNumber(c.next_review_on) <= t + 60) return 'review_due_60d';
  return 'valid';
}
const GAS_TAG_KINDS = ['gas_combustible_lel', 'gas_toxic_ppm', 'oxygen_pct'];

export function demoChecks(doc) {
  const errors = [];
  const err = (path, message) => errors.push({ path, message });
  const areaBy = new Map(doc.areas.map((a) => [a.code, a]));
  const assetBy = new Map(doc.assets.map((a) => [a.code, a]));
  const tagBy = new Map(doc.tags.map((t) => [t.key, t]));

  if (doc.site.code !== SITE) err('$.site.code', `demo site code must be ${SITE}`);
  if (doc.areas.length < 6) err('$.areas', 'demo needs ≥ 6 areas');
  for (const kind of ['tank_farm', 'process_unit', 'pump_house', 'loading_bay', 'utility', 'warehouse', 'control_room']) {
    if (!doc.areas.some((a) => a.kind === kind)) err('$.areas', `demo needs an area of kind ${kind}`);
  }
  doc.areas.forEach((a, i) => {
    if (!a.polygon) { err(`$.areas[${i}].polygon`, 'demo areas all have polygons'); return; }
    if (a.polygon.some(([x, y]) => x < 0 || x > SITE_W || y < 0 || y > SITE_H)) err(`$.areas[${i}].polygon`, `outside the ${SITE_W} m × ${SITE_H} m site`);
    if (selfIntersects(a.polygon)) err(`$.areas[${i}].polygon`, 'self-intersecting');
    doc.areas.forEach((b, j) => {
      if (j > i && b.polygon && polygonsOverlap(a.polygon, b.polygon)) err(`$.areas[${i}].polygon`, `overlaps or touches area ${b.code}`);
    });
  });

  if (doc.assets.length < 40) err('$.assets', 'demo needs ≥ 40 assets');
  doc.assets.forEach((a, i) => {
    const area = areaBy.get(a.area);
    if (!('x' in a) || !pointInPolygon([a.x, a.y], area.polygon)) err(`$.assets[${i}]`, `x/y not inside area ${a.area}`);
    if (a.template === 'motor') {
      const p = assetBy.get(a.parent);
      if (!p || !['centrifugal_pump', 'compressor'].includes(p.template)) err(`$.assets[${i}].parent`, 'a motor drives a pump or compressor');
      else if (p.area !== a.area) err(`$.assets[${i}].area`, 'motor and driven machine in different areas');
    }
    const roles = new Set(doc.tags.filter((t) => t.asset === a.code).map((t) => t.role));
    for (const role of TEMPLATES[a.template]) if (!roles.has(role)) err(`$.assets[${i}]`, `no tag for signal role ${role}`);
  });
  const p101 = assetBy.get('P-101');
  if (!p101 || p101.template !== 'centrifugal_pump' || areaBy.get(p101.area).kind !== 'pump_house') err('$.assets', 'P-101 must be a centrifugal pump in a pump house');
  const seal = tagBy.get(`${SITE}.P-101.seal_temp`);
  if (!seal || seal.kind !== 'temperature' || seal.unit !== '℃' || String(seal.range) !== '0,150') err('$.tags', `${SITE}.P-101.seal_temp must be temperature ℃ [0,150]`);
  for (const [role, kind, unit] of [['vib_2x', 'vibration', 'mm/s'], ['ir_max', 'ir_temperature', '℃']]) {
    const t = tagBy.get(`${SITE}.P-101.${role}`);
    if (!t || t.kind !== kind || t.unit !== unit) err('$.tags', `${SITE}.P-101.${role} must be ${kind} in ${unit}`);
  }

  if (doc.tags.length < 350) err('$.tags', 'demo needs ≥ 350 tags');
  let detectors = 0;
  doc.tags.forEach((t, i) => {
    const p = `$.tags[${i}]`;
    const owner = t.asset || t.area;
    if (!t.key.startsWith(`${SITE}.${owner}.`)) err(`${p}.key`, `key must read ${SITE}.<asset or area>.<role or name>`);
    if (t.role && t.key !== `${SITE}.${t.asset}.${t.role}` && t.role !== 'gas') err(`${p}.key`, 'key must end in the role');
    if (t.asset && t.area && assetBy.get(t.asset).area !== t.area) err(`${p}.area`, 'demo tags sit in their asset\'s area');
    if ('x' in t && !pointInPolygon([t.x, t.y], areaBy.get(t.area || assetBy.get(t.asset).area).polygon)) err(`${p}`, 'x/y not inside the area');
    if (GAS_TAG_KINDS.includes(t.kind)) {
      detectors++;
      if (!('x' in t)) err(p, 'gas detectors have x/y');
      if (t.role !== 'gas' || assetBy.get(t.asset)?.template !== 'gas_detector_group') err(p, 'gas detectors belong to a gas_detector_group with role gas');
    }
    if (t.kind === 'gas_combustible_lel' && (t.unit !== '%LEL' || String(t.range) !== '0,100')) err(p, 'combustible detectors are [0,100] %LEL');
    if (t.kind === 'oxygen_pct' && (t.unit !== '%VOL' || String(t.range) !== '0,30')) err(p, 'oxygen detectors are [0,30] %VOL');
    if (t.kind === 'gas_toxic_ppm') {
      const want = TOXIC[t.gas];
      if (!want || want.oel !== t.oel) err(`${p}.oel`, `OEL of ${t.gas} must be ${want?.oel}`);
      else if (t.range[1] < 2 * t.oel) err(`${p}.range`, 'range must cover the 2nd alarm (200 % OEL, GB/T 50493-2019)');
    }
  });
  if (detectors < 70) err('$.tags', `demo needs ≥ 70 gas detectors, has ${detectors}`);
  for (const w of ['wind_speed', 'wind_direction', 'temperature', 'humidity']) {
    const t = tagBy.get(`${SITE}.UT1.${w}`);
    if (!t || areaBy.get(t.area)?.kind !== 'utility') err('$.tags', `weather tag ${SITE}.UT1.${w} missing from the utilities area`);
  }

  const orgKind = new Map(doc.organisations.map((o) => [o.code, o.kind]));
  for (const c of ['SAFETY', 'PROD', 'MAINT', 'PROC', 'LOGI']) if (orgKind.get(c) !== 'department') err('$.organisations', `department ${c} missing`);
  const contractors = doc.organisations.filter((o) => o.kind === 'contractor').map((o) => o.code);
  if (contractors.length !== 2) err('$.organisations', 'demo has exactly 2 contractors');
  if (!doc.organisations.some((o) => o.kind === 'supplier')) err('$.organisations', 'demo has a supplier');
  for (const c of contractors) if (doc.people.filter((p) => p.organisation === c).length < 6) err('$.people', `contractor ${c} needs ≥ 6 people`);

  if (doc.people.length < 45) err('$.people', 'demo needs ≥ 45 people');
  const phones = new Set(); const fullNames = new Set();
  const status = { expired: 0, review_overdue: 0, review_due_60d: 0, valid: 0 };
  doc.people.forEach((p, i) => {
    const pp = `$.people[${i}]`;
    if (!/^04[0-9A-F]{12}$/.test(p.badge_uid)) err(`${pp}.badge_uid`, 'demo badges are 7-byte NXP UIDs, upper case');
    if (!/^138\d{8}$/.test(p.phone) || phones.has(p.phone)) err(`${pp}.phone`, 'demo phones are unique 138xxxxxxxx');
    phones.add(p.phone);
    if (fullNames.has(p.name)) err(`${pp}.name`, 'demo names are unique');
    fullNames.add(p.name);
    if (!p.name_en || !p.roles?.length) err(pp, 'demo people have name_en and roles');
    (p.certificates || []).forEach((c, j) => {
      const cp = `${pp}.certificates[${j}]`;
      if (c.expires_on !== addYears(c.issued_on, 6)) err(`${cp}.expires_on`, 'special-operation certificates are valid 6 years');
      if (c.next_review_on !== addYears(c.issued_on, 3)) err(`${cp}.next_review_on`, 'reviewed every 3 years: issued_on + 3 years');
      if (c.issued_on < '2020-01-01' || c.issued_on > '2026-10-31') err(`${cp}.issued_on`, 'demo issue dates lie in 2020-01-01..2026-10-31');
      status[certStatus(c)]++;
    });
  });
  if (status.expired < 2) err('$.people', `demo needs ≥ 2 expired certificates on ${REFERENCE_DAY}`);
  if (status.review_due_60d < 3) err('$.people', `demo needs ≥ 3 certificates whose review is due within 60 days of ${REFERENCE_DAY}`);
  return errors;
}

// ===================================================================================
// Output
// ===================================================================================

/** Stable, diff-friendly JSON: one object per line inside each family. */
export function serialise(doc) {
  const lines = ['{'];
  const keys = Object.keys(doc);
  keys.forEach((k, i) => {
    const comma = i < keys.length - 1 ? ',' : '';
    const v = doc[k];
    if (Array.isArray(v) && v.length && v.every(isObj)) {
      lines.push(`  ${JSON.stringify(k)}: [`);
      v.forEach((o, j) => lines.push(`    ${JSON.stringify(o)}${j < v.length - 1 ? ',' : ''}`));
      lines.push(`  ]${comma}`);
    } else {
      lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)}${comma}`);
    }
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}

function counts(doc) {
  const certs = doc.people.flatMap((p) => (p.certificates || []).map((c) => ({ ...c, person: p.code })));
  return {
    organisations: doc.organisations.length,
    areas: doc.areas.length,
    assets: doc.assets.length,
    tags: doc.tags.length,
    gas_detectors: doc.tags.filter((t) => GAS_TAG_KINDS.includes(t.kind)).length,
    people: doc.people.length,
    certificates: certs.length,
    certs: certs,
  };
}

function printErrors(list, stream = process.stderr) {
  for (const e of list) stream.write(`${e.path}: ${e.message}\n`);
}

function main(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const outPath = join(here, 'demo-chemical.json');
  const mode = argv[0] || '';

  if (mode === '--validate') {
    if (!argv[1]) { process.stderr.write('usage: gen-demo.mjs --validate FILE\n'); return 2; }
    let doc;
    try { doc = JSON.parse(readFileSync(argv[1], 'utf8')); } catch (e) { process.stderr.write(`${argv[1]}: ${e.message}\n`); return 2; }
    const v = validatePlant(doc);
    printErrors(v.warnings.map((w) => ({ path: w.path, message: `warning: ${w.message}` })));
    printErrors(v.errors);
    if (v.total) { process.stderr.write(`${v.total} errors${v.total > v.errors.length ? ` (${v.errors.length} listed)` : ''}\n`); return 1; }
    process.stdout.write('ok\n');
    return 0;
  }
  if (mode && !['--stdout', '--check'].includes(mode)) {
    process.stderr.write('usage: gen-demo.mjs [--stdout | --check | --validate FILE]\n');
    return 2;
  }

  const text = serialise(buildPlant());
  const doc = JSON.parse(text); // check what is written, not the objects in memory
  const v = validatePlant(doc, new Set());
  const demo = demoChecks(doc);
  if (v.total || demo.length) {
    printErrors(v.errors);
    printErrors(demo);
    process.stderr.write(`${v.total + demo.length} violations; nothing written\n`);
    return 1;
  }

  const c = counts(doc);
  const report = [
    `areas ${c.areas} · assets ${c.assets} · tags ${c.tags} · gas detectors ${c.gas_detectors} · ` +
      `organisations ${c.organisations} · people ${c.people} · certificates ${c.certificates}`,
    ...['expired', 'review_overdue', 'review_due_60d'].map((s) => `${s} on ${REFERENCE_DAY}: ` +
      c.certs.filter((x) => certStatus(x) === s).map((x) => `${x.person} ${x.type} (review ${x.next_review_on}, expires ${x.expires_on})`).join('; ')),
  ].join('\n') + '\n';

  if (mode === '--stdout') {
    process.stdout.write(text);
    process.stderr.write(report);
    return 0;
  }
  if (mode === '--check') {
    let old = '';
    try { old = readFileSync(outPath, 'utf8'); } catch { /* missing counts as different */ }
    if (old !== text) { process.stderr.write(`${outPath} is not what gen-demo.mjs generates; run: node plants/gen-demo.mjs\n`); return 3; }
    process.stdout.write(report);
    return 0;
  }
  try { writeFileSync(outPath, text); } catch (e) { process.stderr.write(`${outPath}: ${e.message}\n`); return 2; }
  process.stdout.write(`wrote ${outPath}\n${report}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
