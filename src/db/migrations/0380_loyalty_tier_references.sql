-- Tier ids are only ever written from loyalty_tiers itself (the programme's ladder, the entry tier) and tiers are
-- kept when a programme drops them, so the per-row foreign-key checks on accounts and tier changes guarded nothing.
-- They locked the one entry-tier row from every booking's new accounts. Refusing deletes keeps the references sound.
ALTER TABLE loyalty_accounts DROP CONSTRAINT loyalty_accounts_tier_id_fkey;
ALTER TABLE loyalty_tier_changes DROP CONSTRAINT loyalty_tier_changes_from_tier_id_fkey;
ALTER TABLE loyalty_tier_changes DROP CONSTRAINT loyalty_tier_changes_to_tier_id_fkey;
CREATE TRIGGER loyalty_tiers_never_deleted BEFORE DELETE ON loyalty_tiers FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
