import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Modal, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { get, post, yuan } from '../../api.ts';
import { defineMessages, useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';
import { templateValue } from './CouponTemplatesPage.tsx';
import { newKey, toFen, useFormSubmit } from './shared.ts';

defineMessages({
  'rewards.memberCoupons.title': { zh: '会员优惠券', en: 'Coupons' },
  'rewards.memberCoupons.code': { zh: '券码', en: 'Code' },
  'rewards.memberCoupons.name': { zh: '优惠券', en: 'Coupon' },
  'rewards.memberCoupons.value': { zh: '面值', en: 'Value' },
  'rewards.memberCoupons.validity': { zh: '有效期', en: 'Valid' },
  'rewards.memberCoupons.state': { zh: '状态', en: 'State' },
  'rewards.memberCoupons.state.active': { zh: '可用', en: 'Active' },
  'rewards.memberCoupons.state.used': { zh: '已使用', en: 'Used' },
  'rewards.memberCoupons.state.expired': { zh: '已过期', en: 'Expired' },
  'rewards.memberCoupons.state.void': { zh: '已作废', en: 'Voided' },
  'rewards.memberCoupons.usedOn': { zh: '{date} 使用，优惠 {amount}', en: 'used {date}, {amount} off' },
  'rewards.memberCoupons.usedGift': { zh: '{date} 使用，已领取礼品', en: 'used {date}, gift handed over' },
  'rewards.memberCoupons.none': { zh: '暂无优惠券', en: 'No coupons' },
  'rewards.memberCoupons.redeem': { zh: '核销', en: 'Redeem' },
  'rewards.memberCoupons.void': { zh: '作废', en: 'Void' },
  'rewards.memberCoupons.redeemTitle': { zh: '核销优惠券 {code}', en: 'Redeem coupon {code}' },
  'rewards.memberCoupons.voidTitle': { zh: '作废优惠券 {code}', en: 'Void coupon {code}' },
  'rewards.memberCoupons.voidReason': { zh: '作废原因', en: 'Reason' },
  'rewards.memberCoupons.voided': { zh: '优惠券 {code} 已作废', en: 'Coupon {code} voided' },
});

type State = 'active' | 'used' | 'expired' | 'void';

export interface MemberCoupon {
  id: number; code: string; templateId: number; nameZh: string; nameEn: string; kind: 'amount' | 'percent' | 'gift';
  amountOffFen: number | null; percentOff: number | null; giftName: string | null; minSpendFen: number;
  state: State; validFrom: string; validTo: string; reason: string; issuedAt: string; usedAt: string | null; discountFen: number | null;
}

const STATE_COLOR: Record<State, string | undefined> = { active: 'green', used: 'blue', expired: 'orange', void: 'red' };
const day = (s: string | null) => (s ? dayjs(s).format('YYYY-MM-DD') : '');
/** Codes are 12 characters; in groups of four they are easier to read out at the till. */
export const showCode = (code: string) => code.replace(/(.{4})(?=.)/g, '$1-');

/**
 * A member's coupons with their state; an active one is redeemed from its row (the till types only the purchase
 * amount) and voided by a role with loyalty.adjust.
 */
export function MemberCouponsCard({ customerId, version = 0, onChanged }: { customerId: number; version?: number; onChanged?: () => void }) {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [state, setState] = useState<State | 'all'>('all');
  const [rows, setRows] = useState<MemberCoupon[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [redeeming, setRedeeming] = useState<MemberCoupon | null>(null);
  const [voiding, setVoiding] = useState<MemberCoupon | null>(null);

  // Only the latest request's answer is shown: switching the filter quickly must not show another state's coupons.
  const latest = useRef(0);
  const load = useCallback(async () => {
    const asked = ++latest.current;
    setRows(null);
    try {
      const items = (await get<{ items: MemberCoupon[] }>(`/api/loyalty/members/${customerId}/coupons${state === 'all' ? '' : `?state=${state}`}`)).items;
      if (asked !== latest.current) return;
      setRows(items);
      setError(null);
    } catch (e) {
      if (asked === latest.current) setError((e as Error).message);
    }
  }, [customerId, state]);
  useEffect(() => { void load(); }, [load, version]);

  const changed = async () => {
    await load();
    onChanged?.();
  };
  const name = (c: MemberCoupon) => (lang === 'zh' || !c.nameEn ? c.nameZh : c.nameEn);

  return (
    <Card title={t('rewards.memberCoupons.title')} data-testid="member-coupons"
      extra={<Segmented size="small" value={state} onChange={(v) => setState(v as State | 'all')} data-testid="member-coupons-filter"
        options={[{ value: 'all', label: t('common.all') }, ...(['active', 'used', 'expired', 'void'] as const).map((s) => ({ value: s, label: t(`rewards.memberCoupons.state.${s}`) }))]} />}>
      {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 12 }} />}
      <Table<MemberCoupon> size="small" rowKey="id" loading={rows == null && !error} dataSource={rows ?? []} pagination={{ pageSize: 10, hideOnSinglePage: true }}
        locale={{ emptyText: t('rewards.memberCoupons.none') }}
        onRow={(c) => ({ 'data-testid': `coupon-row-${c.code}` } as any)}
        columns={[
          { title: t('rewards.memberCoupons.code'), dataIndex: 'code', render: (c: string) => <Typography.Text code copyable={{ text: c }} style={{ whiteSpace: 'nowrap' }}>{showCode(c)}</Typography.Text> },
          { title: t('rewards.memberCoupons.name'), render: (_, c) => <>{name(c)} <Tag>{t(`rewards.coupons.kind.${c.kind}`)}</Tag></> },
          { title: t('rewards.memberCoupons.value'), render: (_, c) => templateValue(t, c) },
          { title: t('rewards.memberCoupons.validity'), render: (_, c) => `${day(c.validFrom)} ~ ${day(c.validTo)}` },
          {
            title: t('rewards.memberCoupons.state'),
            render: (_, c) => (
              <Space orientation="vertical" size={0}>
                <Tag color={STATE_COLOR[c.state]} data-testid="coupon-state">{t(`rewards.memberCoupons.state.${c.state}`)}</Tag>
                {c.state === 'used' && c.usedAt && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{c.kind === 'gift' ? t('rewards.memberCoupons.usedGift', { date: day(c.usedAt) }) : t('rewards.memberCoupons.usedOn', { date: day(c.usedAt), amount: yuan(c.discountFen ?? 0) })}</Typography.Text>}
              </Space>
            ),
          },
          {
            title: t('common.actions'),
            render: (_, c) => c.state === 'active' && (
              <Space>
                {can('loyalty.redeem') && <Button size="small" type="primary" onClick={() => setRedeeming(c)} data-testid={`coupon-redeem-${c.code}`}>{t('rewards.memberCoupons.redeem')}</Button>}
                {can('loyalty.adjust') && <Button size="small" danger onClick={() => setVoiding(c)} data-testid={`coupon-void-${c.code}`}>{t('rewards.memberCoupons.void')}</Button>}
              </Space>
            ),
          },
        ]} />
      {redeeming && <RedeemCouponModal customerId={customerId} coupon={redeeming} onClose={() => setRedeeming(null)}
        onDone={(text) => { message.success(text); setRedeeming(null); void changed(); }} />}
      {voiding && <VoidCouponModal coupon={voiding} onClose={() => setVoiding(null)}
        onDone={() => { message.success(t('rewards.memberCoupons.voided', { code: showCode(voiding.code) })); setVoiding(null); void changed(); }} />}
    </Card>
  );
}

/** Redeems one known coupon: the code is fixed, the key is kept until it succeeds, so a retry never redeems twice. */
function RedeemCouponModal({ customerId, coupon, onClose, onDone }: { customerId: number; coupon: MemberCoupon; onClose: () => void; onDone: (text: string) => void }) {
  const { t, lang } = useT();
  const [form] = Form.useForm();
  const [key] = useState(newKey);
  const { busy, error, submit } = useFormSubmit(form, async (v) => {
    const r = await post('/api/coupons/redeem', { code: coupon.code, customerId, amountFen: toFen(v.amount) ?? 0, channel: v.channel, reference: v.reference || undefined }, key);
    onDone(r.kind === 'gift' ? t('rewards.redeem.gift', { gift: r.giftName }) : t('rewards.redeem.discount', { amount: yuan(r.discountFen) }));
  });
  return (
    <Modal open title={t('rewards.memberCoupons.redeemTitle', { code: showCode(coupon.code) })} onCancel={onClose} onOk={submit} confirmLoading={busy}
      okText={t('rewards.memberCoupons.redeem')} okButtonProps={{ 'data-testid': 'coupon-redeem-submit' } as any}>
      {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 12 }} data-testid="coupon-redeem-error" />}
      <Typography.Paragraph>{lang === 'zh' || !coupon.nameEn ? coupon.nameZh : coupon.nameEn} · {templateValue(t, coupon)}</Typography.Paragraph>
      <Form form={form} layout="vertical" initialValues={{ channel: 'store', amount: coupon.kind === 'gift' && coupon.minSpendFen === 0 ? 0 : undefined }}>
        <Form.Item name="amount" label={t('rewards.redeem.amount')} rules={[{ required: true }]}>
          <InputNumber min={0} precision={2} style={{ width: '100%' }} autoFocus data-testid="coupon-redeem-amount" />
        </Form.Item>
        <Form.Item name="channel" label={t('rewards.redeem.channel')}>
          <Select options={['store', 'online', 'app', 'mini_program'].map((c) => ({ value: c, label: t(`rewards.channel.${c}`) }))} />
        </Form.Item>
        <Form.Item name="reference" label={t('rewards.redeem.reference')}><Input maxLength={64} /></Form.Item>
      </Form>
    </Modal>
  );
}

function VoidCouponModal({ coupon, onClose, onDone }: { coupon: MemberCoupon; onClose: () => void; onDone: () => void }) {
  const { t } = useT();
  const [form] = Form.useForm();
  const { busy, error, submit } = useFormSubmit(form, async (v) => {
    await post(`/api/coupons/${coupon.code}/void`, { reason: v.reason });
    onDone();
  });
  return (
    <Modal open title={t('rewards.memberCoupons.voidTitle', { code: showCode(coupon.code) })} onCancel={onClose} onOk={submit} confirmLoading={busy}
      okText={t('rewards.memberCoupons.void')} okButtonProps={{ danger: true, 'data-testid': 'coupon-void-submit' } as any}>
      {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 12 }} data-testid="coupon-void-error" />}
      <Form form={form} layout="vertical">
        <Form.Item name="reason" label={t('rewards.memberCoupons.voidReason')} rules={[{ required: true, whitespace: true }]}>
          <Input maxLength={200} data-testid="coupon-void-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
