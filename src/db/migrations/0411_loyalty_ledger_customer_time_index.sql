-- The customer 360 timeline reads a member's points entries newest first from a time cursor. The primary key
-- (customer_id, id) does not give that order: an entry's id and its created_at (its transaction's start) can
-- disagree between overlapping bookings, so paging by id could skip an entry. This index is a range scan instead
-- of a sort over all of the member's entries, at the cost of one more index entry per booking.
CREATE INDEX loyalty_ledger_customer_time_idx ON loyalty_ledger (customer_id, created_at, id);
