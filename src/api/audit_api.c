/* audit_api.c — GET /api/v1/audit (records of the caller's enterprises, newest last,
 * paged by sequence number) and GET /api/v1/audit/verify (walks the whole chain). */
#include "api/api.h"
#include "audit/audit.h"
#include "base/limits.h"

#include <stdio.h>
#include <string.h>

aj_err aj_api_audit_list(aj_req *req) {
    int64_t limit, after;
    aj_err e = aj_req_page(req, &limit, &after);
    if (e) return e;
    char scope[1024], sql[2048];
    aj_scope_enterprise(req, "enterprise_id", scope, sizeof scope);
    aj_val p[6];
    int np = 0;
    int n = snprintf(sql, sizeof sql,
                     "SELECT seq, at_ms, enterprise_id, actor, action, object_type, object_id, before_digest,"
                     " after_digest, prev_hash, hash FROM audit_log WHERE %s AND seq > ?",
                     scope);
    p[np++] = AJ_VINT(after);
    static const char *const filters[] = {"action", "object_type", "object_id", "actor"};
    for (int i = 0; i < 4; i++) {
        const char *v = aj_req_query(req, filters[i]);
        if (!v) continue;
        if (strlen(v) > AJ_NAME_LEN_MAX) return aj_req_fail(req, AJ_EINVAL, "%s filter too long", filters[i]);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND %s = ?", filters[i]);
        p[np++] = AJ_VTEXT(v);
    }
    snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY seq LIMIT ?");
    p[np++] = AJ_VINT(limit);
    json_t *rows;
    if ((e = aj_db_query_json(aj_req_db(req), sql, p, np, &rows)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    aj_reply_page(req, rows, limit, "seq");
    return AJ_OK;
}

aj_err aj_api_audit_verify(aj_req *req) {
    aj_audit_report rep;
    aj_err e = aj_audit_verify(aj_req_db(req), &rep);
    if (e && e != AJ_EAUDIT) return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    json_t *body =
        json_pack("{s:b, s:I}", "intact", e == AJ_OK, "records_checked", (json_int_t)rep.n_checked);
    if (e == AJ_EAUDIT) {
        json_object_set_new(body, "first_bad_seq", json_integer(rep.first_bad_seq));
        json_object_set_new(body, "reason", json_string(rep.reason));
    }
    aj_reply_json(req, 200, body);
    return AJ_OK;
}
