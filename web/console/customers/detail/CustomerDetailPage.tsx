import { useCallback, useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { Alert, Card, Descriptions, Space, Spin, Tabs, Tag, Typography } from 'antd';
import { get } from '../../api.ts';
import { useT } from '../../i18n.tsx';
import { CustomerForm } from '../CustomerForm.tsx';
import { OverviewTab } from './OverviewTab.tsx';
import { ConsentBadges } from './ConsentBadges.tsx';
import { TimelineTab } from './TimelineTab.tsx';
import { ConsentsTab } from './ConsentsTab.tsx';
import { CustomerPrivacyActions } from '../privacy/CustomerPrivacyActions.tsx';
import { MemberLoyaltyPanel } from '../../loyalty/MemberLoyaltyPanel.tsx';
import { useSession } from '../../shell/session.tsx';
import './messages.ts';

/** Customer 360: one call for the profile, consents, figures and the first timeline page; tabs live in this folder. */
export function CustomerDetailPage() {
  const { t, lang } = useT();
  const { can } = useSession();
  const { id } = useParams();
  const [loyalty, setLoyalty] = useState<{ tier: { nameZh: string; nameEn: string } | null; balance: number } | null>(null);
  const [data, setData] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState('overview');
  const [loads, setLoads] = useState(0);
  const load = useCallback(async () => {
    try {
      setData(await get(`/api/customers/${id}/360`));
      setLoads((n) => n + 1);
      if (can('loyalty.read')) setLoyalty(await get(`/api/loyalty/members/${id}`).catch(() => null));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [id]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    setData(null);
    void load();
  }, [load]);
  if (error) return <Alert type="error" title={error} showIcon />;
  if (!data) return <Spin />;
  const c = data.customer;
  return (
    <>
      <Card style={{ marginBottom: 16 }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', flexWrap: 'wrap', gap: 8 }}>
          <Space align="baseline" wrap>
            <Typography.Title level={3} style={{ margin: 0 }} data-testid="customer-name-title">{c.name}</Typography.Title>
            <Tag color="magenta">{t(`customers.kind.${c.kind}`)}</Tag>
            <Tag data-testid="customer-tier" color={loyalty?.tier ? 'gold' : undefined}>
              {t('customers.detail.tier')}: {loyalty?.tier ? (lang === 'zh' ? loyalty.tier.nameZh : loyalty.tier.nameEn) : t('customers.detail.tierNone')}
              {loyalty ? ` · ${loyalty.balance.toLocaleString()} ${t('customers.detail.points')}` : ''}
            </Tag>
            {c.status !== 'active' && <Tag color="red">{t(`customers.detail.status.${c.status}`)}</Tag>}
            {c.tags.map((x: string) => <Tag key={x} color="blue">{x}</Tag>)}
          </Space>
          <CustomerPrivacyActions customerId={c.id} onErased={() => void load()} />
        </div>
        <Descriptions size="small" style={{ marginTop: 12 }} column={{ xs: 1, sm: 2, lg: 4 }}>
          <Descriptions.Item label={t('customers.field.mobile')}><span data-testid="customer-mobile-view">{c.mobile ?? '—'}</span></Descriptions.Item>
          <Descriptions.Item label={t('customers.field.email')}><span data-testid="customer-email-view">{c.email ?? '—'}</span></Descriptions.Item>
          <Descriptions.Item label={t('customers.field.cardNo')}>{c.cardNo ?? '—'}</Descriptions.Item>
        </Descriptions>
        <ConsentBadges current={data.consents.current} />
      </Card>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'overview', label: t('customers.detail.tab.overview'), children: <OverviewTab customer={c} figures={data.figures} /> },
          { key: 'timeline', label: t('customers.detail.tab.timeline'), children: <TimelineTab key={loads} customerId={c.id} first={data.timeline} /> },
          { key: 'profile', label: t('customers.detail.tab.profile'), children: <Card><CustomerForm customer={c} onSaved={() => void load()} /></Card> },
          { key: 'consents', label: t('customers.detail.tab.consents'), children: <ConsentsTab customerId={c.id} consents={data.consents} onChanged={() => void load()} /> },
          ...(can('loyalty.read') && c.status === 'active'
            ? [{ key: 'loyalty', label: t('customers.detail.tab.loyalty'), children: <MemberLoyaltyPanel key={loads} customerId={c.id} /> }]
            : []),
        ]}
      />
    </>
  );
}
