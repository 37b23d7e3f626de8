import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Form, InputNumber, Row, Space, Typography } from 'antd';
import { ApiError, api, get, post } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import { applyFormErrors } from '../shell/FormErrors.tsx';

defineMessages({
  'an.ss.title': { zh: '评分设置', en: 'Scoring settings' },
  'an.ss.help': {
    zh: 'RFM 统计窗口、CLV 预测期与折现率、模型拟合样本量和流失预警规则。保存后在下次评分时生效（每晚自动评分，也可立即运行）。',
    en: 'RFM window, CLV horizon and discount, model fit sample sizes and the churn warning rule. Changes apply from the next scoring run (nightly, or run it now).',
  },
  'an.ss.rfmClv': { zh: 'RFM 与客户终身价值', en: 'RFM and lifetime value' },
  'an.ss.fit': { zh: '模型拟合样本', en: 'Model fit samples' },
  'an.ss.churn': { zh: '流失预警规则', en: 'Churn warning rule' },
  'an.ss.rfmWindowDays': { zh: 'RFM 统计窗口（天）', en: 'RFM window (days)' },
  'an.ss.clvHorizonMonths': { zh: 'CLV 预测期（月）', en: 'CLV horizon (months)' },
  'an.ss.monthlyDiscount': { zh: '月折现率（0.01 即 1%）', en: 'Monthly discount (0.01 = 1 %)' },
  'an.ss.maxModelFitCustomers': { zh: 'BG/NBD 最多拟合客户数', en: 'BG/NBD: customers fitted at most' },
  'an.ss.maxSpendFitCustomers': { zh: 'Gamma-Gamma 最多拟合复购客户数', en: 'Gamma-Gamma: repeat buyers fitted at most' },
  'an.ss.overdueFactor': { zh: '逾期倍数（平时购买间隔的几倍）', en: 'Overdue after (× usual interval)' },
  'an.ss.highBelowPAlive': { zh: '活跃概率低于此值即高风险', en: 'High risk when P(active) below' },
  'an.ss.highOverdueBelowPAlive': { zh: '已逾期且活跃概率低于此值为高风险', en: 'High risk when overdue and P(active) below' },
  'an.ss.mediumBelowPAlive': { zh: '活跃概率低于此值（或已逾期）为中风险', en: 'Medium risk when P(active) below (or overdue)' },
  'an.ss.range': { zh: '允许 {min}–{max}，默认 {default}', en: 'Allowed {min}–{max}; default {default}' },
  'an.ss.defaults': { zh: '填入默认值', en: 'Fill in defaults' },
  'an.ss.updatedAt': { zh: '最近修改：{at}', en: 'Last changed: {at}' },
  'an.ss.usingDefaults': { zh: '当前使用默认设置', en: 'Using the default settings' },
  'an.ss.saved': { zh: '设置已保存：评分结果将在下次评分时更新。', en: 'Settings saved: scores change at the next scoring run.' },
  'an.ss.runNow': { zh: '立即运行评分', en: 'Run scoring now' },
});

const TOP = ['rfmWindowDays', 'clvHorizonMonths', 'monthlyDiscount', 'maxModelFitCustomers', 'maxSpendFitCustomers'] as const;
const CHURN = ['overdueFactor', 'highBelowPAlive', 'highOverdueBelowPAlive', 'mediumBelowPAlive'] as const;
type Settings = Record<(typeof TOP)[number], number> & { churn: Record<(typeof CHURN)[number], number> };
interface Bound { min: number; max: number; integer: boolean }

/** The form is flat: churn fields are named churn_<field>, and server paths settings.churn.<field> map onto them. */
const formName = (path: string) => path.replace(/^churn\./, 'churn_');
const ALIAS: Record<string, string> = Object.fromEntries(
  [...TOP, ...CHURN.map((c) => `churn.${c}`)].map((p) => [`settings.${p}`, formName(p)]),
);
const toForm = (s: Settings) => ({ ...Object.fromEntries(TOP.map((k) => [k, s[k]])), ...Object.fromEntries(CHURN.map((k) => [`churn_${k}`, s.churn[k]])) });
const fromForm = (v: Record<string, number>): Settings => ({
  ...(Object.fromEntries(TOP.map((k) => [k, v[k]])) as Record<(typeof TOP)[number], number>),
  churn: Object.fromEntries(CHURN.map((k) => [k, v[`churn_${k}`]])) as Settings['churn'],
});

/** The scoring settings a manager may change; scores follow at the next run, which can be started from here. */
export function ScoringSettingsCard({ onScored }: { onScored: () => void }) {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [view, setView] = useState<{ defaults: Settings; bounds: Record<string, Bound>; updatedAt: string | null } | null>(null);
  const [saving, setSaving] = useState(false);
  const [pending, setPending] = useState(false);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const manage = can('segments.manage');

  const show = (r: { settings: Settings; defaults: Settings; bounds: Record<string, Bound>; updatedAt: string | null }) => {
    setView(r);
    form.setFieldsValue(toForm(r.settings));
  };
  useEffect(() => {
    get('/api/analytics/scoring-settings').then(show, (e) => setError(e instanceof Error ? e.message : String(e)));
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    setError(null);
    try {
      show(await api('PUT', '/api/analytics/scoring-settings', { settings: fromForm(values) }));
      setPending(true);
      message.success(t('an.ss.saved'));
    } catch (e) {
      setError(applyFormErrors(form, e, { alias: ALIAS }));
    } finally {
      setSaving(false);
    }
  };
  const runNow = async () => {
    setRunning(true);
    try {
      const r = await post('/api/analytics/scoring/run', {});
      message.success(t('an.runDone', { n: r.customers.toLocaleString() }));
      setPending(false);
      onScored();
    } catch (e) {
      message.error(e instanceof ApiError ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  };

  const field = (path: string) => {
    const b = view?.bounds[path];
    const d = path.split('.').reduce<any>((o, k) => o?.[k], view?.defaults);
    const key = path.replace(/^churn\./, '');
    return (
      <Form.Item key={path} name={formName(path)} label={t(`an.ss.${key}`)} rules={[{ required: true, message: t('common.required') }]} style={{ marginBottom: 8 }}
        extra={b && <span style={{ fontSize: 12 }}>{t('an.ss.range', { min: b.min.toLocaleString(), max: b.max.toLocaleString(), default: d?.toLocaleString() ?? '—' })}</span>}>
        <InputNumber style={{ width: '100%' }} step={b?.integer ? 1 : b && b.max <= 1 ? 0.05 : 0.5} data-testid={`an-ss-${formName(path)}`} />
      </Form.Item>
    );
  };
  const when = (s: string) => new Date(s).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
  return (
    <Card title={t('an.ss.title')} style={{ marginTop: 16 }} data-testid="an-scoring-settings"
      extra={<Typography.Text type="secondary" data-testid="an-ss-updated">{view && (view.updatedAt ? t('an.ss.updatedAt', { at: when(view.updatedAt) }) : t('an.ss.usingDefaults'))}</Typography.Text>}>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>{t('an.ss.help')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="an-ss-error" />}
      {pending && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} data-testid="an-ss-pending" title={t('an.ss.saved')}
          action={manage && <Button size="small" type="primary" loading={running} onClick={runNow} data-testid="an-ss-run">{t('an.ss.runNow')}</Button>} />
      )}
      <Form form={form} layout="vertical" size="small" disabled={!manage}>
        <Row gutter={24}>
          <Col xs={24} lg={8}>
            <Typography.Title level={5}>{t('an.ss.rfmClv')}</Typography.Title>
            {['rfmWindowDays', 'clvHorizonMonths', 'monthlyDiscount'].map(field)}
          </Col>
          <Col xs={24} lg={8}>
            <Typography.Title level={5}>{t('an.ss.fit')}</Typography.Title>
            {['maxModelFitCustomers', 'maxSpendFitCustomers'].map(field)}
          </Col>
          <Col xs={24} lg={8}>
            <Typography.Title level={5}>{t('an.ss.churn')}</Typography.Title>
            {CHURN.map((c) => field(`churn.${c}`))}
          </Col>
        </Row>
        {manage && (
          <Space>
            <Button type="primary" loading={saving} onClick={save} data-testid="an-ss-save">{t('common.save')}</Button>
            <Button onClick={() => view && form.setFieldsValue(toForm(view.defaults))} data-testid="an-ss-defaults">{t('an.ss.defaults')}</Button>
          </Space>
        )}
      </Form>
    </Card>
  );
}
