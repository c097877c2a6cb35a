/* messages.c — encoders of the OPC UA requests and decoders of the responses the client
 * uses (messages.h). Field order follows OPC 10000-4; each decoder reads every field of its
 * structure, keeping the ones the client acts on. */
#include "opcua/messages.h"

#include "base/limits.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *aj_ua_status_name(uint32_t status) {
    switch (status & 0xFFFF0000u) {
    case AJ_UA_GOOD:
        return "Good";
    case AJ_UA_BAD_TIMEOUT:
        return "BadTimeout";
    case AJ_UA_BAD_SESSION_ID_INVALID:
        return "BadSessionIdInvalid";
    case AJ_UA_BAD_SESSION_CLOSED:
        return "BadSessionClosed";
    case AJ_UA_BAD_SESSION_NOT_ACTIVATED:
        return "BadSessionNotActivated";
    case AJ_UA_BAD_SUBSCRIPTION_ID_INVALID:
        return "BadSubscriptionIdInvalid";
    case AJ_UA_BAD_NO_SUBSCRIPTION:
        return "BadNoSubscription";
    case AJ_UA_BAD_TOO_MANY_PUBLISH_REQUESTS:
        return "BadTooManyPublishRequests";
    case AJ_UA_BAD_MESSAGE_NOT_AVAILABLE:
        return "BadMessageNotAvailable";
    case AJ_UA_BAD_SEQUENCE_NUMBER_UNKNOWN:
        return "BadSequenceNumberUnknown";
    case AJ_UA_BAD_SECURE_CHANNEL_ID_INVALID:
        return "BadSecureChannelIdInvalid";
    case AJ_UA_BAD_IDENTITY_TOKEN_INVALID:
        return "BadIdentityTokenInvalid";
    case AJ_UA_BAD_IDENTITY_TOKEN_REJECTED:
        return "BadIdentityTokenRejected";
    case AJ_UA_BAD_USER_ACCESS_DENIED:
        return "BadUserAccessDenied";
    case 0x80340000u:
        return "BadNodeIdUnknown";
    case 0x80330000u:
        return "BadNodeIdInvalid";
    case 0x80350000u:
        return "BadAttributeIdInvalid";
    case 0x80310000u:
        return "BadNoCommunication";
    case 0x80320000u:
        return "BadWaitingForInitialData";
    case 0x80020000u:
        return "BadInternalError";
    case 0x80130000u:
        return "BadSecurityChecksFailed";
    case 0x80170000u:
        return "BadCertificateUntrusted";
    case 0x80120000u:
        return "BadCertificateInvalid";
    case 0x80040000u:
        return "BadCommunicationError";
    case 0x80AB0000u:
        return "BadTcpEndpointUrlInvalid";
    case 0x80860000u:
        return "BadSecureChannelClosed";
    case 0x80870000u:
        return "BadSecureChannelTokenUnknown";
    case 0x80080000u:
        return "BadDecodingError";
    case 0x80070000u:
        return "BadEncodingError";
    case 0x800B0000u:
        return "BadServiceUnsupported";
    case 0x800E0000u:
        return "BadServerHalted";
    case 0x80AD0000u:
        return "BadTooManySessions";
    case 0x80B80000u:
        return "BadTooManyOperations";
    case 0x80E50000u:
        return "BadSecurityPolicyRejected";
    case 0x80E60000u:
        return "BadTooManyMonitoredItems";
    case 0x80440000u:
        return "BadMonitoredItemFilterUnsupported";
    case 0x80430000u:
        return "BadFilterNotAllowed";
    case 0x40000000u:
        return "Uncertain";
    default:
        return NULL;
    }
}

aj_ua_node_id aj_ua_node_numeric(uint16_t ns, uint32_t id) {
    aj_ua_node_id n;
    memset(&n, 0, sizeof n);
    n.ns = ns;
    n.id_type = AJ_UA_ID_NUMERIC;
    n.numeric = id;
    n.string = AJ_UA_STRING_NULL;
    return n;
}

/* ---- requests ------------------------------------------------------------------------------ */

static void write_type(aj_ua_writer *w, uint32_t id) {
    aj_ua_node_id n = aj_ua_node_numeric(0, id);
    aj_ua_write_node_id(w, &n);
}

static void write_request_header(aj_ua_writer *w, const aj_ua_request_header *h) {
    aj_ua_write_node_id(w, &h->auth_token);
    aj_ua_write_datetime(w, h->timestamp);
    aj_ua_write_uint32(w, h->handle);
    aj_ua_write_uint32(w, 0);                 /* ReturnDiagnostics: none */
    aj_ua_write_string(w, aj_ua_string_of("")); /* AuditEntryId (empty, as most clients send it) */
    aj_ua_write_uint32(w, h->timeout_hint_ms);
    aj_ua_extension_object none = {.encoding = AJ_UA_EXT_NONE, .body = AJ_UA_STRING_NULL};
    none.type_id = aj_ua_node_numeric(0, 0);
    aj_ua_write_extension_object(w, &none);
}

static void begin(aj_ua_writer *w, uint32_t type, const aj_ua_request_header *h) {
    write_type(w, type);
    write_request_header(w, h);
}

aj_err aj_ua_encode_open_channel(aj_ua_writer *w, const aj_ua_request_header *h, bool is_renew, uint32_t mode,
                                 aj_ua_string client_nonce, uint32_t lifetime_ms) {
    begin(w, AJ_UA_ID_OPEN_CHANNEL_REQ, h);
    aj_ua_write_uint32(w, 0);        /* ClientProtocolVersion */
    aj_ua_write_uint32(w, is_renew); /* RequestType: 0 Issue, 1 Renew */
    aj_ua_write_uint32(w, mode);     /* MessageSecurityMode */
    aj_ua_write_bytestring(w, client_nonce);
    return aj_ua_write_uint32(w, lifetime_ms);
}

aj_err aj_ua_encode_close_channel(aj_ua_writer *w, const aj_ua_request_header *h) {
    begin(w, AJ_UA_ID_CLOSE_CHANNEL_REQ, h);
    return w->status;
}

aj_err aj_ua_encode_get_endpoints(aj_ua_writer *w, const aj_ua_request_header *h, const char *endpoint_url) {
    begin(w, AJ_UA_ID_GET_ENDPOINTS_REQ, h);
    aj_ua_write_string(w, aj_ua_string_of(endpoint_url));
    aj_ua_write_int32(w, 0);        /* LocaleIds */
    return aj_ua_write_int32(w, 0); /* ProfileUris */
}

aj_err aj_ua_encode_create_session(aj_ua_writer *w, const aj_ua_request_header *h,
                                   const aj_ua_client_app *app, const char *endpoint_url,
                                   const char *session_name, aj_ua_string client_nonce,
                                   aj_ua_string client_cert, double timeout_ms) {
    begin(w, AJ_UA_ID_CREATE_SESSION_REQ, h);
    /* ClientDescription (ApplicationDescription) */
    aj_ua_write_string(w, aj_ua_string_of(app->application_uri));
    aj_ua_write_string(w, aj_ua_string_of(app->product_uri));
    aj_ua_localized_text name = {AJ_UA_STRING_NULL, aj_ua_string_of(app->name)};
    aj_ua_write_localized_text(w, &name);
    aj_ua_write_uint32(w, 1); /* ApplicationType: Client */
    aj_ua_write_string(w, AJ_UA_STRING_NULL);
    aj_ua_write_string(w, AJ_UA_STRING_NULL);
    aj_ua_write_int32(w, -1);                 /* DiscoveryUrls */
    aj_ua_write_string(w, AJ_UA_STRING_NULL); /* ServerUri */
    aj_ua_write_string(w, aj_ua_string_of(endpoint_url));
    aj_ua_write_string(w, aj_ua_string_of(session_name));
    aj_ua_write_bytestring(w, client_nonce);
    aj_ua_write_bytestring(w, client_cert);
    aj_ua_write_double(w, timeout_ms);
    return aj_ua_write_uint32(w, 0); /* MaxResponseMessageSize: no limit beyond the transport's */
}

static void write_signature(aj_ua_writer *w, aj_ua_string alg, aj_ua_string sig) {
    aj_ua_write_string(w, alg);
    aj_ua_write_bytestring(w, sig);
}

aj_err aj_ua_encode_activate_session(aj_ua_writer *w, const aj_ua_request_header *h,
                                     aj_ua_string signature_alg, aj_ua_string signature,
                                     const aj_ua_identity *id) {
    begin(w, AJ_UA_ID_ACTIVATE_SESSION_REQ, h);
    write_signature(w, signature_alg, signature);
    aj_ua_write_int32(w, 0); /* ClientSoftwareCertificates */
    aj_ua_write_int32(w, 0); /* LocaleIds */
    /* UserIdentityToken: an ExtensionObject whose body we encode first. */
    aj_ua_writer body;
    aj_ua_writer_init(&body, 0);
    aj_ua_write_string(&body, id->policy_id);
    if (id->is_username) {
        aj_ua_write_string(&body, id->username);
        aj_ua_write_bytestring(&body, id->password);
        aj_ua_write_string(&body, id->encryption_algorithm);
    }
    if (body.status) {
        aj_ua_writer_fail(w, body.status, "UserIdentityToken", "%s", body.err);
        aj_ua_writer_clear(&body);
        return w->status;
    }
    aj_ua_extension_object token = {.encoding = AJ_UA_EXT_BINARY};
    token.type_id =
        aj_ua_node_numeric(0, id->is_username ? AJ_UA_ID_USERNAME_TOKEN : AJ_UA_ID_ANONYMOUS_TOKEN);
    token.body.data = (const char *)body.buf;
    token.body.len = (int32_t)body.len;
    aj_ua_write_extension_object(w, &token);
    aj_ua_writer_clear(&body);
    write_signature(w, AJ_UA_STRING_NULL, AJ_UA_STRING_NULL); /* UserTokenSignature */
    return w->status;
}

aj_err aj_ua_encode_close_session(aj_ua_writer *w, const aj_ua_request_header *h, bool delete_subscriptions) {
    begin(w, AJ_UA_ID_CLOSE_SESSION_REQ, h);
    return aj_ua_write_boolean(w, delete_subscriptions);
}

aj_err aj_ua_encode_browse(aj_ua_writer *w, const aj_ua_request_header *h, const aj_ua_node_id *node,
                           uint32_t max_refs) {
    begin(w, AJ_UA_ID_BROWSE_REQ, h);
    aj_ua_node_id null_id = aj_ua_node_numeric(0, 0);
    aj_ua_write_node_id(w, &null_id); /* View: the whole address space */
    aj_ua_write_datetime(w, 0);
    aj_ua_write_uint32(w, 0);
    aj_ua_write_uint32(w, max_refs);
    aj_ua_write_int32(w, 1);
    aj_ua_write_node_id(w, node);
    aj_ua_write_uint32(w, 0); /* BrowseDirection: Forward */
    aj_ua_node_id hierarchical = aj_ua_node_numeric(0, 33);
    aj_ua_write_node_id(w, &hierarchical);
    aj_ua_write_boolean(w, true);       /* IncludeSubtypes */
    aj_ua_write_uint32(w, 0);           /* NodeClassMask: all */
    return aj_ua_write_uint32(w, 0x3F); /* ResultMask: all fields */
}

aj_err aj_ua_encode_browse_next(aj_ua_writer *w, const aj_ua_request_header *h,
                                aj_ua_string continuation_point, bool release) {
    begin(w, AJ_UA_ID_BROWSE_NEXT_REQ, h);
    aj_ua_write_boolean(w, release);
    aj_ua_write_int32(w, 1);
    return aj_ua_write_bytestring(w, continuation_point);
}

static void write_read_value_id(aj_ua_writer *w, const aj_ua_node_id *node, uint32_t attribute,
                                aj_ua_string index_range) {
    aj_ua_write_node_id(w, node);
    aj_ua_write_uint32(w, attribute);
    aj_ua_write_string(w, index_range);
    aj_ua_qualified_name enc = {0, AJ_UA_STRING_NULL};
    aj_ua_write_qualified_name(w, &enc);
}

aj_err aj_ua_encode_read(aj_ua_writer *w, const aj_ua_request_header *h, const aj_ua_node_id *nodes,
                         const aj_ua_string *index_ranges, const uint32_t *attribute_ids, uint32_t n) {
    begin(w, AJ_UA_ID_READ_REQ, h);
    aj_ua_write_double(w, 0); /* MaxAge: a fresh value */
    aj_ua_write_uint32(w, 2); /* TimestampsToReturn: Both */
    aj_ua_write_int32(w, (int32_t)n);
    for (uint32_t k = 0; k < n; k++)
        write_read_value_id(w, &nodes[k], attribute_ids[k],
                            index_ranges ? index_ranges[k] : AJ_UA_STRING_NULL);
    return w->status;
}

aj_err aj_ua_encode_create_subscription(aj_ua_writer *w, const aj_ua_request_header *h, double interval_ms,
                                        uint32_t lifetime_count, uint32_t keepalive_count,
                                        uint32_t max_notifications) {
    begin(w, AJ_UA_ID_CREATE_SUBSCRIPTION_REQ, h);
    aj_ua_write_double(w, interval_ms);
    aj_ua_write_uint32(w, lifetime_count);
    aj_ua_write_uint32(w, keepalive_count);
    aj_ua_write_uint32(w, max_notifications);
    aj_ua_write_boolean(w, true);  /* PublishingEnabled */
    return aj_ua_write_byte(w, 0); /* Priority */
}

aj_err aj_ua_encode_create_items(aj_ua_writer *w, const aj_ua_request_header *h, uint32_t subscription_id,
                                 const aj_ua_item_request *items, uint32_t n) {
    begin(w, AJ_UA_ID_CREATE_ITEMS_REQ, h);
    aj_ua_write_uint32(w, subscription_id);
    aj_ua_write_uint32(w, 2); /* TimestampsToReturn: Both */
    aj_ua_write_int32(w, (int32_t)n);
    for (uint32_t k = 0; k < n && !w->status; k++) {
        const aj_ua_item_request *it = &items[k];
        write_read_value_id(w, &it->node, 13, it->index_range);
        aj_ua_write_uint32(w, 2); /* MonitoringMode: Reporting */
        aj_ua_write_uint32(w, it->client_handle);
        aj_ua_write_double(w, it->sampling_ms);
        aj_ua_extension_object filter = {.encoding = AJ_UA_EXT_NONE, .body = AJ_UA_STRING_NULL};
        filter.type_id = aj_ua_node_numeric(0, 0);
        uint8_t fbody[4 + 4 + 8];
        if (it->deadband != AJ_UA_DEADBAND_NONE) {
            aj_ua_writer fw;
            aj_ua_writer_init(&fw, sizeof fbody);
            aj_ua_write_uint32(&fw, 1); /* Trigger: StatusValue */
            aj_ua_write_uint32(&fw, (uint32_t)it->deadband);
            aj_ua_write_double(&fw, it->deadband_value);
            memcpy(fbody, fw.buf, sizeof fbody);
            aj_ua_writer_clear(&fw);
            filter.type_id = aj_ua_node_numeric(0, AJ_UA_ID_DATA_CHANGE_FILTER);
            filter.encoding = AJ_UA_EXT_BINARY;
            filter.body.data = (const char *)fbody;
            filter.body.len = (int32_t)sizeof fbody;
        }
        aj_ua_write_extension_object(w, &filter);
        aj_ua_write_uint32(w, it->queue_size);
        aj_ua_write_boolean(w, true); /* DiscardOldest */
    }
    return w->status;
}

aj_err aj_ua_encode_publish(aj_ua_writer *w, const aj_ua_request_header *h, const aj_ua_ack *acks,
                            uint32_t n) {
    begin(w, AJ_UA_ID_PUBLISH_REQ, h);
    aj_ua_write_int32(w, (int32_t)n);
    for (uint32_t k = 0; k < n; k++) {
        aj_ua_write_uint32(w, acks[k].subscription_id);
        aj_ua_write_uint32(w, acks[k].sequence_number);
    }
    return w->status;
}

aj_err aj_ua_encode_republish(aj_ua_writer *w, const aj_ua_request_header *h, uint32_t subscription_id,
                              uint32_t sequence_number) {
    begin(w, AJ_UA_ID_REPUBLISH_REQ, h);
    aj_ua_write_uint32(w, subscription_id);
    return aj_ua_write_uint32(w, sequence_number);
}

/* ---- responses ----------------------------------------------------------------------------- */

aj_err aj_ua_response_begin(aj_ua_reader *r, uint32_t *type_id, aj_ua_response_header *h) {
    memset(h, 0, sizeof *h);
    *type_id = 0;
    size_t at = r->pos;
    aj_ua_node_id type;
    if (aj_ua_read_node_id(r, "Message.TypeId", &type)) return r->status;
    if (type.ns != 0 || type.id_type != AJ_UA_ID_NUMERIC)
        return aj_ua_reader_fail(r, AJ_EINVAL, at, "Message.TypeId", "not a numeric NodeId in namespace 0");
    *type_id = type.numeric;
    aj_ua_read_datetime(r, "ResponseHeader.Timestamp", &h->timestamp);
    aj_ua_read_uint32(r, "ResponseHeader.RequestHandle", &h->handle);
    aj_ua_read_status_code(r, "ResponseHeader.ServiceResult", &h->service_result);
    aj_ua_diagnostic_info di;
    aj_ua_read_diagnostic_info(r, "ResponseHeader.ServiceDiagnostics", &di);
    int32_t n = 0;
    aj_ua_read_array_length(r, "ResponseHeader.StringTable", 4, &n);
    for (int32_t k = 0; k < n && !r->status; k++) {
        aj_ua_string s;
        aj_ua_read_string(r, "ResponseHeader.StringTable[]", &s);
    }
    aj_ua_extension_object add;
    return aj_ua_read_extension_object(r, "ResponseHeader.AdditionalHeader", &add);
}

/* Reads an array length and allocates n elements of size sz (NULL when n <= 0). */
static void *read_array(aj_ua_reader *r, const char *field, size_t min_wire, size_t sz, uint32_t *n) {
    int32_t len = 0;
    *n = 0;
    if (aj_ua_read_array_length(r, field, min_wire, &len) || len <= 0) return NULL;
    void *p = aj_ua_reader_alloc(r, (size_t)len * sz, field);
    if (p) *n = (uint32_t)len;
    return p;
}

static void skip_diagnostics(aj_ua_reader *r, const char *field) {
    uint32_t n = 0;
    int32_t len = 0;
    (void)n;
    if (aj_ua_read_array_length(r, field, 1, &len)) return;
    for (int32_t k = 0; k < len && !r->status; k++) {
        aj_ua_diagnostic_info di;
        aj_ua_read_diagnostic_info(r, field, &di);
    }
}

aj_err aj_ua_decode_open_channel(aj_ua_reader *r, aj_ua_open_channel_resp *out) {
    memset(out, 0, sizeof *out);
    uint32_t version;
    aj_ua_read_uint32(r, "OpenSecureChannelResponse.ServerProtocolVersion", &version);
    aj_ua_read_uint32(r, "SecurityToken.ChannelId", &out->channel_id);
    aj_ua_read_uint32(r, "SecurityToken.TokenId", &out->token_id);
    aj_ua_read_datetime(r, "SecurityToken.CreatedAt", &out->created_at);
    aj_ua_read_uint32(r, "SecurityToken.RevisedLifetime", &out->revised_lifetime_ms);
    aj_ua_read_bytestring(r, "OpenSecureChannelResponse.ServerNonce", &out->server_nonce);
    return aj_ua_reader_finish(r, "OpenSecureChannelResponse");
}

static void read_app_description(aj_ua_reader *r, aj_ua_string *application_uri) {
    aj_ua_string s;
    aj_ua_localized_text t;
    uint32_t type;
    aj_ua_read_string(r, "ApplicationDescription.ApplicationUri", application_uri);
    aj_ua_read_string(r, "ApplicationDescription.ProductUri", &s);
    aj_ua_read_localized_text(r, "ApplicationDescription.ApplicationName", &t);
    aj_ua_read_uint32(r, "ApplicationDescription.ApplicationType", &type);
    aj_ua_read_string(r, "ApplicationDescription.GatewayServerUri", &s);
    aj_ua_read_string(r, "ApplicationDescription.DiscoveryProfileUri", &s);
    int32_t n = 0;
    aj_ua_read_array_length(r, "ApplicationDescription.DiscoveryUrls", 4, &n);
    for (int32_t k = 0; k < n && !r->status; k++)
        aj_ua_read_string(r, "ApplicationDescription.DiscoveryUrls[]", &s);
}

static void read_endpoint(aj_ua_reader *r, aj_ua_endpoint *e) {
    aj_ua_read_string(r, "EndpointDescription.EndpointUrl", &e->url);
    read_app_description(r, &e->server_uri);
    aj_ua_read_bytestring(r, "EndpointDescription.ServerCertificate", &e->server_certificate);
    aj_ua_read_uint32(r, "EndpointDescription.SecurityMode", &e->security_mode);
    aj_ua_read_string(r, "EndpointDescription.SecurityPolicyUri", &e->security_policy_uri);
    e->tokens = read_array(r, "EndpointDescription.UserIdentityTokens", 20, sizeof *e->tokens, &e->n_tokens);
    for (uint32_t k = 0; k < e->n_tokens && !r->status; k++) {
        aj_ua_token_policy *t = &e->tokens[k];
        aj_ua_string s;
        aj_ua_read_string(r, "UserTokenPolicy.PolicyId", &t->policy_id);
        aj_ua_read_uint32(r, "UserTokenPolicy.TokenType", &t->token_type);
        aj_ua_read_string(r, "UserTokenPolicy.IssuedTokenType", &s);
        aj_ua_read_string(r, "UserTokenPolicy.IssuerEndpointUrl", &s);
        aj_ua_read_string(r, "UserTokenPolicy.SecurityPolicyUri", &t->security_policy_uri);
    }
    aj_ua_read_string(r, "EndpointDescription.TransportProfileUri", &e->transport_profile_uri);
    aj_ua_read_byte(r, "EndpointDescription.SecurityLevel", &e->security_level);
}

static void read_endpoints(aj_ua_reader *r, const char *field, aj_ua_endpoints *out) {
    out->items = read_array(r, field, 40, sizeof *out->items, &out->n);
    for (uint32_t k = 0; k < out->n && !r->status; k++) read_endpoint(r, &out->items[k]);
}

aj_err aj_ua_decode_get_endpoints(aj_ua_reader *r, aj_ua_endpoints *out) {
    memset(out, 0, sizeof *out);
    read_endpoints(r, "GetEndpointsResponse.Endpoints", out);
    return aj_ua_reader_finish(r, "GetEndpointsResponse");
}

aj_err aj_ua_decode_create_session(aj_ua_reader *r, aj_ua_create_session_resp *out) {
    memset(out, 0, sizeof *out);
    aj_ua_read_node_id(r, "CreateSessionResponse.SessionId", &out->session_id);
    aj_ua_read_node_id(r, "CreateSessionResponse.AuthenticationToken", &out->auth_token);
    aj_ua_read_double(r, "CreateSessionResponse.RevisedSessionTimeout", &out->revised_timeout_ms);
    aj_ua_read_bytestring(r, "CreateSessionResponse.ServerNonce", &out->server_nonce);
    aj_ua_read_bytestring(r, "CreateSessionResponse.ServerCertificate", &out->server_certificate);
    read_endpoints(r, "CreateSessionResponse.ServerEndpoints", &out->endpoints);
    int32_t n = 0;
    aj_ua_read_array_length(r, "CreateSessionResponse.ServerSoftwareCertificates", 8, &n);
    for (int32_t k = 0; k < n && !r->status; k++) {
        aj_ua_string s;
        aj_ua_read_bytestring(r, "SignedSoftwareCertificate.CertificateData", &s);
        aj_ua_read_bytestring(r, "SignedSoftwareCertificate.Signature", &s);
    }
    aj_ua_read_string(r, "CreateSessionResponse.ServerSignature.Algorithm", &out->signature_alg);
    aj_ua_read_bytestring(r, "CreateSessionResponse.ServerSignature.Signature", &out->signature);
    aj_ua_read_uint32(r, "CreateSessionResponse.MaxRequestMessageSize", &out->max_request_size);
    return aj_ua_reader_finish(r, "CreateSessionResponse");
}

aj_err aj_ua_decode_activate_session(aj_ua_reader *r, aj_ua_activate_session_resp *out) {
    memset(out, 0, sizeof *out);
    aj_ua_read_bytestring(r, "ActivateSessionResponse.ServerNonce", &out->server_nonce);
    int32_t n = 0;
    aj_ua_read_array_length(r, "ActivateSessionResponse.Results", 4, &n);
    for (int32_t k = 0; k < n && !r->status; k++) {
        uint32_t s;
        aj_ua_read_status_code(r, "ActivateSessionResponse.Results[]", &s);
    }
    skip_diagnostics(r, "ActivateSessionResponse.DiagnosticInfos");
    return aj_ua_reader_finish(r, "ActivateSessionResponse");
}

aj_err aj_ua_decode_browse(aj_ua_reader *r, aj_ua_browse_result *out) {
    memset(out, 0, sizeof *out);
    out->continuation_point = AJ_UA_STRING_NULL;
    int32_t n = 0;
    aj_ua_read_array_length(r, "BrowseResponse.Results", 12, &n);
    for (int32_t k = 0; k < n && !r->status; k++) {
        aj_ua_browse_result tmp, *b = k == 0 ? out : &tmp;
        aj_ua_read_status_code(r, "BrowseResult.StatusCode", &b->status);
        aj_ua_read_bytestring(r, "BrowseResult.ContinuationPoint", &b->continuation_point);
        b->refs = read_array(r, "BrowseResult.References", 10, sizeof *b->refs, &b->n_refs);
        for (uint32_t j = 0; j < b->n_refs && !r->status; j++) {
            aj_ua_reference *ref = &b->refs[j];
            aj_ua_read_node_id(r, "ReferenceDescription.ReferenceTypeId", &ref->reference_type);
            aj_ua_read_boolean(r, "ReferenceDescription.IsForward", &ref->is_forward);
            aj_ua_read_expanded_node_id(r, "ReferenceDescription.NodeId", &ref->node);
            aj_ua_read_qualified_name(r, "ReferenceDescription.BrowseName", &ref->browse_name);
            aj_ua_read_localized_text(r, "ReferenceDescription.DisplayName", &ref->display_name);
            aj_ua_read_uint32(r, "ReferenceDescription.NodeClass", &ref->node_class);
            aj_ua_read_expanded_node_id(r, "ReferenceDescription.TypeDefinition", &ref->type_definition);
        }
    }
    if (!r->status && n < 1)
        return aj_ua_reader_fail(r, AJ_EINVAL, r->pos, "BrowseResponse.Results",
                                 "no result for the browsed node");
    skip_diagnostics(r, "BrowseResponse.DiagnosticInfos");
    return aj_ua_reader_finish(r, "BrowseResponse");
}

aj_err aj_ua_decode_read(aj_ua_reader *r, aj_ua_read_resp *out) {
    memset(out, 0, sizeof *out);
    out->values = read_array(r, "ReadResponse.Results", 1, sizeof *out->values, &out->n);
    for (uint32_t k = 0; k < out->n && !r->status; k++)
        aj_ua_read_data_value(r, "ReadResponse.Results[]", &out->values[k]);
    skip_diagnostics(r, "ReadResponse.DiagnosticInfos");
    return aj_ua_reader_finish(r, "ReadResponse");
}

aj_err aj_ua_decode_create_subscription(aj_ua_reader *r, aj_ua_create_subscription_resp *out) {
    memset(out, 0, sizeof *out);
    aj_ua_read_uint32(r, "CreateSubscriptionResponse.SubscriptionId", &out->subscription_id);
    aj_ua_read_double(r, "CreateSubscriptionResponse.RevisedPublishingInterval", &out->revised_interval_ms);
    aj_ua_read_uint32(r, "CreateSubscriptionResponse.RevisedLifetimeCount", &out->revised_lifetime_count);
    aj_ua_read_uint32(r, "CreateSubscriptionResponse.RevisedMaxKeepAliveCount",
                      &out->revised_keepalive_count);
    return aj_ua_reader_finish(r, "CreateSubscriptionResponse");
}

aj_err aj_ua_decode_create_items(aj_ua_reader *r, aj_ua_create_items_resp *out) {
    memset(out, 0, sizeof *out);
    out->results = read_array(r, "CreateMonitoredItemsResponse.Results", 23, sizeof *out->results, &out->n);
    for (uint32_t k = 0; k < out->n && !r->status; k++) {
        aj_ua_item_result *it = &out->results[k];
        aj_ua_read_status_code(r, "MonitoredItemCreateResult.StatusCode", &it->status);
        aj_ua_read_uint32(r, "MonitoredItemCreateResult.MonitoredItemId", &it->item_id);
        aj_ua_read_double(r, "MonitoredItemCreateResult.RevisedSamplingInterval", &it->revised_sampling_ms);
        aj_ua_read_uint32(r, "MonitoredItemCreateResult.RevisedQueueSize", &it->revised_queue_size);
        aj_ua_extension_object fr;
        aj_ua_read_extension_object(r, "MonitoredItemCreateResult.FilterResult", &fr);
    }
    skip_diagnostics(r, "CreateMonitoredItemsResponse.DiagnosticInfos");
    return aj_ua_reader_finish(r, "CreateMonitoredItemsResponse");
}

/* Decodes the body of a DataChangeNotification, appending its items to out->changes. */
static void read_data_change(aj_ua_reader *r, aj_ua_string body, aj_ua_notification *out) {
    aj_ua_reader in;
    aj_ua_reader_init(&in, (const uint8_t *)body.data, body.len > 0 ? (size_t)body.len : 0, r->arena);
    in.n_decoded_bytes = r->n_decoded_bytes;
    uint32_t n = 0;
    aj_ua_item_value *items = read_array(&in, "DataChangeNotification.MonitoredItems", 5, sizeof *items, &n);
    for (uint32_t k = 0; k < n && !in.status; k++) {
        aj_ua_read_uint32(&in, "MonitoredItemNotification.ClientHandle", &items[k].client_handle);
        aj_ua_read_data_value(&in, "MonitoredItemNotification.Value", &items[k].value);
    }
    skip_diagnostics(&in, "DataChangeNotification.DiagnosticInfos");
    aj_ua_reader_finish(&in, "DataChangeNotification");
    r->n_decoded_bytes = in.n_decoded_bytes;
    if (in.status) {
        aj_ua_reader_fail(r, in.status, r->pos, "NotificationData", "%s", in.err);
        return;
    }
    if (!n) return;
    if (!out->changes) {
        out->changes = items;
        out->n_changes = n;
        return;
    }
    /* A second DataChangeNotification in the same message (rare): join the two. */
    if (n > AJ_UA_ARRAY_LEN_MAX - out->n_changes) {
        aj_ua_reader_fail(r, AJ_ETOOBIG, r->pos, "NotificationData", "more than %u data changes",
                          AJ_UA_ARRAY_LEN_MAX);
        return;
    }
    aj_ua_item_value *all =
        aj_ua_reader_alloc(r, (size_t)(out->n_changes + n) * sizeof *all, "NotificationData");
    if (!all) return;
    memcpy(all, out->changes, out->n_changes * sizeof *all);
    memcpy(all + out->n_changes, items, n * sizeof *all);
    out->changes = all;
    out->n_changes += n;
}

static void read_status_change(aj_ua_reader *r, aj_ua_string body, aj_ua_notification *out) {
    aj_ua_reader in;
    aj_ua_reader_init(&in, (const uint8_t *)body.data, body.len > 0 ? (size_t)body.len : 0, r->arena);
    aj_ua_diagnostic_info di;
    aj_ua_read_status_code(&in, "StatusChangeNotification.Status", &out->status);
    aj_ua_read_diagnostic_info(&in, "StatusChangeNotification.DiagnosticInfo", &di);
    if (aj_ua_reader_finish(&in, "StatusChangeNotification")) {
        aj_ua_reader_fail(r, in.status, r->pos, "NotificationData", "%s", in.err);
        return;
    }
    out->has_status = true;
}

static aj_err read_notification(aj_ua_reader *r, aj_ua_notification *out) {
    memset(out, 0, sizeof *out);
    aj_ua_read_uint32(r, "NotificationMessage.SequenceNumber", &out->sequence_number);
    aj_ua_read_datetime(r, "NotificationMessage.PublishTime", &out->publish_time);
    int32_t n = 0;
    aj_ua_read_array_length(r, "NotificationMessage.NotificationData", 4, &n);
    out->n_data = n > 0 ? (uint32_t)n : 0;
    for (int32_t k = 0; k < n && !r->status; k++) {
        aj_ua_extension_object eo;
        size_t at = r->pos;
        if (aj_ua_read_extension_object(r, "NotificationMessage.NotificationData[]", &eo)) break;
        bool is_ns0 = eo.type_id.ns == 0 && eo.type_id.id_type == AJ_UA_ID_NUMERIC;
        if (is_ns0 && eo.encoding == AJ_UA_EXT_BINARY &&
            eo.type_id.numeric == AJ_UA_ID_DATA_CHANGE_NOTIFICATION)
            read_data_change(r, eo.body, out);
        else if (is_ns0 && eo.encoding == AJ_UA_EXT_BINARY &&
                 eo.type_id.numeric == AJ_UA_ID_STATUS_CHANGE_NOTIFICATION)
            read_status_change(r, eo.body, out);
        else if (is_ns0 && eo.type_id.numeric == AJ_UA_ID_EVENT_NOTIFICATION_LIST)
            out->n_other++;
        else
            return aj_ua_reader_fail(r, AJ_EINVAL, at, "NotificationMessage.NotificationData[]",
                                     "unknown notification type");
    }
    return r->status;
}

aj_err aj_ua_decode_publish(aj_ua_reader *r, aj_ua_publish_resp *out) {
    memset(out, 0, sizeof *out);
    aj_ua_read_uint32(r, "PublishResponse.SubscriptionId", &out->subscription_id);
    out->available = read_array(r, "PublishResponse.AvailableSequenceNumbers", 4, sizeof *out->available,
                                &out->n_available);
    for (uint32_t k = 0; k < out->n_available && !r->status; k++)
        aj_ua_read_uint32(r, "PublishResponse.AvailableSequenceNumbers[]", &out->available[k]);
    aj_ua_read_boolean(r, "PublishResponse.MoreNotifications", &out->more_notifications);
    read_notification(r, &out->message);
    out->ack_results =
        read_array(r, "PublishResponse.Results", 4, sizeof *out->ack_results, &out->n_ack_results);
    for (uint32_t k = 0; k < out->n_ack_results && !r->status; k++)
        aj_ua_read_status_code(r, "PublishResponse.Results[]", &out->ack_results[k]);
    skip_diagnostics(r, "PublishResponse.DiagnosticInfos");
    return aj_ua_reader_finish(r, "PublishResponse");
}

aj_err aj_ua_decode_republish(aj_ua_reader *r, aj_ua_notification *out) {
    read_notification(r, out);
    return aj_ua_reader_finish(r, "RepublishResponse");
}

/* ---- NodeId text form ------------------------------------------------------------------------ */

static bool parse_u32(const char *s, size_t n, uint32_t max, uint32_t *out) {
    if (!n || n > 10) return false;
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9') return false;
        v = v * 10 + (uint64_t)(s[k] - '0');
    }
    if (v > max) return false;
    *out = (uint32_t)v;
    return true;
}

static bool hexval(char c, uint32_t *v) {
    if (c >= '0' && c <= '9')
        *v = (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
        *v = (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
        *v = (uint32_t)(c - 'A' + 10);
    else
        return false;
    return true;
}

/* "C496578A-0DFE-4B8F-870A-745238C6AEAE" */
static bool parse_guid(const char *s, size_t n, aj_ua_guid *g) {
    static const int groups[] = {8, 4, 4, 4, 12};
    if (n != 36) return false;
    uint8_t b[16];
    size_t pos = 0, nb = 0;
    for (int gi = 0; gi < 5; gi++) {
        if (gi > 0 && s[pos++] != '-') return false;
        for (int k = 0; k < groups[gi]; k += 2) {
            uint32_t hi, lo;
            if (!hexval(s[pos], &hi) || !hexval(s[pos + 1], &lo)) return false;
            b[nb++] = (uint8_t)(hi << 4 | lo);
            pos += 2;
        }
    }
    g->data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    g->data2 = (uint16_t)(b[4] << 8 | b[5]);
    g->data3 = (uint16_t)(b[6] << 8 | b[7]);
    memcpy(g->data4, b + 8, 8);
    return true;
}

aj_err aj_ua_node_id_parse(const char *text, aj_arena *arena, aj_ua_node_id *out, char *err, size_t errlen) {
    *out = aj_ua_node_numeric(0, 0);
    const char *s = text;
    size_t len = strlen(s);
    if (len > AJ_UA_STRING_LEN_MAX) {
        snprintf(err, errlen, "node id is longer than %u bytes", AJ_UA_STRING_LEN_MAX);
        return AJ_EINVAL;
    }
    if (!strncmp(s, "ns=", 3)) {
        const char *semi = strchr(s, ';');
        uint32_t ns;
        if (!semi || !parse_u32(s + 3, (size_t)(semi - s - 3), 65535, &ns)) {
            snprintf(err, errlen, "node id \"%.60s\": the namespace index must be 0..65535 followed by ';'",
                     text);
            return AJ_EINVAL;
        }
        out->ns = (uint16_t)ns;
        s = semi + 1;
    }
    size_t n = strlen(s);
    if (n < 2 || s[1] != '=') {
        snprintf(err, errlen, "node id \"%.60s\": expected i=, s=, g= or b= after the namespace", text);
        return AJ_EINVAL;
    }
    const char *v = s + 2;
    size_t vn = n - 2;
    switch (s[0]) {
    case 'i':
        if (!parse_u32(v, vn, UINT32_MAX, &out->numeric)) {
            snprintf(err, errlen, "node id \"%.60s\": i= needs a number 0..4294967295", text);
            return AJ_EINVAL;
        }
        return AJ_OK;
    case 's':
        if (!vn) {
            snprintf(err, errlen, "node id \"%.60s\": s= needs a non-empty string", text);
            return AJ_EINVAL;
        }
        out->id_type = AJ_UA_ID_STRING;
        out->string.data = v;
        out->string.len = (int32_t)vn;
        return AJ_OK;
    case 'g':
        out->id_type = AJ_UA_ID_GUID;
        if (!parse_guid(v, vn, &out->guid)) {
            snprintf(err, errlen,
                     "node id \"%.60s\": g= needs a GUID like 09087e75-8e5e-499b-954f-f2a9603db28a", text);
            return AJ_EINVAL;
        }
        return AJ_OK;
    case 'b': {
        out->id_type = AJ_UA_ID_OPAQUE;
        size_t cap = vn * 3 / 4 + 3;
        unsigned char *bin = arena ? aj_arena_alloc(arena, cap + 1) : NULL;
        size_t bin_len = 0;
        if (!bin || !vn ||
            sodium_base642bin(bin, cap, v, vn, NULL, &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
            snprintf(err, errlen, "node id \"%.60s\": b= needs base64 bytes", text);
            return AJ_EINVAL;
        }
        out->string.data = (const char *)bin;
        out->string.len = (int32_t)bin_len;
        return AJ_OK;
    }
    default:
        snprintf(err, errlen, "node id \"%.60s\": unknown identifier type '%c' (use i, s, g or b)", text,
                 s[0]);
        return AJ_EINVAL;
    }
}

void aj_ua_node_id_format(const aj_ua_node_id *id, char *out, size_t len) {
    char ns[16] = "";
    if (id->ns) snprintf(ns, sizeof ns, "ns=%u;", id->ns);
    switch (id->id_type) {
    case AJ_UA_ID_NUMERIC:
        snprintf(out, len, "%si=%u", ns, id->numeric);
        break;
    case AJ_UA_ID_STRING:
        snprintf(out, len, "%ss=%.*s", ns, id->string.len > 0 ? (int)id->string.len : 0,
                 id->string.len > 0 ? id->string.data : "");
        break;
    case AJ_UA_ID_GUID: {
        const aj_ua_guid *g = &id->guid;
        snprintf(out, len, "%sg=%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", ns, g->data1, g->data2,
                 g->data3, g->data4[0], g->data4[1], g->data4[2], g->data4[3], g->data4[4], g->data4[5],
                 g->data4[6], g->data4[7]);
        break;
    }
    default: {
        size_t n = id->string.len > 0 ? (size_t)id->string.len : 0;
        if (n > 3000) n = 3000; /* a readable prefix is enough in a text form */
        char b64[4100];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)(n ? id->string.data : ""), n,
                          sodium_base64_VARIANT_ORIGINAL);
        snprintf(out, len, "%sb=%s", ns, b64);
    }
    }
}
