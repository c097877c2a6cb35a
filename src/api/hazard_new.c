/* hazard_new.c — inserting a hidden danger and recording its changes (hazard_int.h):
 * shared by the ledger's report route and inspection findings, so both number, link
 * repeats, keep the timeline and audit the same way. */
#include "api/api.h"
#include "api/hazard_int.h"
#include "audit/audit.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "hazard/hazard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

aj_err aj_hazard_record(aj_req *req, int64_t id, int64_t enterprise_id, const char *number, const char *kind,
                        const char *from, const char *to, const json_t *detail) {
    aj_db *db = aj_req_db(req);
    char actor[128], oid[32], action[48];
    aj_req_actor(req, actor, sizeof actor);
    char *dtext = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    aj_val v[6] = {AJ_VINT(id),    AJ_VINT(enterprise_id), AJ_VINT(aj_time_now_ms()),
                   AJ_VTEXT(kind), AJ_VTEXT(actor),        AJ_VTEXT(dtext)};
    aj_err e = aj_db_exec(
        db,
        "INSERT INTO hazard_events (hazard_id, enterprise_id, at_ms, kind, actor, detail_json) VALUES "
        "(?, ?, ?, ?, ?, ?)",
        v, 6, NULL);
    free(dtext);
    if (e) return e;
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    snprintf(action, sizeof action, "hazards.%s", kind);
    json_t *before = from ? json_pack("{s:s, s:s}", "number", number, "state", from) : NULL;
    json_t *after = json_pack("{s:s, s:s, s:O?}", "number", number, "state", to, "detail", detail);
    aj_audit_entry ae = {enterprise_id, actor, action, "hazard", oid, before, after};
    e = aj_audit_append(db, &ae);
    json_decref(before);
    json_decref(after);
    return e;
}

static int64_t policy_int(aj_db *db, int64_t enterprise_id, const char *col, int64_t def) {
    char sql[120];
    snprintf(sql, sizeof sql, "SELECT %s FROM hazard_policy WHERE enterprise_id = ?", col);
    aj_val v = AJ_VINT(enterprise_id);
    int64_t out = def;
    if (aj_db_query_int(db, sql, &v, 1, &out)) return def;
    return out;
}

/* The earliest hazard of the site this one repeats (0: none), by the repeat rule. */
static int64_t find_repeat(aj_db *db, int64_t enterprise_id, int64_t site_id, const aj_hazard_key *me) {
    int64_t window_ms =
        policy_int(db, enterprise_id, "repeat_window_days", AJ_HAZARD_REPEAT_WINDOW_D) * 86400000LL;
    aj_val v[2] = {AJ_VINT(site_id), AJ_VINT(me->reported_ms - window_ms)};
    aj_result *r;
    if (aj_db_query(db,
                    "SELECT id, COALESCE(area_id, 0), COALESCE(asset_id, 0), category, cause, reported_ms, "
                    "COALESCE(repeat_of_id, 0) FROM hazards WHERE site_id = ? AND reported_ms >= ? ORDER BY "
                    "id LIMIT 5000",
                    v, 2, &r))
        return 0;
    int64_t found = 0;
    for (int i = 0; i < aj_result_rows(r) && !found; i++) {
        aj_hazard_key k = {aj_result_int(r, i, 1), aj_result_int(r, i, 2), aj_result_text(r, i, 3),
                           aj_result_text(r, i, 4), aj_result_int(r, i, 5)};
        if (aj_hazard_is_repeat(&k, me, window_ms))
            found = aj_result_int(r, i, 6) ? aj_result_int(r, i, 6) : aj_result_int(r, i, 0);
    }
    aj_result_free(r);
    return found;
}

aj_err aj_hazard_insert(aj_req *req, const aj_hazard_new *h, int64_t *id_out, char *number_out,
                        size_t number_size) {
    aj_db *db = aj_req_db(req);
    int64_t now = aj_time_now_ms();
    aj_hazard_key me = {h->area_id, h->asset_id, h->category, h->cause, now};
    int64_t repeat_of = find_repeat(db, h->enterprise_id, h->site_id, &me);
    char t[40], day[16], like[32], number[48];
    aj_time_format_ms(now + 480LL * 60000, t, sizeof t);
    snprintf(day, sizeof day, "%.4s%.2s%.2s", t, t + 5, t + 8);
    snprintf(like, sizeof like, "YH-%s-%%", day);
    aj_val lv[2] = {AJ_VINT(h->enterprise_id), AJ_VTEXT(like)};
    int64_t n = 0;
    aj_db_query_int(db, "SELECT COUNT(*) FROM hazards WHERE enterprise_id = ? AND number LIKE ?", lv, 2, &n);
    snprintf(number, sizeof number, "YH-%s-%04lld", day, (long long)n + 1);
    aj_val v[14] = {AJ_VINT(h->enterprise_id),
                    AJ_VINT(h->site_id),
                    AJ_VTEXT(number),
                    AJ_VTEXT(h->category),
                    AJ_VTEXT(h->cause),
                    AJ_VTEXT(h->description),
                    h->area_id ? AJ_VINT(h->area_id) : AJ_VNULL,
                    h->asset_id ? AJ_VINT(h->asset_id) : AJ_VNULL,
                    h->has_xy ? AJ_VDBL(h->x) : AJ_VNULL,
                    h->has_xy ? AJ_VDBL(h->y) : AJ_VNULL,
                    AJ_VTEXT(h->source),
                    AJ_VTEXT(req->auth.username),
                    AJ_VINT(now),
                    repeat_of ? AJ_VINT(repeat_of) : AJ_VNULL};
    aj_err e = aj_db_exec(
        db,
        "INSERT INTO hazards (enterprise_id, site_id, number, category, cause, description, area_id, "
        "asset_id, x, y, source, reported_by, reported_ms, repeat_of_id, state) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, 'reported')",
        v, 14, NULL);
    int64_t id = 0;
    if (!e)
        e = aj_db_query_int(db, "SELECT id FROM hazards WHERE enterprise_id = ? AND number = ?",
                            (aj_val[]){AJ_VINT(h->enterprise_id), AJ_VTEXT(number)}, 2, &id);
    if (!e && repeat_of) {
        aj_val rv = AJ_VINT(repeat_of);
        e = aj_db_exec(db, "UPDATE hazards SET n_repeats = n_repeats + 1 WHERE id = ?", &rv, 1, NULL);
    }
    json_t *detail = h->extra_detail ? json_deep_copy(h->extra_detail) : json_object();
    json_object_set_new(detail, "category", json_string(h->category));
    json_object_set_new(detail, "description", json_string(h->description));
    if (repeat_of) json_object_set_new(detail, "repeat_of_id", json_integer(repeat_of));
    if (!e) e = aj_hazard_record(req, id, h->enterprise_id, number, "report", NULL, "reported", detail);
    json_decref(detail);
    *id_out = id;
    if (number_out && number_size) snprintf(number_out, number_size, "%s", number);
    return e;
}
