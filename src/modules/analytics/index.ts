export { homeFigures } from './home.ts';
export { analyticsRoutes } from './routes.ts';
export { analyticsJobs, SCORING_JOB } from './jobs.ts';
export { runScoring, type ScoringRunReport } from './scoring.ts';
export { RFM_SEGMENTS, OTHER_SEGMENT } from './models/rfm.ts';
