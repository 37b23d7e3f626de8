export * from './permissions.ts';
export { recordAudit, listAudit, type AuditEntry, type AuditFilter } from './audit.ts';
export {
  ensureFirstAdmin, login, logout, resolveSession, changePassword, listStaff, createStaff, updateStaff,
  createApiKey, listApiKeys, revokeApiKey, resolveApiKey, staffActor, hashPassword, lockMinutes, LOCK_AFTER_FAILURES,
  type StaffAccount, type ApiKeyView,
} from './service.ts';
export { listStores, getStore, createStore, updateStore, type Store, type StoreInput } from './stores.ts';
export { staffRoutes } from './routes.ts';
