-- dimension 'all' always has key '': without this the planner multiplies the two and underestimates a
-- million-row probe a hundredfold, then picks nested loops.
CREATE STATISTICS customer_activity_dimension_key (dependencies, mcv) ON dimension, key FROM customer_activity;
ANALYZE customer_activity;
