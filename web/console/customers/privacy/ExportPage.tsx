import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Checkbox, DatePicker, Form, Input, Radio, Select, Space, Tag, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { get } from '../../api.ts';
import { useT } from '../../i18n.tsx';

interface ColumnInfo { key: string; label: string; personal: boolean }

/** Builds the download link of a bulk export; the browser streams the file straight to disk. */
export function exportUrl(p: { format: string; columns: string[]; city?: string; tag?: string; storeId?: number; createdFrom?: string; createdTo?: string; status: string; lang: string }) {
  const q = new URLSearchParams({ format: p.format, columns: p.columns.join(','), status: p.status, lang: p.lang });
  if (p.city?.trim()) q.set('city', p.city.trim());
  if (p.tag?.trim()) q.set('tag', p.tag.trim());
  if (p.storeId) q.set('storeId', String(p.storeId));
  if (p.createdFrom) q.set('createdFrom', p.createdFrom);
  if (p.createdTo) q.set('createdTo', p.createdTo);
  return `/api/customers/export?${q}`;
}

export function ExportPage() {
  const { t, lang } = useT();
  const [info, setInfo] = useState<{ columns: ColumnInfo[]; defaults: string[]; masked: boolean } | null>(null);
  const [stores, setStores] = useState<{ id: number; name: string }[]>([]);
  const [columns, setColumns] = useState<string[]>([]);
  const [format, setFormat] = useState<'csv' | 'xlsx'>('csv');
  const [status, setStatus] = useState('active');
  const [city, setCity] = useState('');
  const [tag, setTag] = useState('');
  const [storeId, setStoreId] = useState<number | undefined>();
  const [range, setRange] = useState<[any, any] | null>(null);

  useEffect(() => {
    void get<{ columns: ColumnInfo[]; defaults: string[]; masked: boolean }>('/api/customers/export/columns').then((r) => {
      setInfo(r);
      setColumns(r.defaults);
    });
    void get<{ items: { id: number; name: string }[] }>('/api/stores').then((r) => setStores(r.items)).catch(() => undefined);
  }, [lang]);

  const href = useMemo(
    () => exportUrl({
      format, columns, city, tag, storeId, status, lang,
      createdFrom: range?.[0]?.format('YYYY-MM-DD'), createdTo: range?.[1]?.format('YYYY-MM-DD'),
    }),
    [format, columns, city, tag, storeId, status, lang, range],
  );

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%', maxWidth: 960 }}>
      <Typography.Title level={3}>{t('privacy.exp.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('privacy.exp.intro')}</Typography.Paragraph>
      {info?.masked && <Alert type="warning" showIcon message={t('privacy.exp.masked')} data-testid="exp-masked" />}
      <Card title={t('privacy.exp.columns')} size="small"
        extra={<Checkbox
          checked={!!info && columns.length === info.columns.length}
          indeterminate={!!info && columns.length > 0 && columns.length < info.columns.length}
          onChange={(e) => setColumns(e.target.checked ? info!.columns.map((c) => c.key) : [])}
        >{t('privacy.exp.all')}</Checkbox>}
      >
        <Checkbox.Group value={columns} onChange={(v) => setColumns(info!.columns.map((c) => c.key).filter((k) => (v as string[]).includes(k)))} data-testid="exp-columns">
          <Space wrap size={[16, 8]}>
            {info?.columns.map((c) => (
              <Checkbox key={c.key} value={c.key} data-testid={`exp-col-${c.key}`}>
                {c.label} {c.personal && <Tag color={info.masked ? 'orange' : 'default'}>{t('privacy.exp.personal')}</Tag>}
              </Checkbox>
            ))}
          </Space>
        </Checkbox.Group>
      </Card>
      <Card title={t('privacy.exp.filters')} size="small">
        <Form layout="inline" style={{ rowGap: 12 }}>
          <Form.Item label={t('privacy.exp.city')}><Input value={city} onChange={(e) => setCity(e.target.value)} placeholder="上海" maxLength={50} data-testid="exp-city" /></Form.Item>
          <Form.Item label={t('privacy.exp.tag')}><Input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="VIP" maxLength={50} /></Form.Item>
          <Form.Item label={t('privacy.exp.store')}>
            <Select allowClear style={{ minWidth: 200 }} placeholder={t('privacy.exp.anyStore')} value={storeId} onChange={setStoreId}
              options={stores.map((s) => ({ value: s.id, label: s.name }))} showSearch optionFilterProp="label" />
          </Form.Item>
          <Form.Item label={t('privacy.exp.created')}><DatePicker.RangePicker value={range as any} onChange={(v) => setRange(v as any)} /></Form.Item>
          <Form.Item label={t('privacy.exp.status')}>
            <Select style={{ width: 120 }} value={status} onChange={setStatus}
              options={['active', 'merged', 'erased'].map((s) => ({ value: s, label: t(`privacy.exp.status.${s}`) }))} />
          </Form.Item>
        </Form>
      </Card>
      <Space>
        <Typography.Text>{t('privacy.exp.format')}</Typography.Text>
        <Radio.Group value={format} onChange={(e) => setFormat(e.target.value)} data-testid="exp-format"
          options={[{ value: 'csv', label: 'CSV' }, { value: 'xlsx', label: 'Excel (XLSX)' }]} optionType="button" />
        <Button type="primary" icon={<DownloadOutlined />} href={columns.length ? href : undefined} disabled={!columns.length} data-testid="exp-download">
          {t('privacy.exp.download')}
        </Button>
        {!columns.length && <Typography.Text type="danger">{t('privacy.exp.noColumns')}</Typography.Text>}
      </Space>
    </Space>
  );
}
