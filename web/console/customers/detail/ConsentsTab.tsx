import { useState } from 'react';
import { App, Badge, Card, Input, Select, Space, Switch, Table } from 'antd';
import { post } from '../../api.ts';
import { useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';
import { SOURCES } from '../CustomerForm.tsx';
import './messages.ts';

/** Current consent per channel as switches (a change is recorded with the chosen source), and the history. */
export function ConsentsTab({ customerId, consents, onChanged }: { customerId: number; consents: { current: any[]; history: any[] }; onChanged: () => void }) {
  const { t } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [source, setSource] = useState<string>('门店');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const record = async (channel: string, granted: boolean) => {
    setBusy(channel);
    try {
      await post(`/api/customers/${customerId}/consents`, { changes: [{ channel, granted, source, ...(note ? { note } : {}) }] });
      message.success(t('customers.detail.consent.recorded'));
      setNote('');
      onChanged();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const when = (v: string | null) => (v ? new Date(v).toLocaleString() : '—');
  return (
    <>
      <Card size="small" style={{ marginBottom: 16 }}>
        {can('customers.write') && (
          <Space wrap style={{ marginBottom: 16 }}>
            <span>{t('customers.detail.consent.source')}</span>
            <Select value={source} onChange={setSource} style={{ width: 140 }} options={SOURCES.map(([value, key]) => ({ value, label: t(`customers.source.${key}`) }))} data-testid="consent-source" />
            <Input placeholder={t('customers.detail.consent.note')} value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} style={{ width: 280 }} />
          </Space>
        )}
        <Table
          rowKey="channel" size="small" pagination={false} dataSource={consents.current}
          columns={[
            { title: t('customers.detail.consent.channel'), dataIndex: 'channel', render: (c: string) => t(`customers.channel.${c}`) },
            {
              title: t('customers.detail.consent.state'), dataIndex: 'granted',
              render: (g: boolean, r: any) => (
                <Space>
                  <Switch checked={g} loading={busy === r.channel} disabled={!can('customers.write')} onChange={(v) => record(r.channel, v)} data-testid={`consent-${r.channel}`} />
                  <Badge status={g ? 'success' : 'default'} text={g ? t('customers.detail.consent.granted') : t('customers.detail.consent.notGranted')} />
                </Space>
              ),
            },
            { title: t('customers.detail.consent.source'), dataIndex: 'source', render: (s: string | null) => s ?? '—' },
            { title: t('customers.detail.consent.since'), dataIndex: 'recordedAt', render: when },
          ]}
        />
      </Card>
      <Card size="small" title={t('customers.detail.consent.history')}>
        <Table
          rowKey="id" size="small" pagination={false} dataSource={consents.history} data-testid="consent-history"
          columns={[
            { title: t('customers.detail.consent.at'), dataIndex: 'recordedAt', render: when },
            { title: t('customers.detail.consent.channel'), dataIndex: 'channel', render: (c: string) => t(`customers.channel.${c}`) },
            { title: t('customers.detail.consent.state'), dataIndex: 'granted', render: (g: boolean) => <Badge status={g ? 'success' : 'default'} text={g ? t('customers.detail.consent.granted') : t('customers.detail.consent.notGranted')} /> },
            { title: t('customers.detail.consent.source'), dataIndex: 'source' },
            { title: t('customers.detail.consent.recordedBy'), dataIndex: 'recordedBy' },
            { title: t('customers.detail.consent.note'), dataIndex: 'note' },
          ]}
        />
      </Card>
    </>
  );
}
