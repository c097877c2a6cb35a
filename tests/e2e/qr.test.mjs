// The console's own QR Code encoder (web/js/qr.js) against an independent decoder: every
// symbol it draws is rendered into an RGBA image (4 px a module, 4-module quiet zone) and
// read back with jsQR (npm package jsqr, used only here, as the test oracle).
// Runs without a server: cd tests/e2e && node --test qr.test.mjs
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import jsQR from 'jsqr';

const HERE = dirname(fileURLToPath(import.meta.url));
const WEB = join(HERE, '..', '..', 'web');

/** web/js/qr.js is a browser ES module without imports: load its source as a data: URL. */
async function loadQr() {
  const src = await readFile(join(WEB, 'js', 'qr.js'), 'utf8');
  return import(`data:text/javascript;charset=utf-8,${encodeURIComponent(src)}`);
}
const qr = await loadQr();

/** The matrix as an RGBA image: black modules on white, scale px a module, quiet modules around. */
function rasterize(modules, { scale = 4, quiet = 4 } = {}) {
  const n = modules.length;
  const px = (n + 2 * quiet) * scale;
  const data = new Uint8ClampedArray(px * px * 4).fill(255);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!modules[r][c]) continue;
      for (let y = 0; y < scale; y++) {
        const row = (r + quiet) * scale + y;
        for (let x = 0; x < scale; x++) {
          const i = (row * px + (c + quiet) * scale + x) * 4;
          data[i] = 0; data[i + 1] = 0; data[i + 2] = 0;
        }
      }
    }
  }
  return { data, width: px, height: px };
}

function decode(modules) {
  const img = rasterize(modules);
  const res = jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
  assert.ok(res, 'jsQR found and decoded the symbol');
  return res;
}

const utf8 = (s) => new TextEncoder().encode(s);

function roundTrip(text, opts) {
  const sym = qr.encodeQR(text, opts);
  assert.equal(sym.modules.length, sym.size);
  assert.ok(sym.modules.every((row) => row.length === sym.size && row.every((v) => typeof v === 'boolean')), 'a square boolean matrix');
  const res = decode(sym.modules);
  assert.deepEqual([...res.binaryData], [...utf8(text)], `bytes of ${JSON.stringify(text.slice(0, 40))}`);
  assert.equal(res.data, text);
  assert.equal(res.version, sym.version, 'the version the decoder read');
  return sym;
}

describe('QR encoder (web/js/qr.js) read back by jsQR', () => {
  test('a short string: version 1, level M', () => {
    const sym = roundTrip('anjian');
    assert.equal(sym.version, 1);
    assert.equal(sym.size, 21);
    assert.equal(sym.ecl, 'M');
  });

  test('the live-status URL of a permit', () => {
    const url = 'http://127.0.0.1:8080/#/permits/123';
    const sym = roundTrip(url);
    assert.equal(sym.version, 3, '35 bytes need version 3 at level M');
  });

  test('about 150 bytes', () => {
    const text = 'HOT WORK PERMIT DH-20260101-0007 / JS01 PH1 P-101 seal replacement / '
      + 'valid 2026-01-01T08:00+08:00 .. 2026-01-01T16:00+08:00 / http://127.0.0.1:8080/xy';
    assert.equal(utf8(text).length, 150);
    const sym = roundTrip(text);
    assert.equal(sym.version, 8, '150 bytes: version 8 at level M (152 at most)');
    assert.equal(sym.size, 49);
  });

  test('UTF-8 Chinese text', () => {
    const text = '动火安全作业票 DH-0007：罐区泵房 P-101 机械密封更换，监护人 邵磊';
    const sym = roundTrip(text);
    assert.ok(sym.version >= 4, `version ${sym.version}`);
  });

  test('versions 1 to 40 at level M, each filled to its byte capacity', () => {
    for (let v = 1; v <= 40; v++) {
      const cap = qr.byteCapacity(v, 'M');
      let text = '';
      for (let i = 0; text.length < cap; i++) text += String.fromCharCode(33 + ((i * 7 + v) % 90));
      const sym = roundTrip(text, { minVersion: v, maxVersion: v });
      assert.equal(sym.version, v);
      assert.equal(sym.size, 17 + 4 * v);
      // one more byte does not fit this version
      assert.throws(() => qr.encodeQR(`${text}x`, { minVersion: v, maxVersion: v }), RangeError);
    }
  });

  test('the byte capacities of level M match the standard (versions 1–10)', () => {
    // ISO/IEC 18004 Table 7, byte mode, level M
    const expected = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213];
    assert.deepEqual(expected.map((_, i) => qr.byteCapacity(i + 1, 'M')), expected);
    assert.equal(qr.byteCapacity(40, 'M'), 2331);
  });

  test('every mask decodes, and the automatic choice has the lowest penalty', () => {
    const text = 'http://127.0.0.1:8080/#/permits/42';
    const scores = [];
    for (let mask = 0; mask < 8; mask++) {
      const sym = roundTrip(text, { mask });
      assert.equal(sym.mask, mask);
      scores.push(qr.penalty(sym.modules));
    }
    const auto = qr.encodeQR(text);
    assert.equal(qr.penalty(auto.modules), Math.min(...scores));
    assert.equal(auto.mask, scores.indexOf(Math.min(...scores)));
  });

  test('levels L, Q and H decode too', () => {
    for (const ecl of ['L', 'Q', 'H']) {
      for (const v of [1, 5, 7, 10, 15, 25, 40]) {
        const cap = qr.byteCapacity(v, ecl);
        const text = 'Q'.repeat(cap - 3) + ecl + v;
        const sym = roundTrip(text.slice(0, cap), { ecl, minVersion: v, maxVersion: v });
        assert.equal(sym.version, v);
      }
    }
  });

  test('the format and version bits are the standard BCH codes', () => {
    // Annex C: level M, mask 0 → 101010000010010; version 7 → 000111110010010100
    assert.equal(qr.formatBits('M', 0).toString(2).padStart(15, '0'), '101010000010010');
    assert.equal(qr.versionBits(7).toString(2).padStart(18, '0'), '000111110010010100');
  });

  test('the SVG has one dark path, the quiet zone and escapes its title', () => {
    const svg = qr.qrSvg('http://127.0.0.1:8080/#/permits/123', { title: 'a <b> & "c"', size: '30mm', testid: 'permit-qr' });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 37 37" width="30mm" height="30mm"/);
    assert.match(svg, /data-modules="29"/);
    assert.match(svg, /<title>a &lt;b&gt; &amp; &quot;c&quot;<\/title>/);
    assert.equal((svg.match(/<path /g) || []).length, 1);
    // the path covers exactly the dark modules
    const m = qr.qrMatrix('http://127.0.0.1:8080/#/permits/123');
    let dark = 0;
    for (const row of m) for (const v of row) if (v) dark++;
    let covered = 0;
    for (const [, w] of svg.matchAll(/h(\d+)v1/g)) covered += +w;
    assert.equal(covered, dark);
  });

  test('data too long for version 40 is refused', () => {
    assert.throws(() => qr.encodeQR('x'.repeat(2332)), RangeError);
    assert.equal(qr.encodeQR('x'.repeat(2331)).version, 40);
  });
});
