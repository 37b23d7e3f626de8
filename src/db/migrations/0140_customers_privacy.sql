-- Suspected duplicates, merges and erasures of customers (docs/privacy.md).

-- A review queue of pairs (customer_id < other_id); a dismissed pair stays dismissed across refreshes.
CREATE TABLE customer_duplicate_candidates (
  customer_id   bigint NOT NULL REFERENCES customers(id),
  other_id      bigint NOT NULL REFERENCES customers(id),
  reasons       text[] NOT NULL,
  score         int NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open','merged','dismissed')),
  detected_at   timestamptz NOT NULL DEFAULT now(),
  decided_at    timestamptz,
  decided_by_kind text,
  decided_by_id bigint,
  decided_by    text,
  PRIMARY KEY (customer_id, other_id),
  CHECK (customer_id < other_id)
);
CREATE INDEX customer_duplicate_candidates_queue_idx ON customer_duplicate_candidates (status, score DESC, customer_id, other_id);
CREATE INDEX customer_duplicate_candidates_other_idx ON customer_duplicate_candidates (other_id);

-- One row per merge, kept so a merge can be explained later: who, when, why, and every value before.
CREATE TABLE customer_merges (
  customer_id    bigint NOT NULL REFERENCES customers(id),
  id             bigint GENERATED ALWAYS AS IDENTITY,
  merged_ids     bigint[] NOT NULL,
  reason         text,
  field_choices  jsonb NOT NULL DEFAULT '{}',
  before         jsonb NOT NULL,
  moved          jsonb NOT NULL DEFAULT '{}',
  merged_by_kind text NOT NULL,
  merged_by_id   bigint,
  merged_by      text NOT NULL DEFAULT '',
  merged_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id),
  UNIQUE (id)
);
CREATE INDEX customer_merges_merged_ids_idx ON customer_merges USING gin (merged_ids);

-- Who was merged into whom, looked up when following a merged id to its survivor.
CREATE INDEX customers_merged_into_idx ON customers (merged_into) WHERE merged_into IS NOT NULL;
-- Keys of the duplicate rules that the existing indexes do not cover.
CREATE INDEX customers_name_city_idx ON customers (name, city) WHERE status = 'active' AND city IS NOT NULL;
