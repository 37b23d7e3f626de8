-- Booking keeps the stores and products it has resolved in the app; every write to either moves this version on,
-- and each batch's lookup reads it in one snapshot with whatever it had to resolve, so a cached entry is used only
-- while the catalogue it was read from is still the current one. A sequence, not version + 1: a rolled-back write
-- must never give its number to a later, different catalogue.
CREATE SEQUENCE catalogue_version_seq;
CREATE TABLE catalogue_version (
  only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  version   bigint NOT NULL
);
INSERT INTO catalogue_version (version) VALUES (nextval('catalogue_version_seq'));

CREATE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE catalogue_version SET version = nextval('catalogue_version_seq');
  RETURN NULL;
END $$;
CREATE TRIGGER stores_catalogue_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stores
  FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
CREATE TRIGGER products_catalogue_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON products
  FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
