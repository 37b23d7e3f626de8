import { useState } from 'react';
import { App, Button, DatePicker, Form, Input, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { patch, post } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { applyFormErrors, ErrorAlert } from '../shell/FormErrors.tsx';
import { useSession } from '../shell/session.tsx';
import { useStores, type StoreRow } from './common.tsx';

defineMessages({
  'admin.stores.title': { zh: '门店', en: 'Stores' },
  'admin.stores.code': { zh: '门店编码', en: 'Code' },
  'admin.stores.name': { zh: '门店名称', en: 'Name' },
  'admin.stores.city': { zh: '城市', en: 'City' },
  'admin.stores.region': { zh: '大区', en: 'Region' },
  'admin.stores.address': { zh: '地址', en: 'Address' },
  'admin.stores.timezone': { zh: '时区', en: 'Time zone' },
  'admin.stores.openedOn': { zh: '开业日期', en: 'Opened on' },
  'admin.stores.active': { zh: '状态', en: 'Status' },
  'admin.stores.create': { zh: '新建门店', en: 'New store' },
  'admin.stores.edit': { zh: '编辑门店：{name}', en: 'Edit {name}' },
  'admin.stores.created': { zh: '已创建门店 {name}', en: 'Created store {name}' },
  'admin.stores.search': { zh: '按编码、名称、城市搜索', en: 'Search code, name or city' },
  'admin.stores.codeHint': { zh: '字母、数字、下划线或连字符，如 BJ001', en: 'Letters, digits, _ or -, e.g. BJ001' },
});

const TIMEZONES = ['Asia/Shanghai', 'Asia/Urumqi', 'Asia/Hong_Kong', 'Asia/Macau', 'Asia/Taipei', 'Asia/Singapore', 'Asia/Tokyo', 'Europe/London', 'America/New_York'];

export function StoresPage() {
  const { t } = useT();
  const { message } = App.useApp();
  const { can } = useSession();
  const editable = can('catalog.manage');
  const { stores, loading, error: loadError, reload } = useStores();
  const [query, setQuery] = useState('');
  const [dialog, setDialog] = useState<{ row: StoreRow | null } | null>(null);
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const open = (row: StoreRow | null) => {
    setError(null);
    form.resetFields();
    form.setFieldsValue(row ? { ...row, openedOn: row.openedOn ? dayjs(row.openedOn) : null } : { timezone: 'Asia/Shanghai', active: true, city: '', region: '', address: '' });
    setDialog({ row });
  };
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v || !dialog) return;
    const body = { ...v, openedOn: v.openedOn ? v.openedOn.format('YYYY-MM-DD') : null };
    setBusy(true);
    setError(null);
    try {
      if (dialog.row) {
        await patch(`/api/stores/${dialog.row.id}`, body);
        message.success(t('common.saved'));
      } else {
        const s = await post<StoreRow>('/api/stores', body);
        message.success(t('admin.stores.created', { name: s.name }));
      }
      setDialog(null);
      await reload();
    } catch (e) {
      setError(applyFormErrors(form, e, { codes: { STORE_CODE_TAKEN: 'code' } }));
    } finally {
      setBusy(false);
    }
  };
  const q = query.trim().toLowerCase();
  const shown = q ? stores.filter((s) => [s.code, s.name, s.city, s.region].some((x) => x.toLowerCase().includes(q))) : stores;
  const required = { required: true, message: t('common.required') };

  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('admin.stores.title')}</Typography.Title>
        <Space>
          <Input.Search allowClear placeholder={t('admin.stores.search')} onSearch={setQuery} onChange={(e) => !e.target.value && setQuery('')} style={{ width: 260 }} data-testid="stores-search" />
          {editable && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => open(null)} data-testid="store-create">{t('admin.stores.create')}</Button>
          )}
        </Space>
      </Space>
      <ErrorAlert error={loadError && t('common.loadFailed', { message: loadError.message })} testId="load-error" />
      <Table<StoreRow>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={shown}
        data-testid="stores-table"
        pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('admin.stores.code'), dataIndex: 'code', render: (v: string) => <span data-testid={`store-row-${v}`}>{v}</span> },
          { title: t('admin.stores.name'), dataIndex: 'name' },
          { title: t('admin.stores.city'), dataIndex: 'city' },
          { title: t('admin.stores.region'), dataIndex: 'region' },
          { title: t('admin.stores.address'), dataIndex: 'address', ellipsis: true },
          { title: t('admin.stores.timezone'), dataIndex: 'timezone' },
          { title: t('admin.stores.openedOn'), dataIndex: 'openedOn', render: (v: string | null) => v ?? '—' },
          { title: t('admin.stores.active'), dataIndex: 'active', render: (v: boolean) => (v ? <Tag color="green">{t('common.active')}</Tag> : <Tag>{t('common.inactive')}</Tag>) },
          ...(editable
            ? [{
                title: t('common.actions'),
                key: 'actions',
                fixed: 'right' as const,
                render: (_: unknown, r: StoreRow) => (
                  <Button type="link" size="small" onClick={() => open(r)} data-testid={`store-edit-${r.code}`}>{t('common.edit')}</Button>
                ),
              }]
            : []),
        ]}
      />
      <Modal
        open={dialog != null}
        title={dialog?.row ? t('admin.stores.edit', { name: dialog.row.name }) : t('admin.stores.create')}
        onCancel={() => setDialog(null)}
        onOk={submit}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        okButtonProps={{ 'data-testid': 'store-submit' } as any}
        forceRender
        width={560}
      >
        <ErrorAlert error={error} />
        <Form form={form} layout="vertical" data-testid="store-form">
          <div style={{ display: 'flex', gap: 12 }}>
            <Form.Item name="code" label={t('admin.stores.code')} extra={t('admin.stores.codeHint')} rules={[required]} style={{ flex: 1 }}>
              <Input data-testid="store-code" placeholder="BJ001" />
            </Form.Item>
            <Form.Item name="name" label={t('admin.stores.name')} rules={[required]} style={{ flex: 2 }}>
              <Input data-testid="store-name" placeholder="北京三里屯店" />
            </Form.Item>
          </div>
          <div style={{ display: 'flex', gap: 12 }}>
            <Form.Item name="city" label={t('admin.stores.city')} style={{ flex: 1 }}>
              <Input data-testid="store-city" placeholder="北京" />
            </Form.Item>
            <Form.Item name="region" label={t('admin.stores.region')} style={{ flex: 1 }}>
              <Input data-testid="store-region" placeholder="华北" />
            </Form.Item>
          </div>
          <Form.Item name="address" label={t('admin.stores.address')}>
            <Input data-testid="store-address" placeholder="朝阳区三里屯路 19 号" />
          </Form.Item>
          <div style={{ display: 'flex', gap: 12 }}>
            <Form.Item name="timezone" label={t('admin.stores.timezone')} style={{ flex: 1 }}>
              <Select showSearch options={TIMEZONES.map((z) => ({ value: z, label: z }))} data-testid="store-timezone" />
            </Form.Item>
            <Form.Item name="openedOn" label={t('admin.stores.openedOn')} style={{ flex: 1 }}>
              <DatePicker style={{ width: '100%' }} data-testid="store-opened-on" />
            </Form.Item>
            <Form.Item name="active" label={t('admin.stores.active')} valuePropName="checked">
              <Switch checkedChildren={t('common.active')} unCheckedChildren={t('common.inactive')} data-testid="store-active" />
            </Form.Item>
          </div>
        </Form>
      </Modal>
    </>
  );
}
