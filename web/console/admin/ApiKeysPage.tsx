import { useState } from 'react';
import { Alert, App, Button, Checkbox, Form, Input, Modal, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { CopyOutlined, PlusOutlined } from '@ant-design/icons';
import { del, post } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { useApi } from '../shell/useApi.ts';
import { applyFormErrors, ErrorAlert } from '../shell/FormErrors.tsx';
import { dateTime } from '../shell/format.ts';
import { StoreSelect, StoreTags, useStores, type RolesMeta } from './common.tsx';

defineMessages({
  'admin.apikeys.title': { zh: 'API 密钥', en: 'API keys' },
  'admin.apikeys.name': { zh: '名称', en: 'Name' },
  'admin.apikeys.prefix': { zh: '前缀', en: 'Prefix' },
  'admin.apikeys.scopes': { zh: '权限范围', en: 'Scopes' },
  'admin.apikeys.stores': { zh: '门店', en: 'Stores' },
  'admin.apikeys.storesHint': { zh: '留空表示全部门店。', en: 'Empty means every store.' },
  'admin.apikeys.created': { zh: '创建时间', en: 'Created' },
  'admin.apikeys.lastUsed': { zh: '最近使用', en: 'Last used' },
  'admin.apikeys.status': { zh: '状态', en: 'Status' },
  'admin.apikeys.revokedAt': { zh: '已吊销 {at}', en: 'Revoked {at}' },
  'admin.apikeys.valid': { zh: '有效', en: 'Valid' },
  'admin.apikeys.create': { zh: '新建 API 密钥', en: 'New API key' },
  'admin.apikeys.namePlaceholder': { zh: '如：POS 收银系统', en: 'e.g. POS tills' },
  'admin.apikeys.scopesRequired': { zh: '至少选择一项权限', en: 'Choose at least one scope' },
  'admin.apikeys.revoke': { zh: '吊销', en: 'Revoke' },
  'admin.apikeys.revokeConfirm': { zh: '吊销“{name}”？使用该密钥的系统将立即无法访问，且不能恢复。', en: 'Revoke “{name}”? Systems using it lose access at once; this cannot be undone.' },
  'admin.apikeys.revokedDone': { zh: '已吊销', en: 'Revoked' },
  'admin.apikeys.keyTitle': { zh: 'API 密钥已创建', en: 'API key created' },
  'admin.apikeys.keyWarning': { zh: '请立即复制并妥善保存此密钥。关闭后将无法再次查看。', en: 'Copy this key now and keep it safe. It will not be shown again.' },
  'admin.apikeys.keyUsage': { zh: '调用方式：请求头 Authorization: Bearer <密钥>', en: 'Use it as the header Authorization: Bearer <key>' },
  'admin.apikeys.keyClose': { zh: '我已保存，关闭', en: 'I have saved it, close' },
  'admin.apikeys.copyFailed': { zh: '无法自动复制，请手动选中复制', en: 'Could not copy automatically; select and copy it by hand' },
});

interface ApiKeyRow {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  storeIds: number[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function ApiKeysPage() {
  const { t } = useT();
  const { message } = App.useApp();
  const list = useApi<{ items: ApiKeyRow[] }>('/api/api-keys');
  const meta = useApi<RolesMeta>('/api/meta/roles');
  const { stores, byId } = useStores();
  const [creating, setCreating] = useState(false);
  const [shownKey, setShownKey] = useState<{ key: string; name: string } | null>(null);
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const scopes = meta.data?.apiKeyScopes ?? [];
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    setError(null);
    try {
      const r = await post<{ key: string; apiKey: ApiKeyRow }>('/api/api-keys', { name: v.name, scopes: v.scopes, storeIds: v.storeIds ?? [] });
      setCreating(false);
      setShownKey({ key: r.key, name: r.apiKey.name });
      await list.reload();
    } catch (e) {
      setError(applyFormErrors(form, e));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (row: ApiKeyRow) => {
    try {
      await del(`/api/api-keys/${row.id}`);
      message.success(t('admin.apikeys.revokedDone'));
      await list.reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };

  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('admin.apikeys.title')}</Typography.Title>
        <Button
          type="primary"
          icon={<PlusOutlined />}
          data-testid="apikey-create"
          onClick={() => {
            setError(null);
            form.resetFields();
            setCreating(true);
          }}
        >
          {t('admin.apikeys.create')}
        </Button>
      </Space>
      <ErrorAlert error={list.error && t('common.loadFailed', { message: list.error.message })} testId="load-error" />
      <Table<ApiKeyRow>
        rowKey="id"
        size="middle"
        loading={list.loading}
        dataSource={list.data?.items}
        data-testid="apikeys-table"
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('admin.apikeys.name'), dataIndex: 'name', render: (v: string, r) => <span data-testid={`apikey-row-${r.prefix}`}>{v}</span> },
          { title: t('admin.apikeys.prefix'), dataIndex: 'prefix', render: (v: string) => <Typography.Text code style={{ whiteSpace: 'nowrap' }}>pk_{v}_…</Typography.Text> },
          {
            title: t('admin.apikeys.scopes'),
            dataIndex: 'scopes',
            width: 320,
            render: (v: string[]) => v.map((s) => <Tag key={s} title={s} style={{ marginBottom: 4 }}>{t(`admin.perm.${s}`)}</Tag>),
          },
          { title: t('admin.apikeys.stores'), dataIndex: 'storeIds', render: (ids: number[]) => <StoreTags ids={ids} byId={byId} /> },
          { title: t('admin.apikeys.created'), dataIndex: 'createdAt', render: dateTime },
          { title: t('admin.apikeys.lastUsed'), dataIndex: 'lastUsedAt', render: (v: string | null) => (v ? dateTime(v) : t('common.never')) },
          {
            title: t('admin.apikeys.status'),
            dataIndex: 'revokedAt',
            render: (v: string | null) => (v ? <Tag>{t('admin.apikeys.revokedAt', { at: dateTime(v) })}</Tag> : <Tag color="green">{t('admin.apikeys.valid')}</Tag>),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            fixed: 'right',
            render: (_, r) =>
              r.revokedAt ? null : (
                <Popconfirm
                  title={t('admin.apikeys.revoke')}
                  description={<div style={{ maxWidth: 280 }}>{t('admin.apikeys.revokeConfirm', { name: r.name })}</div>}
                  okText={t('admin.apikeys.revoke')}
                  cancelText={t('common.cancel')}
                  okButtonProps={{ danger: true, 'data-testid': 'apikey-revoke-confirm' } as any}
                  onConfirm={() => revoke(r)}
                >
                  <Button type="link" danger size="small" data-testid={`apikey-revoke-${r.prefix}`}>{t('admin.apikeys.revoke')}</Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('admin.apikeys.create')}
        onCancel={() => setCreating(false)}
        onOk={submit}
        okText={t('common.create')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        okButtonProps={{ 'data-testid': 'apikey-submit' } as any}
        forceRender
        width={620}
      >
        <ErrorAlert error={error} />
        <Form form={form} layout="vertical" initialValues={{ scopes: [], storeIds: [] }}>
          <Form.Item name="name" label={t('admin.apikeys.name')} rules={[{ required: true, message: t('common.required') }]}>
            <Input placeholder={t('admin.apikeys.namePlaceholder')} data-testid="apikey-name" />
          </Form.Item>
          <Form.Item name="scopes" label={t('admin.apikeys.scopes')} rules={[{ required: true, type: 'array', min: 1, message: t('admin.apikeys.scopesRequired') }]}>
            <Checkbox.Group style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 8 }} data-testid="apikey-scopes">
              {scopes.map((s) => (
                <Checkbox key={s} value={s} data-testid={`apikey-scope-${s}`}>
                  {t(`admin.perm.${s}`)} <Typography.Text type="secondary" style={{ fontSize: 12 }}>{s}</Typography.Text>
                </Checkbox>
              ))}
            </Checkbox.Group>
          </Form.Item>
          <Form.Item name="storeIds" label={t('admin.apikeys.stores')} extra={t('admin.apikeys.storesHint')}>
            <StoreSelect stores={stores} data-testid="apikey-stores" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={shownKey != null}
        title={t('admin.apikeys.keyTitle')}
        closable={false}
        maskClosable={false}
        keyboard={false}
        destroyOnHidden
        footer={
          <Button type="primary" onClick={() => setShownKey(null)} data-testid="apikey-key-close">{t('admin.apikeys.keyClose')}</Button>
        }
        width={620}
      >
        <Alert type="warning" showIcon title={t('admin.apikeys.keyWarning')} style={{ marginBottom: 16 }} data-testid="apikey-key-warning" />
        <Typography.Paragraph strong>{shownKey?.name}</Typography.Paragraph>
        <Space.Compact style={{ width: '100%' }}>
          <Input readOnly value={shownKey?.key ?? ''} style={{ fontFamily: 'monospace' }} data-testid="apikey-key" onFocus={(e) => e.target.select()} />
          <Button
            icon={<CopyOutlined />}
            data-testid="apikey-copy"
            onClick={async () => {
              if (shownKey && (await copyText(shownKey.key))) message.success(t('common.copied'));
              else message.warning(t('admin.apikeys.copyFailed'));
            }}
          >
            {t('common.copy')}
          </Button>
        </Space.Compact>
        <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>{t('admin.apikeys.keyUsage')}</Typography.Paragraph>
      </Modal>
    </>
  );
}
