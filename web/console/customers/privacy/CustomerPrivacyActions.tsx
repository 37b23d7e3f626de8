import { useState } from 'react';
import { Alert, App, Button, Descriptions, Drawer, Empty, Form, Input, Modal, Space, Timeline, Typography } from 'antd';
import { DeleteOutlined, DownloadOutlined, HistoryOutlined } from '@ant-design/icons';
import { ApiError, get, post } from '../../api.ts';
import { useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';
import './messages.ts';

interface Merge {
  id: number;
  survivorId: number;
  mergedIds: number[];
  reason: string | null;
  before: { survivor?: Record<string, unknown>; merged?: Record<string, unknown>[]; erased?: boolean };
  moved: { purchases?: number; consents?: number };
  mergedBy: string;
  mergedAt: string;
}

const SHOWN = ['name', 'mobile', 'email', 'birthday', 'card_no', 'city'];

/**
 * The privacy buttons for a customer's detail page: download their data (DSAR), erase on request (asks for the
 * reason), and the merge history. Each button shows only to staff holding its permission.
 */
export function CustomerPrivacyActions({ customerId, onErased }: { customerId: number; onErased?: () => void }) {
  const { t } = useT();
  const { message } = App.useApp();
  const { can } = useSession();
  const [erasing, setErasing] = useState(false);
  const [history, setHistory] = useState<Merge[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();

  const erase = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    const { reason } = values;
    setBusy(true);
    try {
      await post(`/api/customers/${customerId}/erase`, { reason });
      message.success(t('privacy.act.erased'));
      setErasing(false);
      form.resetFields();
      onErased?.();
    } catch (e) {
      message.error((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };
  const showHistory = async () => setHistory((await get<{ items: Merge[] }>(`/api/customers/${customerId}/merges`)).items);

  return (
    <Space wrap>
      {can('customers.export') && can('customers.pii') && (
        <Button icon={<DownloadOutlined />} href={`/api/customers/${customerId}/data-export`} data-testid="privacy-data-export">
          {t('privacy.act.dataExport')}
        </Button>
      )}
      {can('customers.read') && (
        <Button icon={<HistoryOutlined />} onClick={() => void showHistory()} data-testid="privacy-merge-history">{t('privacy.act.history')}</Button>
      )}
      {can('customers.erase') && (
        <Button danger icon={<DeleteOutlined />} onClick={() => setErasing(true)} data-testid="privacy-erase">{t('privacy.act.erase')}</Button>
      )}
      <Modal
        open={erasing}
        title={t('privacy.act.eraseTitle')}
        okText={t('privacy.act.eraseConfirm')}
        okButtonProps={{ danger: true, loading: busy, 'data-testid': 'privacy-erase-confirm' } as any}
        cancelText={t('common.cancel')}
        onOk={() => void erase()}
        onCancel={() => setErasing(false)}
        destroyOnHidden
      >
        <Alert type="error" showIcon message={t('privacy.act.eraseWarning')} style={{ marginBottom: 16 }} />
        <Form form={form} layout="vertical">
          <Form.Item name="reason" label={t('privacy.act.reason')} rules={[{ required: true, whitespace: true, message: t('privacy.act.reasonRequired') }]}>
            <Input.TextArea rows={3} maxLength={500} data-testid="privacy-erase-reason" />
          </Form.Item>
        </Form>
      </Modal>
      <Drawer open={history !== null} onClose={() => setHistory(null)} title={t('privacy.act.history')} width={560}>
        {history?.length === 0 && <Empty description={t('privacy.act.noMerges')} />}
        <Timeline
          items={(history ?? []).map((m) => ({
            children: (
              <Space direction="vertical" size={4} style={{ width: '100%' }}>
                <Typography.Text strong>{new Date(m.mergedAt).toLocaleString('zh-CN')}</Typography.Text>
                <Typography.Text>{t('privacy.act.mergeLine', { who: m.mergedBy, ids: m.mergedIds.map((i) => `#${i}`).join('、'), survivor: `#${m.survivorId}` })}</Typography.Text>
                {m.reason && <Typography.Text type="secondary">{t('privacy.act.mergeReason', { reason: m.reason })}</Typography.Text>}
                <Typography.Text type="secondary">{t('privacy.act.moved', { purchases: m.moved.purchases ?? 0, consents: m.moved.consents ?? 0 })}</Typography.Text>
                {m.before.survivor && (
                  <Descriptions size="small" bordered column={1} title={t('privacy.act.before')}>
                    {[m.before.survivor, ...(m.before.merged ?? [])].map((r) => (
                      <Descriptions.Item key={String(r.id)} label={`#${r.id}`}>
                        {SHOWN.map((k) => r[k]).filter((v) => v != null && v !== '').join(' · ') || '—'}
                      </Descriptions.Item>
                    ))}
                  </Descriptions>
                )}
              </Space>
            ),
          }))}
        />
      </Drawer>
    </Space>
  );
}
