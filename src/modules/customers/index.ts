export { lookupCustomer, maskCard, type CustomerCard } from './lookup.ts';
export { customerRoutes } from './routes.ts';
export { onCustomerLifecycle, customerLifecycleListeners, type CustomerLifecycleListener } from './events.ts';
export { privacyRoutes, privacyJobs, DUPLICATES_REFRESH_JOB } from './privacy-routes.ts';
export { resolveSurvivor, mergeCustomers, mergesOf, type MergeInput, type MergeRecord } from './merge.ts';
export { refreshDuplicateCandidates, customerSummaries, DUPLICATE_RULES, type CustomerSummary } from './duplicates.ts';
export { eraseCustomer, customerDataExport, ERASED_NAME } from './privacy.ts';
