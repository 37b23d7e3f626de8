import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { App, Button, Card, Col, Empty, Form, Input, Radio, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import { DownloadOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { ApiError, del, get, patch, post } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import { EChart } from '../shell/EChart.tsx';
import { completeFilter, FilterBuilder, type FieldInfo } from './FilterBuilder.tsx';

defineMessages({
  'nav.segments': { zh: '客户分群', en: 'Segments' },
  'seg.title': { zh: '客户分群', en: 'Segments' },
  'seg.new': { zh: '新建分群', en: 'New segment' },
  'seg.name': { zh: '名称', en: 'Name' },
  'seg.description': { zh: '说明', en: 'Description' },
  'seg.members': { zh: '人数', en: 'Members' },
  'seg.refreshedAt': { zh: '更新于', en: 'Refreshed' },
  'seg.refresh': { zh: '刷新方式', en: 'Refresh' },
  'seg.refresh.daily': { zh: '每日自动', en: 'Daily' },
  'seg.refresh.manual': { zh: '手动', en: 'Manual' },
  'seg.refreshNow': { zh: '立即刷新', en: 'Refresh now' },
  'seg.liveCount': { zh: '实时匹配人数', en: 'Matching now' },
  'seg.sample': { zh: '匹配客户示例', en: 'Sample of matching customers' },
  'seg.save': { zh: '保存分群', en: 'Save segment' },
  'seg.archive': { zh: '归档', en: 'Archive' },
  'seg.trend': { zh: '人数变化趋势', en: 'Size over time' },
  'seg.memberList': { zh: '分群成员（截至上次刷新）', en: 'Members (as of the last refresh)' },
  'seg.export': { zh: '导出 CSV', en: 'Export CSV' },
  'seg.loadMore': { zh: '加载更多', en: 'Load more' },
  'seg.saved': { zh: '分群已保存', en: 'Segment saved' },
  'seg.joinedLeft': { zh: '新增 {joined} 人，移出 {left} 人', en: '{joined} joined, {left} left' },
  'seg.empty': { zh: '还没有分群，新建一个吧', en: 'No segments yet: build the first one' },
});

interface Segment {
  id: number;
  name: string;
  description: string;
  filter: any;
  refresh: 'daily' | 'manual';
  memberCount: number | null;
  refreshedAt: string | null;
  version: number;
}

const fmtTime = (s: string | null, lang: string) => (s ? new Date(s).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false }) : '—');

export function SegmentsPage() {
  const { t, lang } = useT();
  const { can } = useSession();
  const [items, setItems] = useState<Segment[] | null>(null);
  useEffect(() => {
    void get('/api/segments').then((r) => setItems(r.items));
  }, []);
  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('seg.title')}</Typography.Title>
        {can('segments.manage') && <Link to="/segments/new"><Button type="primary" icon={<PlusOutlined />} data-testid="seg-new">{t('seg.new')}</Button></Link>}
      </Space>
      <Table<Segment>
        rowKey="id"
        loading={!items}
        dataSource={items ?? []}
        locale={{ emptyText: <Empty description={t('seg.empty')} /> }}
        columns={[
          { title: t('seg.name'), dataIndex: 'name', render: (n, s) => <Link to={`/segments/${s.id}`}>{n}</Link> },
          { title: t('seg.description'), dataIndex: 'description', ellipsis: true },
          { title: t('seg.members'), dataIndex: 'memberCount', align: 'right', render: (n) => n?.toLocaleString() ?? '—' },
          { title: t('seg.refresh'), dataIndex: 'refresh', render: (r) => <Tag>{t(`seg.refresh.${r}`)}</Tag> },
          { title: t('seg.refreshedAt'), dataIndex: 'refreshedAt', render: (s) => fmtTime(s, lang) },
        ]}
      />
    </>
  );
}

function TrendChart({ points }: { points: { measuredAt: string; memberCount: number }[] }) {
  const { t, lang } = useT();
  const option = useMemo(() => ({
    grid: { left: 50, right: 20, top: 20, bottom: 30 },
    tooltip: { trigger: 'axis' as const },
    xAxis: { type: 'time' as const },
    yAxis: { type: 'value' as const, minInterval: 1 },
    series: [{ name: t('seg.members'), type: 'line' as const, smooth: true, areaStyle: { opacity: 0.15 }, data: points.map((p) => [p.measuredAt, p.memberCount]) }],
  }), [points, lang]);
  return <EChart option={option} height={240} testId="seg-trend" />;
}

function useFields() {
  const [fields, setFields] = useState<FieldInfo[]>([]);
  useEffect(() => {
    void get('/api/segments/fields').then((r) => setFields(r.items));
  }, []);
  return fields;
}

/** New segment (no id) or an existing one: the builder, the live count and sample, and for saved ones the trend and members. */
export function SegmentEditorPage() {
  const { id } = useParams();
  const isNew = !id || id === 'new';
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const fields = useFields();
  const [form] = Form.useForm();
  const [segment, setSegment] = useState<Segment | null>(null);
  const [filter, setFilter] = useState<any>({ all: [] });
  const [preview, setPreview] = useState<{ count: number; sample: any[] } | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [sizes, setSizes] = useState<any[]>([]);
  const [members, setMembers] = useState<any[]>([]);
  const [saving, setSaving] = useState(false);

  const loadSaved = useCallback(async () => {
    if (isNew) return;
    const s = await get<Segment>(`/api/segments/${id}`);
    setSegment(s);
    setFilter(s.filter);
    form.setFieldsValue({ name: s.name, description: s.description, refresh: s.refresh });
    setSizes((await get(`/api/segments/${id}/sizes`)).items);
    setMembers((await get(`/api/segments/${id}/members?limit=50`)).items);
  }, [id, isNew, form]);
  useEffect(() => {
    void loadSaved();
  }, [loadSaved]);

  useEffect(() => {
    const complete = completeFilter(filter);
    const timer = setTimeout(async () => {
      try {
        setPreview(await post('/api/segments/preview', { filter: complete ?? { all: [] }, sampleSize: 10 }));
        setPreviewError(null);
      } catch (e) {
        setPreviewError(e instanceof ApiError ? (e.fields?.map((f) => f.message).join('; ') || e.message) : String(e));
      }
    }, 350);
    return () => clearTimeout(timer);
  }, [filter]);

  const save = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      const body = { ...v, filter: completeFilter(filter) ?? { all: [] } };
      const saved = isNew ? await post<Segment>('/api/segments', body) : await patch<Segment>(`/api/segments/${id}`, { ...body, version: segment!.version });
      message.success(t('seg.saved'));
      if (isNew) navigate(`/segments/${saved.id}`);
      else await loadSaved();
    } catch (e) {
      if (e instanceof ApiError && e.fields) form.setFields(e.fields.filter((f) => ['name', 'description'].includes(f.path)).map((f) => ({ name: f.path, errors: [f.message] })));
      message.error(e instanceof ApiError ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };
  const refreshNow = async () => {
    const r = await post(`/api/segments/${id}/refresh`);
    message.success(t('seg.joinedLeft', { joined: r.joined, left: r.left }));
    await loadSaved();
  };
  const manage = can('segments.manage');
  const memberColumns = [
    { title: t('col.name'), dataIndex: 'name', render: (n: string, c: any) => <Link to={`/customers/${c.id}`}>{n}</Link> },
    { title: t('col.mobile'), dataIndex: 'mobile' },
    { title: t('col.city'), dataIndex: 'city' },
    { title: t('col.gender'), dataIndex: 'gender', render: (g: string) => fields.find((f) => f.key === 'gender')?.options?.find((o) => o.value === g)?.[lang] ?? g },
  ];

  return (
    <>
      <Typography.Title level={3} data-testid="page-title">{isNew ? t('seg.new') : segment?.name}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} xl={16}>
          <FilterBuilder value={filter} onChange={setFilter} fields={fields} />
          {previewError && <Typography.Text type="danger" data-testid="seg-error">{previewError}</Typography.Text>}
        </Col>
        <Col xs={24} xl={8}>
          <Card>
            <Statistic title={t('seg.liveCount')} value={preview?.count ?? '—'} valueRender={(n) => <span data-testid="seg-count">{n}</span>} />
          </Card>
          <Card title={t('seg.sample')} size="small" style={{ marginTop: 16 }}>
            <Table size="small" rowKey="id" pagination={false} dataSource={preview?.sample ?? []} columns={memberColumns.slice(0, 3)} />
          </Card>
          {manage && (
            <Card style={{ marginTop: 16 }}>
              <Form form={form} layout="vertical" initialValues={{ refresh: 'daily' }}>
                <Form.Item name="name" label={t('seg.name')} rules={[{ required: true, max: 100 }]}>
                  <Input data-testid="seg-name" placeholder="例如：上海高价值女性会员" />
                </Form.Item>
                <Form.Item name="description" label={t('seg.description')} rules={[{ max: 1000 }]}>
                  <Input.TextArea rows={2} />
                </Form.Item>
                <Form.Item name="refresh" label={t('seg.refresh')}>
                  <Radio.Group options={[{ value: 'daily', label: t('seg.refresh.daily') }, { value: 'manual', label: t('seg.refresh.manual') }]} />
                </Form.Item>
                <Space>
                  <Button type="primary" loading={saving} onClick={save} data-testid="seg-save">{t('seg.save')}</Button>
                  {!isNew && <Button danger onClick={async () => { await del(`/api/segments/${id}`); navigate('/segments'); }}>{t('seg.archive')}</Button>}
                </Space>
              </Form>
            </Card>
          )}
        </Col>
      </Row>
      {!isNew && segment && (
        <Row gutter={16} style={{ marginTop: 16 }}>
          <Col xs={24} xl={10}>
            <Card title={t('seg.trend')} extra={manage && <Button size="small" icon={<ReloadOutlined />} onClick={refreshNow}>{t('seg.refreshNow')}</Button>}>
              <TrendChart points={sizes} />
            </Card>
          </Col>
          <Col xs={24} xl={14}>
            <Card
              title={`${t('seg.memberList')} · ${segment.memberCount?.toLocaleString() ?? 0}`}
              extra={can('customers.export') && <Button size="small" icon={<DownloadOutlined />} href={`/api/segments/${id}/export`}>{t('seg.export')}</Button>}
            >
              <Table size="small" rowKey="id" pagination={false} dataSource={members} columns={memberColumns} />
              {members.length > 0 && members.length % 50 === 0 && (
                <Button style={{ marginTop: 8 }} onClick={async () => {
                  const more = (await get(`/api/segments/${id}/members?limit=50&afterId=${members[members.length - 1].id}`)).items;
                  setMembers([...members, ...more]);
                }}>{t('seg.loadMore')}</Button>
              )}
            </Card>
          </Col>
        </Row>
      )}
    </>
  );
}
