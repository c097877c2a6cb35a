-- 0007 electronic work permits (docs/permits.md): GB 30871-2022 special operations with
-- their approvals, gas samples, people, confined-space entries, timeline and the
-- enterprise's permit configuration (approval role holders, chains, holidays), SIMOPS
-- activities, notifications and the permit permissions. Times *_ms are wall clock
-- (epoch milliseconds). Permits are never deleted: they are kept at least one year
-- (docs/permits.md "Retention"); archive only marks them.

CREATE TABLE permits (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  number TEXT NOT NULL,              -- e.g. DH-20261129-0003
  type TEXT NOT NULL,                -- catalogue type code
  grade TEXT NOT NULL,               -- catalogue grade code
  state TEXT NOT NULL,               -- docs/permits.md "Life cycle"
  title TEXT NOT NULL,
  area_id INTEGER REFERENCES areas(id),
  asset_id INTEGER REFERENCES assets(id),
  x DOUBLE PRECISION NOT NULL,       -- work point, site metres
  y DOUBLE PRECISION NOT NULL,
  geofence_m DOUBLE PRECISION NOT NULL,
  valid_from_ms INTEGER NOT NULL,
  valid_to_ms INTEGER NOT NULL,
  fields_json TEXT NOT NULL,         -- form values {field id: value}
  hazards_json TEXT NOT NULL,        -- risk analysis: hazard ids
  grading_json TEXT NOT NULL,        -- how the grade was found
  chain_json TEXT NOT NULL,          -- approval roles in order
  measures_json TEXT NOT NULL,       -- {measure id: {"by", "at_ms"}}
  attendant_id INTEGER NOT NULL REFERENCES people(id),
  served_permit_id INTEGER REFERENCES permits(id),
  gas_name TEXT,                     -- the combustible gas of the place
  gas_lel DOUBLE PRECISION,          -- its lower explosive limit, % vol
  paused_since_ms INTEGER,
  suspended_cause TEXT,              -- gas, gas_alarm, attendant_left, stop_work, pause
  needs_retest INTEGER NOT NULL DEFAULT 0,
  interlock_json TEXT,               -- the interlock holding the permit, NULL when none
  people_inside INTEGER NOT NULL DEFAULT 0,
  last_monitoring_ms INTEGER,
  created_by TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  submitted_ms INTEGER,
  issued_ms INTEGER,
  started_ms INTEGER,
  completed_ms INTEGER,
  closed_ms INTEGER,
  archived_ms INTEGER,
  ended_reason TEXT,                 -- cancel / void / expiry
  UNIQUE (enterprise_id, number)
);
CREATE INDEX permits_enterprise ON permits (enterprise_id, state, id);
CREATE INDEX permits_site ON permits (site_id, state);

CREATE TABLE permit_people (
  id INTEGER PRIMARY KEY,
  permit_id INTEGER NOT NULL REFERENCES permits(id),
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  role TEXT NOT NULL CHECK (role IN ('worker', 'attendant')),
  checked_in_ms INTEGER,
  checked_out_ms INTEGER,
  x DOUBLE PRECISION,                -- latest reported position (attendant)
  y DOUBLE PRECISION,
  position_ms INTEGER,
  UNIQUE (permit_id, person_id)
);

CREATE TABLE permit_approvals (
  id INTEGER PRIMARY KEY,
  permit_id INTEGER NOT NULL REFERENCES permits(id),
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  seq INTEGER NOT NULL,
  role TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  username TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  x DOUBLE PRECISION NOT NULL,
  y DOUBLE PRECISION NOT NULL,
  distance_m DOUBLE PRECISION NOT NULL,
  comment TEXT,
  UNIQUE (permit_id, seq)
);

CREATE TABLE permit_gas_samples (
  id INTEGER PRIMARY KEY,
  permit_id INTEGER NOT NULL REFERENCES permits(id),
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  at_ms INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('manual', 'detector')),
  readings_json TEXT NOT NULL,
  verdict TEXT NOT NULL,
  by_user TEXT NOT NULL,
  x DOUBLE PRECISION,
  y DOUBLE PRECISION
);
CREATE INDEX permit_gas_samples_permit ON permit_gas_samples (permit_id, id);

CREATE TABLE permit_entries (
  id INTEGER PRIMARY KEY,
  permit_id INTEGER NOT NULL REFERENCES permits(id),
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  at_ms INTEGER NOT NULL
);
CREATE INDEX permit_entries_permit ON permit_entries (permit_id, id);

CREATE TABLE permit_events (
  id INTEGER PRIMARY KEY,
  permit_id INTEGER NOT NULL REFERENCES permits(id),
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,                -- a transition, refused, suspended, checked_in, ...
  actor TEXT NOT NULL,
  detail_json TEXT
);
CREATE INDEX permit_events_permit ON permit_events (permit_id, id);
CREATE INDEX permit_events_kind ON permit_events (enterprise_id, kind, at_ms);

CREATE TABLE permit_role_holders (
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  role TEXT NOT NULL,
  person_id INTEGER NOT NULL REFERENCES people(id),
  PRIMARY KEY (enterprise_id, role, person_id)
);

CREATE TABLE permit_chains (
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  type TEXT NOT NULL,
  grade TEXT NOT NULL,
  roles_json TEXT NOT NULL,
  PRIMARY KEY (enterprise_id, type, grade)
);

CREATE TABLE permit_holidays (
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  day TEXT NOT NULL,                 -- YYYY-MM-DD, local date of the site
  PRIMARY KEY (enterprise_id, day)
);

CREATE TABLE simops_activities (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  kind TEXT NOT NULL CHECK (kind IN ('venting_gas', 'venting_liquid')),
  x DOUBLE PRECISION NOT NULL,
  y DOUBLE PRECISION NOT NULL,
  description TEXT NOT NULL,
  from_ms INTEGER NOT NULL,
  to_ms INTEGER NOT NULL,
  created_by TEXT NOT NULL
);

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  person_id INTEGER REFERENCES people(id),
  role TEXT,                          -- why the person is told: worker, attendant, approver
  permit_id INTEGER REFERENCES permits(id),
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  read_ms INTEGER
);
CREATE INDEX notifications_person ON notifications (enterprise_id, person_id, id);

INSERT INTO permissions (name, description) VALUES
 ('permits.read', 'read work permits, their timeline and metrics'),
 ('permits.apply', 'draft, change, submit and cancel work permits'),
 ('permits.approve', 'confirm safety measures, record gas analyses, approve work permits'),
 ('permits.operate', 'check in, start, pause, resume, stop, complete and close work'),
 ('permits.configure', 'set approval role holders, chains, holidays and SIMOPS activities');
INSERT INTO role_permissions (role, permission) VALUES
 ('admin', 'permits.read'), ('admin', 'permits.apply'), ('admin', 'permits.approve'),
 ('admin', 'permits.operate'), ('admin', 'permits.configure'),
 ('safety_manager', 'permits.read'), ('safety_manager', 'permits.apply'),
 ('safety_manager', 'permits.approve'), ('safety_manager', 'permits.operate'),
 ('safety_manager', 'permits.configure'),
 ('operator', 'permits.read'),
 ('unit_leader', 'permits.read'), ('unit_leader', 'permits.apply'), ('unit_leader', 'permits.approve'),
 ('unit_leader', 'permits.operate'),
 ('worker', 'permits.read'), ('worker', 'permits.apply'), ('worker', 'permits.operate'),
 ('attendant', 'permits.read'), ('attendant', 'permits.operate'),
 ('approver', 'permits.read'), ('approver', 'permits.approve'),
 ('supplier', 'permits.read'), ('supplier', 'permits.apply'),
 ('regulator', 'permits.read');
