-- Loyalty core shared with segments and reports; the loyalty module adds its rules and ledger in 0201+.
CREATE TABLE loyalty_tiers (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code      text NOT NULL UNIQUE,
  name_zh   text NOT NULL,
  name_en   text NOT NULL,
  rank      int NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per member: the cached balance (always equal to the ledger's sum) and the current tier.
CREATE TABLE loyalty_accounts (
  customer_id     bigint PRIMARY KEY REFERENCES customers(id),
  tier_id         bigint REFERENCES loyalty_tiers(id),
  points_balance  bigint NOT NULL DEFAULT 0,
  tier_since      timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loyalty_accounts_tier_idx ON loyalty_accounts (tier_id);
