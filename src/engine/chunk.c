/* chunk.c — encode and decode a block of archived points of one tag (see chunk.h).
 *
 * Format, version 1 (all multi-byte integers little-endian; "varint" = unsigned LEB128,
 * 7 bits a byte, low group first, at most 10 bytes; zigzag maps 0,-1,1,-2 to 0,1,2,3):
 *
 *   byte 0      version (1)
 *   byte 1      time unit exponent e, 0..9: every difference between consecutive
 *               timestamps is a multiple of 10^e ns (the encoder picks the largest e)
 *   byte 2      value scheme: 0 = XOR floats; 1 + k (k = 0..6) = decimals, every value
 *               is x / 10^k for an integer x with |x| <= 2^53 (the encoder picks the
 *               smallest k that reproduces every value's bits, if that is shorter than
 *               scheme 0)
 *   varint      n, the point count, 1..AJ_CHUNK_POINTS_MAX
 *   8 bytes     t0, the first timestamp (int64, ns)
 *   runs        until they cover n points: varint run length (>= 1),
 *               byte (value type << 2 | quality), varint reason bits (<= 2^32 - 1)
 *   times       n - 1 varints: zigzag(dod_i), dod_i = d_i - d_(i-1), where
 *               d_i = (t_i - t_(i-1)) / 10^e and d_0 = 0; arithmetic is modulo 2^64
 *   values      scheme 1 + k: n varints, zigzag(x_i - x_(i-1)) with x_(-1) = 0; the value
 *               is the float64 division x_i / 10^k (exact inputs, so correctly rounded)
 *               scheme 0: a bit stream (most significant bit first, zero-padded to a byte)
 *               of the float64 bit patterns, Gorilla style: the first value in 64 bits; then for
 *               x = bits_i XOR bits_(i-1):
 *                 '0'                         x == 0 (same value)
 *                 '10' + L bits               x fits the previous window (leading zeros >=
 *                                             the window's, trailing zeros >= the window's);
 *                                             L = the window's meaningful length
 *                 '11' + 5 bits lead + 6 bits (len - 1) + len bits
 *                                             new window: lead = leading zeros (at most 31),
 *                                             len = 64 - lead - trailing zeros
 *
 * The buffer must end exactly after the value stream and its padding bits must be zero;
 * anything else is malformed. The decoder checks every byte it reads against len, every
 * count against its bound, and each timestamp against int64 overflow, so it always stops
 * after at most n steps of each section.
 *
 * Why these choices: archived points have irregular times (compression removes the
 * regular ones), so delta-of-delta alone still costs 4-5 bytes at ns resolution; sources
 * sample on whole milliseconds or seconds, and the unit exponent turns those into 1-2
 * byte varints (measured in tests/unit/test_chunk.c). Noisy float values cost ~7 bytes
 * under XOR, but many sources deliver decimals (a transmitter's 2 decimals, a Modbus
 * register times 0.1): as scaled integers their deltas take 1-2 bytes. Quality rarely
 * changes within a chunk, so one run usually covers it.
 */
#include "engine/chunk.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

/* ---- byte and bit writers ----------------------------------------------------------- */

typedef struct writer {
    uint8_t *buf;
    size_t cap;
    size_t pos;
    uint64_t acc; /* pending bits, the oldest highest */
    unsigned n_acc;
    bool is_full;
    bool is_counting; /* only count bytes (buf unused) */
} writer;

static void put_byte(writer *w, uint8_t b) {
    if (w->is_counting) {
        w->pos++;
        return;
    }
    if (w->pos >= w->cap) {
        w->is_full = true;
        return;
    }
    w->buf[w->pos++] = b;
}

static void put_varint(writer *w, uint64_t v) {
    while (v >= 0x80) {
        put_byte(w, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put_byte(w, (uint8_t)v);
}

/* Appends the low n bits of v (n <= 32). */
static void put_bits(writer *w, uint64_t v, unsigned n) {
    if (n == 0) return;
    w->acc = (w->acc << n) | (v & ((1ull << n) - 1));
    w->n_acc += n;
    while (w->n_acc >= 8) {
        w->n_acc -= 8;
        put_byte(w, (uint8_t)(w->acc >> w->n_acc));
    }
}

static void put_bits64(writer *w, uint64_t v, unsigned n) {
    if (n > 32) {
        put_bits(w, v >> 32, n - 32);
        put_bits(w, v, 32);
    } else {
        put_bits(w, v, n);
    }
}

static void put_bits_end(writer *w) {
    if (w->n_acc > 0) put_bits(w, 0, 8 - w->n_acc);
}

/* ---- byte and bit readers ----------------------------------------------------------- */

typedef struct reader {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    uint64_t acc;
    unsigned n_acc;
    bool is_bad;
} reader;

static uint8_t get_byte(reader *r) {
    if (r->pos >= r->len) {
        r->is_bad = true;
        return 0;
    }
    return r->buf[r->pos++];
}

static uint64_t get_varint(reader *r) {
    uint64_t v = 0;
    for (unsigned i = 0; i < 10; i++) {
        uint8_t b = get_byte(r);
        if (i == 9 && b > 1) break; /* would not fit 64 bits */
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) return v;
    }
    r->is_bad = true;
    return 0;
}

/* Reads n bits (n <= 32). */
static uint64_t get_bits(reader *r, unsigned n) {
    while (r->n_acc < n) {
        r->acc = (r->acc << 8) | get_byte(r);
        r->n_acc += 8;
    }
    r->n_acc -= n;
    uint64_t v = (r->acc >> r->n_acc) & ((1ull << n) - 1);
    r->acc &= (1ull << r->n_acc) - 1;
    return v;
}

static uint64_t get_bits64(reader *r, unsigned n) {
    if (n <= 32) return get_bits(r, n);
    uint64_t hi = get_bits(r, n - 32);
    return (hi << 32) | get_bits(r, 32);
}

/* ---- helpers ------------------------------------------------------------------------ */

static uint64_t zigzag(uint64_t v) {
    return (v << 1) ^ (0 - (v >> 63));
}
static uint64_t unzigzag(uint64_t z) {
    return (z >> 1) ^ (0 - (z & 1));
}

static uint64_t double_bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double bits_double(uint64_t u) {
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static unsigned leading_zeros(uint64_t x) {
    return x ? (unsigned)__builtin_clzll(x) : 64;
}
static unsigned trailing_zeros(uint64_t x) {
    return x ? (unsigned)__builtin_ctzll(x) : 64;
}

/* Decimal value scheme: at most 6 decimals (finer than any field instrument reports), and
 * scaled integers within +/-2^53, where every integer is exact in a double. */
#define DECIMALS_MAX  6
#define DECIMAL_X_MAX (1LL << 53)

static const uint64_t pow10_ns[10] = {1,      10,      100,      1000,      10000,
                                      100000, 1000000, 10000000, 100000000, 1000000000};

static const double pow10_dbl[DECIMALS_MAX + 1] = {1, 10, 100, 1000, 10000, 100000, 1000000};

static uint8_t attr_of(const aj_point *p) {
    return (uint8_t)((unsigned)p->type << 2 | (unsigned)p->quality);
}
static bool same_attr(const aj_point *a, const aj_point *b) {
    return a->type == b->type && a->quality == b->quality && a->quality_reasons == b->quality_reasons;
}

/* ---- encode ------------------------------------------------------------------------- */

static aj_err check_points(const aj_point *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)p[i].type > (unsigned)AJ_VALUE_STRING) return AJ_EINVAL;
        if ((unsigned)p[i].quality > (unsigned)AJ_QUALITY_BAD) return AJ_EINVAL;
        if (i > 0 && p[i].t_ns < p[i - 1].t_ns) return AJ_EINVAL;
    }
    return AJ_OK;
}

/* Largest e (0..9) such that every consecutive time difference is a multiple of 10^e. */
static unsigned time_unit_exp(const aj_point *p, size_t n) {
    unsigned e = 9;
    for (size_t i = 1; i < n && e > 0; i++) {
        uint64_t d = (uint64_t)p[i].t_ns - (uint64_t)p[i - 1].t_ns;
        while (e > 0 && d % pow10_ns[e] != 0) e--;
    }
    return e;
}

static void encode_runs(writer *w, const aj_point *p, size_t n) {
    size_t start = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && same_attr(&p[i], &p[start])) continue;
        put_varint(w, i - start);
        put_byte(w, attr_of(&p[start]));
        put_varint(w, p[start].quality_reasons);
        start = i;
    }
}

static void encode_times(writer *w, const aj_point *p, size_t n, unsigned e) {
    uint64_t prev_d = 0;
    for (size_t i = 1; i < n; i++) {
        uint64_t d = ((uint64_t)p[i].t_ns - (uint64_t)p[i - 1].t_ns) / pow10_ns[e];
        put_varint(w, zigzag(d - prev_d));
        prev_d = d;
    }
}

/* Scaled integer of v with k decimals, if x / 10^k gives back exactly v's bits. */
static bool decimal_of(double v, unsigned k, int64_t *x) {
    double scaled = v * pow10_dbl[k];
    if (!(fabs(scaled) <= (double)DECIMAL_X_MAX)) return false; /* NaN too */
    int64_t r = (int64_t)llround(scaled);
    double back = (double)r / pow10_dbl[k];
    if (memcmp(&back, &v, sizeof v) != 0) return false; /* -0.0 lands here */
    *x = r;
    return true;
}

static void encode_decimals(writer *w, const aj_point *p, size_t n, unsigned k) {
    int64_t prev = 0, x = 0;
    for (size_t i = 0; i < n; i++) {
        bool is_decimal = decimal_of(p[i].value, k, &x);
        assert(is_decimal); /* value_scheme checked every value */
        (void)is_decimal;
        put_varint(w, zigzag((uint64_t)x - (uint64_t)prev));
        prev = x;
    }
}

static void encode_values(writer *w, const aj_point *p, size_t n) {
    uint64_t prev = double_bits(p[0].value);
    put_bits64(w, prev, 64);
    unsigned win_lead = 65, win_trail = 0; /* 65: no window yet */
    for (size_t i = 1; i < n; i++) {
        uint64_t cur = double_bits(p[i].value);
        uint64_t x = cur ^ prev;
        prev = cur;
        if (x == 0) {
            put_bits(w, 0, 1);
            continue;
        }
        unsigned lead = leading_zeros(x), trail = trailing_zeros(x);
        if (lead > 31) lead = 31;
        if (win_lead <= 64 && lead >= win_lead && trail >= win_trail) {
            put_bits(w, 2, 2);
            put_bits64(w, x >> win_trail, 64 - win_lead - win_trail);
            continue;
        }
        unsigned len = 64 - lead - trail;
        put_bits(w, 3, 2);
        put_bits(w, lead, 5);
        put_bits(w, len - 1, 6);
        put_bits64(w, x >> trail, len);
        win_lead = lead;
        win_trail = trail;
    }
    put_bits_end(w);
}

/* The value scheme byte: 1 + the fewest decimals that represent every value, if that
 * encodes shorter than XOR floats (a constant costs 1 bit a point under XOR), else 0. */
static unsigned value_scheme(const aj_point *p, size_t n) {
    for (unsigned k = 0; k <= DECIMALS_MAX; k++) {
        size_t i = 0;
        int64_t x;
        while (i < n && decimal_of(p[i].value, k, &x)) i++;
        if (i < n) continue;
        writer as_decimals = {.is_counting = true}, as_floats = {.is_counting = true};
        encode_decimals(&as_decimals, p, n, k);
        encode_values(&as_floats, p, n);
        return as_decimals.pos < as_floats.pos ? 1 + k : 0;
    }
    return 0;
}

aj_err aj_chunk_encode(const aj_point *points, size_t n, uint8_t *buf, size_t cap, size_t *len) {
    if (n == 0 || n > AJ_CHUNK_POINTS_MAX) return AJ_EINVAL;
    aj_err e = check_points(points, n);
    if (e) return e;
    writer w = {.buf = buf, .cap = cap};
    unsigned unit_exp = time_unit_exp(points, n);
    unsigned scheme = value_scheme(points, n);
    put_byte(&w, AJ_CHUNK_VERSION);
    put_byte(&w, (uint8_t)unit_exp);
    put_byte(&w, (uint8_t)scheme);
    put_varint(&w, n);
    uint64_t t0 = (uint64_t)points[0].t_ns;
    for (unsigned i = 0; i < 8; i++) put_byte(&w, (uint8_t)(t0 >> (8 * i)));
    encode_runs(&w, points, n);
    encode_times(&w, points, n, unit_exp);
    if (scheme > 0)
        encode_decimals(&w, points, n, scheme - 1);
    else
        encode_values(&w, points, n);
    if (w.is_full) return AJ_ETOOBIG;
    *len = w.pos;
    return AJ_OK;
}

/* ---- decode ------------------------------------------------------------------------- */

static aj_err decode_header(reader *r, size_t *n, unsigned *unit_exp, unsigned *scheme, int64_t *t0) {
    if (get_byte(r) != AJ_CHUNK_VERSION) return AJ_EINVAL;
    *unit_exp = get_byte(r);
    *scheme = get_byte(r);
    uint64_t count = get_varint(r);
    uint64_t t = 0;
    for (unsigned i = 0; i < 8; i++) t |= (uint64_t)get_byte(r) << (8 * i);
    if (r->is_bad || *unit_exp > 9 || *scheme > 1 + DECIMALS_MAX || count == 0 || count > AJ_CHUNK_POINTS_MAX)
        return AJ_EINVAL;
    *n = (size_t)count;
    *t0 = (int64_t)t;
    return AJ_OK;
}

static aj_err decode_runs(reader *r, aj_point *out, size_t n) {
    size_t filled = 0;
    while (filled < n) {
        uint64_t run = get_varint(r);
        uint8_t attr = get_byte(r);
        uint64_t reasons = get_varint(r);
        if (r->is_bad || run == 0 || run > n - filled) return AJ_EINVAL;
        if ((attr >> 2) > AJ_VALUE_STRING || (attr & 3) > AJ_QUALITY_BAD || reasons > UINT32_MAX)
            return AJ_EINVAL;
        for (size_t i = 0; i < run; i++) {
            aj_point *p = &out[filled + i];
            p->tag_id = 0;
            p->type = (aj_value_type)(attr >> 2);
            p->quality = (aj_quality)(attr & 3);
            p->quality_reasons = (uint32_t)reasons;
        }
        filled += (size_t)run;
    }
    return AJ_OK;
}

static aj_err decode_times(reader *r, aj_point *out, size_t n, unsigned unit_exp, int64_t t0) {
    uint64_t unit = pow10_ns[unit_exp];
    uint64_t d = 0;
    out[0].t_ns = t0;
    for (size_t i = 1; i < n; i++) {
        d += unzigzag(get_varint(r));
        if (r->is_bad || d > UINT64_MAX / unit) return AJ_EINVAL;
        uint64_t step = d * unit;
        int64_t prev = out[i - 1].t_ns;
        if (step > (uint64_t)INT64_MAX - (uint64_t)prev) return AJ_EINVAL; /* past INT64_MAX */
        out[i].t_ns = (int64_t)((uint64_t)prev + step);
    }
    return AJ_OK;
}

static aj_err decode_values(reader *r, aj_point *out, size_t n) {
    uint64_t prev = get_bits64(r, 64);
    out[0].value = bits_double(prev);
    unsigned win_lead = 65, win_trail = 0;
    for (size_t i = 1; i < n && !r->is_bad; i++) {
        uint64_t x = 0;
        if (get_bits(r, 1) == 1) {
            if (get_bits(r, 1) == 0) {
                if (win_lead > 64) return AJ_EINVAL; /* reuse before any window */
                x = get_bits64(r, 64 - win_lead - win_trail) << win_trail;
            } else {
                unsigned lead = (unsigned)get_bits(r, 5);
                unsigned len = (unsigned)get_bits(r, 6) + 1;
                if (lead + len > 64) return AJ_EINVAL;
                win_lead = lead;
                win_trail = 64 - lead - len;
                x = get_bits64(r, len) << win_trail;
            }
        }
        prev ^= x;
        out[i].value = bits_double(prev);
    }
    if (r->is_bad || r->acc != 0) return AJ_EINVAL; /* truncated, or non-zero padding */
    return AJ_OK;
}

static aj_err decode_decimals(reader *r, aj_point *out, size_t n, unsigned k) {
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        x += unzigzag(get_varint(r));
        int64_t xs = (int64_t)x;
        if (r->is_bad || xs > DECIMAL_X_MAX || xs < -DECIMAL_X_MAX) return AJ_EINVAL;
        out[i].value = (double)xs / pow10_dbl[k];
    }
    return AJ_OK;
}

aj_err aj_chunk_peek(const uint8_t *buf, size_t len, size_t *n, int64_t *first_t_ns) {
    reader r = {.buf = buf, .len = len};
    unsigned unit_exp, scheme;
    return decode_header(&r, n, &unit_exp, &scheme, first_t_ns);
}

aj_err aj_chunk_decode(const uint8_t *buf, size_t len, aj_point *out, size_t cap, size_t *n) {
    reader r = {.buf = buf, .len = len};
    size_t count;
    unsigned unit_exp, scheme;
    int64_t t0;
    aj_err e = decode_header(&r, &count, &unit_exp, &scheme, &t0);
    if (e) return e;
    if (count > cap) return AJ_ETOOBIG;
    e = decode_runs(&r, out, count);
    if (!e) e = decode_times(&r, out, count, unit_exp, t0);
    if (!e) e = scheme > 0 ? decode_decimals(&r, out, count, scheme - 1) : decode_values(&r, out, count);
    if (e) return e;
    if (r.pos != len) return AJ_EINVAL; /* trailing bytes */
    *n = count;
    return AJ_OK;
}
