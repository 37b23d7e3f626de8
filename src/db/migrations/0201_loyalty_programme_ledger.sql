-- Loyalty programme versions, the points ledger with its earn lots, and tier history.

-- The whole programme (tiers, earn rules, promotions, expiry…) as one versioned document: an edit closes the
-- version in force and opens a new one, so a purchase is always valued with the rules of its own time.
CREATE TABLE loyalty_programme_versions (
  version     int PRIMARY KEY,
  valid_from  timestamptz NOT NULL,
  valid_to    timestamptz,
  programme   jsonb NOT NULL,
  note        text NOT NULL DEFAULT '',
  created_by  text NOT NULL DEFAULT 'system',
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX loyalty_programme_versions_from_idx ON loyalty_programme_versions (valid_from);

-- Downgrades wait for the grace period: the date a member who no longer qualifies drops a tier.
ALTER TABLE loyalty_accounts ADD COLUMN tier_downgrade_at timestamptz;
ALTER TABLE loyalty_accounts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE loyalty_accounts ADD CONSTRAINT loyalty_accounts_balance_not_negative CHECK (points_balance >= 0);
-- Every purchase and the nightly jobs rewrite balances: room on each page lets those updates stay HOT.
ALTER TABLE loyalty_accounts SET (fillfactor = 85);

-- Append-only: every change of a balance is one row with a reason; corrections are new rows.
-- No foreign key of its own: every entry is booked after its account row (which references customers) exists,
-- and the nightly expiry inserts hundreds of thousands of rows at once.
CREATE TABLE loyalty_ledger (
  customer_id  bigint NOT NULL,
  id           bigint GENERATED ALWAYS AS IDENTITY,
  kind         text NOT NULL CHECK (kind IN ('earn','reverse','redeem','adjust','expire','award','refund')),
  points       bigint NOT NULL CHECK (points <> 0 OR kind = 'reverse'),
  reason_code  text NOT NULL,
  reason       text NOT NULL DEFAULT '',
  ref_type     text,
  ref_id       text,
  purchase_id  bigint,
  programme_version int,
  expires_at   timestamptz,
  details      jsonb NOT NULL DEFAULT '{}',
  actor_kind   text NOT NULL DEFAULT 'system',
  actor_id     bigint,
  actor_name   text NOT NULL DEFAULT 'system',
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id)
);
-- A replayed purchase, award or expiry run finds its entry instead of booking twice.
CREATE UNIQUE INDEX loyalty_ledger_ref_key ON loyalty_ledger (customer_id, kind, ref_type, ref_id) WHERE ref_id IS NOT NULL;
CREATE INDEX loyalty_ledger_purchase_idx ON loyalty_ledger (customer_id, purchase_id) WHERE purchase_id IS NOT NULL;
CREATE INDEX loyalty_ledger_time_idx ON loyalty_ledger (created_at);

-- Each credit opens a lot; debits and expiry consume lots soonest-expiring first. Sum of remaining = balance.
CREATE TABLE loyalty_lots (
  customer_id  bigint NOT NULL,
  id           bigint GENERATED ALWAYS AS IDENTITY,
  ledger_id    bigint NOT NULL,
  points       bigint NOT NULL CHECK (points > 0),
  remaining    bigint NOT NULL CHECK (remaining >= 0),
  earned_at    timestamptz NOT NULL,
  expires_at   timestamptz,
  expired_at   timestamptz,
  expired_points bigint,
  PRIMARY KEY (customer_id, id),
  CHECK (remaining <= points)
);
CREATE INDEX loyalty_lots_open_idx ON loyalty_lots (customer_id, expires_at, id) WHERE remaining > 0;
CREATE INDEX loyalty_lots_due_idx ON loyalty_lots (expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL;

CREATE TABLE loyalty_tier_changes (
  customer_id   bigint NOT NULL,
  id            bigint GENERATED ALWAYS AS IDENTITY,
  from_tier_id  bigint REFERENCES loyalty_tiers(id),
  to_tier_id    bigint REFERENCES loyalty_tiers(id),
  direction     text NOT NULL CHECK (direction IN ('up','down','initial')),
  reason        text NOT NULL,
  spend_fen     bigint NOT NULL DEFAULT 0,
  purchases     int NOT NULL DEFAULT 0,
  changed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id)
);
CREATE INDEX loyalty_tier_changes_time_idx ON loyalty_tier_changes (changed_at);

INSERT INTO loyalty_tiers (code, name_zh, name_en, rank) VALUES
  ('regular', '普通', 'Regular', 1), ('silver', '银卡', 'Silver', 2), ('gold', '金卡', 'Gold', 3), ('diamond', '钻石', 'Diamond', 4)
ON CONFLICT DO NOTHING;

INSERT INTO loyalty_programme_versions (version, valid_from, programme, note) VALUES (1, '2000-01-01T00:00:00Z', '{
  "pointValueFen": 1,
  "adjustLimit": 1000,
  "qualification": { "windowMonths": 12, "match": "any" },
  "tierEvaluation": { "schedule": "nightly", "downgradeGraceDays": 30 },
  "tiers": [
    { "code": "regular", "nameZh": "普通", "nameEn": "Regular", "minSpendFen": 0, "minPurchases": 0,
      "benefits": { "pointsMultiplierPct": 100, "discountPct": 0, "birthdayGift": "", "freeSamples": "" } },
    { "code": "silver", "nameZh": "银卡", "nameEn": "Silver", "minSpendFen": 200000, "minPurchases": 6,
      "benefits": { "pointsMultiplierPct": 120, "discountPct": 2, "birthdayGift": "生日小样礼盒", "freeSamples": "每季 1 份小样" } },
    { "code": "gold", "nameZh": "金卡", "nameEn": "Gold", "minSpendFen": 800000, "minPurchases": 15,
      "benefits": { "pointsMultiplierPct": 150, "discountPct": 5, "birthdayGift": "生日正装礼盒", "freeSamples": "每月 1 份小样" } },
    { "code": "diamond", "nameZh": "钻石", "nameEn": "Diamond", "minSpendFen": 2000000, "minPurchases": 30,
      "benefits": { "pointsMultiplierPct": 200, "discountPct": 8, "birthdayGift": "生日专属礼遇", "freeSamples": "每月 2 份小样" } }
  ],
  "earn": { "fenPerPoint": 100, "minSpendFen": 0, "rules": [] },
  "promotions": [],
  "awards": { "signup": 100, "review": 10, "referral": 200 },
  "expiry": { "policy": "end_of_next_year", "months": null }
}', 'default programme');
