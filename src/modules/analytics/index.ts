export { homeFigures } from './home.ts';
export { analyticsRoutes } from './routes.ts';
export { takeScoreSnapshot } from './insights.ts';
