/* messages.h — the OPC UA service messages the client uses (OPC 10000-4), in their binary
 * encoding (OPC 10000-6 §5.2): request encoders and response decoders.
 *
 * Pure. A request is written as its binary-encoding NodeId followed by its fields; a
 * response is read the same way (aj_ua_response_begin reads the NodeId and the
 * ResponseHeader, then the type's decoder reads the rest). Decoded responses live in the
 * reader's arena (see binary.h). Only the fields the client needs are kept; the others are
 * read (so the message is checked whole) and dropped.
 */
#ifndef AJ_OPCUA_MESSAGES_H
#define AJ_OPCUA_MESSAGES_H

#include "opcua/binary.h"

/* Binary encoding ids (namespace 0) of the messages and structures we use. */
enum {
    AJ_UA_ID_SERVICE_FAULT = 397,
    AJ_UA_ID_ANONYMOUS_TOKEN = 321,
    AJ_UA_ID_USERNAME_TOKEN = 324,
    AJ_UA_ID_GET_ENDPOINTS_REQ = 428,
    AJ_UA_ID_GET_ENDPOINTS_RESP = 431,
    AJ_UA_ID_OPEN_CHANNEL_REQ = 446,
    AJ_UA_ID_OPEN_CHANNEL_RESP = 449,
    AJ_UA_ID_CLOSE_CHANNEL_REQ = 452,
    AJ_UA_ID_CREATE_SESSION_REQ = 461,
    AJ_UA_ID_CREATE_SESSION_RESP = 464,
    AJ_UA_ID_ACTIVATE_SESSION_REQ = 467,
    AJ_UA_ID_ACTIVATE_SESSION_RESP = 470,
    AJ_UA_ID_CLOSE_SESSION_REQ = 473,
    AJ_UA_ID_CLOSE_SESSION_RESP = 476,
    AJ_UA_ID_BROWSE_REQ = 527,
    AJ_UA_ID_BROWSE_RESP = 530,
    AJ_UA_ID_BROWSE_NEXT_REQ = 533,
    AJ_UA_ID_BROWSE_NEXT_RESP = 536,
    AJ_UA_ID_READ_REQ = 631,
    AJ_UA_ID_READ_RESP = 634,
    AJ_UA_ID_DATA_CHANGE_FILTER = 724,
    AJ_UA_ID_CREATE_ITEMS_REQ = 751,
    AJ_UA_ID_CREATE_ITEMS_RESP = 754,
    AJ_UA_ID_CREATE_SUBSCRIPTION_REQ = 787,
    AJ_UA_ID_CREATE_SUBSCRIPTION_RESP = 790,
    AJ_UA_ID_DATA_CHANGE_NOTIFICATION = 811,
    AJ_UA_ID_STATUS_CHANGE_NOTIFICATION = 820,
    AJ_UA_ID_PUBLISH_REQ = 826,
    AJ_UA_ID_PUBLISH_RESP = 829,
    AJ_UA_ID_REPUBLISH_REQ = 832,
    AJ_UA_ID_REPUBLISH_RESP = 835,
    AJ_UA_ID_DELETE_SUBSCRIPTIONS_REQ = 847,
    AJ_UA_ID_DELETE_SUBSCRIPTIONS_RESP = 850,
    AJ_UA_ID_EVENT_NOTIFICATION_LIST = 916,
};

/* Status codes the client acts on. */
#define AJ_UA_GOOD                          0x00000000u
#define AJ_UA_BAD_TIMEOUT                   0x800A0000u
#define AJ_UA_BAD_SESSION_ID_INVALID        0x80250000u
#define AJ_UA_BAD_SESSION_CLOSED            0x80260000u
#define AJ_UA_BAD_SESSION_NOT_ACTIVATED     0x80270000u
#define AJ_UA_BAD_SUBSCRIPTION_ID_INVALID   0x80280000u
#define AJ_UA_BAD_NO_SUBSCRIPTION           0x80790000u
#define AJ_UA_BAD_TOO_MANY_PUBLISH_REQUESTS 0x80780000u
#define AJ_UA_BAD_MESSAGE_NOT_AVAILABLE     0x807B0000u
#define AJ_UA_BAD_SEQUENCE_NUMBER_UNKNOWN   0x807A0000u
#define AJ_UA_BAD_SECURE_CHANNEL_ID_INVALID 0x80220000u
#define AJ_UA_BAD_IDENTITY_TOKEN_INVALID    0x80200000u
#define AJ_UA_BAD_IDENTITY_TOKEN_REJECTED   0x80210000u
#define AJ_UA_BAD_USER_ACCESS_DENIED        0x801F0000u

/* Short symbolic name of a status code we know ("BadTimeout"), else NULL. */
const char *aj_ua_status_name(uint32_t status);

/* ---- requests -------------------------------------------------------------------------- */

typedef struct aj_ua_request_header {
    aj_ua_node_id auth_token; /* null before CreateSession */
    int64_t timestamp;        /* DateTime */
    uint32_t handle;
    uint32_t timeout_hint_ms;
} aj_ua_request_header;

aj_err aj_ua_encode_open_channel(aj_ua_writer *w, const aj_ua_request_header *h, bool is_renew, uint32_t mode,
                                 aj_ua_string client_nonce, uint32_t lifetime_ms);
aj_err aj_ua_encode_close_channel(aj_ua_writer *w, const aj_ua_request_header *h);
aj_err aj_ua_encode_get_endpoints(aj_ua_writer *w, const aj_ua_request_header *h, const char *endpoint_url);

typedef struct aj_ua_client_app {
    const char *application_uri;
    const char *product_uri;
    const char *name;
} aj_ua_client_app;

aj_err aj_ua_encode_create_session(aj_ua_writer *w, const aj_ua_request_header *h,
                                   const aj_ua_client_app *app, const char *endpoint_url,
                                   const char *session_name, aj_ua_string client_nonce,
                                   aj_ua_string client_cert, double timeout_ms);

/* The identity for ActivateSession. */
typedef struct aj_ua_identity {
    aj_ua_string policy_id;            /* from the endpoint's UserTokenPolicy */
    bool is_username;                  /* false: anonymous */
    aj_ua_string username;             /* is_username */
    aj_ua_string password;             /* is_username: plain, or the encrypted secret */
    aj_ua_string encryption_algorithm; /* null when the password is plain */
} aj_ua_identity;

/* client_signature_alg / client_signature: null strings for security None. */
aj_err aj_ua_encode_activate_session(aj_ua_writer *w, const aj_ua_request_header *h,
                                     aj_ua_string signature_alg, aj_ua_string signature,
                                     const aj_ua_identity *id);
aj_err aj_ua_encode_close_session(aj_ua_writer *w, const aj_ua_request_header *h, bool delete_subscriptions);

/* Browse forward hierarchical references (HierarchicalReferences, subtypes included) of one
 * node, all node classes, all result fields. */
aj_err aj_ua_encode_browse(aj_ua_writer *w, const aj_ua_request_header *h, const aj_ua_node_id *node,
                           uint32_t max_refs);
aj_err aj_ua_encode_browse_next(aj_ua_writer *w, const aj_ua_request_header *h,
                                aj_ua_string continuation_point, bool release);

/* Read: attribute_id per node (13 = Value); TimestampsToReturn Both. index_ranges may be NULL;
 * its entries null strings. */
aj_err aj_ua_encode_read(aj_ua_writer *w, const aj_ua_request_header *h, const aj_ua_node_id *nodes,
                         const aj_ua_string *index_ranges, const uint32_t *attribute_ids, uint32_t n);

aj_err aj_ua_encode_create_subscription(aj_ua_writer *w, const aj_ua_request_header *h, double interval_ms,
                                        uint32_t lifetime_count, uint32_t keepalive_count,
                                        uint32_t max_notifications);

/* One monitored item to create (attribute Value, reporting mode). */
typedef enum {
    AJ_UA_DEADBAND_NONE = 0,
    AJ_UA_DEADBAND_ABSOLUTE = 1,
    AJ_UA_DEADBAND_PERCENT = 2
} aj_ua_deadband;
typedef struct aj_ua_item_request {
    aj_ua_node_id node;
    aj_ua_string index_range; /* null: the whole value */
    uint32_t client_handle;
    double sampling_ms; /* -1: the publishing interval */
    uint32_t queue_size;
    aj_ua_deadband deadband;
    double deadband_value;
} aj_ua_item_request;

/* TimestampsToReturn Both. */
aj_err aj_ua_encode_create_items(aj_ua_writer *w, const aj_ua_request_header *h, uint32_t subscription_id,
                                 const aj_ua_item_request *items, uint32_t n);

typedef struct aj_ua_ack {
    uint32_t subscription_id, sequence_number;
} aj_ua_ack;
aj_err aj_ua_encode_publish(aj_ua_writer *w, const aj_ua_request_header *h, const aj_ua_ack *acks,
                            uint32_t n);
aj_err aj_ua_encode_republish(aj_ua_writer *w, const aj_ua_request_header *h, uint32_t subscription_id,
                              uint32_t sequence_number);

/* ---- responses ------------------------------------------------------------------------- */

typedef struct aj_ua_response_header {
    int64_t timestamp;
    uint32_t handle;
    uint32_t service_result;
} aj_ua_response_header;

/* Reads the type NodeId (must be numeric in namespace 0) and the ResponseHeader.
 * *type_id is the encoding id; for a ServiceFault (AJ_UA_ID_SERVICE_FAULT) the message is
 * complete after the header. */
aj_err aj_ua_response_begin(aj_ua_reader *r, uint32_t *type_id, aj_ua_response_header *h);

typedef struct aj_ua_open_channel_resp {
    uint32_t channel_id, token_id;
    int64_t created_at;
    uint32_t revised_lifetime_ms;
    aj_ua_string server_nonce;
} aj_ua_open_channel_resp;
aj_err aj_ua_decode_open_channel(aj_ua_reader *r, aj_ua_open_channel_resp *out);

typedef struct aj_ua_token_policy {
    aj_ua_string policy_id;
    uint32_t token_type; /* 0 anonymous, 1 username, 2 certificate, 3 issued */
    aj_ua_string security_policy_uri;
} aj_ua_token_policy;

typedef struct aj_ua_endpoint {
    aj_ua_string url;
    aj_ua_string server_uri;
    aj_ua_string server_certificate;
    uint32_t security_mode;
    aj_ua_string security_policy_uri;
    aj_ua_token_policy *tokens;
    uint32_t n_tokens;
    aj_ua_string transport_profile_uri;
    uint8_t security_level;
} aj_ua_endpoint;

typedef struct aj_ua_endpoints {
    aj_ua_endpoint *items;
    uint32_t n;
} aj_ua_endpoints;
aj_err aj_ua_decode_get_endpoints(aj_ua_reader *r, aj_ua_endpoints *out);

typedef struct aj_ua_create_session_resp {
    aj_ua_node_id session_id, auth_token;
    double revised_timeout_ms;
    aj_ua_string server_nonce, server_certificate;
    aj_ua_endpoints endpoints;
    aj_ua_string signature_alg, signature;
    uint32_t max_request_size;
} aj_ua_create_session_resp;
aj_err aj_ua_decode_create_session(aj_ua_reader *r, aj_ua_create_session_resp *out);

typedef struct aj_ua_activate_session_resp {
    aj_ua_string server_nonce;
} aj_ua_activate_session_resp;
aj_err aj_ua_decode_activate_session(aj_ua_reader *r, aj_ua_activate_session_resp *out);

typedef struct aj_ua_reference {
    aj_ua_node_id reference_type;
    bool is_forward;
    aj_ua_expanded_node_id node;
    aj_ua_qualified_name browse_name;
    aj_ua_localized_text display_name;
    uint32_t node_class; /* 1 Object, 2 Variable, 4 Method, 8 ObjectType, ... */
    aj_ua_expanded_node_id type_definition;
} aj_ua_reference;

typedef struct aj_ua_browse_result {
    uint32_t status;
    aj_ua_string continuation_point;
    aj_ua_reference *refs;
    uint32_t n_refs;
} aj_ua_browse_result;
/* Browse and BrowseNext responses (one node browsed: the first result). */
aj_err aj_ua_decode_browse(aj_ua_reader *r, aj_ua_browse_result *out);

typedef struct aj_ua_read_resp {
    aj_ua_data_value *values;
    uint32_t n;
} aj_ua_read_resp;
aj_err aj_ua_decode_read(aj_ua_reader *r, aj_ua_read_resp *out);

typedef struct aj_ua_create_subscription_resp {
    uint32_t subscription_id;
    double revised_interval_ms;
    uint32_t revised_lifetime_count, revised_keepalive_count;
} aj_ua_create_subscription_resp;
aj_err aj_ua_decode_create_subscription(aj_ua_reader *r, aj_ua_create_subscription_resp *out);

typedef struct aj_ua_item_result {
    uint32_t status;
    uint32_t item_id;
    double revised_sampling_ms;
    uint32_t revised_queue_size;
} aj_ua_item_result;
typedef struct aj_ua_create_items_resp {
    aj_ua_item_result *results;
    uint32_t n;
} aj_ua_create_items_resp;
aj_err aj_ua_decode_create_items(aj_ua_reader *r, aj_ua_create_items_resp *out);

typedef struct aj_ua_item_value {
    uint32_t client_handle;
    aj_ua_data_value value;
} aj_ua_item_value;

/* A NotificationMessage with its data changes gathered (from every DataChangeNotification
 * in it); a StatusChangeNotification sets has_status; other notification types (events)
 * are counted in n_other. */
typedef struct aj_ua_notification {
    uint32_t sequence_number;
    int64_t publish_time;
    aj_ua_item_value *changes;
    uint32_t n_changes;
    bool has_status;
    uint32_t status;
    uint32_t n_other;
    uint32_t n_data; /* NotificationData entries (0: a keep-alive) */
} aj_ua_notification;

typedef struct aj_ua_publish_resp {
    uint32_t subscription_id;
    uint32_t *available;
    uint32_t n_available;
    bool more_notifications;
    aj_ua_notification message;
    uint32_t *ack_results;
    uint32_t n_ack_results;
} aj_ua_publish_resp;
aj_err aj_ua_decode_publish(aj_ua_reader *r, aj_ua_publish_resp *out);
aj_err aj_ua_decode_republish(aj_ua_reader *r, aj_ua_notification *out);

/* Builds a numeric NodeId in namespace 0. */
aj_ua_node_id aj_ua_node_numeric(uint16_t ns, uint32_t id);
/* Parses the text form "ns=2;s=Dev.T1", "i=2253", "ns=1;i=5", "ns=3;g=<guid>",
 * "ns=4;b=<base64>" (ns= optional, default 0). Strings point into text (and arena for b=). */
aj_err aj_ua_node_id_parse(const char *text, aj_arena *arena, aj_ua_node_id *out, char *err, size_t errlen);
/* The text form of a NodeId (as parsed above); truncated to fit. */
void aj_ua_node_id_format(const aj_ua_node_id *id, char *out, size_t len);

#endif
