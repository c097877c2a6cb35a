/* points_json.c — checks and delivers the points of a POST /api/v1/points batch.
 *
 * The batch is walked once, point by point. A point is checked in a fixed order —
 * unknown keys (in document order), key, time (t / t_ns), value, quality — and the first
 * problem becomes its one error, so every bad point yields exactly one error and every
 * good point exactly one on_point call, in batch order. No recursion: the document's
 * depth that matters here is fixed (object, array, object, scalar).
 *
 * RFC 3339 times are parsed here to the nanosecond (base/timeutil.c stops at the ms).
 */
#include "ingest/points_json.h"

#include "base/timeutil.h"
#include "ingest/lineproto.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define UNKNOWN_KEY_IN_PATH_MAX 48
#define STR_(x)                 #x
#define STR(x)                  STR_(x)

/* ---- RFC 3339 ------------------------------------------------------------------------- */

static bool two_digits(const char *s, int *out) {
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

bool aj_pj_time_parse(const char *s, size_t len, int64_t *out_ns) {
    int c1, c2, mo, d, h, mi, sec;
    /* "YYYY-MM-DDTHH:MM:SS" is 19 bytes, then fraction, then zone. */
    if (len < 20 || !two_digits(s, &c1) || !two_digits(s + 2, &c2) || s[4] != '-' ||
        !two_digits(s + 5, &mo) || s[7] != '-' || !two_digits(s + 8, &d) || (s[10] != 'T' && s[10] != 't') ||
        !two_digits(s + 11, &h) || s[13] != ':' || !two_digits(s + 14, &mi) || s[16] != ':' ||
        !two_digits(s + 17, &sec))
        return false;
    int y = c1 * 100 + c2;
    static const int DAYS_IN_MONTH[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool is_leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1] + (mo == 2 && is_leap)) return false;
    if (h > 23 || mi > 59 || sec > 60) return false;
    size_t i = 19;
    int64_t frac_ns = 0;
    if (s[i] == '.') {
        int64_t scale = 100000000;
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (i - start >= 9) return false;
            frac_ns += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start) return false;
    }
    int off_min = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (len - i < 6 || !two_digits(s + i + 1, &oh) || s[i + 3] != ':' || !two_digits(s + i + 4, &om) ||
            oh > 23 || om > 59)
            return false;
        off_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return false;
    }
    if (i != len) return false;
    int64_t days = aj_days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - (int64_t)off_min * 60;
    if (secs < 0 && frac_ns > 0) { /* keep secs * 1e9 in range for the earliest times */
        secs += 1;
        frac_ns -= 1000000000;
    }
    int64_t ns;
    if (__builtin_mul_overflow(secs, (int64_t)1000000000, &ns) || __builtin_add_overflow(ns, frac_ns, &ns))
        return false;
    if (ns < AJ_LP_TIME_NS_MIN || ns > AJ_LP_TIME_NS_MAX) return false;
    *out_ns = ns;
    return true;
}

/* ---- checks --------------------------------------------------------------------------- */

typedef struct walk {
    const aj_pj_callbacks *cb;
    aj_pj_stats *stats;
    aj_pj_error err;
} walk;

/* Sets the error's path to $.points[index]<suffix> and its reason; returns false. */
static bool point_fail(walk *W, int index, const char *suffix, const char *reason) {
    W->err.index = index;
    snprintf(W->err.path, sizeof W->err.path, "$.points[%d]%s", index, suffix);
    snprintf(W->err.reason, sizeof W->err.reason, "%s", reason);
    return false;
}

static bool is_ident_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Writes the path suffix of an object key: ".key" for identifiers, else ["key"] with '"'
 * and '\' escaped and control bytes as '?'; cut to UNKNOWN_KEY_IN_PATH_MAX bytes at a
 * UTF-8 character boundary. */
static void key_suffix(const char *key, char *out, size_t outlen) {
    size_t n = strlen(key), cut = n;
    if (cut > UNKNOWN_KEY_IN_PATH_MAX) {
        cut = UNKNOWN_KEY_IN_PATH_MAX;
        while (cut > 0 && ((unsigned char)key[cut] & 0xC0) == 0x80) cut--;
    }
    bool is_ident = n > 0;
    for (size_t k = 0; k < n; k++) is_ident = is_ident && is_ident_byte((unsigned char)key[k]);
    size_t o = 0;
    if (is_ident) {
        snprintf(out, outlen, ".%.*s%s", (int)cut, key, cut < n ? "..." : "");
        return;
    }
    out[o++] = '[';
    out[o++] = '"';
    for (size_t k = 0; k < cut && o + 8 < outlen; k++) {
        unsigned char c = (unsigned char)key[k];
        if (c == '"' || c == '\\') out[o++] = '\\';
        out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (cut < n && o + 8 < outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o++] = ']';
    out[o] = 0;
}

static bool has_control(const char *s, size_t n) {
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f) return true;
    return false;
}

static bool check_unknown_keys(walk *W, int index, json_t *obj) {
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (strcmp(k, "key") && strcmp(k, "t") && strcmp(k, "t_ns") && strcmp(k, "value") &&
            strcmp(k, "quality")) {
            char suffix[UNKNOWN_KEY_IN_PATH_MAX * 2 + 16];
            key_suffix(k, suffix, sizeof suffix);
            return point_fail(W, index, suffix, "unknown field (expected key, t or t_ns, value, quality)");
        }
    }
    return true;
}

static bool check_key(walk *W, int index, json_t *obj, aj_pj_point *p) {
    json_t *key = json_object_get(obj, "key");
    if (!key) return point_fail(W, index, ".key", "required");
    if (!json_is_string(key)) return point_fail(W, index, ".key", "must be a string");
    p->key = json_string_value(key);
    p->key_len = json_string_length(key);
    if (p->key_len == 0) return point_fail(W, index, ".key", "must not be empty");
    if (p->key_len > AJ_PJ_KEY_MAX)
        return point_fail(W, index, ".key", "longer than " STR(AJ_PJ_KEY_MAX) " bytes");
    if (has_control(p->key, p->key_len))
        return point_fail(W, index, ".key", "must not contain control characters");
    return true;
}

static bool check_time(walk *W, int index, json_t *obj, aj_pj_point *p) {
    json_t *t = json_object_get(obj, "t"), *t_ns = json_object_get(obj, "t_ns");
    if (t && t_ns) return point_fail(W, index, ".t_ns", "give either t or t_ns, not both");
    if (!t && !t_ns) return point_fail(W, index, ".t", "required (or t_ns)");
    if (t) {
        if (!json_is_string(t)) return point_fail(W, index, ".t", "must be an RFC 3339 date-time string");
        if (!aj_pj_time_parse(json_string_value(t), json_string_length(t), &p->t_ns))
            return point_fail(W, index, ".t",
                              "not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction up to 9 digits]Z or "
                              "+hh:mm) within 1677..2262");
        return true;
    }
    if (!json_is_integer(t_ns))
        return point_fail(W, index, ".t_ns", "must be an integer (ns since the epoch)");
    json_int_t v = json_integer_value(t_ns);
    if (v < AJ_LP_TIME_NS_MIN || v > AJ_LP_TIME_NS_MAX) return point_fail(W, index, ".t_ns", "out of range");
    p->t_ns = (int64_t)v;
    return true;
}

static bool check_value(walk *W, int index, json_t *obj, aj_pj_point *p) {
    json_t *v = json_object_get(obj, "value");
    if (!v) return point_fail(W, index, ".value", "required");
    if (json_is_integer(v)) {
        p->type = AJ_VALUE_INT;
        p->i = (int64_t)json_integer_value(v);
        p->f = (double)p->i;
    } else if (json_is_real(v)) {
        p->type = AJ_VALUE_FLOAT;
        p->f = json_real_value(v);
        if (!isfinite(p->f)) return point_fail(W, index, ".value", "must be finite");
    } else if (json_is_boolean(v)) {
        p->type = AJ_VALUE_BOOL;
        p->b = json_is_true(v);
        p->f = p->b ? 1.0 : 0.0;
    } else if (json_is_string(v)) {
        p->type = AJ_VALUE_STRING;
        p->s = json_string_value(v);
        p->s_len = json_string_length(v);
        if (p->s_len > AJ_PJ_STRING_MAX)
            return point_fail(W, index, ".value", "string longer than " STR(AJ_PJ_STRING_MAX) " bytes");
        if (strlen(p->s) != p->s_len) return point_fail(W, index, ".value", "string must not contain NUL");
    } else {
        return point_fail(W, index, ".value", "must be a number, boolean or string");
    }
    return true;
}

static bool check_quality(walk *W, int index, json_t *obj, aj_pj_point *p) {
    json_t *q = json_object_get(obj, "quality");
    p->quality = AJ_QUALITY_GOOD;
    if (!q) return true;
    const char *s = json_is_string(q) ? json_string_value(q) : "";
    if (strcmp(s, "good") == 0)
        p->quality = AJ_QUALITY_GOOD;
    else if (strcmp(s, "uncertain") == 0)
        p->quality = AJ_QUALITY_UNCERTAIN;
    else if (strcmp(s, "bad") == 0)
        p->quality = AJ_QUALITY_BAD;
    else
        return point_fail(W, index, ".quality", "must be \"good\", \"uncertain\" or \"bad\"");
    return true;
}

static bool check_point(walk *W, int index, json_t *obj, aj_pj_point *p) {
    memset(p, 0, sizeof *p);
    p->index = index;
    if (!json_is_object(obj)) return point_fail(W, index, "", "must be an object");
    return check_unknown_keys(W, index, obj) && check_key(W, index, obj, p) && check_time(W, index, obj, p) &&
           check_value(W, index, obj, p) && check_quality(W, index, obj, p);
}

/* Reports an error of the whole batch. */
static aj_err batch_fail(walk *W, const char *path, const char *reason) {
    W->err.index = -1;
    snprintf(W->err.path, sizeof W->err.path, "%s", path);
    snprintf(W->err.reason, sizeof W->err.reason, "%s", reason);
    W->stats->n_errors++;
    if (W->cb && W->cb->on_error) return W->cb->on_error(W->cb->ctx, &W->err);
    return AJ_OK;
}

/* Checks the top level; *points is set when the batch may be walked. */
static aj_err check_batch(walk *W, json_t *doc, json_t **points) {
    *points = NULL;
    if (!json_is_object(doc)) return batch_fail(W, "$", "must be an object {\"points\": [...]}");
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v) {
        if (strcmp(k, "points") != 0) {
            char path[UNKNOWN_KEY_IN_PATH_MAX * 2 + 16] = "$";
            key_suffix(k, path + 1, sizeof path - 1);
            return batch_fail(W, path, "unknown field (expected points)");
        }
    }
    json_t *arr = json_object_get(doc, "points");
    if (!arr) return batch_fail(W, "$.points", "required");
    if (!json_is_array(arr)) return batch_fail(W, "$.points", "must be an array");
    *points = arr;
    return AJ_OK;
}

aj_err aj_pj_parse(const json_t *cdoc, const aj_pj_callbacks *cb, aj_pj_stats *stats) {
    aj_pj_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    walk W = {.cb = cb, .stats = stats};
    json_t *doc = (json_t *)cdoc; /* jansson's iteration API is not const; nothing is modified */
    json_t *points;
    aj_err rc = check_batch(&W, doc, &points);
    if (rc != AJ_OK) return rc;
    if (!points) return AJ_EINVAL;
    if (json_array_size(points) > AJ_PJ_POINTS_MAX) {
        rc = batch_fail(&W, "$.points", "more than " STR(AJ_PJ_POINTS_MAX) " points; split the batch");
        return rc != AJ_OK ? rc : AJ_ETOOBIG;
    }
    size_t n = json_array_size(points);
    for (size_t k = 0; k < n && rc == AJ_OK; k++) {
        aj_pj_point p;
        stats->n_points++;
        if (check_point(&W, (int)k, json_array_get(points, k), &p)) {
            stats->n_ok++;
            if (cb && cb->on_point) rc = cb->on_point(cb->ctx, &p);
        } else {
            stats->n_errors++;
            if (cb && cb->on_error) rc = cb->on_error(cb->ctx, &W.err);
        }
    }
    if (rc != AJ_OK) return rc;
    return stats->n_errors ? AJ_EINVAL : AJ_OK;
}
