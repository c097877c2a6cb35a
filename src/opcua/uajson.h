/* uajson.h — OPC UA values as JSON, for people: the `anjian opcua` commands and the
 * console's browse dialog. Not a round-trip encoding (that is Part 6 §5.4; not needed).
 *
 * Scalars: Boolean → true/false; integers → numbers (Int64/UInt64 beyond 2^53 as strings
 * so no digit is lost); Float/Double → numbers (NaN/Inf as strings); String, XmlElement →
 * strings; ByteString → base64 string; DateTime → RFC 3339 string; Guid, NodeId,
 * ExpandedNodeId → their text form; StatusCode → {"code","name"}; QualifiedName → "ns:name";
 * LocalizedText → its text; ExtensionObject → {"type_id","bytes"}; nested Variant,
 * DataValue, DiagnosticInfo → objects. Arrays → JSON arrays (dimensions ignored).
 */
#ifndef AJ_OPCUA_UAJSON_H
#define AJ_OPCUA_UAJSON_H

#include "opcua/binary.h"

#include <jansson.h>

/* A new JSON value for v (never NULL unless out of memory). */
json_t *aj_ua_variant_json(const aj_ua_variant *v);
/* {"value", "type", "status", "source_time", "server_time"} for a DataValue. */
json_t *aj_ua_data_value_json(const aj_ua_data_value *dv);
/* NodeClass number → "Object", "Variable", ... ("Unspecified" for 0, "?" for others). */
const char *aj_ua_node_class_name(uint32_t node_class);

#endif
