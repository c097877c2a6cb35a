/* modbus_poll.h — the Modbus TCP poller of `anjian serve` (docs/modbus.md).
 *
 * At start the register map (--modbus-map) is loaded and planned, and every point's tag key
 * is resolved in one enterprise (--modbus-enterprise). Then one thread per device runs the
 * device's poll groups on their intervals over libmodbus: connect, read (FC 1-4 only),
 * decode with the plan, and hand the points (wall-clock time of the poll, value, quality) to
 * aj_engine_submit(). Failed reads give bad points with the reason (communication loss or
 * source bad); the device's state and counters are kept for GET /api/v1/connections and
 * /metrics.
 *
 * Read-only by design: the poller never calls a libmodbus write function.
 */
#ifndef AJ_MODBUS_POLL_H
#define AJ_MODBUS_POLL_H

#include "base/err.h"
#include "base/limits.h"
#include "config/config.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

struct aj_engine;
typedef struct aj_mb_poll aj_mb_poll;

/* A device's connection state. */
typedef enum aj_mb_device_state {
    AJ_MB_CONNECTING = 0, /* not (yet) connected, no poll has failed for lack of a connection */
    AJ_MB_CONNECTED,      /* the last read reached the device (even if it answered an exception) */
    AJ_MB_FAILING,        /* the last poll could not reach the device (timeout, refused, lost) */
} aj_mb_device_state;

/* "connecting", "connected", "failing". */
const char *aj_mb_device_state_name(aj_mb_device_state state);

/* A snapshot of one device. */
typedef struct aj_mb_device_status {
    const char *code; /* borrowed from the map: valid while the poller runs */
    const char *host;
    int port;
    int unit_id;
    aj_mb_device_state state;
    int64_t last_success_ms;               /* wall clock of the last poll with every read answered; 0: none */
    int64_t last_error_ms;                 /* wall clock of the last failed read; 0: none */
    char last_error[AJ_MB_ERROR_TEXT_MAX]; /* "" when no read has failed */
    uint64_t polls_ok;                     /* polls of a group whose every read succeeded */
    uint64_t polls_failed;                 /* polls with at least one failed read */
    uint64_t points;                       /* points handed to the engine (good and bad) */
    uint64_t points_dropped;               /* points not taken (engine queue full, journal error) */
    double points_per_second;              /* over the last complete window of about 10 s */
} aj_mb_device_status;

/* Loads cfg->modbus_map, resolves its tags in cfg->modbus_enterprise and starts one thread per
 * device. Errors (message in err): AJ_EINVAL for a bad map or settings, AJ_ENOTFOUND for an
 * unknown enterprise or tag, AJ_ETOOBIG for more devices than AJ_MB_POLL_DEVICES_MAX, others
 * for I/O, database or memory trouble. store and engine stay owned by the caller and must
 * outlive the poller; free it with aj_mb_poll_stop(). */
aj_err aj_mb_poll_start(const aj_config *cfg, aj_store *store, struct aj_engine *engine, aj_mb_poll **out,
                        char *err, size_t errlen);
/* The same with the map given as JSON text (from the database: docs/connections.md);
 * cfg->modbus_map then only names where it comes from in messages. */
aj_err aj_mb_poll_start_text(const aj_config *cfg, const char *text, size_t len, aj_store *store,
                             struct aj_engine *engine, aj_mb_poll **out, char *err, size_t errlen);
/* Stops every device thread (within about one read timeout), closes the connections and
 * frees p (NULL is fine). Call before the engine stops. */
void aj_mb_poll_stop(aj_mb_poll *p);

/* Devices of the map (0 for NULL). */
int aj_mb_poll_n_devices(const aj_mb_poll *p);
/* A snapshot of device i (0 <= i < aj_mb_poll_n_devices); safe from any thread. */
void aj_mb_poll_device_status(aj_mb_poll *p, int i, aj_mb_device_status *out);

#endif
