-- 0010 inspections (巡检, docs/inspections.md): checkpoints tagged with an NFC UID and a
-- printed QR token, plans with their check lists per risk point and control measure and a
-- frequency (by default set by the risk level), the site's shift pattern, the tasks the
-- engine generates per window (shift, day, week, month or every N minutes), the scans
-- at each checkpoint with person, time and results, and findings turned into hazards.

CREATE TABLE inspection_checkpoints (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  area_id INTEGER REFERENCES areas(id),
  asset_id INTEGER REFERENCES assets(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  nfc_uid TEXT,                      -- the UID of the tag fixed at the point (upper-case hex)
  qr_token TEXT NOT NULL,            -- the random token printed in the point's QR code
  x DOUBLE PRECISION,
  y DOUBLE PRECISION,
  UNIQUE (enterprise_id, code),
  UNIQUE (enterprise_id, nfc_uid),
  UNIQUE (qr_token)
);
CREATE INDEX inspection_checkpoints_site ON inspection_checkpoints (site_id, id);

-- Shift starts of a site, local time of the site ("08:00", "16:00", "00:00").
CREATE TABLE inspection_shifts (
  site_id INTEGER PRIMARY KEY REFERENCES sites(id),
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  starts_json TEXT NOT NULL
);

CREATE TABLE inspection_plans (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  name TEXT NOT NULL,
  risk_point_id INTEGER REFERENCES risk_points(id),
  org_id INTEGER REFERENCES organisations(id),   -- the department that inspects
  assignee_id INTEGER REFERENCES users(id),      -- NULL: anyone of the department
  frequency TEXT NOT NULL CHECK (frequency IN ('interval', 'shift', 'day', 'week', 'month')),
  interval_min INTEGER,                           -- for 'interval'
  frequency_source TEXT NOT NULL,                 -- risk_level | set
  is_active INTEGER NOT NULL DEFAULT 1,
  active_from_ms INTEGER NOT NULL,
  generated_until_ms INTEGER NOT NULL DEFAULT 0, -- the end of the latest window with a task
  updated_by TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX inspection_plans_site ON inspection_plans (enterprise_id, site_id, id);

-- The route: checkpoints in order, each with its check list.
CREATE TABLE inspection_plan_points (
  id INTEGER PRIMARY KEY,
  plan_id INTEGER NOT NULL REFERENCES inspection_plans(id) ON DELETE CASCADE,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  seq INTEGER NOT NULL,
  checkpoint_id INTEGER NOT NULL REFERENCES inspection_checkpoints(id),
  items_json TEXT NOT NULL          -- [{"text", "kind": "check"|"reading", "measure_id"?, "lo"?, "hi"?, "unit"?}]
);
CREATE INDEX inspection_plan_points_plan ON inspection_plan_points (plan_id, seq);

CREATE TABLE inspection_tasks (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  plan_id INTEGER NOT NULL REFERENCES inspection_plans(id),
  org_id INTEGER REFERENCES organisations(id),
  assignee_id INTEGER REFERENCES users(id),
  window_start_ms INTEGER NOT NULL,
  window_end_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'in_progress', 'done', 'missed')),
  route_json TEXT NOT NULL,          -- the plan's route when the task was made: [{checkpoint_id, code, name, items}]
  n_points INTEGER NOT NULL,
  n_scanned INTEGER NOT NULL DEFAULT 0,
  n_findings INTEGER NOT NULL DEFAULT 0,
  started_ms INTEGER,
  ended_ms INTEGER,                 -- done: the last scan; missed: when it was found missed
  UNIQUE (plan_id, window_start_ms)
);
CREATE INDEX inspection_tasks_open ON inspection_tasks (state, window_end_ms);
CREATE INDEX inspection_tasks_ent ON inspection_tasks (enterprise_id, window_start_ms);

CREATE TABLE inspection_scans (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  task_id INTEGER NOT NULL REFERENCES inspection_tasks(id),
  checkpoint_id INTEGER NOT NULL REFERENCES inspection_checkpoints(id),
  method TEXT NOT NULL CHECK (method IN ('nfc', 'qr')),
  user_id INTEGER NOT NULL REFERENCES users(id),
  username TEXT NOT NULL,
  person_id INTEGER REFERENCES people(id),
  at_ms INTEGER NOT NULL,
  results_json TEXT NOT NULL,       -- [{"item", "ok"?, "value"?, "note"?}] in the order of the check list
  n_abnormal INTEGER NOT NULL,
  hazard_id INTEGER REFERENCES hazards(id),
  UNIQUE (task_id, checkpoint_id)
);
CREATE INDEX inspection_scans_task ON inspection_scans (task_id, id);

ALTER TABLE notifications ADD COLUMN inspection_task_id INTEGER REFERENCES inspection_tasks(id);

INSERT INTO permissions (name, description) VALUES
 ('inspections.plan', 'keep inspection checkpoints, shift patterns and plans'),
 ('inspections.perform', 'perform inspection tasks: scan checkpoints, record results and findings');
INSERT INTO role_permissions (role, permission) VALUES
 ('admin', 'inspections.plan'), ('admin', 'inspections.perform'),
 ('safety_manager', 'inspections.plan'), ('safety_manager', 'inspections.perform'),
 ('unit_leader', 'inspections.plan'), ('unit_leader', 'inspections.perform'),
 ('operator', 'inspections.perform'),
 ('worker', 'inspections.perform'),
 ('attendant', 'inspections.perform');
