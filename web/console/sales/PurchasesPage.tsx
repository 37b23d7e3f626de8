import { useCallback, useEffect, useState } from 'react';
import { App, Button, DatePicker, Descriptions, Divider, Drawer, Form, Input, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import { ApiError, get, post, yuan } from '../api.ts';
import { useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import './messages.ts';

interface Line { lineNo: number; sku: string; productName: string | null; category: string; quantity: number; unitPriceFen: number; amountFen: number; returnedQuantity?: number }
interface Purchase {
  id: number; kind: 'sale' | 'return'; customerId: number; customerName: string; storeId: number | null; storeName: string | null; channel: string;
  source: string; externalId: string; purchasedAt: string; totalFen: number; discountFen: number; paidFen: number; itemCount: number;
}
interface Detail extends Purchase { lines: Line[]; returns: (Purchase & { refundFen: number; lines: Line[] })[]; refundedFen: number; refundableFen: number }

const CHANNELS = ['store', 'online', 'app', 'mini_program'];
const when = (iso: string, lang: string) => new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });

export function PurchasesPage() {
  const { t, lang } = useT();
  const [stores, setStores] = useState<{ id: number; name: string }[]>([]);
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [items, setItems] = useState<Purchase[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [openId, setOpenId] = useState<number | null>(null);

  const load = useCallback(async (before?: string) => {
    setLoading(true);
    try {
      const params = new URLSearchParams({ limit: '50', ...filter });
      if (before) params.set('before', before);
      const r = await get<{ items: Purchase[]; next: string | null }>(`/api/purchases?${params}`);
      setItems((prev) => (before ? [...prev, ...r.items] : r.items));
      setNext(r.next);
    } finally {
      setLoading(false);
    }
  }, [filter]);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => { void get('/api/stores').then((r) => setStores(r.items)); }, []);
  const set = (k: string, v: string | undefined | null) => setFilter((f) => { const n = { ...f }; if (v) n[k] = v; else delete n[k]; return n; });

  return (
    <>
      <Typography.Title level={3} data-testid="page-title">{t('sales.purchases.title')}</Typography.Title>
      <Space style={{ marginBottom: 16 }} wrap>
        <InputNumber placeholder={t('sales.purchases.customerId')} min={1} style={{ width: 140 }} onChange={(v) => set('customerId', v ? String(v) : null)} data-testid="purchases-customer" />
        <Select allowClear showSearch optionFilterProp="label" placeholder={t('sales.purchases.allStores')} style={{ width: 200 }} onChange={(v) => set('storeId', v ? String(v) : null)}
          options={stores.map((s) => ({ value: s.id, label: s.name }))} data-testid="purchases-store" />
        <Select allowClear placeholder={t('sales.purchases.allChannels')} style={{ width: 140 }} onChange={(v) => set('channel', v)}
          options={CHANNELS.map((c) => ({ value: c, label: t(`sales.purchases.channel.${c}`) }))} data-testid="purchases-channel" />
        <Select allowClear placeholder={t('sales.purchases.allKinds')} style={{ width: 140 }} onChange={(v) => set('kind', v)}
          options={['sale', 'return'].map((k) => ({ value: k, label: t(`sales.purchases.kind.${k}`) }))} data-testid="purchases-kind" />
        <DatePicker.RangePicker onChange={(r) => setFilter((f) => {
          const n = { ...f };
          delete n.from; delete n.to;
          if (r?.[0] && r[1]) { n.from = r[0].startOf('day').toISOString(); n.to = r[1].add(1, 'day').startOf('day').toISOString(); }
          return n;
        })} data-testid="purchases-period" />
      </Space>
      <Table<Purchase>
        rowKey="id" loading={loading} dataSource={items} pagination={false} size="middle" data-testid="purchases-table"
        onRow={(p) => ({ onClick: () => setOpenId(p.id), style: { cursor: 'pointer' }, 'data-testid': `purchase-row-${p.id}` } as any)}
        columns={[
          { title: t('sales.purchases.at'), dataIndex: 'purchasedAt', render: (v: string) => when(v, lang) },
          { title: t('sales.purchases.kind'), dataIndex: 'kind', render: (k: string) => <Tag color={k === 'return' ? 'orange' : 'blue'}>{t(`sales.purchases.kind.${k}`)}</Tag> },
          { title: t('sales.purchases.customer'), dataIndex: 'customerName', render: (n: string, p) => `${n} (#${p.customerId})` },
          { title: t('sales.purchases.store'), dataIndex: 'storeName', render: (n: string | null) => n ?? '—' },
          { title: t('sales.purchases.channel'), dataIndex: 'channel', render: (c: string) => t(`sales.purchases.channel.${c}`) },
          { title: t('sales.purchases.source'), key: 'src', render: (_: unknown, p) => <Typography.Text type="secondary">{p.source} / {p.externalId}</Typography.Text> },
          { title: t('sales.purchases.items'), dataIndex: 'itemCount', align: 'right' },
          { title: t('sales.purchases.paid'), dataIndex: 'paidFen', align: 'right', render: yuan },
        ]}
      />
      {next && <Button style={{ marginTop: 12 }} onClick={() => load(next)} data-testid="purchases-more">{t('sales.products.more')}</Button>}
      <PurchaseDrawer id={openId} onClose={() => setOpenId(null)} onChanged={() => load()} />
    </>
  );
}

function PurchaseDrawer({ id, onClose, onChanged }: { id: number | null; onClose: () => void; onChanged: () => void }) {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [d, setD] = useState<Detail | null>(null);
  const [form] = Form.useForm();
  // One key per opened form: a double click or a retry after a timeout books the return once.
  const [returnKey, setReturnKey] = useState('');
  const reload = useCallback(async () => {
    if (id == null) return;
    setD(await get<Detail>(`/api/purchases/${id}`));
    setReturnKey(`console-${id}-${Date.now().toString(36)}`);
    form.resetFields();
  }, [id, form]);
  useEffect(() => { setD(null); void reload(); }, [reload]);

  const submit = async () => {
    const v = await form.validateFields();
    const lines = (d?.lines ?? []).map((l) => ({ lineNo: l.lineNo, quantity: v[`q${l.lineNo}`] ?? 0 })).filter((l) => l.quantity > 0);
    if (!lines.length) return message.warning(t('sales.purchases.nothingToReturn'));
    try {
      await post(`/api/purchases/${id}/returns`, {
        source: 'console', externalId: returnKey, lines,
        ...(v.refund != null ? { refundFen: Math.round(v.refund * 100) } : {}),
        ...(v.reason ? { reason: v.reason } : {}),
      });
      message.success(t('sales.purchases.returnBooked'));
      await reload();
      onChanged();
    } catch (e) {
      message.error(e instanceof ApiError ? e.message : String(e));
    }
  };

  const lineColumns = [
    { title: t('sales.purchases.lineNo'), dataIndex: 'lineNo', width: 50 },
    { title: t('sales.products.sku'), dataIndex: 'sku' },
    { title: t('sales.products.name'), dataIndex: 'productName', render: (n: string | null, l: Line) => n ?? l.category },
    { title: t('sales.purchases.qty'), dataIndex: 'quantity', align: 'right' as const },
    { title: t('sales.purchases.unit'), dataIndex: 'unitPriceFen', align: 'right' as const, render: yuan },
    { title: t('sales.purchases.amount'), dataIndex: 'amountFen', align: 'right' as const, render: yuan },
  ];
  const open = d && d.kind === 'sale' && d.lines.some((l) => l.quantity - (l.returnedQuantity ?? 0) > 0);
  return (
    <Drawer open={id != null} onClose={onClose} width={760} title={t('sales.purchases.detail')} data-testid="purchase-drawer">
      {d && (
        <>
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('sales.purchases.at')}>{when(d.purchasedAt, lang)}</Descriptions.Item>
            <Descriptions.Item label={t('sales.purchases.kind')}>{t(`sales.purchases.kind.${d.kind}`)}</Descriptions.Item>
            <Descriptions.Item label={t('sales.purchases.customer')}>{d.customerName} (#{d.customerId})</Descriptions.Item>
            <Descriptions.Item label={t('sales.purchases.store')}>{d.storeName ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('sales.purchases.channel')}>{t(`sales.purchases.channel.${d.channel}`)}</Descriptions.Item>
            <Descriptions.Item label={t('sales.purchases.source')}>{d.source} / {d.externalId}</Descriptions.Item>
            <Descriptions.Item label={t('sales.purchases.total')}>{yuan(d.totalFen)}</Descriptions.Item>
            <Descriptions.Item label={t('sales.purchases.discount')}>{yuan(d.discountFen)}</Descriptions.Item>
            <Descriptions.Item label={t('sales.purchases.paid')}><span data-testid="purchase-paid">{yuan(d.paidFen)}</span></Descriptions.Item>
            <Descriptions.Item label={t('sales.purchases.refundable')}><span data-testid="purchase-refundable">{yuan(d.refundableFen)}</span></Descriptions.Item>
          </Descriptions>
          <Divider titlePlacement="start">{t('sales.purchases.lines')}</Divider>
          <Table<Line> rowKey="lineNo" size="small" pagination={false} dataSource={d.lines} data-testid="purchase-lines"
            columns={[...lineColumns, ...(d.kind === 'sale' ? [{ title: t('sales.purchases.returned'), dataIndex: 'returnedQuantity', align: 'right' as const }] : [])]} />
          {d.kind === 'sale' && (
            <>
              <Divider titlePlacement="start">{t('sales.purchases.returns')}</Divider>
              {d.returns.length === 0 ? <Typography.Text type="secondary">{t('sales.purchases.noReturns')}</Typography.Text> : d.returns.map((r) => (
                <div key={r.id} style={{ marginBottom: 12 }} data-testid={`purchase-return-${r.id}`}>
                  <Typography.Text strong>{when(r.purchasedAt, lang)}</Typography.Text>
                  <Typography.Text style={{ marginLeft: 12 }}>{t('sales.purchases.refund')}: {yuan(r.refundFen)}</Typography.Text>
                  <Table<Line> rowKey="lineNo" size="small" pagination={false} dataSource={r.lines} columns={lineColumns} />
                </div>
              ))}
            </>
          )}
          {open && can('sales.write') && (
            <>
              <Divider titlePlacement="start">{t('sales.purchases.recordReturn')}</Divider>
              <Form form={form} layout="inline" data-testid="return-form">
                {d.lines.filter((l) => l.quantity - (l.returnedQuantity ?? 0) > 0).map((l) => (
                  <Form.Item key={l.lineNo} name={`q${l.lineNo}`} label={`${l.lineNo}. ${l.productName ?? l.sku}`}>
                    <InputNumber min={0} max={l.quantity - (l.returnedQuantity ?? 0)} precision={0} placeholder={t('sales.purchases.returnQty')} data-testid={`return-qty-${l.lineNo}`} />
                  </Form.Item>
                ))}
                <Form.Item name="refund" label={t('sales.purchases.refundAuto')}>
                  <InputNumber min={0} max={d.refundableFen / 100} precision={2} data-testid="return-refund" />
                </Form.Item>
                <Form.Item name="reason" label={t('sales.purchases.reason')}><Input maxLength={200} style={{ width: 220 }} placeholder="尺码不合适" /></Form.Item>
                <Form.Item><Button type="primary" danger onClick={submit} data-testid="return-submit">{t('sales.purchases.submitReturn')}</Button></Form.Item>
              </Form>
            </>
          )}
        </>
      )}
    </Drawer>
  );
}
