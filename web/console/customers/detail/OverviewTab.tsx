import { useEffect, useRef, useState } from 'react';
import { Card, Col, Descriptions, Empty, Row, Statistic, Table, Tag } from 'antd';
import * as echarts from 'echarts';
import { get, yuan } from '../../api.ts';
import { useT } from '../../i18n.tsx';
import { SOURCES, type AttributeDefinition } from '../CustomerForm.tsx';
import './messages.ts';

function CategoryChart({ data }: { data: { category: string; amountFen: number }[] }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current);
    chart.setOption({
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => yuan(Math.round(v * 100)) },
      grid: { left: 80, right: 24, top: 16, bottom: 24 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: data.map((d) => d.category).reverse() },
      series: [{ type: 'bar', data: data.map((d) => d.amountFen / 100).reverse(), itemStyle: { color: '#c2185b' } }],
    });
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [data]);
  return <div ref={ref} style={{ height: 240 }} data-testid="category-chart" />;
}

/** The profile as the API returned it: personal fields arrive masked for roles without customers.pii. */
function ProfileCard({ customer: c }: { customer: any }) {
  const { t, lang } = useT();
  const [stores, setStores] = useState<{ id: number; name: string }[] | null>(null);
  const [defs, setDefs] = useState<AttributeDefinition[]>([]);
  useEffect(() => {
    void get('/api/stores').then((r) => setStores(r.items), () => setStores([]));
    void get('/api/customer-attributes').then((r) => setDefs(r.items), () => setDefs([]));
  }, []);
  const dash = '—';
  const coded = (prefix: string, v: string | null) => (v ? t(`${prefix}.${v}`) : dash);
  const sourceKey = SOURCES.find(([value]) => value === c.source)?.[1];
  const store = c.preferredStoreId == null ? dash : stores === null ? '…' : stores.find((s) => s.id === c.preferredStoreId)?.name ?? `#${c.preferredStoreId}`;
  const label = (key: string) => {
    const d = defs.find((x) => x.key === key);
    return d ? (lang === 'zh' ? d.labelZh : d.labelEn) : key;
  };
  const attributes = Object.entries(c.attributes ?? {}).sort(([a], [b]) => (defs.find((x) => x.key === a)?.position ?? 1e9) - (defs.find((x) => x.key === b)?.position ?? 1e9));
  const item = (key: string, testId: string, value: React.ReactNode) => (
    <Descriptions.Item label={t(key)}><span data-testid={testId}>{value}</span></Descriptions.Item>
  );
  return (
    <Card size="small" title={t('customers.detail.profile')} style={{ marginBottom: 16 }} data-testid="profile-card">
      <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }}>
        {c.kind === 'person' && item('customers.field.gender', 'profile-gender', coded('customers.gender', c.gender))}
        {c.kind === 'person' && item('customers.field.birthday', 'profile-birthday', c.birthday ?? dash)}
        {item('customers.detail.location', 'profile-location', [c.region, c.city].filter(Boolean).join(' · ') || dash)}
        {c.kind === 'person' && item('customers.field.occupation', 'profile-occupation', c.occupation ?? dash)}
        {c.kind === 'person' && item('customers.field.incomeBand', 'profile-income', coded('customers.income', c.incomeBand))}
        {item('customers.field.preferredStoreId', 'profile-store', store)}
        {item('customers.field.preferredChannel', 'profile-channel', coded('customers.channel', c.preferredChannel))}
        {item('customers.field.source', 'profile-source', sourceKey ? t(`customers.source.${sourceKey}`) : c.source ?? dash)}
        {item('customers.field.cardNo', 'profile-card-no', c.cardNo ?? dash)}
        {item('customers.field.tags', 'profile-tags', c.tags.length ? c.tags.map((x: string) => <Tag key={x} color="blue">{x}</Tag>) : dash)}
        <Descriptions.Item label={t('customers.field.notes')} span={{ xs: 1, sm: 2, lg: 3 }}>
          <span data-testid="profile-notes" style={{ whiteSpace: 'pre-wrap' }}>{c.notes ?? dash}</span>
        </Descriptions.Item>
      </Descriptions>
      <Descriptions size="small" title={t('customers.field.attributes')} column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginTop: 8 }}>
        {attributes.length
          ? attributes.map(([k, v]) => <Descriptions.Item key={k} label={label(k)}><span data-testid={`profile-attr-${k}`}>{String(v)}</span></Descriptions.Item>)
          : <Descriptions.Item>{dash}</Descriptions.Item>}
      </Descriptions>
      {c.kind === 'business' && (
        <Table
          rowKey="id" size="small" pagination={false} dataSource={c.contacts ?? []} data-testid="profile-contacts" style={{ marginTop: 8 }}
          title={() => t('customers.field.contacts')}
          columns={[
            { title: t('customers.contact.name'), dataIndex: 'name', render: (n: string, k: any) => <>{n} {k.isPrimary && <Tag color="gold">{t('customers.contact.primary')}</Tag>}</> },
            { title: t('customers.contact.title'), dataIndex: 'title', render: (v: string | null) => v ?? dash },
            { title: t('customers.field.mobile'), dataIndex: 'mobile', render: (v: string | null) => v ?? dash },
            { title: t('customers.field.email'), dataIndex: 'email', render: (v: string | null) => v ?? dash },
          ]}
        />
      )}
    </Card>
  );
}

export function OverviewTab({ customer, figures }: { customer: any; figures: any }) {
  const { t } = useT();
  const date = (v: string | null) => (v ? new Date(v).toLocaleDateString() : '—');
  const card = (key: string, value: React.ReactNode, testId: string) => (
    <Col xs={24} sm={12} lg={8} xl={6}>
      <Card size="small"><Statistic title={t(key)} value={value as any} valueRender={(n) => <span data-testid={testId}>{n}</span>} /></Card>
    </Col>
  );
  return (
    <>
      <ProfileCard customer={customer} />
      <Row gutter={[16, 16]}>
        {card('customers.detail.orders', figures.orderCount, 'fig-orders')}
        {card('customers.detail.totalSpend', yuan(figures.totalSpendFen), 'fig-spend')}
        {card('customers.detail.averageBasket', yuan(figures.averageBasketFen), 'fig-basket')}
        {card('customers.detail.returns', figures.returnCount, 'fig-returns')}
        {card('customers.detail.firstPurchase', date(figures.firstPurchaseAt), 'fig-first')}
        {card('customers.detail.lastPurchase', date(figures.lastPurchaseAt), 'fig-last')}
        {card('customers.detail.favouriteStore', figures.favouriteStore?.name ?? '—', 'fig-store')}
      </Row>
      <Card size="small" title={t('customers.detail.favouriteCategories')} style={{ marginTop: 16 }}>
        {figures.favouriteCategories.length ? <CategoryChart data={figures.favouriteCategories} /> : <Empty description={t('customers.detail.noPurchases')} />}
      </Card>
    </>
  );
}
