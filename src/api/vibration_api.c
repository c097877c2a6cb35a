/* vibration_api.c — POST /api/v1/vibration-blocks (docs/vibration.md).
 *
 * A raw waveform block of one asset comes in; its spectrum (ingest/spectrum.c) gives the
 * RMS velocity at 1x, 2x and 3x running speed, written as one point each to the asset's
 * tags with the roles vib_1x, vib_2x, vib_3x — through the engine like POST /api/v1/points,
 * so the answer comes only when the points are durable. The block is all or nothing: the
 * checks run first, in this order, and any failure writes nothing —
 *   400 the block (one error with its JSON path, ingest/vibration_block.c);
 *   404 no such asset in the caller's enterprise (and sites, when the account is limited);
 *   409 the asset has no tag with a vib role, or a tag already holds a point at or after
 *       the block's middle (late points would be dropped by the engine);
 *   503 the engine's queue is full (Retry-After).
 * The handler owns the parsed block and the query results and frees them before it returns.
 */
#include "api/vibration_api.h"

#include "engine/engine.h"
#include "engine/query.h"
#include "ingest/spectrum.h"
#include "ingest/vibration_block.h"

#include <stdio.h>
#include <string.h>

/* Tags written for one block: one per role normally; duplicates of a role all get the point. */
#define VIB_TAGS_MAX 16

static const char *const VIB_ROLES[AJ_SPECTRUM_HARMONICS] = {"vib_1x", "vib_2x", "vib_3x"};

typedef struct vib_asset {
    int64_t id, site_id;
    char code[AJ_VB_ASSET_CODE_MAX + 1];
} vib_asset;

typedef struct vib_tag {
    int64_t id;
    int order; /* 1..3 */
    char key[256];
} vib_tag;

/* 400 naming the block's one error. */
static aj_err fail_block(aj_req *req, const char *path, const char *reason) {
    json_decref(req->err_details);
    req->err_details = json_pack("[{s:s, s:s}]", "path", path, "reason", reason);
    return aj_req_fail(req, AJ_EINVAL, "%s: %s; nothing was written", path, reason);
}

/* The block's asset in the caller's enterprise and sites: 404 when none, 400 when a code
 * names assets on several sites. */
static aj_err find_asset(aj_req *req, const aj_vb_block *b, vib_asset *out) {
    char site[1100], sql[1400];
    aj_scope_site(req, "a.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT a.id, a.code, a.site_id FROM assets a WHERE a.enterprise_id = ? AND %s AND %s "
             "ORDER BY a.id LIMIT 2",
             b->asset_code ? "a.code = ?" : "a.id = ?", site);
    aj_val p[2] = {AJ_VINT(req->auth.enterprise_id),
                   b->asset_code ? AJ_VTEXT(b->asset_code) : AJ_VINT(b->asset_id)};
    aj_result *r = NULL;
    aj_err e = aj_db_query(aj_req_db(req), sql, p, 2, &r);
    if (e) return aj_req_fail(req, e, "asset lookup failed: %s", aj_db_errmsg(req->db));
    int n = aj_result_rows(r);
    if (n == 1) {
        out->id = aj_result_int(r, 0, 0);
        snprintf(out->code, sizeof out->code, "%s", aj_result_text(r, 0, 1));
        out->site_id = aj_result_int(r, 0, 2);
    }
    aj_result_free(r);
    if (n == 0 && b->asset_code)
        return aj_req_fail(req, AJ_ENOTFOUND, "asset \"%.64s\" not found in your enterprise", b->asset_code);
    if (n == 0) return aj_req_fail(req, AJ_ENOTFOUND, "asset %lld not found", (long long)b->asset_id);
    if (n > 1)
        return fail_block(req, "$.asset", "this asset code is used on more than one site: give asset_id");
    return AJ_OK;
}

/* The asset's tags with a vib role; 409 naming the roles when it has none. */
static aj_err find_tags(aj_req *req, const vib_asset *a, vib_tag *tags, int *n_tags) {
    char site[1100], sql[1500];
    aj_scope_site(req, "t.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT t.id, t.key, t.role FROM tags t WHERE t.enterprise_id = ? AND t.asset_id = ? AND "
             "t.role IN ('vib_1x', 'vib_2x', 'vib_3x') AND %s ORDER BY t.role, t.id LIMIT %d",
             site, VIB_TAGS_MAX);
    aj_val p[2] = {AJ_VINT(req->auth.enterprise_id), AJ_VINT(a->id)};
    aj_result *r = NULL;
    aj_err e = aj_db_query(aj_req_db(req), sql, p, 2, &r);
    if (e) return aj_req_fail(req, e, "tag lookup failed: %s", aj_db_errmsg(req->db));
    *n_tags = 0;
    for (int i = 0; i < aj_result_rows(r); i++) {
        const char *role = aj_result_text(r, i, 2);
        vib_tag *t = &tags[*n_tags];
        t->id = aj_result_int(r, i, 0);
        t->order = role[4] - '0'; /* "vib_Nx" (the query's IN list) */
        snprintf(t->key, sizeof t->key, "%s", aj_result_text(r, i, 1));
        (*n_tags)++;
    }
    aj_result_free(r);
    if (*n_tags > 0) return AJ_OK;
    json_decref(req->err_details);
    req->err_details = json_pack("{s:I, s:s, s:[s, s, s]}", "asset_id", (json_int_t)a->id, "asset", a->code,
                                 "missing_roles", VIB_ROLES[0], VIB_ROLES[1], VIB_ROLES[2]);
    return aj_req_fail(req, AJ_ECONFLICT,
                       "asset %s has no tag with the role vib_1x, vib_2x or vib_3x: add such tags to the "
                       "asset to store its vibration amplitudes; nothing was written",
                       a->code);
}

/* The points, one per tag, each checked against the tag's newest time in the engine. */
static aj_err make_points(aj_req *req, const aj_vb_block *b, const aj_spectrum_result *s, vib_tag *tags,
                          int n_tags, aj_point *pts) {
    aj_engine *engine = req->app->engine;
    for (int i = 0; i < n_tags; i++) {
        int64_t id = 0, newest = INT64_MIN;
        aj_err e = aj_engine_resolve_newest(engine, aj_req_db(req), req->auth.enterprise_id, tags[i].key, &id,
                                            &newest);
        if (e) return aj_req_fail(req, e, "tag %s could not be resolved: %s", tags[i].key, aj_err_name(e));
        if (b->mid_ns <= newest) {
            char t[AJ_QUERY_TIME_LEN + 1];
            aj_query_format_time_ns(newest, t, sizeof t);
            return aj_req_fail(
                req, AJ_ECONFLICT,
                "late: tag %s already has a point at %s, not before the block's middle (points "
                "of a tag must come in time order); nothing was written",
                tags[i].key, t);
        }
        tags[i].id = id;
        pts[i] = (aj_point){.tag_id = id,
                            .t_ns = b->mid_ns,
                            .value = s->harmonics[tags[i].order - 1].rms_mm_s,
                            .type = AJ_VALUE_FLOAT,
                            .quality = AJ_QUALITY_GOOD};
    }
    return AJ_OK;
}

static json_t *time_json(int64_t t_ns) {
    char t[AJ_QUERY_TIME_LEN + 1];
    aj_query_format_time_ns(t_ns, t, sizeof t);
    return json_string(t);
}

static json_t *answer_json(const aj_vb_block *b, const vib_asset *a, const aj_spectrum_result *s,
                           const vib_tag *tags, int n_tags) {
    const aj_spectrum_input *in = &b->input;
    json_t *amplitudes = json_object(), *harmonics = json_array(), *written = json_array(),
           *missing = json_array(), *lines = json_array();
    for (int h = 0; h < AJ_SPECTRUM_HARMONICS; h++) {
        const aj_spectrum_harmonic *hm = &s->harmonics[h];
        json_object_set_new(amplitudes, VIB_ROLES[h], json_real(hm->rms_mm_s));
        json_array_append_new(harmonics, json_pack("{s:i, s:s, s:f, s:f, s:f}", "order", hm->order, "role",
                                                   VIB_ROLES[h], "target_hz", hm->target_hz, "frequency_hz",
                                                   hm->frequency_hz, "rms_mm_s", hm->rms_mm_s));
        bool has_role = false;
        for (int i = 0; i < n_tags; i++) has_role = has_role || tags[i].order == h + 1;
        if (!has_role) json_array_append_new(missing, json_string(VIB_ROLES[h]));
    }
    for (int i = 0; i < n_tags; i++)
        json_array_append_new(written, json_pack("{s:I, s:s, s:s, s:f}", "tag_id", (json_int_t)tags[i].id,
                                                 "key", tags[i].key, "role", VIB_ROLES[tags[i].order - 1],
                                                 "value", s->harmonics[tags[i].order - 1].rms_mm_s));
    for (int i = 0; i < s->n_lines; i++)
        json_array_append_new(lines, json_pack("{s:f, s:f}", "frequency_hz", s->lines[i].frequency_hz,
                                               "rms_mm_s", s->lines[i].rms_mm_s));
    json_t *block =
        json_pack("{s:o, s:I, s:I, s:f, s:f, s:f, s:f, s:s}", "t", time_json(b->t_ns), "t_ns",
                  (json_int_t)b->t_ns, "n_samples", (json_int_t)in->n_samples, "sample_rate_hz",
                  in->sample_rate_hz, "duration_s", s->duration_s, "running_speed_hz", in->running_speed_hz,
                  "revolutions", s->revolutions, "unit", aj_vb_unit_name(in->unit));
    return json_pack("{s:{s:I, s:s, s:I}, s:o, s:I, s:o, s:f, s:o, s:o, s:f, s:[f, f], s:o, s:o, s:o}",
                     "asset", "id", (json_int_t)a->id, "code", a->code, "site_id", (json_int_t)a->site_id,
                     "t", time_json(b->mid_ns), "t_ns", (json_int_t)b->mid_ns, "block", block,
                     "resolution_hz", s->resolution_hz, "amplitudes", amplitudes, "harmonics", harmonics,
                     "overall_rms_mm_s", s->overall_rms_mm_s, "overall_band_hz", s->overall_lo_hz,
                     s->overall_hi_hz, "written", written, "missing_roles", missing, "lines", lines);
}

/* Everything after the block parsed: asset, tags, spectrum, points, answer. */
static aj_err analyse_and_write(aj_req *req, const aj_vb_block *b) {
    vib_asset asset = {0};
    vib_tag tags[VIB_TAGS_MAX];
    int n_tags = 0;
    aj_err e = find_asset(req, b, &asset);
    if (!e) e = find_tags(req, &asset, tags, &n_tags);
    if (e) return e;
    aj_spectrum_result s;
    if ((e = aj_spectrum_compute(&b->input, &s)))
        return aj_req_fail(req, e, "the spectrum could not be computed: %s", aj_err_name(e));
    aj_point pts[VIB_TAGS_MAX];
    if ((e = make_points(req, b, &s, tags, n_tags, pts))) return e;
    e = aj_engine_submit(req->app->engine, pts, (size_t)n_tags);
    if (e == AJ_EUNAVAILABLE)
        return aj_req_fail(req, e, "the engine's queue is full: retry after the Retry-After delay");
    if (e) return aj_req_fail(req, e, "the amplitudes could not be made durable: %s", aj_err_name(e));
    json_t *body = answer_json(b, &asset, &s, tags, n_tags);
    if (!body) return aj_req_fail(req, AJ_ENOMEM, "out of memory (the points were written)");
    aj_reply_json(req, 200, body);
    return AJ_OK;
}

aj_err aj_api_vibration_blocks(aj_req *req) {
    if (!req->app->engine) return aj_req_fail(req, AJ_EUNAVAILABLE, "the real-time engine is not running");
    aj_vb_block b;
    aj_vb_error err;
    aj_err e = aj_vb_parse(req->json, &b, &err);
    if (e == AJ_EINVAL) return fail_block(req, err.path, err.reason);
    if (e) return aj_req_fail(req, e, "the block could not be read: %s", aj_err_name(e));
    e = analyse_and_write(req, &b);
    aj_vb_block_clear(&b);
    return e;
}
