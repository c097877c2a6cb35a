/* log.c — leveled logging: "2026-11-29T10:00:00.123Z INFO message" lines on stderr. */
#include "base/log.h"
#include "base/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static aj_log_level log_level = AJ_LOG_INFO;
static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void aj_log_set_level(aj_log_level level) {
    log_level = level;
}

int aj_log_level_parse(const char *s) {
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

void aj_log(aj_log_level level, const char *fmt, ...) {
    if (level < log_level) return;
    char stamp[40], line[2048];
    aj_time_format_ms(aj_time_now_ms(), stamp, sizeof stamp);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf call per line keeps lines whole across threads (stdio locks FILE). */
    fprintf(stderr, "%s %s %s\n", stamp, level_names[level], line);
}
