/* static_files.h — serves the web console from cfg.web_root (GET/HEAD only). */
#ifndef AJ_STATIC_FILES_H
#define AJ_STATIC_FILES_H

#include "http/http.h"

#include <microhttpd.h>

/* Answers req with a file under the web root, 404, or 405. */
enum MHD_Result aj_static_answer(aj_req *req);
/* Content type for a file name by its extension. */
const char *aj_static_content_type(const char *path);
/* True when a URL path is safe to map under the web root (no "..", no NUL, no
 * backslash, no hidden files). */
bool aj_static_path_is_safe(const char *path);

#endif
