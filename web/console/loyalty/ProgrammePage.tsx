import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, DatePicker, Descriptions, Divider, Form, Input, InputNumber, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { ApiError, get, post, yuan } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';

defineMessages({
  'nav.loyalty': { zh: '会员积分', en: 'Loyalty' },
  'nav.loyalty.programme': { zh: '积分方案', en: 'Programme' },
  'nav.loyalty.member': { zh: '会员积分查询', en: 'Member points' },
  'nav.loyalty.reports': { zh: '积分报表', en: 'Loyalty reports' },
  'loyalty.programme.title': { zh: '积分方案', en: 'Loyalty programme' },
  'loyalty.programme.version': { zh: '版本 {v}，自 {from} 起生效', en: 'Version {v}, in force since {from}' },
  'loyalty.programme.edit': { zh: '编辑（生成新版本）', en: 'Edit (creates a new version)' },
  'loyalty.programme.saved': { zh: '已保存为版本 {v}', en: 'Saved as version {v}' },
  'loyalty.programme.tiers': { zh: '会员等级', en: 'Tiers' },
  'loyalty.programme.code': { zh: '代码', en: 'Code' },
  'loyalty.programme.nameZh': { zh: '中文名', en: 'Chinese name' },
  'loyalty.programme.nameEn': { zh: '英文名', en: 'English name' },
  'loyalty.programme.minSpend': { zh: '消费门槛（元）', en: 'Spend threshold (¥)' },
  'loyalty.programme.minPurchases': { zh: '消费笔数门槛', en: 'Purchases threshold' },
  'loyalty.programme.multiplier': { zh: '积分倍率 %', en: 'Multiplier %' },
  'loyalty.programme.discount': { zh: '折扣 %', en: 'Discount %' },
  'loyalty.programme.birthdayGift': { zh: '生日礼', en: 'Birthday gift' },
  'loyalty.programme.samples': { zh: '小样', en: 'Free samples' },
  'loyalty.programme.qualification': { zh: '定级规则', en: 'Qualification' },
  'loyalty.programme.window': { zh: '滚动周期（月）', en: 'Rolling window (months)' },
  'loyalty.programme.match': { zh: '达标方式', en: 'Qualifies when' },
  'loyalty.programme.match.any': { zh: '消费额或笔数任一达标', en: 'spend or purchases reach the threshold' },
  'loyalty.programme.match.all': { zh: '消费额与笔数均达标', en: 'both spend and purchases reach it' },
  'loyalty.programme.schedule': { zh: '评级频率', en: 'Evaluation' },
  'loyalty.programme.schedule.nightly': { zh: '每晚', en: 'Nightly' },
  'loyalty.programme.schedule.monthly': { zh: '每月 1 日', en: 'On the 1st of each month' },
  'loyalty.programme.grace': { zh: '降级宽限期（天）', en: 'Downgrade grace (days)' },
  'loyalty.programme.earn': { zh: '积分规则', en: 'Earn rules' },
  'loyalty.programme.fenPerPoint': { zh: '每积 1 分所需金额（分）', en: 'Fen per point' },
  'loyalty.programme.minSpendEarn': { zh: '最低消费（元）', en: 'Minimum spend (¥)' },
  'loyalty.programme.ruleId': { zh: '规则编号', en: 'Rule id' },
  'loyalty.programme.category': { zh: '品类', en: 'Category' },
  'loyalty.programme.sku': { zh: '商品 SKU', en: 'SKU' },
  'loyalty.programme.promotions': { zh: '促销活动', en: 'Promotions' },
  'loyalty.programme.from': { zh: '开始日期', en: 'From' },
  'loyalty.programme.to': { zh: '结束日期', en: 'To' },
  'loyalty.programme.weekdays': { zh: '星期', en: 'Weekdays' },
  'loyalty.programme.tierCodes': { zh: '限等级', en: 'Tiers' },
  'loyalty.programme.bonus': { zh: '额外积分', en: 'Bonus points' },
  'loyalty.programme.segment': { zh: '人群编号', en: 'Segment id' },
  'loyalty.programme.awards': { zh: '行为奖励积分', en: 'Award points' },
  'loyalty.programme.signup': { zh: '注册', en: 'Sign-up' },
  'loyalty.programme.review': { zh: '评价', en: 'Review' },
  'loyalty.programme.referral': { zh: '推荐', en: 'Referral' },
  'loyalty.programme.expiry': { zh: '积分有效期', en: 'Expiry' },
  'loyalty.programme.expiry.never': { zh: '永不过期', en: 'Never' },
  'loyalty.programme.expiry.months': { zh: '获得后 N 个月', en: 'N months after earning' },
  'loyalty.programme.expiry.end_of_next_year': { zh: '次年年底', en: 'End of the following year' },
  'loyalty.programme.months': { zh: '月数', en: 'Months' },
  'loyalty.programme.pointValue': { zh: '1 积分抵现（分）', en: 'Point value (fen)' },
  'loyalty.programme.adjustLimit': { zh: '单次调整上限（超出需店长）', en: 'Adjustment limit (above needs a manager)' },
  'loyalty.programme.validFrom': { zh: '生效时间（默认立即）', en: 'Valid from (default now)' },
  'loyalty.programme.note': { zh: '变更说明', en: 'Note' },
  'loyalty.programme.versions': { zh: '历史版本', en: 'Versions' },
  'loyalty.programme.validTo': { zh: '失效时间', en: 'Valid to' },
  'loyalty.programme.createdBy': { zh: '创建人', en: 'Created by' },
  'loyalty.programme.all': { zh: '全部', en: 'All' },
  'loyalty.programme.base': { zh: '其余商品按基础积分', en: 'Everything else earns the base rate' },
});

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];
const weekdayName = (d: number, lang: string) => (lang === 'zh' ? `周${'一二三四五六日'[d - 1]}` : ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][d - 1]);

/** Money is edited in yuan and sent in fen. */
const toForm = (p: any) => ({
  ...p,
  tiers: p.tiers.map((t: any) => ({ ...t, minSpendYuan: t.minSpendFen / 100 })),
  earn: { ...p.earn, minSpendYuan: p.earn.minSpendFen / 100 },
});
const fromForm = (v: any) => ({
  ...v,
  tiers: v.tiers.map(({ minSpendYuan, ...t }: any) => ({ ...t, minSpendFen: Math.round(minSpendYuan * 100) })),
  earn: { fenPerPoint: v.earn.fenPerPoint, minSpendFen: Math.round(v.earn.minSpendYuan * 100), rules: (v.earn.rules ?? []).map((r: any) => ({ id: r.id, multiplierPct: r.multiplierPct, ...(r.sku ? { sku: r.sku } : { category: r.category }), note: r.note ?? '' })) },
  promotions: (v.promotions ?? []).map((p: any) => ({ ...p, sku: p.sku || undefined, category: p.category || undefined, segmentId: p.segmentId ?? null })),
  expiry: { policy: v.expiry.policy, months: v.expiry.policy === 'months' ? v.expiry.months : null },
});

export function ProgrammePage() {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [current, setCurrent] = useState<any>(null);
  const [versions, setVersions] = useState<any[]>([]);
  const [editing, setEditing] = useState(false);
  const [problems, setProblems] = useState<{ path: string; message: string }[] | null>(null);
  const [form] = Form.useForm();
  const load = useCallback(async () => {
    setCurrent(await get('/api/loyalty/programme'));
    setVersions((await get<{ items: any[] }>('/api/loyalty/programme/versions')).items);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  if (!current) return <Card loading />;
  const p = current.programme;
  const tierName = (code: string) => {
    const x = p.tiers.find((y: any) => y.code === code);
    return x ? (lang === 'zh' ? x.nameZh : x.nameEn) : code;
  };

  const save = async () => {
    await form.validateFields();
    // All values, including fields the form does not show (e.g. a promotion's sku), so an edit never drops them.
    const v = form.getFieldsValue(true);
    setProblems(null);
    try {
      const body: any = { programme: fromForm(v.programme), note: v.note || undefined };
      if (v.validFrom) body.validFrom = v.validFrom.toISOString();
      const saved = await post('/api/loyalty/programme/versions', body);
      message.success(t('loyalty.programme.saved', { v: saved.version }));
      setEditing(false);
      await load();
    } catch (e) {
      if (e instanceof ApiError) setProblems(e.fields ?? [{ path: e.code, message: e.message }]);
      message.error((e as Error).message);
    }
  };

  const view = (
    <>
      <Card title={t('loyalty.programme.tiers')} style={{ marginBottom: 16 }}>
        <Table rowKey="code" size="small" pagination={false} dataSource={p.tiers} data-testid="programme-tiers" columns={[
          { title: t('loyalty.programme.code'), dataIndex: 'code' },
          { title: t('loyalty.programme.nameZh'), dataIndex: 'nameZh' },
          { title: t('loyalty.programme.nameEn'), dataIndex: 'nameEn' },
          { title: t('loyalty.programme.minSpend'), dataIndex: 'minSpendFen', render: (f: number) => yuan(f) },
          { title: t('loyalty.programme.minPurchases'), dataIndex: 'minPurchases' },
          { title: t('loyalty.programme.multiplier'), render: (_: unknown, x: any) => `×${x.benefits.pointsMultiplierPct / 100}` },
          { title: t('loyalty.programme.discount'), render: (_: unknown, x: any) => `${x.benefits.discountPct}%` },
          { title: t('loyalty.programme.birthdayGift'), render: (_: unknown, x: any) => x.benefits.birthdayGift || '—' },
          { title: t('loyalty.programme.samples'), render: (_: unknown, x: any) => x.benefits.freeSamples || '—' },
        ]} />
        <Descriptions size="small" style={{ marginTop: 12 }} column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t('loyalty.programme.window')}>{p.qualification.windowMonths}</Descriptions.Item>
          <Descriptions.Item label={t('loyalty.programme.match')}>{t(`loyalty.programme.match.${p.qualification.match}`)}</Descriptions.Item>
          <Descriptions.Item label={t('loyalty.programme.schedule')}>{t(`loyalty.programme.schedule.${p.tierEvaluation.schedule}`)}</Descriptions.Item>
          <Descriptions.Item label={t('loyalty.programme.grace')}>{p.tierEvaluation.downgradeGraceDays}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card title={t('loyalty.programme.earn')} style={{ marginBottom: 16 }}>
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('loyalty.programme.fenPerPoint')}>{p.earn.fenPerPoint}</Descriptions.Item>
              <Descriptions.Item label={t('loyalty.programme.minSpendEarn')}>{yuan(p.earn.minSpendFen)}</Descriptions.Item>
            </Descriptions>
            <Table rowKey="id" size="small" pagination={false} dataSource={p.earn.rules} data-testid="programme-rules" columns={[
              { title: t('loyalty.programme.ruleId'), dataIndex: 'id' },
              { title: `${t('loyalty.programme.sku')} / ${t('loyalty.programme.category')}`, render: (_: unknown, r: any) => r.sku ? <Tag>{r.sku}</Tag> : r.category },
              { title: t('loyalty.programme.multiplier'), dataIndex: 'multiplierPct', render: (m: number) => `×${m / 100}` },
            ]} footer={() => t('loyalty.programme.base')} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('loyalty.programme.expiry')} style={{ marginBottom: 16 }}>
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('loyalty.programme.expiry')}>{t(`loyalty.programme.expiry.${p.expiry.policy}`)}{p.expiry.policy === 'months' ? ` (${p.expiry.months})` : ''}</Descriptions.Item>
              <Descriptions.Item label={t('loyalty.programme.pointValue')}>{p.pointValueFen}</Descriptions.Item>
              <Descriptions.Item label={t('loyalty.programme.adjustLimit')}>{p.adjustLimit}</Descriptions.Item>
              <Descriptions.Item label={t('loyalty.programme.awards')}>
                {t('loyalty.programme.signup')} {p.awards.signup} · {t('loyalty.programme.review')} {p.awards.review} · {t('loyalty.programme.referral')} {p.awards.referral}
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      </Row>
      <Card title={t('loyalty.programme.promotions')} style={{ marginBottom: 16 }}>
        <Table rowKey="code" size="small" pagination={false} dataSource={p.promotions} data-testid="programme-promotions" columns={[
          { title: t('loyalty.programme.code'), dataIndex: 'code' },
          { title: t('loyalty.programme.nameZh'), render: (_: unknown, x: any) => (lang === 'zh' ? x.nameZh : x.nameEn) },
          { title: t('loyalty.programme.from'), dataIndex: 'from' },
          { title: t('loyalty.programme.to'), dataIndex: 'to' },
          { title: t('loyalty.programme.weekdays'), render: (_: unknown, x: any) => x.weekdays.length ? x.weekdays.map((d: number) => weekdayName(d, lang)).join(' ') : t('loyalty.programme.all') },
          { title: t('loyalty.programme.tierCodes'), render: (_: unknown, x: any) => x.tierCodes.length ? x.tierCodes.map(tierName).join('、') : t('loyalty.programme.all') },
          { title: `${t('loyalty.programme.sku')} / ${t('loyalty.programme.category')}`, render: (_: unknown, x: any) => x.sku ?? x.category ?? t('loyalty.programme.all') },
          { title: t('loyalty.programme.multiplier'), render: (_: unknown, x: any) => `×${x.multiplierPct / 100}` },
          { title: t('loyalty.programme.bonus'), dataIndex: 'bonusPoints' },
        ]} />
      </Card>
      <Card title={t('loyalty.programme.versions')}>
        <Table rowKey="version" size="small" pagination={{ pageSize: 10 }} dataSource={versions} columns={[
          { title: '#', dataIndex: 'version' },
          { title: t('loyalty.programme.from'), dataIndex: 'validFrom', render: (v: string) => new Date(v).toLocaleString('zh-CN') },
          { title: t('loyalty.programme.validTo'), dataIndex: 'validTo', render: (v: string | null) => (v ? new Date(v).toLocaleString('zh-CN') : '—') },
          { title: t('loyalty.programme.note'), dataIndex: 'note' },
          { title: t('loyalty.programme.createdBy'), dataIndex: 'createdBy' },
        ]} />
      </Card>
    </>
  );

  const tierOptions = p.tiers.map((x: any) => ({ value: x.code, label: lang === 'zh' ? x.nameZh : x.nameEn }));
  const edit = (
    <Form form={form} layout="vertical" initialValues={{ programme: toForm(p) }} data-testid="programme-form">
      {problems && <Alert type="error" style={{ marginBottom: 16 }} title={problems.map((x) => `${x.path}: ${x.message}`).join('；')} data-testid="programme-errors" />}
      <Card title={t('loyalty.programme.tiers')} style={{ marginBottom: 16 }}>
        <Form.List name={['programme', 'tiers']}>
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'code']} label={t('loyalty.programme.code')} rules={[{ required: true }]}><Input style={{ width: 90 }} /></Form.Item>
                  <Form.Item name={[f.name, 'nameZh']} label={t('loyalty.programme.nameZh')} rules={[{ required: true }]}><Input style={{ width: 90 }} /></Form.Item>
                  <Form.Item name={[f.name, 'nameEn']} label={t('loyalty.programme.nameEn')} rules={[{ required: true }]}><Input style={{ width: 100 }} /></Form.Item>
                  <Form.Item name={[f.name, 'minSpendYuan']} label={t('loyalty.programme.minSpend')}><InputNumber min={0} precision={2} /></Form.Item>
                  <Form.Item name={[f.name, 'minPurchases']} label={t('loyalty.programme.minPurchases')}><InputNumber min={0} precision={0} /></Form.Item>
                  <Form.Item name={[f.name, 'benefits', 'pointsMultiplierPct']} label={t('loyalty.programme.multiplier')}><InputNumber min={0} precision={0} /></Form.Item>
                  <Form.Item name={[f.name, 'benefits', 'discountPct']} label={t('loyalty.programme.discount')}><InputNumber min={0} max={100} precision={0} /></Form.Item>
                  <Form.Item name={[f.name, 'benefits', 'birthdayGift']} label={t('loyalty.programme.birthdayGift')}><Input style={{ width: 130 }} /></Form.Item>
                  <Form.Item name={[f.name, 'benefits', 'freeSamples']} label={t('loyalty.programme.samples')}><Input style={{ width: 130 }} /></Form.Item>
                  <MinusCircleOutlined style={{ marginTop: 38 }} onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ minSpendYuan: 0, minPurchases: 0, benefits: { pointsMultiplierPct: 100, discountPct: 0, birthdayGift: '', freeSamples: '' } })}>{t('common.create')}</Button>
            </>
          )}
        </Form.List>
        <Divider />
        <Space wrap>
          <Form.Item name={['programme', 'qualification', 'windowMonths']} label={t('loyalty.programme.window')}><InputNumber min={1} max={60} precision={0} /></Form.Item>
          <Form.Item name={['programme', 'qualification', 'match']} label={t('loyalty.programme.match')}><Select style={{ width: 220 }} options={['any', 'all'].map((v) => ({ value: v, label: t(`loyalty.programme.match.${v}`) }))} /></Form.Item>
          <Form.Item name={['programme', 'tierEvaluation', 'schedule']} label={t('loyalty.programme.schedule')}><Select style={{ width: 160 }} options={['nightly', 'monthly'].map((v) => ({ value: v, label: t(`loyalty.programme.schedule.${v}`) }))} /></Form.Item>
          <Form.Item name={['programme', 'tierEvaluation', 'downgradeGraceDays']} label={t('loyalty.programme.grace')}><InputNumber min={0} precision={0} /></Form.Item>
        </Space>
      </Card>
      <Card title={t('loyalty.programme.earn')} style={{ marginBottom: 16 }}>
        <Space wrap>
          <Form.Item name={['programme', 'earn', 'fenPerPoint']} label={t('loyalty.programme.fenPerPoint')}><InputNumber min={1} precision={0} /></Form.Item>
          <Form.Item name={['programme', 'earn', 'minSpendYuan']} label={t('loyalty.programme.minSpendEarn')}><InputNumber min={0} precision={2} /></Form.Item>
        </Space>
        <Form.List name={['programme', 'earn', 'rules']}>
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'id']} label={t('loyalty.programme.ruleId')} rules={[{ required: true }]}><Input style={{ width: 110 }} /></Form.Item>
                  <Form.Item name={[f.name, 'category']} label={t('loyalty.programme.category')}><Input style={{ width: 110 }} placeholder="护肤" /></Form.Item>
                  <Form.Item name={[f.name, 'sku']} label={t('loyalty.programme.sku')}><Input style={{ width: 110 }} /></Form.Item>
                  <Form.Item name={[f.name, 'multiplierPct']} label={t('loyalty.programme.multiplier')} rules={[{ required: true }]}><InputNumber min={0} precision={0} /></Form.Item>
                  <MinusCircleOutlined style={{ marginTop: 38 }} onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ multiplierPct: 200 })}>{t('common.create')}</Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card title={t('loyalty.programme.promotions')} style={{ marginBottom: 16 }}>
        <Form.List name={['programme', 'promotions']}>
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'code']} label={t('loyalty.programme.code')} rules={[{ required: true }]}><Input style={{ width: 100 }} /></Form.Item>
                  <Form.Item name={[f.name, 'nameZh']} label={t('loyalty.programme.nameZh')} rules={[{ required: true }]}><Input style={{ width: 110 }} /></Form.Item>
                  <Form.Item name={[f.name, 'nameEn']} label={t('loyalty.programme.nameEn')} rules={[{ required: true }]}><Input style={{ width: 110 }} /></Form.Item>
                  <Form.Item name={[f.name, 'from']} label={t('loyalty.programme.from')} rules={[{ required: true, pattern: /^\d{4}-\d{2}-\d{2}$/ }]}><Input style={{ width: 110 }} placeholder="2026-11-01" /></Form.Item>
                  <Form.Item name={[f.name, 'to']} label={t('loyalty.programme.to')} rules={[{ required: true, pattern: /^\d{4}-\d{2}-\d{2}$/ }]}><Input style={{ width: 110 }} placeholder="2026-11-11" /></Form.Item>
                  <Form.Item name={[f.name, 'weekdays']} label={t('loyalty.programme.weekdays')}><Select mode="multiple" style={{ width: 150 }} options={WEEKDAYS.map((d) => ({ value: d, label: weekdayName(d, lang) }))} /></Form.Item>
                  <Form.Item name={[f.name, 'tierCodes']} label={t('loyalty.programme.tierCodes')}><Select mode="multiple" style={{ width: 150 }} options={tierOptions} /></Form.Item>
                  <Form.Item name={[f.name, 'category']} label={t('loyalty.programme.category')}><Input style={{ width: 90 }} /></Form.Item>
                  <Form.Item name={[f.name, 'multiplierPct']} label={t('loyalty.programme.multiplier')}><InputNumber min={0} precision={0} /></Form.Item>
                  <Form.Item name={[f.name, 'bonusPoints']} label={t('loyalty.programme.bonus')}><InputNumber min={0} precision={0} /></Form.Item>
                  <Form.Item name={[f.name, 'segmentId']} label={t('loyalty.programme.segment')}><InputNumber min={1} precision={0} /></Form.Item>
                  <MinusCircleOutlined style={{ marginTop: 38 }} onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ weekdays: [], tierCodes: [], multiplierPct: 200, bonusPoints: 0 })} data-testid="programme-add-promotion">{t('common.create')}</Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card style={{ marginBottom: 16 }}>
        <Space wrap>
          <Form.Item name={['programme', 'expiry', 'policy']} label={t('loyalty.programme.expiry')}><Select style={{ width: 180 }} options={['end_of_next_year', 'months', 'never'].map((v) => ({ value: v, label: t(`loyalty.programme.expiry.${v}`) }))} /></Form.Item>
          <Form.Item name={['programme', 'expiry', 'months']} label={t('loyalty.programme.months')}><InputNumber min={1} max={120} precision={0} /></Form.Item>
          <Form.Item name={['programme', 'pointValueFen']} label={t('loyalty.programme.pointValue')}><InputNumber min={1} precision={0} /></Form.Item>
          <Form.Item name={['programme', 'adjustLimit']} label={t('loyalty.programme.adjustLimit')}><InputNumber min={0} precision={0} /></Form.Item>
          <Form.Item name={['programme', 'awards', 'signup']} label={t('loyalty.programme.signup')}><InputNumber min={0} precision={0} /></Form.Item>
          <Form.Item name={['programme', 'awards', 'review']} label={t('loyalty.programme.review')}><InputNumber min={0} precision={0} /></Form.Item>
          <Form.Item name={['programme', 'awards', 'referral']} label={t('loyalty.programme.referral')}><InputNumber min={0} precision={0} /></Form.Item>
        </Space>
        <Space wrap>
          <Form.Item name="validFrom" label={t('loyalty.programme.validFrom')}><DatePicker showTime /></Form.Item>
          <Form.Item name="note" label={t('loyalty.programme.note')}><Input style={{ width: 320 }} placeholder="双十一会员日双倍积分" /></Form.Item>
        </Space>
      </Card>
      <Space>
        <Button type="primary" onClick={save} data-testid="programme-save">{t('common.save')}</Button>
        <Button onClick={() => { setEditing(false); setProblems(null); }}>{t('common.cancel')}</Button>
      </Space>
    </Form>
  );

  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('loyalty.programme.title')}</Typography.Title>
          <Typography.Text type="secondary">{t('loyalty.programme.version', { v: current.version, from: new Date(current.validFrom).toLocaleString('zh-CN') })}</Typography.Text>
        </div>
        {!editing && can('loyalty.configure') && <Button type="primary" onClick={() => setEditing(true)} data-testid="programme-edit">{t('loyalty.programme.edit')}</Button>}
      </Space>
      {editing ? edit : view}
    </>
  );
}
