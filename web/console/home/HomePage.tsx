import { lazy, Suspense } from 'react';
import { Alert, Card, Col, Row, Statistic, Typography } from 'antd';
import { yuan } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { useApi } from '../shell/useApi.ts';
import type { DailySales } from './days.ts';

// ECharts is large: load it after the figures, in its own chunk.
const SalesChart = lazy(() => import('./SalesChart.tsx').then((m) => ({ default: m.SalesChart })));

defineMessages({
  'home.title': { zh: '概览', en: 'Overview' },
  'home.customers': { zh: '会员总数', en: 'Members' },
  'home.newCustomers': { zh: '近 30 天新会员', en: 'New members, 30 days' },
  'home.stores': { zh: '门店', en: 'Stores' },
  'home.products': { zh: '商品', en: 'Products' },
  'home.purchases': { zh: '近 30 天订单', en: 'Purchases, 30 days' },
  'home.sales': { zh: '近 30 天销售额', en: 'Sales, 30 days' },
  'home.buyers': { zh: '近 30 天购买会员', en: 'Buying members, 30 days' },
  'home.staff': { zh: '员工账号', en: 'Staff accounts' },
  'home.daily': { zh: '近 30 天每日销售', en: 'Daily sales, last 30 days' },
  'home.dailySales': { zh: '销售额（元）', en: 'Sales (¥)' },
  'home.dailyPurchases': { zh: '订单数', en: 'Purchases' },
});

interface Figures {
  customers: number;
  newCustomers30d: number;
  stores: number;
  products: number;
  staff: number;
  purchases30d: number;
  sales30dFen: number;
  buyers30d: number;
  daily: DailySales[];
}

export function HomePage() {
  const { t } = useT();
  const { data: f, error } = useApi<Figures>('/api/home');
  const stat = (key: string, value: number | string | undefined, testId: string) => (
    <Col xs={24} sm={12} lg={6}>
      <Card>
        <Statistic title={t(key)} value={value ?? '—'} loading={!f && !error} valueRender={(n) => <span data-testid={testId}>{n}</span>} />
      </Card>
    </Col>
  );
  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }} data-testid="page-title">{t('home.title')}</Typography.Title>
      {error && <Alert type="error" showIcon title={t('common.loadFailed', { message: error.message })} style={{ marginBottom: 16 }} />}
      <Row gutter={[16, 16]}>
        {stat('home.customers', f?.customers, 'home-customers')}
        {stat('home.newCustomers', f?.newCustomers30d, 'home-new-customers')}
        {stat('home.purchases', f?.purchases30d, 'home-purchases')}
        {stat('home.sales', f ? yuan(f.sales30dFen) : undefined, 'home-sales')}
        {stat('home.buyers', f?.buyers30d, 'home-buyers')}
        {stat('home.stores', f?.stores, 'home-stores')}
        {stat('home.products', f?.products, 'home-products')}
        {stat('home.staff', f?.staff, 'home-staff')}
      </Row>
      <Card title={t('home.daily')} style={{ marginTop: 16 }}>
        <Suspense fallback={<div style={{ height: 320 }} />}>
          <SalesChart daily={f?.daily ?? []} labels={{ sales: t('home.dailySales'), purchases: t('home.dailyPurchases') }} />
        </Suspense>
      </Card>
    </>
  );
}
