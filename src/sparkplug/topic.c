/* topic.c — parsing and formatting Sparkplug B topic names (topic.h).
 *
 * The topic is cut at '/' into at most 6 levels (one more than the longest valid topic, so
 * "too many levels" can be told apart); each level is checked in order, namespace first,
 * so the same topic always gives the same first error. Nothing is allocated: ids are
 * copied into the caller's aj_sp_topic.
 */
#include "sparkplug/topic.h"

#include "base/jsoncheck.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LEVELS_MAX 6

static const char *const TYPE_NAMES[AJ_SP_MSG_TYPE_COUNT] = {"NBIRTH", "NDEATH", "DBIRTH", "DDEATH", "NDATA",
                                                             "DDATA",  "NCMD",   "DCMD",   "STATE"};

const char *aj_sp_msg_type_name(aj_sp_msg_type type) {
    return (unsigned)type < AJ_SP_MSG_TYPE_COUNT ? TYPE_NAMES[type] : "?";
}

bool aj_sp_msg_type_is_device(aj_sp_msg_type type) {
    return type == AJ_SP_DBIRTH || type == AJ_SP_DDEATH || type == AJ_SP_DDATA || type == AJ_SP_DCMD;
}

bool aj_sp_utf8_ok(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i - 1 < n) return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

bool aj_sp_id_ok(const char *s, size_t len) {
    if (len < 1 || len > AJ_SP_ID_LEN_MAX) return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F || c == '/' || c == '+' || c == '#') return false;
    }
    return aj_sp_utf8_ok(s, len);
}

typedef struct level {
    const char *s;
    size_t len;
} level;

/* "level N (what)" for messages. */
static const char *const LEVEL_WHAT[] = {"namespace", "group id", "message type", "edge node id",
                                         "device id"};

static aj_err fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static aj_err fail(char *err, size_t errlen, const char *fmt, ...) {
    if (errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return AJ_EINVAL;
}

/* Level i (0-based) as a quoted, printable string. */
static const char *quoted(const level *l, char buf[AJ_JC_QUOTE_LEN]) {
    char tmp[AJ_JC_QUOTE_BYTES + 8];
    size_t n = l->len < sizeof tmp - 1 ? l->len : sizeof tmp - 1;
    memcpy(tmp, l->s, n);
    tmp[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (!tmp[i]) tmp[i] = '?'; /* a NUL would end the quote early */
    return aj_jc_quote(tmp, buf);
}

/* Checks level i as an id and copies it into out (AJ_SP_ID_LEN_MAX + 1 bytes). */
static aj_err id(const level *lv, int i, const char *what, char *out, char *err, size_t errlen) {
    const level *l = &lv[i];
    char q[AJ_JC_QUOTE_LEN];
    if (l->len == 0) return fail(err, errlen, "level %d (%s) is empty", i + 1, what);
    if (l->len > AJ_SP_ID_LEN_MAX)
        return fail(err, errlen, "level %d (%s) is %zu bytes, longer than %d", i + 1, what, l->len,
                    AJ_SP_ID_LEN_MAX);
    for (size_t k = 0; k < l->len; k++) {
        unsigned char c = (unsigned char)l->s[k];
        if (c == '+' || c == '#')
            return fail(err, errlen,
                        "level %d (%s) \"%s\" contains '%c' (an MQTT wildcard, not allowed in ids)", i + 1,
                        what, quoted(l, q), c);
        if (c < 0x20 || c == 0x7F)
            return fail(err, errlen, "level %d (%s) \"%s\" contains the control character 0x%02X", i + 1,
                        what, quoted(l, q), c);
    }
    if (!aj_sp_utf8_ok(l->s, l->len))
        return fail(err, errlen, "level %d (%s) is not valid UTF-8", i + 1, what);
    memcpy(out, l->s, l->len);
    out[l->len] = 0;
    return AJ_OK;
}

static int type_index(const level *l) {
    for (int t = 0; t < AJ_SP_MSG_TYPE_COUNT; t++)
        if (strlen(TYPE_NAMES[t]) == l->len && memcmp(TYPE_NAMES[t], l->s, l->len) == 0) return t;
    return -1;
}

static bool level_is(const level *l, const char *s) {
    return strlen(s) == l->len && memcmp(s, l->s, l->len) == 0;
}

static aj_err namespace_level(const level *l, char *err, size_t errlen) {
    char q[AJ_JC_QUOTE_LEN];
    if (level_is(l, AJ_SP_NAMESPACE)) return AJ_OK;
    if (level_is(l, "spAv1.0"))
        return fail(err, errlen, "Sparkplug A (spAv1.0) is not supported, only B (spBv1.0)");
    if (level_is(l, "STATE"))
        return fail(err, errlen, "a Sparkplug 2.2 STATE topic (3.0 uses spBv1.0/STATE/<host_id>)");
    return fail(err, errlen, "level 1 \"%s\" is not the Sparkplug B namespace \"" AJ_SP_NAMESPACE "\"",
                quoted(l, q));
}

aj_err aj_sp_topic_parse(const char *topic, size_t len, aj_sp_topic *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (errlen) err[0] = 0;
    if (len == 0) return fail(err, errlen, "empty topic");
    if (len > AJ_SP_TOPIC_LEN_MAX)
        return fail(err, errlen, "topic of %zu bytes, longer than any Sparkplug topic (%d)", len,
                    AJ_SP_TOPIC_LEN_MAX);
    level lv[LEVELS_MAX];
    int n = 0;
    const char *p = topic, *end = topic + len;
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *stop = slash ? slash : end;
        if (n == LEVELS_MAX) return fail(err, errlen, "more than 5 levels");
        lv[n++] = (level){p, (size_t)(stop - p)};
        if (!slash) break;
        p = slash + 1;
    }
    aj_err e = namespace_level(&lv[0], err, errlen);
    if (e) return e;
    if (n < 2) return fail(err, errlen, "no group id (level 2)");
    if (level_is(&lv[1], "STATE")) {
        out->type = AJ_SP_STATE;
        if (n != 3) return fail(err, errlen, "STATE needs 3 levels (spBv1.0/STATE/host_id), not %d", n);
        return id(lv, 2, "host id", out->node, err, errlen);
    }
    if ((e = id(lv, 1, LEVEL_WHAT[1], out->group, err, errlen))) return e;
    if (n < 3) return fail(err, errlen, "no message type (level 3)");
    int t = type_index(&lv[2]);
    char q[AJ_JC_QUOTE_LEN];
    if (t < 0 || t == AJ_SP_STATE)
        return fail(err, errlen,
                    "level 3 \"%s\" is not a message type (NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA, "
                    "NCMD or DCMD)",
                    quoted(&lv[2], q));
    out->type = (aj_sp_msg_type)t;
    int want = aj_sp_msg_type_is_device(out->type) ? 5 : 4;
    if (n != want)
        return fail(err, errlen, "%s needs %d levels (spBv1.0/group/%s/node%s), not %d", TYPE_NAMES[t], want,
                    TYPE_NAMES[t], want == 5 ? "/device" : "", n);
    if ((e = id(lv, 3, LEVEL_WHAT[3], out->node, err, errlen))) return e;
    if (want == 5) return id(lv, 4, LEVEL_WHAT[4], out->device, err, errlen);
    return AJ_OK;
}

bool aj_sp_topic_format(char *out, size_t outlen, const char *group, aj_sp_msg_type type, const char *node,
                        const char *device) {
    int n;
    if (device && device[0])
        n = snprintf(out, outlen, AJ_SP_NAMESPACE "/%s/%s/%s/%s", group, aj_sp_msg_type_name(type), node,
                     device);
    else
        n = snprintf(out, outlen, AJ_SP_NAMESPACE "/%s/%s/%s", group, aj_sp_msg_type_name(type), node);
    return n > 0 && (size_t)n < outlen;
}
