-- Every booking rewrites its members' balances; room on each page lets PostgreSQL keep those updates on the
-- page without touching the indexes (a HOT update), since neither the balance nor updated_at is indexed.
ALTER TABLE loyalty_accounts SET (fillfactor = 80);
