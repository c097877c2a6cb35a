/* static_files.c — the console's files, served read-only from the web root.
 *
 * Safety: the URL path (already percent-decoded by libmicrohttpd) must not contain a
 * ".." segment, a backslash, a NUL or a segment starting with "."; the resolved real
 * path must still lie inside the real web root (so symlinks cannot escape it).
 */
#include "http/static_files.h"

#include "base/limits.h"

#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *ext, *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

const char *aj_static_content_type(const char *path) {
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
            if (strcasecmp(dot, content_types[i].ext) == 0) return content_types[i].type;
    return "application/octet-stream";
}

bool aj_static_path_is_safe(const char *path) {
    if (path[0] != '/') return false;
    if (strchr(path, '\\')) return false;
    for (const char *seg = path; seg; seg = strchr(seg + 1, '/')) {
        if (seg[1] == '.') return false; /* "..", ".hidden" */
    }
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p < 0x20) return false;
    return true;
}

static enum MHD_Result plain(struct MHD_Connection *conn, unsigned status, const char *text) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

enum MHD_Result aj_static_answer(aj_req *req) {
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        req->status = 405;
        return plain(req->conn, 405, "method not allowed\n");
    }
    const char *path = req->path;
    if (!strcmp(path, "/")) path = "/index.html";
    req->status = 404;
    if (!aj_static_path_is_safe(path)) return plain(req->conn, 404, "not found\n");
    char root[PATH_MAX], full[PATH_MAX], joined[PATH_MAX + AJ_PATH_MAX];
    if (!realpath(req->app->cfg.web_root, root)) return plain(req->conn, 404, "not found\n");
    snprintf(joined, sizeof joined, "%s%s", root, path);
    if (!realpath(joined, full)) return plain(req->conn, 404, "not found\n");
    size_t rl = strlen(root);
    if (strncmp(full, root, rl) != 0 || full[rl] != '/') return plain(req->conn, 404, "not found\n");
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return plain(req->conn, 404, "not found\n");
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)AJ_STATIC_FILE_MAX) {
        close(fd);
        return plain(req->conn, 404, "not found\n");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* takes fd */
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", aj_static_content_type(full));
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(
        r, "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    req->status = 200;
    atomic_fetch_add(&req->app->metrics.static_files, 1);
    enum MHD_Result ok = MHD_queue_response(req->conn, 200, r);
    MHD_destroy_response(r);
    return ok;
}
