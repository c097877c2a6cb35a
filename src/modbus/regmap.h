/* regmap.h — the Modbus TCP register map: which device, table and address each tag is
 * read from and how its registers turn into a value (docs/modbus.md).
 *
 * A map is data (JSON, format "anjian-modbus-map"): devices, poll groups and points.
 * It is parsed once, strictly, into an aj_mb_map that never changes afterwards.
 * Decoding turns the raw words or bits a read returned (uint16_t registers / uint8_t
 * bits, as libmodbus hands them out) into the value of a point; failures of a read
 * (Modbus exceptions, timeouts, lost connections) map to a quality here too.
 *
 * Ownership: one aj_mb_map owns everything reachable from it (one arena) and is freed
 * with aj_mb_map_free. Any number of threads may read it at once. The decoding and
 * quality functions are pure and thread-safe.
 *
 * Read-only by design: nothing here (or anywhere in anjian) writes to a device.
 */
#ifndef AJ_MODBUS_REGMAP_H
#define AJ_MODBUS_REGMAP_H

#include "base/err.h"
#include "base/limits.h"
#include "engine/point.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The four data tables of the protocol and the function code reading each. */
typedef enum aj_mb_table {
    AJ_MB_COIL = 0,           /* "coil": FC 1, one bit each, 0xxxx references */
    AJ_MB_DISCRETE_INPUT = 1, /* "discrete_input": FC 2, one bit, 1xxxx */
    AJ_MB_HOLDING = 2,        /* "holding": FC 3, 16-bit registers, 4xxxx */
    AJ_MB_INPUT = 3,          /* "input": FC 4, 16-bit registers, 3xxxx */
    AJ_MB_TABLE_COUNT
} aj_mb_table;

/* Value types. A bool is a coil, a discrete input or one bit of a register. */
typedef enum aj_mb_type {
    AJ_MB_BOOL = 0,
    AJ_MB_INT16,
    AJ_MB_UINT16,
    AJ_MB_INT32,
    AJ_MB_UINT32,
    AJ_MB_FLOAT32,
    AJ_MB_INT64,
    AJ_MB_UINT64,
    AJ_MB_FLOAT64,
    AJ_MB_TYPE_COUNT
} aj_mb_type;

/* Byte and word order of a 32- or 64-bit value, named by where the bytes of the
 * big-endian value (A most significant) sit in the registers, first register first:
 *   ABCD     ABCDEFGH  big-endian, the protocol's own order
 *   CDAB     GHEFCDAB  words swapped (registers in reverse order), bytes as sent
 *   BADC     BADCFEHG  bytes swapped within each register, registers in order
 *   DCBA     HGFEDCBA  little-endian: both swapped */
typedef enum aj_mb_order {
    AJ_MB_ORDER_ABCD = 0,
    AJ_MB_ORDER_CDAB = 1, /* word swap */
    AJ_MB_ORDER_BADC = 2, /* byte swap */
    AJ_MB_ORDER_DCBA = 3, /* both */
    AJ_MB_ORDER_COUNT
} aj_mb_order;

typedef struct aj_mb_device {
    const char *code;  /* unique among the devices */
    const char *host;  /* name or address literal */
    int port;          /* 1-65535; 502 when not given */
    int unit_id;       /* 0-255; 255 when not given (docs/modbus.md "Unit id") */
    int timeout_ms;    /* reply timeout of one read */
    int retries;       /* further attempts after a failed read */
    int backoff_ms;    /* pause before each retry */
    int max_gap;       /* registers or bits read in between two points to save a request */
    int max_registers; /* registers per read: AJ_MB_READ_REGISTERS_MIN to _MAX */
    int max_bits;      /* bits per read: 1 to AJ_MB_READ_BITS_MAX */
} aj_mb_device;

typedef struct aj_mb_group {
    const char *code; /* unique among the groups */
    int device;       /* index into aj_mb_map.devices */
    int interval_ms;  /* AJ_MB_INTERVAL_MS_MIN to _MAX */
} aj_mb_group;

typedef struct aj_mb_point {
    const char *tag; /* the tag key, unique in the map */
    int device;      /* index into aj_mb_map.devices */
    int group;       /* index into aj_mb_map.groups; that group polls this device */
    aj_mb_table table;
    int address;       /* 0-based, as on the wire: 0-65535 */
    aj_mb_type type;   /* bit tables: only AJ_MB_BOOL */
    aj_mb_order order; /* 32/64-bit types; AJ_MB_ORDER_ABCD for the others */
    int bit;           /* bool in a register: 0 (least significant) to 15; -1 otherwise */
    double scale;      /* value = raw x scale + offset; finite, not 0; 1 for bools */
    double offset;     /* finite; 0 for bools */
    const char *unit;  /* NULL when not given */
} aj_mb_point;

typedef struct aj_mb_map {
    const aj_mb_device *devices;
    int n_devices;
    const aj_mb_group *groups;
    int n_groups;
    const aj_mb_point *points; /* in file order */
    int n_points;
    struct aj_arena *arena; /* owns everything above and the map itself */
} aj_mb_map;

/* ---- names ---------------------------------------------------------------------------- */

/* "coil", "discrete_input", "holding", "input"; "?" out of range. */
const char *aj_mb_table_name(aj_mb_table table);
/* "bool", "int16", ..., "float64"; "?" out of range. */
const char *aj_mb_type_name(aj_mb_type type);
/* The name of order for a value of n_words registers: "ABCD" ... for 2, "ABCDEFGH" ...
 * for 4, "" for 1 (no order applies); "?" out of range. */
const char *aj_mb_order_name(aj_mb_order order, int n_words);
/* Registers a value of type occupies: 1, 2 or 4 (bool and 16-bit types: 1). */
int aj_mb_type_words(aj_mb_type type);
/* True for the tables of bits (coils, discrete inputs). */
bool aj_mb_table_is_bits(aj_mb_table table);
/* Addresses the point occupies in its table: 1 bit, or 1, 2 or 4 registers. */
int aj_mb_point_width(const aj_mb_point *p);

/* ---- the map -------------------------------------------------------------------------- */

/* Parses and checks a map from JSON text (len bytes, NUL not needed). On success *out is
 * a new map the caller frees with aj_mb_map_free. On failure *out is NULL, nothing is
 * left allocated and err holds the first problem as "JSONPATH: what is wrong" (e.g.
 * `$.points[3].type: a coil holds one bit, so the type must be bool, not int32`).
 * Errors: AJ_EJSON, AJ_EINVAL, AJ_ETOOBIG (more objects or longer texts than
 * src/base/limits.h allows), AJ_ENOMEM. */
aj_err aj_mb_map_parse(const char *text, size_t len, aj_mb_map **out, char *err, size_t errlen);

/* Reads the file at path (at most AJ_MB_MAP_FILE_MAX bytes) and parses it; errors start
 * with "PATH: ". Adds AJ_EIO and AJ_ETOOBIG (file too large). */
aj_err aj_mb_map_load(const char *path, aj_mb_map **out, char *err, size_t errlen);

/* Frees the map and everything in it. NULL is a no-op. */
void aj_mb_map_free(aj_mb_map *map);

/* True when every invariant the parser guarantees holds (bounds, indices, uniqueness of
 * codes and tags, no conflicting overlap). For asserts and fuzzing. */
bool aj_mb_map_ok(const aj_mb_map *map);

/* The point with this tag key, or -1. Linear: for tools and tests, not the poll loop. */
int aj_mb_point_find(const aj_mb_map *map, const char *tag);

/* ---- decoding ------------------------------------------------------------------------- */

/* The value of one point, or why there is none. */
typedef struct aj_mb_reading {
    double value;             /* raw x scale + offset; 0 unless quality is GOOD */
    aj_quality quality;       /* GOOD, or BAD (no value this poll) */
    uint32_t quality_reasons; /* AJ_QR_* bits, 0 when GOOD */
    const char *text;         /* short static English reason; "" when GOOD */
} aj_mb_reading;

/* The n_words registers (1, 2 or 4) put together as one big-endian number, undoing
 * order: for ABCD the first register is most significant. n_words 1 ignores order. */
uint64_t aj_mb_assemble(const uint16_t *words, int n_words, aj_mb_order order);
/* The inverse: the registers a device using order sends for the big-endian number
 * bits (its low 16 x n_words bits). For tests and the simulator; nothing writes them. */
void aj_mb_disassemble(uint64_t bits, int n_words, aj_mb_order order, uint16_t *words);

/* The raw value (before scale and offset) of type read from words (aj_mb_type_words of
 * type registers; a bool takes bit of words[0]) in order. Integers are exact up to 2^53
 * in magnitude; beyond that the nearest double. Float NaN and infinities come out as
 * they are. */
double aj_mb_raw(aj_mb_type type, aj_mb_order order, int bit, const uint16_t *words);

/* The reading of point p. Register tables: regs holds the point's registers (regs[0] is
 * its first); bit tables: bits[0] is its bit (0 false, anything else true). The other
 * pointer is not used and may be NULL. NaN or infinite raw floats, and values that
 * overflow once scaled, are BAD rather than a number. */
aj_mb_reading aj_mb_decode(const aj_mb_point *p, const uint16_t *regs, const uint8_t *bits);

/* ---- failed reads --------------------------------------------------------------------- */

/* How a read ended. */
typedef enum aj_mb_failure {
    AJ_MB_READ_OK = 0,     /* the device answered with data */
    AJ_MB_READ_EXCEPTION,  /* the device answered with an exception code */
    AJ_MB_READ_TIMEOUT,    /* no answer within timeout_ms */
    AJ_MB_READ_CONNECTION, /* could not connect, or the connection was lost */
    AJ_MB_READ_PROTOCOL,   /* an answer that is not a valid reply to the request */
} aj_mb_failure;

typedef struct aj_mb_outcome {
    aj_mb_failure failure;
    int exception; /* AJ_MB_READ_EXCEPTION: the code, 1-255 */
} aj_mb_outcome;

/* What an outcome means for the points of the read. */
typedef struct aj_mb_verdict {
    aj_quality quality;       /* GOOD for AJ_MB_READ_OK, BAD for every failure */
    uint32_t quality_reasons; /* AJ_QR_COMM_LOSS (no answer from the device) or
                                 AJ_QR_SOURCE_BAD (the device refused or failed) */
    bool is_retryable;        /* a retry may succeed (busy, timeout, ...) */
    bool is_config_error;     /* the map asks for something the device lacks (1-3) */
    const char *text;         /* short static English text, "" for AJ_MB_READ_OK */
} aj_mb_verdict;

/* The verdict on an outcome (docs/modbus.md "Errors and quality" has the table). */
aj_mb_verdict aj_mb_outcome_verdict(aj_mb_outcome outcome);

#endif
