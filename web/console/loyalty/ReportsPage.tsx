import { useEffect, useRef, useState } from 'react';
import { Card, Col, DatePicker, Row, Space, Statistic, Table, Typography } from 'antd';
import * as echarts from 'echarts';
import dayjs, { type Dayjs } from 'dayjs';
import { get, yuan } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { ReferralRateCard } from './rewards/PerksPage.tsx';

defineMessages({
  'loyalty.reports.title': { zh: '积分报表', en: 'Loyalty reports' },
  'loyalty.reports.outstanding': { zh: '未兑换积分', en: 'Outstanding points' },
  'loyalty.reports.liability': { zh: '积分负债', en: 'Liability' },
  'loyalty.reports.members': { zh: '积分会员', en: 'Members with an account' },
  'loyalty.reports.flow': { zh: '每月积分发放与消耗', en: 'Points issued and used per month' },
  'loyalty.reports.issued': { zh: '发放', en: 'Issued' },
  'loyalty.reports.redeemed': { zh: '兑换', en: 'Redeemed' },
  'loyalty.reports.expired': { zh: '过期', en: 'Expired' },
  'loyalty.reports.reversed': { zh: '退货扣回', en: 'Taken back' },
  'loyalty.reports.adjustedDown': { zh: '调减', en: 'Adjusted down' },
  'loyalty.reports.month': { zh: '月份', en: 'Month' },
  'loyalty.reports.tiers': { zh: '等级分布', en: 'Tier distribution' },
  'loyalty.reports.movements': { zh: '等级变动', en: 'Tier movements' },
  'loyalty.reports.upgrades': { zh: '升级', en: 'Upgrades' },
  'loyalty.reports.downgrades': { zh: '降级', en: 'Downgrades' },
});

function Chart({ option, testId }: { option: echarts.EChartsCoreOption; testId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current);
    chart.setOption(option);
    const onResize = () => chart.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.dispose();
    };
  }, [option]);
  return <div ref={ref} style={{ height: 320 }} data-testid={testId} />;
}

export function LoyaltyReportsPage() {
  const { t, lang } = useT();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(11, 'month').startOf('month'), dayjs().endOf('month')]);
  const [r, setR] = useState<any>(null);
  useEffect(() => {
    void get(`/api/loyalty/reports?from=${range[0].format('YYYY-MM-DD')}&to=${range[1].format('YYYY-MM-DD')}`).then(setR);
  }, [range]);
  const kinds = ['issued', 'redeemed', 'expired', 'reversed', 'adjustedDown'];
  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('loyalty.reports.title')}</Typography.Title>
        <DatePicker.RangePicker picker="month" value={range} onChange={(v) => v?.[0] && v[1] && setRange([v[0].startOf('month'), v[1].endOf('month')])} allowClear={false} />
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={8}><Card><Statistic title={t('loyalty.reports.outstanding')} value={r?.outstanding.points ?? '—'} loading={!r} valueRender={(v) => <span data-testid="report-outstanding">{v}</span>} /></Card></Col>
        <Col xs={24} md={8}><Card><Statistic title={t('loyalty.reports.liability')} value={r ? yuan(r.outstanding.valueFen) : '—'} loading={!r} /></Card></Col>
        <Col xs={24} md={8}><Card><Statistic title={t('loyalty.reports.members')} value={r?.outstanding.members ?? '—'} loading={!r} /></Card></Col>
        <Col xs={24}>
          <Card title={t('loyalty.reports.flow')}>
            {r && <Chart testId="report-flow-chart" option={{
              tooltip: { trigger: 'axis' },
              legend: { data: kinds.map((k) => t(`loyalty.reports.${k}`)) },
              xAxis: { type: 'category', data: r.months.map((m: any) => m.month) },
              yAxis: { type: 'value' },
              series: kinds.map((k) => ({ name: t(`loyalty.reports.${k}`), type: 'bar', stack: k === 'issued' ? 'in' : 'out', data: r.months.map((m: any) => m[k]) })),
            }} />}
            {r && <Table size="small" rowKey="month" pagination={false} dataSource={r.months} data-testid="report-months" columns={[
              { title: t('loyalty.reports.month'), dataIndex: 'month' },
              ...kinds.map((k) => ({ title: t(`loyalty.reports.${k}`), dataIndex: k, align: 'right' as const })),
            ]} />}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('loyalty.reports.tiers')}>
            {r && <Chart testId="report-tier-chart" option={{
              tooltip: { trigger: 'item' },
              series: [{ type: 'pie', radius: ['40%', '70%'], data: r.tiers.map((x: any) => ({ name: lang === 'zh' ? x.nameZh : x.nameEn, value: x.members })) }],
            }} />}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('loyalty.reports.movements')}>
            {r && <Chart testId="report-movement-chart" option={{
              tooltip: { trigger: 'axis' },
              legend: { data: [t('loyalty.reports.upgrades'), t('loyalty.reports.downgrades')] },
              xAxis: { type: 'category', data: r.movements.map((m: any) => m.month) },
              yAxis: { type: 'value' },
              series: [
                { name: t('loyalty.reports.upgrades'), type: 'line', data: r.movements.map((m: any) => m.upgrades) },
                { name: t('loyalty.reports.downgrades'), type: 'line', data: r.movements.map((m: any) => m.downgrades) },
              ],
            }} />}
          </Card>
        </Col>
      </Row>
      <div style={{ marginTop: 16 }}><ReferralRateCard /></div>
    </>
  );
}
