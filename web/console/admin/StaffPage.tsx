import { useState } from 'react';
import { App, Button, Form, Input, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { patch, post } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { useApi } from '../shell/useApi.ts';
import { applyFormErrors, ErrorAlert } from '../shell/FormErrors.tsx';
import { dateTime, isFuture } from '../shell/format.ts';
import { useSession } from '../shell/session.tsx';
import { StoreSelect, StoreTags, useStores, type RolesMeta } from './common.tsx';

defineMessages({
  'admin.staff.title': { zh: '员工账号', en: 'Staff accounts' },
  'admin.staff.username': { zh: '用户名', en: 'Username' },
  'admin.staff.displayName': { zh: '姓名', en: 'Name' },
  'admin.staff.role': { zh: '角色', en: 'Role' },
  'admin.staff.stores': { zh: '门店', en: 'Stores' },
  'admin.staff.storesHint': { zh: '门店员工必须选择门店；其他角色留空表示全部门店。', en: 'Store staff need at least one store; for other roles, empty means every store.' },
  'admin.staff.active': { zh: '状态', en: 'Status' },
  'admin.staff.lockedUntil': { zh: '锁定至', en: 'Locked until' },
  'admin.staff.lastLogin': { zh: '最近登录', en: 'Last login' },
  'admin.staff.mustChange': { zh: '待改密码', en: 'Must change password' },
  'admin.staff.create': { zh: '新建员工', en: 'New staff account' },
  'admin.staff.edit': { zh: '编辑员工：{name}', en: 'Edit {name}' },
  'admin.staff.initialPassword': { zh: '初始密码', en: 'Initial password' },
  'admin.staff.passwordHint': { zh: '至少 10 个字符，包含字母和数字；员工首次登录时须修改。', en: 'At least 10 characters with letters and digits; changed by the person at first login.' },
  'admin.staff.resetPassword': { zh: '重置密码', en: 'Reset password' },
  'admin.staff.resetTitle': { zh: '重置密码：{name}', en: 'Reset password for {name}' },
  'admin.staff.resetHint': { zh: '重置后该员工的登录会话全部失效，下次登录须修改密码。', en: 'This ends their sessions; they must change the password at next login.' },
  'admin.staff.newPassword': { zh: '新密码', en: 'New password' },
  'admin.staff.created': { zh: '已创建员工账号 {username}', en: 'Created staff account {username}' },
  'admin.staff.resetDone': { zh: '密码已重置', en: 'Password reset' },
  'admin.staff.storesRequired': { zh: '门店员工至少需要一个门店', en: 'Store staff need at least one store' },
});

interface StaffRow {
  id: number;
  username: string;
  displayName: string;
  role: string;
  storeIds: number[];
  active: boolean;
  mustChangePassword: boolean;
  lockedUntil: string | null;
  lastLoginAt: string | null;
}

type Dialog = { kind: 'create' } | { kind: 'edit'; row: StaffRow } | { kind: 'reset'; row: StaffRow } | null;

export function StaffPage() {
  const { t } = useT();
  const { message } = App.useApp();
  const { me } = useSession();
  const list = useApi<{ items: StaffRow[] }>('/api/staff');
  const roles = useApi<RolesMeta>('/api/meta/roles');
  const { stores, byId } = useStores();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const role = Form.useWatch('role', form);

  const roleOptions = (roles.data?.roles ?? []).map((r) => ({ value: r.name, label: t(`role.${r.name}`) }));
  const open = (d: Dialog) => {
    setError(null);
    form.resetFields();
    if (d?.kind === 'edit') form.setFieldsValue({ displayName: d.row.displayName, role: d.row.role, storeIds: d.row.storeIds, active: d.row.active });
    if (d?.kind === 'create') form.setFieldsValue({ role: 'store_staff', storeIds: [] });
    setDialog(d);
  };
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v || !dialog) return;
    setBusy(true);
    setError(null);
    try {
      if (dialog.kind === 'create') {
        const s = await post<StaffRow>('/api/staff', v);
        message.success(t('admin.staff.created', { username: s.username }));
      } else if (dialog.kind === 'edit') {
        await patch(`/api/staff/${dialog.row.id}`, v);
        message.success(t('common.saved'));
      } else {
        await patch(`/api/staff/${dialog.row.id}`, { password: v.password });
        message.success(t('admin.staff.resetDone'));
      }
      setDialog(null);
      await list.reload();
    } catch (e) {
      setError(applyFormErrors(form, e, { codes: { USERNAME_TAKEN: 'username' } }));
    } finally {
      setBusy(false);
    }
  };

  const storeRule = {
    validator: (_: unknown, value: number[] | undefined) =>
      role === 'store_staff' && !(value ?? []).length ? Promise.reject(new Error(t('admin.staff.storesRequired'))) : Promise.resolve(),
  };
  const required = { required: true, message: t('common.required') };

  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('admin.staff.title')}</Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => open({ kind: 'create' })} data-testid="staff-create">
          {t('admin.staff.create')}
        </Button>
      </Space>
      <ErrorAlert error={list.error && t('common.loadFailed', { message: list.error.message })} testId="load-error" />
      <Table<StaffRow>
        rowKey="id"
        size="middle"
        loading={list.loading}
        dataSource={list.data?.items}
        data-testid="staff-table"
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('admin.staff.username'), dataIndex: 'username', render: (v: string, r) => <span data-testid={`staff-row-${v}`}>{v}{r.mustChangePassword && <Tag color="orange" style={{ marginLeft: 8 }}>{t('admin.staff.mustChange')}</Tag>}</span> },
          { title: t('admin.staff.displayName'), dataIndex: 'displayName' },
          { title: t('admin.staff.role'), dataIndex: 'role', render: (v: string) => t(`role.${v}`), filters: roleOptions.map((o) => ({ text: o.label, value: o.value })), onFilter: (v, r) => r.role === v },
          { title: t('admin.staff.stores'), dataIndex: 'storeIds', render: (ids: number[]) => <StoreTags ids={ids} byId={byId} /> },
          { title: t('admin.staff.active'), dataIndex: 'active', render: (v: boolean) => (v ? <Tag color="green">{t('common.active')}</Tag> : <Tag>{t('common.inactive')}</Tag>) },
          { title: t('admin.staff.lockedUntil'), dataIndex: 'lockedUntil', render: (v: string | null) => (isFuture(v) ? <Tag color="red">{dateTime(v)}</Tag> : '—') },
          { title: t('admin.staff.lastLogin'), dataIndex: 'lastLoginAt', render: (v: string | null) => (v ? dateTime(v) : t('common.never')) },
          {
            title: t('common.actions'),
            key: 'actions',
            fixed: 'right',
            render: (_, r) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => open({ kind: 'edit', row: r })} data-testid={`staff-edit-${r.username}`}>{t('common.edit')}</Button>
                <Button type="link" size="small" icon={<KeyOutlined />} onClick={() => open({ kind: 'reset', row: r })} data-testid={`staff-reset-${r.username}`}>{t('admin.staff.resetPassword')}</Button>
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={dialog != null}
        title={
          dialog?.kind === 'create' ? t('admin.staff.create')
            : dialog?.kind === 'edit' ? t('admin.staff.edit', { name: dialog.row.displayName })
            : dialog ? t('admin.staff.resetTitle', { name: dialog.row.displayName }) : ''
        }
        onCancel={() => setDialog(null)}
        onOk={submit}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        okButtonProps={{ 'data-testid': 'staff-submit' } as any}
        forceRender
      >
        <ErrorAlert error={error} />
        <Form form={form} layout="vertical" data-testid="staff-form">
          {dialog?.kind === 'create' && (
            <Form.Item name="username" label={t('admin.staff.username')} rules={[required]}>
              <Input autoComplete="off" data-testid="staff-username" />
            </Form.Item>
          )}
          {dialog?.kind !== 'reset' && (
            <>
              <Form.Item name="displayName" label={t('admin.staff.displayName')} rules={[required]}>
                <Input data-testid="staff-display-name" placeholder="王小明" />
              </Form.Item>
              <Form.Item name="role" label={t('admin.staff.role')} rules={[required]}>
                <Select options={roleOptions} data-testid="staff-role" disabled={dialog?.kind === 'edit' && dialog.row.id === me?.staff?.id} />
              </Form.Item>
              <Form.Item name="storeIds" label={t('admin.staff.stores')} extra={t('admin.staff.storesHint')} dependencies={['role']} rules={[storeRule]} required={role === 'store_staff'}>
                <StoreSelect stores={stores} data-testid="staff-stores" />
              </Form.Item>
            </>
          )}
          {dialog?.kind === 'edit' && (
            <Form.Item name="active" label={t('admin.staff.active')} valuePropName="checked">
              <Switch checkedChildren={t('common.active')} unCheckedChildren={t('common.inactive')} disabled={dialog.row.id === me?.staff?.id} data-testid="staff-active" />
            </Form.Item>
          )}
          {dialog?.kind !== 'edit' && (
            <Form.Item
              name="password"
              label={t(dialog?.kind === 'reset' ? 'admin.staff.newPassword' : 'admin.staff.initialPassword')}
              extra={t(dialog?.kind === 'reset' ? 'admin.staff.resetHint' : 'admin.staff.passwordHint')}
              rules={[required]}
            >
              <Input.Password autoComplete="new-password" data-testid="staff-password" />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </>
  );
}
