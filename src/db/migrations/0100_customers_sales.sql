-- Customers and sales: the shared core every module reads.
-- Citus-ready: customer-owned tables carry customer_id, and their keys begin with it.
CREATE TABLE customers (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind               text NOT NULL DEFAULT 'person' CHECK (kind IN ('person','business')),
  name               text NOT NULL,
  mobile             text,
  email              text,
  gender             text CHECK (gender IN ('female','male','other')),
  birthday           date,
  region             text,
  city               text,
  occupation         text,
  income_band        text,
  card_no            text,
  preferred_store_id bigint REFERENCES stores(id),
  preferred_channel  text,
  source             text,
  notes              text,
  tags               text[] NOT NULL DEFAULT '{}',
  attributes         jsonb NOT NULL DEFAULT '{}',
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active','merged','erased')),
  merged_into        bigint REFERENCES customers(id),
  registered_at      timestamptz NOT NULL DEFAULT now(),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  version            int NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX customers_mobile_key ON customers (mobile) WHERE mobile IS NOT NULL AND status = 'active';
CREATE UNIQUE INDEX customers_card_no_key ON customers (card_no) WHERE card_no IS NOT NULL;
CREATE INDEX customers_email_idx ON customers (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX customers_name_idx ON customers (name text_pattern_ops);
CREATE INDEX customers_birthday_idx ON customers (name, birthday) WHERE birthday IS NOT NULL;

CREATE TABLE products (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku         text NOT NULL UNIQUE,
  name        text NOT NULL,
  category    text NOT NULL,
  brand       text NOT NULL DEFAULT '',
  price_fen   bigint NOT NULL CHECK (price_fen >= 0),
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_category_idx ON products (category);

-- Append-only: a return is a new row of kind 'return' that references the sale.
CREATE TABLE purchases (
  customer_id          bigint NOT NULL REFERENCES customers(id),
  id                   bigint GENERATED ALWAYS AS IDENTITY,
  kind                 text NOT NULL DEFAULT 'sale' CHECK (kind IN ('sale','return')),
  original_purchase_id bigint,
  store_id             bigint REFERENCES stores(id),
  channel              text NOT NULL CHECK (channel IN ('store','online','app','mini_program')),
  source               text NOT NULL,
  external_id          text NOT NULL,
  purchased_at         timestamptz NOT NULL,
  total_fen            bigint NOT NULL,
  discount_fen         bigint NOT NULL DEFAULT 0,
  paid_fen             bigint NOT NULL,
  item_count           int NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id),
  UNIQUE (id)
);
CREATE UNIQUE INDEX purchases_source_external_key ON purchases (source, external_id);
CREATE INDEX purchases_customer_time_idx ON purchases (customer_id, purchased_at DESC);
CREATE INDEX purchases_time_idx ON purchases (purchased_at);
CREATE INDEX purchases_store_time_idx ON purchases (store_id, purchased_at);
CREATE INDEX purchases_original_idx ON purchases (original_purchase_id) WHERE original_purchase_id IS NOT NULL;

CREATE TABLE purchase_lines (
  customer_id     bigint NOT NULL,
  purchase_id     bigint NOT NULL,
  line_no         int NOT NULL,
  product_id      bigint REFERENCES products(id),
  sku             text NOT NULL,
  category        text NOT NULL,
  quantity        int NOT NULL,
  unit_price_fen  bigint NOT NULL,
  amount_fen      bigint NOT NULL,
  PRIMARY KEY (customer_id, purchase_id, line_no)
);
CREATE INDEX purchase_lines_product_idx ON purchase_lines (product_id);
