-- 0003 archive: the historian's compressed chunks and the ingest checkpoint.
-- One row per tag per block of archived points, encoded by src/engine/chunk.c
-- (docs/historian.md). Times are nanoseconds since the epoch (event time).

CREATE TABLE archive_chunks (
  tag_id BIGINT NOT NULL REFERENCES tags(id),
  t_first_ns BIGINT NOT NULL,
  t_last_ns BIGINT NOT NULL,
  n_points BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (tag_id, t_first_ns)
);

-- Position in the ingest journal up to which every point is reflected in the archive
-- (docs/design/realtime-engine.md): replay starts here after a restart.
CREATE TABLE ingest_checkpoint (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  segment BIGINT NOT NULL,
  byte_offset BIGINT NOT NULL,
  journal_id TEXT  -- identity of the journal directory this database owns (engine.c)
);
INSERT INTO ingest_checkpoint (id, segment, byte_offset) VALUES (1, 0, 0);
