export { lookupCustomer, maskCard, type CustomerCard } from './lookup.ts';
export { customerRoutes } from './routes.ts';
export { onCustomerLifecycle, customerLifecycleListeners, type CustomerLifecycleListener } from './events.ts';
export { importRoutes, importJobs } from './import/routes.ts';
