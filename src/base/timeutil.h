/* timeutil.h — wall-clock time and RFC 3339 formatting/parsing (UTC, milliseconds). */
#ifndef AJ_TIMEUTIL_H
#define AJ_TIMEUTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch, UTC. */
int64_t aj_time_now_ms(void);
/* Nanoseconds since the Unix epoch, UTC (event times of points). */
int64_t aj_time_now_ns(void);
/* Milliseconds of the monotonic clock (intervals, deadlines; not a wall time). */
int64_t aj_time_mono_ms(void);
/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 chars + NUL); buf must hold >= 25 bytes. */
void aj_time_format_ms(int64_t ms, char *buf, size_t size);
/* Parses RFC 3339 ("2026-01-02T03:04:05Z", fraction and +hh:mm offset optional) or a
 * plain date "YYYY-MM-DD" (midnight UTC). Returns false on any malformed input. */
bool aj_time_parse(const char *s, int64_t *out_ms);
/* Minutes east of UTC of a site's time zone name: 0 for UTC/GMT, else 480 (every zone of
 * China, Hong Kong, Macau and Taiwan is UTC+8, without daylight saving). */
int aj_time_zone_offset_min(const char *tz);
/* Days since epoch for a civil date (proleptic Gregorian). */
int64_t aj_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
