-- 0001 foundation: tenancy, identity, sessions, audit chain, plant model.
-- Times are epoch milliseconds (columns ending _ms); dates are 'YYYY-MM-DD' text.
-- Every tenant-owned row carries enterprise_id; queries are always scoped by it.

CREATE TABLE enterprises (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  name_en TEXT,
  created_ms INTEGER NOT NULL
);

CREATE TABLE organisations (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  name_en TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('department', 'contractor', 'supplier')),
  parent_id INTEGER REFERENCES organisations(id),
  UNIQUE (enterprise_id, code)
);

CREATE TABLE sites (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  name_en TEXT,
  timezone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
  lat DOUBLE PRECISION,
  lon DOUBLE PRECISION,
  UNIQUE (enterprise_id, code)
);

CREATE TABLE areas (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  name_en TEXT,
  kind TEXT,
  polygon_json TEXT,
  lat DOUBLE PRECISION,
  lon DOUBLE PRECISION,
  UNIQUE (site_id, code)
);
CREATE INDEX areas_enterprise ON areas (enterprise_id, id);

CREATE TABLE asset_templates (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_en TEXT NOT NULL,
  signal_roles_json TEXT NOT NULL
);

CREATE TABLE assets (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  area_id INTEGER REFERENCES areas(id),
  parent_id INTEGER REFERENCES assets(id),
  template TEXT NOT NULL REFERENCES asset_templates(code),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  name_en TEXT,
  x DOUBLE PRECISION,
  y DOUBLE PRECISION,
  UNIQUE (site_id, code)
);
CREATE INDEX assets_enterprise ON assets (enterprise_id, id);

CREATE TABLE tags (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  key TEXT NOT NULL,
  name TEXT NOT NULL,
  name_en TEXT,
  unit TEXT,
  kind TEXT NOT NULL,
  range_lo DOUBLE PRECISION,
  range_hi DOUBLE PRECISION,
  asset_id INTEGER REFERENCES assets(id),
  role TEXT,
  area_id INTEGER REFERENCES areas(id),
  x DOUBLE PRECISION,
  y DOUBLE PRECISION,
  gas TEXT,
  oel DOUBLE PRECISION,
  UNIQUE (enterprise_id, key)
);
CREATE INDEX tags_enterprise ON tags (enterprise_id, id);

CREATE TABLE people (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  name_en TEXT,
  department TEXT,
  roles_json TEXT NOT NULL DEFAULT '[]',
  badge_uid TEXT,
  phone TEXT,
  UNIQUE (enterprise_id, code),
  UNIQUE (enterprise_id, badge_uid)
);
CREATE INDEX people_enterprise ON people (enterprise_id, id);
CREATE INDEX people_org ON people (org_id, id);

CREATE TABLE certificates (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  person_id INTEGER NOT NULL REFERENCES people(id),
  type TEXT NOT NULL,
  number TEXT NOT NULL,
  issued_on TEXT NOT NULL,
  expires_on TEXT NOT NULL,
  next_review_on TEXT,
  UNIQUE (enterprise_id, type, number)
);
CREATE INDEX certificates_person ON certificates (person_id);

-- Identity --------------------------------------------------------------------------

CREATE TABLE roles (
  name TEXT PRIMARY KEY,
  name_zh TEXT NOT NULL,
  description TEXT NOT NULL
);

CREATE TABLE permissions (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL
);

CREATE TABLE role_permissions (
  role TEXT NOT NULL REFERENCES roles(name),
  permission TEXT NOT NULL REFERENCES permissions(name),
  PRIMARY KEY (role, permission)
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  org_id INTEGER REFERENCES organisations(id),
  person_id INTEGER REFERENCES people(id),
  is_disabled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);

CREATE TABLE user_roles (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL REFERENCES roles(name),
  PRIMARY KEY (user_id, role)
);

-- Empty = all sites of the user's enterprise.
CREATE TABLE user_sites (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  PRIMARY KEY (user_id, site_id)
);

-- Enterprises a regulator may read (besides none: regulators write nothing).
CREATE TABLE regulator_grants (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
  PRIMARY KEY (user_id, enterprise_id)
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Audit chain -----------------------------------------------------------------------
-- hash = SHA-256(prev_hash | seq | at_ms | enterprise_id | actor | action | object_type |
--                object_id | before_digest | after_digest), hex. audit_head holds the
-- last seq and hash so a removed tail record is detected too.

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  enterprise_id INTEGER,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  before_digest TEXT,
  after_digest TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_enterprise ON audit_log (enterprise_id, seq);

CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
