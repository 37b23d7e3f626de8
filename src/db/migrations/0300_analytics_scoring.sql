-- Analytics scoring: runs, model fits, and the unlogged working table of the nightly pass.
CREATE TABLE scoring_runs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  status           text NOT NULL CHECK (status IN ('running','succeeded','failed')),
  trigger          text NOT NULL CHECK (trigger IN ('schedule','manual')),
  calibration_end  date NOT NULL,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  customers        int,
  timings          jsonb NOT NULL DEFAULT '{}',
  error            text,
  requested_by     text NOT NULL DEFAULT 'system'
);
-- At most one run at a time: a second start is a conflict.
CREATE UNIQUE INDEX scoring_runs_one_running ON scoring_runs ((true)) WHERE status = 'running';
CREATE INDEX scoring_runs_started_idx ON scoring_runs (started_at DESC);

-- Every fit attempt, converged or not; predictions use the latest converged fit of each model.
CREATE TABLE model_fits (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id       bigint REFERENCES scoring_runs(id),
  model        text NOT NULL CHECK (model IN ('bgnbd','gamma_gamma')),
  params       jsonb NOT NULL,
  log_lik      double precision,
  n            int NOT NULL,
  converged    boolean NOT NULL,
  time_unit    text NOT NULL DEFAULT 'week',
  diagnostics  jsonb NOT NULL DEFAULT '{}',
  fitted_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX model_fits_latest_idx ON model_fits (model, fitted_at DESC, id DESC);

-- Working table of the scoring pass (rebuilt each run; unlogged: nothing here needs to survive a crash).
CREATE UNLOGGED TABLE scoring_summary (
  customer_id       bigint PRIMARY KEY,
  first_day         date NOT NULL,
  last_day          date NOT NULL,
  sale_days         int NOT NULL,
  repeat_value_fen  bigint NOT NULL,
  window_sales      int NOT NULL,
  window_net_fen    bigint NOT NULL,
  tier_position     double precision
);
