/* map.c — the strict loader of a Sparkplug B map and its lookups (map.h, docs/sparkplug.md
 * "The map").
 *
 * The map is built in one arena that it owns; on any error the arena is freed and the caller
 * gets NULL. The document is read in a fixed order (format, version, groups; in a group:
 * group, nodes; in a node: node, metrics, devices; in a device: device, metrics; metrics in
 * the order the object holds them), then tags are checked for duplicates across the map,
 * so the same text always gives the same first error, as "JSONPATH: message"
 * (base/jsoncheck.h). A first pass only counts (where the kinds are right), so the flat
 * arrays are allocated once; limits are checked while reading, at the first item beyond.
 *
 * After reading, each node's and device's metrics are sorted by name and the nodes get a
 * sorted index, so a message's metric is found in O(log n).
 */
#include "sparkplug/map.h"

#include "base/arena.h"
#include "base/fileread.h"
#include "base/jsoncheck.h"
#include "base/jsonutil.h"
#include "sparkplug/topic.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_FORMAT  "anjian-sparkplug-map"
#define MAP_VERSION 1

typedef struct reader {
    aj_jc jc;
    aj_sp_map *m;
    const char **groups;
    aj_sp_map_node *nodes;
    aj_sp_map_device *devices;
    aj_sp_map_metric *metrics;
} reader;

/* ---- values ------------------------------------------------------------------------------ */

/* A tag key: 1 to AJ_CODE_LEN_MAX of A-Z a-z 0-9 _ . : - / (as in plant files). */
static bool is_tag_key(const char *s, size_t len) {
    if (len < 1 || len > AJ_CODE_LEN_MAX || strlen(s) != len) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == ':' || c == '-' || c == '/';
        if (!ok) return false;
    }
    return true;
}

/* A group, node or device id (j known to be a string) copied into the arena. */
static aj_err id(reader *r, const json_t *j, const char *path, const char *what, const char **out) {
    char q[AJ_JC_QUOTE_LEN];
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);
    if (len == 0) return aj_jc_fail(&r->jc, AJ_EINVAL, path, "the %s is empty", what);
    if (len > AJ_SP_ID_LEN_MAX)
        return aj_jc_fail(&r->jc, AJ_EINVAL, path, "the %s is %zu bytes, longer than %d", what, len,
                          AJ_SP_ID_LEN_MAX);
    if (strlen(s) != len || !aj_sp_id_ok(s, len))
        return aj_jc_fail(&r->jc, AJ_EINVAL, path,
                          "\"%s\" is not a Sparkplug %s (no '/', '+', '#' or control characters)",
                          aj_jc_quote(s, q), what);
    *out = aj_arena_strdup(r->jc.arena, s);
    return aj_jc_nomem(&r->jc, *out, path);
}

/* ---- metrics ----------------------------------------------------------------------------- */

static aj_err metric(reader *r, const char *name, const json_t *j, const char *path, int node, int device) {
    char q[AJ_JC_QUOTE_LEN];
    size_t len = strlen(name);
    if (r->m->n_metrics == AJ_SP_MAP_METRICS_MAX)
        return aj_jc_fail(&r->jc, AJ_ETOOBIG, path, "more than %d metrics in the map", AJ_SP_MAP_METRICS_MAX);
    if (len == 0) return aj_jc_fail(&r->jc, AJ_EINVAL, path, "empty metric name");
    if (len > AJ_SP_METRIC_NAME_MAX)
        return aj_jc_fail(&r->jc, AJ_EINVAL, path, "metric name of %zu bytes, longer than %d", len,
                          AJ_SP_METRIC_NAME_MAX);
    if (!json_is_string(j))
        return aj_jc_fail(&r->jc, AJ_EINVAL, path, "must be the tag key (a string), not %s",
                          aj_jc_kind_of(j));
    const char *tag = json_string_value(j);
    if (!is_tag_key(tag, json_string_length(j)))
        return aj_jc_fail(&r->jc, AJ_EINVAL, path,
                          "\"%s\" is not a tag key (1 to %d of A-Z a-z 0-9 _ . : - /)", aj_jc_quote(tag, q),
                          AJ_CODE_LEN_MAX);
    aj_sp_map_metric *mm = &r->metrics[r->m->n_metrics];
    mm->name = aj_arena_strdup(r->jc.arena, name);
    mm->tag = aj_arena_strdup(r->jc.arena, tag);
    mm->node = node;
    mm->device = device;
    if (!mm->name || !mm->tag) return aj_jc_nomem(&r->jc, NULL, path);
    r->m->n_metrics++;
    return AJ_OK;
}

/* The "metrics" object of a node or device (absent: none). */
static aj_err metrics(reader *r, const json_t *obj, const char *at, int node, int device, int *first,
                      int *n) {
    *first = r->m->n_metrics;
    *n = 0;
    if (!obj) return AJ_OK;
    const char *name;
    const json_t *value;
    char path[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
    json_object_foreach((json_t *)obj, name, value) {
        aj_jc_path(path, at, ".metrics[\"%s\"]", aj_jc_quote(name, q));
        aj_err e = metric(r, name, value, path, node, device);
        if (e) return e;
        (*n)++;
    }
    return AJ_OK;
}

/* ---- devices, nodes, groups ------------------------------------------------------------ */

static aj_err device(reader *r, const json_t *j, const char *at, int node, int index_in_node) {
    static const aj_jc_key keys[] = {{"device", AJ_JC_STRING, true}, {"metrics", AJ_JC_OBJECT, false}};
    char sub[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(&r->jc, j, at, keys, 2);
    if (e) return e;
    if (r->m->n_devices == AJ_SP_DEVICES_MAX)
        return aj_jc_fail(&r->jc, AJ_ETOOBIG, at, "more than %d devices in the map", AJ_SP_DEVICES_MAX);
    int d = r->m->n_devices;
    aj_sp_map_device *dv = &r->devices[d];
    aj_jc_path(sub, at, ".device");
    if ((e = id(r, json_object_get(j, "device"), sub, "device id", &dv->device))) return e;
    const aj_sp_map_node *nd = &r->nodes[node];
    for (int k = nd->first_device; k < d; k++)
        if (strcmp(r->devices[k].device, dv->device) == 0)
            return aj_jc_fail(&r->jc, AJ_EINVAL, sub,
                              "duplicate device \"%s\" of edge node \"%s\" (also devices[%d])", dv->device,
                              nd->node, k - nd->first_device);
    dv->node = node;
    dv->index_in_node = index_in_node;
    r->m->n_devices++;
    return metrics(r, json_object_get(j, "metrics"), at, node, d, &dv->first_metric, &dv->n_metrics);
}

static aj_err node(reader *r, const json_t *j, const char *at, int group, int index_in_group,
                   int first_in_group) {
    static const aj_jc_key keys[] = {
        {"node", AJ_JC_STRING, true}, {"metrics", AJ_JC_OBJECT, false}, {"devices", AJ_JC_ARRAY, false}};
    char sub[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(&r->jc, j, at, keys, 3);
    if (e) return e;
    if (r->m->n_nodes == AJ_SP_NODES_MAX)
        return aj_jc_fail(&r->jc, AJ_ETOOBIG, at, "more than %d edge nodes in the map", AJ_SP_NODES_MAX);
    int n = r->m->n_nodes;
    aj_sp_map_node *nd = &r->nodes[n];
    aj_jc_path(sub, at, ".node");
    if ((e = id(r, json_object_get(j, "node"), sub, "edge node id", &nd->node))) return e;
    for (int k = first_in_group; k < n; k++)
        if (strcmp(r->nodes[k].node, nd->node) == 0)
            return aj_jc_fail(&r->jc, AJ_EINVAL, sub,
                              "duplicate edge node \"%s\" in group \"%s\" (also nodes[%d])", nd->node,
                              r->groups[group], k - first_in_group);
    nd->group = r->groups[group];
    nd->group_index = group;
    nd->index_in_group = index_in_group;
    nd->first_device = r->m->n_devices;
    r->m->n_nodes++;
    if ((e = metrics(r, json_object_get(j, "metrics"), at, n, -1, &nd->first_metric, &nd->n_metrics)))
        return e;
    const json_t *jd = json_object_get(j, "devices");
    for (size_t i = 0; jd && i < json_array_size(jd); i++) {
        aj_jc_path(sub, at, ".devices[%zu]", i);
        if ((e = device(r, json_array_get(jd, i), sub, n, (int)i))) return e;
        nd->n_devices++;
    }
    return AJ_OK;
}

static aj_err group(reader *r, const json_t *j, const char *at, int g) {
    static const aj_jc_key keys[] = {{"group", AJ_JC_STRING, true}, {"nodes", AJ_JC_ARRAY, true}};
    char sub[AJ_JC_PATH_LEN];
    aj_err e = aj_jc_object(&r->jc, j, at, keys, 2);
    if (e) return e;
    aj_jc_path(sub, at, ".group");
    if ((e = id(r, json_object_get(j, "group"), sub, "group id", &r->groups[g]))) return e;
    if (strcmp(r->groups[g], "STATE") == 0)
        return aj_jc_fail(&r->jc, AJ_EINVAL, sub,
                          "\"STATE\" is reserved (spBv1.0/STATE/<host_id> is a host's state)");
    for (int k = 0; k < g; k++)
        if (strcmp(r->groups[k], r->groups[g]) == 0)
            return aj_jc_fail(&r->jc, AJ_EINVAL, sub, "duplicate group \"%s\" (also $.groups[%d])",
                              r->groups[g], k);
    r->m->n_groups = g + 1;
    const json_t *jn = json_object_get(j, "nodes");
    aj_jc_path(sub, at, ".nodes");
    if ((e = aj_jc_count(&r->jc, jn, sub, "nodes", 1, AJ_SP_NODES_MAX))) return e;
    int first = r->m->n_nodes;
    for (size_t i = 0; i < json_array_size(jn); i++) {
        aj_jc_path(sub, at, ".nodes[%zu]", i);
        if ((e = node(r, json_array_get(jn, i), sub, g, (int)i, first))) return e;
    }
    return AJ_OK;
}

/* ---- the document ------------------------------------------------------------------------ */

/* Upper bounds of the flat arrays, counted where the kinds are right (reading checks the rest). */
static void precount(const json_t *jg, size_t *n_nodes, size_t *n_devices, size_t *n_metrics) {
    *n_nodes = *n_devices = *n_metrics = 0;
    for (size_t g = 0; g < json_array_size(jg); g++) {
        const json_t *jn = json_object_get(json_array_get(jg, g), "nodes");
        *n_nodes += json_array_size(jn);
        for (size_t n = 0; n < json_array_size(jn); n++) {
            const json_t *node = json_array_get(jn, n);
            const json_t *jd = json_object_get(node, "devices");
            *n_metrics += json_object_size(json_object_get(node, "metrics"));
            *n_devices += json_array_size(jd);
            for (size_t d = 0; d < json_array_size(jd); d++)
                *n_metrics += json_object_size(json_object_get(json_array_get(jd, d), "metrics"));
        }
    }
}

typedef struct tag_ref {
    const char *tag;
    int index;
} tag_ref;

static int tag_ref_cmp(const void *x, const void *y) {
    const tag_ref *p = x, *q = y;
    int c = strcmp(p->tag, q->tag);
    return c ? c : (p->index > q->index) - (p->index < q->index);
}

static void metric_path(const aj_sp_map *m, int i, char out[AJ_JC_PATH_LEN]) {
    char base[AJ_JC_PATH_LEN], q[AJ_JC_QUOTE_LEN];
    aj_sp_map_path(m, m->metrics[i].node, m->metrics[i].device, base);
    aj_jc_path(out, base, ".metrics[\"%s\"]", aj_jc_quote(m->metrics[i].name, q));
}

/* One tag, one metric: the first metric (in reading order) whose tag an earlier one has. */
static aj_err unique_tags(aj_jc *jc, const aj_sp_map *m) {
    int n = m->n_metrics;
    if (n < 2) return AJ_OK;
    tag_ref *refs = malloc((size_t)n * sizeof *refs);
    if (!refs) return aj_jc_fail(jc, AJ_ENOMEM, "$", "out of memory");
    for (int i = 0; i < n; i++) refs[i] = (tag_ref){m->metrics[i].tag, i};
    qsort(refs, (size_t)n, sizeof *refs, tag_ref_cmp);
    int later = -1, earlier = -1;
    for (int i = 1; i < n; i++) {
        if (strcmp(refs[i].tag, refs[i - 1].tag) != 0) continue;
        if (later < 0 || refs[i].index < later) {
            later = refs[i].index;
            earlier = refs[i - 1].index;
        }
    }
    free(refs);
    if (later < 0) return AJ_OK;
    char path[AJ_JC_PATH_LEN], other[AJ_JC_PATH_LEN];
    metric_path(m, later, path);
    metric_path(m, earlier, other);
    return aj_jc_fail(jc, AJ_EINVAL, path, "tag \"%s\" is fed by %s already (one metric per tag)",
                      m->metrics[later].tag, other);
}

static int metric_name_cmp(const void *x, const void *y) {
    return strcmp(((const aj_sp_map_metric *)x)->name, ((const aj_sp_map_metric *)y)->name);
}

typedef struct node_key {
    const char *group, *node;
    int index;
} node_key;

static int node_key_cmp(const void *x, const void *y) {
    const node_key *p = x, *q = y;
    int c = strcmp(p->group, q->group);
    return c ? c : strcmp(p->node, q->node);
}

/* Sorts each owner's metrics by name and builds the node index. */
static aj_err index_map(reader *r) {
    aj_sp_map *m = r->m;
    for (int n = 0; n < m->n_nodes; n++)
        qsort(&r->metrics[r->nodes[n].first_metric], (size_t)r->nodes[n].n_metrics, sizeof *r->metrics,
              metric_name_cmp);
    for (int d = 0; d < m->n_devices; d++)
        qsort(&r->metrics[r->devices[d].first_metric], (size_t)r->devices[d].n_metrics, sizeof *r->metrics,
              metric_name_cmp);
    int *order = aj_arena_alloc(r->jc.arena, (size_t)m->n_nodes * sizeof *order);
    node_key *keys = malloc((size_t)m->n_nodes * sizeof *keys);
    if (!order || !keys) {
        free(keys);
        return aj_jc_fail(&r->jc, AJ_ENOMEM, "$", "out of memory");
    }
    for (int n = 0; n < m->n_nodes; n++) keys[n] = (node_key){r->nodes[n].group, r->nodes[n].node, n};
    qsort(keys, (size_t)m->n_nodes, sizeof *keys, node_key_cmp);
    for (int n = 0; n < m->n_nodes; n++) order[n] = keys[n].index;
    free(keys);
    m->node_order = order;
    return AJ_OK;
}

static aj_err document(reader *r, const json_t *doc) {
    static const aj_jc_key keys[] = {
        {"format", AJ_JC_STRING, true}, {"version", AJ_JC_INTEGER, true}, {"groups", AJ_JC_ARRAY, true}};
    aj_err e = aj_jc_object(&r->jc, doc, "$", keys, 3);
    if (!e) e = aj_jc_format_version(&r->jc, doc, MAP_FORMAT, MAP_VERSION);
    const json_t *jg = json_object_get(doc, "groups");
    if (!e) e = aj_jc_count(&r->jc, jg, "$.groups", "groups", 1, AJ_SP_GROUPS_MAX);
    if (e) return e;
    size_t n_nodes, n_devices, n_metrics;
    precount(jg, &n_nodes, &n_devices, &n_metrics);
    aj_arena *a = r->jc.arena;
    r->groups = aj_arena_alloc(a, json_array_size(jg) * sizeof *r->groups);
    r->nodes = aj_arena_alloc(a, n_nodes * sizeof *r->nodes);
    r->devices = aj_arena_alloc(a, n_devices * sizeof *r->devices);
    r->metrics = aj_arena_alloc(a, n_metrics * sizeof *r->metrics);
    if (!r->groups || !r->nodes || !r->devices || !r->metrics)
        return aj_jc_fail(&r->jc, AJ_ENOMEM, "$", "out of memory");
    r->m->groups = r->groups;
    r->m->nodes = r->nodes;
    r->m->devices = r->devices;
    r->m->metrics = r->metrics;
    char at[AJ_JC_PATH_LEN];
    for (size_t g = 0; g < json_array_size(jg); g++) {
        aj_jc_path(at, "$.groups", "[%zu]", g);
        if ((e = group(r, json_array_get(jg, g), at, (int)g))) return e;
    }
    if ((e = unique_tags(&r->jc, r->m))) return e;
    return index_map(r);
}

aj_err aj_sp_map_parse(const char *json, size_t len, aj_sp_map **out, char *err, size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    json_t *doc = NULL;
    aj_err e = aj_json_parse(json, len, &doc, err, errlen);
    if (e) return e;
    reader r = {.jc = {.arena = aj_arena_new(), .err = err, .errlen = errlen}};
    r.m = r.jc.arena ? aj_arena_alloc(r.jc.arena, sizeof *r.m) : NULL;
    if (r.m) {
        r.m->arena = r.jc.arena;
        e = document(&r, doc);
    } else {
        e = aj_jc_fail(&r.jc, AJ_ENOMEM, "$", "out of memory");
    }
    json_decref(doc);
    if (e) {
        aj_arena_free(r.jc.arena);
        return e;
    }
    assert(aj_sp_map_ok(r.m));
    *out = r.m;
    return AJ_OK;
}

aj_err aj_sp_map_load(const char *path, aj_sp_map **out, char *err, size_t errlen) {
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    aj_err e = aj_file_read(path, AJ_SP_MAP_FILE_MAX, &text, &len, err, errlen);
    if (e) return e;
    char msg[AJ_JC_PATH_LEN + AJ_JC_MESSAGE_LEN + 8];
    e = aj_sp_map_parse(text, len, out, msg, sizeof msg);
    free(text);
    if (e) snprintf(err, errlen, "%s: %s", path, msg);
    return e;
}

void aj_sp_map_free(aj_sp_map *map) {
    if (map) aj_arena_free(map->arena); /* the map itself lives in its arena */
}

/* ---- lookups ------------------------------------------------------------------------------ */

int aj_sp_map_find_node(const aj_sp_map *map, const char *group, const char *node) {
    int lo = 0, hi = map->n_nodes - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const aj_sp_map_node *n = &map->nodes[map->node_order[mid]];
        int c = strcmp(n->group, group);
        if (!c) c = strcmp(n->node, node);
        if (!c) return map->node_order[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int aj_sp_map_find_device(const aj_sp_map *map, int node, const char *device) {
    const aj_sp_map_node *n = &map->nodes[node];
    for (int d = n->first_device; d < n->first_device + n->n_devices; d++)
        if (strcmp(map->devices[d].device, device) == 0) return d;
    return -1;
}

int aj_sp_map_find_metric(const aj_sp_map *map, int node, int device, const char *name) {
    int first = device < 0 ? map->nodes[node].first_metric : map->devices[device].first_metric;
    int n = device < 0 ? map->nodes[node].n_metrics : map->devices[device].n_metrics;
    int lo = first, hi = first + n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(map->metrics[mid].name, name);
        if (!c) return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

void aj_sp_map_path(const aj_sp_map *map, int node, int device, char out[AJ_JC_PATH_LEN]) {
    const aj_sp_map_node *n = &map->nodes[node];
    if (device < 0)
        aj_jc_path(out, "$.groups", "[%d].nodes[%d]", n->group_index, n->index_in_group);
    else
        aj_jc_path(out, "$.groups", "[%d].nodes[%d].devices[%d]", n->group_index, n->index_in_group,
                   map->devices[device].index_in_node);
}

/* ---- invariants ------------------------------------------------------------------------- */

static bool metrics_ok(const aj_sp_map *m, int first, int n, int node, int device) {
    if (first < 0 || n < 0 || first + n > m->n_metrics) return false;
    for (int i = first; i < first + n; i++) {
        const aj_sp_map_metric *mm = &m->metrics[i];
        if (!mm->name || !mm->name[0] || strlen(mm->name) > AJ_SP_METRIC_NAME_MAX) return false;
        if (!mm->tag || !is_tag_key(mm->tag, strlen(mm->tag))) return false;
        if (mm->node != node || mm->device != device) return false;
        if (i > first && strcmp(m->metrics[i - 1].name, mm->name) >= 0) return false; /* sorted, unique */
    }
    return true;
}

bool aj_sp_map_ok(const aj_sp_map *m) {
    if (!m || m->n_groups < 1 || m->n_groups > AJ_SP_GROUPS_MAX || m->n_nodes < 1 ||
        m->n_nodes > AJ_SP_NODES_MAX || m->n_devices < 0 || m->n_devices > AJ_SP_DEVICES_MAX ||
        m->n_metrics < 0 || m->n_metrics > AJ_SP_MAP_METRICS_MAX)
        return false;
    for (int g = 0; g < m->n_groups; g++)
        if (!m->groups[g] || !aj_sp_id_ok(m->groups[g], strlen(m->groups[g]))) return false;
    int n_devices = 0, n_metrics = 0;
    for (int n = 0; n < m->n_nodes; n++) {
        const aj_sp_map_node *nd = &m->nodes[n];
        if (nd->group_index < 0 || nd->group_index >= m->n_groups || nd->group != m->groups[nd->group_index])
            return false;
        if (!nd->node || !aj_sp_id_ok(nd->node, strlen(nd->node))) return false;
        if (aj_sp_map_find_node(m, nd->group, nd->node) != n) return false; /* unique and indexed */
        if (nd->first_device != n_devices || nd->n_devices < 0) return false;
        if (!metrics_ok(m, nd->first_metric, nd->n_metrics, n, -1)) return false;
        n_metrics += nd->n_metrics;
        for (int d = nd->first_device; d < nd->first_device + nd->n_devices; d++) {
            const aj_sp_map_device *dv = &m->devices[d];
            if (d >= m->n_devices || dv->node != n || dv->index_in_node != d - nd->first_device) return false;
            if (!dv->device || !aj_sp_id_ok(dv->device, strlen(dv->device))) return false;
            if (aj_sp_map_find_device(m, n, dv->device) != d) return false; /* unique in the node */
            if (!metrics_ok(m, dv->first_metric, dv->n_metrics, n, d)) return false;
            n_metrics += dv->n_metrics;
        }
        n_devices += nd->n_devices;
    }
    if (n_devices != m->n_devices || n_metrics != m->n_metrics) return false;
    char sink[1];
    aj_jc jc = {.err = sink, .errlen = 0};
    return unique_tags(&jc, m) == AJ_OK;
}
