-- 0006 incidents (docs/reasoning.md): what the failure-mode rules conclude about an asset
-- or a zone, with its evidence chain, its life cycle and its timeline, and the incident
-- permissions. Times *_ns are event time (nanoseconds since the epoch) for what the
-- reasoner saw; *_at are wall clock (RFC 3339) for what people did.

CREATE TABLE incidents (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  kind TEXT NOT NULL,              -- process | sensor_check
  mode_id TEXT NOT NULL,           -- the failure mode (rules file)
  name TEXT NOT NULL,              -- English name of the mode (or of the check)
  name_zh TEXT,
  scope_type TEXT NOT NULL,        -- asset | area
  scope_id INTEGER NOT NULL,
  scope_code TEXT NOT NULL,
  priority TEXT NOT NULL,          -- emergency high medium low diagnostic
  state TEXT NOT NULL,             -- open acknowledged in_handling resolved reviewed
  level TEXT NOT NULL,             -- early_warning | diagnosis (the highest reached)
  is_evidence_active INTEGER NOT NULL,
  confidence DOUBLE PRECISION NOT NULL,       -- posterior at the latest change
  peak_confidence DOUBLE PRECISION NOT NULL,
  ttf_hours DOUBLE PRECISION,      -- estimated time to failure at the latest change
  evidence TEXT NOT NULL,          -- JSON: the evidence chain at the latest change
  actions TEXT NOT NULL,           -- JSON: recommended actions [{en, zh}]
  reference TEXT,                  -- SOP or emergency card
  opened_ns INTEGER NOT NULL,
  diagnosed_ns INTEGER,
  cleared_ns INTEGER,              -- evidence gone (the incident stays until resolved)
  updated_ns INTEGER NOT NULL,
  acknowledged_by TEXT, acknowledged_at TEXT,
  handled_by TEXT, handled_at TEXT,
  resolved_by TEXT, resolved_at TEXT,
  reviewed_by TEXT, reviewed_at TEXT,
  root_cause TEXT,
  lessons TEXT,
  escalation INTEGER NOT NULL DEFAULT 0,      -- times escalated (not acknowledged in time)
  created_at TEXT NOT NULL
);
CREATE INDEX incidents_enterprise ON incidents (enterprise_id, state, id);
CREATE INDEX incidents_scope ON incidents (enterprise_id, mode_id, scope_id, state);

CREATE TABLE incident_timeline (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  t_ns INTEGER NOT NULL,
  kind TEXT NOT NULL,              -- opened level evidence_cleared evidence_returned suppressed
                                   -- acknowledged in_handling resolved reviewed escalated comment
  actor TEXT NOT NULL,             -- "reasoner" or the user's login
  detail TEXT,                     -- JSON
  recorded_at TEXT NOT NULL
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);
CREATE INDEX incident_timeline_enterprise ON incident_timeline (enterprise_id, id);

INSERT INTO permissions (name, description) VALUES
 ('incidents.operate', 'acknowledge incidents, take them into handling, resolve them'),
 ('incidents.review', 'review resolved incidents (root cause, lessons)');
INSERT INTO role_permissions (role, permission) VALUES
 ('admin', 'incidents.operate'), ('admin', 'incidents.review'),
 ('safety_manager', 'incidents.operate'), ('safety_manager', 'incidents.review'),
 ('operator', 'incidents.operate'), ('unit_leader', 'incidents.operate'), ('unit_leader', 'incidents.review');
