-- Per-customer scores, recomputed nightly and on demand by the analytics module; read by segments.
CREATE TABLE customer_scores (
  customer_id             bigint PRIMARY KEY REFERENCES customers(id),
  recency_days            int,
  frequency               int NOT NULL DEFAULT 0,
  monetary_fen            bigint NOT NULL DEFAULT 0,
  r_score                 smallint,
  f_score                 smallint,
  m_score                 smallint,
  rfm_score               smallint,
  rfm_segment             text,
  value_grade             text CHECK (value_grade IN ('high','medium','low')),
  p_alive                 double precision,
  expected_purchases_12m  double precision,
  expected_spend_fen      bigint,
  clv_fen                 bigint,
  churn_risk              text CHECK (churn_risk IN ('low','medium','high')),
  overdue_days            int,
  computed_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_scores_segment_idx ON customer_scores (rfm_segment);
CREATE INDEX customer_scores_grade_idx ON customer_scores (value_grade);
CREATE INDEX customer_scores_risk_idx ON customer_scores (churn_risk);
