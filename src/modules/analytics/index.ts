export { homeFigures } from './home.ts';
export { analyticsRoutes } from './routes.ts';
export { analyticsJobs, SCORING_JOB } from './jobs.ts';
export { runScoring, type ScoringRunReport } from './scoring.ts';
export { RFM_SEGMENTS } from './models/rfm.ts';
export { takeScoreSnapshot } from './insights.ts';
