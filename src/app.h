/* app.h — the running platform's shared state, built by `anjian serve` and handed to
 * every request: configuration, the store, the login throttle, metrics. Owned by serve. */
#ifndef AJ_APP_H
#define AJ_APP_H

#include "auth/throttle.h"
#include "config/config.h"
#include "http/metrics.h"
#include "store/store.h"

struct aj_engine;
struct aj_permit_catalogue;
struct aj_risk_bands;
struct aj_mh_table;

typedef struct aj_app {
    aj_config cfg;
    aj_store *store;
    struct aj_engine *engine;            /* the real-time engine (NULL in tools that do not run it) */
    struct aj_permit_catalogue *permits; /* work-permit types (NULL: permits unavailable) */
    struct aj_risk_bands *risk_bands;    /* default risk bands (NULL: the register is unavailable) */
    char *risk_bands_text;               /* their JSON text, as GET /risk-bands shows it */
    struct aj_mh_table *mh_table;        /* GB 18218 table (NULL: major hazard register unavailable) */
    aj_throttle *throttle;
    aj_metrics metrics;
    int64_t started_ms;
} aj_app;

#endif
