-- The consent in force per customer and channel, kept by trigger from the append-only history, so "who may
-- we text" is an index probe instead of a DISTINCT ON over every consent ever recorded.
CREATE TABLE customer_consent_current (
  customer_id  bigint NOT NULL,
  channel      text NOT NULL,
  granted      boolean NOT NULL,
  source       text NOT NULL,
  recorded_at  timestamptz NOT NULL,
  consent_id   bigint NOT NULL,
  PRIMARY KEY (customer_id, channel)
);
CREATE INDEX customer_consent_current_granted_idx ON customer_consent_current (channel, customer_id) WHERE granted;

INSERT INTO customer_consent_current (customer_id, channel, granted, source, recorded_at, consent_id)
SELECT DISTINCT ON (customer_id, channel) customer_id, channel, granted, source, recorded_at, id
  FROM customer_consents ORDER BY customer_id, channel, recorded_at DESC, id DESC;

CREATE FUNCTION customer_consent_current_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM customer_consent_current WHERE customer_id = OLD.customer_id AND channel = OLD.channel;
    INSERT INTO customer_consent_current (customer_id, channel, granted, source, recorded_at, consent_id)
    SELECT customer_id, channel, granted, source, recorded_at, id FROM customer_consents
     WHERE customer_id = OLD.customer_id AND channel = OLD.channel ORDER BY recorded_at DESC, id DESC LIMIT 1;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO customer_consent_current AS cur (customer_id, channel, granted, source, recorded_at, consent_id)
    VALUES (NEW.customer_id, NEW.channel, NEW.granted, NEW.source, NEW.recorded_at, NEW.id)
    ON CONFLICT (customer_id, channel) DO UPDATE
      SET granted = excluded.granted, source = excluded.source, recorded_at = excluded.recorded_at, consent_id = excluded.consent_id
      WHERE (cur.recorded_at, cur.consent_id) < (excluded.recorded_at, excluded.consent_id);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER customer_consents_current AFTER INSERT OR UPDATE OR DELETE ON customer_consents
  FOR EACH ROW EXECUTE FUNCTION customer_consent_current_refresh();

CREATE OR REPLACE VIEW customer_consent_state AS
SELECT customer_id, channel, granted, source, recorded_at FROM customer_consent_current;


-- Filled above in one go: give the planner its statistics now rather than at the next autovacuum.
ANALYZE customer_consent_current;
