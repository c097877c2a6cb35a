/* http_client.h — a small HTTP/1.1 client over POSIX sockets, for `anjian sim --url`.
 *
 * Plain HTTP only (http://HOST[:PORT]); one keep-alive connection reused across requests;
 * responses framed by Content-Length (or read to EOF when the server closes); bounded
 * response headers and body; connect and response timeouts enforced with poll().
 * No global state: everything lives in the aj_http_client the caller owns.
 */
#ifndef AJ_SIM_HTTP_CLIENT_H
#define AJ_SIM_HTTP_CLIENT_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

/* ---- bounds ----------------------------------------------------------------------------- */

/* Connect timeout: a local or LAN server answers in well under a second. */
#define AJ_HTTP_CONNECT_TIMEOUT_MS 5000
/* From the first byte sent to the last byte of the response (the server may fsync). */
#define AJ_HTTP_RESPONSE_TIMEOUT_MS 60000
/* Response headers: ours are a few hundred bytes. */
#define AJ_HTTP_HEADER_BYTES_MAX (16u * 1024u)
/* Response body: an ingest error report or a login answer; larger is not ours. */
#define AJ_HTTP_BODY_BYTES_MAX (1024u * 1024u)
/* Host names (DNS limit 253) and the URL as given. */
#define AJ_HTTP_HOST_LEN_MAX 256
/* Error messages of the client. */
#define AJ_HTTP_ERR_LEN 256

typedef struct aj_http_client aj_http_client;

/* One response; body is NUL-terminated, owned by the response (aj_http_response_clear). */
typedef struct aj_http_response {
    int status;
    char *body;
    size_t body_len;
    int retry_after_s; /* Retry-After in seconds; -1 when absent or not a number */
    bool is_close;     /* the server closes the connection after this response */
} aj_http_response;

void aj_http_response_clear(aj_http_response *r);

/* Parses "http://HOST[:PORT][/]" (port default 80). "https://" and anything else are
 * AJ_EINVAL with a message in err. host must hold AJ_HTTP_HOST_LEN_MAX bytes. */
aj_err aj_http_url_parse(const char *url, char *host, int *port, char *err, size_t errlen);

/* A client for url (checked with aj_http_url_parse); connects lazily. Freed with
 * aj_http_client_free(), which closes the connection. */
aj_err aj_http_client_new(const char *url, aj_http_client **out, char *err, size_t errlen);
void aj_http_client_free(aj_http_client *c);
/* Test hook: overrides the two timeouts (milliseconds). */
void aj_http_client_set_timeouts(aj_http_client *c, int connect_ms, int response_ms);
/* Connections opened so far (the first one and every reconnect). */
unsigned aj_http_client_n_connects(const aj_http_client *c);

/* Sends one request (path includes the query) and reads the response into *r (cleared
 * with aj_http_response_clear by the caller, also on error). authorization and
 * content_type may be NULL. A reused keep-alive connection that turns out closed before
 * any response byte is reopened once and the request resent. Returns AJ_OK when a
 * response was read (whatever its status), AJ_EIO when the connection failed or timed
 * out (message in err), AJ_ETOOBIG when the response exceeds the bounds above. */
aj_err aj_http_request(aj_http_client *c, const char *method, const char *path, const char *authorization,
                       const char *content_type, const char *body, size_t body_len, aj_http_response *r,
                       char *err, size_t errlen);

#endif
