-- A sale's earn entry is found by its ref ('purchase', the sale's id), which the unique ref key already indexes; only
-- reversals are looked up by the sale they take back from, so only they keep that index: one entry fewer per sale.
DROP INDEX loyalty_ledger_purchase_idx;
CREATE INDEX loyalty_ledger_reversal_idx ON loyalty_ledger (customer_id, purchase_id) WHERE kind = 'reverse';
