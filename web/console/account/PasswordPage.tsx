import { useState } from 'react';
import { App, Button, Card, Form, Input, Typography } from 'antd';
import { LockOutlined } from '@ant-design/icons';
import { post } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { applyFormErrors, ErrorAlert } from '../shell/FormErrors.tsx';
import { useSession } from '../shell/session.tsx';
import { LangSwitch } from '../shell/LangSwitch.tsx';

defineMessages({
  'account.password.title': { zh: '修改密码', en: 'Change password' },
  'account.password.forcedTitle': { zh: '请设置新密码', en: 'Set a new password' },
  'account.password.forcedHint': {
    zh: '首次登录或密码被重置后，需要先设置自己的新密码才能继续使用。',
    en: 'Before you continue, please replace the password you were given with one of your own.',
  },
  'account.password.username': { zh: '用户名：', en: 'Username: ' },
  'account.password.current': { zh: '当前密码', en: 'Current password' },
  'account.password.new': { zh: '新密码', en: 'New password' },
  'account.password.confirm': { zh: '确认新密码', en: 'Confirm new password' },
  'account.password.rule': { zh: '至少 10 个字符，须同时包含字母和数字。', en: 'At least 10 characters, with letters and digits.' },
  'account.password.mismatch': { zh: '两次输入的新密码不一致', en: 'The two new passwords differ' },
  'account.password.submit': { zh: '修改密码', en: 'Change password' },
  'account.password.forcedSubmit': { zh: '设置新密码并继续', en: 'Set password and continue' },
  'account.password.done': { zh: '密码已修改', en: 'Your password has been changed' },
});

/** Current + new + confirm; the server decides what a good password is and its field errors land on the fields. */
function PasswordForm({ forced }: { forced: boolean }) {
  const { t } = useT();
  const { message } = App.useApp();
  const { reload } = useSession();
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Form
      form={form}
      layout="vertical"
      style={{ maxWidth: 400 }}
      onFinish={async (v) => {
        setBusy(true);
        setError(null);
        try {
          await post('/api/auth/password', { currentPassword: v.currentPassword, newPassword: v.newPassword });
          message.success(t('account.password.done'));
          form.resetFields();
          await reload();
        } catch (e) {
          setError(applyFormErrors(form, e, { alias: { password: 'newPassword' } }));
        } finally {
          setBusy(false);
        }
      }}
    >
      <ErrorAlert error={error} />
      <Form.Item name="currentPassword" label={t('account.password.current')} rules={[{ required: true, message: t('common.required') }]}>
        <Input.Password autoComplete="current-password" data-testid="password-current" autoFocus={forced} />
      </Form.Item>
      <Form.Item name="newPassword" label={t('account.password.new')} extra={t('account.password.rule')} rules={[{ required: true, message: t('common.required') }]}>
        <Input.Password autoComplete="new-password" data-testid="password-new" />
      </Form.Item>
      <Form.Item
        name="confirm"
        label={t('account.password.confirm')}
        dependencies={['newPassword']}
        rules={[
          { required: true, message: t('common.required') },
          ({ getFieldValue }) => ({
            validator: (_, value) => (!value || getFieldValue('newPassword') === value ? Promise.resolve() : Promise.reject(new Error(t('account.password.mismatch')))),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" data-testid="password-confirm" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy} block={forced} data-testid="password-submit">
        {t(forced ? 'account.password.forcedSubmit' : 'account.password.submit')}
      </Button>
    </Form>
  );
}

export function PasswordPage() {
  const { t } = useT();
  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }} data-testid="page-title">{t('account.password.title')}</Typography.Title>
      <Card>
        <PasswordForm forced={false} />
      </Card>
    </>
  );
}

/** Shown instead of the console while the session says the password must be changed. */
export function ForcedPasswordPage() {
  const { t } = useT();
  const { me, logout } = useSession();
  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f0f2f5' }} data-testid="forced-password">
      <Card
        style={{ width: 440 }}
        title={<Typography.Title level={4} style={{ margin: 0 }}><LockOutlined /> {t('account.password.forcedTitle')}</Typography.Title>}
        extra={<LangSwitch />}
      >
        <Typography.Paragraph type="secondary">{t('account.password.forcedHint')}</Typography.Paragraph>
        <Typography.Paragraph>
          {t('account.password.username')}<Typography.Text strong>{me?.staff?.username}</Typography.Text>
        </Typography.Paragraph>
        <PasswordForm forced />
        <Button type="link" block style={{ marginTop: 8 }} onClick={logout} data-testid="forced-logout">
          {t('shell.logout')}
        </Button>
      </Card>
    </div>
  );
}
