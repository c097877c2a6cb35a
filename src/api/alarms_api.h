/* alarms_api.h — alarm routes and the helpers the events stream shares with them. */
#ifndef AJ_ALARMS_API_H
#define AJ_ALARMS_API_H

#include "http/http.h"

aj_err aj_api_alarms_list(aj_req *req);
aj_err aj_api_alarm_get(aj_req *req);
aj_err aj_api_alarm_ack(aj_req *req);
aj_err aj_api_alarm_reset(aj_req *req);
aj_err aj_api_alarm_shelve(aj_req *req);
aj_err aj_api_alarm_unshelve(aj_req *req);
aj_err aj_api_alarm_remove_from_service(aj_req *req);
aj_err aj_api_alarm_return_to_service(aj_req *req);
aj_err aj_api_alarm_journal(aj_req *req);
aj_err aj_api_alarm_kpi(aj_req *req);
aj_err aj_api_tag_alarms_get(aj_req *req);
aj_err aj_api_tag_alarms_put(aj_req *req);
aj_err aj_api_events(aj_req *req);

/* Hooks of the tags resource: generated alarms follow the tag. */
aj_err aj_api_tag_alarms_written(aj_req *req, int64_t tag_id);
void aj_api_tag_alarms_committed(aj_req *req, int64_t tag_id);

/* "t.enterprise_id IN (..) AND t.site_id IN (..)" for the caller (t = tags). */
void aj_alarm_scope_sql(const aj_req *req, char *buf, size_t size);
/* Journal entries in id order with after_id < id, from_ns <= t < to_ns, optional alarm
 * and tag (0 = any), scoped by scope_sql over tags t. */
aj_err aj_alarm_journal_query(aj_db *db, const char *scope_sql, int64_t after_id, int64_t from_ns,
                              int64_t to_ns, int64_t alarm_id, int64_t tag_id, int64_t limit,
                              aj_result **out);
json_t *aj_alarm_journal_row_json(const aj_result *r, int row);

#endif
