-- What each customer bought, rolled up: all purchases (key ''), per category, store and channel.
-- Kept current by the purchase hook and rebuilt nightly; it lets behaviour filters count a million customers fast.
CREATE TABLE customer_activity (
  customer_id  bigint NOT NULL,
  dimension    text NOT NULL CHECK (dimension IN ('all','category','store','channel')),
  key          text NOT NULL,
  first_at     timestamptz NOT NULL,
  last_at      timestamptz NOT NULL,
  purchases    int NOT NULL DEFAULT 0,
  spend_fen    bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, dimension, key)
);
CREATE INDEX customer_activity_last_idx ON customer_activity (dimension, key, last_at);

CREATE TABLE segments (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL,
  description   text NOT NULL DEFAULT '',
  filter        jsonb NOT NULL,
  refresh       text NOT NULL DEFAULT 'daily' CHECK (refresh IN ('daily','manual')),
  member_count  int,
  refreshed_at  timestamptz,
  created_by    bigint REFERENCES staff_accounts(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  archived_at   timestamptz,
  version       int NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX segments_name_key ON segments (lower(name)) WHERE archived_at IS NULL;

-- The members as of the last refresh; campaigns send to these.
CREATE TABLE segment_members (
  customer_id  bigint NOT NULL,
  segment_id   bigint NOT NULL REFERENCES segments(id),
  added_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, segment_id)
);
CREATE INDEX segment_members_segment_idx ON segment_members (segment_id, customer_id);

-- One row per refresh: the size trend.
CREATE TABLE segment_sizes (
  segment_id    bigint NOT NULL REFERENCES segments(id),
  measured_at   timestamptz NOT NULL DEFAULT now(),
  member_count  int NOT NULL,
  joined        int NOT NULL,
  "left"        int NOT NULL,
  PRIMARY KEY (segment_id, measured_at)
);
