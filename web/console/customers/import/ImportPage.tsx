import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Col, Progress, Radio, Row, Select, Space, Statistic, Table, Tag, Typography, Upload, message } from 'antd';
import { InboxOutlined } from '@ant-design/icons';
import { ApiError, get, post } from '../../api.ts';
import { defineMessages, useT } from '../../i18n.tsx';

defineMessages({
  'nav.customersImport': { zh: '批量导入', en: 'Bulk import' },
  'customers.import.title': { zh: '批量导入会员与消费', en: 'Import customers and purchases' },
  'customers.import.drop': { zh: '点击或拖拽 CSV / XLSX 文件到此处上传', en: 'Click or drag a CSV / XLSX file here to upload' },
  'customers.import.dropHint': { zh: '最大 512 MB；支持 UTF-8 与 GBK 编码，首行为表头', en: 'Up to 512 MB; UTF-8 or GBK; the first row holds the headers' },
  'customers.import.encoding': { zh: '文件编码', en: 'Encoding' },
  'customers.import.encodingAuto': { zh: '自动识别', en: 'Detect' },
  'customers.import.detected': { zh: '格式 {format}，编码 {encoding}，{columns} 列', en: 'Format {format}, encoding {encoding}, {columns} columns' },
  'customers.import.mapping': { zh: '列映射与预览', en: 'Column mapping and preview' },
  'customers.import.ignore': { zh: '（不导入）', en: '(ignore)' },
  'customers.import.attribute': { zh: '自定义属性：{name}', en: 'Custom attribute: {name}' },
  'customers.import.policy': { zh: '重复会员处理', en: 'Duplicates of existing customers' },
  'customers.import.policy.merge': { zh: '合并：只补全空白字段', en: 'Merge: fill empty fields only' },
  'customers.import.policy.update': { zh: '更新：用文件中的值覆盖', en: 'Update: overwrite with the file\'s values' },
  'customers.import.policy.skip': { zh: '跳过：不修改已有会员（记为拒绝）', en: 'Skip: leave them unchanged (reported as rejected)' },
  'customers.import.start': { zh: '开始导入', en: 'Start import' },
  'customers.import.progress': { zh: '导入进度', en: 'Progress' },
  'customers.import.rowsRead': { zh: '已读取', en: 'Rows read' },
  'customers.import.created': { zh: '新建', en: 'Created' },
  'customers.import.updated': { zh: '更新', en: 'Updated' },
  'customers.import.merged': { zh: '合并', en: 'Merged' },
  'customers.import.rejected': { zh: '拒绝', en: 'Rejected' },
  'customers.import.reportAll': { zh: '下载全部行报告', en: 'Report, all rows' },
  'customers.import.reportRejected': { zh: '下载被拒绝的行', en: 'Rejected rows' },
  'customers.import.history': { zh: '导入记录', en: 'Import history' },
  'customers.import.file': { zh: '文件', en: 'File' },
  'customers.import.status': { zh: '状态', en: 'Status' },
  'customers.import.time': { zh: '时间', en: 'Time' },
  'customers.import.by': { zh: '操作人', en: 'By' },
  'customers.import.again': { zh: '导入另一个文件', en: 'Import another file' },
  'customers.import.status.uploaded': { zh: '待开始', en: 'Uploaded' },
  'customers.import.status.queued': { zh: '排队中', en: 'Queued' },
  'customers.import.status.running': { zh: '导入中', en: 'Running' },
  'customers.import.status.done': { zh: '已完成', en: 'Done' },
  'customers.import.status.failed': { zh: '失败', en: 'Failed' },
  'customers.import.field.name': { zh: '姓名', en: 'Name' },
  'customers.import.field.mobile': { zh: '手机号', en: 'Mobile' },
  'customers.import.field.email': { zh: '邮箱', en: 'Email' },
  'customers.import.field.gender': { zh: '性别', en: 'Gender' },
  'customers.import.field.birthday': { zh: '生日', en: 'Birthday' },
  'customers.import.field.city': { zh: '城市', en: 'City' },
  'customers.import.field.region': { zh: '省份', en: 'Region' },
  'customers.import.field.cardNo': { zh: '会员卡号', en: 'Card number' },
  'customers.import.field.occupation': { zh: '职业', en: 'Occupation' },
  'customers.import.field.incomeBand': { zh: '收入', en: 'Income band' },
  'customers.import.field.tags': { zh: '标签', en: 'Tags' },
  'customers.import.field.store': { zh: '门店（编码或名称）', en: 'Store (code or name)' },
  'customers.import.field.source': { zh: '来源', en: 'Source' },
  'customers.import.field.preferredChannel': { zh: '偏好渠道', en: 'Preferred channel' },
  'customers.import.field.notes': { zh: '备注', en: 'Notes' },
  'customers.import.kind': { zh: '导入内容', en: 'What to import' },
  'customers.import.kind.customers': { zh: '会员资料', en: 'Customers' },
  'customers.import.kind.purchases': { zh: '消费记录（按订单号合并明细行）', en: 'Purchases (lines grouped by order number)' },
  'customers.import.field.orderNo': { zh: '订单号', en: 'Order number' },
  'customers.import.field.purchasedAt': { zh: '购买时间', en: 'Purchase time' },
  'customers.import.field.sku': { zh: '商品编码', en: 'SKU' },
  'customers.import.field.quantity': { zh: '数量', en: 'Quantity' },
  'customers.import.field.unitPrice': { zh: '单价（元）', en: 'Unit price (yuan)' },
  'customers.import.field.amount': { zh: '金额（元）', en: 'Amount (yuan)' },
  'customers.import.field.discount': { zh: '折扣（元）', en: 'Discount (yuan)' },
  'customers.import.field.paid': { zh: '实付（元）', en: 'Paid (yuan)' },
  'customers.import.field.channel': { zh: '渠道', en: 'Channel' },
});

interface Uploaded {
  id: number;
  format: string;
  encoding: string | null;
  hasHeader: boolean;
  columns: string[];
  preview: { rowNo: number; cells: string[] }[];
  suggestedMapping: (string | null)[];
  targets: string[];
  attributes?: { target: string; key: string; labelZh: string; labelEn: string }[];
}

interface ImportSummary {
  id: number;
  status: string;
  fileName: string;
  rowsRead: number;
  created: number;
  updated: number;
  merged: number;
  rejected: number;
  percent: number;
  error: string | null;
  createdByName: string;
  createdAt: string;
}

const statusColour: Record<string, string> = { done: 'green', failed: 'red', running: 'blue', queued: 'gold', uploaded: 'default' };

function ReportLinks({ id }: { id: number }) {
  const { t } = useT();
  return (
    <Space wrap>
      <a href={`/api/imports/${id}/report?format=csv&rows=rejected`} data-testid="report-rejected-csv">{t('customers.import.reportRejected')} (CSV)</a>
      <a href={`/api/imports/${id}/report?format=xlsx&rows=rejected`}>{t('customers.import.reportRejected')} (XLSX)</a>
      <a href={`/api/imports/${id}/report?format=csv&rows=all`} data-testid="report-all-csv">{t('customers.import.reportAll')} (CSV)</a>
      <a href={`/api/imports/${id}/report?format=xlsx&rows=all`}>{t('customers.import.reportAll')} (XLSX)</a>
    </Space>
  );
}

export function ImportPage() {
  const { t, lang } = useT();
  const [encoding, setEncoding] = useState<string>('');
  const [kind, setKind] = useState<'customers' | 'purchases'>('customers');
  const [uploaded, setUploaded] = useState<Uploaded | null>(null);
  const [mapping, setMapping] = useState<(string | null)[]>([]);
  const [policy, setPolicy] = useState<'merge' | 'update' | 'skip'>('merge');
  const [running, setRunning] = useState<ImportSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<ImportSummary[]>([]);
  const [busy, setBusy] = useState(false);
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);

  const loadHistory = useCallback(() => {
    void get<{ items: ImportSummary[] }>('/api/imports?limit=20').then((r) => setHistory(r.items)).catch(() => undefined);
  }, []);
  useEffect(() => {
    loadHistory();
    return () => {
      if (timer.current) clearInterval(timer.current);
    };
  }, [loadHistory]);

  async function uploadFile(file: File) {
    setError(null);
    setBusy(true);
    try {
      const form = new FormData();
      form.append('file', file);
      const qs = new URLSearchParams({ kind, ...(encoding ? { encoding } : {}) });
      const res = await fetch(`/api/imports?${qs}`, { method: 'POST', body: form, credentials: 'same-origin', headers: { 'accept-language': lang === 'zh' ? 'zh-CN' : 'en' } });
      const data = await res.json();
      if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'ERROR', data?.error?.message ?? res.statusText);
      setUploaded(data);
      setMapping(data.suggestedMapping);
      setRunning(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  function poll(id: number) {
    if (timer.current) clearInterval(timer.current);
    timer.current = setInterval(async () => {
      try {
        const s = await get<ImportSummary>(`/api/imports/${id}`);
        setRunning(s);
        if (s.status === 'done' || s.status === 'failed') {
          clearInterval(timer.current!);
          loadHistory();
        }
      } catch {
        /* keep polling */
      }
    }, 1000);
  }

  async function start() {
    if (!uploaded) return;
    setError(null);
    setBusy(true);
    try {
      const s = await post<ImportSummary>(`/api/imports/${uploaded.id}/start`, { mapping, duplicatePolicy: policy });
      setRunning(s);
      if (s.status !== 'done' && s.status !== 'failed') poll(uploaded.id);
      else loadHistory();
    } catch (e) {
      setError((e as Error).message);
      if (e instanceof ApiError) void message.error(e.message);
    } finally {
      setBusy(false);
    }
  }

  const targetOptions = () => [
    { value: '', label: t('customers.import.ignore') },
    ...(uploaded?.targets ?? []).map((f) => ({ value: f, label: t(`customers.import.field.${f}`) })),
    ...(uploaded?.attributes ?? []).map((a) => ({ value: a.target, label: t('customers.import.attribute', { name: lang === 'zh' ? a.labelZh : a.labelEn }) })),
  ];

  const statusTag = (s: string) => <Tag color={statusColour[s]}>{t(`customers.import.status.${s}`)}</Tag>;

  return (
    <>
      <Typography.Title level={3} data-testid="page-title">{t('customers.import.title')}</Typography.Title>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="import-error" closable onClose={() => setError(null)} />}
      {!uploaded && (
        <Card>
          <Space style={{ marginBottom: 12 }} wrap>
            <span>{t('customers.import.kind')}</span>
            <Radio.Group value={kind} onChange={(e) => setKind(e.target.value)} data-testid="import-kind">
              <Radio value="customers">{t('customers.import.kind.customers')}</Radio>
              <Radio value="purchases">{t('customers.import.kind.purchases')}</Radio>
            </Radio.Group>
            <span>{t('customers.import.encoding')}</span>
            <Select value={encoding} onChange={setEncoding} style={{ width: 160 }} data-testid="import-encoding"
              options={[{ value: '', label: t('customers.import.encodingAuto') }, { value: 'utf8', label: 'UTF-8' }, { value: 'gbk', label: 'GBK / GB18030' }]} />
          </Space>
          <div data-testid="import-dropzone">
          <Upload.Dragger accept=".csv,.txt,.xlsx" multiple={false} showUploadList={false} disabled={busy}
            beforeUpload={(file) => { void uploadFile(file); return false; }}>
            <p className="ant-upload-drag-icon"><InboxOutlined /></p>
            <p className="ant-upload-text">{t('customers.import.drop')}</p>
            <p className="ant-upload-hint">{t('customers.import.dropHint')}</p>
          </Upload.Dragger>
          </div>
        </Card>
      )}
      {uploaded && !running && (
        <Card title={t('customers.import.mapping')} extra={<Typography.Text type="secondary">{t('customers.import.detected', { format: uploaded.format.toUpperCase(), encoding: uploaded.encoding ?? '—', columns: uploaded.columns.length })}</Typography.Text>}>
          <Table
            size="small"
            scroll={{ x: true }}
            pagination={false}
            rowKey="rowNo"
            data-testid="import-preview"
            dataSource={uploaded.preview}
            columns={uploaded.columns.map((c, i) => ({
              key: String(i),
              title: (
                <Space direction="vertical" size={4}>
                  <Typography.Text strong>{c}</Typography.Text>
                  <Select size="small" style={{ minWidth: 150 }} value={mapping[i] ?? ''} data-testid={`mapping-${i}`} showSearch optionFilterProp="label"
                    options={targetOptions()} onChange={(v) => setMapping((m) => m.map((x, j) => (j === i ? v || null : x)))} />
                </Space>
              ),
              render: (_: unknown, r: { cells: string[] }) => <span style={{ whiteSpace: 'pre-wrap' }}>{r.cells[i] ?? ''}</span>,
            }))}
          />
          {kind === 'customers' && <div style={{ marginTop: 16 }}>
            <Typography.Text strong>{t('customers.import.policy')}</Typography.Text>
            <div>
              <Radio.Group value={policy} onChange={(e) => setPolicy(e.target.value)} data-testid="import-policy">
                <Radio value="merge">{t('customers.import.policy.merge')}</Radio>
                <Radio value="update">{t('customers.import.policy.update')}</Radio>
                <Radio value="skip">{t('customers.import.policy.skip')}</Radio>
              </Radio.Group>
            </div>
          </div>}
          <Space style={{ marginTop: 16 }}>
            <Button type="primary" onClick={() => void start()} loading={busy} data-testid="import-start">{t('customers.import.start')}</Button>
            <Button onClick={() => setUploaded(null)}>{t('common.cancel')}</Button>
          </Space>
        </Card>
      )}
      {running && (
        <Card title={<Space>{t('customers.import.progress')} {statusTag(running.status)}</Space>} data-testid="import-progress">
          <Progress percent={running.percent} status={running.status === 'failed' ? 'exception' : running.status === 'done' ? 'success' : 'active'} data-testid="import-percent" />
          {running.error && <Alert type="error" message={running.error} style={{ margin: '12px 0' }} />}
          <Row gutter={16} style={{ marginTop: 12 }}>
            {(['rowsRead', 'created', 'updated', 'merged', 'rejected'] as const).map((k) => (
              <Col key={k} xs={12} sm={8} md={4}>
                <Statistic title={t(`customers.import.${k}`)} value={running[k]} valueRender={(n) => <span data-testid={`import-${k}`}>{n}</span>} />
              </Col>
            ))}
          </Row>
          {running.status === 'done' && <div style={{ marginTop: 12 }}><ReportLinks id={running.id} /></div>}
          {(running.status === 'done' || running.status === 'failed') && (
            <Button style={{ marginTop: 12 }} onClick={() => { setUploaded(null); setRunning(null); }} data-testid="import-again">{t('customers.import.again')}</Button>
          )}
        </Card>
      )}
      <Card title={t('customers.import.history')} style={{ marginTop: 16 }} extra={<Button size="small" onClick={loadHistory}>{t('common.refresh')}</Button>}>
        <Table
          size="small"
          rowKey="id"
          data-testid="import-history"
          dataSource={history}
          pagination={false}
          columns={[
            { title: 'ID', dataIndex: 'id', width: 70 },
            { title: t('customers.import.file'), dataIndex: 'fileName' },
            { title: t('customers.import.status'), dataIndex: 'status', render: statusTag },
            { title: t('customers.import.rowsRead'), dataIndex: 'rowsRead' },
            { title: t('customers.import.created'), dataIndex: 'created' },
            { title: t('customers.import.updated'), dataIndex: 'updated' },
            { title: t('customers.import.merged'), dataIndex: 'merged' },
            { title: t('customers.import.rejected'), dataIndex: 'rejected' },
            { title: t('customers.import.by'), dataIndex: 'createdByName' },
            { title: t('customers.import.time'), dataIndex: 'createdAt', render: (v: string) => new Date(v).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') },
            { title: '', key: 'report', render: (_: unknown, r: ImportSummary) => (r.status === 'done' ? <ReportLinks id={r.id} /> : null) },
          ]}
        />
      </Card>
    </>
  );
}
