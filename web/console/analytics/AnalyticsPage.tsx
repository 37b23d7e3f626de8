import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Card, Col, Empty, Row, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { get, yuan } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import { EChart } from '../shell/EChart.tsx';
import { ModelsCard } from './ModelsCard.tsx';
import { ScoringSettingsCard } from './ScoringSettingsCard.tsx';

defineMessages({
  'nav.analytics': { zh: '客户价值分析', en: 'Customer value' },
  'an.title': { zh: '客户价值与流失预警', en: 'Customer value and churn warning' },
  'an.scored': { zh: '已评分客户', en: 'Scored customers' },
  'an.clvTotal': { zh: '预测总价值 (CLV)', en: 'Predicted value (CLV), total' },
  'an.computedAt': { zh: '评分时间', en: 'Scored at' },
  'an.rfmGrid': { zh: 'RFM 矩阵（最近购买 × 购买频次）', en: 'RFM grid (recency × frequency)' },
  'an.recency': { zh: '最近购买得分 R', en: 'Recency score R' },
  'an.frequency': { zh: '购买频次得分 F', en: 'Frequency score F' },
  'an.customers': { zh: '客户数', en: 'Customers' },
  'an.spend': { zh: '消费额', en: 'Spend' },
  'an.segments': { zh: 'RFM 分群', en: 'RFM segments' },
  'an.valueGrades': { zh: '价值等级分布', en: 'Value grades' },
  'an.churnRisk': { zh: '流失风险分布', en: 'Churn risk' },
  'an.clvHistogram': { zh: '预测价值分布', en: 'Predicted value distribution' },
  'an.trend': { zh: '流失风险趋势', en: 'Churn risk over time' },
  'an.atRisk': { zh: '流失预警名单（按风险价值排序）', en: 'At-risk customers (by value at risk)' },
  'an.store': { zh: '门店', en: 'Store' },
  'an.segment': { zh: '分群', en: 'Segment' },
  'an.risk': { zh: '风险', en: 'Risk' },
  'an.all': { zh: '全部', en: 'All' },
  'an.valueAtRisk': { zh: '风险价值', en: 'Value at risk' },
  'an.pAlive': { zh: '活跃概率', en: 'P(active)' },
  'an.overdue': { zh: '逾期天数', en: 'Days overdue' },
  'an.recencyDays': { zh: '距上次购买(天)', en: 'Days since purchase' },
  'an.export': { zh: '导出名单', en: 'Export list' },
  'an.noScores': { zh: '还没有评分结果：评分任务每晚运行，也可由经理立即运行。', en: 'No scores yet: scoring runs nightly, or a manager can run it now.' },
  'an.high': { zh: '高', en: 'High' },
  'an.medium': { zh: '中', en: 'Medium' },
  'an.low': { zh: '低', en: 'Low' },
  'an.value.high': { zh: '高价值', en: 'High value' },
  'an.value.medium': { zh: '中价值', en: 'Medium value' },
  'an.value.low': { zh: '低价值', en: 'Low value' },
});

const RISK_COLOURS: Record<string, string> = { high: 'red', medium: 'orange', low: 'green' };

export function AnalyticsPage() {
  const { t, lang } = useT();
  const { can } = useSession();
  const [grid, setGrid] = useState<any>(null);
  const [dist, setDist] = useState<any>(null);
  const [trend, setTrend] = useState<any[]>([]);
  const [stores, setStores] = useState<any[]>([]);
  const [segments, setSegments] = useState<any[]>([]);
  const [segmentNames, setSegmentNames] = useState<Map<string, { nameZh: string; nameEn: string }>>(new Map());
  const segmentName = (code: string | null) => {
    const n = code ? segmentNames.get(code) : undefined;
    return n ? (lang === 'zh' ? n.nameZh : n.nameEn) : (code ?? '—');
  };
  const [filter, setFilter] = useState<{ storeId?: number; segmentId?: number; risk?: string }>({});
  const [atRisk, setAtRisk] = useState<{ total: number; items: any[] } | null>(null);
  const [page, setPage] = useState(1);
  const pageSize = 20;

  const [scoredAt, setScoredAt] = useState(0);
  useEffect(() => {
    void get('/api/analytics/rfm-grid').then(setGrid);
    void get('/api/analytics/value-distribution').then(setDist);
    void get('/api/analytics/score-trend?days=180').then((r) => setTrend(r.items));
  }, [scoredAt]);
  useEffect(() => {
    void get('/api/stores').then((r) => setStores(r.items));
    void get('/api/analytics/rfm-segments').then((r) => setSegmentNames(new Map(r.segments.map((x: any) => [x.code, x]))));
    if (can('segments.read')) void get('/api/segments').then((r) => setSegments(r.items));
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const query = useMemo(() => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v != null) p.set(k, String(v));
    return p.toString();
  }, [filter]);
  useEffect(() => {
    setAtRisk(null);
    void get(`/api/analytics/at-risk?${query}&limit=${pageSize}&afterRank=${(page - 1) * pageSize}`).then(setAtRisk);
  }, [query, page, scoredAt]);

  const heatmap = useMemo(() => {
    const cells = grid?.cells ?? [];
    return {
      tooltip: { formatter: (p: any) => `R${p.value[1]} × F${p.value[0]}<br/>${t('an.customers')}: ${p.value[2].toLocaleString()}<br/>${t('an.spend')}: ${yuan(p.value[3])}` },
      grid: { left: 60, right: 20, top: 10, bottom: 50 },
      xAxis: { type: 'category', name: t('an.frequency'), nameLocation: 'middle', nameGap: 30, data: ['1', '2', '3', '4', '5'] },
      yAxis: { type: 'category', name: t('an.recency'), nameLocation: 'middle', nameGap: 40, data: ['1', '2', '3', '4', '5'] },
      visualMap: { dimension: 2, min: 0, max: Math.max(1, ...cells.map((c: any) => c.customers)), calculable: false, orient: 'horizontal', left: 'center', bottom: 0, show: false, inRange: { color: ['#fff5f8', '#c2185b'] } },
      series: [{ type: 'heatmap', data: cells.map((c: any) => [String(c.f), String(c.r), c.customers, c.monetaryFen]), label: { show: true, formatter: (p: any) => p.value[2].toLocaleString() } }],
    };
  }, [grid, lang]); // eslint-disable-line react-hooks/exhaustive-deps

  const pie = (title: string, data: { name: string; value: number; color?: string }[]) => ({
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    series: [{ name: title, type: 'pie', radius: ['40%', '70%'], data: data.map((d) => ({ name: d.name, value: d.value, itemStyle: d.color ? { color: d.color } : undefined })) }],
  });
  const gradePie = useMemo(() => pie(t('an.valueGrades'), [
    { name: t('an.value.high'), value: dist?.valueHigh ?? 0, color: '#c2185b' },
    { name: t('an.value.medium'), value: dist?.valueMedium ?? 0, color: '#f48fb1' },
    { name: t('an.value.low'), value: dist?.valueLow ?? 0, color: '#e0e0e0' },
  ]), [dist, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  const riskPie = useMemo(() => pie(t('an.churnRisk'), [
    { name: t('an.high'), value: dist?.churnHigh ?? 0, color: '#f5222d' },
    { name: t('an.medium'), value: dist?.churnMedium ?? 0, color: '#fa8c16' },
    { name: t('an.low'), value: dist?.churnLow ?? 0, color: '#52c41a' },
  ]), [dist, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  const histogram = useMemo(() => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 50, right: 10, top: 10, bottom: 40 },
    xAxis: { type: 'category', data: (dist?.clvHistogram ?? []).map((b: any) => (b.toFen == null ? `≥${yuan(b.fromFen)}` : `<${yuan(b.toFen)}`)), axisLabel: { rotate: 30 } },
    yAxis: { type: 'value' },
    series: [{ name: t('an.customers'), type: 'bar', itemStyle: { color: '#c2185b' }, data: (dist?.clvHistogram ?? []).map((b: any) => b.customers) }],
  }), [dist, lang]); // eslint-disable-line react-hooks/exhaustive-deps
  const segmentBars = useMemo(() => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 100, right: 20, top: 10, bottom: 20 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: (grid?.segments ?? []).map((s: any) => segmentName(s.segment)).reverse() },
    series: [{ name: t('an.customers'), type: 'bar', itemStyle: { color: '#ad1457' }, data: (grid?.segments ?? []).map((s: any) => s.customers).reverse() }],
  }), [grid, lang, segmentNames]); // eslint-disable-line react-hooks/exhaustive-deps
  const trendChart = useMemo(() => ({
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 60, right: 20, top: 10, bottom: 40 },
    xAxis: { type: 'category', data: trend.map((d) => d.day) },
    yAxis: { type: 'value' },
    series: [
      { name: t('an.high'), type: 'line', stack: 'risk', areaStyle: {}, itemStyle: { color: '#f5222d' }, data: trend.map((d) => d.churnHigh) },
      { name: t('an.medium'), type: 'line', stack: 'risk', areaStyle: {}, itemStyle: { color: '#fa8c16' }, data: trend.map((d) => d.churnMedium) },
    ],
  }), [trend, lang]); // eslint-disable-line react-hooks/exhaustive-deps

  const riskTag = (r: string | null) => (r ? <Tag color={RISK_COLOURS[r]}>{t(`an.${r}`)}</Tag> : '—');
  const scored = dist?.scored ?? 0;
  return (
    <>
      <Typography.Title level={3} data-testid="page-title">{t('an.title')}</Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={8}><Card><Statistic title={t('an.scored')} value={scored} valueRender={(n) => <span data-testid="an-scored">{n}</span>} /></Card></Col>
        <Col xs={24} md={8}><Card><Statistic title={t('an.clvTotal')} value={dist ? yuan(dist.clvTotalFen) : '—'} /></Card></Col>
        <Col xs={24} md={8}><Card><Statistic title={t('an.computedAt')} value={dist?.computedAt ? new Date(dist.computedAt).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false }) : '—'} /></Card></Col>
      </Row>
      {dist && scored === 0 && <Empty style={{ margin: 24 }} description={t('an.noScores')} />}
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        <Col xs={24} xl={12}><Card title={t('an.rfmGrid')}><EChart option={heatmap as any} height={320} testId="an-rfm-grid" /></Card></Col>
        <Col xs={24} xl={12}><Card title={t('an.segments')}><EChart option={segmentBars as any} height={320} /></Card></Col>
        <Col xs={24} md={8}><Card title={t('an.valueGrades')}><EChart option={gradePie as any} /></Card></Col>
        <Col xs={24} md={8}><Card title={t('an.churnRisk')}><EChart option={riskPie as any} /></Card></Col>
        <Col xs={24} md={8}><Card title={t('an.clvHistogram')}><EChart option={histogram as any} /></Card></Col>
        <Col xs={24}><Card title={t('an.trend')}><EChart option={trendChart as any} height={240} /></Card></Col>
      </Row>
      <ModelsCard refresh={scoredAt} onScored={() => setScoredAt((n) => n + 1)} />
      <ScoringSettingsCard onScored={() => setScoredAt((n) => n + 1)} />
      <Card
        style={{ marginTop: 16 }}
        title={`${t('an.atRisk')}${atRisk ? ` · ${atRisk.total.toLocaleString()}` : ''}`}
        extra={
          <Space wrap>
            <Select allowClear placeholder={t('an.store')} style={{ width: 180 }} value={filter.storeId} onChange={(storeId) => { setPage(1); setFilter({ ...filter, storeId }); }}
              options={stores.map((s) => ({ value: s.id, label: s.name }))} showSearch optionFilterProp="label" />
            {segments.length > 0 && (
              <Select allowClear placeholder={t('an.segment')} style={{ width: 180 }} value={filter.segmentId} onChange={(segmentId) => { setPage(1); setFilter({ ...filter, segmentId }); }}
                options={segments.map((s) => ({ value: s.id, label: s.name }))} />
            )}
            <Select allowClear placeholder={t('an.risk')} style={{ width: 110 }} value={filter.risk} onChange={(risk) => { setPage(1); setFilter({ ...filter, risk }); }}
              options={[{ value: 'high', label: t('an.high') }, { value: 'medium', label: t('an.medium') }]} />
            {can('customers.export') && <Button icon={<DownloadOutlined />} href={`/api/analytics/at-risk/export?${query}`}>{t('an.export')}</Button>}
          </Space>
        }
      >
        <Table
          rowKey="id"
          size="small"
          loading={!atRisk}
          dataSource={atRisk?.items ?? []}
          data-testid="an-at-risk"
          pagination={{ current: page, pageSize, total: atRisk?.total ?? 0, showSizeChanger: false, onChange: setPage }}
          columns={[
            { title: '#', dataIndex: 'rank', width: 60 },
            { title: t('col.name'), dataIndex: 'name', render: (n, c: any) => <Link to={`/customers/${c.id}`}>{n}</Link> },
            { title: t('col.mobile'), dataIndex: 'mobile' },
            { title: t('an.risk'), dataIndex: 'churnRisk', render: riskTag },
            { title: t('an.pAlive'), dataIndex: 'pAlive', align: 'right', render: (p) => (p == null ? '—' : `${Math.round(p * 100)}%`) },
            { title: t('an.recencyDays'), dataIndex: 'recencyDays', align: 'right' },
            { title: t('an.overdue'), dataIndex: 'overdueDays', align: 'right' },
            { title: t('an.spend'), dataIndex: 'monetaryFen', align: 'right', render: yuan },
            { title: t('an.valueAtRisk'), dataIndex: 'valueAtRiskFen', align: 'right', render: (v) => <strong>{yuan(v)}</strong> },
            { title: t('an.segments'), dataIndex: 'rfmSegment', render: (s) => segmentName(s) },
          ]}
        />
      </Card>
    </>
  );
}
