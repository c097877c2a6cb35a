/* hazard_int.h — recording hidden dangers from more than one place: the ledger's own
 * report route (hazards_api.c) and an inspection finding (inspections_scan.c) insert a
 * hazard the same way, with its number, repeat link, timeline entry and audit record. */
#ifndef AJ_API_HAZARD_INT_H
#define AJ_API_HAZARD_INT_H

#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A checked new hazard (the caller has validated the site, place and texts). */
typedef struct aj_hazard_new {
    int64_t enterprise_id, site_id, area_id, asset_id; /* area_id, asset_id: 0 = none */
    bool has_xy;
    double x, y;
    const char *category, *cause, *description; /* cause may be NULL */
    const char *source;                         /* report | inspection | permit | incident */
    const json_t *extra_detail;                 /* merged into the timeline entry; may be NULL */
} aj_hazard_new;

/* Inserts the hazard in state 'reported' inside the caller's open transaction: number
 * YH-YYYYMMDD-NNNN (Beijing date), the repeat link by the enterprise's window, the
 * 'report' timeline entry and the audit record by the request's actor. *id_out and, when
 * number_out is not NULL, its number (>= 32 bytes). */
aj_err aj_hazard_insert(aj_req *req, const aj_hazard_new *h, int64_t *id_out, char *number_out,
                        size_t number_size);

/* A timeline entry and an audit record for a change of hazard id, inside the open
 * transaction. from may be NULL (a new hazard); detail may be NULL. */
aj_err aj_hazard_record(aj_req *req, int64_t id, int64_t enterprise_id, const char *number, const char *kind,
                        const char *from, const char *to, const json_t *detail);

#endif
