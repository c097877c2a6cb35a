/* permits_int.h — what the files of the work-permit API share (docs/permits.md "API"):
 *
 *   permits_row.c     the permit row, the facts of an event, the permit as JSON
 *   permits_create.c  draft and change a permit: form, grade, validity, place, SIMOPS
 *   permits_act.c     life-cycle events, measures, gas samples, approvals, people
 *   permits_admin.c   catalogue, approval roles and chains, holidays, SIMOPS
 *                     activities, metrics, notifications
 *
 * Every change is one transaction with its timeline entry (permit_events) and its audit
 * record; refused events are kept as timeline entries too ("refused") and answered 409
 * with details.refusal. Not for use outside src/api/. */
#ifndef AJ_API_PERMITS_INT_H
#define AJ_API_PERMITS_INT_H

#include "api/api.h"
#include "permit/catalogue.h"
#include "permit/lifecycle.h"

#include <jansson.h>

/* One permit as read from the store, with its catalogue entries. */
typedef struct permit_row {
    int64_t id, enterprise_id, site_id, area_id, asset_id, attendant_id, served_id;
    char number[48], type[40], grade[16], state[24], title[256], gas_name[40], suspended_cause[32];
    char created_by[128];
    double x, y, geofence_m, gas_lel; /* gas_lel 0: none */
    int64_t valid_from_ms, valid_to_ms, paused_since_ms, last_monitoring_ms, created_ms;
    int64_t submitted_ms, issued_ms, started_ms, completed_ms, closed_ms, archived_ms;
    bool needs_retest;
    int people_inside;
    json_t *fields, *hazards, *grading, *chain, *measures, *interlock; /* owned; interlock NULL: none */
    char ended_reason[256];
    const aj_permit_type *t; /* NULL when the catalogue no longer has the type */
    int grade_index;
} permit_row;

#define PERMIT_COLS                                                                                          \
    "p.id, p.enterprise_id, p.site_id, p.area_id, p.asset_id, p.attendant_id, p.served_permit_id, "          \
    "p.number, p.type, p.grade, p.state, p.title, p.gas_name, p.suspended_cause, p.created_by, p.x, p.y, "   \
    "p.geofence_m, p.gas_lel, p.valid_from_ms, p.valid_to_ms, p.paused_since_ms, p.last_monitoring_ms, "     \
    "p.created_ms, p.submitted_ms, p.issued_ms, p.started_ms, p.completed_ms, p.closed_ms, p.archived_ms, "  \
    "p.needs_retest, p.people_inside, p.fields_json, p.hazards_json, p.grading_json, p.chain_json, "         \
    "p.measures_json, p.interlock_json, p.ended_reason"

/* Loads the permit in the caller's scope (404 outside it). Free with permit_row_free. */
aj_err permit_load(aj_req *req, int64_t id, permit_row *out);
void permit_row_from(const aj_result *r, int i, const aj_permit_catalogue *cat, permit_row *out);
void permit_row_free(permit_row *p);
/* The catalogue or a 503 when the server runs without one. */
aj_err permit_catalogue(aj_req *req, const aj_permit_catalogue **out);

/* The facts of event ev for the permit, as the caller (approval position x,y when
 * has_pos). */
aj_err permit_facts(aj_req *req, const permit_row *p, aj_permit_event ev, bool has_pos, double x, double y,
                    aj_permit_facts *f);
/* Whether the caller holds the catalogue role (user role of that name, or named holder). */
bool permit_caller_holds(aj_req *req, int64_t enterprise_id, const char *role);
/* The caller's person id (0: the account is not tied to a person). */
int64_t permit_caller_person(aj_req *req);

/* The worker's best certificate for the permit's type: {type, number, expires_on,
 * next_review_on, ok, problem: missing | expired | review_overdue}. Caller owns it. */
json_t *permit_certificate(aj_req *req, const permit_row *p, int64_t person_id);

/* The full permit (GET /permits/{id}) and a summary (lists). */
json_t *permit_json(aj_req *req, const permit_row *p);
json_t *permit_summary_json(aj_req *req, const permit_row *p);
/* Answers 200 with the full permit read again. */
aj_err permit_reply(aj_req *req, int64_t id, int status);

/* Keeps a refused attempt (timeline "refused") and answers 409 with details
 * {"refusal", "event"} plus extra (taken) and the refusal's sentence. */
aj_err permit_refuse(aj_req *req, const permit_row *p, const char *event, const char *refusal,
                     const char *message, json_t *extra);

/* Inside an open transaction: the timeline entry and the audit record of a change by the
 * caller (before/after state, detail borrowed). */
aj_err permit_record(aj_req *req, const permit_row *p, const char *kind, const char *from_state,
                     const char *to_state, const json_t *detail);
/* After the commit: the live event and the engine's interlock table. */
void permit_published(aj_req *req, const permit_row *p, const char *change, const char *state,
                      const char *cause);

/* SIMOPS conflicts of a permit at (x, y) of type on asset (0: none) with the site's other
 * pending or active permits and active activities (self_id excluded). JSON array;
 * *n_refusing counts the conflicts that refuse. */
json_t *permit_conflicts(aj_req *req, int64_t site_id, int64_t self_id, const char *type, double x, double y,
                         int64_t asset_id, int *n_refusing);

/* The newest value of a tag the engine holds, no older than max_age_ms (wall clock);
 * false when none. */
bool permit_live_value(aj_req *req, int64_t tag_id, int64_t max_age_ms, double *value, int64_t *t_ms);

/* Minutes east of UTC of a site's time zone (China: 480). */
int permit_utc_offset_min(const char *timezone);

#endif
