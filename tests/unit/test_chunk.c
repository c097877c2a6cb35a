/* test_chunk.c — the chunk codec (src/engine/chunk.c).
 *
 * Round trips of random chunks, edge values (NaN payloads, -0.0, inf, denormals, extreme
 * and repeated timestamps), 1 point and AJ_CHUNK_POINTS_MAX points; encode errors (order,
 * enums, capacity, without writing past cap); decode of corrupted input (every
 * truncation, trailing bytes, hand-made bad headers and sections, random bit flips). Size
 * per point on typical signals and encode/decode speed are printed, never asserted.
 */
#include "engine/chunk.h"
#include "engine/compress.h"

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define SEC_NS 1000000000LL
#define T0_NS  1764000000000000000LL

static uint64_t rng_state;

static uint64_t rng_next(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double rng_unit(void) {
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}
static double rng_gauss(double sigma) {
    double u1 = rng_unit(), u2 = rng_unit();
    if (u1 < 1e-300) u1 = 1e-300;
    return sigma * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static double bits_double(uint64_t u) {
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static aj_point pt(int64_t t, double v) {
    aj_point p = {.t_ns = t, .value = v, .type = AJ_VALUE_FLOAT, .quality = AJ_QUALITY_GOOD};
    return p;
}

static void assert_same_points(const aj_point *a, const aj_point *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(b[i].tag_id, 0);
        assert_true(a[i].t_ns == b[i].t_ns);
        assert_memory_equal(&a[i].value, &b[i].value, sizeof(double));
        assert_int_equal(a[i].type, b[i].type);
        assert_int_equal(a[i].quality, b[i].quality);
        assert_int_equal(a[i].quality_reasons, b[i].quality_reasons);
    }
}

/* Encodes, decodes, compares; returns the encoded size. */
static size_t roundtrip(const aj_point *pts, size_t n) {
    size_t cap = AJ_CHUNK_ENCODED_MAX(n), len = 0, m = 0;
    uint8_t *buf = malloc(cap);
    aj_point *out = malloc(n * sizeof *out);
    assert_non_null(buf);
    assert_non_null(out);
    assert_int_equal(aj_chunk_encode(pts, n, buf, cap, &len), AJ_OK);
    assert_true(len > 0 && len <= cap);
    assert_int_equal(aj_chunk_decode(buf, len, out, n, &m), AJ_OK);
    assert_int_equal(m, n);
    assert_same_points(pts, out, n);
    size_t peek_n;
    int64_t peek_t;
    assert_int_equal(aj_chunk_peek(buf, len, &peek_n, &peek_t), AJ_OK);
    assert_int_equal(peek_n, n);
    assert_true(peek_t == pts[0].t_ns);
    free(out);
    free(buf);
    return len;
}

/* ---- round trips -------------------------------------------------------------------- */

static int64_t random_step(void) {
    switch (rng_next() % 6) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
        return (int64_t)(rng_next() % 10) * SEC_NS;
    case 3:
        return (int64_t)(rng_next() % 100000) * 1000000;
    case 4:
        return (int64_t)(rng_next() >> 24);
    default:
        return (int64_t)(rng_next() % 1000);
    }
}

static double random_value(void) {
    switch (rng_next() % 5) {
    case 0:
        return bits_double(rng_next()); /* any bit pattern, NaNs included */
    case 1:
        return rng_gauss(1000);
    case 2:
        return round(rng_gauss(100) * 100) / 100;
    case 3:
        return (double)(rng_next() % 4);
    default:
        return 50 + rng_gauss(0.1);
    }
}

static void test_roundtrip_random(void **state) {
    (void)state;
    rng_state = 42;
    aj_point *pts = malloc(AJ_CHUNK_POINTS_MAX * sizeof *pts);
    assert_non_null(pts);
    for (int iter = 0; iter < 300; iter++) {
        size_t n = 1 + rng_next() % (iter % 10 == 0 ? AJ_CHUNK_POINTS_MAX : 300);
        int64_t t = (int64_t)(rng_next() >> 2) - (INT64_MAX / 4) * 3; /* room for the steps */
        int mode = (int)(rng_next() % 3);
        double v = random_value();
        for (size_t i = 0; i < n; i++) {
            t += i == 0 ? 0
                        : (mode == 0   ? random_step()
                           : mode == 1 ? SEC_NS
                                       : (int64_t)(rng_next() % 3) * SEC_NS);
            if (rng_next() % 4 != 0) v = random_value();
            pts[i] = pt(t, v);
            if (rng_next() % 50 == 0) {
                pts[i].quality = (aj_quality)(rng_next() % 3);
                pts[i].quality_reasons = (uint32_t)rng_next();
                pts[i].type = (aj_value_type)(rng_next() % 4);
            } else if (i > 0) {
                pts[i].quality = pts[i - 1].quality;
                pts[i].quality_reasons = pts[i - 1].quality_reasons;
                pts[i].type = pts[i - 1].type;
            }
        }
        roundtrip(pts, n);
    }
    free(pts);
}

static void test_edge_values(void **state) {
    (void)state;
    const uint64_t bits[] = {
        0x0000000000000000ull, /* +0 */
        0x8000000000000000ull, /* -0 */
        0x7ff0000000000000ull, /* +inf */
        0xfff0000000000000ull, /* -inf */
        0x7ff8000000000000ull, /* quiet NaN */
        0x7ff0000000000001ull, /* signalling NaN, payload 1 */
        0xfff8dead0000beefull, /* negative NaN with payload */
        0x7fffffffffffffffull, /* NaN, all payload bits */
        0x0000000000000001ull, /* smallest denormal */
        0x000fffffffffffffull, /* largest denormal */
        0x0010000000000000ull, /* DBL_MIN */
        0x7fefffffffffffffull, /* DBL_MAX */
        0xffefffffffffffffull, /* -DBL_MAX */
        0x3ff0000000000000ull, /* 1 */
        0xffffffffffffffffull, /* all ones */
    };
    size_t nb = sizeof bits / sizeof bits[0];
    aj_point pts[sizeof bits / sizeof bits[0] * sizeof bits / sizeof bits[0] * 2];
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) /* every ordered pair of neighbours, and each repeated */
        for (size_t j = 0; j < nb; j++) {
            pts[n] = pt(INT64_MIN, bits_double(bits[i]));
            n++;
            pts[n] = pt(INT64_MIN, bits_double(bits[j]));
            n++;
        }
    roundtrip(pts, n);

    /* Timestamps at the ends of int64 and the largest deltas. */
    int64_t cases[][4] = {
        {INT64_MIN, INT64_MAX, INT64_MAX, INT64_MAX},
        {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MAX},
        {INT64_MIN, 0, INT64_MAX, INT64_MAX},
        {INT64_MIN, INT64_MIN + 1, INT64_MAX - 1, INT64_MAX},
        {-1, 0, 1, INT64_MAX},
        {0, 0, 0, 0},
        {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX},
        {-3 * SEC_NS, -2 * SEC_NS, -SEC_NS, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        aj_point tp[4];
        for (size_t i = 0; i < 4; i++) tp[i] = pt(cases[c][i], (double)i);
        roundtrip(tp, 4);
        roundtrip(tp, 2);
    }

    /* All quality/type codes and the widest reason mask. */
    aj_point q[12];
    for (size_t i = 0; i < 12; i++) {
        q[i] = pt((int64_t)i, 1.5);
        q[i].quality = (aj_quality)(i % 3);
        q[i].type = (aj_value_type)(i % 4);
        q[i].quality_reasons = i == 11 ? UINT32_MAX : (uint32_t)i;
    }
    roundtrip(q, 12);
}

/* Value schemes: decimals when every value is one, exactly; XOR floats otherwise. */
static uint8_t scheme_of(const aj_point *pts, size_t n) {
    uint8_t buf[AJ_CHUNK_ENCODED_MAX(16)];
    size_t len;
    assert_true(n <= 16);
    assert_int_equal(aj_chunk_encode(pts, n, buf, sizeof buf, &len), AJ_OK);
    roundtrip(pts, n);
    return buf[2];
}

static void test_decimal_scheme(void **state) {
    (void)state;
    const struct {
        double v[3];
        uint8_t scheme;
    } cases[] = {
        {{1, 2, -3}, 1},
        {{5, 5, 5}, 1}, /* 3 bytes; XOR floats take 9 */
        {{0.1, 0.2, 0.3}, 2},
        {{20.05, 20.1, -0.01}, 3},
        {{0.000001, 1, 2}, 7},
        {{0.0000001, 1, 2}, 0},                                            /* 7 decimals */
        {{-0.0, 1, 2}, 0},                                                 /* -0.0 is not a scaled integer */
        {{9007199254740992.0, 9007199254740992.0, 9007199254740991.0}, 1}, /* 2^53 */
        {{9007199254740994.0, 0, 1}, 0}, /* 2^53 + 2: beyond the decimal range */
        {{NAN, 0, 1}, 0},
        {{0.1 + 0.2, 0.3, 1}, 0}, /* 0.30000000000000004 is not a short decimal */
        {{1e300, 1, 2}, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        aj_point pts[3];
        for (int i = 0; i < 3; i++) pts[i] = pt(T0_NS + i, cases[c].v[i]);
        uint8_t scheme = scheme_of(pts, 3);
        if (scheme != cases[c].scheme) fprintf(stderr, "case %zu: scheme %u\n", c, scheme);
        assert_int_equal(scheme, cases[c].scheme);
    }
    aj_point flat[16];
    for (int i = 0; i < 16; i++) flat[i] = pt(T0_NS + i, 5);
    assert_int_equal(scheme_of(flat, 16), 0); /* XOR: 8 bytes + 1 bit a point; decimals: 16 bytes */
    /* Random decimals of every precision and magnitude round-trip, in the decimal scheme. */
    rng_state = 31;
    aj_point pts[16];
    for (int iter = 0; iter < 20000; iter++) {
        unsigned k = (unsigned)(rng_next() % 7);
        uint64_t mag = 1ull << (rng_next() % 54);
        for (int i = 0; i < 16; i++) {
            int64_t x = (int64_t)(rng_next() % mag) * ((rng_next() & 1) ? -1 : 1);
            pts[i] = pt(T0_NS + i * SEC_NS, (double)x / pow(10, k));
        }
        uint8_t scheme = scheme_of(pts, 16);
        if (mag >= (1u << 8) && mag <= (1ull << 40)) assert_int_equal(scheme, 1 + k); /* shorter than XOR */
    }
}

static void test_one_and_max_points(void **state) {
    (void)state;
    aj_point one = pt(T0_NS, 3.25);
    size_t len = roundtrip(&one, 1);
    printf("  1 point: %zu bytes\n", len);
    aj_point *pts = malloc((AJ_CHUNK_POINTS_MAX + 1) * sizeof *pts);
    assert_non_null(pts);
    rng_state = 8;
    int64_t t = INT64_MIN;
    for (size_t i = 0; i <= AJ_CHUNK_POINTS_MAX; i++) { /* worst case: random bits, random times */
        t += (int64_t)(rng_next() >> 14);
        pts[i] = pt(t, bits_double(rng_next()));
        pts[i].quality = (aj_quality)(i % 3);
        pts[i].quality_reasons = (uint32_t)rng_next() | 0x80000000u;
    }
    len = roundtrip(pts, AJ_CHUNK_POINTS_MAX);
    printf("  %d points of random bits, times and quality: %zu bytes (bound %zu)\n", AJ_CHUNK_POINTS_MAX, len,
           AJ_CHUNK_ENCODED_MAX(AJ_CHUNK_POINTS_MAX));
    uint8_t small[64];
    size_t n_len;
    assert_int_equal(aj_chunk_encode(pts, AJ_CHUNK_POINTS_MAX + 1, small, sizeof small, &n_len), AJ_EINVAL);
    assert_int_equal(aj_chunk_encode(pts, 0, small, sizeof small, &n_len), AJ_EINVAL);
    free(pts);
}

/* ---- encode errors ------------------------------------------------------------------ */

static void test_encode_errors(void **state) {
    (void)state;
    uint8_t buf[512];
    size_t len;
    aj_point pts[8];
    for (int i = 0; i < 8; i++) pts[i] = pt(T0_NS + i * SEC_NS, 20.0 + i * 0.37);
    pts[5].t_ns = pts[4].t_ns - 1; /* decreasing */
    assert_int_equal(aj_chunk_encode(pts, 8, buf, sizeof buf, &len), AJ_EINVAL);
    pts[5].t_ns = pts[4].t_ns; /* equal is fine */
    assert_int_equal(aj_chunk_encode(pts, 8, buf, sizeof buf, &len), AJ_OK);
    pts[2].quality = (aj_quality)3;
    assert_int_equal(aj_chunk_encode(pts, 8, buf, sizeof buf, &len), AJ_EINVAL);
    pts[2].quality = AJ_QUALITY_GOOD;
    pts[3].type = (aj_value_type)4;
    assert_int_equal(aj_chunk_encode(pts, 8, buf, sizeof buf, &len), AJ_EINVAL);
    pts[3].type = AJ_VALUE_FLOAT;

    /* Every capacity below the needed one fails without writing past it. */
    size_t need;
    assert_int_equal(aj_chunk_encode(pts, 8, buf, sizeof buf, &need), AJ_OK);
    for (size_t cap = 0; cap < need; cap++) {
        memset(buf, 0xa5, sizeof buf);
        assert_int_equal(aj_chunk_encode(pts, 8, buf, cap, &len), AJ_ETOOBIG);
        for (size_t i = cap; i < sizeof buf; i++) assert_int_equal(buf[i], 0xa5);
    }
    assert_int_equal(aj_chunk_encode(pts, 8, buf, need, &len), AJ_OK);
    assert_int_equal(len, need);

    /* Decoding into too small an array. */
    aj_point out[8];
    size_t n;
    assert_int_equal(aj_chunk_decode(buf, len, out, 7, &n), AJ_ETOOBIG);
    assert_int_equal(aj_chunk_decode(buf, len, out, 8, &n), AJ_OK);
}

/* ---- corrupted input ---------------------------------------------------------------- */

static aj_err decode_bytes(const uint8_t *b, size_t len) {
    static aj_point out[AJ_CHUNK_POINTS_MAX];
    size_t n;
    return aj_chunk_decode(b, len, out, AJ_CHUNK_POINTS_MAX, &n);
}

static void test_corrupted(void **state) {
    (void)state;
    aj_point pts[200];
    rng_state = 77;
    for (int i = 0; i < 200; i++) {
        pts[i] = pt(T0_NS + i * 5 * SEC_NS + (i % 7) * 1000000, 60 + rng_gauss(2));
        if (i >= 100 && i < 110) pts[i].quality = AJ_QUALITY_BAD;
    }
    uint8_t buf[AJ_CHUNK_ENCODED_MAX(200) + 1];
    size_t len;
    assert_int_equal(aj_chunk_encode(pts, 200, buf, sizeof buf, &len), AJ_OK);

    for (size_t cut = 0; cut < len; cut++) assert_int_equal(decode_bytes(buf, cut), AJ_EINVAL);
    buf[len] = 0;
    assert_int_equal(decode_bytes(buf, len + 1), AJ_EINVAL); /* trailing byte */

    uint8_t copy[sizeof buf];
    memcpy(copy, buf, len);
    copy[0] = 2; /* unknown version */
    assert_int_equal(decode_bytes(copy, len), AJ_EINVAL);
    memcpy(copy, buf, len);
    copy[1] = 10; /* unit exponent out of range */
    assert_int_equal(decode_bytes(copy, len), AJ_EINVAL);
    memcpy(copy, buf, len);
    copy[2] = 8; /* value scheme out of range */
    assert_int_equal(decode_bytes(copy, len), AJ_EINVAL);

    /* Hand-made chunks: header = version, unit exp, value scheme, count, t0 (8 bytes). */
    const uint8_t zero_count[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(decode_bytes(zero_count, sizeof zero_count), AJ_EINVAL);
    const uint8_t huge_count[] = {1, 0, 0, 0x81, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}; /* 16385 */
    assert_int_equal(decode_bytes(huge_count, sizeof huge_count), AJ_EINVAL);
    const uint8_t long_varint[] = {1, 0, 0, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0};
    assert_int_equal(decode_bytes(long_varint, sizeof long_varint), AJ_EINVAL);
    /* 1 point: run (1, attr, reasons) at [12..14], then 8 value bytes. */
    uint8_t one[] = {1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(decode_bytes(one, sizeof one), AJ_OK);
    one[13] = 0x03; /* quality 3 */
    assert_int_equal(decode_bytes(one, sizeof one), AJ_EINVAL);
    one[13] = 0x10; /* type 4 */
    assert_int_equal(decode_bytes(one, sizeof one), AJ_EINVAL);
    one[13] = 0;
    one[12] = 0; /* run of 0 */
    assert_int_equal(decode_bytes(one, sizeof one), AJ_EINVAL);
    one[12] = 2; /* run longer than the count */
    assert_int_equal(decode_bytes(one, sizeof one), AJ_EINVAL);
    uint8_t big_reasons[] = {1,    0,    0,    1,    0,    0, 0, 0, 0, 0, 0, 0, 1, 0,
                             0x80, 0x80, 0x80, 0x80, 0x10, 1, 2, 3, 4, 5, 6, 7, 8}; /* reasons = 2^32 */
    assert_int_equal(decode_bytes(big_reasons, sizeof big_reasons), AJ_EINVAL);
    big_reasons[18] = 0x0f; /* 0xf0000000 fits 32 bits */
    assert_int_equal(decode_bytes(big_reasons, sizeof big_reasons), AJ_OK);
    /* 2 points, t0 = INT64_MAX, delta 1 ns: overflow. Values: 64 bits, then '0'. */
    uint8_t overflow[] = {1, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 2,
                          0, 0, 2, 0, 0,    0,    0,    0,    0,    0,    0,    0x00};
    assert_int_equal(decode_bytes(overflow, sizeof overflow), AJ_EINVAL);
    overflow[15] = 0; /* delta 0: valid */
    assert_int_equal(decode_bytes(overflow, sizeof overflow), AJ_OK);
    overflow[24] = 0x01; /* non-zero padding bit */
    assert_int_equal(decode_bytes(overflow, sizeof overflow), AJ_EINVAL);
    overflow[24] = 0x80; /* '10' reuse with no window yet */
    assert_int_equal(decode_bytes(overflow, sizeof overflow), AJ_EINVAL);
    /* Unit 10^9 and a delta of 2^62 units: overflows the multiplication. */
    uint8_t mul[] = {1,    9,    0,    2,    0,    0,    0,    0,    0, 0, 0, 0, 2, 0, 0, 0x80, 0x80,
                     0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,    0x00};
    assert_int_equal(decode_bytes(mul, sizeof mul), AJ_EINVAL);
    /* Decimal scheme (k = 0), 1 point: x = 2^53 is the largest allowed, 2^53 + 1 is not. */
    uint8_t dec[] = {1, 0, 1, 1,    0,    0,    0,    0,    0,    0,    0,   0,
                     1, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20};
    assert_int_equal(decode_bytes(dec, sizeof dec), AJ_OK); /* zigzag 2^54 */
    dec[15] = 0x82;                                         /* zigzag 2^54 + 2 = 2^53 + 1 */
    assert_int_equal(decode_bytes(dec, sizeof dec), AJ_EINVAL);
    dec[15] = 0x81; /* zigzag 2^54 + 1 = -(2^53) - 1 */
    assert_int_equal(decode_bytes(dec, sizeof dec), AJ_EINVAL);
    dec[15] = 0x7f; /* a 1-byte varint, then 7 bytes left over */
    assert_int_equal(decode_bytes(dec, sizeof dec), AJ_EINVAL);

    /* Random flips: rejected, or (rarely) a different valid chunk that round-trips. */
    rng_state = 5;
    size_t n_rejected = 0, n_trials = 20000;
    static aj_point out[AJ_CHUNK_POINTS_MAX];
    for (size_t k = 0; k < n_trials; k++) {
        memcpy(copy, buf, len);
        int flips = 1 + (int)(rng_next() % 3);
        for (int f = 0; f < flips; f++) copy[rng_next() % len] ^= (uint8_t)(1u << (rng_next() % 8));
        size_t n;
        aj_err e = aj_chunk_decode(copy, len, out, AJ_CHUNK_POINTS_MAX, &n);
        if (e) {
            assert_int_equal(e, AJ_EINVAL);
            n_rejected++;
            continue;
        }
        roundtrip(out, n);
    }
    printf("  random bit flips: %zu of %zu rejected, the rest decode to valid chunks that round-trip\n",
           n_rejected, n_trials);
}

/* ---- size and speed on typical signals ---------------------------------------------- */

typedef struct sink {
    aj_point *pts;
    size_t n;
} sink;

static aj_err sink_emit(void *ctx, const aj_point *p) {
    sink *s = ctx;
    s->pts[s->n++] = *p;
    return AJ_OK;
}

/* Encodes pts in chunks of at most AJ_CHUNK_POINTS_MAX; returns total bytes. */
static size_t encoded_size(const aj_point *pts, size_t n) {
    static uint8_t buf[AJ_CHUNK_ENCODED_MAX(AJ_CHUNK_POINTS_MAX)];
    size_t total = 0;
    for (size_t off = 0; off < n; off += AJ_CHUNK_POINTS_MAX) {
        size_t m = n - off < AJ_CHUNK_POINTS_MAX ? n - off : AJ_CHUNK_POINTS_MAX, len;
        assert_int_equal(aj_chunk_encode(pts + off, m, buf, sizeof buf, &len), AJ_OK);
        total += len;
    }
    return total;
}

#define N_SIGNAL 200000

static void make_typical(int kind, aj_point *raw, size_t n) {
    rng_state = 300 + (uint64_t)kind;
    double v = 50, level = 50, slope = 0;
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t t = T0_NS + (int64_t)i * SEC_NS;
        switch (kind) {
        case 0:
            v += rng_gauss(0.05);
            break;
        case 1:
            v = 50 + 30 * sin(6.283185307179586 * (double)i / 3600.0) + rng_gauss(0.05);
            break;
        case 2:
            if (i == next) {
                level = 10 + 80 * rng_unit();
                next = i + 50 + rng_next() % 450;
            }
            v = level + rng_gauss(0.02);
            break;
        case 3:
            if (i == next) {
                slope = 0.1 * rng_unit() - 0.05;
                next = i + 100 + rng_next() % 900;
            }
            level += slope;
            v = level + rng_gauss(0.02);
            break;
        case 4:
            v = 42.0;
            break;
        case 5:
            v = round((50 + rng_gauss(3)) * 100) / 100;
            break; /* 2-decimal transmitter */
        default:   /* random walk, ms timestamps with jitter */
            v += rng_gauss(0.05);
            t = T0_NS + (int64_t)i * SEC_NS + (int64_t)(rng_next() % 1000) * 1000000;
            break;
        }
        raw[i] = pt(t, v);
    }
}

static void test_size_per_point(void **state) {
    (void)state;
    static const char *names[] = {"random walk",           "sine + noise", "steps",
                                  "ramps + noise",         "constant",     "noise, 0.01 steps",
                                  "random walk, ms jitter"};
    aj_point *raw = malloc(N_SIGNAL * sizeof *raw);
    aj_point *arch = malloc(N_SIGNAL * sizeof *arch);
    assert_non_null(raw);
    assert_non_null(arch);
    aj_compress_config cfg;
    assert_int_equal(aj_compress_defaults("pressure", 0, 100, &cfg), AJ_OK);
    printf("  %-24s %12s %12s %10s %12s\n", "signal (1 s, span 100)", "raw B/pt", "archived", "B/arch pt",
           "B/raw pt");
    for (int k = 0; k < 7; k++) {
        make_typical(k, raw, N_SIGNAL);
        size_t raw_bytes = encoded_size(raw, N_SIGNAL);
        aj_compress_state st;
        aj_compress_init(&st);
        sink s = {.pts = arch};
        for (size_t i = 0; i < N_SIGNAL; i++)
            assert_int_equal(aj_compress_feed(&st, &cfg, &raw[i], sink_emit, &s), 0);
        assert_int_equal(aj_compress_flush(&st, &cfg, sink_emit, &s), AJ_OK);
        size_t arch_bytes = encoded_size(arch, s.n);
        printf("  %-24s %12.2f %12zu %10.2f %12.4f\n", names[k], (double)raw_bytes / N_SIGNAL, s.n,
               (double)arch_bytes / (double)s.n, (double)arch_bytes / N_SIGNAL);
        roundtrip(arch, s.n < AJ_CHUNK_POINTS_MAX ? s.n : AJ_CHUNK_POINTS_MAX);
    }
    printf("  (uncompressed: 16 B/pt for time + value, 40 B/pt as aj_point)\n");
    free(arch);
    free(raw);
}

static void test_speed(void **state) {
    (void)state;
    size_t n = AJ_CHUNK_POINTS_MAX;
    aj_point *pts = malloc(n * sizeof *pts);
    aj_point *out = malloc(n * sizeof *out);
    static uint8_t buf[AJ_CHUNK_ENCODED_MAX(AJ_CHUNK_POINTS_MAX)];
    assert_non_null(pts);
    assert_non_null(out);
    rng_state = 9;
    double v = 50;
    for (size_t i = 0; i < n; i++) { /* archived-like: irregular times on whole seconds */
        v += rng_gauss(0.3);
        pts[i] = pt(T0_NS + (int64_t)(i * 30 + rng_next() % 30) * SEC_NS, v);
    }
    size_t len = 0, m = 0;
    int reps = 200;
    double t_start = now_s();
    for (int r = 0; r < reps; r++) assert_int_equal(aj_chunk_encode(pts, n, buf, sizeof buf, &len), AJ_OK);
    double enc = now_s() - t_start;
    t_start = now_s();
    for (int r = 0; r < reps; r++) assert_int_equal(aj_chunk_decode(buf, len, out, n, &m), AJ_OK);
    double dec = now_s() - t_start;
    assert_same_points(pts, out, n);
    printf("  %zu-point chunk, %.2f B/pt: encode %.1f M points/s, decode %.1f M points/s\n", n,
           (double)len / (double)n, (double)n * reps / enc / 1e6, (double)n * reps / dec / 1e6);
    free(out);
    free(pts);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_random),   cmocka_unit_test(test_edge_values),
        cmocka_unit_test(test_one_and_max_points), cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_corrupted),          cmocka_unit_test(test_decimal_scheme),
        cmocka_unit_test(test_size_per_point),     cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
