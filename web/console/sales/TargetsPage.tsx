import { useCallback, useEffect, useRef, useState } from 'react';
import { App, Button, Card, DatePicker, Form, InputNumber, Modal, Progress, Select, Space, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import * as echarts from 'echarts';
import { ApiError, api, get, yuan } from '../api.ts';
import { useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import './messages.ts';

interface Row { storeId: number; storeCode: string; storeName: string; month: string; targetFen: number | null; netSalesFen: number; achievedPct: number | null; purchases: number; buyers: number; averageBasketFen: number | null }

function Bars({ rows }: { rows: Row[] }) {
  const { t } = useT();
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = echarts.init(el.current);
    chart.setOption({
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => `¥${v.toLocaleString('zh-CN')}` },
      legend: { data: [t('sales.targets.target'), t('sales.targets.actual')] },
      grid: { left: 80, right: 20, bottom: 60 },
      xAxis: { type: 'category', data: rows.map((r) => r.storeName), axisLabel: { rotate: rows.length > 8 ? 30 : 0 } },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => `¥${(v / 10000).toLocaleString('zh-CN')}万` } },
      series: [
        { name: t('sales.targets.target'), type: 'bar', data: rows.map((r) => (r.targetFen ?? 0) / 100), itemStyle: { color: '#d9d9d9' } },
        { name: t('sales.targets.actual'), type: 'bar', data: rows.map((r) => r.netSalesFen / 100), itemStyle: { color: '#c2185b' } },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => { window.removeEventListener('resize', resize); chart.dispose(); };
  }, [rows, t]);
  return <div ref={el} style={{ height: 320 }} data-testid="targets-chart" />;
}

export function TargetsPage() {
  const { t } = useT();
  const { message } = App.useApp();
  const { me, can } = useSession();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().startOf('month'), dayjs().startOf('month')]);
  const [rows, setRows] = useState<Row[]>([]);
  const [loading, setLoading] = useState(false);
  const [stores, setStores] = useState<{ id: number; name: string }[]>([]);
  const [setting, setSetting] = useState(false);
  const [form] = Form.useForm();
  const chainWide = can('sales.write') && (me?.staff?.storeIds.length ?? 0) === 0;

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const r = await get<{ items: Row[] }>(`/api/sales/performance?from=${range[0].format('YYYY-MM')}&to=${range[1].format('YYYY-MM')}`);
      setRows(r.items);
    } finally {
      setLoading(false);
    }
  }, [range]);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => { void get('/api/stores').then((r) => setStores(r.items)); }, []);

  const lastMonth = rows.length ? rows[rows.length - 1]!.month : null;
  const save = async () => {
    const v = await form.validateFields();
    try {
      await api('PUT', '/api/sales/targets', { targets: [{ storeId: v.storeId, month: v.month.format('YYYY-MM'), targetFen: Math.round(v.amount * 100) }] });
      message.success(t('common.saved'));
      setSetting(false);
      void load();
    } catch (e) {
      message.error(e instanceof ApiError ? e.message : String(e));
    }
  };

  return (
    <>
      <Typography.Title level={3} data-testid="page-title">{t('sales.targets.title')}</Typography.Title>
      <Space style={{ marginBottom: 16 }} wrap>
        <DatePicker.RangePicker picker="month" value={range} allowClear={false} onChange={(r) => r?.[0] && r[1] && setRange([r[0], r[1]])} data-testid="targets-range" />
        {chainWide && <Button type="primary" onClick={() => { form.setFieldsValue({ month: range[1] }); setSetting(true); }} data-testid="targets-set">{t('sales.targets.set')}</Button>}
      </Space>
      {lastMonth && (
        <Card title={`${t('sales.targets.chart')} · ${lastMonth}`} style={{ marginBottom: 16 }}>
          <Bars rows={rows.filter((r) => r.month === lastMonth)} />
        </Card>
      )}
      <Table<Row>
        rowKey={(r) => `${r.storeId}-${r.month}`} loading={loading} dataSource={rows} size="middle" pagination={{ pageSize: 50 }}
        locale={{ emptyText: t('sales.targets.empty') }} data-testid="targets-table"
        columns={[
          { title: t('sales.targets.month'), dataIndex: 'month' },
          { title: t('sales.purchases.store'), dataIndex: 'storeName' },
          { title: t('sales.targets.target'), dataIndex: 'targetFen', align: 'right', render: yuan },
          { title: t('sales.targets.actual'), dataIndex: 'netSalesFen', align: 'right', render: yuan },
          { title: t('sales.targets.achieved'), dataIndex: 'achievedPct', width: 180, render: (p: number | null) => p == null ? '—' : <Progress percent={p} size="small" status={p >= 100 ? 'success' : 'normal'} format={() => `${p}%`} /> },
          { title: t('sales.targets.purchases'), dataIndex: 'purchases', align: 'right' },
          { title: t('sales.targets.buyers'), dataIndex: 'buyers', align: 'right' },
          { title: t('sales.targets.basket'), dataIndex: 'averageBasketFen', align: 'right', render: yuan },
        ]}
      />
      <Modal open={setting} title={t('sales.targets.set')} onOk={save} onCancel={() => setSetting(false)} okText={t('common.save')} cancelText={t('common.cancel')} destroyOnHidden>
        <Form form={form} layout="vertical" data-testid="targets-form">
          <Form.Item name="storeId" label={t('sales.purchases.store')} rules={[{ required: true, message: t('sales.products.required') }]}>
            <Select showSearch optionFilterProp="label" options={stores.map((s) => ({ value: s.id, label: s.name }))} />
          </Form.Item>
          <Form.Item name="month" label={t('sales.targets.month')} rules={[{ required: true, message: t('sales.products.required') }]}><DatePicker picker="month" /></Form.Item>
          <Form.Item name="amount" label={t('sales.targets.amount')} rules={[{ required: true, message: t('sales.products.required') }]}><InputNumber min={0} precision={2} style={{ width: '100%' }} /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}
