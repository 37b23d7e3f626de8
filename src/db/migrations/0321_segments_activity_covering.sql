-- Behaviour filters read the roll-up from the index alone.
DROP INDEX customer_activity_last_idx;
CREATE INDEX customer_activity_last_idx ON customer_activity (dimension, key, last_at) INCLUDE (customer_id, purchases, spend_fen);
