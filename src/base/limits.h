/* limits.h — every bound anjian enforces, in one place, with the reason for it.
 *
 * Untrusted input (HTTP requests, plant files, cursors) is checked against these before
 * any work is done, so memory and time per request stay bounded.
 */
#ifndef AJ_LIMITS_H
#define AJ_LIMITS_H

/* Largest request body accepted by default (bytes). A full plant file of a large site
 * (~20k tags) is about 8 MiB; anything larger is split or uploaded in parts. */
#define AJ_BODY_MAX_DEFAULT (16u * 1024u * 1024u)
#define AJ_BODY_MAX_MIN     (4u * 1024u)
#define AJ_BODY_MAX_MAX     (256u * 1024u * 1024u)

/* Total size of request headers (libmicrohttpd's per-connection memory pool). Browsers
 * send < 4 KiB; 32 KiB leaves room for long cookies and tokens. */
#define AJ_HEADER_POOL_BYTES (32u * 1024u)

/* Concurrent HTTP connections (one thread each); beyond --max-connections new ones are
 * refused. The upper bound of that setting: */
#define AJ_HTTP_CONNECTIONS_MAX 1024u
/* Stack of a connection thread. Handlers keep at most a few 10 KiB of buffers on it. */
#define AJ_HTTP_THREAD_STACK_BYTES (1024u * 1024u)

/* Paging: default and maximum page size of list endpoints. */
#define AJ_PAGE_LIMIT_DEFAULT 50
#define AJ_PAGE_LIMIT_MAX     1000

/* Strings in the plant model (names, codes, units). Codes are identifiers. */
#define AJ_CODE_LEN_MAX     64
#define AJ_NAME_LEN_MAX     200
#define AJ_TEXT_LEN_MAX     4000
#define AJ_PASSWORD_LEN_MIN 10
#define AJ_PASSWORD_LEN_MAX 256

/* Plant file: objects per family and polygon vertices per area. */
#define AJ_PLANT_OBJECTS_MAX  200000
#define AJ_POLYGON_POINTS_MAX 1000
/* Validation errors reported for one plant file (the rest are counted). */
#define AJ_PLANT_ERRORS_MAX 200
/* Nesting depth of JSON accepted anywhere (jansson parses recursively). */
#define AJ_JSON_DEPTH_MAX 32

/* Login throttling: failures per (user, address) within the window before refusing. */
#define AJ_LOGIN_FAILURES_MAX 5
#define AJ_LOGIN_WINDOW_S     900
/* Slots in the in-memory throttling table (bounded; oldest entry is reused). */
#define AJ_LOGIN_SLOTS 4096

/* Sessions: token bytes (before encoding) and lifetime bounds. */
#define AJ_TOKEN_BYTES           32
#define AJ_SESSION_TTL_S_DEFAULT (12 * 3600)

/* Database connections in the pool (each HTTP worker thread borrows one). */
#define AJ_DB_POOL_MAX 64
/* Prepared statements cached per SQLite connection. */
#define AJ_STMT_CACHE 128
/* Parameters of one SQL statement. */
#define AJ_SQL_PARAMS_MAX 32

/* Static files served from the console directory. */
#define AJ_STATIC_FILE_MAX (8u * 1024u * 1024u)
#define AJ_PATH_MAX        1024

/* Checked reading of data files (src/base/jsoncheck.c: the permit catalogue, the risk
 * bands, the major hazard table). Paths are built from fixed key names, checked ids and
 * indices, so 256 bytes hold any of them with room to spare. */
#define AJ_JC_PATH_LEN 256
/* Bytes of a user string quoted in a message (enough to recognise it, short enough to
 * keep the message on one line), and the buffer for the quote: every byte escaped as
 * \xNN, then "..." and the NUL. */
#define AJ_JC_QUOTE_BYTES 40
#define AJ_JC_QUOTE_LEN   200
/* A number in a message: "%.17g" of a double takes at most 24 bytes. */
#define AJ_JC_NUM_LEN 32
/* One message before its path is put in front: quoted text and numbers are bounded
 * above, so the longest message of the loaders (about 250 bytes) fits. */
#define AJ_JC_MESSAGE_LEN 512

/* Special-operation permit catalogue (data/permits/gb30871.json, docs/permits.md).
 * The real file is about 60 KiB; 1 MiB leaves room for enterprise additions. */
#define AJ_PERMIT_CATALOGUE_FILE_MAX (1u * 1024u * 1024u)
#define AJ_PERMIT_CERT_TYPES_MAX     8 /* certificate types a permit type accepts */
/* GB 30871-2022 has 8 types; room for enterprise-specific ones. */
#define AJ_PERMIT_TYPES_MAX 16
/* Roles that approve or countersign; the standard's appendix names about a dozen. */
#define AJ_PERMIT_ROLES_MAX 64
/* Grades of one type: the most the standard has is 4 (height I-IV). */
#define AJ_PERMIT_GRADES_MAX 8
/* Roles in one approval chain: excavation needs 7 countersignatures. */
#define AJ_PERMIT_APPROVERS_MAX 16
/* Form fields, safety measures and hazards of one type: paper forms have 10-30 of each;
 * beyond 64 a screen stops being readable on site. */
#define AJ_PERMIT_FIELDS_MAX    64
#define AJ_PERMIT_CHECKLIST_MAX 64
#define AJ_PERMIT_HAZARDS_MAX   64
/* Options of an enum field (a pick list on a phone). */
#define AJ_PERMIT_OPTIONS_MAX 32
/* Codes and ids: letters, digits and '_' only, so they can sit in paths and URLs. */
#define AJ_PERMIT_ID_LEN_MAX 64
/* Names and labels (bytes of UTF-8: about 66 Chinese characters). */
#define AJ_PERMIT_LABEL_LEN_MAX 200
/* Text of one safety measure or hazard (bytes of UTF-8). */
#define AJ_PERMIT_TEXT_LEN_MAX 1000
/* Longest validity any grade may have: 30 days, the most GB 30871-2022 allows any
 * permit (temporary power, special circumstances). */
#define AJ_PERMIT_VALIDITY_H_MAX 720
/* Any gas-analysis time in the catalogue (sample age, re-test pause, record interval)
 * is at most a day: longer would mean no re-test at all. */
#define AJ_PERMIT_GAS_MIN_MAX 1440
/* Largest sampling distance from the work point a catalogue may set (metres). */
#define AJ_PERMIT_SAMPLE_DISTANCE_M_MAX 100

/* Live permits (docs/permits.md "Interlocks", "API"). */
/* a gas detector this near the work point is judged against the pass limit */
#define AJ_PERMIT_INTERLOCK_RADIUS_M 15.0
#define AJ_PERMIT_GUARD_PERMITS_MAX  2048  /* active permits the engine guards at once */
#define AJ_PERMIT_GUARD_ENTRIES_MAX  16384 /* permit-detector pairs the engine watches */
#define AJ_PERMIT_GUARD_RELOAD_MS    30000 /* the engine re-reads active permits at least this often */
/* a detector silent longer than this cannot clear an interlock */
#define AJ_PERMIT_DETECTOR_FRESH_MS  300000
#define AJ_PERMIT_TAG_KEY_LEN_MAX    200
#define AJ_PERMIT_GEOFENCE_M_DEFAULT 50.0 /* radius of the work site around the work point */
#define AJ_PERMIT_GEOFENCE_M_MIN     5.0
#define AJ_PERMIT_GEOFENCE_M_MAX     500.0
#define AJ_PERMIT_WORKERS_MAX        32     /* workers on one permit */
#define AJ_PERMIT_READINGS_MAX       8      /* readings in one gas sample */
#define AJ_PERMIT_LIVE_SAMPLE_AGE_MS 120000 /* a detector reading taken as a sample is at most this old */
#define AJ_PERMIT_WIND_AGE_MS        600000 /* the live wind used for grading is at most this old */
#define AJ_PERMIT_MONITORING_MS      (2LL * 3600 * 1000) /* confined space: a monitoring record every 2 h */
#define AJ_PERMIT_LIST_MAX           1000

/* Hidden dangers (docs/hazards.md). */
#define AJ_HAZARD_PHOTO_BYTES_MAX   (8u * 1024u * 1024u) /* one photo */
#define AJ_HAZARD_PHOTOS_MAX        12                   /* photos per hazard */
#define AJ_HAZARD_TEXT_MAX          4000                 /* description, rectification, plan parts */
#define AJ_HAZARD_LIST_MAX          1000
#define AJ_HAZARD_ESCALATION_MAX    4      /* 1 the assignee, 2 unit leaders, 3 safety managers, 4 admins */
#define AJ_HAZARD_ESCALATE_AFTER_S  (3 * 86400) /* default: one level up every 3 days past the deadline */
#define AJ_HAZARD_REPEAT_WINDOW_D   90     /* default repeat window */
#define AJ_HAZARD_CHECK_MS          2000   /* how often the engine looks for overdue hazards */
/* KPIs by department and period (src/api/prevention_kpi.c): periods of one answer (a year of
 * days, eight years of weeks or 33 years of months: enough for any chart, small to answer),
 * and hazards read to group them (the totals are counted by the database, unbounded). */
#define AJ_HAZARD_KPI_BUCKETS_MAX   400
#define AJ_HAZARD_KPI_ROWS_MAX      200000
/* The regulator export (隐患台账): hazards of one file (a large plant reports a few thousand
 * a year) and the bytes of the file, which is built in memory before it is sent. */
#define AJ_HAZARD_EXPORT_ROWS_MAX   20000
#define AJ_HAZARD_EXPORT_BYTES_MAX  (64u * 1024u * 1024u)

/* Inspections (docs/inspections.md). */
#define AJ_INSPECT_SHIFTS_MAX       6      /* shift starts of a site per day */
#define AJ_INSPECT_ROUTE_MAX        100    /* checkpoints on one plan's route */
#define AJ_INSPECT_ITEMS_MAX        40     /* check-list items at one checkpoint */
#define AJ_INSPECT_TEXT_MAX         500    /* an item, a note, a name */
#define AJ_INSPECT_INTERVAL_MIN_MIN 1      /* 'interval' plans: every 1 minute ... */
#define AJ_INSPECT_INTERVAL_MAX_MIN 10080  /* ... to once a week */
#define AJ_INSPECT_LIST_MAX         1000
#define AJ_INSPECT_CHECK_MS         2000   /* how often the engine generates tasks and finds missed ones */
#define AJ_INSPECT_TICK_BATCH       500    /* plans or tasks handled per engine tick */
#define AJ_INSPECT_NFC_UID_MAX      32     /* hex digits of an NFC tag UID (ISO 14443: 8, 14 or 20) */

/* ---- Risk register and major hazard sources (src/risk/, docs/risk.md) --------------------- */
/* Risk-band configuration (data/risk/assessment.json): the default is about 1.5 KiB. */
#define AJ_RISK_BANDS_FILE_MAX (64u * 1024u)
/* Bands of one scoring table: the LEC table has 5, the default matrix 4; room for a
 * finer split, but a four-colour map does not need more. */
#define AJ_RISK_BANDS_MAX 8
/* Band codes: 1 to this many letters, digits or '_' (they go into reports and URLs). */
#define AJ_RISK_CODE_LEN_MAX 32
/* Band names (bytes of UTF-8: 40 Chinese characters), shown beside a score. */
#define AJ_RISK_NAME_LEN_MAX 120
/* Major hazard table (data/risk/gb18218.json): about 15 KiB for half of Table 1; 1 MiB
 * leaves room for every row of the standard plus local additions. */
#define AJ_MH_TABLE_FILE_MAX (1u * 1024u * 1024u)
/* GB 18218-2018 Table 1 has 85 rows; a plant may add substances it handles. */
#define AJ_MH_SUBSTANCES_MAX 512
/* Table 2 has 24 categories (J1-J5, W1.1-W11). */
#define AJ_MH_CATEGORIES_MAX 32
/* CAS numbers of one row (LPG lists three) and Chinese aliases of one row. */
#define AJ_MH_CAS_MAX     8
#define AJ_MH_ALIASES_MAX 8
/* Substance and category codes: letters, digits, '_' and '.' ("W5.3"). */
#define AJ_MH_CODE_LEN_MAX 32
/* Names, aliases, sources and notes (bytes of UTF-8). */
#define AJ_MH_NAME_LEN_MAX 200
#define AJ_MH_NOTE_LEN_MAX 1000
/* Critical quantities a table may give (t): the standard's run from 0.3 t (phosgene) to
 * 5000 t (W5.4); far outside is a unit mistake (kg for t), and the floor keeps q / Q
 * finite for any quantity allowed below. */
#define AJ_MH_CRITICAL_T_MIN 0.001
#define AJ_MH_CRITICAL_T_MAX 100000.0
/* Largest correction factor beta: the standard's largest is 20 (phosgene). */
#define AJ_MH_BETA_MAX 100.0
/* Substances assessed in one unit (a tank farm, a process unit): real units have a few
 * to a few dozen. */
#define AJ_MH_UNIT_ITEMS_MAX 128
/* Largest quantity of one substance in one unit (t): 10 Mt, beyond any real tank farm. */
#define AJ_MH_QUANTITY_T_MAX 1e7
/* People counted within 500 m outside the fence (alpha): beyond any real count. */
#define AJ_MH_PEOPLE_MAX 10000000
/* Major hazard units in the register (src/api/major_hazards_api.c, engine_major_hazards.c).
 * Units the engine assesses live, over all enterprises: a large chemical park declares a
 * few hundred; the table is read again from the store when one changes. */
#define AJ_MH_UNITS_LIVE_MAX 4096
/* Units one list answer holds (a site has at most a few dozen). */
#define AJ_MH_UNITS_LIST_MAX 1000
/* Unit codes ("MH-TF2") and names, and an item's note (bytes of UTF-8). */
#define AJ_MH_UNIT_CODE_LEN_MAX 64
#define AJ_MH_UNIT_NAME_LEN_MAX 200
/* Conversion of an inventory reading to tonnes (q_t = value x factor + offset): a level in
 * mm of a 5000 m3 tank is about 5 t per mm at most; 1e6 leaves room for odd units. */
#define AJ_MH_FACTOR_MAX 1e6
/* How often (wall clock) the engine re-assesses units whose inventory tags changed, and
 * every unit regardless (a tag that fell silent, a changed declaration). */
#define AJ_MH_CHECK_MS   1000
#define AJ_MH_RECHECK_MS 30000
/* A reading older than this (wall clock) is silent: the declared quantity counts instead. */
#define AJ_MH_TAG_FRESH_MS 300000
/* Hysteresis of the live alarms: a unit leaves "major" only when S falls below
 * 1 x (1 - band), "approaching" below threshold x (1 - band), and a level only when R falls
 * that far below the level's lower bound (level gauges read +-1 %: 2 % keeps a steady tank
 * at a boundary from chattering). */
#define AJ_MH_CLEAR_BAND 0.02
/* Events one list answer holds. */
#define AJ_MH_EVENTS_LIST_MAX 1000

/* ---- Modbus TCP register maps (src/modbus/, docs/modbus.md) ------------------------------ */
/* A map file: about 250 bytes a point, so 8 MiB holds the most points allowed below. */
#define AJ_MB_MAP_FILE_MAX (8u * 1024u * 1024u)
/* Devices, poll groups and points of one map: a large site polls a few hundred PLCs,
 * meters and gateways; 20k points is the tag count of a large plant file. */
#define AJ_MB_DEVICES_MAX 512
#define AJ_MB_GROUPS_MAX  2048
#define AJ_MB_POINTS_MAX  20000
/* The protocol's bounds on one read (Modbus Application Protocol V1.1b3, 6.1-6.4):
 * FC 1/2 read 1-2000 bits, FC 3/4 read 1-125 registers. A device may set lower ones,
 * but never below 4 registers (a 64-bit value is read whole). */
#define AJ_MB_READ_BITS_MAX      2000
#define AJ_MB_READ_REGISTERS_MAX 125
#define AJ_MB_READ_REGISTERS_MIN 4
/* Registers (or bits) read in between two points to save a round trip, by default. */
#define AJ_MB_MAX_GAP_DEFAULT 10
/* Host name or address literal (RFC 1035 names are at most 253 bytes). */
#define AJ_MB_HOST_LEN_MAX 253
/* Per device: reply timeout, retries of a failed read and the pause before each retry. */
#define AJ_MB_TIMEOUT_MS_DEFAULT 1000
#define AJ_MB_TIMEOUT_MS_MIN     50
#define AJ_MB_TIMEOUT_MS_MAX     60000
#define AJ_MB_RETRIES_DEFAULT    1
#define AJ_MB_RETRIES_MAX        10
#define AJ_MB_BACKOFF_MS_DEFAULT 500
#define AJ_MB_BACKOFF_MS_MAX     600000
/* Poll interval of a group: 100 ms (faster loads a PLC for no safety gain) to a day. */
#define AJ_MB_INTERVAL_MS_MIN 100
#define AJ_MB_INTERVAL_MS_MAX 86400000
/* Engineering unit of a point (as the plant file's tag unit). */
#define AJ_MB_UNIT_LEN_MAX 32
/* The poller (src/ingest/modbus_poll.c) runs one thread per device, so a map polled by
 * `anjian serve` may name at most this many devices: 64 threads of a few 100 KiB stack
 * each; a site with more PLCs splits them over gateways or several anjian instances. */
#define AJ_MB_POLL_DEVICES_MAX 64
/* Last error text kept per device for GET /connections. */
#define AJ_MB_ERROR_TEXT_MAX 200

/* ---- Sparkplug B host application (src/sparkplug/, src/ingest/sparkplug.c, docs/sparkplug.md) - */
/* Edge nodes are untrusted: every size and count of a payload is checked before use. */
/* One payload (bytes). The birth of a large device (a few thousand metrics with names and
 * properties) is a few 100 KiB; 4 MiB leaves room and bounds the decoding work. */
#define AJ_SP_PAYLOAD_MAX (4u * 1024u * 1024u)
/* Memory protobuf-c may take to unpack one payload: an empty metric costs 160 bytes of
 * memory for 2 wire bytes, so AJ_SP_PAYLOAD_MAX alone does not bound it. A birth of
 * AJ_SP_METRICS_MAX metrics with names, aliases and timestamps (940 KiB) takes 4.5 MiB. */
#define AJ_SP_DECODED_BYTES_MAX (32u * 1024u * 1024u)
/* Metrics in one payload: a birth lists every metric of its node or device; gateways with
 * 10k tags per device exist, 20k is the tag count of a large plant file. */
#define AJ_SP_METRICS_MAX 20000
/* Bytes of a metric name (UTF-8, folders separated by '/'): tag paths of SCADA systems
 * stay well under 256. */
#define AJ_SP_METRIC_NAME_MAX 256
/* Bytes of a group, edge node, device or host id (the specification sets no bound; these
 * are short identifiers) and of a whole topic (namespace, type, 3 ids, separators). */
#define AJ_SP_ID_LEN_MAX    128
#define AJ_SP_TOPIC_LEN_MAX (8 + 7 + 3 * (AJ_SP_ID_LEN_MAX + 1) + 1)
/* Properties of one metric looked at (for the "Quality" property). */
#define AJ_SP_PROPERTIES_MAX 64
/* The map (--sparkplug-map): file size, groups, edge nodes, devices and mapped metrics. A
 * large site has a few dozen edge gateways with tens of devices each. */
#define AJ_SP_MAP_FILE_MAX    (8u * 1024u * 1024u)
#define AJ_SP_GROUPS_MAX      64
#define AJ_SP_NODES_MAX       1024
#define AJ_SP_DEVICES_MAX     4096
#define AJ_SP_MAP_METRICS_MAX 20000
/* Rebirth requests (NCMD Node Control/Rebirth) to one edge node are at least this far apart
 * (wall clock), so a node that keeps sending data without a birth is not flooded. */
#define AJ_SP_REBIRTH_INTERVAL_MS 5000
/* Last error text kept per node and device for GET /connections. */
#define AJ_SP_ERROR_TEXT_MAX 200

/* ---- OPC UA binary encoding (src/opcua/binary.c, docs/opcua.md) ---------------------------- */
/* The server is untrusted: every length, count and depth it sends is checked before use. */
/* One encoded message (bytes). A Read or Publish response of a few thousand values is well
 * under 1 MiB; 8 MiB leaves room for history reads. Reader input and writer output. */
#define AJ_UA_MESSAGE_MAX (8u * 1024u * 1024u)
/* Bytes of one String (tag names, units, string values: short text). */
#define AJ_UA_STRING_LEN_MAX (64u * 1024u)
/* Bytes of one ByteString, XmlElement or ExtensionObject body (certificates, structures). */
#define AJ_UA_BYTESTRING_LEN_MAX (1024u * 1024u)
/* Elements of one array (a Variant array or a service array): ~8 s of 10 kHz samples. */
#define AJ_UA_ARRAY_LEN_MAX 100000
/* ArrayDimensions of a multi-dimensional Variant (matrices and cubes in practice). */
#define AJ_UA_ARRAY_DIMS_MAX 8
/* Nesting of Variant / DataValue / DiagnosticInfo (decoders recurse): Part 6 §5.2.2.12 asks
 * decoders to support at least 100 DiagnosticInfo levels. */
#define AJ_UA_DEPTH_MAX 100
/* Arena bytes the values decoded from one message may take (a Variant array element takes
 * up to ~100 bytes of memory per wire byte, so AJ_UA_MESSAGE_MAX alone does not bound it). */
#define AJ_UA_DECODED_BYTES_MAX (64u * 1024u * 1024u)

/* ---- OPC UA security (src/opcua/security.c, security_rsa.c, pki.c; docs/opcua.md) ------------ */
/* RSA key sizes Basic256Sha256 accepts (OPC 10000-7: MinAsymmetricKeyLength 2048,
 * MaxAsymmetricKeyLength 4096), for our key and every peer certificate. */
#define AJ_UA_RSA_BITS_MIN 2048
#define AJ_UA_RSA_BITS_MAX 4096
/* Our application instance certificate, made on first use: key size and validity (10 years;
 * an operator renews it by removing pki/own/). */
#define AJ_UA_OWN_RSA_BITS 2048
#define AJ_UA_OWN_CERT_DAYS 3650
/* Bytes of one certificate or key file read from pki/ (a certificate is 1-2 KiB, a chain of
 * four fits easily), and the application URI and host name put in our certificate. */
#define AJ_UA_CERT_FILE_MAX (64u * 1024u)
#define AJ_UA_APP_URI_MAX   256
#define AJ_UA_HOSTNAME_MAX  253
/* Directory entries looked at in pki/trusted/ per check (bounds the work of one check), and
 * certificates kept in pki/rejected/ (a server that changes certificate on every connect
 * cannot fill the disk: beyond this, refused certificates are reported but not saved). */
#define AJ_UA_PKI_TRUSTED_MAX  1000
#define AJ_UA_PKI_REJECTED_MAX 100
/* RSA blocks decrypted from one OPN chunk: an OpenSecureChannel response is ~150 bytes
 * (1-2 blocks); 64 blocks (13 KiB of plain text at 2048 bits) bound the private-key work
 * one chunk from a peer can cause. */
#define AJ_UA_ASYM_BLOCKS_MAX 64
/* Bytes of a secret (user password) encrypted for ActivateSession. */
#define AJ_UA_SECRET_LEN_MAX 1024
/* Bytes of a nonce accepted for key derivation and secret encryption (Basic256Sha256 uses
 * 32; a longer one is refused rather than hashed). */
#define AJ_UA_NONCE_LEN_MAX 64

/* ---- OPC UA client and map (src/opcua/session.c, subscribe.c, uamap.c, src/ingest/opcua_ingest.c) */
/* The map (--opcua-map): file size, endpoints (one thread each) and items. */
#define AJ_UAMAP_FILE_MAX      (8u * 1024u * 1024u)
#define AJ_UAMAP_ENDPOINTS_MAX 64
#define AJ_UAMAP_ITEMS_MAX     50000
#define AJ_UAMAP_NODE_ID_LEN_MAX 1024
/* Publishing and sampling intervals (ms) and the server-side queue of an item. */
#define AJ_UAMAP_INTERVAL_MS_MIN 50
#define AJ_UAMAP_INTERVAL_MS_MAX 3600000
#define AJ_UAMAP_QUEUE_MAX       1000
/* Monitored items created per CreateMonitoredItems request (servers limit a call; most
 * take 1000 or more). */
#define AJ_UA_ITEMS_PER_CALL 1000
/* Publish requests kept in flight (the server answers one per publishing interval, more
 * cover the round trip and bursts). */
#define AJ_UA_PUBLISH_IN_FLIGHT 3
/* Browse: references returned by one POST /opcua/browse. */
#define AJ_UA_BROWSE_REFS_MAX 2000
/* Reconnect backoff after a lost connection: doubling from min to max. */
#define AJ_UA_RECONNECT_MS_MIN 500
#define AJ_UA_RECONNECT_MS_MAX 30000
/* Last error text kept per endpoint for GET /connections. */
#define AJ_UA_ERROR_TEXT_MAX 200

#endif
