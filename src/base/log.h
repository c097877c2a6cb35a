/* log.h — leveled logging to stderr, one line per event, safe from any thread. */
#ifndef AJ_LOG_H
#define AJ_LOG_H

typedef enum { AJ_LOG_DEBUG, AJ_LOG_INFO, AJ_LOG_WARN, AJ_LOG_ERROR } aj_log_level;

void aj_log_set_level(aj_log_level level);
/* Parses "debug|info|warn|error"; returns -1 when unknown. */
int aj_log_level_parse(const char *s);
void aj_log(aj_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define aj_debug(...) aj_log(AJ_LOG_DEBUG, __VA_ARGS__)
#define aj_info(...)  aj_log(AJ_LOG_INFO, __VA_ARGS__)
#define aj_warn(...)  aj_log(AJ_LOG_WARN, __VA_ARGS__)
#define aj_error(...) aj_log(AJ_LOG_ERROR, __VA_ARGS__)

#endif
