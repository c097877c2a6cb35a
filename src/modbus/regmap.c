/* regmap.c — the Modbus register map: its strict loader, the decoding of raw registers
 * and bits into values, and the quality a failed read gives (regmap.h, docs/modbus.md).
 *
 * The map is built in one arena that it owns; on any error the arena is freed and the
 * caller gets NULL. The file is read in a fixed order (format, version, devices, groups,
 * points; in a point: tag, device, group, table, type, address, order, bit, scale,
 * offset, unit), then the points are checked against each other (duplicate tags first,
 * then overlaps), so the same file always gives the same first error, as
 * "JSONPATH: message" (base/jsoncheck.h). Only the first error is kept.
 *
 * Overlap rule (docs/modbus.md "Overlapping points"): two points of one device and table
 * may share an address only when both start at the same address and read it the same
 * way: the same type and order, or both one register wide (bool bits, int16, uint16:
 * several views of one status word). Anything else means one of them is wrong, so the
 * map is refused. That relation is an equivalence, so checking each point against the
 * earlier point reaching furthest (in address order) finds every conflict.
 *
 * Decoding puts the registers together as one big-endian number (aj_mb_assemble) and
 * reinterprets it; nothing depends on the host's byte order.
 */
#include "modbus/regmap.h"

#include "base/arena.h"
#include "base/fileread.h"
#include "base/jsoncheck.h"
#include "base/jsonutil.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_FORMAT      "anjian-modbus-map"
#define MAP_VERSION     1
#define PORT_DEFAULT    502
#define UNIT_ID_DEFAULT 255
#define ADDRESS_MAX     65535

/* ---- names ---------------------------------------------------------------------------- */

static const char *const TABLE_NAMES[AJ_MB_TABLE_COUNT] = {"coil", "discrete_input", "holding", "input"};
static const char *const TYPE_NAMES[AJ_MB_TYPE_COUNT] = {"bool",    "int16", "uint16", "int32",  "uint32",
                                                         "float32", "int64", "uint64", "float64"};
static const int TYPE_WORDS[AJ_MB_TYPE_COUNT] = {1, 1, 1, 2, 2, 2, 4, 4, 4};
static const char *const ORDER_NAMES_32[AJ_MB_ORDER_COUNT] = {"ABCD", "CDAB", "BADC", "DCBA"};
static const char *const ORDER_NAMES_64[AJ_MB_ORDER_COUNT] = {"ABCDEFGH", "GHEFCDAB", "BADCFEHG", "HGFEDCBA"};

const char *aj_mb_table_name(aj_mb_table table) {
    return (unsigned)table < AJ_MB_TABLE_COUNT ? TABLE_NAMES[table] : "?";
}

const char *aj_mb_type_name(aj_mb_type type) {
    return (unsigned)type < AJ_MB_TYPE_COUNT ? TYPE_NAMES[type] : "?";
}

const char *aj_mb_order_name(aj_mb_order order, int n_words) {
    if ((unsigned)order >= AJ_MB_ORDER_COUNT) return "?";
    return n_words == 1   ? ""
           : n_words == 2 ? ORDER_NAMES_32[order]
           : n_words == 4 ? ORDER_NAMES_64[order]
                          : "?";
}

int aj_mb_type_words(aj_mb_type type) {
    assert((unsigned)type < AJ_MB_TYPE_COUNT);
    return TYPE_WORDS[type];
}

bool aj_mb_table_is_bits(aj_mb_table table) {
    return table == AJ_MB_COIL || table == AJ_MB_DISCRETE_INPUT;
}

int aj_mb_point_width(const aj_mb_point *p) {
    return aj_mb_table_is_bits(p->table) ? 1 : aj_mb_type_words(p->type);
}

/* ---- codes ---------------------------------------------------------------------------- */

/* 1 to AJ_CODE_LEN_MAX of A-Z a-z 0-9 _ . : - (and / in tag keys), as in plant files. */
static bool is_code(const char *s, size_t len, bool is_tag) {
    if (len < 1 || len > AJ_CODE_LEN_MAX || strlen(s) != len) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == ':' || c == '-' || (is_tag && c == '/');
        if (!ok) return false;
    }
    return true;
}

/* A code (j known to be a string) copied into the arena. */
static aj_err code(aj_jc *r, const json_t *j, const char *path, bool is_tag, const char **out) {
    char q[AJ_JC_QUOTE_LEN];
    const char *s = json_string_value(j);
    if (!is_code(s, json_string_length(j), is_tag))
        return aj_jc_fail(r, AJ_EINVAL, path, "\"%s\" is not a %s (1 to %d of A-Z a-z 0-9 _ . : -%s)",
                          aj_jc_quote(s, q), is_tag ? "tag key" : "code", AJ_CODE_LEN_MAX,
                          is_tag ? " /" : "");
    *out = aj_arena_strdup(r->arena, s);
    return aj_jc_nomem(r, *out, path);
}

/* Host: 1 to AJ_MB_HOST_LEN_MAX of A-Z a-z 0-9 . - : _ (a name, IPv4 or IPv6 literal). */
static aj_err host(aj_jc *r, const json_t *j, const char *path, const char **out) {
    char q[AJ_JC_QUOTE_LEN];
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);
    bool ok = len >= 1 && len <= AJ_MB_HOST_LEN_MAX && strlen(s) == len;
    for (size_t i = 0; ok && i < len; i++) {
        char c = s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
             c == '-' || c == ':' || c == '_';
    }
    if (!ok)
        return aj_jc_fail(r, AJ_EINVAL, path,
                          "\"%s\" is not a host name or address (1 to %d of A-Z a-z 0-9 . - : _)",
                          aj_jc_quote(s, q), AJ_MB_HOST_LEN_MAX);
    *out = aj_arena_strdup(r->arena, s);
    return aj_jc_nomem(r, *out, path);
}

/* An integer key of obj (known to be an integer when present) from min to max; dflt when
 * absent. */
static aj_err integer(aj_jc *r, const json_t *obj, const char *key, const char *path, long long min,
                      long long max, int dflt, int *out) {
    const json_t *j = json_object_get(obj, key);
    if (!j) {
        *out = dflt;
        return AJ_OK;
    }
    json_int_t v = json_integer_value(j);
    if (v < min || v > max) {
        char sub[AJ_JC_PATH_LEN];
        aj_jc_path(sub, path, ".%s", key);
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be from %lld to %lld, not %lld", min, max, (long long)v);
    }
    *out = (int)v;
    return AJ_OK;
}

/* The index of the name s among names[n], or -1. */
static int name_index(const json_t *j, const char *const *names, int n) {
    const char *s = json_string_value(j);
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0 && strlen(names[i]) == json_string_length(j)) return i;
    return -1;
}

/* ---- devices and groups --------------------------------------------------------------- */

static aj_err device(aj_jc *r, const json_t *j, const char *at, aj_mb_device *devices, int i) {
    static const aj_jc_key keys[] = {
        {"code", AJ_JC_STRING, true},
        {"host", AJ_JC_STRING, true},
        {"port", AJ_JC_INTEGER, false},
        {"unit_id", AJ_JC_INTEGER, false},
        {"timeout_ms", AJ_JC_INTEGER, false},
        {"retries", AJ_JC_INTEGER, false},
        {"backoff_ms", AJ_JC_INTEGER, false},
        {"max_gap", AJ_JC_INTEGER, false},
        {"max_registers", AJ_JC_INTEGER, false},
        {"max_bits", AJ_JC_INTEGER, false},
    };
    char sub[AJ_JC_PATH_LEN];
    aj_mb_device *d = &devices[i];
    aj_err e = aj_jc_object(r, j, at, keys, (int)(sizeof keys / sizeof keys[0]));
    if (e) return e;
    aj_jc_path(sub, at, ".code");
    if ((e = code(r, json_object_get(j, "code"), sub, false, &d->code))) return e;
    for (int k = 0; k < i; k++)
        if (strcmp(devices[k].code, d->code) == 0)
            return aj_jc_fail(r, AJ_EINVAL, sub, "duplicate device code \"%s\" (also $.devices[%d])", d->code,
                              k);
    aj_jc_path(sub, at, ".host");
    if ((e = host(r, json_object_get(j, "host"), sub, &d->host))) return e;
    if ((e = integer(r, j, "port", at, 1, 65535, PORT_DEFAULT, &d->port))) return e;
    if ((e = integer(r, j, "unit_id", at, 0, 255, UNIT_ID_DEFAULT, &d->unit_id))) return e;
    if ((e = integer(r, j, "timeout_ms", at, AJ_MB_TIMEOUT_MS_MIN, AJ_MB_TIMEOUT_MS_MAX,
                     AJ_MB_TIMEOUT_MS_DEFAULT, &d->timeout_ms)))
        return e;
    if ((e = integer(r, j, "retries", at, 0, AJ_MB_RETRIES_MAX, AJ_MB_RETRIES_DEFAULT, &d->retries)))
        return e;
    if ((e = integer(r, j, "backoff_ms", at, 0, AJ_MB_BACKOFF_MS_MAX, AJ_MB_BACKOFF_MS_DEFAULT,
                     &d->backoff_ms)))
        return e;
    if ((e = integer(r, j, "max_gap", at, 0, AJ_MB_READ_BITS_MAX, AJ_MB_MAX_GAP_DEFAULT, &d->max_gap)))
        return e;
    if ((e = integer(r, j, "max_registers", at, AJ_MB_READ_REGISTERS_MIN, AJ_MB_READ_REGISTERS_MAX,
                     AJ_MB_READ_REGISTERS_MAX, &d->max_registers)))
        return e;
    return integer(r, j, "max_bits", at, 1, AJ_MB_READ_BITS_MAX, AJ_MB_READ_BITS_MAX, &d->max_bits);
}

static int device_find(const aj_mb_device *devices, int n, const char *code) {
    for (int i = 0; i < n; i++)
        if (strcmp(devices[i].code, code) == 0) return i;
    return -1;
}

static int group_find(const aj_mb_group *groups, int n, const char *code) {
    for (int i = 0; i < n; i++)
        if (strcmp(groups[i].code, code) == 0) return i;
    return -1;
}

/* A reference (j known to be a string) to one of the n devices; *out its index. */
static aj_err device_ref(aj_jc *r, const json_t *j, const char *path, const aj_mb_device *devices, int n,
                         int *out) {
    char q[AJ_JC_QUOTE_LEN];
    const char *s = json_string_value(j);
    *out = strlen(s) == json_string_length(j) ? device_find(devices, n, s) : -1;
    if (*out < 0) return aj_jc_fail(r, AJ_EINVAL, path, "unknown device \"%s\"", aj_jc_quote(s, q));
    return AJ_OK;
}

static aj_err group(aj_jc *r, const json_t *j, const char *at, const aj_mb_device *devices, int n_devices,
                    aj_mb_group *groups, int i) {
    static const aj_jc_key keys[] = {
        {"code", AJ_JC_STRING, true}, {"device", AJ_JC_STRING, true}, {"interval_ms", AJ_JC_INTEGER, true}};
    char sub[AJ_JC_PATH_LEN];
    aj_mb_group *g = &groups[i];
    aj_err e = aj_jc_object(r, j, at, keys, 3);
    if (e) return e;
    aj_jc_path(sub, at, ".code");
    if ((e = code(r, json_object_get(j, "code"), sub, false, &g->code))) return e;
    if (group_find(groups, i, g->code) >= 0)
        return aj_jc_fail(r, AJ_EINVAL, sub, "duplicate group code \"%s\" (also $.groups[%d])", g->code,
                          group_find(groups, i, g->code));
    aj_jc_path(sub, at, ".device");
    if ((e = device_ref(r, json_object_get(j, "device"), sub, devices, n_devices, &g->device))) return e;
    return integer(r, j, "interval_ms", at, AJ_MB_INTERVAL_MS_MIN, AJ_MB_INTERVAL_MS_MAX, 0, &g->interval_ms);
}

/* ---- points --------------------------------------------------------------------------- */

/* An address given as a string: explain the 0-based convention, and when it looks like a
 * 1-based Modicon reference ("40001", "300010") say which table and address it means. */
static aj_err address_string(aj_jc *r, const json_t *j, const char *path) {
    static const char *const PREFIX_TABLE[10] = {"coil", "discrete_input", NULL, "input", "holding"};
    char q[AJ_JC_QUOTE_LEN];
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);
    bool is_ref = (len == 5 || len == 6) && strlen(s) == len && strspn(s, "0123456789") == len;
    long n = is_ref ? strtol(s + 1, NULL, 10) : 0;
    const char *table = is_ref ? PREFIX_TABLE[s[0] - '0'] : NULL;
    if (table && n >= 1 && n <= ADDRESS_MAX + 1)
        return aj_jc_fail(r, AJ_EINVAL, path,
                          "\"%s\" looks like a 1-based reference (%cxxxx); write the 0-based address as "
                          "an integer: \"table\": \"%s\", \"address\": %ld",
                          s, s[0], table, n - 1);
    return aj_jc_fail(r, AJ_EINVAL, path,
                      "must be an integer (the 0-based address as on the wire, 0-%d), not the string \"%s\"",
                      ADDRESS_MAX, aj_jc_quote(s, q));
}

/* device and group (the group must poll that device) */
static aj_err point_refs(aj_jc *r, const json_t *j, const char *at, const aj_mb_map *m, aj_mb_point *p) {
    char sub[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
    aj_jc_path(sub, at, ".device");
    aj_err e = device_ref(r, json_object_get(j, "device"), sub, m->devices, m->n_devices, &p->device);
    if (e) return e;
    const json_t *jg = json_object_get(j, "group");
    const char *s = json_string_value(jg);
    aj_jc_path(sub, at, ".group");
    p->group = strlen(s) == json_string_length(jg) ? group_find(m->groups, m->n_groups, s) : -1;
    if (p->group < 0) return aj_jc_fail(r, AJ_EINVAL, sub, "unknown group \"%s\"", aj_jc_quote(s, q));
    const aj_mb_group *g = &m->groups[p->group];
    if (g->device != p->device)
        return aj_jc_fail(r, AJ_EINVAL, sub, "group \"%s\" polls device \"%s\", not \"%s\"", g->code,
                          m->devices[g->device].code, m->devices[p->device].code);
    return AJ_OK;
}

/* table, type and address */
static aj_err point_where(aj_jc *r, const json_t *j, const char *at, aj_mb_point *p) {
    char sub[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
    const json_t *jt = json_object_get(j, "table"), *jy = json_object_get(j, "type");
    aj_jc_path(sub, at, ".table");
    int t = name_index(jt, TABLE_NAMES, AJ_MB_TABLE_COUNT);
    if (t < 0)
        return aj_jc_fail(r, AJ_EINVAL, sub, "unknown table \"%s\" (coil, discrete_input, holding or input)",
                          aj_jc_quote(json_string_value(jt), q));
    p->table = (aj_mb_table)t;
    aj_jc_path(sub, at, ".type");
    int y = jy ? name_index(jy, TYPE_NAMES, AJ_MB_TYPE_COUNT) : AJ_MB_BOOL;
    if (y < 0)
        return aj_jc_fail(
            r, AJ_EINVAL, sub,
            "unknown type \"%s\" (bool, int16, uint16, int32, uint32, float32, int64, uint64 or "
            "float64)",
            aj_jc_quote(json_string_value(jy), q));
    if (!jy && !aj_mb_table_is_bits(p->table))
        return aj_jc_fail(r, AJ_EINVAL, at, "missing key \"type\" (required for a %s register)",
                          TABLE_NAMES[p->table]);
    p->type = (aj_mb_type)y;
    if (aj_mb_table_is_bits(p->table) && p->type != AJ_MB_BOOL)
        return aj_jc_fail(r, AJ_EINVAL, sub, "a %s holds one bit, so the type must be bool, not %s",
                          p->table == AJ_MB_COIL ? "coil" : "discrete input", TYPE_NAMES[p->type]);
    aj_jc_path(sub, at, ".address");
    json_int_t a = json_integer_value(json_object_get(j, "address"));
    if (a < 0 || a > ADDRESS_MAX)
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be from 0 to %d (0-based, as on the wire), not %lld",
                          ADDRESS_MAX, (long long)a);
    p->address = (int)a;
    int width = aj_mb_point_width(p);
    if (p->address + width - 1 > ADDRESS_MAX)
        return aj_jc_fail(r, AJ_EINVAL, sub, "a %s at %d needs registers %d-%d, past %d", TYPE_NAMES[p->type],
                          p->address, p->address, p->address + width - 1, ADDRESS_MAX);
    return AJ_OK;
}

/* order (32/64-bit types) and bit (bools in registers) */
static aj_err point_layout(aj_jc *r, const json_t *j, const char *at, aj_mb_point *p) {
    char sub[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
    const json_t *jo = json_object_get(j, "order"), *jb = json_object_get(j, "bit");
    int words = aj_mb_type_words(p->type);
    const char *const *names = words == 4 ? ORDER_NAMES_64 : ORDER_NAMES_32;
    aj_jc_path(sub, at, ".order");
    if (jo && words == 1)
        return aj_jc_fail(r, AJ_EINVAL, sub, "only 32- and 64-bit types have an order, not %s",
                          TYPE_NAMES[p->type]);
    int o = jo ? name_index(jo, names, AJ_MB_ORDER_COUNT) : AJ_MB_ORDER_ABCD;
    if (o < 0) {
        const char *s = json_string_value(jo);
        int other = name_index(jo, words == 4 ? ORDER_NAMES_32 : ORDER_NAMES_64, AJ_MB_ORDER_COUNT);
        if (other >= 0)
            return aj_jc_fail(r, AJ_EINVAL, sub, "\"%s\" is an order of %d-bit values; a %s is written %s", s,
                              words == 4 ? 32 : 64, TYPE_NAMES[p->type], names[other]);
        return aj_jc_fail(r, AJ_EINVAL, sub, "unknown order \"%s\" for a %s (%s, %s, %s or %s)",
                          aj_jc_quote(s, q), TYPE_NAMES[p->type], names[0], names[1], names[2], names[3]);
    }
    p->order = (aj_mb_order)o;
    bool wants_bit = p->type == AJ_MB_BOOL && !aj_mb_table_is_bits(p->table);
    aj_jc_path(sub, at, ".bit");
    if (jb && !wants_bit)
        return aj_jc_fail(r, AJ_EINVAL, sub, "only a bool in a holding or input register has a bit");
    if (!jb && wants_bit)
        return aj_jc_fail(r, AJ_EINVAL, at,
                          "missing key \"bit\" (which bit 0-15 of the register is the bool)");
    p->bit = -1;
    return wants_bit ? integer(r, j, "bit", at, 0, 15, -1, &p->bit) : AJ_OK;
}

/* scale, offset and unit */
static aj_err point_value(aj_jc *r, const json_t *j, const char *at, aj_mb_point *p) {
    char sub[AJ_JC_PATH_LEN], n[AJ_JC_NUM_LEN];
    const json_t *js = json_object_get(j, "scale"), *jo = json_object_get(j, "offset");
    const json_t *ju = json_object_get(j, "unit");
    p->scale = 1;
    p->offset = 0;
    if (p->type == AJ_MB_BOOL && (js || jo)) {
        aj_jc_path(sub, at, js ? ".scale" : ".offset");
        return aj_jc_fail(r, AJ_EINVAL, sub, "a bool has no %s", js ? "scale" : "offset");
    }
    if (js) p->scale = json_number_value(js);
    if (jo) p->offset = json_number_value(jo);
    aj_jc_path(sub, at, ".scale");
    if (!isfinite(p->scale) || p->scale == 0)
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be a finite number other than 0, not %s",
                          aj_jc_num(p->scale, n));
    aj_jc_path(sub, at, ".offset");
    if (!isfinite(p->offset))
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be a finite number, not %s", aj_jc_num(p->offset, n));
    p->unit = NULL;
    aj_jc_path(sub, at, ".unit");
    return ju ? aj_jc_string(r, ju, sub, AJ_MB_UNIT_LEN_MAX, &p->unit) : AJ_OK;
}

static aj_err point(aj_jc *r, const json_t *j, const char *at, const aj_mb_map *m, aj_mb_point *p) {
    static const aj_jc_key keys[] = {
        {"tag", AJ_JC_STRING, true},     {"device", AJ_JC_STRING, true},   {"group", AJ_JC_STRING, true},
        {"table", AJ_JC_STRING, true},   {"address", AJ_JC_INTEGER, true}, {"type", AJ_JC_STRING, false},
        {"order", AJ_JC_STRING, false},  {"bit", AJ_JC_INTEGER, false},    {"scale", AJ_JC_NUMBER, false},
        {"offset", AJ_JC_NUMBER, false}, {"unit", AJ_JC_STRING, false},
    };
    char sub[AJ_JC_PATH_LEN];
    const json_t *ja = json_object_get(j, "address");
    if (json_is_string(ja)) {
        aj_jc_path(sub, at, ".address");
        return address_string(r, ja, sub);
    }
    aj_err e = aj_jc_object(r, j, at, keys, (int)(sizeof keys / sizeof keys[0]));
    if (e) return e;
    aj_jc_path(sub, at, ".tag");
    if ((e = code(r, json_object_get(j, "tag"), sub, true, &p->tag))) return e;
    if ((e = point_refs(r, j, at, m, p))) return e;
    if ((e = point_where(r, j, at, p))) return e;
    if ((e = point_layout(r, j, at, p))) return e;
    return point_value(r, j, at, p);
}

/* ---- points against each other -------------------------------------------------------- */

typedef struct sort_key {
    int a, b, c; /* compared in turn */
    int index;   /* the point; breaks ties, so the order is total */
} sort_key;

static int key_cmp(const void *x, const void *y) {
    const sort_key *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    if (p->c != q->c) return p->c < q->c ? -1 : 1;
    return p->index < q->index ? -1 : p->index > q->index;
}

typedef struct tag_key {
    const char *tag;
    int index;
} tag_key;

static int tag_cmp(const void *x, const void *y) {
    const tag_key *p = x, *q = y;
    int c = strcmp(p->tag, q->tag);
    return c ? c : (p->index > q->index) - (p->index < q->index);
}

/* Duplicate tags: reports the first point (in file order) whose tag an earlier one has. */
static aj_err unique_tags(aj_jc *r, const aj_mb_point *points, int n) {
    if (n < 2) return AJ_OK;
    tag_key *keys = malloc((size_t)n * sizeof *keys);
    if (!keys) return aj_jc_fail(r, AJ_ENOMEM, "$.points", "out of memory");
    for (int i = 0; i < n; i++) keys[i] = (tag_key){points[i].tag, i};
    qsort(keys, (size_t)n, sizeof *keys, tag_cmp);
    /* within a run of equal tags the indices rise: keys[i - 1] is the one just before */
    int later = -1, earlier = -1;
    for (int i = 1; i < n; i++) {
        if (strcmp(keys[i].tag, keys[i - 1].tag) != 0) continue;
        if (later < 0 || keys[i].index < later) {
            later = keys[i].index;
            earlier = keys[i - 1].index;
        }
    }
    free(keys);
    if (later < 0) return AJ_OK;
    char path[AJ_JC_PATH_LEN];
    aj_jc_path(path, "$.points", "[%d].tag", later);
    return aj_jc_fail(r, AJ_EINVAL, path, "duplicate tag \"%s\" (also $.points[%d])", points[later].tag,
                      earlier);
}

/* Points of one device and table read a shared address the same way (header comment):
 * the class of a point says how it reads its registers. */
static int read_class(const aj_mb_point *p) {
    if (aj_mb_table_is_bits(p->table) || aj_mb_type_words(p->type) == 1) return 0;
    return 1 + (int)p->type * AJ_MB_ORDER_COUNT + (int)p->order;
}

static void describe(const aj_mb_point *p, char *out, size_t size) {
    int w = aj_mb_point_width(p);
    int o = snprintf(out, size, "%s %d", TABLE_NAMES[p->table], p->address);
    if (w > 1 && o > 0 && (size_t)o < size)
        o += snprintf(out + o, size - (size_t)o, "-%d", p->address + w - 1);
    if (o > 0 && (size_t)o < size)
        snprintf(out + o, size - (size_t)o, " %s%s%s", TYPE_NAMES[p->type], w > 1 ? " " : "",
                 aj_mb_order_name(p->order, w));
}

static aj_err overlap_error(aj_jc *r, const aj_mb_map *m, int later, int earlier) {
    char path[AJ_JC_PATH_LEN], a[80], b[80];
    const aj_mb_point *p = &m->points[later], *q = &m->points[earlier];
    describe(p, a, sizeof a);
    describe(q, b, sizeof b);
    aj_jc_path(path, "$.points", "[%d]", later);
    return aj_jc_fail(
        r, AJ_EINVAL, path,
        "%s overlaps $.points[%d] (\"%s\": %s) on device \"%s\"; points may share an address only "
        "when they start there and read it alike (same type and order, or 16-bit views: bool "
        "bits, int16, uint16)",
        a, earlier, q->tag, b, m->devices[p->device].code);
}

/* Conflicting overlaps, in the order of (device, table, address, file position). */
static aj_err no_conflicts(aj_jc *r, const aj_mb_map *m) {
    int n = m->n_points;
    if (n < 2) return AJ_OK;
    sort_key *keys = malloc((size_t)n * sizeof *keys);
    if (!keys) return aj_jc_fail(r, AJ_ENOMEM, "$.points", "out of memory");
    for (int i = 0; i < n; i++) {
        const aj_mb_point *p = &m->points[i];
        keys[i] = (sort_key){p->device, (int)p->table, p->address, i};
    }
    qsort(keys, (size_t)n, sizeof *keys, key_cmp);
    aj_err e = AJ_OK;
    int reach = -1; /* the earlier point of this device and table whose end is furthest */
    for (int i = 0; i < n && !e; i++) {
        const aj_mb_point *p = &m->points[keys[i].index];
        if (i > 0 && (keys[i].a != keys[i - 1].a || keys[i].b != keys[i - 1].b)) reach = -1;
        if (reach >= 0) {
            const aj_mb_point *q = &m->points[reach];
            bool overlaps = q->address + aj_mb_point_width(q) > p->address;
            if (overlaps && (q->address != p->address || read_class(q) != read_class(p)))
                e = overlap_error(r, m, keys[i].index, reach);
        }
        if (reach < 0 || p->address + aj_mb_point_width(p) >
                             m->points[reach].address + aj_mb_point_width(&m->points[reach]))
            reach = keys[i].index;
    }
    free(keys);
    return e;
}

/* ---- the document --------------------------------------------------------------------- */

/* An array key of doc with 1 to max items. */
static aj_err list(aj_jc *r, const json_t *doc, const char *key, int max, const json_t **out) {
    char path[AJ_JC_PATH_LEN];
    aj_jc_path(path, "$.", "%s", key);
    *out = json_object_get(doc, key);
    return aj_jc_count(r, *out, path, key, 1, max);
}

static aj_err document(aj_jc *r, const json_t *doc, aj_mb_map *m) {
    static const aj_jc_key keys[] = {{"format", AJ_JC_STRING, true},
                                     {"version", AJ_JC_INTEGER, true},
                                     {"devices", AJ_JC_ARRAY, true},
                                     {"groups", AJ_JC_ARRAY, true},
                                     {"points", AJ_JC_ARRAY, true}};
    const json_t *jd, *jg, *jp;
    char at[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(r, doc, "$", keys, 5);
    if (!e) e = aj_jc_format_version(r, doc, MAP_FORMAT, MAP_VERSION);
    if (!e) e = list(r, doc, "devices", AJ_MB_DEVICES_MAX, &jd);
    if (!e) e = list(r, doc, "groups", AJ_MB_GROUPS_MAX, &jg);
    if (!e) e = list(r, doc, "points", AJ_MB_POINTS_MAX, &jp);
    if (e) return e;
    int nd = (int)json_array_size(jd), ng = (int)json_array_size(jg), np = (int)json_array_size(jp);
    aj_mb_device *devices = aj_arena_alloc(r->arena, (size_t)nd * sizeof *devices);
    aj_mb_group *groups = aj_arena_alloc(r->arena, (size_t)ng * sizeof *groups);
    aj_mb_point *points = aj_arena_alloc(r->arena, (size_t)np * sizeof *points);
    if (!devices || !groups || !points) return aj_jc_fail(r, AJ_ENOMEM, "$", "out of memory");
    m->devices = devices;
    m->groups = groups;
    m->points = points;
    for (int i = 0; i < nd && !e; i++) {
        aj_jc_path(at, "$.devices", "[%d]", i);
        e = device(r, json_array_get(jd, (size_t)i), at, devices, i);
        m->n_devices = i + 1;
    }
    for (int i = 0; i < ng && !e; i++) {
        aj_jc_path(at, "$.groups", "[%d]", i);
        e = group(r, json_array_get(jg, (size_t)i), at, devices, nd, groups, i);
        m->n_groups = i + 1;
    }
    for (int i = 0; i < np && !e; i++) {
        aj_jc_path(at, "$.points", "[%d]", i);
        e = point(r, json_array_get(jp, (size_t)i), at, m, &points[i]);
        m->n_points = i + 1;
    }
    if (!e) e = unique_tags(r, points, np);
    if (!e) e = no_conflicts(r, m);
    return e;
}

aj_err aj_mb_map_parse(const char *text, size_t len, aj_mb_map **out, char *err, size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    json_t *doc = NULL;
    aj_err e = aj_json_parse(text, len, &doc, err, errlen);
    if (e) return e;
    aj_jc r = {.arena = aj_arena_new(), .err = err, .errlen = errlen};
    aj_mb_map *m = r.arena ? aj_arena_alloc(r.arena, sizeof *m) : NULL;
    if (m) {
        m->arena = r.arena;
        e = document(&r, doc, m);
    } else {
        e = aj_jc_fail(&r, AJ_ENOMEM, "$", "out of memory");
    }
    json_decref(doc);
    if (e) {
        aj_arena_free(r.arena);
        return e;
    }
    assert(aj_mb_map_ok(m));
    *out = m;
    return AJ_OK;
}

aj_err aj_mb_map_load(const char *path, aj_mb_map **out, char *err, size_t errlen) {
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    aj_err e = aj_file_read(path, AJ_MB_MAP_FILE_MAX, &text, &len, err, errlen);
    if (e) return e;
    char msg[AJ_JC_PATH_LEN + AJ_JC_MESSAGE_LEN + 8];
    e = aj_mb_map_parse(text, len, out, msg, sizeof msg);
    free(text);
    if (e) snprintf(err, errlen, "%s: %s", path, msg);
    return e;
}

void aj_mb_map_free(aj_mb_map *map) {
    if (map) aj_arena_free(map->arena); /* the map itself lives in its arena */
}

int aj_mb_point_find(const aj_mb_map *map, const char *tag) {
    for (int i = 0; i < map->n_points; i++)
        if (strcmp(map->points[i].tag, tag) == 0) return i;
    return -1;
}

/* ---- invariants ----------------------------------------------------------------------- */

static bool device_ok(const aj_mb_device *d) {
    return d->code && is_code(d->code, strlen(d->code), false) && d->host && d->host[0] && d->port >= 1 &&
           d->port <= 65535 && d->unit_id >= 0 && d->unit_id <= 255 &&
           d->timeout_ms >= AJ_MB_TIMEOUT_MS_MIN && d->timeout_ms <= AJ_MB_TIMEOUT_MS_MAX &&
           d->retries >= 0 && d->retries <= AJ_MB_RETRIES_MAX && d->backoff_ms >= 0 &&
           d->backoff_ms <= AJ_MB_BACKOFF_MS_MAX && d->max_gap >= 0 && d->max_gap <= AJ_MB_READ_BITS_MAX &&
           d->max_registers >= AJ_MB_READ_REGISTERS_MIN && d->max_registers <= AJ_MB_READ_REGISTERS_MAX &&
           d->max_bits >= 1 && d->max_bits <= AJ_MB_READ_BITS_MAX;
}

static bool point_ok(const aj_mb_map *m, const aj_mb_point *p) {
    if (!p->tag || !is_code(p->tag, strlen(p->tag), true)) return false;
    if (p->device < 0 || p->device >= m->n_devices || p->group < 0 || p->group >= m->n_groups) return false;
    if (m->groups[p->group].device != p->device) return false;
    if ((unsigned)p->table >= AJ_MB_TABLE_COUNT || (unsigned)p->type >= AJ_MB_TYPE_COUNT) return false;
    if ((unsigned)p->order >= AJ_MB_ORDER_COUNT) return false;
    bool is_bits = aj_mb_table_is_bits(p->table);
    if (is_bits && p->type != AJ_MB_BOOL) return false;
    if (aj_mb_type_words(p->type) == 1 && p->order != AJ_MB_ORDER_ABCD) return false;
    bool wants_bit = p->type == AJ_MB_BOOL && !is_bits;
    if (wants_bit ? (p->bit < 0 || p->bit > 15) : p->bit != -1) return false;
    if (p->address < 0 || p->address + aj_mb_point_width(p) - 1 > ADDRESS_MAX) return false;
    if (!isfinite(p->scale) || p->scale == 0 || !isfinite(p->offset)) return false;
    if (p->type == AJ_MB_BOOL && (p->scale != 1 || p->offset != 0)) return false;
    return !p->unit || (p->unit[0] && strlen(p->unit) <= AJ_MB_UNIT_LEN_MAX);
}

bool aj_mb_map_ok(const aj_mb_map *m) {
    if (!m || m->n_devices < 1 || m->n_devices > AJ_MB_DEVICES_MAX || m->n_groups < 1 ||
        m->n_groups > AJ_MB_GROUPS_MAX || m->n_points < 1 || m->n_points > AJ_MB_POINTS_MAX)
        return false;
    for (int i = 0; i < m->n_devices; i++)
        if (!device_ok(&m->devices[i]) || device_find(m->devices, i, m->devices[i].code) >= 0) return false;
    for (int i = 0; i < m->n_groups; i++) {
        const aj_mb_group *g = &m->groups[i];
        if (!g->code || !is_code(g->code, strlen(g->code), false) || group_find(m->groups, i, g->code) >= 0)
            return false;
        if (g->device < 0 || g->device >= m->n_devices || g->interval_ms < AJ_MB_INTERVAL_MS_MIN ||
            g->interval_ms > AJ_MB_INTERVAL_MS_MAX)
            return false;
    }
    for (int i = 0; i < m->n_points; i++)
        if (!point_ok(m, &m->points[i])) return false;
    /* uniqueness and overlaps: the loader's own checks, run again without a message */
    char sink[1];
    aj_jc r = {.arena = NULL, .err = sink, .errlen = 0};
    return unique_tags(&r, m->points, m->n_points) == AJ_OK && no_conflicts(&r, m) == AJ_OK;
}

/* ---- decoding ------------------------------------------------------------------------- */

static uint16_t swap_bytes(uint16_t w) {
    return (uint16_t)((w >> 8) | (w << 8));
}

uint64_t aj_mb_assemble(const uint16_t *words, int n_words, aj_mb_order order) {
    assert(n_words == 1 || n_words == 2 || n_words == 4);
    if (n_words == 1) return words[0];
    bool is_word_swapped = order == AJ_MB_ORDER_CDAB || order == AJ_MB_ORDER_DCBA;
    bool is_byte_swapped = order == AJ_MB_ORDER_BADC || order == AJ_MB_ORDER_DCBA;
    uint64_t v = 0;
    for (int i = 0; i < n_words; i++) {
        uint16_t w = words[is_word_swapped ? n_words - 1 - i : i];
        v = (v << 16) | (is_byte_swapped ? swap_bytes(w) : w);
    }
    return v;
}

void aj_mb_disassemble(uint64_t bits, int n_words, aj_mb_order order, uint16_t *words) {
    assert(n_words == 1 || n_words == 2 || n_words == 4);
    if (n_words == 1) {
        words[0] = (uint16_t)bits;
        return;
    }
    bool is_word_swapped = order == AJ_MB_ORDER_CDAB || order == AJ_MB_ORDER_DCBA;
    bool is_byte_swapped = order == AJ_MB_ORDER_BADC || order == AJ_MB_ORDER_DCBA;
    for (int i = 0; i < n_words; i++) {
        uint16_t w = (uint16_t)(bits >> (16 * (n_words - 1 - i))); /* i-th word, big-endian */
        words[is_word_swapped ? n_words - 1 - i : i] = is_byte_swapped ? swap_bytes(w) : w;
    }
}

double aj_mb_raw(aj_mb_type type, aj_mb_order order, int bit, const uint16_t *words) {
    uint64_t u = aj_mb_assemble(words, aj_mb_type_words(type), order);
    switch (type) {
    case AJ_MB_BOOL:
        assert(bit >= 0 && bit <= 15);
        return (double)((u >> bit) & 1u);
    case AJ_MB_INT16:
        return u >= 0x8000u ? (double)u - 65536.0 : (double)u;
    case AJ_MB_UINT16:
    case AJ_MB_UINT32:
    case AJ_MB_UINT64:
        return (double)u;
    case AJ_MB_INT32:
        return u >= 0x80000000u ? (double)u - 4294967296.0 : (double)u;
    case AJ_MB_INT64:
        /* -(~u) - 1 is u - 2^64 without leaving int64_t */
        return u >> 63 ? -(double)(int64_t)(~u) - 1.0 : (double)u;
    case AJ_MB_FLOAT32: {
        uint32_t u32 = (uint32_t)u;
        float f;
        memcpy(&f, &u32, sizeof f);
        return (double)f;
    }
    case AJ_MB_FLOAT64: {
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    case AJ_MB_TYPE_COUNT:
        break;
    }
    assert(!"unknown type");
    return 0;
}

static aj_mb_reading bad(uint32_t reasons, const char *text) {
    return (aj_mb_reading){.value = 0, .quality = AJ_QUALITY_BAD, .quality_reasons = reasons, .text = text};
}

aj_mb_reading aj_mb_decode(const aj_mb_point *p, const uint16_t *regs, const uint8_t *bits) {
    double raw;
    if (aj_mb_table_is_bits(p->table)) {
        raw = bits[0] ? 1 : 0;
    } else {
        raw = aj_mb_raw(p->type, p->order, p->bit, regs);
        if (isnan(raw)) return bad(AJ_QR_SOURCE_BAD, "the device sent NaN");
        if (isinf(raw)) return bad(AJ_QR_SOURCE_BAD, "the device sent an infinity");
    }
    double v = raw * p->scale + p->offset;
    if (!isfinite(v)) return bad(AJ_QR_OUT_OF_RANGE, "the value overflows once scaled");
    return (aj_mb_reading){.value = v, .quality = AJ_QUALITY_GOOD, .quality_reasons = 0, .text = ""};
}

/* ---- failed reads --------------------------------------------------------------------- */

/* Exception codes of the protocol (Modbus Application Protocol V1.1b3, section 7). */
static const struct {
    const char *text;
    bool is_retryable, is_config_error, is_comm_loss;
} EXCEPTIONS[12] = {
    [1] = {"exception 1: illegal function (the device has no such table)", false, true, false},
    [2] = {"exception 2: illegal data address (no such register on the device)", false, true, false},
    [3] = {"exception 3: illegal data value (the device refuses this read)", false, true, false},
    [4] = {"exception 4: server device failure", false, false, false},
    [5] = {"exception 5: acknowledge (the device is busy with a long command)", true, false, false},
    [6] = {"exception 6: server device busy", true, false, false},
    [7] = {"exception 7: negative acknowledge", false, false, false},
    [8] = {"exception 8: memory parity error", true, false, false},
    [10] = {"exception 10: gateway path unavailable", true, false, true},
    [11] = {"exception 11: gateway target device failed to respond", true, false, true},
};

aj_mb_verdict aj_mb_outcome_verdict(aj_mb_outcome outcome) {
    aj_mb_verdict v = {.quality = AJ_QUALITY_BAD, .quality_reasons = AJ_QR_COMM_LOSS, .is_retryable = true};
    switch (outcome.failure) {
    case AJ_MB_READ_OK:
        return (aj_mb_verdict){.quality = AJ_QUALITY_GOOD, .text = ""};
    case AJ_MB_READ_TIMEOUT:
        v.text = "no answer within the timeout";
        return v;
    case AJ_MB_READ_CONNECTION:
        v.text = "no connection to the device";
        return v;
    case AJ_MB_READ_PROTOCOL:
        v.quality_reasons = AJ_QR_SOURCE_BAD;
        v.text = "an invalid answer from the device";
        return v;
    case AJ_MB_READ_EXCEPTION:
        break;
    }
    int code = outcome.exception;
    if (code < 1 || code > 11 || !EXCEPTIONS[code].text) {
        v.quality_reasons = AJ_QR_SOURCE_BAD;
        v.is_retryable = false;
        v.text = "an exception code the protocol does not define";
        return v;
    }
    v.quality_reasons = EXCEPTIONS[code].is_comm_loss ? AJ_QR_COMM_LOSS : AJ_QR_SOURCE_BAD;
    v.is_retryable = EXCEPTIONS[code].is_retryable;
    v.is_config_error = EXCEPTIONS[code].is_config_error;
    v.text = EXCEPTIONS[code].text;
    return v;
}
