-- 0011 major hazard sources (重大危险源, GB 18218-2018; docs/risk.md "Major hazard sources in
-- the register"): units (a tank farm, a process unit, a warehouse) with the substances they
-- hold in declared design-maximum quantities, optionally an inventory tag per item whose
-- latest value gives the live quantity (q_t = value x factor + offset); the design and the
-- live assessment (S, R, level); the live alarm state and its events (approaching, major,
-- level_up, level_down, cleared). Times are epoch ms. Writes need risks.write.

CREATE TABLE mh_units (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  area_id INTEGER REFERENCES areas(id),
  asset_id INTEGER REFERENCES assets(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('production', 'storage')),
  people_500m INTEGER NOT NULL,       -- people within 500 m outside the fence (alpha, Table 5)
  warn_threshold DOUBLE PRECISION NOT NULL DEFAULT 0.9, -- S at which the unit approaches major
  s_design DOUBLE PRECISION NOT NULL, -- with the declared quantities
  r_design DOUBLE PRECISION NOT NULL,
  level_design INTEGER NOT NULL,      -- 0 not major, 1-4
  s_live DOUBLE PRECISION,            -- with the latest inventory (NULL: not assessed yet)
  r_live DOUBLE PRECISION,
  level_live INTEGER NOT NULL DEFAULT 0,
  live_state TEXT NOT NULL DEFAULT 'normal' CHECK (live_state IN ('normal', 'approaching', 'major')),
  live_json TEXT,                     -- per item: q_t, source (tag or declared) and why
  assessed_ms INTEGER,
  updated_by TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE (enterprise_id, code)
);
CREATE INDEX mh_units_site ON mh_units (site_id, id);

CREATE TABLE mh_unit_items (
  id INTEGER PRIMARY KEY,
  unit_id INTEGER NOT NULL REFERENCES mh_units(id) ON DELETE CASCADE,
  item_no INTEGER NOT NULL,           -- order as declared (items[item_no])
  substance TEXT,                     -- as entered: Table 1 code, CAS number or Chinese name
  substance_code TEXT,                -- the Table 1 code it resolved to (NULL: by category)
  category TEXT,                      -- category code: the unnamed substance's, or a beta override
  q_t DOUBLE PRECISION NOT NULL,      -- declared design-maximum quantity, t
  tag_id INTEGER REFERENCES tags(id), -- inventory tag (NULL: the declared quantity only)
  factor DOUBLE PRECISION NOT NULL DEFAULT 1, -- q_t = value x factor + offset
  offset_t DOUBLE PRECISION NOT NULL DEFAULT 0,
  note TEXT
);
CREATE INDEX mh_unit_items_unit ON mh_unit_items (unit_id, item_no);
CREATE INDEX mh_unit_items_tag ON mh_unit_items (tag_id);

CREATE TABLE mh_events (
  id INTEGER PRIMARY KEY,
  unit_id INTEGER NOT NULL REFERENCES mh_units(id) ON DELETE CASCADE,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('approaching', 'major', 'level_up', 'level_down', 'cleared')),
  s DOUBLE PRECISION NOT NULL,
  r DOUBLE PRECISION NOT NULL,
  level_before INTEGER NOT NULL,
  level_after INTEGER NOT NULL,
  detail_json TEXT NOT NULL
);
CREATE INDEX mh_events_unit ON mh_events (unit_id, id);

-- notifications about major hazard sources (the safety managers)
ALTER TABLE notifications ADD COLUMN mh_unit_id INTEGER REFERENCES mh_units(id);
