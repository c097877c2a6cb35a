/* binary_int.h — what binary.c and variant.c share and nobody else uses.
 *
 * Readers name what they read as "<field>.<part>" (part may be NULL): the pair is only
 * joined into a message when a read fails, so naming costs nothing on the good path.
 */
#ifndef AJ_OPCUA_BINARY_INT_H
#define AJ_OPCUA_BINARY_INT_H

#include "opcua/binary.h"

/* Fails the reader with "<field>.<part> at offset <at>: <message>". */
aj_err ua_fail(aj_ua_reader *r, aj_err code, size_t at, const char *field, const char *part, const char *fmt,
               ...) __attribute__((format(printf, 6, 7)));

aj_err ua_rd_u8(aj_ua_reader *r, const char *field, const char *part, uint8_t *out);
aj_err ua_rd_u16(aj_ua_reader *r, const char *field, const char *part, uint16_t *out);
aj_err ua_rd_u32(aj_ua_reader *r, const char *field, const char *part, uint32_t *out);
aj_err ua_rd_u64(aj_ua_reader *r, const char *field, const char *part, uint64_t *out);
aj_err ua_rd_i32(aj_ua_reader *r, const char *field, const char *part, int32_t *out);
/* String (is_text: UTF-8 checked, AJ_UA_STRING_LEN_MAX) or ByteString (AJ_UA_BYTESTRING_LEN_MAX). */
aj_err ua_rd_chars(aj_ua_reader *r, const char *field, const char *part, bool is_text, size_t max,
                   aj_ua_string *out);
aj_err ua_rd_node_id(aj_ua_reader *r, const char *field, const char *part, aj_ua_node_id *out);
/* Array length as aj_ua_read_array_length. */
aj_err ua_rd_array_length(aj_ua_reader *r, const char *field, const char *part, size_t min_elem_bytes,
                          int32_t *out);

/* Fewest bytes one element of a type takes on the wire (for checking counts early). */
size_t ua_min_wire_bytes(int type);

#endif
