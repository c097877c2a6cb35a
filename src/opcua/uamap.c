/* uamap.c — strict loader of the OPC UA connection map (uamap.h). */
#include "opcua/uamap.h"

#include "base/fileread.h"
#include "base/jsoncheck.h"
#include "base/jsonutil.h"
#include "base/limits.h"
#include "opcua/channel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A code or tag key: 1..AJ_CODE_LEN_MAX of A-Z a-z 0-9 _ . : - (and / in tag keys). */
static aj_err code(aj_jc *r, const json_t *j, const char *path, bool is_tag, const char **out) {
    char q[AJ_JC_QUOTE_LEN];
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);
    bool ok = n >= 1 && n <= AJ_CODE_LEN_MAX && strlen(s) == n;
    for (size_t i = 0; ok && i < n; i++) {
        char c = s[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
             c == '.' || c == ':' || c == '-' || (is_tag && c == '/');
    }
    if (!ok)
        return aj_jc_fail(r, AJ_EINVAL, path, "\"%s\" is not a %s (1 to %d of A-Z a-z 0-9 _ . : -%s)",
                          aj_jc_quote(s, q), is_tag ? "tag key" : "code", AJ_CODE_LEN_MAX,
                          is_tag ? " /" : "");
    *out = aj_arena_strdup(r->arena, s);
    return aj_jc_nomem(r, *out, path);
}

static aj_err number(aj_jc *r, const json_t *obj, const char *key, const char *path, double min, double max,
                     double dflt, double *out) {
    const json_t *j = json_object_get(obj, key);
    if (!j) {
        *out = dflt;
        return AJ_OK;
    }
    double v = json_number_value(j);
    if (!(v >= min && v <= max)) {
        char sub[AJ_JC_PATH_LEN], a[AJ_JC_NUM_LEN], b[AJ_JC_NUM_LEN], c[AJ_JC_NUM_LEN];
        aj_jc_path(sub, path, ".%s", key);
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be from %s to %s, not %s", aj_jc_num(min, a),
                          aj_jc_num(max, b), aj_jc_num(v, c));
    }
    *out = v;
    return AJ_OK;
}

static aj_err u32(aj_jc *r, const json_t *obj, const char *key, const char *path, uint32_t min, uint32_t max,
                  uint32_t dflt, uint32_t *out) {
    double v;
    aj_err e = number(r, obj, key, path, min, max, dflt, &v);
    *out = (uint32_t)v;
    return e;
}

static aj_err string(aj_jc *r, const json_t *obj, const char *key, const char *path, size_t max,
                     const char **out) {
    const json_t *j = json_object_get(obj, key);
    *out = NULL;
    if (!j) return AJ_OK;
    char sub[AJ_JC_PATH_LEN];
    aj_jc_path(sub, path, ".%s", key);
    return aj_jc_string(r, j, sub, max, out);
}

static aj_err item(aj_jc *r, const json_t *j, const char *at, aj_uamap_item *it) {
    static const aj_jc_key keys[] = {
        {"tag", AJ_JC_STRING, true},          {"node_id", AJ_JC_STRING, true},
        {"index_range", AJ_JC_STRING, false}, {"sampling_ms", AJ_JC_NUMBER, false},
        {"queue_size", AJ_JC_INTEGER, false}, {"deadband", AJ_JC_OBJECT, false},
    };
    aj_err e = aj_jc_object(r, j, at, keys, (int)(sizeof keys / sizeof keys[0]));
    if (e) return e;
    char sub[AJ_JC_PATH_LEN], msg[200], q[AJ_JC_QUOTE_LEN];
    aj_jc_path(sub, at, ".tag");
    if ((e = code(r, json_object_get(j, "tag"), sub, true, &it->tag))) return e;
    aj_jc_path(sub, at, ".node_id");
    if ((e = aj_jc_string(r, json_object_get(j, "node_id"), sub, AJ_UAMAP_NODE_ID_LEN_MAX, &it->node_text)))
        return e;
    if (aj_ua_node_id_parse(it->node_text, r->arena, &it->node, msg, sizeof msg))
        return aj_jc_fail(r, AJ_EINVAL, sub, "%s", msg);
    if ((e = string(r, j, "index_range", at, 64, &it->index_range))) return e;
    if (it->index_range) {
        for (const char *p = it->index_range; *p; p++)
            if (!((*p >= '0' && *p <= '9') || *p == ':' || *p == ','))
                return aj_jc_fail(r, AJ_EINVAL, sub, "index_range \"%s\" is not a NumericRange like 3 or 0:2",
                                  aj_jc_quote(it->index_range, q));
    }
    if ((e = number(r, j, "sampling_ms", at, -1, AJ_UAMAP_INTERVAL_MS_MAX, -1, &it->sampling_ms))) return e;
    if ((e = u32(r, j, "queue_size", at, 1, AJ_UAMAP_QUEUE_MAX, 10, &it->queue_size))) return e;
    it->deadband = AJ_UA_DEADBAND_NONE;
    const json_t *db = json_object_get(j, "deadband");
    if (db) {
        static const aj_jc_key dkeys[] = {{"type", AJ_JC_STRING, true}, {"value", AJ_JC_NUMBER, true}};
        aj_jc_path(sub, at, ".deadband");
        if ((e = aj_jc_object(r, db, sub, dkeys, 2))) return e;
        const char *t = json_string_value(json_object_get(db, "type"));
        if (!strcmp(t, "absolute"))
            it->deadband = AJ_UA_DEADBAND_ABSOLUTE;
        else if (!strcmp(t, "percent"))
            it->deadband = AJ_UA_DEADBAND_PERCENT;
        else
            return aj_jc_fail(r, AJ_EINVAL, sub, "type must be \"absolute\" or \"percent\", not \"%s\"",
                              aj_jc_quote(t, q));
        double max = it->deadband == AJ_UA_DEADBAND_PERCENT ? 100 : 1e300;
        if ((e = number(r, db, "value", sub, 0, max, 0, &it->deadband_value))) return e;
    }
    return AJ_OK;
}

static aj_err endpoint(aj_jc *r, const json_t *j, const char *at, aj_uamap *m, int i) {
    static const aj_jc_key keys[] = {
        {"code", AJ_JC_STRING, true},
        {"url", AJ_JC_STRING, true},
        {"security_policy", AJ_JC_STRING, false},
        {"security_mode", AJ_JC_STRING, false},
        {"username", AJ_JC_STRING, false},
        {"password_env", AJ_JC_STRING, false},
        {"password_file", AJ_JC_STRING, false},
        {"publishing_interval_ms", AJ_JC_NUMBER, false},
        {"timeout_ms", AJ_JC_INTEGER, false},
        {"session_timeout_ms", AJ_JC_INTEGER, false},
        {"keepalive_count", AJ_JC_INTEGER, false},
        {"channel_lifetime_ms", AJ_JC_INTEGER, false},
        {"items", AJ_JC_ARRAY, true},
    };
    aj_uamap_endpoint *ep = &m->endpoints[i];
    aj_err e = aj_jc_object(r, j, at, keys, (int)(sizeof keys / sizeof keys[0]));
    if (e) return e;
    char sub[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
    aj_jc_path(sub, at, ".code");
    if ((e = code(r, json_object_get(j, "code"), sub, false, &ep->code))) return e;
    for (int k = 0; k < i; k++)
        if (!strcmp(m->endpoints[k].code, ep->code))
            return aj_jc_fail(r, AJ_EINVAL, sub, "duplicate endpoint code \"%s\" (also $.endpoints[%d])",
                              ep->code, k);
    aj_jc_path(sub, at, ".url");
    if ((e = aj_jc_string(r, json_object_get(j, "url"), sub, AJ_UA_URL_MAX - 1, &ep->url))) return e;
    char host[256];
    int port;
    if (!aj_ua_url_parse(ep->url, host, sizeof host, &port))
        return aj_jc_fail(r, AJ_EINVAL, sub, "\"%s\" is not opc.tcp://host[:port][/path]",
                          aj_jc_quote(ep->url, q));
    const char *pol = NULL, *mode = NULL;
    if ((e = string(r, j, "security_policy", at, 32, &pol))) return e;
    if ((e = string(r, j, "security_mode", at, 32, &mode))) return e;
    ep->policy = AJ_UA_POLICY_NONE;
    if (pol && !aj_ua_policy_from_name(pol, &ep->policy)) {
        aj_jc_path(sub, at, ".security_policy");
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be \"None\" or \"Basic256Sha256\", not \"%s\"",
                          aj_jc_quote(pol, q));
    }
    ep->mode = ep->policy == AJ_UA_POLICY_NONE ? AJ_UA_MODE_NONE : AJ_UA_MODE_SIGN_ENCRYPT;
    if (mode && !aj_ua_mode_from_name(mode, &ep->mode)) {
        aj_jc_path(sub, at, ".security_mode");
        return aj_jc_fail(r, AJ_EINVAL, sub, "must be \"None\", \"Sign\" or \"SignAndEncrypt\", not \"%s\"",
                          aj_jc_quote(mode, q));
    }
    if (!aj_ua_mode_valid(ep->policy, ep->mode)) {
        aj_jc_path(sub, at, ".security_mode");
        return aj_jc_fail(r, AJ_EINVAL, sub, "%s does not go with security_policy %s",
                          aj_ua_mode_name(ep->mode), aj_ua_policy_name(ep->policy));
    }
    if ((e = string(r, j, "username", at, 256, &ep->username))) return e;
    if ((e = string(r, j, "password_env", at, 128, &ep->password_env))) return e;
    if ((e = string(r, j, "password_file", at, 1024, &ep->password_file))) return e;
    if (ep->username && !ep->password_env == !ep->password_file) {
        aj_jc_path(sub, at, ".username");
        return aj_jc_fail(r, AJ_EINVAL, sub,
                          "a username needs exactly one of password_env and password_file "
                          "(passwords are never written in the map)");
    }
    if (!ep->username && (ep->password_env || ep->password_file)) {
        aj_jc_path(sub, at, ".username");
        return aj_jc_fail(r, AJ_EINVAL, sub, "a password is given without a username");
    }
    if ((e = number(r, j, "publishing_interval_ms", at, AJ_UAMAP_INTERVAL_MS_MIN, AJ_UAMAP_INTERVAL_MS_MAX,
                    1000, &ep->publishing_ms)))
        return e;
    if ((e = u32(r, j, "timeout_ms", at, 100, 600000, 10000, &ep->timeout_ms))) return e;
    if ((e = u32(r, j, "session_timeout_ms", at, 10000, 3600000, 120000, &ep->session_timeout_ms))) return e;
    if ((e = u32(r, j, "keepalive_count", at, 1, 1000, 10, &ep->keepalive_count))) return e;
    if ((e = u32(r, j, "channel_lifetime_ms", at, 5000, 86400000, 3600000, &ep->channel_lifetime_ms)))
        return e;
    const json_t *items = json_object_get(j, "items");
    aj_jc_path(sub, at, ".items");
    if ((e = aj_jc_count(r, items, sub, "items", 1, AJ_UAMAP_ITEMS_MAX))) return e;
    ep->n_items = (int)json_array_size(items);
    ep->items = aj_arena_alloc(r->arena, (size_t)ep->n_items * sizeof *ep->items);
    if ((e = aj_jc_nomem(r, ep->items, sub))) return e;
    for (int k = 0; k < ep->n_items; k++) {
        char it_at[AJ_JC_PATH_LEN];
        aj_jc_path(it_at, sub, "[%d]", k);
        if ((e = item(r, json_array_get(items, (size_t)k), it_at, &ep->items[k]))) return e;
    }
    return AJ_OK;
}

static aj_err document(aj_jc *r, const json_t *doc, aj_uamap *m) {
    static const aj_jc_key keys[] = {
        {"format", AJ_JC_STRING, true}, {"version", AJ_JC_INTEGER, true}, {"endpoints", AJ_JC_ARRAY, true}};
    aj_err e = aj_jc_object(r, doc, "$", keys, 3);
    if (!e) e = aj_jc_format_version(r, doc, AJ_UAMAP_FORMAT, AJ_UAMAP_VERSION);
    if (e) return e;
    const json_t *eps = json_object_get(doc, "endpoints");
    if ((e = aj_jc_count(r, eps, "$.endpoints", "endpoints", 1, AJ_UAMAP_ENDPOINTS_MAX))) return e;
    m->n_endpoints = (int)json_array_size(eps);
    m->endpoints = aj_arena_alloc(r->arena, (size_t)m->n_endpoints * sizeof *m->endpoints);
    if ((e = aj_jc_nomem(r, m->endpoints, "$.endpoints"))) return e;
    for (int i = 0; i < m->n_endpoints; i++) {
        char at[AJ_JC_PATH_LEN];
        aj_jc_path(at, "$.endpoints", "[%d]", i);
        if ((e = endpoint(r, json_array_get(eps, (size_t)i), at, m, i))) return e;
        m->n_items += m->endpoints[i].n_items;
        if (m->n_items > AJ_UAMAP_ITEMS_MAX)
            return aj_jc_fail(r, AJ_ETOOBIG, at, "the map has more than %d items", AJ_UAMAP_ITEMS_MAX);
    }
    /* a tag is fed by one item only */
    for (int i = 0; i < m->n_endpoints; i++)
        for (int k = 0; k < m->endpoints[i].n_items; k++) {
            const char *tag = m->endpoints[i].items[k].tag;
            for (int i2 = 0; i2 <= i; i2++)
                for (int k2 = 0; k2 < (i2 == i ? k : m->endpoints[i2].n_items); k2++)
                    if (!strcmp(m->endpoints[i2].items[k2].tag, tag)) {
                        char at[AJ_JC_PATH_LEN];
                        aj_jc_path(at, "$.endpoints", "[%d].items[%d].tag", i, k);
                        return aj_jc_fail(r, AJ_EINVAL, at,
                                          "tag \"%s\" is already fed by $.endpoints[%d].items[%d]", tag, i2,
                                          k2);
                    }
        }
    return AJ_OK;
}

aj_err aj_uamap_parse(const char *json, size_t len, aj_arena *arena, aj_uamap *out, char *err,
                      size_t errlen) {
    memset(out, 0, sizeof *out);
    if (errlen) err[0] = 0;
    json_t *doc = NULL;
    aj_err e = aj_json_parse(json, len, &doc, err, errlen);
    if (e) return e;
    aj_jc r = {.arena = arena, .err = err, .errlen = errlen};
    e = document(&r, doc, out);
    json_decref(doc);
    if (e) memset(out, 0, sizeof *out);
    return e;
}

aj_err aj_uamap_load(const char *path, aj_arena *arena, aj_uamap *out, char *err, size_t errlen) {
    char *text = NULL;
    size_t len = 0;
    aj_err e = aj_file_read(path, AJ_UAMAP_FILE_MAX, &text, &len, err, errlen);
    if (e) return e;
    char msg[AJ_JC_PATH_LEN + AJ_JC_MESSAGE_LEN + 8];
    e = aj_uamap_parse(text, len, arena, out, msg, sizeof msg);
    free(text);
    if (e) snprintf(err, errlen, "%s: %s", path, msg);
    return e;
}
