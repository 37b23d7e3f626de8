-- Consent per channel; append-only: a withdrawal is a new row with granted = false.
CREATE TABLE customer_consents (
  customer_id   bigint NOT NULL REFERENCES customers(id),
  id            bigint GENERATED ALWAYS AS IDENTITY,
  channel       text NOT NULL CHECK (channel IN ('sms','email','phone','wechat')),
  granted       boolean NOT NULL,
  source        text NOT NULL,
  recorded_by_kind text NOT NULL DEFAULT 'system',
  recorded_by_id   bigint,
  recorded_by      text NOT NULL DEFAULT '',
  note          text,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id)
);
CREATE INDEX customer_consents_current_idx ON customer_consents (customer_id, channel, recorded_at DESC, id DESC);

-- The state now: the latest row per customer and channel (no row means no consent).
CREATE VIEW customer_consent_state AS
SELECT DISTINCT ON (customer_id, channel) customer_id, channel, granted, source, recorded_at
  FROM customer_consents
 ORDER BY customer_id, channel, recorded_at DESC, id DESC;
