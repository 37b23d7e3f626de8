-- Sales: the stored first answer of every booked purchase or return, keyed by the caller's (source, external_id).
-- On Citus this is the lookup table distributed by its own key (see docs/decisions.md).
CREATE TABLE purchase_keys (
  source        text NOT NULL,
  external_id   text NOT NULL,
  customer_id   bigint NOT NULL,
  purchase_id   bigint NOT NULL,
  request_hash  text NOT NULL,
  answer        json NOT NULL,          -- json, not jsonb: a replay must be byte-for-byte the first answer
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);

-- Monthly sales targets per store, in fen; month is the first day of the month.
CREATE TABLE sales_targets (
  store_id    bigint NOT NULL REFERENCES stores(id),
  month       date NOT NULL CHECK (extract(day FROM month) = 1),
  target_fen  bigint NOT NULL CHECK (target_fen >= 0),
  updated_by  text NOT NULL DEFAULT '',
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, month)
);
CREATE INDEX sales_targets_month_idx ON sales_targets (month);

CREATE INDEX products_name_idx ON products (lower(name) text_pattern_ops);
CREATE INDEX products_brand_idx ON products (brand);
CREATE INDEX purchases_time_id_idx ON purchases (purchased_at DESC, id DESC);
