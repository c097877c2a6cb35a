/* inspections_int.h — what the inspection route files share (docs/inspections.md):
 * inspections_api.c keeps checkpoints, shift patterns and plans; inspections_tasks.c
 * lists tasks and records the scans at checkpoints (with findings turned into hazards). */
#ifndef AJ_API_INSPECTIONS_INT_H
#define AJ_API_INSPECTIONS_INT_H

#include "api/api.h"

#include <stdbool.h>
#include <stdint.h>

/* The text member name of the body, NULL when absent, null or empty. */
const char *insp_text(const json_t *o, const char *name);

/* 400 unless member name of o is absent/null or a text of 1 to AJ_INSPECT_TEXT_MAX bytes. */
aj_err insp_check_text(aj_req *req, const json_t *o, const char *name, const char *path);

/* The checkpoint a scanned code names, in the caller's enterprise: an NFC UID (hex, any
 * case, with or without ':' separators) for method "nfc", the QR token ("AJCP:<token>" or
 * the bare token) for "qr". 0 when none. */
int64_t insp_checkpoint_by_code(aj_req *req, const char *method, const char *code);

/* Normalises an NFC UID into upper-case hex without separators; false when it is not 4
 * to AJ_INSPECT_NFC_UID_MAX / 2 bytes of hex. out >= AJ_INSPECT_NFC_UID_MAX + 1. */
bool insp_nfc_normalise(const char *in, char *out, size_t size);

/* An audit record by the request's actor, inside the open transaction. */
aj_err insp_audit(aj_req *req, const char *action, const char *type, int64_t id, const json_t *after);
/* The body's site_id: a site of the caller's enterprise and sites (else 400/403). */
aj_err insp_own_site(aj_req *req, const json_t *v, int64_t *site_id);
/* v absent/null: *out 0; else the id of a row of table on the site (else 400 naming what). */
aj_err insp_on_site(aj_req *req, const char *table, const char *what, const json_t *v, int64_t site_id,
                    int64_t *out);
/* The same for a row of the caller's enterprise. */
aj_err insp_in_enterprise(aj_req *req, const char *table, const char *what, const json_t *v, int64_t *out);

#endif
