/* alarm_defs.c — alarm definitions in the store: load, generated defaults, user sets,
 * JSON form. See alarm_defs.h for the rules. */
#include "engine/alarm_defs.h"

#include "audit/audit.h"
#include "base/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_MS 1000000LL
#define NS_PER_S  1000000000LL

static const char *const QUALITY_BASIS = "data quality: stale, communication loss, flatline, out of range, "
                                         "spike or implausible rate on the tag (docs/data-quality.md)";

void aj_alarm_def_row_fix(aj_alarm_def_row *r) {
    r->def.basis = r->basis[0] ? r->basis : NULL;
}

const char *aj_alarm_def_row_kind_name(const aj_alarm_def_row *r) {
    return r->is_quality ? AJ_ALARM_KIND_QUALITY_NAME : aj_alarm_kind_name(r->def.kind);
}

static void quality_row(int64_t tag_id, aj_alarm_def_row *r) {
    memset(r, 0, sizeof *r);
    r->is_quality = true;
    r->def.tag_id = tag_id;
    r->def.kind = AJ_ALARM_KIND_DISCRETE;
    r->def.priority = AJ_PRIO_DIAGNOSTIC;
    r->def.setpoint = 1;
    r->def.shelve_max_ns = AJ_ALARM_SHELVE_MAX_DEFAULT_NS;
    snprintf(r->basis, sizeof r->basis, "%s", QUALITY_BASIS);
    aj_alarm_def_row_fix(r);
}

#define COLS                                                                                                 \
    "id, enterprise_id, tag_id, kind, priority, setpoint, deadband, on_delay_ms, off_delay_ms, "             \
    "roc_window_s, "                                                                                         \
    "is_not_equal, is_latched, shelve_max_s, basis, source"

static aj_err row_from_result(const aj_result *r, int i, aj_alarm_def_row *out) {
    memset(out, 0, sizeof *out);
    out->def.id = aj_result_int(r, i, 0);
    out->enterprise_id = aj_result_int(r, i, 1);
    out->def.tag_id = aj_result_int(r, i, 2);
    const char *kind = aj_result_text(r, i, 3);
    if (kind && strcmp(kind, AJ_ALARM_KIND_QUALITY_NAME) == 0) {
        out->is_quality = true;
        out->def.kind = AJ_ALARM_KIND_DISCRETE;
    } else if (aj_alarm_kind_parse(kind, &out->def.kind)) {
        return AJ_EINVAL;
    }
    if (aj_alarm_priority_parse(aj_result_text(r, i, 4), &out->def.priority)) return AJ_EINVAL;
    out->def.setpoint = aj_result_double(r, i, 5);
    out->def.deadband = aj_result_double(r, i, 6);
    out->def.on_delay_ns = aj_result_int(r, i, 7) * NS_PER_MS;
    out->def.off_delay_ns = aj_result_int(r, i, 8) * NS_PER_MS;
    out->def.roc_window_ns = aj_result_int(r, i, 9) * NS_PER_S;
    out->def.is_not_equal = aj_result_int(r, i, 10) != 0;
    out->def.is_latched = aj_result_int(r, i, 11) != 0;
    out->def.shelve_max_ns = aj_result_int(r, i, 12) * NS_PER_S;
    const char *basis = aj_result_text(r, i, 13);
    snprintf(out->basis, sizeof out->basis, "%s", basis ? basis : "");
    const char *source = aj_result_text(r, i, 14);
    out->is_user = source && strcmp(source, "user") == 0;
    aj_alarm_def_row_fix(out);
    return aj_alarm_def_check(&out->def);
}

aj_err aj_alarm_defs_load(aj_db *db, int64_t tag_id, aj_alarm_def_row *out, size_t cap, size_t *n) {
    *n = 0;
    aj_val p = AJ_VINT(tag_id);
    aj_result *r;
    aj_err err = aj_db_query(
        db, "SELECT " COLS " FROM alarm_defs WHERE tag_id = ? AND is_retired = 0 ORDER BY id", &p, 1, &r);
    if (err) return err;
    for (int i = 0; i < aj_result_rows(r) && *n < cap; i++) {
        if (row_from_result(r, i, &out[*n]) == AJ_OK) (*n)++;
    }
    aj_result_free(r);
    return AJ_OK;
}

aj_err aj_alarm_defs_load_all(aj_db *db, aj_alarm_def_row_fn fn, void *ctx) {
    aj_result *r;
    aj_err err = aj_db_query(db, "SELECT " COLS " FROM alarm_defs WHERE is_retired = 0 ORDER BY tag_id, id",
                             NULL, 0, &r);
    if (err) return err;
    for (int i = 0; i < aj_result_rows(r); i++) {
        aj_alarm_def_row row;
        if (row_from_result(r, i, &row) == AJ_OK) fn(ctx, &row);
    }
    aj_result_free(r);
    return AJ_OK;
}

/* ---- JSON ----------------------------------------------------------------------------- */

json_t *aj_alarm_def_row_to_json(const aj_alarm_def_row *r) {
    const aj_alarm_def *d = &r->def;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(d->id));
    json_object_set_new(o, "tag_id", json_integer(d->tag_id));
    json_object_set_new(o, "kind", json_string(aj_alarm_def_row_kind_name(r)));
    json_object_set_new(o, "priority", json_string(aj_alarm_priority_name(d->priority)));
    json_object_set_new(o, "setpoint", json_real(d->setpoint));
    json_object_set_new(o, "deadband", json_real(d->deadband));
    json_object_set_new(o, "on_delay_s", json_real((double)d->on_delay_ns / NS_PER_S));
    json_object_set_new(o, "off_delay_s", json_real((double)d->off_delay_ns / NS_PER_S));
    if (d->kind == AJ_ALARM_KIND_ROC)
        json_object_set_new(o, "roc_window_s", json_integer(d->roc_window_ns / NS_PER_S));
    if (d->kind == AJ_ALARM_KIND_DISCRETE && !r->is_quality)
        json_object_set_new(o, "is_not_equal", json_boolean(d->is_not_equal));
    json_object_set_new(o, "is_latched", json_boolean(d->is_latched));
    json_object_set_new(o, "shelve_max_s", json_integer(d->shelve_max_ns / NS_PER_S));
    json_object_set_new(o, "basis", r->basis[0] ? json_string(r->basis) : json_null());
    json_object_set_new(o, "source", json_string(r->is_user ? "user" : "default"));
    return o;
}

static aj_err fail(char *err, size_t errlen, const char *path, const char *member, const char *msg) {
    snprintf(err, errlen, "%s%s%s: %s", path, member ? "." : "", member ? member : "", msg);
    return AJ_EINVAL;
}

/* Seconds (number >= 0, at most max_s) into ns; absent: keeps *out. */
static aj_err get_seconds(const json_t *obj, const char *path, const char *name, double max_s, int64_t *out,
                          char *err, size_t errlen) {
    const json_t *v = json_object_get(obj, name);
    if (!v) return AJ_OK;
    if (!json_is_number(v)) return fail(err, errlen, path, name, "must be a number of seconds");
    double s = json_number_value(v);
    if (!isfinite(s) || s < 0 || s > max_s) {
        char msg[96];
        snprintf(msg, sizeof msg, "must be between 0 and %.0f seconds", max_s);
        return fail(err, errlen, path, name, msg);
    }
    *out = (int64_t)llround(s * NS_PER_S);
    return AJ_OK;
}

static aj_err get_bool(const json_t *obj, const char *path, const char *name, bool *out, char *err,
                       size_t errlen) {
    const json_t *v = json_object_get(obj, name);
    if (!v) return AJ_OK;
    if (!json_is_boolean(v)) return fail(err, errlen, path, name, "must be true or false");
    *out = json_is_true(v);
    return AJ_OK;
}

aj_err aj_alarm_def_from_json(const json_t *obj, const char *path, aj_alarm_def_row *out, char *err,
                              size_t errlen) {
    static const char *const allowed[] = {
        "kind",         "priority",   "setpoint",     "deadband", "on_delay_s", "off_delay_s", "roc_window_s",
        "is_not_equal", "is_latched", "shelve_max_s", "basis",    "id",         "tag_id",      "source"};
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj)) return fail(err, errlen, path, NULL, "must be an object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        bool is_known = false;
        for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
            if (strcmp(key, allowed[i]) == 0) is_known = true;
        if (!is_known) return fail(err, errlen, path, key, "unknown member");
    }
    const json_t *kind = json_object_get(obj, "kind");
    if (!json_is_string(kind))
        return fail(err, errlen, path, "kind", "required: hh, h, l, ll, roc or discrete");
    if (strcmp(json_string_value(kind), AJ_ALARM_KIND_QUALITY_NAME) == 0)
        return fail(err, errlen, path, "kind",
                    "the quality alarm is generated for every tag and cannot be set");
    if (aj_alarm_kind_parse(json_string_value(kind), &out->def.kind))
        return fail(err, errlen, path, "kind", "must be one of hh, h, l, ll, roc, discrete");
    const json_t *prio = json_object_get(obj, "priority");
    if (!json_is_string(prio) || aj_alarm_priority_parse(json_string_value(prio), &out->def.priority))
        return fail(err, errlen, path, "priority", "required: emergency, high, medium, low or diagnostic");
    const json_t *sp = json_object_get(obj, "setpoint");
    if (!json_is_number(sp) || !isfinite(json_number_value(sp)))
        return fail(err, errlen, path, "setpoint", "required: a finite number");
    out->def.setpoint = json_number_value(sp);
    const json_t *db = json_object_get(obj, "deadband");
    if (db) {
        if (!json_is_number(db) || !isfinite(json_number_value(db)) || json_number_value(db) < 0)
            return fail(err, errlen, path, "deadband", "must be a number >= 0");
        out->def.deadband = json_number_value(db);
    }
    out->def.shelve_max_ns = AJ_ALARM_SHELVE_MAX_DEFAULT_NS;
    aj_err e;
    double delay_max_s = (double)(AJ_ALARM_DELAY_MAX_NS / NS_PER_S);
    if ((e = get_seconds(obj, path, "on_delay_s", delay_max_s, &out->def.on_delay_ns, err, errlen))) return e;
    if ((e = get_seconds(obj, path, "off_delay_s", delay_max_s, &out->def.off_delay_ns, err, errlen)))
        return e;
    if ((e = get_seconds(obj, path, "shelve_max_s", (double)(AJ_ALARM_SHELVE_LIMIT_NS / NS_PER_S),
                         &out->def.shelve_max_ns, err, errlen)))
        return e;
    if ((e = get_seconds(obj, path, "roc_window_s", (double)(AJ_ALARM_ROC_WINDOW_MAX_NS / NS_PER_S),
                         &out->def.roc_window_ns, err, errlen)))
        return e;
    if ((e = get_bool(obj, path, "is_not_equal", &out->def.is_not_equal, err, errlen))) return e;
    if ((e = get_bool(obj, path, "is_latched", &out->def.is_latched, err, errlen))) return e;
    /* Whole seconds / milliseconds as stored. */
    out->def.on_delay_ns = out->def.on_delay_ns / NS_PER_MS * NS_PER_MS;
    out->def.off_delay_ns = out->def.off_delay_ns / NS_PER_MS * NS_PER_MS;
    out->def.shelve_max_ns = out->def.shelve_max_ns / NS_PER_S * NS_PER_S;
    out->def.roc_window_ns = out->def.roc_window_ns / NS_PER_S * NS_PER_S;
    if (out->def.kind == AJ_ALARM_KIND_ROC) {
        if (out->def.setpoint <= 0)
            return fail(err, errlen, path, "setpoint", "rate of change: must be > 0 (units per minute)");
        if (out->def.deadband >= out->def.setpoint)
            return fail(err, errlen, path, "deadband", "rate of change: must be below the setpoint");
        if (out->def.roc_window_ns <= 0)
            return fail(err, errlen, path, "roc_window_s", "rate of change: required, at least 1 second");
    }
    const json_t *basis = json_object_get(obj, "basis");
    if (basis && !json_is_null(basis)) {
        if (!json_is_string(basis) || json_string_length(basis) > AJ_ALARM_BASIS_LEN_MAX)
            return fail(err, errlen, path, "basis", "must be a text of at most 200 bytes");
        snprintf(out->basis, sizeof out->basis, "%s", json_string_value(basis));
    }
    out->is_user = true;
    aj_alarm_def_row_fix(out);
    if (aj_alarm_def_check(&out->def)) return fail(err, errlen, path, NULL, "inconsistent alarm definition");
    return AJ_OK;
}

aj_err aj_alarm_defs_check_list(const json_t *arr, const char *path, char *err, size_t errlen) {
    if (!json_is_array(arr)) return fail(err, errlen, path, NULL, "must be an array of alarm definitions");
    if (json_array_size(arr) > AJ_ALARM_DEFS_PER_TAG - 1)
        return fail(err, errlen, path, NULL, "too many alarms for one tag (at most one per kind)");
    bool seen[AJ_ALARM_KIND_COUNT] = {false};
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char p[200];
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        aj_alarm_def_row row;
        aj_err e = aj_alarm_def_from_json(json_array_get(arr, i), p, &row, err, errlen);
        if (e) return e;
        if (seen[row.def.kind]) return fail(err, errlen, p, "kind", "appears twice for this tag");
        seen[row.def.kind] = true;
    }
    return AJ_OK;
}

/* ---- writes --------------------------------------------------------------------------- */

typedef struct tag_info {
    int64_t id, enterprise_id;
    char kind[64], gas[64];
    double lo, hi, oel;
} tag_info;

/* The generated definitions of a tag: quality + GB/T 50493 for gas kinds. */
static size_t generated_for(const tag_info *t, aj_alarm_def_row *out, size_t cap) {
    size_t n = 0;
    quality_row(t->id, &out[n++]);
    aj_alarm_def gas[4];
    size_t n_gas = 0;
    if (aj_alarm_defaults_for_tag(t->kind, t->lo, t->hi, t->oel, t->gas[0] ? t->gas : NULL, gas, 4, &n_gas) !=
        AJ_OK)
        n_gas = 0; /* e.g. toxic without OEL: no default (the plant file validator names it) */
    for (size_t i = 0; i < n_gas && n < cap; i++) {
        memset(&out[n], 0, sizeof out[n]);
        out[n].def = gas[i];
        out[n].def.tag_id = t->id;
        snprintf(out[n].basis, sizeof out[n].basis, "%s", gas[i].basis ? gas[i].basis : "");
        aj_alarm_def_row_fix(&out[n]);
        n++;
    }
    for (size_t i = 0; i < n; i++) out[i].enterprise_id = t->enterprise_id;
    return n;
}

static bool same_def(const aj_alarm_def_row *a, const aj_alarm_def_row *b) {
    const aj_alarm_def *x = &a->def, *y = &b->def;
    return a->is_quality == b->is_quality && a->is_user == b->is_user && x->kind == y->kind &&
           x->priority == y->priority && x->setpoint == y->setpoint && x->deadband == y->deadband &&
           x->on_delay_ns == y->on_delay_ns && x->off_delay_ns == y->off_delay_ns &&
           x->roc_window_ns == y->roc_window_ns && x->is_not_equal == y->is_not_equal &&
           x->is_latched == y->is_latched && x->shelve_max_ns == y->shelve_max_ns &&
           strcmp(a->basis, b->basis) == 0;
}

static aj_err audit_def(aj_db *db, const char *actor, const char *action, int64_t enterprise_id, int64_t id,
                        const aj_alarm_def_row *before, const aj_alarm_def_row *after) {
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    json_t *b = before ? aj_alarm_def_row_to_json(before) : NULL;
    json_t *a = after ? aj_alarm_def_row_to_json(after) : NULL;
    aj_audit_entry ae = {enterprise_id, actor ? actor : "system", action, "alarm_def", oid, b, a};
    aj_err err = aj_audit_append(db, &ae);
    json_decref(b);
    json_decref(a);
    return err;
}

/* Writes row (kind taken from it) as the tag's live definition of that kind: update of
 * the existing row (live or retired) or insert. */
static aj_err upsert(aj_db *db, const tag_info *t, aj_alarm_def_row *row, const char *actor, int *n_changed) {
    const char *kind = aj_alarm_def_row_kind_name(row);
    aj_val kp[2] = {AJ_VINT(t->id), AJ_VTEXT(kind)};
    aj_result *r;
    aj_err err = aj_db_query(db, "SELECT " COLS ", is_retired FROM alarm_defs WHERE tag_id = ? AND kind = ?",
                             kp, 2, &r);
    if (err) return err;
    char now[32];
    aj_time_format_ms(aj_time_now_ms(), now, sizeof now);
    const aj_alarm_def *d = &row->def;
    aj_val v[15] = {AJ_VTEXT(aj_alarm_priority_name(d->priority)),
                    AJ_VDBL(d->setpoint),
                    AJ_VDBL(d->deadband),
                    AJ_VINT(d->on_delay_ns / NS_PER_MS),
                    AJ_VINT(d->off_delay_ns / NS_PER_MS),
                    AJ_VINT(d->roc_window_ns / NS_PER_S),
                    AJ_VINT(d->is_not_equal ? 1 : 0),
                    AJ_VINT(d->is_latched ? 1 : 0),
                    AJ_VINT(d->shelve_max_ns / NS_PER_S),
                    AJ_VTEXT(row->basis[0] ? row->basis : NULL),
                    AJ_VTEXT(row->is_user ? "user" : "default"),
                    AJ_VTEXT(now),
                    AJ_VINT(t->id),
                    AJ_VTEXT(kind),
                    AJ_VINT(t->enterprise_id)};
    if (aj_result_rows(r) == 1) {
        aj_alarm_def_row old;
        bool is_readable = row_from_result(r, 0, &old) == AJ_OK;
        bool was_retired = aj_result_int(r, 0, 15) != 0;
        row->def.id = aj_result_int(r, 0, 0);
        aj_result_free(r);
        if (is_readable && !was_retired && same_def(&old, row)) return AJ_OK;
        err = aj_db_exec(
            db,
            "UPDATE alarm_defs SET priority = ?, setpoint = ?, deadband = ?, on_delay_ms = ?, "
            "off_delay_ms = ?, roc_window_s = ?, is_not_equal = ?, is_latched = ?, shelve_max_s = ?, "
            "basis = ?, source = ?, updated_at = ?, is_retired = 0 WHERE tag_id = ? AND kind = ?",
            v, 14, NULL);
        if (!err)
            err = audit_def(db, actor, "alarm_defs.update", t->enterprise_id, row->def.id,
                            is_readable && !was_retired ? &old : NULL, row);
    } else {
        aj_result_free(r);
        int64_t id = 0;
        err = aj_db_query_int(
            db,
            "INSERT INTO alarm_defs (priority, setpoint, deadband, on_delay_ms, off_delay_ms, "
            "roc_window_s, is_not_equal, is_latched, shelve_max_s, basis, source, updated_at, "
            "tag_id, kind, enterprise_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            v, 15, &id);
        row->def.id = id;
        if (!err) err = audit_def(db, actor, "alarm_defs.create", t->enterprise_id, id, NULL, row);
    }
    if (!err && n_changed) (*n_changed)++;
    return err;
}

static aj_err retire(aj_db *db, const tag_info *t, const aj_alarm_def_row *row, const char *actor,
                     int *n_changed) {
    aj_val p = AJ_VINT(row->def.id);
    aj_err err = aj_db_exec(db, "UPDATE alarm_defs SET is_retired = 1 WHERE id = ?", &p, 1, NULL);
    if (!err) err = audit_def(db, actor, "alarm_defs.retire", t->enterprise_id, row->def.id, row, NULL);
    if (!err && n_changed) (*n_changed)++;
    return err;
}

/* Makes the tag's live rows: user rows in user[0..n_user) (replacing all user rows when
 * is_replacing_user; else the existing user rows are kept), generated rows for the
 * other kinds, everything else retired. */
static aj_err apply_tag(aj_db *db, const tag_info *t, const aj_alarm_def_row *user, size_t n_user,
                        bool is_replacing_user, const char *actor, int *n_changed) {
    aj_alarm_def_row live[AJ_ALARM_DEFS_PER_TAG], gen[AJ_ALARM_DEFS_PER_TAG], want[AJ_ALARM_DEFS_PER_TAG * 2];
    size_t n_live, n_want = 0;
    aj_err err = aj_alarm_defs_load(db, t->id, live, AJ_ALARM_DEFS_PER_TAG, &n_live);
    if (err) return err;
    size_t n_gen = generated_for(t, gen, AJ_ALARM_DEFS_PER_TAG);
    if (is_replacing_user) {
        for (size_t i = 0; i < n_user; i++) want[n_want++] = user[i];
    } else {
        for (size_t i = 0; i < n_live; i++)
            if (live[i].is_user) want[n_want++] = live[i];
    }
    for (size_t g = 0; g < n_gen; g++) {
        bool is_taken = false;
        for (size_t i = 0; i < n_want; i++)
            if (!want[i].is_quality && !gen[g].is_quality && want[i].def.kind == gen[g].def.kind)
                is_taken = true;
        if (!is_taken) want[n_want++] = gen[g];
    }
    for (size_t i = 0; !err && i < n_want; i++) {
        want[i].def.tag_id = t->id;
        want[i].enterprise_id = t->enterprise_id;
        aj_alarm_def_row_fix(&want[i]);
        err = upsert(db, t, &want[i], actor, n_changed);
    }
    for (size_t i = 0; !err && i < n_live; i++) {
        bool is_wanted = false;
        for (size_t k = 0; k < n_want; k++)
            if (want[k].is_quality == live[i].is_quality && want[k].def.kind == live[i].def.kind)
                is_wanted = true;
        if (!is_wanted) err = retire(db, t, &live[i], actor, n_changed);
    }
    return err;
}

static aj_err load_tags(aj_db *db, int64_t enterprise_id, int64_t tag_id, aj_result **r) {
    /* Separate statements, so each one uses its index (an "x = 0 OR id = x" condition
     * would scan the whole table for every tag of a plant import). */
    static const char *const cols = "SELECT id, enterprise_id, kind, range_lo, range_hi, oel, gas FROM tags ";
    char sql[256];
    if (tag_id && enterprise_id) {
        snprintf(sql, sizeof sql, "%sWHERE id = ? AND enterprise_id = ?", cols);
        return aj_db_query(db, sql, (aj_val[]){AJ_VINT(tag_id), AJ_VINT(enterprise_id)}, 2, r);
    }
    if (tag_id) {
        snprintf(sql, sizeof sql, "%sWHERE id = ?", cols);
        return aj_db_query(db, sql, (aj_val[]){AJ_VINT(tag_id)}, 1, r);
    }
    if (enterprise_id) {
        snprintf(sql, sizeof sql, "%sWHERE enterprise_id = ? ORDER BY id", cols);
        return aj_db_query(db, sql, (aj_val[]){AJ_VINT(enterprise_id)}, 1, r);
    }
    snprintf(sql, sizeof sql, "%sORDER BY id", cols);
    return aj_db_query(db, sql, NULL, 0, r);
}

static void tag_from_result(const aj_result *r, int i, tag_info *t) {
    memset(t, 0, sizeof *t);
    t->id = aj_result_int(r, i, 0);
    t->enterprise_id = aj_result_int(r, i, 1);
    snprintf(t->kind, sizeof t->kind, "%s", aj_result_text(r, i, 2) ? aj_result_text(r, i, 2) : "");
    t->lo = aj_result_is_null(r, i, 3) ? NAN : aj_result_double(r, i, 3);
    t->hi = aj_result_is_null(r, i, 4) ? NAN : aj_result_double(r, i, 4);
    t->oel = aj_result_is_null(r, i, 5) ? NAN : aj_result_double(r, i, 5);
    snprintf(t->gas, sizeof t->gas, "%s", aj_result_text(r, i, 6) ? aj_result_text(r, i, 6) : "");
}

aj_err aj_alarm_defs_sync(aj_db *db, int64_t enterprise_id, int64_t tag_id, const char *actor,
                          int *n_changed) {
    if (n_changed) *n_changed = 0;
    aj_result *r;
    aj_err err = load_tags(db, enterprise_id, tag_id, &r);
    if (err) return err;
    if (tag_id && aj_result_rows(r) == 0) err = AJ_ENOTFOUND;
    for (int i = 0; !err && i < aj_result_rows(r); i++) {
        tag_info t;
        tag_from_result(r, i, &t);
        err = apply_tag(db, &t, NULL, 0, false, actor, n_changed);
    }
    aj_result_free(r);
    return err;
}

aj_err aj_alarm_defs_put(aj_db *db, int64_t enterprise_id, int64_t tag_id, const aj_alarm_def_row *defs,
                         size_t n, const char *actor, int *n_changed, char *err, size_t errlen) {
    if (n_changed) *n_changed = 0;
    if (n > AJ_ALARM_DEFS_PER_TAG - 1) {
        snprintf(err, errlen, "too many alarms for one tag");
        return AJ_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (defs[i].is_quality || aj_alarm_def_check(&defs[i].def)) {
            snprintf(err, errlen, "alarms[%zu]: invalid definition", i);
            return AJ_EINVAL;
        }
        for (size_t k = 0; k < i; k++)
            if (defs[k].def.kind == defs[i].def.kind) {
                snprintf(err, errlen, "alarms[%zu]: kind %s appears twice", i,
                         aj_alarm_kind_name(defs[i].def.kind));
                return AJ_EINVAL;
            }
    }
    aj_result *r;
    aj_err e = load_tags(db, enterprise_id, tag_id, &r);
    if (e) return e;
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return AJ_ENOTFOUND;
    }
    tag_info t;
    tag_from_result(r, 0, &t);
    aj_result_free(r);
    aj_alarm_def_row user[AJ_ALARM_DEFS_PER_TAG];
    for (size_t i = 0; i < n; i++) {
        user[i] = defs[i];
        user[i].is_user = true;
        user[i].is_quality = false;
    }
    return apply_tag(db, &t, user, n, true, actor, n_changed);
}
