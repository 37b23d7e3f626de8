export { lookupCustomer, maskCard, type CustomerCard } from './lookup.ts';
export { customerRoutes } from './routes.ts';
export { onCustomerLifecycle, customerLifecycleListeners, type CustomerLifecycleListener } from './events.ts';
export { loadCustomer, maskCustomer, type Customer, type Contact } from './profiles.ts';
export { consentState, hasConsent, type ConsentState } from './consents.ts';
export { CHANNELS, type ConsentChannel } from './rules.ts';
export { registerTimelineSource, timelineAt, type TimelineEvent, type TimelineSource } from './timeline.ts';
export { keyFigures, type KeyFigures } from './overview.ts';
