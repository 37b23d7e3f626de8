import { useCallback, useEffect, useState } from 'react';
import { AutoComplete, Button, DatePicker, Descriptions, Form, Input, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { get } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { applyFormErrors, ErrorAlert } from '../shell/FormErrors.tsx';
import { dateTime } from '../shell/format.ts';

defineMessages({
  'admin.audit.title': { zh: '审计日志', en: 'Audit log' },
  'admin.audit.at': { zh: '时间', en: 'Time' },
  'admin.audit.actor': { zh: '操作者', en: 'Actor' },
  'admin.audit.actorKind': { zh: '操作者类型', en: 'Actor kind' },
  'admin.audit.kind.staff': { zh: '员工', en: 'Staff' },
  'admin.audit.kind.api_key': { zh: 'API 密钥', en: 'API key' },
  'admin.audit.kind.member': { zh: '会员', en: 'Member' },
  'admin.audit.kind.system': { zh: '系统', en: 'System' },
  'admin.audit.action': { zh: '动作', en: 'Action' },
  'admin.audit.entity': { zh: '对象', en: 'Entity' },
  'admin.audit.entityId': { zh: '对象 ID', en: 'Entity id' },
  'admin.audit.customerId': { zh: '会员 ID', en: 'Customer id' },
  'admin.audit.dates': { zh: '日期范围', en: 'Dates' },
  'admin.audit.details': { zh: '详情', en: 'Details' },
  'admin.audit.requestId': { zh: '请求 ID', en: 'Request id' },
  'admin.audit.ip': { zh: 'IP 地址', en: 'IP address' },
  'admin.audit.shown': { zh: '已显示 {n} 条，最新在前', en: '{n} entries shown, newest first' },
});

interface AuditRow {
  id: number;
  at: string;
  actorKind: string;
  actorId: number | null;
  actorName: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  customerId: number | null;
  details: Record<string, unknown>;
  requestId: string | null;
  ip: string | null;
}

interface Filters {
  actorKind?: string;
  action?: string;
  entity?: string;
  entityId?: string;
  customerId?: number;
  dates?: [Dayjs | null, Dayjs | null] | null;
}

const PAGE = 50;
const ACTIONS = ['create', 'update', 'revoke', 'login', 'login_failed', 'password_changed', 'read', 'export', 'import', 'erase', 'merge', 'adjust', 'redeem'];
const ENTITIES = ['staff', 'store', 'api_key', 'customer', 'purchase', 'product', 'segment', 'loyalty_account'];
const KIND_COLOR: Record<string, string> = { staff: 'blue', api_key: 'purple', member: 'cyan', system: 'default' };

function query(f: Filters, beforeId?: number): string {
  const p = new URLSearchParams({ limit: String(PAGE) });
  if (f.actorKind) p.set('actorKind', f.actorKind);
  if (f.action?.trim()) p.set('action', f.action.trim());
  if (f.entity?.trim()) p.set('entity', f.entity.trim());
  if (f.entityId?.trim()) p.set('entityId', f.entityId.trim());
  if (f.customerId != null) p.set('customerId', String(f.customerId));
  // Whole local days: from the start of the first to the start of the day after the last.
  if (f.dates?.[0]) p.set('from', f.dates[0].startOf('day').format());
  if (f.dates?.[1]) p.set('to', f.dates[1].add(1, 'day').startOf('day').format());
  if (beforeId != null) p.set('beforeId', String(beforeId));
  return `/api/audit?${p}`;
}

export function AuditPage() {
  const { t } = useT();
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (f: Filters, after?: AuditRow[]) => {
    setLoading(true);
    setError(null);
    try {
      const last = after?.[after.length - 1];
      const r = await get<{ items: AuditRow[] }>(query(f, last?.id));
      setRows([...(after ?? []), ...r.items]);
      setMore(r.items.length === PAGE);
    } catch (e) {
      setError(applyFormErrors(form, e));
    } finally {
      setLoading(false);
    }
  }, [form]);
  useEffect(() => {
    void load({});
  }, [load]);

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }} data-testid="page-title">{t('admin.audit.title')}</Typography.Title>
      <Form
        form={form}
        layout="inline"
        style={{ marginBottom: 16, rowGap: 12 }}
        data-testid="audit-filters"
        onFinish={(v) => {
          setFilters(v);
          void load(v);
        }}
      >
        <Form.Item name="actorKind" label={t('admin.audit.actorKind')}>
          <Select
            allowClear
            style={{ width: 130 }}
            placeholder={t('common.all')}
            data-testid="audit-actor-kind"
            options={['staff', 'api_key', 'member', 'system'].map((k) => ({ value: k, label: t(`admin.audit.kind.${k}`) }))}
          />
        </Form.Item>
        <Form.Item name="action" label={t('admin.audit.action')}>
          <AutoComplete allowClear style={{ width: 150 }} options={ACTIONS.map((value) => ({ value }))} filterOption data-testid="audit-action" />
        </Form.Item>
        <Form.Item name="entity" label={t('admin.audit.entity')}>
          <AutoComplete allowClear style={{ width: 150 }} options={ENTITIES.map((value) => ({ value }))} filterOption data-testid="audit-entity" />
        </Form.Item>
        <Form.Item name="entityId" label={t('admin.audit.entityId')}>
          <Input allowClear style={{ width: 110 }} data-testid="audit-entity-id" />
        </Form.Item>
        <Form.Item name="customerId" label={t('admin.audit.customerId')}>
          <InputNumber min={1} precision={0} style={{ width: 120 }} data-testid="audit-customer-id" />
        </Form.Item>
        <Form.Item name="dates" label={t('admin.audit.dates')}>
          <DatePicker.RangePicker allowEmpty={[true, true]} data-testid="audit-dates" />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" data-testid="audit-search">{t('common.search')}</Button>
            <Button
              onClick={() => {
                form.resetFields();
                setFilters({});
                void load({});
              }}
              data-testid="audit-reset"
            >
              {t('common.reset')}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      <ErrorAlert error={error} />
      <Table<AuditRow>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={rows}
        pagination={false}
        data-testid="audit-table"
        expandable={{
          expandedRowRender: (r) => (
            <Descriptions size="small" column={1} bordered data-testid={`audit-details-${r.id}`}>
              <Descriptions.Item label={t('admin.audit.details')}>
                <pre style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12 }}>{JSON.stringify(r.details, null, 2)}</pre>
              </Descriptions.Item>
              <Descriptions.Item label={t('admin.audit.requestId')}><Typography.Text code copyable={!!r.requestId}>{r.requestId ?? '—'}</Typography.Text></Descriptions.Item>
              <Descriptions.Item label={t('admin.audit.ip')}>{r.ip ?? '—'}</Descriptions.Item>
            </Descriptions>
          ),
        }}
        columns={[
          { title: t('admin.audit.at'), dataIndex: 'at', width: 150, render: dateTime },
          {
            title: t('admin.audit.actor'),
            key: 'actor',
            render: (_, r) => (
              <Space size={4}>
                <Tag color={KIND_COLOR[r.actorKind]}>{t(`admin.audit.kind.${r.actorKind}`)}</Tag>
                {r.actorName ?? '—'}
                {r.actorId != null && <Typography.Text type="secondary">#{r.actorId}</Typography.Text>}
              </Space>
            ),
          },
          { title: t('admin.audit.action'), dataIndex: 'action', render: (v: string, r) => <span data-testid={`audit-row-${r.entity}-${v}`}>{v}</span> },
          { title: t('admin.audit.entity'), dataIndex: 'entity' },
          { title: t('admin.audit.entityId'), dataIndex: 'entityId', render: (v: string | null) => v ?? '—' },
          { title: t('admin.audit.customerId'), dataIndex: 'customerId', render: (v: number | null) => v ?? '—' },
        ]}
      />
      <Space style={{ marginTop: 16 }}>
        {more ? (
          <Button onClick={() => load(filters, rows)} loading={loading} data-testid="audit-load-more">{t('common.loadMore')}</Button>
        ) : (
          rows.length > 0 && <Typography.Text type="secondary" data-testid="audit-end">{t('common.noMore')}</Typography.Text>
        )}
        <Typography.Text type="secondary">{t('admin.audit.shown', { n: rows.length })}</Typography.Text>
      </Space>
    </>
  );
}
