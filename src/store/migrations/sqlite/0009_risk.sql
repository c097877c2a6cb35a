-- 0009 risk register (风险分级管控, docs/risk.md): risk points per area, equipment or
-- operation with their identified hazards, inherent and residual assessment (LEC or the
-- 5 x 5 matrix), control measures with owners at a control level and review cycles; the
-- enterprise's band configuration; the risk permission.

CREATE TABLE risk_points (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  area_id INTEGER REFERENCES areas(id),
  asset_id INTEGER REFERENCES assets(id),
  kind TEXT NOT NULL CHECK (kind IN ('area', 'equipment', 'operation')),
  name TEXT NOT NULL,
  description TEXT,
  hazards_json TEXT NOT NULL,         -- identified hazards (JHA steps / SCL items): [{"text", ...}]
  method TEXT NOT NULL CHECK (method IN ('lec', 'matrix')),
  inherent_json TEXT NOT NULL,        -- factors, score, band, level before the measures
  residual_json TEXT NOT NULL,        -- the same with the measures in place
  residual_level TEXT NOT NULL,       -- low general significant major
  control_level TEXT NOT NULL CHECK (control_level IN ('company', 'department', 'workshop', 'crew')),
  owner_id INTEGER REFERENCES people(id),
  review_cycle_days INTEGER NOT NULL,
  next_review_on TEXT NOT NULL,       -- YYYY-MM-DD
  updated_by TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX risk_points_site ON risk_points (site_id, area_id);

CREATE TABLE risk_measures (
  id INTEGER PRIMARY KEY,
  risk_point_id INTEGER NOT NULL REFERENCES risk_points(id) ON DELETE CASCADE,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  kind TEXT NOT NULL CHECK (kind IN ('engineering', 'management', 'training', 'ppe', 'emergency')),
  text TEXT NOT NULL,
  owner_id INTEGER REFERENCES people(id),
  control_level TEXT NOT NULL CHECK (control_level IN ('company', 'department', 'workshop', 'crew'))
);
CREATE INDEX risk_measures_point ON risk_measures (risk_point_id, id);

CREATE TABLE risk_bands (
  enterprise_id INTEGER PRIMARY KEY REFERENCES enterprises(id),
  config_json TEXT NOT NULL
);

INSERT INTO permissions (name, description) VALUES
 ('risks.write', 'keep the risk register: risk points, assessments, measures, bands');
INSERT INTO role_permissions (role, permission) VALUES
 ('admin', 'risks.write'), ('safety_manager', 'risks.write'), ('unit_leader', 'risks.write');
