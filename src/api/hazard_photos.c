/* hazard_photos.c — photos of hidden dangers (docs/hazards.md "Photos"):
 *
 *   POST /api/v1/hazards/{id}/photos?stage=report|rectification|acceptance   body: the image
 *   GET  /api/v1/hazard-photos/{id}                                         the image
 *
 * An upload is a JPEG or PNG judged by its content (magic bytes), not by its name or
 * Content-Type (which, when given, must agree), at most AJ_HAZARD_PHOTO_BYTES_MAX bytes. It is
 * stored under the upload directory (outside the web root, --upload-dir) named by its
 * SHA-256, written to a temporary file and renamed, and recorded in one transaction with
 * the hazard's timeline and the audit log; a refused upload stores nothing. Photos are
 * served only through the API, to callers who may read the hazard. */
#include "api/api.h"
#include "audit/audit.h"
#include "base/limits.h"
#include "base/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *image_type(const unsigned char *b, size_t n) {
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n >= 8 && !memcmp(b, png, 8)) return "image/png";
    if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return "image/jpeg";
    return NULL;
}

static void sha256_hex(const void *data, size_t n, char out[65]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, n);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Writes the file once (content-addressed); *is_new when this call created it. */
static aj_err store_file(const char *dir, const char *name, const void *data, size_t n, bool *is_new) {
    char path[1200], tmp[1300];
    *is_new = false;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return AJ_EIO;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (access(path, F_OK) == 0) return AJ_OK;
    snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, name, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return AJ_EIO;
    const char *p = data;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        left -= (size_t)w;
    }
    bool ok = left == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return AJ_EIO;
    }
    *is_new = true;
    return AJ_OK;
}

aj_err aj_api_hazard_photos_upload(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such hazard");
    const char *stage = aj_req_query(req, "stage");
    if (!stage) stage = "report";
    if (strcmp(stage, "report") && strcmp(stage, "rectification") && strcmp(stage, "acceptance"))
        return aj_req_fail(req, AJ_EINVAL, "stage: report, rectification or acceptance");
    if (req->body_len == 0)
        return aj_req_fail(req, AJ_EINVAL, "the body is the photo (JPEG or PNG): it is empty");
    if (req->body_len > AJ_HAZARD_PHOTO_BYTES_MAX)
        return aj_req_fail(req, AJ_ETOOBIG, "a photo is at most %u bytes (this one is %zu)",
                           AJ_HAZARD_PHOTO_BYTES_MAX, req->body_len);
    const char *type = image_type((const unsigned char *)req->body, req->body_len);
    if (!type) return aj_req_fail(req, AJ_EMEDIA, "not a JPEG or PNG image (judged by its content)");
    const char *declared = aj_req_header(req, "Content-Type");
    if (declared && strncmp(declared, type, strlen(type)) != 0 &&
        strncmp(declared, "application/octet-stream", 24) != 0)
        return aj_req_fail(req, AJ_EMEDIA, "Content-Type says %.60s but the content is %s", declared, type);
    char ent[1100], site[1100], sql[2400];
    aj_scope_enterprise(req, "enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "site_id", site, sizeof site);
    snprintf(sql, sizeof sql, "SELECT enterprise_id, number, state FROM hazards WHERE id = ? AND %s AND %s",
             ent, site);
    aj_val v = AJ_VINT(id);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, &v, 1, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOTFOUND, "hazard %lld not found", (long long)id);
    }
    int64_t enterprise_id = aj_result_int(r, 0, 0);
    char number[48], state[24];
    snprintf(number, sizeof number, "%s", aj_result_text(r, 0, 1));
    snprintf(state, sizeof state, "%s", aj_result_text(r, 0, 2));
    aj_result_free(r);
    if (enterprise_id != req->auth.enterprise_id)
        return aj_req_fail(req, AJ_EFORBIDDEN, "photos are added in your own enterprise only");
    if (!strcmp(state, "closed")) return aj_req_fail(req, AJ_ECONFLICT, "hazard %s is closed", number);
    int64_t n = 0;
    aj_db_query_int(aj_req_db(req), "SELECT COUNT(*) FROM hazard_photos WHERE hazard_id = ?", &v, 1, &n);
    if (n >= AJ_HAZARD_PHOTOS_MAX)
        return aj_req_fail(req, AJ_ECONFLICT, "hazard %s has %d photos already (the most)", number,
                           AJ_HAZARD_PHOTOS_MAX);
    char hex[65];
    sha256_hex(req->body, req->body_len, hex);
    bool is_new;
    if ((e = store_file(req->app->cfg.upload_dir, hex, req->body, req->body_len, &is_new)))
        return aj_req_fail(req, e, "the photo could not be stored");
    aj_db *db = aj_req_db(req);
    char actor[128], oid[32];
    aj_req_actor(req, actor, sizeof actor);
    int64_t now = aj_time_now_ms();
    aj_val pv[7] = {AJ_VINT(id),
                    AJ_VINT(enterprise_id),
                    AJ_VTEXT(stage),
                    AJ_VTEXT(type),
                    AJ_VINT((int64_t)req->body_len),
                    AJ_VTEXT(hex),
                    AJ_VTEXT(req->auth.username)};
    aj_val all[8];
    memcpy(all, pv, sizeof pv);
    all[7] = AJ_VINT(now);
    json_t *detail = json_pack("{s:s, s:s, s:I, s:s}", "stage", stage, "content_type", type, "bytes",
                               (json_int_t)req->body_len, "sha256", hex);
    char *dtext = json_dumps(detail, JSON_COMPACT);
    aj_val ev[6] = {AJ_VINT(id),       AJ_VINT(enterprise_id), AJ_VINT(now),
                    AJ_VTEXT("photo"), AJ_VTEXT(actor),        AJ_VTEXT(dtext)};
    if (!(e = aj_db_begin(db)))
        e = aj_db_exec(db,
                       "INSERT INTO hazard_photos (hazard_id, enterprise_id, stage, content_type, bytes, "
                       "sha256, by_user, "
                       "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       all, 8, NULL);
    if (!e)
        e = aj_db_exec(db,
                       "INSERT INTO hazard_events (hazard_id, enterprise_id, at_ms, kind, actor, "
                       "detail_json) VALUES (?, ?, "
                       "?, ?, ?, ?)",
                       ev, 6, NULL);
    if (!e) {
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        aj_audit_entry ae = {enterprise_id, actor, "hazards.photo", "hazard", oid, NULL, detail};
        e = aj_audit_append(db, &ae);
    }
    if (!e) e = aj_db_commit(db);
    free(dtext);
    json_decref(detail);
    if (e) {
        aj_db_rollback(db);
        if (is_new) {
            char path[1200];
            snprintf(path, sizeof path, "%s/%s", req->app->cfg.upload_dir, hex);
            unlink(path);
        }
        return aj_req_fail(req, e, "the photo was not recorded: %s", aj_db_errmsg(db));
    }
    json_t *rows;
    aj_db_query_json(
        db,
        "SELECT id, stage, content_type, bytes, by_user, created_ms FROM hazard_photos WHERE hazard_id = ? "
        "ORDER BY id",
        &v, 1, &rows);
    aj_reply_json(req, 201, json_pack("{s:o}", "photos", rows ? rows : json_array()));
    return AJ_OK;
}

aj_err aj_api_hazard_photo_get(aj_req *req) {
    int64_t id;
    aj_err e = aj_req_path_id(req, 0, &id);
    if (e) return aj_req_fail(req, e, "no such photo");
    char ent[1100], site[1100], sql[2400];
    aj_scope_enterprise(req, "h.enterprise_id", ent, sizeof ent);
    aj_scope_site(req, "h.site_id", site, sizeof site);
    snprintf(sql, sizeof sql,
             "SELECT p.content_type, p.sha256, p.bytes FROM hazard_photos p JOIN hazards h ON h.id = "
             "p.hazard_id WHERE "
             "p.id = ? AND %s AND %s",
             ent, site);
    aj_val v = AJ_VINT(id);
    aj_result *r;
    if ((e = aj_db_query(aj_req_db(req), sql, &v, 1, &r)))
        return aj_req_fail(req, e, "%s", aj_db_errmsg(req->db));
    if (aj_result_rows(r) != 1) {
        aj_result_free(r);
        return aj_req_fail(req, AJ_ENOTFOUND, "photo %lld not found", (long long)id);
    }
    char type[32], path[1200];
    snprintf(type, sizeof type, "%s", aj_result_text(r, 0, 0));
    snprintf(path, sizeof path, "%s/%s", req->app->cfg.upload_dir, aj_result_text(r, 0, 1));
    size_t want = (size_t)aj_result_int(r, 0, 2);
    aj_result_free(r);
    FILE *f = want <= AJ_HAZARD_PHOTO_BYTES_MAX ? fopen(path, "rb") : NULL;
    char *buf = f ? malloc(want ? want : 1) : NULL;
    size_t got = buf ? fread(buf, 1, want, f) : 0;
    if (f) fclose(f);
    if (!buf || got != want) {
        free(buf);
        return aj_req_fail(req, AJ_EIO, "the stored photo %lld cannot be read", (long long)id);
    }
    aj_reply_header(req, "Cache-Control", "private, max-age=3600");
    aj_reply_raw(req, 200, type, buf, got);
    free(buf);
    return AJ_OK;
}
