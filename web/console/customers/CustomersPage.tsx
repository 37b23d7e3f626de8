import { useCallback, useEffect, useRef, useState } from 'react';
import { AutoComplete, Button, Card, Drawer, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined, SearchOutlined } from '@ant-design/icons';
import { Link, useNavigate } from 'react-router-dom';
import { get } from '../api.ts';
import { useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import { CustomerForm } from './CustomerForm.tsx';
import './messages.ts';

interface Hit { id: number; name: string; mobile: string | null; cardNo: string | null; email: string | null; city: string | null; matched: string }

/** The till-style search: suggestions as you type, debounced; picking one opens the customer. */
export function CustomerSearchBox({ style }: { style?: React.CSSProperties }) {
  const { t } = useT();
  const navigate = useNavigate();
  const [options, setOptions] = useState<{ value: string; label: React.ReactNode }[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef('');
  const onSearch = (q: string) => {
    latest.current = q;
    clearTimeout(timer.current);
    if (!q.trim()) return setOptions([]);
    timer.current = setTimeout(async () => {
      const r = await get<{ items: Hit[] }>(`/api/customers/search?q=${encodeURIComponent(q)}&limit=10`);
      if (latest.current !== q) return;
      setOptions(r.items.map((h) => ({
        value: String(h.id),
        label: (
          <Space data-testid={`suggestion-${h.id}`}>
            <b>{h.name}</b>
            <span>{h.mobile ?? ''}</span>
            <Typography.Text type="secondary">{h.cardNo ?? ''}</Typography.Text>
            <Tag>{t(`customers.matched.${h.matched}`)}</Tag>
          </Space>
        ),
      })));
    }, 250);
  };
  return (
    <AutoComplete options={options} onSearch={onSearch} onSelect={(id: string) => navigate(`/customers/${id}`)} style={style}>
      <Input size="large" prefix={<SearchOutlined />} placeholder={t('customers.searchPlaceholder')} allowClear data-testid="customer-search" />
    </AutoComplete>
  );
}

interface Filters { city?: string; tag?: string; storeId?: number; kind?: string; createdFrom?: string; createdTo?: string }

export function CustomersPage() {
  const { t } = useT();
  const { can } = useSession();
  const navigate = useNavigate();
  const [stores, setStores] = useState<{ id: number; name: string }[]>([]);
  const [draft, setDraft] = useState<Filters>({});
  const [filters, setFilters] = useState<Filters>({});
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const [data, setData] = useState<{ items: any[]; nextBeforeId: number | null; total: number; totalCapped: boolean } | null>(null);
  const [loading, setLoading] = useState(false);
  const [creating, setCreating] = useState(false);
  const page = cursors.length - 1;

  const load = useCallback(async (f: Filters, before: number | null) => {
    setLoading(true);
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '' && v !== null) qs.set(k, k === 'createdTo' ? nextDay(String(v)) : String(v));
    if (before) qs.set('beforeId', String(before));
    try {
      setData(await get(`/api/customers?${qs}`));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    void get('/api/stores').then((r) => setStores(r.items));
  }, []);
  useEffect(() => {
    void load(filters, cursors[cursors.length - 1] ?? null);
  }, [filters, cursors, load]);

  const storeName = (id: number | null) => stores.find((s) => s.id === id)?.name ?? '';
  const columns = [
    { title: t('customers.field.name'), dataIndex: 'name', render: (v: string, c: any) => <Link to={`/customers/${c.id}`} data-testid={`customer-row-${c.id}`}>{v}</Link> },
    { title: t('customers.field.kind'), dataIndex: 'kind', render: (v: string) => t(`customers.kind.${v}`) },
    { title: t('customers.field.mobile'), dataIndex: 'mobile' },
    { title: t('customers.field.cardNo'), dataIndex: 'cardNo' },
    { title: t('customers.field.city'), dataIndex: 'city' },
    { title: t('customers.field.preferredStoreId'), dataIndex: 'preferredStoreId', render: storeName },
    { title: t('customers.field.tags'), dataIndex: 'tags', render: (tags: string[]) => tags.map((x) => <Tag key={x}>{x}</Tag>) },
    { title: t('customers.field.createdAt'), dataIndex: 'createdAt', render: (v: string) => new Date(v).toLocaleString() },
  ];
  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('customers.title')}</Typography.Title>
        {can('customers.write') && <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="customer-new">{t('customers.new')}</Button>}
      </Space>
      <CustomerSearchBox style={{ width: '100%', marginBottom: 16 }} />
      <Card size="small" style={{ marginBottom: 16 }}>
        <Space wrap>
          <Input placeholder={t('customers.filters.city')} value={draft.city} onChange={(e) => setDraft({ ...draft, city: e.target.value })} style={{ width: 120 }} data-testid="filter-city" />
          <Input placeholder={t('customers.filters.tag')} value={draft.tag} onChange={(e) => setDraft({ ...draft, tag: e.target.value })} style={{ width: 120 }} />
          <Select allowClear placeholder={t('customers.filters.store')} value={draft.storeId} onChange={(v) => setDraft({ ...draft, storeId: v })} style={{ width: 180 }}
            showSearch optionFilterProp="label" options={stores.map((s) => ({ value: s.id, label: s.name }))} />
          <Select allowClear placeholder={t('customers.filters.kind')} value={draft.kind} onChange={(v) => setDraft({ ...draft, kind: v })} style={{ width: 120 }}
            options={['person', 'business'].map((k) => ({ value: k, label: t(`customers.kind.${k}`) }))} />
          <Input type="date" title={t('customers.filters.createdFrom')} value={draft.createdFrom ?? ''} onChange={(e) => setDraft({ ...draft, createdFrom: e.target.value || undefined })} />
          <Input type="date" title={t('customers.filters.createdTo')} value={draft.createdTo ?? ''} onChange={(e) => setDraft({ ...draft, createdTo: e.target.value || undefined })} />
          <Button type="primary" onClick={() => { setFilters(draft); setCursors([null]); }} data-testid="filter-apply">{t('customers.filters.apply')}</Button>
          <Button onClick={() => { setDraft({}); setFilters({}); setCursors([null]); }}>{t('customers.filters.reset')}</Button>
        </Space>
      </Card>
      <Table rowKey="id" size="middle" loading={loading} dataSource={data?.items ?? []} columns={columns} pagination={false} data-testid="customer-table" />
      <Space style={{ marginTop: 16, width: '100%', justifyContent: 'space-between' }}>
        <Typography.Text type="secondary">{data ? (data.totalCapped ? t('customers.totalCapped') : t('customers.total', { n: data.total.toLocaleString() })) : ''}</Typography.Text>
        <Space>
          <Button disabled={page === 0} onClick={() => setCursors(cursors.slice(0, -1))}>{t('customers.prev')}</Button>
          <Button disabled={!data?.nextBeforeId} onClick={() => setCursors([...cursors, data!.nextBeforeId])} data-testid="page-next">{t('customers.next')}</Button>
        </Space>
      </Space>
      <Drawer title={t('customers.new')} open={creating} onClose={() => setCreating(false)} size={720} destroyOnHidden>
        <CustomerForm onSaved={(c) => { setCreating(false); navigate(`/customers/${c.id}`); }} />
      </Drawer>
    </>
  );
}

/** The "created before" filter is inclusive of the chosen day. */
function nextDay(d: string): string {
  const x = new Date(`${d}T00:00:00+08:00`);
  x.setUTCDate(x.getUTCDate() + 1);
  return x.toISOString();
}
