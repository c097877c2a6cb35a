/* point.h — one measurement as it flows from the adapters to the engines.
 *
 * Event time is nanoseconds since the Unix epoch, UTC (int64 covers 1677..2262), as
 * InfluxDB line protocol carries it; every engine decides by event time, never by the
 * wall clock. Quality follows OPC UA's three classes; the reason bits say why a point
 * is not good (data-quality checks set them).
 */
#ifndef AJ_POINT_H
#define AJ_POINT_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { AJ_QUALITY_GOOD = 0, AJ_QUALITY_UNCERTAIN = 1, AJ_QUALITY_BAD = 2 } aj_quality;

/* Why a point's quality is not good (bit set). */
enum {
    AJ_QR_STALE = 1u << 0,        /* no update within the tag's stale time */
    AJ_QR_COMM_LOSS = 1u << 1,    /* the source says communication is lost */
    AJ_QR_FLATLINE = 1u << 2,     /* value stuck for longer than plausible */
    AJ_QR_OUT_OF_RANGE = 1u << 3, /* outside the instrument range */
    AJ_QR_SPIKE = 1u << 4,        /* isolated jump that returns at once */
    AJ_QR_RATE = 1u << 5,         /* physically implausible rate of change */
    AJ_QR_SOURCE_BAD = 1u << 6,   /* the source (OPC UA status, Modbus exception) said bad */
};

typedef enum { AJ_VALUE_FLOAT, AJ_VALUE_INT, AJ_VALUE_BOOL, AJ_VALUE_STRING } aj_value_type;

typedef struct aj_point {
    int64_t tag_id; /* tags.id once resolved; 0 before */
    int64_t t_ns;   /* event time */
    double value;   /* numeric value (bool: 0/1; int: converted) */
    aj_value_type type;
    aj_quality quality;
    uint32_t quality_reasons;
} aj_point;

#endif
