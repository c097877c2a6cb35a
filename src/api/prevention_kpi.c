/* prevention_kpi.c — hidden-danger KPIs by department and period, and the regulator export
 * (docs/hazards.md "KPIs and the regulator export"):
 *
 *   GET /api/v1/hazard-kpi?from&to&site_id&group=department|period&period=day|week|month
 *   GET /api/v1/hazards/export?format=csv|xlsx&from&to&site_id
 *
 * The hazards counted are those reported in [from, to); their outcomes are judged at the
 * moment as_of = min(now, to), so a past period shows what stood at its end:
 *
 *   rectified   accepted (验收) by as_of — accepted or closed
 *   on time     rectified, and the (last) rectification was made by the deadline
 *   overdue     a deadline at or before as_of and not accepted by as_of
 *   repeat      linked as a repeat of an earlier hazard (repeat_of_id)
 *   rates       rectified / total, on time / rectified, repeats / total (null when 0 / 0)
 *
 * Each definition is written once, as the SQL flag of one hazard (FLAG_*), summed by the
 * database for the totals and the departments and read per hazard for the periods, which are
 * bucketed here in C: calendar days, weeks (from Monday) and months in the site's time zone,
 * every period between from and to present even when empty. Departments are the
 * organisation (department or contractor) of the assignee; anything else is "unassigned".
 *
 * The export is the ledger of the period as regulators ask for it (Chinese header row, the
 * English one below), as CSV (src/report/csv.h) or an XLSX workbook (src/report/xlsx.h),
 * built in memory within AJ_HAZARD_EXPORT_BYTES_MAX and recorded in the audit log before it
 * is sent. Everything here reads the caller's scope (enterprises and sites) only. */
#include "api/api.h"
#include "audit/audit.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "report/csv.h"
#include "report/xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_PER_DAY 86400000LL

/* One hazard's outcome, judged at as_of (each takes the as_of parameter once). */
#define FLAG_RECTIFIED "CASE WHEN h.accepted_ms <= CAST(? AS BIGINT) THEN 1 ELSE 0 END"
#define FLAG_ON_TIME                                                                                         \
    "CASE WHEN h.accepted_ms <= CAST(? AS BIGINT) AND h.rectified_ms <= h.deadline_ms THEN 1 ELSE 0 END"
#define FLAG_OVERDUE                                                                                         \
    "CASE WHEN h.deadline_ms <= CAST(? AS BIGINT) AND (h.accepted_ms IS NULL OR h.accepted_ms > CAST(? AS "  \
    "BIGINT)) THEN 1 ELSE 0 END"
#define FLAG_REPEAT   "CASE WHEN h.repeat_of_id IS NOT NULL THEN 1 ELSE 0 END"
#define FLAG_MAJOR    "CASE WHEN h.grade = 'major' THEN 1 ELSE 0 END"
#define N_FLAG_PARAMS 4 /* as_of, as_of, as_of, as_of */
#define SUMS                                                                                                 \
    "COUNT(*), COALESCE(SUM(" FLAG_RECTIFIED "), 0), COALESCE(SUM(" FLAG_ON_TIME                             \
    "), 0), COALESCE(SUM(" FLAG_OVERDUE "), 0), COALESCE(SUM(" FLAG_REPEAT "), 0), COALESCE(SUM(" FLAG_MAJOR \
    "), 0)"
#define FLAGS FLAG_RECTIFIED ", " FLAG_ON_TIME ", " FLAG_OVERDUE ", " FLAG_REPEAT ", " FLAG_MAJOR

typedef enum { GROUP_NONE, GROUP_DEPARTMENT, GROUP_PERIOD } kpi_grouping;
typedef enum { PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH } kpi_period;
static const char *const GROUPINGS[] = {"", "department", "period"};
static const char *const PERIODS[] = {"day", "week", "month"};

typedef struct kpi_query {
    int64_t from_ms, to_ms; /* reported_ms in [from, to) */
    int64_t as_of_ms;       /* min(now, to): when outcomes are judged */
    int64_t site_id;        /* 0: every site of the caller's scope */
    int offset_min;         /* the (first) site's UTC offset: dates of from/to, the periods */
    kpi_grouping group;
    kpi_period period;
    char where[2400]; /* scope, range and site: params as_of..., then where_params */
    aj_val where_params[3];
    int n_where_params;
} kpi_query;

typedef struct kpi_group {
    char key[48], label[AJ_NAME_LEN_MAX + 8], label_en[AJ_NAME_LEN_MAX + 8], code[AJ_CODE_LEN_MAX + 8];
    int64_t org_id;           /* department groups: the organisation, 0 for "unassigned" */
    int64_t start_ms, end_ms; /* period groups: [start, end) */
    int64_t start_day;        /* period groups: local day number of the start */
    int64_t total, rectified, on_time, overdue, repeats, major;
    /* filled by kpi_add_inspection_completion */
    bool has_inspections;
    int64_t n_inspections, n_inspections_done;
} kpi_group;

/* ---- time zones and calendar periods ---------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t local_day(int64_t ms, int offset_min) {
    return floor_div(ms + (int64_t)offset_min * 60000, MS_PER_DAY);
}

static int64_t day_start_ms(int64_t day, int offset_min) {
    return day * MS_PER_DAY - (int64_t)offset_min * 60000;
}

static void civil(int64_t day, int *y, int *m, int *d) {
    char t[40];
    aj_time_format_ms(day * MS_PER_DAY, t, sizeof t);
    *y = atoi(t);
    *m = atoi(t + 5);
    *d = atoi(t + 8);
}

/* The local day on which the period holding day starts. */
static int64_t period_start(int64_t day, kpi_period p) {
    if (p == PERIOD_DAY) return day;
    if (p == PERIOD_WEEK) return day - ((day % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    int y, m, d;
    civil(day, &y, &m, &d);
    return aj_days_from_civil(y, (unsigned)m, 1);
}

static int64_t period_next(int64_t start, kpi_period p) {
    if (p == PERIOD_DAY) return start + 1;
    if (p == PERIOD_WEEK) return start + 7;
    int y, m, d;
    civil(start, &y, &m, &d);
    return m == 12 ? aj_days_from_civil(y + 1, 1, 1) : aj_days_from_civil(y, (unsigned)m + 1, 1);
}

/* key: the start date; label: 2026-03-05, 2026-W10 (ISO week), 2026-03. */
static void period_names(int64_t start, kpi_period p, kpi_group *g) {
    int y, m, d;
    civil(start, &y, &m, &d);
    snprintf(g->key, sizeof g->key, "%04d-%02d-%02d", y, m, d);
    if (p == PERIOD_DAY) {
        snprintf(g->label, sizeof g->label, "%04d-%02d-%02d", y, m, d);
    } else if (p == PERIOD_WEEK) {
        int ty, tm, td; /* the ISO week belongs to the year of its Thursday */
        civil(start + 3, &ty, &tm, &td);
        int64_t week = (start + 3 - aj_days_from_civil(ty, 1, 1)) / 7 + 1;
        snprintf(g->label, sizeof g->label, "%04d-W%02lld", ty, (long long)week);
    } else {
        snprintf(g->label, sizeof g->label, "%04d-%02d", y, m);
    }
    snprintf(g->label_en, sizeof g->label_en, "%s", g->label);
}

/* "YYYY-MM-DD HH:MM" local time, "" for 0. */
static void local_time(int64_t ms, int offset_min, char *buf, size_t size) {
    char t[40];
    if (!ms) {
        snprintf(buf, size, "%s", "");
        return;
    }
    aj_time_format_ms(ms + (int64_t)offset_min * 60000, t, sizeof t);
    snprintf(buf, size, "%.10s %.5s", t, t + 11);
}

/* ---- the query --------------------------------------------------------------------------------- */

/* A time parameter: RFC 3339, or a date YYYY-MM-DD in the site's zone (for to: the whole day,
 * up to the next midnight). */
static aj_err time_param(aj_req *req, const char *name, int offset_min, bool is_end, int64_t *out,
                         bool *is_given) {
    const char *s = aj_req_query(req, name);
    *is_given = s && *s;
    if (!*is_given) return AJ_OK;
    if (!aj_time_parse(s, out))
        return aj_req_fail(req, AJ_EINVAL, "%s: an RFC 3339 time or a date YYYY-MM-DD (got \"%.40s\")", name,
                           s);
    if (strlen(s) == 10) *out = *out - (int64_t)offset_min * 60000 + (is_end ? MS_PER_DAY : 0);
    return AJ_OK;
}

/* The site (in scope) and its zone; with no site the first site of the scope gives the zone. */
static aj_err site_param(aj_req *req, kpi_query *q) {
    char ent[1100], site[1100], sql[2400];
    aj_err e = aj_req_query_int(req, "site_id", 0, 0, INT64_MAX, &q->site_id);
    if (e) return e;
    aj_scope_enterprise(req, "s.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "s.id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT timezone FROM sites s WHERE %s AND %s%s ORDER BY s.id LIMIT 1", ent,
             site, q->site_id ? " AND s.id = ?" : "");
    aj_val v = AJ_VINT(q->site_id);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, &v, q->site_id ? 1 : 0, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (q->site_id && aj_result_rows(r) != 1) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOTFOUND, "site_id: site %lld not found", (long long)q->site_id);
    }
    q->offset_min = aj_time_zone_offset_min(aj_result_rows(r) ? aj_result_text(r, 0, 0) : NULL);
    aj_result_free(r);
    return AJ_OK;
}

/* Site, from, to; the scope and range condition in q->where. */
static aj_err range_params(aj_req *req, kpi_query *q, bool is_from_required) {
    memset(q, 0, sizeof *q);
    aj_err e = site_param(req, q);
    if (e) return e;
    bool has_from, has_to;
    int64_t now = aj_time_now_ms();
    if ((e = time_param(req, "from", q->offset_min, false, &q->from_ms, &has_from))) return e;
    if ((e = time_param(req, "to", q->offset_min, true, &q->to_ms, &has_to))) return e;
    if (!has_from && is_from_required)
        return aj_req_fail(req, AJ_EINVAL,
                           "from: required (the start of the period, RFC 3339 or YYYY-MM-DD)");
    if (!has_from) q->from_ms = 0;
    if (!has_to) q->to_ms = now + 1; /* up to and including now */
    if (q->to_ms <= q->from_ms) return aj_req_fail(req, AJ_EINVAL, "to: must be after from");
    q->as_of_ms = q->to_ms - 1 < now ? q->to_ms - 1 : now;
    char ent[1100], site[1100];
    aj_scope_enterprise(req, "h.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "h.site_id", site, sizeof site);
    snprintf(q->where, sizeof q->where, "%s AND %s AND h.reported_ms >= ? AND h.reported_ms < ?%s", ent, site,
             q->site_id ? " AND h.site_id = ?" : "");
    q->where_params[0] = AJ_VINT(q->from_ms);
    q->where_params[1] = AJ_VINT(q->to_ms);
    q->where_params[2] = AJ_VINT(q->site_id);
    q->n_where_params = q->site_id ? 3 : 2;
    return AJ_OK;
}

static int name_index(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (*names[i] && !strcmp(s, names[i])) return i;
    return -1;
}

static aj_err kpi_params(aj_req *req, kpi_query *q) {
    const char *group = aj_req_query(req, "group"), *period = aj_req_query(req, "period");
    int g = group ? name_index(group, GROUPINGS, 3) : GROUP_NONE;
    if (g < 0) return aj_req_fail(req, AJ_EINVAL, "group: department or period (got \"%.40s\")", group);
    int p = period ? name_index(period, PERIODS, 3) : PERIOD_MONTH;
    if (p < 0) return aj_req_fail(req, AJ_EINVAL, "period: day, week or month (got \"%.40s\")", period);
    aj_err e = range_params(req, q, g == GROUP_PERIOD);
    q->group = (kpi_grouping)g;
    q->period = (kpi_period)p;
    return e;
}

/* Runs "SELECT <cols> FROM hazards h <joins> WHERE <q->where> <tail>" with the flag params
 * first when n_flag_params, then the range, then extra. */
static aj_err run(aj_req *req, const kpi_query *q, const char *cols, const char *joins, const char *tail,
                  int n_flag_params, const aj_val *extra, int n_extra, aj_result **out) {
    char sql[8000];
    int n = snprintf(sql, sizeof sql, "SELECT %s FROM hazards h %s WHERE %s %s", cols, joins, q->where, tail);
    if (n < 0 || (size_t)n >= sizeof sql) return aj_req_fail(req, AJ_EINTERNAL, "query too long");
    aj_val v[N_FLAG_PARAMS + 3 + 2];
    int nv = 0;
    for (int i = 0; i < n_flag_params; i++) v[nv++] = AJ_VINT(q->as_of_ms);
    for (int i = 0; i < q->n_where_params; i++) v[nv++] = q->where_params[i];
    for (int i = 0; i < n_extra && nv < (int)(sizeof v / sizeof v[0]); i++) v[nv++] = extra[i];
    aj_err e = aj_db_query(aj_req_db(req), sql, v, nv, out);
    return e ? aj_req_fail(req, e, "%s", aj_db_errmsg(req->db)) : AJ_OK;
}

static void counts_from(kpi_group *g, const aj_result *r, int row, int col) {
    g->total += aj_result_int(r, row, col);
    g->rectified += aj_result_int(r, row, col + 1);
    g->on_time += aj_result_int(r, row, col + 2);
    g->overdue += aj_result_int(r, row, col + 3);
    g->repeats += aj_result_int(r, row, col + 4);
    g->major += aj_result_int(r, row, col + 5);
}

/* ---- groups ------------------------------------------------------------------------------------ */

static aj_err departments(aj_req *req, const kpi_query *q, kpi_group **out, int *n_out) {
    aj_val limit = AJ_VINT(AJ_HAZARD_KPI_BUCKETS_MAX + 1);
    aj_result *r;
    aj_err e =
        run(req, q, "COALESCE(o.id, 0), MIN(o.code), MIN(o.name), MIN(o.name_en), " SUMS,
            "LEFT JOIN users u ON u.id = h.assignee_id LEFT JOIN organisations o ON o.id = u.org_id AND "
            "o.kind IN ('department', 'contractor')",
            "GROUP BY COALESCE(o.id, 0) ORDER BY COUNT(*) DESC, COALESCE(o.id, 0) LIMIT ?", N_FLAG_PARAMS,
            &limit, 1, &r);
    if (e) return e;
    int n = aj_result_rows(r);
    if (n > AJ_HAZARD_KPI_BUCKETS_MAX) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ETOOBIG, "more than %d departments: give a site_id",
                           AJ_HAZARD_KPI_BUCKETS_MAX);
    }
    kpi_group *gs = calloc((size_t)n + 1, sizeof *gs);
    if (!gs) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    }
    int k = 0;
    kpi_group none = {.key = "unassigned"};
    for (int i = 0; i < n; i++) {
        int64_t org = aj_result_int(r, i, 0);
        kpi_group *g = org ? &gs[k++] : &none;
        if (org) {
            g->org_id = org;
            snprintf(g->key, sizeof g->key, "org:%lld", (long long)org);
            snprintf(g->code, sizeof g->code, "%s", aj_result_text(r, i, 1) ? aj_result_text(r, i, 1) : "");
            snprintf(g->label, sizeof g->label, "%s", aj_result_text(r, i, 2) ? aj_result_text(r, i, 2) : "");
            snprintf(g->label_en, sizeof g->label_en, "%s",
                     aj_result_text(r, i, 3) ? aj_result_text(r, i, 3) : g->label);
        }
        counts_from(g, r, i, 4);
    }
    aj_result_free(r);
    if (none.total) { /* the unassigned ones last */
        snprintf(none.label, sizeof none.label, "%s", "未指派");
        snprintf(none.label_en, sizeof none.label_en, "%s", "unassigned");
        gs[k++] = none;
    }
    *out = gs;
    *n_out = k;
    return AJ_OK;
}

/* The index of the period starting on day start (periods are in order), clamped to the range. */
static int period_index(const kpi_group *gs, int n, int64_t start) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (gs[mid].start_day <= start)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static aj_err periods(aj_req *req, const kpi_query *q, kpi_group **out, int *n_out) {
    int64_t first = period_start(local_day(q->from_ms, q->offset_min), q->period);
    int64_t last_day = local_day(q->to_ms - 1, q->offset_min);
    int n = 0;
    for (int64_t d = first; d <= last_day && n <= AJ_HAZARD_KPI_BUCKETS_MAX; d = period_next(d, q->period))
        n++;
    if (n > AJ_HAZARD_KPI_BUCKETS_MAX)
        return aj_req_fail(
            req, AJ_EINVAL,
            "from, to: the range holds more than %d periods of a %s; choose a longer period or a "
            "shorter range",
            AJ_HAZARD_KPI_BUCKETS_MAX, PERIODS[q->period]);
    kpi_group *gs = calloc((size_t)n, sizeof *gs);
    if (!gs) return aj_req_fail(req, AJ_ENOMEM, "out of memory");
    int64_t d = first;
    for (int i = 0; i < n; i++, d = period_next(d, q->period)) {
        gs[i].start_day = d;
        gs[i].start_ms = day_start_ms(d, q->offset_min);
        gs[i].end_ms = day_start_ms(period_next(d, q->period), q->offset_min);
        period_names(d, q->period, &gs[i]);
    }
    aj_val limit = AJ_VINT(AJ_HAZARD_KPI_ROWS_MAX + 1);
    aj_result *r;
    aj_err e = run(req, q, "h.reported_ms, s.timezone, 1, " FLAGS, "JOIN sites s ON s.id = h.site_id",
                   "LIMIT ?", N_FLAG_PARAMS, &limit, 1, &r);
    if (e) {
        free(gs);
        return e;
    }
    if (aj_result_rows(r) > AJ_HAZARD_KPI_ROWS_MAX) {
        aj_result_free(r);
        free(gs);
        return aj_req_fail(req, AJ_ETOOBIG, "more than %d hazards in the range: choose a shorter range",
                           AJ_HAZARD_KPI_ROWS_MAX);
    }
    for (int i = 0; i < aj_result_rows(r); i++) {
        int off = aj_time_zone_offset_min(aj_result_text(r, i, 1));
        int64_t start = period_start(local_day(aj_result_int(r, i, 0), off), q->period);
        counts_from(&gs[period_index(gs, n, start)], r, i, 2);
    }
    aj_result_free(r);
    *out = gs;
    *n_out = n;
    return AJ_OK;
}

/* The inspection completion rate (docs/inspections.md): of the inspection tasks of the
 * caller's scope whose window starts in [from, to) and has been decided — done, or missed
 * when the window closed unfinished — the share done. Tasks still open in their window
 * count for neither. Per department (the task's department; departments with inspections
 * but no hazards are added as groups) or per period (by window start, in the site's time
 * zone), and in the totals. */
static aj_err kpi_add_inspection_completion(aj_req *req, const kpi_query *q, kpi_group **groups,
                                            int *n_groups, kpi_group *totals) {
    char ent[1100], site[1100], sql[3400];
    aj_scope_enterprise(req, "t.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "t.site_id", site, sizeof site);
    const char *cols = q->group == GROUP_DEPARTMENT
                           ? "COALESCE(o.id, 0), MIN(o.code), MIN(o.name), MIN(o.name_en), COUNT(*), "
                             "COALESCE(SUM(CASE WHEN t.state = 'done' THEN 1 ELSE 0 END), 0)"
                       : q->group == GROUP_PERIOD
                           ? "t.window_start_ms, s.timezone, 1, CASE WHEN t.state = 'done' "
                             "THEN 1 ELSE 0 END"
                           : "0, '', '', '', COUNT(*), COALESCE(SUM(CASE WHEN t.state = "
                             "'done' THEN 1 ELSE 0 END), 0)";
    snprintf(sql, sizeof sql,
             "SELECT %s FROM inspection_tasks t JOIN sites s ON s.id = t.site_id LEFT JOIN organisations o "
             "ON o.id = "
             "t.org_id WHERE %s AND %s AND t.state IN ('done', 'missed') AND t.window_start_ms >= ? AND "
             "t.window_start_ms < ? AND (? = 0 OR t.site_id = ?)%s LIMIT %d",
             cols, ent, site, q->group == GROUP_DEPARTMENT ? " GROUP BY COALESCE(o.id, 0)" : "",
             AJ_HAZARD_KPI_ROWS_MAX + 1);
    aj_val v[4] = {AJ_VINT(q->from_ms), AJ_VINT(q->to_ms), AJ_VINT(q->site_id), AJ_VINT(q->site_id)};
    aj_result *r;
    aj_err e = aj_db_query(aj_req_db(req), sql, v, 4, &r);
    if (e) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(r) > AJ_HAZARD_KPI_ROWS_MAX) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ETOOBIG,
                           "more than %d inspection tasks in the range: choose a shorter range",
                           AJ_HAZARD_KPI_ROWS_MAX);
    }
    totals->has_inspections = true;
    for (int k = 0; k < *n_groups; k++) (*groups)[k].has_inspections = true;
    for (int i = 0; i < aj_result_rows(r); i++) {
        kpi_group *g = NULL;
        int64_t n = 1, done = aj_result_int(r, i, 3);
        if (q->group == GROUP_DEPARTMENT || q->group == GROUP_NONE) {
            n = aj_result_int(r, i, 4);
            done = aj_result_int(r, i, 5);
        }
        if (q->group == GROUP_DEPARTMENT) {
            int64_t org = aj_result_int(r, i, 0);
            for (int k = 0; k < *n_groups && !g; k++)
                if ((*groups)[k].org_id == org) g = &(*groups)[k];
            if (!g && *n_groups < AJ_HAZARD_KPI_BUCKETS_MAX) { /* inspections, no hazards */
                kpi_group *more = realloc(*groups, ((size_t)*n_groups + 1) * sizeof *more);
                if (!more) {
                    aj_result_free(r);
                    return aj_req_fail(req, AJ_ENOMEM, "out of memory");
                }
                *groups = more;
                g = &more[(*n_groups)++];
                memset(g, 0, sizeof *g);
                g->org_id = org;
                g->has_inspections = true;
                const char *code = aj_result_text(r, i, 1), *name = aj_result_text(r, i, 2),
                           *name_en = aj_result_text(r, i, 3);
                if (org) {
                    snprintf(g->key, sizeof g->key, "org:%lld", (long long)org);
                    snprintf(g->code, sizeof g->code, "%s", code ? code : "");
                    snprintf(g->label, sizeof g->label, "%s", name ? name : "");
                    snprintf(g->label_en, sizeof g->label_en, "%s", name_en ? name_en : g->label);
                } else {
                    snprintf(g->key, sizeof g->key, "%s", "unassigned");
                    snprintf(g->label, sizeof g->label, "%s", "未指派");
                    snprintf(g->label_en, sizeof g->label_en, "%s", "unassigned");
                }
            }
        } else if (q->group == GROUP_PERIOD && *n_groups > 0) {
            int off = aj_time_zone_offset_min(aj_result_text(r, i, 1));
            int64_t start = period_start(local_day(aj_result_int(r, i, 0), off), q->period);
            g = &(*groups)[period_index(*groups, *n_groups, start)];
        }
        if (g) {
            g->n_inspections += n;
            g->n_inspections_done += done;
        }
        totals->n_inspections += n;
        totals->n_inspections_done += done;
    }
    aj_result_free(r);
    return AJ_OK;
}

static json_t *rate(int64_t num, int64_t den) {
    return den > 0 ? json_real((double)num / (double)den) : json_null();
}

static void counts_json(json_t *o, const kpi_group *g) {
    json_object_set_new(o, "total", json_integer(g->total));
    json_object_set_new(o, "rectified", json_integer(g->rectified));
    json_object_set_new(o, "on_time", json_integer(g->on_time));
    json_object_set_new(o, "overdue", json_integer(g->overdue));
    json_object_set_new(o, "repeats", json_integer(g->repeats));
    json_object_set_new(o, "major", json_integer(g->major));
    json_object_set_new(o, "rectification_rate", rate(g->rectified, g->total));
    json_object_set_new(o, "on_time_rate", rate(g->on_time, g->rectified));
    json_object_set_new(o, "repeat_rate", rate(g->repeats, g->total));
    if (g->has_inspections) {
        json_object_set_new(o, "inspection_total", json_integer(g->n_inspections));
        json_object_set_new(o, "inspection_done", json_integer(g->n_inspections_done));
        json_object_set_new(o, "inspection_completion_rate", rate(g->n_inspections_done, g->n_inspections));
    }
}

static json_t *group_json(const kpi_query *q, const kpi_group *g) {
    char t[40];
    json_t *o = json_pack("{s:s, s:s, s:s}", "key", g->key, "label", g->label, "label_en", g->label_en);
    if (q->group == GROUP_DEPARTMENT) {
        json_object_set_new(o, "org_id", g->org_id ? json_integer(g->org_id) : json_null());
        json_object_set_new(o, "code", g->org_id ? json_string(g->code) : json_null());
    } else {
        aj_time_format_ms(g->start_ms, t, sizeof t);
        json_object_set_new(o, "start", json_string(t));
        aj_time_format_ms(g->end_ms, t, sizeof t);
        json_object_set_new(o, "end", json_string(t));
    }
    counts_json(o, g);
    return o;
}

aj_err aj_api_hazard_kpi(aj_req *req) {
    kpi_query q;
    aj_err e = kpi_params(req, &q);
    if (e) return e;
    aj_result *r;
    if ((e = run(req, &q, SUMS, "", "", N_FLAG_PARAMS, NULL, 0, &r))) return e;
    kpi_group totals = {.key = "total"};
    counts_from(&totals, r, 0, 0);
    aj_result_free(r);
    kpi_group *gs = NULL;
    int n = 0;
    if (q.group == GROUP_DEPARTMENT) e = departments(req, &q, &gs, &n);
    if (q.group == GROUP_PERIOD) e = periods(req, &q, &gs, &n);
    if (!e) e = kpi_add_inspection_completion(req, &q, &gs, &n, &totals);
    if (e) {
        free(gs);
        return e;
    }
    json_t *o = json_object();
    counts_json(o, &totals);
    char t[40];
    aj_time_format_ms(q.from_ms, t, sizeof t);
    json_object_set_new(o, "from", json_string(t));
    aj_time_format_ms(q.to_ms, t, sizeof t);
    json_object_set_new(o, "to", json_string(t));
    aj_time_format_ms(q.as_of_ms, t, sizeof t);
    json_object_set_new(o, "as_of", json_string(t));
    json_object_set_new(o, "utc_offset_min", json_integer(q.offset_min));
    if (q.group != GROUP_NONE) {
        json_object_set_new(o, "group", json_string(GROUPINGS[q.group]));
        if (q.group == GROUP_PERIOD) json_object_set_new(o, "period", json_string(PERIODS[q.period]));
        json_t *items = json_array();
        for (int i = 0; i < n; i++) json_array_append_new(items, group_json(&q, &gs[i]));
        json_object_set_new(o, "groups", items);
    }
    free(gs);
    aj_reply_json(req, 200, o);
    return AJ_OK;
}

/* ---- the regulator export ---------------------------------------------------------------------- */

/* The columns: Chinese header, English header. The plan's parts follow the ledger's columns
 * and are filled for major hazards only. */
static const char *const COLUMNS[][2] = {
    {"编号", "Number"},
    {"发现时间", "Reported at"},
    {"位置/区域", "Place"},
    {"类别", "Category"},
    {"等级", "Grade"},
    {"描述", "Description"},
    {"整改责任人", "Assignee"},
    {"责任部门", "Department"},
    {"整改期限", "Deadline"},
    {"整改完成时间", "Rectified at"},
    {"验收人", "Accepted by"},
    {"验收时间", "Accepted at"},
    {"销号时间", "Closed at"},
    {"状态", "State"},
    {"是否逾期", "Overdue"},
    {"是否重复", "Repeat"},
    {"治理目标和任务", "Plan: target and tasks"},
    {"治理方法和措施", "Plan: methods and measures"},
    {"经费和物资", "Plan: funds and materials"},
    {"负责治理的机构和人员", "Plan: people in charge"},
    {"治理时限和要求", "Plan: time limit"},
    {"安全措施", "Plan: safety measures"},
    {"应急预案", "Plan: emergency plan"},
};
#define N_COLUMNS ((int)(sizeof COLUMNS / sizeof COLUMNS[0]))
static const int WIDTHS[N_COLUMNS] = {18, 17, 22, 10, 6,  40, 12, 14, 17, 17, 12, 17,
                                      17, 8,  8,  8,  30, 30, 24, 24, 24, 30, 24};
static const char *const PLAN_PARTS[] = {"target",   "method",          "funds_materials", "people_in_charge",
                                         "deadline", "safety_measures", "emergency_plan"};

static const char *const CATEGORY_WORDS[][2] = {
    {"leak", "泄漏"},      {"fire", "消防"},    {"electrical", "电气"}, {"housekeeping", "现场管理"},
    {"guard", "防护设施"}, {"ppe", "劳动防护"}, {"equipment", "设备"},  {"other", "其他"},
};
static const char *const STATE_WORDS[][2] = {
    {"reported", "已上报"}, {"registered", "已登记"}, {"rectified", "已整改"},
    {"accepted", "已验收"}, {"closed", "已销号"},
};

static const char *word(const char *const (*table)[2], int n, const char *code) {
    for (int i = 0; code && i < n; i++)
        if (!strcmp(table[i][0], code)) return table[i][1];
    return code;
}

/* Where the report goes: CSV text or the XLSX sheet, one row of cells after the other. */
typedef struct sink {
    bool is_xlsx;
    aj_rbuf csv;
    aj_xlsx xlsx;
    int col, n_rows;
} sink;

static aj_err sink_row(sink *s) {
    s->col = 0;
    if (s->is_xlsx) return aj_xlsx_row(&s->xlsx);
    return s->n_rows++ ? aj_csv_row_end(&s->csv) : AJ_OK;
}

static aj_err sink_cell(sink *s, const char *text, aj_xlsx_style style) {
    bool is_first = s->col++ == 0;
    if (s->is_xlsx) return aj_xlsx_text(&s->xlsx, text, style);
    return aj_csv_field(&s->csv, text, is_first);
}

enum {
    X_NUMBER,
    X_REPORTED,
    X_TZ,
    X_AREA_CODE,
    X_AREA_NAME,
    X_ASSET_CODE,
    X_X,
    X_Y,
    X_CATEGORY,
    X_GRADE,
    X_DESCRIPTION,
    X_ASSIGNEE_NAME,
    X_ASSIGNEE_USER,
    X_ORG_NAME,
    X_DEADLINE,
    X_RECTIFIED,
    X_ACCEPTED_BY,
    X_ACCEPTED_NAME,
    X_ACCEPTED,
    X_CLOSED,
    X_STATE,
    X_REPEAT_OF,
    X_PLAN,
};
#define EXPORT_COLS                                                                                          \
    "h.number, h.reported_ms, s.timezone, a.code, a.name, ast.code, h.x, h.y, h.category, h.grade, "         \
    "h.description, u.display_name, u.username, o.name, h.deadline_ms, h.rectified_ms, h.accepted_by, "      \
    "(SELECT display_name FROM users WHERE username = h.accepted_by), h.accepted_ms, h.closed_ms, h.state, " \
    "h.repeat_of_id, h.plan_json"
#define EXPORT_JOINS                                                                                         \
    "JOIN sites s ON s.id = h.site_id LEFT JOIN areas a ON a.id = h.area_id LEFT JOIN assets ast ON ast.id " \
    "= "                                                                                                     \
    "h.asset_id LEFT JOIN users u ON u.id = h.assignee_id LEFT JOIN organisations o ON o.id = u.org_id"

static const char *text_or(const aj_result *r, int i, int c, const char *def) {
    const char *s = aj_result_text(r, i, c);
    return s && *s ? s : def;
}

static int64_t ms_or0(const aj_result *r, int i, int c) {
    return aj_result_is_null(r, i, c) ? 0 : aj_result_int(r, i, c);
}

static aj_err export_row(sink *s, const aj_result *r, int i, int64_t now) {
    int off = aj_time_zone_offset_min(aj_result_text(r, i, X_TZ));
    char reported[24], deadline[24], rectified[24], accepted[24], closed[24], place[600], assignee[300];
    local_time(aj_result_int(r, i, X_REPORTED), off, reported, sizeof reported);
    int64_t deadline_ms = ms_or0(r, i, X_DEADLINE), rectified_ms = ms_or0(r, i, X_RECTIFIED);
    int64_t accepted_ms = ms_or0(r, i, X_ACCEPTED);
    local_time(deadline_ms, off, deadline, sizeof deadline);
    local_time(rectified_ms, off, rectified, sizeof rectified);
    local_time(accepted_ms, off, accepted, sizeof accepted);
    local_time(ms_or0(r, i, X_CLOSED), off, closed, sizeof closed);
    if (!aj_result_is_null(r, i, X_AREA_CODE))
        snprintf(place, sizeof place, "%s %s%s%s", aj_result_text(r, i, X_AREA_CODE),
                 text_or(r, i, X_AREA_NAME, ""), aj_result_is_null(r, i, X_ASSET_CODE) ? "" : " / ",
                 text_or(r, i, X_ASSET_CODE, ""));
    else if (!aj_result_is_null(r, i, X_ASSET_CODE))
        snprintf(place, sizeof place, "%s", aj_result_text(r, i, X_ASSET_CODE));
    else if (!aj_result_is_null(r, i, X_X))
        snprintf(place, sizeof place, "(%.1f, %.1f)", aj_result_double(r, i, X_X),
                 aj_result_double(r, i, X_Y));
    else
        snprintf(place, sizeof place, "%s", "");
    snprintf(assignee, sizeof assignee, "%s", text_or(r, i, X_ASSIGNEE_NAME, ""));
    const char *grade = aj_result_text(r, i, X_GRADE);
    bool is_major = grade && !strcmp(grade, "major");
    /* overdue: open past the deadline now, or rectified after it */
    bool is_overdue = deadline_ms && ((!accepted_ms && now >= deadline_ms) || rectified_ms > deadline_ms);
    const char *cells[N_COLUMNS] = {
        aj_result_text(r, i, X_NUMBER),
        reported,
        place,
        word(CATEGORY_WORDS, 8, aj_result_text(r, i, X_CATEGORY)),
        !grade     ? "待定级"
        : is_major ? "重大"
                   : "一般",
        aj_result_text(r, i, X_DESCRIPTION),
        assignee,
        text_or(r, i, X_ORG_NAME, ""),
        deadline,
        rectified,
        text_or(r, i, X_ACCEPTED_NAME, text_or(r, i, X_ACCEPTED_BY, "")),
        accepted,
        closed,
        word(STATE_WORDS, 5, aj_result_text(r, i, X_STATE)),
        is_overdue ? "是" : "否",
        aj_result_is_null(r, i, X_REPEAT_OF) ? "否" : "是",
    };
    json_error_t je;
    const char *plan_text = aj_result_text(r, i, X_PLAN);
    json_t *plan = is_major && plan_text ? json_loads(plan_text, 0, &je) : NULL;
    for (int k = 0; k < 7; k++) cells[16 + k] = json_string_value(json_object_get(plan, PLAN_PARTS[k]));
    aj_err e = sink_row(s);
    for (int k = 0; k < N_COLUMNS && !e; k++)
        e = sink_cell(s, cells[k], k == 5 || k >= 16 ? AJ_XLSX_WRAP : AJ_XLSX_PLAIN);
    json_decref(plan);
    return e;
}

/* 隐患台账-20260301-20260331.xlsx as Content-Disposition: an ASCII fallback and the UTF-8 name
 * (RFC 6266, RFC 5987). */
static void disposition(const kpi_query *q, const char *ext, char *buf, size_t size) {
    char a[40], b[40];
    aj_time_format_ms(q->from_ms + (int64_t)q->offset_min * 60000, a, sizeof a);
    aj_time_format_ms(q->to_ms - 1 + (int64_t)q->offset_min * 60000, b, sizeof b);
    char days[24];
    snprintf(days, sizeof days, "%.4s%.2s%.2s-%.4s%.2s%.2s", a, a + 5, a + 8, b, b + 5, b + 8);
    snprintf(buf, size,
             "attachment; filename=\"hazard-ledger-%s.%s\"; "
             "filename*=UTF-8''%%E9%%9A%%90%%E6%%82%%A3%%E5%%8F%%B0%%E8%%B4%%A6-%s.%s",
             days, ext, days, ext);
}

static aj_err export_audit(aj_req *req, const kpi_query *q, const char *format, int n_rows, size_t bytes) {
    char actor[128], from[40], to[40], oid[96];
    aj_req_actor(req, actor, sizeof actor);
    aj_time_format_ms(q->from_ms, from, sizeof from);
    aj_time_format_ms(q->to_ms, to, sizeof to);
    snprintf(oid, sizeof oid, "%s/%s", from, to);
    json_t *after = json_pack("{s:s, s:s, s:s, s:i, s:I}", "format", format, "from", from, "to", to, "rows",
                              n_rows, "bytes", (json_int_t)bytes);
    json_object_set_new(after, "site_id", q->site_id ? json_integer(q->site_id) : json_null());
    aj_db *db = aj_req_db(req);
    aj_audit_entry ae = {req->auth.enterprise_id, actor, "hazards.export", "hazard_export", oid, NULL, after};
    aj_err e = aj_db_begin(db);
    if (!e) e = aj_audit_append(db, &ae);
    if (!e) e = aj_db_commit(db);
    json_decref(after);
    if (e) {
        aj_db_rollback(db);
        return aj_req_fail(req, e, "the export was not recorded in the audit log, so it is not given: %s",
                           aj_db_errmsg(db));
    }
    return AJ_OK;
}

static aj_err export_fill(aj_req *req, sink *s, const aj_result *r) {
    aj_err e = AJ_OK;
    for (int h = 0; h < 2 && !e; h++) {
        e = sink_row(s);
        for (int k = 0; k < N_COLUMNS && !e; k++) e = sink_cell(s, COLUMNS[k][h], AJ_XLSX_BOLD);
    }
    int64_t now = aj_time_now_ms();
    for (int i = 0; i < aj_result_rows(r) && !e; i++) e = export_row(s, r, i, now);
    if (!e && !s->is_xlsx) e = aj_csv_row_end(&s->csv);
    if (e == AJ_ETOOBIG)
        return aj_req_fail(req, e, "the export would exceed %u MiB: export a shorter period",
                           AJ_HAZARD_EXPORT_BYTES_MAX / (1024u * 1024u));
    return e ? aj_req_fail(req, e, "the export could not be written") : AJ_OK;
}

aj_err aj_api_hazards_export(aj_req *req) {
    const char *format = aj_req_query(req, "format");
    if (!format || (strcmp(format, "csv") && strcmp(format, "xlsx")))
        return aj_req_fail(req, AJ_EINVAL, "format: csv or xlsx (got \"%.40s\")", format ? format : "");
    kpi_query q;
    aj_err e = range_params(req, &q, true);
    if (e) return e;
    aj_val limit = AJ_VINT(AJ_HAZARD_EXPORT_ROWS_MAX + 1);
    aj_result *r;
    if ((e = run(req, &q, EXPORT_COLS, EXPORT_JOINS, "ORDER BY h.reported_ms, h.id LIMIT ?", 0, &limit, 1,
                 &r)))
        return e;
    int n_rows = aj_result_rows(r);
    if (n_rows > AJ_HAZARD_EXPORT_ROWS_MAX) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ETOOBIG,
                           "the period holds more than %d hidden dangers: export a shorter period",
                           AJ_HAZARD_EXPORT_ROWS_MAX);
    }
    sink s = {.is_xlsx = !strcmp(format, "xlsx")};
    aj_rbuf_init(&s.csv, AJ_HAZARD_EXPORT_BYTES_MAX);
    aj_xlsx_init(&s.xlsx, AJ_HAZARD_EXPORT_BYTES_MAX);
    if (!s.is_xlsx) e = aj_rbuf_puts(&s.csv, AJ_CSV_BOM);
    if (!e) e = export_fill(req, &s, r);
    aj_result_free(r);
    char *out = NULL;
    size_t len = 0;
    if (!e && s.is_xlsx) {
        aj_xlsx_freeze_rows(&s.xlsx, 2);
        for (int k = 0; k < N_COLUMNS; k++) aj_xlsx_col_width(&s.xlsx, k, WIDTHS[k]);
        e = aj_xlsx_finish(&s.xlsx, "隐患台账", &out, &len);
        if (e) e = aj_req_fail(req, e, "the workbook could not be written");
    } else if (!e) {
        out = aj_rbuf_take(&s.csv, &len);
    }
    aj_xlsx_clear(&s.xlsx);
    aj_rbuf_clear(&s.csv);
    if (!e) e = export_audit(req, &q, format, n_rows, len);
    if (!e) {
        char cd[400];
        disposition(&q, format, cd, sizeof cd);
        aj_reply_header(req, "Content-Disposition", cd);
        aj_reply_header(req, "Cache-Control", "no-store");
        aj_reply_raw(req, 200,
                     s.is_xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                               : "text/csv; charset=utf-8",
                     out ? out : "", len);
    }
    free(out);
    return e;
}
