-- 0012 connection maps kept in the database (docs/connections.md): per enterprise and
-- protocol, the map that says which Modbus register, OPC UA node or Sparkplug B metric feeds
-- which tag, in the same JSON format as the map files (docs/modbus.md, docs/opcua.md,
-- docs/sparkplug.md). Set through PUT /api/v1/connection-maps/{protocol} or the plant
-- file's "connections" section; `anjian serve` runs an adapter for each row. A map given
-- by a file setting (--modbus-map, --opcua-map, --sparkplug-map) takes precedence for its
-- enterprise. Times are epoch ms. Writes need plant.write.

CREATE TABLE connection_maps (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  protocol TEXT NOT NULL CHECK (protocol IN ('modbus-tcp', 'opcua', 'sparkplug-b')),
  map_json TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE (enterprise_id, protocol)
);
