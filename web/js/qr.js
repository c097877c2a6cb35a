// A QR Code encoder (ISO/IEC 18004), written for the console from the standard: byte mode,
// error-correction levels L, M (the default), Q and H, versions 1–40, the mask chosen by the
// standard's penalty score. No dependency and no DOM: it runs in the browser and in node.
//
//   encodeQR('http://…/#/permits/12')      → {version, size, ecl, mask, modules: boolean[][]}
//   qrMatrix(text)                        → modules only (true = dark), modules[row][col]
//   qrSvg(text | matrix, {quiet, title})  → an inline SVG string (one path, crisp edges)
//
// Strings are encoded as UTF-8 bytes in byte mode (no ECI header: current readers take byte
// mode as UTF-8). Steps, as the standard numbers them: data encoding (7.4), error correction
// with Reed-Solomon over GF(256) (7.5), interleaving of the blocks (7.6), module placement
// (7.7), masking with penalty evaluation (7.8), format and version information (7.9, 7.10).

// ---- tables of the standard (Table 9: error correction characteristics) ------------------

/** Error-correction level → the two format bits (Table 12). */
const ECL_BITS = { L: 1, M: 0, Q: 3, H: 2 };

/** EC codewords per block, index = version (1–40). */
const EC_PER_BLOCK = {
  L: [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  M: [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
  Q: [0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  H: [0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
};

/** Number of error-correction blocks, index = version (1–40). */
const BLOCKS = {
  L: [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
  M: [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
  Q: [0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
  H: [0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
};

export const MIN_VERSION = 1;
export const MAX_VERSION = 40;

const sizeOf = (version) => 17 + 4 * version;

/** Centres of the alignment patterns of a version (rows and columns alike), ascending. */
export function alignmentCentres(version) {
  if (version < 2) return [];
  const n = Math.floor(version / 7) + 2;
  const last = sizeOf(version) - 7;
  // the standard spaces them evenly from the last towards 6, in even steps (version 32: 26)
  const step = version === 32 ? 26 : Math.ceil((last - 6) / (n - 1) / 2) * 2;
  const out = [6];
  for (let i = n - 2; i >= 0; i--) out.push(last - i * step);
  return out;
}

/** Modules of a version that carry data and error correction (all but the function patterns). */
function dataModuleCount(version) {
  const size = sizeOf(version);
  let n = size * size;
  n -= 3 * 64;                      // finder patterns with their separators
  n -= 2 * (size - 16);             // timing patterns (between the separators)
  n -= 31;                          // format information (2 × 15) and the dark module
  if (version >= 2) {
    const k = Math.floor(version / 7) + 2;
    n -= (k * k - 3) * 25;          // alignment patterns, less the three under the finders
    n += 2 * (k - 2) * 5;           // ... whose rows and columns they share with the timing patterns
  }
  if (version >= 7) n -= 36;        // version information (2 × 18)
  return n;
}

/** Total codewords of a version (Table 1; the remainder bits are what is left over). */
export function totalCodewords(version) { return Math.floor(dataModuleCount(version) / 8); }

/** Data codewords of a version at an error-correction level. */
export function dataCodewords(version, ecl = 'M') {
  return totalCodewords(version) - EC_PER_BLOCK[ecl][version] * BLOCKS[ecl][version];
}

/** Bits of the character count indicator in byte mode (Table 3). */
const countBits = (version) => (version <= 9 ? 8 : 16);

/** The most bytes a version holds at a level in byte mode. */
export function byteCapacity(version, ecl = 'M') {
  return Math.floor((dataCodewords(version, ecl) * 8 - 4 - countBits(version)) / 8);
}

// ---- Reed-Solomon over GF(256), primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d) -----

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}
const gfMul = (a, b) => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);

const generators = new Map();
/** The generator polynomial (x − α^0)(x − α^1)…(x − α^(n−1)), coefficients highest first, leading 1 dropped. */
function generator(n) {
  if (generators.has(n)) return generators.get(n);
  let poly = [1];
  for (let i = 0; i < n; i++) {
    const next = new Array(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j] ^= poly[j];                   // × x
      next[j + 1] ^= gfMul(poly[j], EXP[i]); // × α^i (minus is plus in GF(2^8))
    }
    poly = next;
  }
  const g = poly.slice(1);
  generators.set(n, g);
  return g;
}

/** The n error-correction codewords of a block: the remainder of data·x^n divided by the generator. */
export function reedSolomon(data, n) {
  const g = generator(n);
  const rem = new Array(n).fill(0);
  for (const byte of data) {
    const factor = byte ^ rem[0];
    rem.shift();
    rem.push(0);
    if (factor) for (let i = 0; i < n; i++) rem[i] ^= gfMul(g[i], factor);
  }
  return rem;
}

// ---- data encoding ----------------------------------------------------------------------

function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (Array.isArray(data)) return Uint8Array.from(data);
  return new TextEncoder().encode(String(data));
}

/** Mode indicator, count, the bytes, terminator, padding: the data codewords of the version. */
function dataCodewordsOf(bytes, version, ecl) {
  const capacity = dataCodewords(version, ecl);
  const bits = [];
  const put = (value, len) => { for (let i = len - 1; i >= 0; i--) bits.push((value >>> i) & 1); };
  put(0b0100, 4);                       // byte mode
  put(bytes.length, countBits(version));
  for (const b of bytes) put(b, 8);
  const room = capacity * 8;
  put(0, Math.min(4, room - bits.length)); // terminator, shortened when the symbol is full
  while (bits.length % 8) bits.push(0);
  const out = [];
  for (let i = 0; i < bits.length; i += 8) {
    let v = 0;
    for (let j = 0; j < 8; j++) v = (v << 1) | bits[i + j];
    out.push(v);
  }
  for (let pad = 0xec; out.length < capacity; pad ^= 0xec ^ 0x11) out.push(pad);
  return out;
}

/** Splits into blocks, adds the error correction of each and interleaves them (7.6). */
function interleaved(data, version, ecl) {
  const nBlocks = BLOCKS[ecl][version];
  const ecLen = EC_PER_BLOCK[ecl][version];
  const total = totalCodewords(version);
  const nLong = total % nBlocks;          // blocks with one more data codeword (the later ones)
  const shortData = Math.floor(total / nBlocks) - ecLen;
  const blocks = [];
  let k = 0;
  for (let i = 0; i < nBlocks; i++) {
    const len = shortData + (i >= nBlocks - nLong ? 1 : 0);
    const d = data.slice(k, k + len);
    k += len;
    blocks.push({ d, e: reedSolomon(d, ecLen) });
  }
  const out = [];
  for (let i = 0; i <= shortData; i++) for (const b of blocks) if (i < b.d.length) out.push(b.d[i]);
  for (let i = 0; i < ecLen; i++) for (const b of blocks) out.push(b.e[i]);
  return out;
}

// ---- the symbol ----------------------------------------------------------------------------

/** BCH code of the 5 format bits (generator x^10 + x^8 + x^5 + x^4 + x^2 + x + 1), masked. */
export function formatBits(ecl, mask) {
  const data = (ECL_BITS[ecl] << 3) | mask;
  let rem = data << 10;
  for (let i = 14; i >= 10; i--) if ((rem >>> i) & 1) rem ^= 0x537 << (i - 10);
  return ((data << 10) | rem) ^ 0x5412;
}

/** BCH(18, 6) code of the version (generator x^12 + x^11 + x^10 + x^9 + x^8 + x^5 + x^2 + 1). */
export function versionBits(version) {
  let rem = version << 12;
  for (let i = 17; i >= 12; i--) if ((rem >>> i) & 1) rem ^= 0x1f25 << (i - 12);
  return (version << 12) | rem;
}

class Symbol {
  constructor(version) {
    this.version = version;
    this.size = sizeOf(version);
    const n = this.size;
    this.dark = Array.from({ length: n }, () => new Array(n).fill(false));
    this.fixed = Array.from({ length: n }, () => new Array(n).fill(false)); // function patterns
  }

  set(r, c, dark) { this.dark[r][c] = dark; this.fixed[r][c] = true; }

  functionPatterns() {
    const n = this.size;
    // finder patterns (7×7) with their light separators, at three corners
    for (const [r0, c0] of [[0, 0], [0, n - 7], [n - 7, 0]]) {
      for (let dr = -1; dr <= 7; dr++) {
        for (let dc = -1; dc <= 7; dc++) {
          const r = r0 + dr;
          const c = c0 + dc;
          if (r < 0 || c < 0 || r >= n || c >= n) continue;
          const ring = Math.max(Math.abs(dr - 3), Math.abs(dc - 3)); // 0 centre … 4 separator
          this.set(r, c, ring !== 2 && ring !== 4);
        }
      }
    }
    // timing patterns on row 6 and column 6
    for (let i = 8; i < n - 8; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    // alignment patterns (5×5), except where they would overlap a finder pattern
    const centres = alignmentCentres(this.version);
    const last = centres.length - 1;
    centres.forEach((r, i) => centres.forEach((c, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
      for (let dr = -2; dr <= 2; dr++) {
        for (let dc = -2; dc <= 2; dc++) this.set(r + dr, c + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
      }
    }));
    // format information is reserved now (written once the mask is known), the dark module
    this.formatInfo(0);
    // version information (version 7 and up): two 6×3 blocks
    if (this.version >= 7) {
      const bits = versionBits(this.version);
      for (let i = 0; i < 18; i++) {
        const bit = ((bits >>> i) & 1) === 1;
        const a = n - 11 + (i % 3);
        const b = Math.floor(i / 3);
        this.set(b, a, bit); // top right: 6 rows × 3 columns
        this.set(a, b, bit); // bottom left: 3 rows × 6 columns
      }
    }
  }

  /** The 15 format bits, twice: around the top-left finder, and split between the other two. */
  formatInfo(bits) {
    const n = this.size;
    const bit = (i) => ((bits >>> i) & 1) === 1;
    // first copy: bits 0–7 down column 8 (skipping the timing row), 8–14 along row 8 leftwards
    for (let i = 0; i <= 5; i++) this.set(i, 8, bit(i));
    this.set(7, 8, bit(6));
    this.set(8, 8, bit(7));
    this.set(8, 7, bit(8));
    for (let i = 9; i < 15; i++) this.set(8, 14 - i, bit(i));
    // second copy: bits 0–7 along row 8 from the right edge, 8–14 up column 8 from the bottom
    for (let i = 0; i < 8; i++) this.set(8, n - 1 - i, bit(i));
    for (let i = 8; i < 15; i++) this.set(n - 15 + i, 8, bit(i));
    this.set(n - 8, 8, true); // the dark module
  }

  /** Places the codewords in the two-module-wide columns, right to left, up and down (7.7.3). */
  place(codewords) {
    const n = this.size;
    let i = 0;
    const nBits = codewords.length * 8;
    let upward = true;
    for (let right = n - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5; // the vertical timing pattern is skipped
      for (let v = 0; v < n; v++) {
        const r = upward ? n - 1 - v : v;
        for (let j = 0; j < 2; j++) {
          const c = right - j;
          if (this.fixed[r][c]) continue;
          // remainder bits (after the last codeword) are light
          this.dark[r][c] = i < nBits && ((codewords[i >>> 3] >>> (7 - (i & 7))) & 1) === 1;
          i++;
        }
      }
      upward = !upward;
    }
  }

  /** Inverts the data modules where the mask condition holds (Table 10). */
  applyMask(mask) {
    const cond = MASKS[mask];
    for (let r = 0; r < this.size; r++) {
      for (let c = 0; c < this.size; c++) if (!this.fixed[r][c] && cond(r, c)) this.dark[r][c] = !this.dark[r][c];
    }
  }
}

/** The eight data mask conditions, i = row, j = column (Table 10). */
const MASKS = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
];

/** The penalty score of a finished symbol (7.8.3): N1 = 3, N2 = 3, N3 = 40, N4 = 10. */
export function penalty(m) {
  const n = m.length;
  let score = 0;
  const line = (get) => {
    // N1: runs of five or more modules of one colour
    let run = 1;
    for (let k = 1; k <= n; k++) {
      if (k < n && get(k) === get(k - 1)) { run++; continue; }
      if (run >= 5) score += 3 + (run - 5);
      run = 1;
    }
    // N3: 1:1:3:1:1 finder-like pattern with four light modules on one side (outside is light)
    const at = (k) => (k >= 0 && k < n ? get(k) : false);
    for (let k = -4; k < n; k++) {
      if (!(at(k) && !at(k + 1) && at(k + 2) && at(k + 3) && at(k + 4) && !at(k + 5) && at(k + 6))) continue;
      const before = !at(k - 1) && !at(k - 2) && !at(k - 3) && !at(k - 4);
      const after = !at(k + 7) && !at(k + 8) && !at(k + 9) && !at(k + 10);
      if (before || after) score += 40;
    }
  };
  for (let r = 0; r < n; r++) line((c) => m[r][c]);
  for (let c = 0; c < n; c++) line((r) => m[r][c]);
  // N2: 2×2 blocks of one colour
  let dark = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (m[r][c]) dark++;
      if (r + 1 < n && c + 1 < n && m[r][c] === m[r][c + 1] && m[r][c] === m[r + 1][c] && m[r][c] === m[r + 1][c + 1]) score += 3;
    }
  }
  // N4: 10 points per full 5 % the dark share deviates from 50 %
  score += 10 * Math.floor(Math.abs((dark * 100) / (n * n) - 50) / 5);
  return score;
}

/**
 * encodeQR(data, {ecl: 'M', minVersion: 1, maxVersion: 40, mask: auto}) →
 * {version, size, ecl, mask, modules}. data: a string (UTF-8) or bytes.
 * Throws RangeError when the data does not fit the largest version allowed.
 */
export function encodeQR(data, { ecl = 'M', minVersion = MIN_VERSION, maxVersion = MAX_VERSION, mask } = {}) {
  if (!(ecl in ECL_BITS)) throw new RangeError(`qr: unknown error-correction level ${ecl}`);
  if (mask !== undefined && !(Number.isInteger(mask) && mask >= 0 && mask <= 7)) throw new RangeError(`qr: mask ${mask}`);
  const bytes = toBytes(data);
  let version = Math.max(MIN_VERSION, minVersion);
  const top = Math.min(MAX_VERSION, maxVersion);
  while (version <= top && byteCapacity(version, ecl) < bytes.length) version++;
  if (version > top) throw new RangeError(`qr: ${bytes.length} bytes do not fit version ${top} at level ${ecl}`);

  const codewords = interleaved(dataCodewordsOf(bytes, version, ecl), version, ecl);
  const base = new Symbol(version);
  base.functionPatterns();
  base.place(codewords);

  const build = (k) => {
    const sym = new Symbol(version);
    sym.fixed = base.fixed;
    sym.dark = base.dark.map((row) => row.slice());
    sym.applyMask(k);
    sym.formatInfo(formatBits(ecl, k));
    return sym.dark;
  };
  let best = null;
  for (const k of mask === undefined ? [0, 1, 2, 3, 4, 5, 6, 7] : [mask]) {
    const modules = build(k);
    const score = mask === undefined ? penalty(modules) : 0;
    if (!best || score < best.score) best = { k, modules, score };
  }
  return { version, size: sizeOf(version), ecl, mask: best.k, modules: best.modules };
}

/** The module matrix only: modules[row][col], true = dark. */
export function qrMatrix(data, opts) { return encodeQR(data, opts).modules; }

const escapeXml = (s) => String(s).replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[ch]));

/**
 * An inline SVG of the symbol: one path in module units with a light quiet zone (4 modules,
 * as the standard asks). data: the text, or a matrix from qrMatrix(). opts: {quiet, title,
 * size (CSS width/height, e.g. '36mm'), ecl, dark, light, testid}.
 */
export function qrSvg(data, { quiet = 4, title = '', size = '', ecl = 'M', dark = '#000', light = '#fff', testid = '' } = {}) {
  const m = Array.isArray(data) && Array.isArray(data[0]) ? data : qrMatrix(data, { ecl });
  const n = m.length;
  const full = n + 2 * quiet;
  let d = '';
  for (let r = 0; r < n; r++) {
    let c = 0;
    while (c < n) {
      if (!m[r][c]) { c++; continue; }
      const start = c;
      while (c < n && m[r][c]) c++;
      d += `M${start + quiet} ${r + quiet}h${c - start}v1h${start - c}z`;
    }
  }
  const dims = size ? ` width="${escapeXml(size)}" height="${escapeXml(size)}"` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${full} ${full}"${dims} shape-rendering="crispEdges" role="img"`
    + `${title ? ` aria-label="${escapeXml(title)}"` : ''}${testid ? ` data-testid="${escapeXml(testid)}"` : ''} data-modules="${n}">`
    + `${title ? `<title>${escapeXml(title)}</title>` : ''}<rect width="${full}" height="${full}" fill="${escapeXml(light)}"/>`
    + `<path d="${d}" fill="${escapeXml(dark)}"/></svg>`;
}
