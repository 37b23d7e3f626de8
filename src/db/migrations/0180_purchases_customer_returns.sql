-- The customer 360 counts a customer's returns; their key figures come from the activity roll-up, so without
-- this it would read every purchase of the customer just to count the few returns.
CREATE INDEX purchases_customer_returns_idx ON purchases (customer_id) WHERE kind = 'return';
