-- One row per business day: how the customer base scored that day, for trend charts.
CREATE TABLE analytics_score_snapshots (
  day              date PRIMARY KEY,
  customers        int NOT NULL,
  churn_high       int NOT NULL,
  churn_medium     int NOT NULL,
  churn_low        int NOT NULL,
  value_high       int NOT NULL,
  value_medium     int NOT NULL,
  value_low        int NOT NULL,
  clv_total_fen    bigint NOT NULL,
  taken_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_scores_clv_idx ON customer_scores (clv_fen DESC NULLS LAST);
