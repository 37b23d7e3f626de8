import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, DatePicker, Form, Input, InputNumber, Modal, Row, Select, Space, Statistic, Switch, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { get, post, put } from '../../api.ts';
import { defineMessages, useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';

import type { Template } from './CouponTemplatesPage.tsx';
import { PerkGrantsCard, RewardsJobsCard } from './PerkRuns.tsx';

defineMessages({
  'nav.loyalty.perks': { zh: '生日与节日礼遇', en: 'Perks and referrals' },
  'rewards.perks.title': { zh: '生日与节日礼遇、推荐有礼', en: 'Birthday and holiday perks, referrals' },
  'rewards.perks.birthday': { zh: '生日礼（会员生日当天自动发放）', en: 'Birthday perk (granted automatically on the birthday)' },
  'rewards.perks.tier': { zh: '等级', en: 'Tier' },
  'rewards.perks.points': { zh: '赠送积分', en: 'Points' },
  'rewards.perks.coupon': { zh: '赠送优惠券', en: 'Coupon' },
  'rewards.perks.none': { zh: '不送', en: 'None' },
  'rewards.perks.holidays': { zh: '节日礼遇', en: 'Holiday perks' },
  'rewards.perks.holidayName': { zh: '节日', en: 'Holiday' },
  'rewards.perks.code': { zh: '代码', en: 'Code' },
  'rewards.perks.day': { zh: '发放日期', en: 'Day' },
  'rewards.perks.tiers': { zh: '适用等级（空 = 全部）', en: 'Tiers (empty = all)' },
  'rewards.perks.all': { zh: '全部会员', en: 'All members' },
  'rewards.perks.active': { zh: '启用', en: 'Active' },
  'rewards.referrals.title': { zh: '推荐有礼', en: 'Referrals' },
  'rewards.referrals.settings': { zh: '推荐双方在被推荐人首单过退货期后各得 {points} 积分，另可各送一张券：', en: 'Once the referee’s first purchase is past the return window, each side gets {points} points, and optionally a coupon:' },
  'rewards.referrals.referrerCoupon': { zh: '推荐人优惠券', en: 'Referrer coupon' },
  'rewards.referrals.refereeCoupon': { zh: '被推荐人优惠券', en: 'Referee coupon' },
  'rewards.referrals.rateTitle': { zh: '推荐率', en: 'Referral rate' },
  'rewards.referrals.rate': { zh: '推荐率（被推荐新会员 / 全部新会员）', en: 'Referral rate (referred new members / all new members)' },
  'rewards.referrals.share': { zh: '推荐过他人的会员占比', en: 'Members who referred someone' },
  'rewards.referrals.total': { zh: '推荐总数 / 已发奖励', en: 'Referrals / rewarded' },
  'rewards.referrals.month': { zh: '月份', en: 'Month' },
  'rewards.referrals.newMembers': { zh: '新会员', en: 'New members' },
  'rewards.referrals.referred': { zh: '被推荐', en: 'Referred' },
});

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The referral rate card: this year per month, and the share of members who referred someone. */
export function ReferralRateCard() {
  const { t } = useT();
  const [r, setR] = useState<any>(null);
  useEffect(() => {
    const to = dayjs().format('YYYY-MM-DD');
    const from = dayjs().subtract(11, 'month').startOf('month').format('YYYY-MM-DD');
    get(`/api/loyalty/referrals/report?from=${from}&to=${to}`).then(setR).catch(() => setR(null));
  }, []);
  if (!r) return <Card title={t('rewards.referrals.rateTitle')} loading />;
  const last = r.months[r.months.length - 1];
  return (
    <Card title={t('rewards.referrals.rateTitle')} data-testid="referral-rate-card">
      <Row gutter={16} style={{ marginBottom: 12 }}>
        <Col span={8}><Statistic title={t('rewards.referrals.rate')} value={pct(last?.rate ?? 0)} /></Col>
        <Col span={8}><Statistic title={t('rewards.referrals.share')} value={pct(r.referrerShare)} /></Col>
        <Col span={8}><Statistic title={t('rewards.referrals.total')} value={`${r.referrals} / ${r.rewarded}`} /></Col>
      </Row>
      <Table size="small" rowKey="month" pagination={false} dataSource={[...r.months].reverse().slice(0, 6)}
        columns={[
          { title: t('rewards.referrals.month'), dataIndex: 'month' },
          { title: t('rewards.referrals.newMembers'), dataIndex: 'newMembers', align: 'right' },
          { title: t('rewards.referrals.referred'), dataIndex: 'referred', align: 'right' },
          { title: t('rewards.referrals.rate'), align: 'right', render: (_, m: any) => pct(m.rate) },
        ]} />
    </Card>
  );
}

interface Holiday { id: number; code: string; nameZh: string; nameEn: string; day: string; tierCodes: string[]; points: number; templateId: number | null; active: boolean }

export function PerksPage() {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [tiers, setTiers] = useState<{ code: string; nameZh: string; nameEn: string }[]>([]);
  const [birthday, setBirthday] = useState<Record<string, { points: number; templateId: number | null }>>({});
  const [holidays, setHolidays] = useState<Holiday[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [referral, setReferral] = useState<{ points: number; referrerTemplateId: number | null; refereeTemplateId: number | null } | null>(null);
  const [editing, setEditing] = useState<Holiday | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [runs, setRuns] = useState(0);
  const [form] = Form.useForm();
  const canEdit = can('loyalty.configure');

  const load = useCallback(async () => {
    const [prog, perks, tpl, ref] = await Promise.all([get('/api/loyalty/programme'), get('/api/loyalty/perks'), get<{ items: Template[] }>('/api/coupons/templates'), get('/api/loyalty/referrals/settings')]);
    setTiers(prog.programme.tiers);
    setBirthday(Object.fromEntries(perks.birthday.tiers.map((x: any) => [x.tierCode, { points: x.points, templateId: x.templateId }])));
    setHolidays(perks.holidays);
    setTemplates(tpl.items);
    setReferral(ref);
  }, []);
  useEffect(() => { void load(); }, [load]);

  const name = (x: { nameZh: string; nameEn: string }) => (lang === 'zh' || !x.nameEn ? x.nameZh : x.nameEn);
  const holidayNames = Object.fromEntries(holidays.map((h) => [h.code, name(h)]));
  const templateOptions = [{ value: 0, label: t('rewards.perks.none') }, ...templates.filter((x) => x.active).map((x) => ({ value: x.id, label: name(x) }))];
  const templateName = (id: number | null) => (id == null ? '—' : (templates.find((x) => x.id === id) ? name(templates.find((x) => x.id === id)!) : `#${id}`));

  const saveBirthday = async () => {
    try {
      await put('/api/loyalty/perks/birthday', { tiers: tiers.map((x) => ({ tierCode: x.code, points: birthday[x.code]?.points ?? 0, templateId: birthday[x.code]?.templateId || null })) });
      message.success(t('common.saved'));
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const saveReferral = async (patch: Record<string, number | null>) => {
    try {
      const next = { referrerTemplateId: referral?.referrerTemplateId ?? null, refereeTemplateId: referral?.refereeTemplateId ?? null, ...patch };
      setReferral(await put('/api/loyalty/referrals/settings', next));
      message.success(t('common.saved'));
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const openHoliday = (h: Holiday | 'new') => {
    setError(null);
    setEditing(h);
    form.setFieldsValue(h === 'new' ? { code: '', nameZh: '', day: null, tierCodes: [], points: 0, templateId: 0, active: true } : { ...h, day: dayjs(h.day), templateId: h.templateId ?? 0 });
  };
  const saveHoliday = async () => {
    const v = await form.validateFields();
    const body = { code: v.code, nameZh: v.nameZh, nameEn: v.nameEn ?? '', day: v.day.format('YYYY-MM-DD'), tierCodes: v.tierCodes ?? [], points: v.points ?? 0, templateId: v.templateId || null, active: v.active };
    try {
      if (editing === 'new') await post('/api/loyalty/perks/holidays', body);
      else await put(`/api/loyalty/perks/holidays/${(editing as Holiday).id}`, body);
      setEditing(null);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <>
      <Typography.Title level={3} data-testid="page-title">{t('rewards.perks.title')}</Typography.Title>
      <Card title={t('rewards.perks.birthday')} style={{ marginBottom: 16 }} extra={canEdit && <Button type="primary" onClick={saveBirthday} data-testid="birthday-save">{t('common.save')}</Button>}>
        <Table size="small" rowKey="code" pagination={false} dataSource={tiers}
          columns={[
            { title: t('rewards.perks.tier'), render: (_, x) => <Tag color="magenta">{name(x)}</Tag> },
            { title: t('rewards.perks.points'), render: (_, x) => <InputNumber min={0} precision={0} disabled={!canEdit} value={birthday[x.code]?.points ?? 0} data-testid={`birthday-points-${x.code}`}
                onChange={(v) => setBirthday({ ...birthday, [x.code]: { templateId: birthday[x.code]?.templateId ?? null, points: v ?? 0 } })} /> },
            { title: t('rewards.perks.coupon'), render: (_, x) => <Select style={{ minWidth: 220 }} disabled={!canEdit} options={templateOptions} value={birthday[x.code]?.templateId ?? 0}
                onChange={(v) => setBirthday({ ...birthday, [x.code]: { points: birthday[x.code]?.points ?? 0, templateId: v || null } })} /> },
          ]} />
      </Card>
      <Card title={t('rewards.perks.holidays')} style={{ marginBottom: 16 }} extra={canEdit && <Button onClick={() => openHoliday('new')} data-testid="holiday-new">{t('common.create')}</Button>}>
        <Table<Holiday> size="small" rowKey="id" pagination={false} dataSource={holidays}
          columns={[
            { title: t('rewards.perks.holidayName'), render: (_, h) => name(h) },
            { title: t('rewards.perks.day'), dataIndex: 'day' },
            { title: t('rewards.perks.tiers'), render: (_, h) => (h.tierCodes.length ? h.tierCodes.map((c) => <Tag key={c}>{c}</Tag>) : t('rewards.perks.all')) },
            { title: t('rewards.perks.points'), dataIndex: 'points', align: 'right' },
            { title: t('rewards.perks.coupon'), render: (_, h) => templateName(h.templateId) },
            { title: t('rewards.perks.active'), render: (_, h) => (h.active ? <Tag color="green">{t('common.yes')}</Tag> : <Tag>{t('common.no')}</Tag>) },
            { title: t('common.actions'), render: (_, h) => canEdit && <Button size="small" onClick={() => openHoliday(h)}>{t('common.edit')}</Button> },
          ]} />
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={10}>
          <Card title={t('rewards.referrals.title')}>
            <Typography.Paragraph>{t('rewards.referrals.settings', { points: referral?.points ?? 0 })}</Typography.Paragraph>
            <Space direction="vertical" style={{ width: '100%' }}>
              <span>{t('rewards.referrals.referrerCoupon')}：<Select style={{ minWidth: 220 }} disabled={!canEdit} options={templateOptions} value={referral?.referrerTemplateId ?? 0} onChange={(v) => saveReferral({ referrerTemplateId: v || null })} /></span>
              <span>{t('rewards.referrals.refereeCoupon')}：<Select style={{ minWidth: 220 }} disabled={!canEdit} options={templateOptions} value={referral?.refereeTemplateId ?? 0} onChange={(v) => saveReferral({ refereeTemplateId: v || null })} /></span>
            </Space>
          </Card>
        </Col>
        <Col xs={24} lg={14}><ReferralRateCard key={runs} /></Col>
      </Row>
      <Row gutter={16} style={{ marginTop: 16 }}>
        <Col xs={24} lg={14}><PerkGrantsCard version={runs} holidays={holidayNames} /></Col>
        <Col xs={24} lg={10}><RewardsJobsCard onRan={() => setRuns((n) => n + 1)} holidays={holidayNames} /></Col>
      </Row>
      <Modal open={editing != null} title={t('rewards.perks.holidays')} onCancel={() => setEditing(null)} onOk={saveHoliday} destroyOnHidden okButtonProps={{ 'data-testid': 'holiday-save' } as any}>
        {error && <Alert type="error" message={error} showIcon style={{ marginBottom: 12 }} />}
        <Form form={form} layout="vertical">
          <Form.Item name="nameZh" label={t('rewards.perks.holidayName')} rules={[{ required: true }]}><Input maxLength={60} placeholder="双十一" /></Form.Item>
          <Form.Item name="nameEn" label="English"><Input maxLength={60} placeholder="Singles Day" /></Form.Item>
          <Form.Item name="code" label={t('rewards.perks.code')} rules={[{ required: true, pattern: /^[a-z0-9_-]{1,40}$/ }]}><Input placeholder="double11-2026" /></Form.Item>
          <Form.Item name="day" label={t('rewards.perks.day')} rules={[{ required: true }]}><DatePicker /></Form.Item>
          <Form.Item name="tierCodes" label={t('rewards.perks.tiers')}><Select mode="multiple" options={tiers.map((x) => ({ value: x.code, label: name(x) }))} /></Form.Item>
          <Space>
            <Form.Item name="points" label={t('rewards.perks.points')}><InputNumber min={0} precision={0} /></Form.Item>
            <Form.Item name="templateId" label={t('rewards.perks.coupon')}><Select style={{ minWidth: 200 }} options={templateOptions} /></Form.Item>
            <Form.Item name="active" label={t('rewards.perks.active')} valuePropName="checked"><Switch /></Form.Item>
          </Space>
        </Form>
      </Modal>
    </>
  );
}
