import { useEffect, useState } from 'react';
import { App, Button, Card, Col, Descriptions, Form, InputNumber, Row, Space, Table, Tag, Typography } from 'antd';
import { ApiError, get, post, api } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import { applyFormErrors } from '../shell/FormErrors.tsx';

defineMessages({
  'an.models': { zh: '预测模型（BG/NBD 与 Gamma-Gamma）', en: 'Prediction models (BG/NBD and Gamma-Gamma)' },
  'an.model.bgnbd': { zh: 'BG/NBD：购买频次与活跃概率', en: 'BG/NBD: purchase frequency and P(active)' },
  'an.model.gamma_gamma': { zh: 'Gamma-Gamma：单次消费金额', en: 'Gamma-Gamma: spend per purchase' },
  'an.model.params': { zh: '参数', en: 'Parameters' },
  'an.model.logLik': { zh: '对数似然', en: 'Log-likelihood' },
  'an.model.n': { zh: '样本客户数', en: 'Customers fitted' },
  'an.model.fittedAt': { zh: '拟合时间', en: 'Fitted at' },
  'an.model.converged': { zh: '已收敛', en: 'Converged' },
  'an.model.notConverged': { zh: '未收敛，沿用上次参数', en: 'Did not converge: last good parameters in use' },
  'an.model.none': { zh: '尚未拟合', en: 'Not fitted yet' },
  'an.runNow': { zh: '立即重新评分', en: 'Score everyone now' },
  'an.runDone': { zh: '评分完成：{n} 位客户', en: 'Scored {n} customers' },
  'an.runs': { zh: '最近评分任务', en: 'Recent scoring runs' },
  'an.rule': { zh: '价值等级规则', en: 'Value grade rule' },
  'an.rule.help': { zh: '各项得分按权重加权平均（0–1），达到阈值即为高/中价值；下次评分时生效。', en: 'A weighted mean of the inputs (0–1); at or above a threshold a customer is high or medium value. Applies from the next scoring run.' },
  'an.rule.recency': { zh: '最近购买 R', en: 'Recency R' },
  'an.rule.frequency': { zh: '购买频次 F', en: 'Frequency F' },
  'an.rule.monetary': { zh: '消费金额 M', en: 'Monetary M' },
  'an.rule.tier': { zh: '会员等级', en: 'Loyalty tier' },
  'an.rule.satisfaction': { zh: '满意度', en: 'Satisfaction' },
  'an.rule.high': { zh: '高价值阈值', en: 'High value at' },
  'an.rule.medium': { zh: '中价值阈值', en: 'Medium value at' },
  'an.rule.saved': { zh: '规则已保存，下次评分生效', en: 'Rule saved; applies from the next scoring run' },
  'an.status': { zh: '状态', en: 'Status' },
});

const WEIGHTS = ['recency', 'frequency', 'monetary', 'tier', 'satisfaction'] as const;

/** Model fits with their quality, recent runs, and the value-grade rule a manager may edit. */
export function ModelsCard({ refresh, onScored }: { refresh: number; onScored: () => void }) {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [models, setModels] = useState<any>(null);
  const [running, setRunning] = useState(false);
  const [form] = Form.useForm();
  const manage = can('segments.manage');
  useEffect(() => {
    void get('/api/analytics/value-grade-rule').then((r) => form.setFieldsValue(r.rule));
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  // The fits reload after any scoring run on the page, this card's or another's; a rule being edited is left alone.
  useEffect(() => {
    void get('/api/analytics/models').then(setModels);
  }, [refresh]);
  const when = (s: string | null) => (s ? new Date(s).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false }) : '—');
  const fit = (name: 'bgnbd' | 'gamma_gamma') => {
    const m = models?.models?.find((x: any) => x.model === name);
    return (
      <Card size="small" title={t(`an.model.${name}`)} data-testid={`an-model-${name}`}>
        {!m ? t('an.model.none') : (
          <Descriptions size="small" column={1}>
            <Descriptions.Item label={t('an.model.params')}>
              {Object.entries((m.converged ? m.params : m.inUse?.params) ?? {}).map(([k, v]) => `${k} = ${Number(v).toPrecision(4)}`).join(', ') || '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('an.model.logLik')}>{m.logLik == null ? '—' : Number(m.logLik).toFixed(1)}</Descriptions.Item>
            <Descriptions.Item label={t('an.model.n')}>{m.n?.toLocaleString()}</Descriptions.Item>
            <Descriptions.Item label={t('an.model.fittedAt')}>{when(m.fittedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('an.status')}>
              {m.converged ? <Tag color="green">{t('an.model.converged')}</Tag> : <Tag color="orange">{t('an.model.notConverged')}</Tag>}
            </Descriptions.Item>
          </Descriptions>
        )}
      </Card>
    );
  };
  const saveRule = async () => {
    const rule = await form.validateFields();
    try {
      await api('PUT', '/api/analytics/value-grade-rule', { rule });
      message.success(t('an.rule.saved'));
    } catch (e) {
      const unplaced = applyFormErrors(form, e);
      if (unplaced) message.error(unplaced);
    }
  };
  return (
    <Card
      title={t('an.models')}
      style={{ marginTop: 16 }}
      extra={manage && (
        <Button loading={running} data-testid="an-run-scoring" onClick={async () => {
          setRunning(true);
          try {
            const r = await post('/api/analytics/scoring/run', {});
            message.success(t('an.runDone', { n: r.customers.toLocaleString() }));
            onScored();
          } catch (e) {
            message.error(e instanceof ApiError ? e.message : String(e));
          } finally {
            setRunning(false);
          }
        }}>{t('an.runNow')}</Button>
      )}
    >
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={8}>{fit('bgnbd')}</Col>
        <Col xs={24} lg={8}>{fit('gamma_gamma')}</Col>
        <Col xs={24} lg={8}>
          <Card size="small" title={t('an.rule')}>
            <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>{t('an.rule.help')}</Typography.Paragraph>
            <Form form={form} layout="horizontal" labelCol={{ span: 12 }} size="small" disabled={!manage}>
              {WEIGHTS.map((w) => (
                <Form.Item key={w} name={['weights', w]} label={t(`an.rule.${w}`)} rules={[{ required: true }]} style={{ marginBottom: 4 }}>
                  <InputNumber min={0} max={10} step={0.05} />
                </Form.Item>
              ))}
              <Form.Item name={['thresholds', 'high']} label={t('an.rule.high')} rules={[{ required: true }]} style={{ marginBottom: 4 }}>
                <InputNumber min={0} max={1} step={0.05} />
              </Form.Item>
              <Form.Item name={['thresholds', 'medium']} label={t('an.rule.medium')} rules={[{ required: true }]} style={{ marginBottom: 8 }}>
                <InputNumber min={0} max={1} step={0.05} />
              </Form.Item>
              {manage && <Space><Button type="primary" onClick={saveRule} data-testid="an-save-rule">{t('common.save')}</Button></Space>}
            </Form>
          </Card>
        </Col>
      </Row>
      <Table
        style={{ marginTop: 16 }}
        size="small"
        rowKey="id"
        pagination={false}
        title={() => t('an.runs')}
        dataSource={models?.runs ?? []}
        columns={[
          { title: '#', dataIndex: 'id', width: 60 },
          { title: t('an.status'), dataIndex: 'status', render: (s) => <Tag color={s === 'succeeded' ? 'green' : s === 'running' ? 'blue' : 'red'}>{s}</Tag> },
          { title: t('an.computedAt'), dataIndex: 'finishedAt', render: when },
          { title: t('an.scored'), dataIndex: 'customers', align: 'right', render: (n) => n?.toLocaleString() ?? '—' },
        ]}
      />
    </Card>
  );
}
