-- The customer 360 timeline shows what imports did to a customer (created, updated, merged a file row into them):
-- read by customer, for the rows that reached one.
CREATE INDEX import_rows_customer_idx ON import_rows (customer_id, import_id) WHERE customer_id IS NOT NULL AND outcome <> 'rejected';
