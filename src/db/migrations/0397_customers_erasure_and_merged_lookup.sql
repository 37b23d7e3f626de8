-- Erasure clears the file rows an import kept (rejected rows only): this small index finds them without reading every outcome.
CREATE INDEX import_rows_kept_data_idx ON import_rows (customer_id) WHERE data IS NOT NULL;

-- The till finds a member by the mobile of a record merged into them; merged records are few, so this index is small.
CREATE INDEX customers_merged_mobile_idx ON customers (mobile) WHERE mobile IS NOT NULL AND status = 'merged';
