import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { App, Button, Drawer, Input, InputNumber, Popconfirm, Radio, Segmented, Select, Space, Table, Tag, Typography, Alert } from 'antd';
import { ApiError, get, post, yuan } from '../../api.ts';
import { useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';
import { PROFILE_FIELDS } from './messages.ts';

interface Summary {
  id: number;
  name: string;
  mobile: string | null;
  email: string | null;
  city: string | null;
  tags: string[];
  status: string;
  purchaseCount: number;
  spendFen: number;
  lastPurchaseAt: string | null;
  pointsBalance: number | null;
  registeredAt: string;
  [field: string]: unknown;
}
interface Candidate {
  customerId: number;
  otherId: number;
  reasons: string[];
  score: number;
  status: string;
  detectedAt: string;
  customer?: Summary;
  other?: Summary;
}
interface Rule { code: string; weight: number; label: string }

const date = (s: string | null | undefined) => (s ? new Date(s).toLocaleDateString('zh-CN') : '—');
const isEmpty = (v: unknown) => v == null || v === '' || (Array.isArray(v) && v.length === 0);

function CustomerCell({ c }: { c?: Summary }) {
  const { t } = useT();
  if (!c) return <>—</>;
  return (
    <Space direction="vertical" size={0}>
      <Typography.Text strong>{c.name} <Typography.Text type="secondary">#{c.id}</Typography.Text></Typography.Text>
      <Typography.Text type="secondary">{[c.mobile, c.email, c.city].filter(Boolean).join(' · ') || '—'}</Typography.Text>
      <Typography.Text type="secondary">{t('privacy.dup.purchases', { n: c.purchaseCount })} · {yuan(c.spendFen)}</Typography.Text>
    </Space>
  );
}

export function DuplicatesPage() {
  const { t } = useT();
  const { message } = App.useApp();
  const { can } = useSession();
  const [status, setStatus] = useState<'open' | 'dismissed' | 'merged'>('open');
  const [reason, setReason] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ total: number; items: Candidate[]; rules: Rule[] }>({ total: 0, items: [], rules: [] });
  const [loading, setLoading] = useState(false);
  const [comparing, setComparing] = useState<number[] | null>(null);
  const pageSize = 20;
  const mayDecide = can('customers.write') && can('customers.pii');

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const q = new URLSearchParams({ status, limit: String(pageSize), offset: String((page - 1) * pageSize) });
      if (reason) q.set('reason', reason);
      setData(await get(`/api/customers/duplicates?${q}`));
    } finally {
      setLoading(false);
    }
  }, [status, reason, page]);
  useEffect(() => void load(), [load]);

  const ruleLabel = (code: string) => data.rules.find((r) => r.code === code)?.label ?? code;
  const refresh = async () => {
    await post('/api/customers/duplicates/refresh');
    message.success(t('privacy.dup.refreshQueued'));
    setTimeout(() => void load(), 1500);
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('privacy.dup.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('privacy.dup.intro')}</Typography.Paragraph>
      <Space wrap>
        <Segmented
          data-testid="dup-status"
          value={status}
          onChange={(v) => { setStatus(v as any); setPage(1); }}
          options={(['open', 'dismissed', 'merged'] as const).map((s) => ({ value: s, label: t(`privacy.dup.status.${s}`) }))}
        />
        <Select
          allowClear
          style={{ minWidth: 260 }}
          placeholder={t('privacy.dup.allReasons')}
          value={reason}
          onChange={(v) => { setReason(v); setPage(1); }}
          options={data.rules.map((r) => ({ value: r.code, label: r.label }))}
          data-testid="dup-reason"
        />
        <Button onClick={() => void load()}>{t('common.refresh')}</Button>
        {mayDecide && <Button onClick={() => void refresh()} data-testid="dup-detect">{t('privacy.dup.refresh')}</Button>}
      </Space>
      <Table<Candidate>
        rowKey={(r) => `${r.customerId}-${r.otherId}`}
        loading={loading}
        dataSource={data.items}
        data-testid="dup-table"
        locale={{ emptyText: t('privacy.dup.empty') }}
        pagination={{ current: page, pageSize, total: data.total, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('privacy.dup.score'), dataIndex: 'score', width: 90, render: (s: number) => <Tag color={s >= 90 ? 'red' : s >= 60 ? 'orange' : 'blue'}>{s}</Tag> },
          { title: t('privacy.dup.reasons'), dataIndex: 'reasons', render: (rs: string[]) => rs.map((r) => <Tag key={r}>{ruleLabel(r)}</Tag>) },
          { title: t('privacy.dup.customerA'), render: (_, r) => <CustomerCell c={r.customer} /> },
          { title: t('privacy.dup.customerB'), render: (_, r) => <CustomerCell c={r.other} /> },
          { title: t('privacy.dup.detectedAt'), dataIndex: 'detectedAt', width: 120, render: date },
          {
            title: t('common.actions'), width: 100,
            render: (_, r) => <Button type="link" onClick={() => setComparing([r.customerId, r.otherId])} data-testid={`dup-compare-${r.customerId}-${r.otherId}`}>{t('privacy.dup.compare')}</Button>,
          },
        ]}
      />
      <Drawer
        open={!!comparing}
        onClose={() => setComparing(null)}
        width={Math.min(1100, window.innerWidth - 40)}
        title={t('privacy.cmp.title')}
        destroyOnHidden
      >
        {comparing && (
          <CompareMerge
            ids={comparing}
            mayDecide={mayDecide && status === 'open'}
            onAdd={(id) => setComparing([...comparing, id])}
            onDone={() => { setComparing(null); void load(); }}
          />
        )}
      </Drawer>
    </Space>
  );
}

/** Side by side: pick the record to keep and, per field, whose value it takes; then merge or dismiss. */
export function CompareMerge({ ids, mayDecide, onAdd, onDone }: { ids: number[]; mayDecide: boolean; onAdd: (id: number) => void; onDone: () => void }) {
  const { t } = useT();
  const { message } = App.useApp();
  const [items, setItems] = useState<Summary[]>([]);
  const [survivor, setSurvivor] = useState<number | null>(null);
  const [choices, setChoices] = useState<Record<string, number>>({});
  const [reason, setReason] = useState('');
  const [extra, setExtra] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void get<{ items: Summary[] }>(`/api/customers/duplicates/compare?ids=${ids.join(',')}`).then((r) => {
      setItems(r.items);
      // The record with the most history is kept by default.
      const keep = [...r.items].sort((a, b) => b.purchaseCount - a.purchaseCount || a.id - b.id)[0]!;
      setSurvivor(keep.id);
    });
  }, [ids]);

  // Default per field: the kept record's value, else the first other record that has one (as the server does).
  useEffect(() => {
    if (survivor == null) return;
    const keep = items.find((c) => c.id === survivor);
    const others = items.filter((c) => c.id !== survivor);
    const next: Record<string, number> = {};
    for (const f of PROFILE_FIELDS) {
      next[f] = !isEmpty(keep?.[f]) ? survivor : (others.find((o) => !isEmpty(o[f]))?.id ?? survivor);
    }
    setChoices(next);
  }, [survivor, items]);

  const merge = async () => {
    setBusy(true);
    try {
      await post('/api/customers/merge', {
        survivorId: survivor,
        mergedIds: items.filter((c) => c.id !== survivor).map((c) => c.id),
        fieldChoices: choices,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      message.success(t('privacy.cmp.merged'));
      onDone();
    } catch (e) {
      message.error((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };
  const dismiss = async () => {
    setBusy(true);
    try {
      await post('/api/customers/duplicates/dismiss', { customerId: ids[0], otherId: ids[1] });
      message.success(t('privacy.cmp.dismissed'));
      onDone();
    } catch (e) {
      message.error((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };

  const show = (v: unknown) => (isEmpty(v) ? <Typography.Text type="secondary">{t('privacy.cmp.empty')}</Typography.Text> : Array.isArray(v) ? v.join('、') : String(v));
  const figures: [string, (c: Summary) => ReactNode][] = [
    ['privacy.cmp.purchaseCount', (c) => c.purchaseCount],
    ['privacy.cmp.spend', (c) => yuan(c.spendFen)],
    ['privacy.cmp.points', (c) => c.pointsBalance ?? '—'],
    ['privacy.cmp.lastPurchase', (c) => date(c.lastPurchaseAt)],
    ['privacy.cmp.registeredAt', (c) => date(c.registeredAt)],
    ['privacy.field.tags', (c) => show(c.tags)],
  ];
  const rows = [
    ...figures.map(([key, render]) => ({ key, label: t(key), render: (c: Summary) => render(c), pick: false })),
    ...PROFILE_FIELDS.map((f) => ({ key: f, label: t(`privacy.field.${f}`), render: (c: Summary) => show(c[f]), pick: true })),
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      {!mayDecide && <Alert type="info" showIcon message={t('privacy.cmp.masked')} />}
      <Table
        size="small"
        pagination={false}
        rowKey="key"
        dataSource={rows}
        data-testid="cmp-table"
        columns={[
          { title: t('privacy.cmp.field'), dataIndex: 'label', width: 120, fixed: 'left' },
          ...items.map((c) => ({
            key: c.id,
            title: (
              <Space direction="vertical" size={0}>
                <span>{c.name} #{c.id}</span>
                <Radio checked={survivor === c.id} disabled={!mayDecide} onChange={() => setSurvivor(c.id)} data-testid={`cmp-survivor-${c.id}`}>
                  {t('privacy.cmp.survivor')}
                </Radio>
              </Space>
            ),
            render: (_: unknown, row: (typeof rows)[number]) =>
              row.pick && mayDecide ? (
                <Radio checked={choices[row.key] === c.id} onChange={() => setChoices({ ...choices, [row.key]: c.id })} data-testid={`cmp-pick-${row.key}-${c.id}`}>
                  {row.render(c)}
                </Radio>
              ) : (
                row.render(c)
              ),
          })),
        ]}
      />
      {mayDecide && (
        <>
          <Space>
            <InputNumber min={1} placeholder={t('privacy.cmp.addId')} value={extra} onChange={(v) => setExtra(v)} style={{ width: 220 }} />
            <Button disabled={!extra || ids.includes(extra)} onClick={() => { onAdd(extra!); setExtra(null); }}>{t('privacy.cmp.add')}</Button>
          </Space>
          <Input.TextArea rows={2} maxLength={500} placeholder={t('privacy.cmp.reason')} value={reason} onChange={(e) => setReason(e.target.value)} />
          <Space>
            <Popconfirm title={t('privacy.cmp.mergeConfirm')} onConfirm={() => void merge()} okButtonProps={{ 'data-testid': 'cmp-merge-confirm' } as any}>
              <Button type="primary" loading={busy} disabled={survivor == null} data-testid="cmp-merge">{t('privacy.cmp.merge')}</Button>
            </Popconfirm>
            {ids.length === 2 && <Button danger loading={busy} onClick={() => void dismiss()} data-testid="cmp-dismiss">{t('privacy.cmp.dismiss')}</Button>}
          </Space>
        </>
      )}
    </Space>
  );
}
