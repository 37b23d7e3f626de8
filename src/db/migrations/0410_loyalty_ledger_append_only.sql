-- The points ledger is append-only in the database, not by convention: an entry is never deleted or changed (a
-- mistake is corrected by a new entry). The one rewrite a merge needs stays possible: re-homing a merged member's
-- entries to the customer they were merged into, the one-per-member sign-up award keeping its old member in its ref
-- ('signup' → 'signup:<old id>') so the survivor's own sign-up award stays unique. Nothing else of the row may change.
CREATE FUNCTION loyalty_ledger_rehome_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.customer_id <> OLD.customer_id
     AND to_jsonb(NEW) - 'customer_id' - 'ref_id' = to_jsonb(OLD) - 'customer_id' - 'ref_id'
     AND (NEW.ref_id IS NOT DISTINCT FROM OLD.ref_id
          OR (OLD.ref_type = 'award' AND OLD.ref_id = 'signup' AND NEW.ref_id = 'signup:' || OLD.customer_id))
     AND EXISTS (SELECT 1 FROM customers c WHERE c.id = OLD.customer_id AND c.status = 'merged' AND c.merged_into = NEW.customer_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'loyalty_ledger is append-only: entry % cannot be changed (book a correcting entry instead)', OLD.id
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER loyalty_ledger_append_only BEFORE UPDATE ON loyalty_ledger FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_rehome_only();

CREATE FUNCTION loyalty_ledger_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'loyalty_ledger is append-only: entries are never deleted (book a correcting entry instead)' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER loyalty_ledger_never_deleted BEFORE DELETE ON loyalty_ledger FOR EACH STATEMENT EXECUTE FUNCTION loyalty_ledger_refuse_delete();
