/* server.h — the HTTP server (libmicrohttpd): start, graceful stop. */
#ifndef AJ_SERVER_H
#define AJ_SERVER_H

#include "app.h"
#include "base/err.h"

typedef struct aj_server aj_server;

/* Starts listening on app->cfg.listen, a thread per connection (up to max_connections). */
aj_err aj_server_start(aj_app *app, aj_server **out, char *err, size_t errlen);
/* Stops accepting, waits up to grace_s for in-flight requests, then stops. */
void aj_server_stop(aj_server *srv, int64_t grace_s);
/* Actual port (useful with port 0). */
int aj_server_port(const aj_server *srv);

#endif
