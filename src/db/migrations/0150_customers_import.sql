-- Bulk imports of customers and purchases from CSV/XLSX: one row per uploaded file, and one outcome per input row.
CREATE TABLE imports (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('customers','purchases')),
  status           text NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded','queued','running','done','failed')),
  file_name        text NOT NULL,
  file_path        text NOT NULL,
  file_size        bigint NOT NULL,
  format           text NOT NULL CHECK (format IN ('csv','xlsx')),
  encoding         text,
  delimiter        text,
  has_header       boolean NOT NULL DEFAULT true,
  columns          jsonb NOT NULL DEFAULT '[]',
  mapping          jsonb,
  duplicate_policy text CHECK (duplicate_policy IN ('merge','skip','update')),
  bytes_read       bigint NOT NULL DEFAULT 0,
  -- The last input row whose outcome is committed: a restarted run resumes after it.
  last_row_no      bigint NOT NULL DEFAULT 0,
  rows_read        bigint NOT NULL DEFAULT 0,
  created          bigint NOT NULL DEFAULT 0,
  updated          bigint NOT NULL DEFAULT 0,
  merged           bigint NOT NULL DEFAULT 0,
  rejected         bigint NOT NULL DEFAULT 0,
  error            text,
  created_by       bigint,
  created_by_name  text NOT NULL DEFAULT '',
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz
);
CREATE INDEX imports_created_idx ON imports (created_at DESC);

-- Every input row's outcome; owned by the import (not by a customer), so keyed by import_id. No foreign key to
-- imports: checking it would cost a lookup per row, and rows are only ever written by their import's own run.
CREATE TABLE import_rows (
  import_id   bigint NOT NULL,
  row_no      bigint NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('created','updated','merged','rejected')),
  customer_id bigint,
  field       text,
  reason_zh   text,
  reason_en   text,
  -- The row as read (cells cut to 500 characters), kept for rejected rows so they can be fixed and imported again.
  data        jsonb,
  PRIMARY KEY (import_id, row_no)
);
-- Later rows of the same file that match a customer this import created are merges into that first occurrence.
CREATE INDEX import_rows_created_idx ON import_rows (import_id, customer_id) WHERE outcome = 'created';
