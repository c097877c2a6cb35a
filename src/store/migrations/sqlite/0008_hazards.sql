-- 0008 hidden dangers (隐患排查治理, docs/hazards.md): the ledger with its closed loop
-- 排查 report → 登记 register → 治理 rectify → 验收 accept → 销号 close, the remediation
-- plan of a major one, photos (stored outside the web root), the timeline, repeat links and
-- the hazard permissions. Times *_ms are wall clock (epoch milliseconds).

CREATE TABLE hazards (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  number TEXT NOT NULL,              -- YH-YYYYMMDD-NNNN
  state TEXT NOT NULL,               -- reported registered rectified accepted closed
  grade TEXT,                        -- general | major (set at registration)
  category TEXT NOT NULL,
  cause TEXT,                        -- root-cause category, for repeat analysis
  description TEXT NOT NULL,
  area_id INTEGER REFERENCES areas(id),
  asset_id INTEGER REFERENCES assets(id),
  x DOUBLE PRECISION,
  y DOUBLE PRECISION,
  source TEXT NOT NULL,              -- report | inspection | permit | incident
  reported_by TEXT NOT NULL,
  reported_ms INTEGER NOT NULL,
  registered_by TEXT,
  registered_ms INTEGER,
  assignee_id INTEGER REFERENCES users(id),
  deadline_ms INTEGER,
  plan_json TEXT,                    -- major: the remediation plan
  rectified_by TEXT,
  rectified_user_id INTEGER REFERENCES users(id),
  rectified_ms INTEGER,
  rectification TEXT,
  accepted_by TEXT,
  accepted_ms INTEGER,
  closed_by TEXT,
  closed_ms INTEGER,
  escalation INTEGER NOT NULL DEFAULT 0, -- 0 none, 1 notified at the deadline, 2+ escalated
  repeat_of_id INTEGER REFERENCES hazards(id),
  n_repeats INTEGER NOT NULL DEFAULT 0,
  UNIQUE (enterprise_id, number)
);
CREATE INDEX hazards_enterprise ON hazards (enterprise_id, state, id);
CREATE INDEX hazards_site ON hazards (site_id, reported_ms);

CREATE TABLE hazard_photos (
  id INTEGER PRIMARY KEY,
  hazard_id INTEGER NOT NULL REFERENCES hazards(id),
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  stage TEXT NOT NULL CHECK (stage IN ('report', 'rectification', 'acceptance')),
  content_type TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,              -- the file under the upload directory
  by_user TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX hazard_photos_hazard ON hazard_photos (hazard_id, id);

CREATE TABLE hazard_events (
  id INTEGER PRIMARY KEY,
  hazard_id INTEGER NOT NULL REFERENCES hazards(id),
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  detail_json TEXT
);
CREATE INDEX hazard_events_hazard ON hazard_events (hazard_id, id);

INSERT INTO permissions (name, description) VALUES
 ('hazards.report', 'report hidden dangers (with photos)'),
 ('hazards.manage', 'register, grade, assign, accept and close hidden dangers'),
 ('hazards.rectify', 'rectify hidden dangers assigned to you');
INSERT INTO role_permissions (role, permission) VALUES
 ('admin', 'hazards.report'), ('admin', 'hazards.manage'), ('admin', 'hazards.rectify'),
 ('safety_manager', 'hazards.report'), ('safety_manager', 'hazards.manage'), ('safety_manager', 'hazards.rectify'),
 ('operator', 'hazards.report'),
 ('unit_leader', 'hazards.report'), ('unit_leader', 'hazards.manage'), ('unit_leader', 'hazards.rectify'),
 ('worker', 'hazards.report'), ('worker', 'hazards.rectify'),
 ('attendant', 'hazards.report'),
 ('approver', 'hazards.report'),
 ('supplier', 'hazards.report'), ('supplier', 'hazards.rectify');

-- notifications about hidden dangers (the assignee, then one level up when overdue)
ALTER TABLE notifications ADD COLUMN hazard_id INTEGER REFERENCES hazards(id);

-- per-enterprise policy: escalate one level up this long after the deadline
CREATE TABLE hazard_policy (
  enterprise_id INTEGER PRIMARY KEY REFERENCES enterprises(id),
  escalate_after_s INTEGER NOT NULL,
  repeat_window_days INTEGER NOT NULL
);
