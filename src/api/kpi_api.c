/* kpi_api.c — GET /api/v1/alarm-kpi: the alarm performance KPIs (ISA-18.2 / EEMUA 191) of
 * one operator console, a set of areas, over a window of event time.
 *
 * The handler reads the console's activations and standing alarms from the store, hands
 * them to the pure module engine/alarm_kpi.h (docs/alarm-kpi.md) and renders its result.
 *
 * An activation is a journal entry that annunciated the alarm because of the process:
 *   to_state = 'unack' AND from_state IN ('normal','rtn_unack','latched')
 *   AND cause IN ('process','delay_expired')
 * A return to service, an unshelve or an unsuppress that re-annunciates an alarm already
 * active is not a new process activation (docs/api.md, "Alarm KPIs").
 * Standing alarms are those whose saved state says the condition is active now, each
 * active since its latest activation before `to`.
 *
 * Memory: the activations are read page by page (keyset on t_ns, id) into one growing
 * array owned by the request handler, bounded by AJ_KPI_ACTIVATIONS_MAX (48 MB); the
 * standing array by AJ_KPI_STANDING_MAX; the result (~24 KB) is on the heap. All of them
 * are freed before the handler returns, on every path (kpi_ctx_clear).
 */
#include "api/alarms_api.h"

#include "base/limits.h"
#include "base/timeutil.h"
#include "engine/alarm_kpi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Areas of one console: a control room watches a handful of units; 1000 covers every
 * area of a large site and keeps the IN list of the queries below 25 KB. */
#define KPI_AREAS_MAX 1000
/* Journal rows read per query while collecting activations: bounds the materialised
 * result of one query (aj_result) to a few MB. */
#define KPI_PAGE_ROWS 20000
/* Alarms named in the result lists: top + chattering + stale. */
#define KPI_NAMED_MAX (AJ_KPI_TOP_N + AJ_KPI_CHATTER_LIST + AJ_KPI_STALE_LIST)

#define KPI_ACTIVATION_SQL                                                                                   \
    "j.to_state = 'unack' AND j.from_state IN ('normal','rtn_unack','latched') AND j.cause IN "              \
    "('process','delay_expired')"

typedef struct kpi_named {
    int64_t alarm_id;
    int64_t tag_id;
    char tag_key[AJ_CODE_LEN_MAX + 1];
    char kind[16];
    bool is_found;
} kpi_named;

/* Everything one request holds; freed by kpi_ctx_clear. */
typedef struct kpi_ctx {
    int64_t from_ns, to_ns;
    int64_t site_id; /* 0: any */
    int64_t area_ids[KPI_AREAS_MAX];
    size_t n_areas;
    char *area_sql; /* "t.area_id IN (1,2)" (heap) */
    char scope[2300];
    char journal_scope[1100];
    aj_kpi_activation *activations;
    size_t n_activations, cap_activations;
    aj_kpi_standing *standing;
    size_t n_standing;
    aj_kpi_result *result;
    kpi_named named[KPI_NAMED_MAX];
    size_t n_named;
} kpi_ctx;

static void kpi_ctx_clear(kpi_ctx *c) {
    free(c->area_sql);
    free(c->activations);
    free(c->standing);
    free(c->result);
}

static void fmt_ns(int64_t t_ns, char *buf, size_t size) {
    aj_time_format_ms(t_ns >= 0 ? t_ns / 1000000 : 0, buf, size);
}

static json_t *time_json(int64_t t_ns) {
    char t[32];
    fmt_ns(t_ns, t, sizeof t);
    return json_string(t);
}

/* ---- parameters ------------------------------------------------------------------------- */

/* An RFC 3339 query parameter in ns; *is_set false when absent. */
static aj_err query_time_ns(aj_req *req, const char *name, bool *is_set, int64_t *out) {
    const char *s = aj_req_query(req, name);
    *is_set = s != NULL;
    if (!s) return AJ_OK;
    int64_t ms;
    if (!aj_time_parse(s, &ms)) return aj_req_fail(req, AJ_EINVAL, "%s: not an RFC 3339 time: %s", name, s);
    if (ms < 0) return aj_req_fail(req, AJ_EINVAL, "%s: before 1970-01-01", name);
    if (ms > INT64_MAX / 1000000) return aj_req_fail(req, AJ_EINVAL, "%s: after 2262-04-11", name);
    *out = ms * 1000000;
    return AJ_OK;
}

/* from/to: to defaults to now (wall clock), from to 24 h before to; the bounds of
 * aj_kpi_compute are checked here so that the answer names the parameter. */
static aj_err parse_window(aj_req *req, kpi_ctx *c) {
    bool has_from, has_to;
    aj_err e;
    if ((e = query_time_ns(req, "from", &has_from, &c->from_ns))) return e;
    if ((e = query_time_ns(req, "to", &has_to, &c->to_ns))) return e;
    if (!has_to) c->to_ns = aj_time_now_ms() * 1000000;
    if (!has_from) c->from_ns = c->to_ns >= AJ_KPI_DAY_NS ? c->to_ns - AJ_KPI_DAY_NS : 0;
    if (c->to_ns <= c->from_ns) return aj_req_fail(req, AJ_EINVAL, "window: from must be before to");
    if (c->to_ns - c->from_ns > AJ_KPI_WINDOW_MAX_NS)
        return aj_req_fail(req, AJ_EINVAL, "window: at most %lld days from from to to",
                           (long long)(AJ_KPI_WINDOW_MAX_NS / AJ_KPI_DAY_NS));
    return AJ_OK;
}

static int cmp_id(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* "1,2,3" into c->area_ids (sorted, without duplicates). */
static aj_err parse_area_ids(aj_req *req, const char *s, kpi_ctx *c) {
    const char *p = s;
    c->n_areas = 0;
    for (;;) {
        if (*p < '0' || *p > '9')
            return aj_req_fail(req, AJ_EINVAL, "area_ids: a comma-separated list of area ids (got \"%.80s\")",
                               s);
        errno = 0;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (errno || v <= 0 || (*end != ',' && *end != '\0'))
            return aj_req_fail(req, AJ_EINVAL, "area_ids: a comma-separated list of area ids (got \"%.80s\")",
                               s);
        if (c->n_areas == KPI_AREAS_MAX)
            return aj_req_fail(req, AJ_EINVAL, "area_ids: at most %d areas", KPI_AREAS_MAX);
        c->area_ids[c->n_areas++] = v;
        if (*end == '\0') break;
        p = end + 1;
    }
    qsort(c->area_ids, c->n_areas, sizeof c->area_ids[0], cmp_id);
    size_t n = 0;
    for (size_t i = 0; i < c->n_areas; i++)
        if (n == 0 || c->area_ids[n - 1] != c->area_ids[i]) c->area_ids[n++] = c->area_ids[i];
    c->n_areas = n;
    return AJ_OK;
}

/* Appends " AND <col> IN (ids)" or "<col> IN (ids)"; heap string the caller frees. NULL: no
 * memory. An empty list gives a condition that is never true. */
static char *id_in_sql(const char *col, const int64_t *ids, size_t n) {
    size_t cap = strlen(col) + 16 + n * 21;
    char *s = malloc(cap);
    if (!s) return NULL;
    if (n == 0) {
        snprintf(s, cap, "1=0");
        return s;
    }
    size_t len = (size_t)snprintf(s, cap, "%s IN (", col);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%lld", i ? "," : "", (long long)ids[i]);
    snprintf(s + len, cap - len, ")");
    return s;
}

/* site_id (optional) must be a site in scope. */
static aj_err check_site(aj_req *req, kpi_ctx *c) {
    aj_err e = aj_req_query_int(req, "site_id", 0, 1, INT64_MAX, &c->site_id);
    if (e) return e;
    if (!c->site_id) return AJ_OK;
    char ent[1100], site[1100], sql[2400];
    aj_scope_enterprise(req, "s.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "s.id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT s.id FROM sites s WHERE s.id = ? AND %s AND %s", ent, site);
    aj_val p = AJ_VINT(c->site_id);
    int64_t id;
    e = aj_db_query_int(aj_req_db(req), sql, &p, 1, &id);
    if (e == AJ_ENOTFOUND) return aj_req_fail(req, e, "site %lld not found", (long long)c->site_id);
    if (e) return aj_req_fail(req, e, "site lookup failed: %s", aj_db_errmsg(req->db));
    return AJ_OK;
}

/* The console: the named areas, each in scope (and in site_id when given), else every area
 * in scope. Sets c->area_sql. */
static aj_err resolve_areas(aj_req *req, kpi_ctx *c) {
    const char *list = aj_req_query(req, "area_ids");
    aj_err e;
    if (list && (e = parse_area_ids(req, list, c))) return e;
    char ent[1100], site[1100], sql[2600];
    aj_scope_enterprise(req, "a.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "a.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT a.id FROM areas a WHERE %s AND %s AND (CAST(? AS BIGINT) = 0 OR a.site_id = ?) "
             "ORDER BY a.id LIMIT ?",
             ent, site);
    aj_val p[3] = {AJ_VINT(c->site_id), AJ_VINT(c->site_id), AJ_VINT(KPI_AREAS_MAX + 1)};
    aj_result *r;
    if (list) {
        /* only the named ones: look them up by id */
        char *in = id_in_sql("a.id", c->area_ids, c->n_areas);
        if (!in) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
        snprintf(sql, sizeof sql,
                 "SELECT a.id FROM areas a WHERE %s AND %s AND (CAST(? AS BIGINT) = 0 OR a.site_id = ?) AND ",
                 ent, site);
        size_t cap = strlen(sql) + strlen(in) + 40;
        char *q = malloc(cap);
        if (!q) {
            free(in);
            return aj_req_fail(req, AJ_ENOMEM, "out of memory");
        }
        snprintf(q, cap, "%s%s ORDER BY a.id LIMIT ?", sql, in);
        free(in);
        e = aj_db_query(aj_req_db(req), q, p, 3, &r);
        free(q);
    } else {
        e = aj_db_query(aj_req_db(req), sql, p, 3, &r);
    }
    if (e) return aj_req_fail(req, e, "area lookup failed: %s", aj_db_errmsg(req->db));
    int n_rows = aj_result_rows(r);
    if (list) {
        /* both lists are sorted: the first named id missing from the rows is the 404 */
        int row = 0;
        for (size_t i = 0; i < c->n_areas; i++) {
            if (row < n_rows && aj_result_int(r, row, 0) == c->area_ids[i]) {
                row++;
                continue;
            }
            aj_result_free(r);
            if (c->site_id)
                return aj_req_fail(req, AJ_ENOTFOUND, "area %lld not found in site %lld",
                                   (long long)c->area_ids[i], (long long)c->site_id);
            return aj_req_fail(req, AJ_ENOTFOUND, "area %lld not found", (long long)c->area_ids[i]);
        }
    } else {
        if (n_rows > KPI_AREAS_MAX) {
            aj_result_free(r);
            return aj_req_fail(req, AJ_EINVAL,
                               "more than %d areas in scope: name the console's areas with area_ids",
                               KPI_AREAS_MAX);
        }
        c->n_areas = (size_t)n_rows;
        for (int i = 0; i < n_rows; i++) c->area_ids[i] = aj_result_int(r, i, 0);
    }
    aj_result_free(r);
    c->area_sql = id_in_sql("t.area_id", c->area_ids, c->n_areas);
    if (!c->area_sql) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    return AJ_OK;
}

/* ---- reading the store -------------------------------------------------------------------- */

/* "<head> WHERE <extra> AND <caller's scope> AND <areas> AND <rest>" into a heap string;
 * NULL: no memory. */
static char *scoped_sql(const kpi_ctx *c, const char *head, const char *extra, const char *rest) {
    size_t cap = strlen(head) + strlen(extra) + strlen(c->scope) + strlen(c->area_sql) + strlen(rest) + 32;
    char *s = malloc(cap);
    if (s) snprintf(s, cap, "%s WHERE %s AND %s AND %s AND %s", head, extra, c->scope, c->area_sql, rest);
    return s;
}

static aj_err push_activation(aj_req *req, kpi_ctx *c, const aj_kpi_activation *a) {
    if (c->n_activations == AJ_KPI_ACTIVATIONS_MAX)
        return aj_req_fail(req, AJ_ETOOBIG,
                           "the window holds more than %u alarm activations: narrow it (from, to, area_ids)",
                           AJ_KPI_ACTIVATIONS_MAX);
    if (c->n_activations == c->cap_activations) {
        size_t cap = c->cap_activations ? c->cap_activations * 2 : 1024;
        if (cap > AJ_KPI_ACTIVATIONS_MAX) cap = AJ_KPI_ACTIVATIONS_MAX;
        aj_kpi_activation *grown = realloc(c->activations, cap * sizeof *grown);
        if (!grown) return aj_req_fail(req, AJ_ENOMEM, "out of memory reading the activations");
        c->activations = grown;
        c->cap_activations = cap;
    }
    c->activations[c->n_activations++] = *a;
    return AJ_OK;
}

static aj_err priority_of(aj_req *req, const aj_result *r, int row, int col, int64_t alarm_id,
                          aj_alarm_priority *out) {
    const char *name = aj_result_text(r, row, col);
    if (name && aj_alarm_priority_parse(name, out) == AJ_OK) return AJ_OK;
    return aj_req_fail(req, AJ_EINTERNAL, "alarm %lld: unknown priority \"%s\" in the store",
                       (long long)alarm_id, name ? name : "");
}

/* Every activation in [from, to) of the console's alarms, read in pages ordered by
 * (t_ns, id) so that each page continues where the last one ended. */
static aj_err read_activations(aj_req *req, kpi_ctx *c) {
    char *sql =
        scoped_sql(c,
                   "SELECT j.id, j.alarm_id, j.t_ns, j.priority FROM alarm_journal j JOIN tags t ON "
                   "t.id = j.tag_id",
                   c->journal_scope,
                   KPI_ACTIVATION_SQL " AND j.t_ns >= ? AND j.t_ns < ? AND (j.t_ns > ? OR (j.t_ns = ? "
                                      "AND j.id > ?)) ORDER BY j.t_ns, j.id LIMIT ?");
    if (!sql) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    int64_t after_t = c->from_ns, after_id = 0; /* ids start at 1 */
    aj_err e = AJ_OK;
    for (;;) {
        aj_val p[6] = {AJ_VINT(c->from_ns), AJ_VINT(c->to_ns), AJ_VINT(after_t),
                       AJ_VINT(after_t),    AJ_VINT(after_id), AJ_VINT(KPI_PAGE_ROWS)};
        aj_result *r;
        if ((e = aj_db_query(aj_req_db(req), sql, p, 6, &r))) {
            e = aj_req_fail(req, e, "reading the alarm journal failed: %s", aj_db_errmsg(req->db));
            break;
        }
        int n = aj_result_rows(r);
        for (int i = 0; i < n && !e; i++) {
            aj_kpi_activation a = {.alarm_id = aj_result_int(r, i, 1), .t_ns = aj_result_int(r, i, 2)};
            if (!(e = priority_of(req, r, i, 3, a.alarm_id, &a.priority))) e = push_activation(req, c, &a);
        }
        if (n > 0) {
            after_id = aj_result_int(r, n - 1, 0);
            after_t = aj_result_int(r, n - 1, 2);
        }
        aj_result_free(r);
        if (e || n < KPI_PAGE_ROWS) break;
    }
    free(sql);
    return e;
}

/* The console's alarms whose condition is active now, each active since its latest
 * activation before `to` (alarms never annunciated before `to` are left out). */
static aj_err read_standing(aj_req *req, kpi_ctx *c) {
    char *sql = scoped_sql(
        c,
        "SELECT d.id, d.priority, (SELECT MAX(j.t_ns) FROM alarm_journal j WHERE j.alarm_id = d.id AND "
        "j.t_ns >= 0 AND j.t_ns < ? AND " KPI_ACTIVATION_SQL ") AS since_ns FROM alarm_defs d JOIN tags t ON "
        "t.id = d.tag_id JOIN alarm_state s ON s.alarm_id = d.id",
        "1=1", "d.is_retired = 0 AND s.is_condition_active = 1 ORDER BY d.id LIMIT ?");
    if (!sql) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    aj_val p[2] = {AJ_VINT(c->to_ns), AJ_VINT((int64_t)AJ_KPI_STANDING_MAX + 1)};
    aj_result *r;
    aj_err e = aj_db_query(aj_req_db(req), sql, p, 2, &r);
    free(sql);
    if (e) return aj_req_fail(req, e, "reading the alarm states failed: %s", aj_db_errmsg(req->db));
    int n = aj_result_rows(r);
    if ((size_t)n > AJ_KPI_STANDING_MAX) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ETOOBIG, "more than %u standing alarms: name fewer areas",
                           AJ_KPI_STANDING_MAX);
    }
    c->standing = n ? malloc((size_t)n * sizeof *c->standing) : NULL;
    if (n && !c->standing) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOMEM, "out of memory reading the standing alarms");
    }
    for (int i = 0; i < n; i++) {
        if (aj_result_is_null(r, i, 2)) continue;
        aj_kpi_standing s = {.alarm_id = aj_result_int(r, i, 0), .active_since_ns = aj_result_int(r, i, 2)};
        if ((e = priority_of(req, r, i, 1, s.alarm_id, &s.priority))) break;
        c->standing[c->n_standing++] = s;
    }
    aj_result_free(r);
    return e;
}

/* ---- naming the listed alarms ------------------------------------------------------------- */

static void name_add(kpi_ctx *c, int64_t alarm_id) {
    for (size_t i = 0; i < c->n_named; i++)
        if (c->named[i].alarm_id == alarm_id) return;
    if (c->n_named < KPI_NAMED_MAX) c->named[c->n_named++] = (kpi_named){.alarm_id = alarm_id};
}

static const kpi_named *name_of(const kpi_ctx *c, int64_t alarm_id) {
    for (size_t i = 0; i < c->n_named; i++)
        if (c->named[i].alarm_id == alarm_id && c->named[i].is_found) return &c->named[i];
    return NULL;
}

/* tag_id, tag key and kind of every alarm in the result lists, in one query. */
static aj_err read_names(aj_req *req, kpi_ctx *c) {
    const aj_kpi_result *res = c->result;
    for (size_t i = 0; i < res->bad_actors.n; i++) name_add(c, res->bad_actors.top[i].alarm_id);
    for (size_t i = 0; i < res->chattering.n; i++) name_add(c, res->chattering.list[i].alarm_id);
    for (size_t i = 0; i < res->stale.n; i++) name_add(c, res->stale.list[i].alarm_id);
    if (!c->n_named) return AJ_OK;
    int64_t ids[KPI_NAMED_MAX];
    for (size_t i = 0; i < c->n_named; i++) ids[i] = c->named[i].alarm_id;
    char *in = id_in_sql("d.id", ids, c->n_named);
    if (!in) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    char sql[KPI_NAMED_MAX * 21 + 200];
    snprintf(sql, sizeof sql,
             "SELECT d.id, d.tag_id, t.key, d.kind FROM alarm_defs d JOIN tags t ON t.id = d.tag_id WHERE %s",
             in);
    free(in);
    aj_result *r;
    aj_err e = aj_db_query(aj_req_db(req), sql, NULL, 0, &r);
    if (e) return aj_req_fail(req, e, "reading the alarm names failed: %s", aj_db_errmsg(req->db));
    for (int row = 0; row < aj_result_rows(r); row++) {
        int64_t id = aj_result_int(r, row, 0);
        for (size_t i = 0; i < c->n_named; i++) {
            kpi_named *nm = &c->named[i];
            if (nm->alarm_id != id) continue;
            nm->tag_id = aj_result_int(r, row, 1);
            snprintf(nm->tag_key, sizeof nm->tag_key, "%s", aj_result_text(r, row, 2));
            snprintf(nm->kind, sizeof nm->kind, "%s", aj_result_text(r, row, 3));
            nm->is_found = true;
        }
    }
    aj_result_free(r);
    return AJ_OK;
}

/* ---- the answer ----------------------------------------------------------------------------- */

static json_t *verdict_json(aj_kpi_verdict v) {
    return json_string(aj_kpi_verdict_name(v));
}

/* {alarm_id, tag_id, tag_key, kind}: the part every list row shares. */
static json_t *alarm_ref_json(const kpi_ctx *c, int64_t alarm_id) {
    const kpi_named *nm = name_of(c, alarm_id);
    json_t *o = json_object();
    json_object_set_new(o, "alarm_id", json_integer(alarm_id));
    json_object_set_new(o, "tag_id", nm ? json_integer(nm->tag_id) : json_null());
    json_object_set_new(o, "tag_key", nm ? json_string(nm->tag_key) : json_null());
    json_object_set_new(o, "kind", nm ? json_string(nm->kind) : json_null());
    return o;
}

static json_t *count_row_json(const kpi_ctx *c, const aj_kpi_alarm_count *a) {
    json_t *o = alarm_ref_json(c, a->alarm_id);
    json_object_set_new(o, "priority", json_string(aj_alarm_priority_name(a->priority)));
    json_object_set_new(o, "n_activations", json_integer(a->n_activations));
    json_object_set_new(o, "share", json_real(a->share));
    return o;
}

static json_t *series_json(int64_t start_ns, int step_s, const uint32_t *count, size_t n) {
    json_t *counts = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(counts, json_integer(count[i]));
    json_t *o = json_object();
    json_object_set_new(o, "start", time_json(start_ns));
    json_object_set_new(o, "step_s", json_integer(step_s));
    json_object_set_new(o, "counts", counts);
    return o;
}

static json_t *load_json(const aj_kpi_result *r) {
    json_t *o = json_object();
    json_object_set_new(o, "n_alarms", json_integer(r->load.n_alarms));
    json_object_set_new(o, "per_hour", json_real(r->load.per_hour));
    json_object_set_new(o, "per_10min", json_real(r->load.per_10min));
    json_object_set_new(o, "verdict_per_hour", verdict_json(r->load.verdict_per_hour));
    json_object_set_new(o, "verdict_per_10min", verdict_json(r->load.verdict_per_10min));
    return o;
}

static json_t *flood_json(const aj_kpi_result *r) {
    json_t *o = json_object();
    json_object_set_new(o, "n_complete_periods", json_integer((json_int_t)r->flood.n_complete_periods));
    json_object_set_new(o, "n_flood_periods", json_integer((json_int_t)r->flood.n_flood_periods));
    json_object_set_new(o, "share", json_real(r->flood.share));
    json_object_set_new(o, "verdict", verdict_json(r->flood.verdict));
    json_object_set_new(o, "peak_count", json_integer(r->flood.peak_count));
    json_object_set_new(o, "peak_start", time_json(r->flood.peak_start_ns));
    json_object_set_new(o, "verdict_peak", verdict_json(r->flood.verdict_peak));
    json_object_set_new(o, "n_complete_hours", json_integer((json_int_t)r->flood.n_complete_hours));
    json_object_set_new(o, "n_busy_hours", json_integer((json_int_t)r->flood.n_busy_hours));
    json_object_set_new(o, "busy_hour_share", json_real(r->flood.busy_hour_share));
    json_object_set_new(o, "verdict_busy_hours", verdict_json(r->flood.verdict_busy_hours));
    return o;
}

static json_t *bad_actors_json(const kpi_ctx *c) {
    const aj_kpi_result *r = c->result;
    json_t *top = json_array();
    for (size_t i = 0; i < r->bad_actors.n; i++)
        json_array_append_new(top, count_row_json(c, &r->bad_actors.top[i]));
    json_t *o = json_object();
    json_object_set_new(o, "n_distinct", json_integer((json_int_t)r->bad_actors.n_distinct));
    json_object_set_new(o, "share", json_real(r->bad_actors.share));
    json_object_set_new(o, "verdict", verdict_json(r->bad_actors.verdict));
    json_object_set_new(o, "top", top);
    return o;
}

static json_t *chattering_json(const kpi_ctx *c) {
    const aj_kpi_result *r = c->result;
    json_t *list = json_array();
    for (size_t i = 0; i < r->chattering.n; i++)
        json_array_append_new(list, count_row_json(c, &r->chattering.list[i]));
    json_t *o = json_object();
    json_object_set_new(o, "n_chattering", json_integer((json_int_t)r->chattering.n_chattering));
    json_object_set_new(o, "verdict", verdict_json(r->chattering.verdict));
    json_object_set_new(o, "list", list);
    return o;
}

static json_t *stale_json(const kpi_ctx *c) {
    const aj_kpi_result *r = c->result;
    json_t *list = json_array();
    for (size_t i = 0; i < r->stale.n; i++) {
        const aj_kpi_stale_alarm *s = &r->stale.list[i];
        json_t *o = alarm_ref_json(c, s->alarm_id);
        json_object_set_new(o, "priority", json_string(aj_alarm_priority_name(s->priority)));
        json_object_set_new(o, "active_since", time_json(s->active_since_ns));
        json_object_set_new(o, "active_s", json_integer(s->active_ns / 1000000000LL));
        json_array_append_new(list, o);
    }
    json_t *o = json_object();
    json_object_set_new(o, "n_stale", json_integer((json_int_t)r->stale.n_stale));
    json_object_set_new(o, "verdict", verdict_json(r->stale.verdict));
    json_object_set_new(o, "list", list);
    return o;
}

static json_t *priority_json(const aj_kpi_result *r) {
    json_t *counts = json_object(), *shares = json_object();
    for (int p = 0; p < AJ_PRIO_COUNT; p++) {
        const char *name = aj_alarm_priority_name((aj_alarm_priority)p);
        json_object_set_new(counts, name, json_integer(r->priority.n[p]));
        json_object_set_new(shares, name, json_real(r->priority.share[p]));
    }
    json_t *o = json_object();
    json_object_set_new(o, "counts", counts);
    json_object_set_new(o, "shares", shares);
    json_object_set_new(o, "verdict", verdict_json(r->priority.verdict));
    return o;
}

/* The reference targets of alarm_kpi.h, so that a report can print them beside the values. */
static json_t *targets_json(void) {
    json_t *o = json_object();
    json_object_set_new(o, "per_hour", json_real(AJ_KPI_TARGET_PER_HOUR));
    json_object_set_new(o, "per_hour_max", json_real(AJ_KPI_TARGET_PER_HOUR_MAX));
    json_object_set_new(o, "per_10min", json_real(AJ_KPI_TARGET_PER_10MIN));
    json_object_set_new(o, "per_10min_max", json_real(AJ_KPI_TARGET_PER_10MIN_MAX));
    json_object_set_new(o, "flood_10min_count", json_integer(AJ_KPI_FLOOD_10MIN_COUNT));
    json_object_set_new(o, "flood_share", json_real(AJ_KPI_TARGET_FLOOD_SHARE));
    json_object_set_new(o, "busy_hour_count", json_integer(AJ_KPI_BUSY_HOUR_COUNT));
    json_object_set_new(o, "busy_hour_share", json_real(AJ_KPI_TARGET_BUSY_HOUR_SHARE));
    json_object_set_new(o, "peak_10min", json_integer(AJ_KPI_TARGET_PEAK_10MIN));
    json_object_set_new(o, "top_n", json_integer(AJ_KPI_TOP_N));
    json_object_set_new(o, "top_share", json_real(AJ_KPI_TARGET_TOP_SHARE));
    json_object_set_new(o, "chattering", json_integer(AJ_KPI_TARGET_CHATTERING));
    json_object_set_new(o, "chattering_warn_max", json_integer(AJ_KPI_WARN_CHATTERING_MAX));
    json_object_set_new(o, "stale_max", json_integer(AJ_KPI_TARGET_STALE_MAX));
    json_object_set_new(o, "stale_warn_max", json_integer(AJ_KPI_WARN_STALE_MAX));
    json_object_set_new(o, "stale_after_s", json_integer(AJ_KPI_STALE_NS / 1000000000LL));
    json_object_set_new(o, "share_emergency", json_real(AJ_KPI_TARGET_SHARE_EMERGENCY));
    json_object_set_new(o, "share_high_up", json_real(AJ_KPI_TARGET_SHARE_HIGH_UP));
    json_object_set_new(o, "share_medium_up", json_real(AJ_KPI_TARGET_SHARE_MEDIUM_UP));
    return o;
}

static json_t *result_json(const kpi_ctx *c) {
    const aj_kpi_result *r = c->result;
    json_t *areas = json_array();
    for (size_t i = 0; i < c->n_areas; i++) json_array_append_new(areas, json_integer(c->area_ids[i]));
    json_t *o = json_object();
    json_object_set_new(o, "from", time_json(c->from_ns));
    json_object_set_new(o, "to", time_json(c->to_ns));
    json_object_set_new(o, "site_id", c->site_id ? json_integer(c->site_id) : json_null());
    json_object_set_new(o, "areas", areas);
    json_object_set_new(o, "load", load_json(r));
    json_object_set_new(o, "series_10min",
                        series_json(r->series_10min.start_ns, 600, r->series_10min.count, r->series_10min.n));
    json_object_set_new(o, "series_hour",
                        series_json(r->series_hour.start_ns, 3600, r->series_hour.count, r->series_hour.n));
    json_object_set_new(o, "flood", flood_json(r));
    json_object_set_new(o, "bad_actors", bad_actors_json(c));
    json_object_set_new(o, "chattering", chattering_json(c));
    json_object_set_new(o, "stale", stale_json(c));
    json_object_set_new(o, "priority", priority_json(r));
    json_object_set_new(o, "targets", targets_json());
    return o;
}

/* ---- the handler ----------------------------------------------------------------------------- */

static aj_err kpi_run(aj_req *req, kpi_ctx *c) {
    aj_err e;
    if ((e = parse_window(req, c))) return e;
    if ((e = check_site(req, c))) return e;
    if ((e = resolve_areas(req, c))) return e;
    aj_alarm_scope_sql(req, c->scope, sizeof c->scope);
    /* the journal's own enterprise column lets the (enterprise_id, t_ns) index serve */
    aj_scope_enterprise(req, "j.enterprise_id", c->journal_scope, sizeof c->journal_scope);
    if ((e = read_activations(req, c))) return e;
    if ((e = read_standing(req, c))) return e;
    c->result = malloc(sizeof *c->result);
    if (!c->result) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    e = aj_kpi_compute(c->from_ns, c->to_ns, c->activations, c->n_activations, c->standing, c->n_standing,
                       c->result);
    if (e == AJ_ETOOBIG)
        return aj_req_fail(req, e, "the window holds too many alarms: narrow it (from, to, area_ids)");
    if (e == AJ_EINVAL) return aj_req_fail(req, AJ_EINTERNAL, "the stored alarm journal is inconsistent");
    if (e) return aj_req_fail(req, e, "the KPIs could not be computed");
    if ((e = read_names(req, c))) return e;
    aj_reply_json(req, 200, result_json(c));
    return AJ_OK;
}

aj_err aj_api_alarm_kpi(aj_req *req) {
    kpi_ctx *c = calloc(1, sizeof *c); /* ~30 KB: not on the connection thread's stack */
    if (!c) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    aj_err e = kpi_run(req, c);
    kpi_ctx_clear(c);
    free(c);
    return e;
}
