-- Purchase imports write an outcome per line with its customer; the customer timeline reads only what customer
-- imports did, so its index leaves purchase-import rows out (a member with years of imported lines pays nothing).
ALTER TABLE import_rows ADD COLUMN kind text NOT NULL DEFAULT 'customers' CHECK (kind IN ('customers', 'purchases'));
UPDATE import_rows r SET kind = 'purchases' FROM imports i WHERE i.id = r.import_id AND i.kind = 'purchases';
DROP INDEX import_rows_customer_idx;
CREATE INDEX import_rows_customer_idx ON import_rows (customer_id, import_id) WHERE customer_id IS NOT NULL AND outcome <> 'rejected' AND kind = 'customers';
