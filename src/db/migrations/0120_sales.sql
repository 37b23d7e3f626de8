-- Sales: every booked purchase or return by the caller's (source, external_id), with the request's fingerprint and
-- what the purchase listeners answered, so a retry gets the first answer back (the rest is rebuilt from the rows).
-- On Citus this is the lookup table distributed by its own key (see docs/decisions.md).
CREATE TABLE purchase_keys (
  source        text NOT NULL,
  external_id   text NOT NULL,
  customer_id   bigint NOT NULL,
  purchase_id   bigint NOT NULL,
  request_hash  text NOT NULL,
  extras        json NOT NULL DEFAULT '{}',  -- json, not jsonb: keeps the listeners' key order, so a replay is byte-identical
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

CREATE INDEX products_sku_prefix_idx ON products (sku text_pattern_ops);
CREATE INDEX products_brand_idx ON products (brand);
