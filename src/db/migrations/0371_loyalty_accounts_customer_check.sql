-- An account is created only for a member its caller has just resolved, and customers are never deleted (0370), so
-- the per-row foreign-key check on a new account guarded nothing while costing a third of locking a batch's accounts.
ALTER TABLE loyalty_accounts DROP CONSTRAINT loyalty_accounts_customer_id_fkey;
