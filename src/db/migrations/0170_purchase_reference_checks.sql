-- Booking resolves every store and product in its own transaction and neither is ever deleted (both are
-- deactivated instead), so the per-row foreign-key checks on a purchase's store and its lines' products guarded
-- nothing while costing a third of a bulk insert. Refusing deletes keeps the references sound.
ALTER TABLE purchases DROP CONSTRAINT purchases_store_id_fkey;
ALTER TABLE purchase_lines DROP CONSTRAINT purchase_lines_product_id_fkey;

CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% are deactivated, never deleted: purchases refer to them', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER stores_never_deleted BEFORE DELETE ON stores FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER products_never_deleted BEFORE DELETE ON products FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
