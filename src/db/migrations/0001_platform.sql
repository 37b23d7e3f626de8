-- Platform: stores, staff accounts, sessions, API keys, audit log.
CREATE TABLE stores (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL UNIQUE,
  name        text NOT NULL,
  city        text NOT NULL DEFAULT '',
  region      text NOT NULL DEFAULT '',
  address     text NOT NULL DEFAULT '',
  timezone    text NOT NULL DEFAULT 'Asia/Shanghai',
  opened_on   date,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_accounts (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username              text NOT NULL,
  display_name          text NOT NULL,
  role                  text NOT NULL CHECK (role IN ('admin','manager','marketer','agent','store_staff','analyst')),
  store_ids             bigint[] NOT NULL DEFAULT '{}',
  password_hash         text NOT NULL,
  must_change_password  boolean NOT NULL DEFAULT false,
  active                boolean NOT NULL DEFAULT true,
  failed_logins         int NOT NULL DEFAULT 0,
  locked_until          timestamptz,
  last_login_at         timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_accounts_username_key ON staff_accounts (lower(username));

CREATE TABLE staff_sessions (
  token_hash    text PRIMARY KEY,
  staff_id      bigint NOT NULL REFERENCES staff_accounts(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ip            text,
  user_agent    text
);
CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id);

CREATE TABLE api_keys (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL,
  prefix        text NOT NULL UNIQUE,
  key_hash      text NOT NULL,
  scopes        text[] NOT NULL,
  store_ids     bigint[] NOT NULL DEFAULT '{}',
  created_by    bigint REFERENCES staff_accounts(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  revoked_by    bigint REFERENCES staff_accounts(id),
  last_used_at  timestamptz
);

-- Append-only: who saw or changed what.
CREATE TABLE audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_kind   text NOT NULL CHECK (actor_kind IN ('staff','api_key','member','system')),
  actor_id     bigint,
  actor_name   text NOT NULL DEFAULT '',
  action       text NOT NULL,
  entity       text NOT NULL,
  entity_id    text,
  customer_id  bigint,
  details      jsonb NOT NULL DEFAULT '{}',
  request_id   text,
  ip           text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_customer_idx ON audit_log (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX audit_log_actor_idx ON audit_log (actor_kind, actor_id);

-- Replays of retried writes (POS, webhooks, imports) return the first answer.
CREATE TABLE idempotency_keys (
  scope        text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status_code  int NOT NULL,
  response     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

CREATE TABLE settings (
  key         text PRIMARY KEY,
  value       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
