import { useEffect, useState } from 'react';
import { App, Button, Card, Form, InputNumber, Spin, Typography } from 'antd';
import { api } from '../api.ts';
import { useT } from '../i18n.tsx';
import { useApi } from '../shell/useApi.ts';
import { applyFormErrors, ErrorAlert } from '../shell/FormErrors.tsx';
import './messages.ts';

interface SalesSettings { returnWindowDays: number }

/** Managers and admins set how many days after a purchase a return is accepted (referral rewards wait as long). */
export function SalesSettingsPage() {
  const { t } = useT();
  const { message } = App.useApp();
  const { data, error, setData } = useApi<SalesSettings>('/api/sales/settings');
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  useEffect(() => {
    if (data) form.setFieldsValue(data);
  }, [data, form]);
  const save = async (v: SalesSettings) => {
    setBusy(true);
    setSaveError(null);
    try {
      setData(await api<SalesSettings>('PUT', '/api/sales/settings', { returnWindowDays: v.returnWindowDays }));
      message.success(t('common.saved'));
    } catch (e) {
      setSaveError(applyFormErrors(form, e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Typography.Title level={3} data-testid="page-title">{t('sales.settings.title')}</Typography.Title>
      <ErrorAlert error={error ? t('common.loadFailed', { message: error.message }) : null} />
      {!data && !error ? <Spin /> : (
        <Card style={{ maxWidth: 560 }}>
          <ErrorAlert error={saveError} testId="sales-settings-error" />
          <Typography.Paragraph type="secondary">
            {t('sales.settings.current', { n: data?.returnWindowDays ?? '—' })}
          </Typography.Paragraph>
          <Form form={form} layout="vertical" onFinish={save} data-testid="sales-settings-form">
            <Form.Item
              name="returnWindowDays" label={t('sales.settings.returnWindowDays')} extra={t('sales.settings.returnWindowHelp')}
              rules={[{ required: true, message: t('common.required') }, { type: 'integer', min: 0, max: 3650, message: t('sales.settings.returnWindowRange') }]}
            >
              <InputNumber min={0} max={3650} precision={0} suffix={t('sales.settings.days')} style={{ width: 200 }} data-testid="return-window-days" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} data-testid="sales-settings-save">{t('common.save')}</Button>
          </Form>
        </Card>
      )}
    </>
  );
}
