-- Rewards on top of the points ledger: coupons, the redemption catalogue, birthday/holiday perks, referrals.

-- What a coupon gives and where it is valid; issued coupons copy their validity window at issue time.
CREATE TABLE coupon_templates (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name_zh          text NOT NULL,
  name_en          text NOT NULL DEFAULT '',
  kind             text NOT NULL CHECK (kind IN ('amount','percent','gift')),
  amount_off_fen   bigint CHECK (amount_off_fen > 0),
  percent_off      int CHECK (percent_off BETWEEN 1 AND 100),
  gift_name        text,
  min_spend_fen    bigint NOT NULL DEFAULT 0 CHECK (min_spend_fen >= 0),
  valid_from       timestamptz,
  valid_to         timestamptz,
  valid_days       int CHECK (valid_days > 0),
  categories       text[] NOT NULL DEFAULT '{}',
  store_ids        bigint[] NOT NULL DEFAULT '{}',
  channels         text[] NOT NULL DEFAULT '{}',
  tier_codes       text[] NOT NULL DEFAULT '{}',
  total_limit      int CHECK (total_limit >= 0),
  per_member_limit int CHECK (per_member_limit > 0),
  issued_count     int NOT NULL DEFAULT 0,
  active           boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from),
  CHECK (valid_days IS NOT NULL OR valid_to IS NOT NULL),
  CHECK (total_limit IS NULL OR issued_count <= total_limit)
);

-- One coupon per row; (customer_id, template_id, ref_type, ref_id) makes issuing by reference idempotent.
CREATE TABLE coupons (
  customer_id    bigint NOT NULL,
  id             bigint GENERATED ALWAYS AS IDENTITY,
  template_id    bigint NOT NULL REFERENCES coupon_templates(id),
  code           text NOT NULL,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active','used','void')),
  valid_from     timestamptz NOT NULL,
  valid_to       timestamptz NOT NULL,
  reason         text NOT NULL,
  ref_type       text NOT NULL,
  ref_id         text NOT NULL,
  issued_by      text NOT NULL DEFAULT 'system',
  issued_at      timestamptz NOT NULL DEFAULT now(),
  used_at        timestamptz,
  used_store_id  bigint,
  used_channel   text,
  used_reference text,
  discount_fen   bigint,
  voided_at      timestamptz,
  void_reason    text,
  PRIMARY KEY (customer_id, id),
  CHECK (valid_to > valid_from)
);
CREATE UNIQUE INDEX coupons_issue_ref_key ON coupons (customer_id, template_id, ref_type, ref_id);
CREATE INDEX coupons_template_idx ON coupons (template_id);
-- Codes are looked up without the customer at the till: a lookup table keyed by the code (distributed by its own key on Citus).
CREATE TABLE coupon_codes (
  code         text PRIMARY KEY,
  customer_id  bigint NOT NULL,
  coupon_id    bigint NOT NULL
);

-- Gifts and coupons priced in points; stock never goes below zero.
CREATE TABLE loyalty_catalogue_items (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('gift','coupon')),
  name_zh          text NOT NULL,
  name_en          text NOT NULL DEFAULT '',
  points           bigint NOT NULL CHECK (points > 0),
  stock            int NOT NULL CHECK (stock >= 0),
  template_id      bigint REFERENCES coupon_templates(id),
  per_member_limit int CHECK (per_member_limit > 0),
  active           boolean NOT NULL DEFAULT true,
  active_from      timestamptz,
  active_to        timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'coupon' OR template_id IS NOT NULL),
  CHECK (active_to IS NULL OR active_from IS NULL OR active_to > active_from)
);

CREATE TABLE loyalty_redemptions (
  customer_id   bigint NOT NULL,
  id            bigint GENERATED ALWAYS AS IDENTITY,
  item_id       bigint NOT NULL REFERENCES loyalty_catalogue_items(id),
  quantity      int NOT NULL CHECK (quantity > 0),
  points        bigint NOT NULL CHECK (points > 0),
  status        text NOT NULL DEFAULT 'done' CHECK (status IN ('done','cancelled')),
  coupon_ids    bigint[] NOT NULL DEFAULT '{}',
  created_by    text NOT NULL DEFAULT 'system',
  created_at    timestamptz NOT NULL DEFAULT now(),
  cancelled_at  timestamptz,
  cancel_reason text,
  PRIMARY KEY (customer_id, id)
);
CREATE INDEX loyalty_redemptions_item_idx ON loyalty_redemptions (item_id, customer_id) WHERE status = 'done';

-- Perks: the birthday gift per tier, and holidays a marketer configures.
CREATE TABLE loyalty_birthday_perks (
  tier_code    text PRIMARY KEY,
  points       bigint NOT NULL DEFAULT 0 CHECK (points >= 0),
  template_id  bigint REFERENCES coupon_templates(id),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE loyalty_holidays (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code         text NOT NULL UNIQUE,
  name_zh      text NOT NULL,
  name_en      text NOT NULL DEFAULT '',
  day          date NOT NULL,
  tier_codes   text[] NOT NULL DEFAULT '{}',
  points       bigint NOT NULL DEFAULT 0 CHECK (points >= 0),
  template_id  bigint REFERENCES coupon_templates(id),
  active       boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (points > 0 OR template_id IS NOT NULL)
);
CREATE INDEX loyalty_holidays_day_idx ON loyalty_holidays (day) WHERE active;

-- Once per member per occasion and year, however often the job runs.
CREATE TABLE loyalty_perk_grants (
  customer_id  bigint NOT NULL,
  occasion     text NOT NULL,
  year         int NOT NULL,
  points       bigint NOT NULL DEFAULT 0,
  template_id  bigint,
  granted_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, occasion, year)
);
CREATE INDEX loyalty_perk_grants_time_idx ON loyalty_perk_grants (granted_at);

-- A member's own referral code, made on first request; a lookup table keyed by the code.
CREATE TABLE loyalty_referral_codes (
  code         text PRIMARY KEY,
  customer_id  bigint NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Who brought whom: one row per referred member (customer_id is the referee).
CREATE TABLE loyalty_referrals (
  customer_id          bigint NOT NULL PRIMARY KEY,
  referrer_id          bigint NOT NULL,
  code                 text NOT NULL,
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','rewarded')),
  linked_at            timestamptz NOT NULL DEFAULT now(),
  qualifying_purchase_id bigint,
  rewarded_at          timestamptz,
  CHECK (customer_id <> referrer_id)
);
CREATE INDEX loyalty_referrals_referrer_idx ON loyalty_referrals (referrer_id);
CREATE INDEX loyalty_referrals_pending_idx ON loyalty_referrals (linked_at) WHERE status = 'pending';
CREATE INDEX customers_registered_idx ON customers (registered_at);
CREATE INDEX customers_birthday_md_idx ON customers ((extract(month FROM birthday)), (extract(day FROM birthday))) WHERE birthday IS NOT NULL AND status = 'active';
