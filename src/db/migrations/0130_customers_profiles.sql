-- Customer profiles: admin-defined attributes, business contacts, generated card numbers, search and timeline indexes.

-- Custom attributes (e.g. 肤质 skin type); values live in customers.attributes under the key.
CREATE TABLE customer_attribute_definitions (
  key             text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  label_zh        text NOT NULL,
  label_en        text NOT NULL,
  type            text NOT NULL CHECK (type IN ('text','number','date','enum')),
  allowed_values  text[] NOT NULL DEFAULT '{}',
  position        int NOT NULL DEFAULT 0,
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((type = 'enum') = (cardinality(allowed_values) > 0))
);

-- The people to talk to at a business customer (a dealer, a supermarket).
CREATE TABLE customer_contacts (
  customer_id  bigint NOT NULL REFERENCES customers(id),
  id           bigint GENERATED ALWAYS AS IDENTITY,
  name         text NOT NULL,
  title        text,
  mobile       text,
  email        text,
  is_primary   boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id)
);

-- Card numbers generated when none is given: 'PT' and ten digits.
CREATE SEQUENCE customer_card_no_seq;

-- Every two-character piece of a name, lower-cased: a GIN index on it finds Chinese names by any part ("小明" in 王小明).
CREATE FUNCTION customer_name_bigrams(n text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT COALESCE(array_agg(DISTINCT substr(lower(n), i, 2)), '{}') FROM generate_series(1, length(n) - 1) AS i $$;

CREATE INDEX customers_name_lower_idx ON customers (lower(name) text_pattern_ops);
CREATE INDEX customers_name_bigrams_idx ON customers USING gin (customer_name_bigrams(name));
CREATE INDEX customers_mobile_prefix_idx ON customers (mobile text_pattern_ops) WHERE mobile IS NOT NULL AND status = 'active';
CREATE INDEX customers_mobile_last4_idx ON customers (right(mobile, 4), id) WHERE mobile IS NOT NULL AND status = 'active';
CREATE INDEX customers_card_no_prefix_idx ON customers (card_no text_pattern_ops) WHERE card_no IS NOT NULL;
CREATE INDEX customers_email_prefix_idx ON customers (lower(email) text_pattern_ops) WHERE email IS NOT NULL;

-- The customers page's filters.
CREATE INDEX customers_city_idx ON customers (city, id);
CREATE INDEX customers_store_idx ON customers (preferred_store_id, id);
CREATE INDEX customers_created_idx ON customers (created_at, id);
CREATE INDEX customers_tags_idx ON customers USING gin (tags);

-- The customer 360 timeline: each source is read newest first for one customer.
CREATE INDEX customer_consents_time_idx ON customer_consents (customer_id, recorded_at DESC, id DESC);
CREATE INDEX audit_log_customer_time_idx ON audit_log (customer_id, at DESC, id DESC) WHERE customer_id IS NOT NULL AND action <> 'read';
