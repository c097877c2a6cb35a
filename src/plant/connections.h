/* connections.h — the plant file's "connections" section: checking the connection maps it
 * carries (docs/plant-file.md "Connections"; connections.c). Importing stores them in
 * connection_maps (import.c); the server runs them (src/ingest/adapters.h). */
#ifndef AJ_PLANT_CONNECTIONS_H
#define AJ_PLANT_CONNECTIONS_H

#include "plant/plant_file.h"

#include <jansson.h>
#include <stdbool.h>

/* Whether tag key is a tag of the file or of the enterprise. */
typedef bool (*aj_plant_tag_known_fn)(void *ctx, const char *key);

/* Adds an error to rep for each problem of conn (the value of "connections", NULL when
 * absent): an unknown protocol, a map its parser refuses (path under
 * $.connections.<protocol>), a tag that is not known. AJ_ENOMEM only when out of memory. */
aj_err aj_plant_check_connections(const json_t *conn, aj_plant_tag_known_fn known, void *ctx,
                                  aj_plant_report *rep);

#endif
