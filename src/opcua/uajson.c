/* uajson.c — OPC UA values as JSON for people (uajson.h). */
#include "opcua/uajson.h"

#include "base/limits.h"
#include "base/timeutil.h"
#include "opcua/messages.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *aj_ua_node_class_name(uint32_t nc) {
    switch (nc) {
    case 0:
        return "Unspecified";
    case 1:
        return "Object";
    case 2:
        return "Variable";
    case 4:
        return "Method";
    case 8:
        return "ObjectType";
    case 16:
        return "VariableType";
    case 32:
        return "ReferenceType";
    case 64:
        return "DataType";
    case 128:
        return "View";
    default:
        return "?";
    }
}

static json_t *str_json(aj_ua_string s) {
    if (s.len < 0) return json_null();
    return json_stringn_nocheck(s.data, (size_t)s.len);
}

static json_t *bytes_json(aj_ua_string s) {
    if (s.len < 0) return json_null();
    size_t n = (size_t)s.len;
    if (n > AJ_UA_BYTESTRING_LEN_MAX) n = AJ_UA_BYTESTRING_LEN_MAX;
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b = malloc(cap);
    if (!b) return NULL;
    sodium_bin2base64(b, cap, (const unsigned char *)(n ? s.data : ""), n, sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_string(b);
    free(b);
    return j;
}

static json_t *double_json(double d) {
    if (isnan(d)) return json_string("NaN");
    if (isinf(d)) return json_string(d > 0 ? "Infinity" : "-Infinity");
    return json_real(d);
}

static json_t *time_json(int64_t dt) {
    if (dt == 0) return json_null();
    int64_t ms = aj_ua_datetime_to_unix_ms(dt);
    if (ms == INT64_MIN || ms == INT64_MAX) return json_null();
    char t[40];
    aj_time_format_ms(ms, t, sizeof t);
    return json_string(t);
}

static json_t *status_json(uint32_t s) {
    const char *name = aj_ua_status_name(s);
    char code[16];
    snprintf(code, sizeof code, "0x%08X", s);
    return json_pack("{s:s, s:s?}", "code", code, "name", name);
}

static json_t *node_json(const aj_ua_node_id *id) {
    char text[512];
    aj_ua_node_id_format(id, text, sizeof text);
    return json_string(text);
}

static json_t *element_json(int type, const void *p, int depth);

static json_t *variant_json(const aj_ua_variant *v, int depth) {
    if (v->type == AJ_UA_NULL) return json_null();
    if (depth > 8) return json_string("(nested too deep)");
    if (!v->is_array) return element_json(v->type, v->v.any, depth);
    json_t *a = json_array();
    size_t sz = aj_ua_type_size(v->type);
    for (uint32_t k = 0; k < v->count && a; k++)
        json_array_append_new(a, element_json(v->type, (const uint8_t *)v->v.any + k * sz, depth));
    return a;
}

static json_t *data_value_json(const aj_ua_data_value *dv, int depth) {
    json_t *o = json_object();
    if (dv->mask & AJ_UA_DV_VALUE) {
        json_object_set_new(o, "value", variant_json(&dv->value, depth + 1));
        json_object_set_new(o, "type", json_string(aj_ua_type_name(dv->value.type)));
        if (dv->value.is_array) json_object_set_new(o, "is_array", json_true());
    }
    json_object_set_new(o, "status", status_json(dv->mask & AJ_UA_DV_STATUS ? dv->status : 0));
    if (dv->mask & AJ_UA_DV_SOURCE_TIMESTAMP)
        json_object_set_new(o, "source_time", time_json(dv->source_timestamp));
    if (dv->mask & AJ_UA_DV_SERVER_TIMESTAMP)
        json_object_set_new(o, "server_time", time_json(dv->server_timestamp));
    return o;
}

static json_t *element_json(int type, const void *p, int depth) {
    switch (type) {
    case AJ_UA_BOOLEAN:
        return json_boolean(*(const bool *)p);
    case AJ_UA_SBYTE:
        return json_integer(*(const int8_t *)p);
    case AJ_UA_BYTE:
        return json_integer(*(const uint8_t *)p);
    case AJ_UA_INT16:
        return json_integer(*(const int16_t *)p);
    case AJ_UA_UINT16:
        return json_integer(*(const uint16_t *)p);
    case AJ_UA_INT32:
        return json_integer(*(const int32_t *)p);
    case AJ_UA_UINT32:
        return json_integer(*(const uint32_t *)p);
    case AJ_UA_INT64: {
        int64_t v = *(const int64_t *)p;
        if (v > (1LL << 53) || v < -(1LL << 53)) {
            char s[32];
            snprintf(s, sizeof s, "%lld", (long long)v);
            return json_string(s);
        }
        return json_integer(v);
    }
    case AJ_UA_UINT64: {
        uint64_t v = *(const uint64_t *)p;
        if (v > (1ULL << 53)) {
            char s[32];
            snprintf(s, sizeof s, "%llu", (unsigned long long)v);
            return json_string(s);
        }
        return json_integer((json_int_t)v);
    }
    case AJ_UA_FLOAT:
        return double_json(*(const float *)p);
    case AJ_UA_DOUBLE:
        return double_json(*(const double *)p);
    case AJ_UA_STRING:
    case AJ_UA_XMLELEMENT:
        return str_json(*(const aj_ua_string *)p);
    case AJ_UA_BYTESTRING:
        return bytes_json(*(const aj_ua_string *)p);
    case AJ_UA_DATETIME:
        return time_json(*(const int64_t *)p);
    case AJ_UA_GUID: {
        aj_ua_node_id id = aj_ua_node_numeric(0, 0);
        id.id_type = AJ_UA_ID_GUID;
        id.guid = *(const aj_ua_guid *)p;
        char t[64];
        aj_ua_node_id_format(&id, t, sizeof t);
        return json_string(t + 2); /* without "g=" */
    }
    case AJ_UA_NODEID:
        return node_json(p);
    case AJ_UA_EXPANDEDNODEID:
        return node_json(&((const aj_ua_expanded_node_id *)p)->node_id);
    case AJ_UA_STATUSCODE:
        return status_json(*(const uint32_t *)p);
    case AJ_UA_QUALIFIEDNAME: {
        const aj_ua_qualified_name *q = p;
        char t[300];
        snprintf(t, sizeof t, "%u:%.*s", q->ns,
                 q->name.len > 0 ? (int)(q->name.len < 256 ? q->name.len : 256) : 0,
                 q->name.len > 0 ? q->name.data : "");
        return json_string(t);
    }
    case AJ_UA_LOCALIZEDTEXT:
        return str_json(((const aj_ua_localized_text *)p)->text);
    case AJ_UA_EXTENSIONOBJECT: {
        const aj_ua_extension_object *e = p;
        return json_pack("{s:o, s:o}", "type_id", node_json(&e->type_id), "bytes", bytes_json(e->body));
    }
    case AJ_UA_DATAVALUE:
        return data_value_json(p, depth + 1);
    case AJ_UA_VARIANT:
        return variant_json(p, depth + 1);
    case AJ_UA_DIAGNOSTICINFO: {
        const aj_ua_diagnostic_info *d = p;
        return json_pack("{s:i, s:o}", "symbolic_id", (int)d->symbolic_id, "additional_info",
                         str_json(d->additional_info));
    }
    default:
        return bytes_json(*(const aj_ua_string *)p); /* reserved ids keep their bytes */
    }
}

json_t *aj_ua_variant_json(const aj_ua_variant *v) {
    return variant_json(v, 0);
}

json_t *aj_ua_data_value_json(const aj_ua_data_value *dv) {
    return data_value_json(dv, 0);
}
