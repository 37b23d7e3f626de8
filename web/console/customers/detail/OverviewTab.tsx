import { useEffect, useRef } from 'react';
import { Card, Col, Empty, Row, Statistic } from 'antd';
import * as echarts from 'echarts';
import { yuan } from '../../api.ts';
import { useT } from '../../i18n.tsx';
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

export function OverviewTab({ figures }: { figures: any }) {
  const { t } = useT();
  const date = (v: string | null) => (v ? new Date(v).toLocaleDateString() : '—');
  const card = (key: string, value: React.ReactNode, testId: string) => (
    <Col xs={24} sm={12} lg={8} xl={6}>
      <Card size="small"><Statistic title={t(key)} value={value as any} valueRender={(n) => <span data-testid={testId}>{n}</span>} /></Card>
    </Col>
  );
  return (
    <>
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
