export { segmentRoutes } from './routes.ts';
export { compileFilter, filterFrom, FIELDS, type SegmentFilter, type CompiledFilter } from './filter.ts';
export { refreshDailySegments, refreshSegment, segmentMemberIds } from './service.ts';
export { recordActivity, rebuildActivity, activityOf, type ActivityRow } from './activity.ts';
