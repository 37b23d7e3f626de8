import { Select, Tag } from 'antd';
import { defineMessages, useT } from '../i18n.tsx';
import { useApi } from '../shell/useApi.ts';

defineMessages({
  'admin.perm.customers.read': { zh: '查看会员', en: 'Read members' },
  'admin.perm.customers.pii': { zh: '查看会员个人信息', en: 'See members’ personal data' },
  'admin.perm.customers.write': { zh: '编辑会员', en: 'Edit members' },
  'admin.perm.customers.import': { zh: '导入会员', en: 'Import members' },
  'admin.perm.customers.export': { zh: '导出会员', en: 'Export members' },
  'admin.perm.customers.erase': { zh: '注销会员数据', en: 'Erase members' },
  'admin.perm.sales.read': { zh: '查看销售', en: 'Read sales' },
  'admin.perm.sales.write': { zh: '录入销售', en: 'Record sales' },
  'admin.perm.catalog.manage': { zh: '管理门店与商品', en: 'Manage stores and products' },
  'admin.perm.loyalty.read': { zh: '查看积分', en: 'Read loyalty' },
  'admin.perm.loyalty.redeem': { zh: '积分兑换', en: 'Redeem points' },
  'admin.perm.loyalty.adjust': { zh: '调整积分', en: 'Adjust points' },
  'admin.perm.loyalty.adjust_large': { zh: '大额调整积分', en: 'Large point adjustments' },
  'admin.perm.loyalty.configure': { zh: '配置积分规则', en: 'Configure loyalty' },
  'admin.perm.segments.read': { zh: '查看人群', en: 'Read segments' },
  'admin.perm.segments.manage': { zh: '管理人群', en: 'Manage segments' },
  'admin.perm.analytics.read': { zh: '查看分析', en: 'Read analytics' },
  'admin.perm.service.read': { zh: '查看服务工单', en: 'Read service tickets' },
  'admin.perm.service.handle': { zh: '处理服务工单', en: 'Handle service tickets' },
  'admin.perm.engagement.manage': { zh: '管理营销活动', en: 'Manage engagement' },
  'admin.perm.staff.manage': { zh: '管理员工账号', en: 'Manage staff' },
  'admin.perm.apikeys.manage': { zh: '管理 API 密钥', en: 'Manage API keys' },
  'admin.perm.audit.read': { zh: '查看审计日志', en: 'Read the audit log' },
});

export interface StoreRow {
  id: number;
  code: string;
  name: string;
  city: string;
  region: string;
  address: string;
  timezone: string;
  openedOn: string | null;
  active: boolean;
}

export interface RolesMeta {
  roles: { name: string; permissions: string[] }[];
  permissions: string[];
  apiKeyScopes: string[];
}

/** The stores, for pickers and for showing store names instead of ids. */
export function useStores() {
  const { data, ...rest } = useApi<{ items: StoreRow[] }>('/api/stores');
  const stores = data?.items ?? [];
  const byId = new Map(stores.map((s) => [s.id, s]));
  return { stores, byId, ...rest };
}

export function StoreTags({ ids, byId }: { ids: number[]; byId: Map<number, StoreRow> }) {
  const { t } = useT();
  if (!ids.length) return <Tag>{t('common.allStores')}</Tag>;
  return (
    <>
      {ids.map((id) => (
        <Tag key={id}>{byId.get(id)?.name ?? `#${id}`}</Tag>
      ))}
    </>
  );
}

export function StoreSelect({ stores, ...props }: { stores: StoreRow[]; value?: number[]; onChange?: (v: number[]) => void; placeholder?: string; 'data-testid'?: string }) {
  return (
    <Select
      mode="multiple"
      allowClear
      optionFilterProp="label"
      options={stores.map((s) => ({ value: s.id, label: `${s.name} (${s.code})`, disabled: !s.active }))}
      {...props}
    />
  );
}
