export const ROLES = ['admin', 'manager', 'marketer', 'agent', 'store_staff', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'customers.read',
  'customers.pii',
  'customers.write',
  'customers.import',
  'customers.export',
  'customers.erase',
  /** Define custom customer attributes (admin only). */
  'customers.configure',
  'sales.read',
  'sales.write',
  'catalog.manage',
  'loyalty.read',
  'loyalty.redeem',
  'loyalty.adjust',
  'loyalty.adjust_large',
  'loyalty.configure',
  /** Award points for purchases loaded without the booking API (admin only). */
  'loyalty.backfill',
  'segments.read',
  'segments.manage',
  'analytics.read',
  'service.read',
  'service.handle',
  'engagement.manage',
  'staff.manage',
  'apikeys.manage',
  'audit.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const all = new Set<Permission>(PERMISSIONS);

/** Least privilege: each role gets what its daily work needs, nothing more. */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: all,
  manager: new Set<Permission>([
    'customers.read', 'customers.pii', 'customers.write', 'customers.import', 'customers.export', 'customers.erase',
    'sales.read', 'sales.write', 'catalog.manage',
    'loyalty.read', 'loyalty.redeem', 'loyalty.adjust', 'loyalty.adjust_large', 'loyalty.configure',
    'segments.read', 'segments.manage', 'analytics.read', 'service.read', 'service.handle', 'engagement.manage', 'audit.read',
  ]),
  marketer: new Set<Permission>([
    'customers.read', 'customers.export', 'sales.read', 'loyalty.read', 'loyalty.configure',
    'segments.read', 'segments.manage', 'analytics.read', 'engagement.manage',
  ]),
  agent: new Set<Permission>([
    'customers.read', 'customers.pii', 'customers.write', 'sales.read', 'loyalty.read', 'loyalty.adjust',
    'service.read', 'service.handle',
  ]),
  store_staff: new Set<Permission>([
    'customers.read', 'customers.write', 'sales.read', 'sales.write', 'loyalty.read', 'loyalty.redeem', 'loyalty.adjust', 'service.read',
  ]),
  analyst: new Set<Permission>(['customers.read', 'sales.read', 'loyalty.read', 'segments.read', 'analytics.read', 'service.read']),
};

/** API keys may carry only these scopes: what an integration (POS, shop, warehouse) calls. */
export const API_KEY_SCOPES: Permission[] = [
  'customers.read', 'customers.pii', 'customers.write', 'customers.import', 'customers.export',
  'sales.read', 'sales.write', 'catalog.manage', 'loyalty.read', 'loyalty.redeem', 'segments.read', 'analytics.read',
];

export interface Actor {
  kind: 'staff' | 'api_key' | 'system';
  id: number | null;
  name: string;
  role: Role | null;
  /** Empty means every store. */
  storeIds: number[];
  permissions: ReadonlySet<Permission>;
  requestId?: string;
  ip?: string;
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: null, name: 'system', role: null, storeIds: [], permissions: all };

export const can = (actor: Actor, p: Permission) => actor.permissions.has(p);

/** True when the actor may act for this store (store staff are scoped to theirs). */
export const inStoreScope = (actor: Actor, storeId: number | null | undefined) =>
  actor.storeIds.length === 0 || (storeId != null && actor.storeIds.includes(storeId));
