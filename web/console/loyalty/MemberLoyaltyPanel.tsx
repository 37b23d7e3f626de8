import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, InputNumber, Modal, Progress, Row, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { get, newIdempotencyKey, post, yuan } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import { RedeemButton } from './rewards/RedeemDialog.tsx';
import { MemberCouponsCard } from './rewards/MemberCoupons.tsx';
import { MemberRedemptionsCard } from './rewards/MemberRedemptions.tsx';
import { MemberReferralCard } from './rewards/MemberReferral.tsx';

defineMessages({
  'loyalty.member.balance': { zh: '积分余额', en: 'Points balance' },
  'loyalty.member.value': { zh: '可抵现', en: 'Worth' },
  'loyalty.member.tier': { zh: '会员等级', en: 'Tier' },
  'loyalty.member.since': { zh: '自 {date} 起', en: 'since {date}' },
  'loyalty.member.top': { zh: '已是最高等级', en: 'Top tier reached' },
  'loyalty.member.window': { zh: '近 {months} 个月：消费 {spend}，{n} 笔', en: 'Last {months} months: {spend} spent, {n} purchases' },
  'loyalty.member.downgrade': { zh: '保级宽限期至 {date}，届时未达标将降级', en: 'Grace period until {date}; below the threshold then, the tier drops' },
  'loyalty.member.benefits': { zh: '等级权益', en: 'Benefits' },
  'loyalty.member.multiplier': { zh: '积分倍率', en: 'Points multiplier' },
  'loyalty.member.discount': { zh: '折扣', en: 'Discount' },
  'loyalty.member.birthdayGift': { zh: '生日礼', en: 'Birthday gift' },
  'loyalty.member.samples': { zh: '小样', en: 'Free samples' },
  'loyalty.member.expiring': { zh: '即将过期', en: 'Expiring' },
  'loyalty.member.noExpiring': { zh: '暂无将过期积分', en: 'No points due to expire' },
  'loyalty.member.ledger': { zh: '积分明细', en: 'Points ledger' },
  'loyalty.member.when': { zh: '时间', en: 'When' },
  'loyalty.member.kind': { zh: '类型', en: 'Type' },
  'loyalty.member.points': { zh: '积分', en: 'Points' },
  'loyalty.member.reason': { zh: '原因', en: 'Reason' },
  'loyalty.member.by': { zh: '操作人', en: 'By' },
  'loyalty.member.more': { zh: '加载更多', en: 'Load more' },
  'loyalty.member.adjust': { zh: '调整积分', en: 'Adjust points' },
  'loyalty.member.pay': { zh: '积分抵现', en: 'Pay with points' },
  'loyalty.member.reasonCode': { zh: '调整类型', en: 'Kind of adjustment' },
  'loyalty.member.reasonText': { zh: '说明', en: 'Explanation' },
  'loyalty.member.adjustHint': { zh: '超过 {limit} 积分需店长审批权限', en: 'Over {limit} points needs a manager' },
  'loyalty.member.reference': { zh: '小票号', en: 'Receipt no.' },
  'loyalty.member.done': { zh: '已完成，当前余额 {balance}', en: 'Done; balance now {balance}' },
  'loyalty.member.shortfall': { zh: '{n} 积分已使用，无法扣回', en: '{n} points were already spent' },
  'loyalty.kind.earn': { zh: '消费积分', en: 'Earned' },
  'loyalty.kind.reverse': { zh: '退货扣回', en: 'Return' },
  'loyalty.kind.redeem': { zh: '积分抵现', en: 'Paid with points' },
  'loyalty.kind.adjust': { zh: '人工调整', en: 'Adjustment' },
  'loyalty.kind.expire': { zh: '过期', en: 'Expired' },
  'loyalty.kind.award': { zh: '活动奖励', en: 'Award' },
  'loyalty.kind.refund': { zh: '退还', en: 'Refund' },
  'loyalty.reason.GOODWILL': { zh: '客户关怀', en: 'Goodwill' },
  'loyalty.reason.CORRECTION': { zh: '更正错误', en: 'Correction' },
  'loyalty.reason.MIGRATION': { zh: '数据迁移', en: 'Migration' },
  'loyalty.reason.COMPLAINT': { zh: '投诉补偿', en: 'Complaint' },
  'loyalty.reason.OTHER': { zh: '其他', en: 'Other' },
});

interface Summary {
  customerId: number;
  balance: number;
  valueFen: number;
  pointValueFen: number;
  tier: { code: string; nameZh: string; nameEn: string; benefits: { pointsMultiplierPct: number; discountPct: number; birthdayGift: string; freeSamples: string } } | null;
  tierSince: string | null;
  downgradeAt: string | null;
  window: { months: number; spendFen: number; purchases: number };
  progress: { nextTier: { nameZh: string; nameEn: string }; percent: number; zh: string; en: string } | null;
  expiring: { expiresAt: string; points: number }[];
  recent: LedgerRow[];
  adjustLimit: number;
}

interface LedgerRow {
  id: number;
  kind: string;
  points: number;
  reasonCode: string;
  reason: string;
  details: any;
  actorName: string;
  createdAt: string;
}

const date = (s: string | null) => (s ? new Date(s).toLocaleDateString('zh-CN') : '—');

/**
 * The loyalty tab of the customer 360 page and the till's member points page: balance, tier progress, expiring points,
 * ledger, adjust and pay actions, the member's coupons, catalogue redemptions and referrals.
 */
export function MemberLoyaltyPanel({ customerId }: { customerId: number }) {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [s, setS] = useState<Summary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rows, setRows] = useState<LedgerRow[]>([]);
  const [more, setMore] = useState(true);
  const [action, setAction] = useState<'adjust' | 'pay' | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const [idemKey, setIdemKey] = useState(newIdempotencyKey);
  // Bumped when a redemption or its cancellation changes the member's coupons and rewards as well as the balance.
  const [rewardsVersion, setRewardsVersion] = useState(0);

  const load = useCallback(async () => {
    try {
      const data = await get<Summary>(`/api/loyalty/members/${customerId}`);
      setS(data);
      setRows(data.recent);
      setMore(data.recent.length >= 20);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [customerId]);
  useEffect(() => {
    void load();
  }, [load]);

  const loadMore = async () => {
    const last = rows[rows.length - 1];
    if (!last) return;
    const page = await get<{ items: LedgerRow[] }>(`/api/loyalty/members/${customerId}/ledger?beforeId=${last.id}&limit=50`);
    setRows([...rows, ...page.items]);
    setMore(page.items.length === 50);
  };

  const submit = async () => {
    const values = await form.validateFields();
    setBusy(true);
    try {
      const url = action === 'adjust' ? `/api/loyalty/members/${customerId}/adjustments` : `/api/loyalty/members/${customerId}/redemptions`;
      const body = await post<{ balance: number }>(url, values, idemKey);
      message.success(t('loyalty.member.done', { balance: body.balance }));
      setAction(null);
      form.resetFields();
      setIdemKey(newIdempotencyKey());
      await load();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const rewardsChanged = () => {
    setRewardsVersion((n) => n + 1);
    void load();
  };

  if (error) return <Alert type="error" title={error} data-testid="loyalty-error" />;
  if (!s) return <Card loading />;
  const name = (x: { nameZh: string; nameEn: string } | null | undefined) => (x ? (lang === 'zh' ? x.nameZh : x.nameEn) : '—');
  const reasonText = (r: LedgerRow) => {
    if (r.kind === 'earn' && Array.isArray(r.details?.reasons)) return r.details.reasons.map((x: any) => `${lang === 'zh' ? x.zh : x.en} (${x.points})`).join('；');
    if (r.kind === 'adjust') return `${t(`loyalty.reason.${r.reasonCode}`)}：${r.reason}`;
    if (r.kind === 'reverse') {
      const base = lang === 'zh' ? `退货 ${yuan(r.details?.returnedFen)}（原订单 ${r.details?.originalPurchaseId}）` : `Returned ${yuan(r.details?.returnedFen)} of purchase ${r.details?.originalPurchaseId}`;
      return r.details?.shortfall ? `${base}；${t('loyalty.member.shortfall', { n: r.details.shortfall })}` : base;
    }
    if (r.kind === 'expire') return t('loyalty.kind.expire');
    if (r.kind === 'redeem' && r.reasonCode === 'POINTS_PAYMENT' && r.reason === 'points used as payment') {
      return [t('loyalty.kind.redeem'), r.details?.reference ? `${t('loyalty.member.reference')} ${r.details.reference}` : '', r.details?.valueFen != null ? yuan(r.details.valueFen) : ''].filter(Boolean).join(' · ');
    }
    return r.reason;
  };

  return (
    <div data-testid="member-loyalty-panel">
      <Row gutter={[16, 16]}>
        <Col xs={24} md={8}>
          <Card>
            <Statistic title={t('loyalty.member.balance')} value={s.balance} valueRender={(v) => <span data-testid="loyalty-balance">{v}</span>} />
            <Typography.Text type="secondary">{t('loyalty.member.value')} {yuan(s.valueFen)}</Typography.Text>
            <div style={{ marginTop: 12 }}>
              <Space>
                {can('loyalty.redeem') && <Button type="primary" onClick={() => setAction('pay')} data-testid="loyalty-pay">{t('loyalty.member.pay')}</Button>}
                {can('loyalty.redeem') && <RedeemButton customerId={customerId} onDone={rewardsChanged} />}
                {can('loyalty.adjust') && <Button onClick={() => setAction('adjust')} data-testid="loyalty-adjust">{t('loyalty.member.adjust')}</Button>}
              </Space>
            </div>
          </Card>
        </Col>
        <Col xs={24} md={16}>
          <Card title={<Space>{t('loyalty.member.tier')}<Tag color="magenta" data-testid="loyalty-tier">{name(s.tier)}</Tag><Typography.Text type="secondary">{t('loyalty.member.since', { date: date(s.tierSince) })}</Typography.Text></Space>}>
            {s.progress ? (
              <>
                <Progress percent={s.progress.percent} data-testid="loyalty-progress" />
                <Typography.Text strong data-testid="loyalty-progress-text">{lang === 'zh' ? s.progress.zh : s.progress.en}</Typography.Text>
              </>
            ) : <Typography.Text>{t('loyalty.member.top')}</Typography.Text>}
            <div><Typography.Text type="secondary">{t('loyalty.member.window', { months: s.window.months, spend: yuan(s.window.spendFen), n: s.window.purchases })}</Typography.Text></div>
            {s.downgradeAt && <Alert style={{ marginTop: 8 }} type="warning" title={t('loyalty.member.downgrade', { date: date(s.downgradeAt) })} />}
            {s.tier && (
              <Descriptions size="small" style={{ marginTop: 12 }} column={{ xs: 1, sm: 2 }} title={t('loyalty.member.benefits')}>
                <Descriptions.Item label={t('loyalty.member.multiplier')}>×{s.tier.benefits.pointsMultiplierPct / 100}</Descriptions.Item>
                <Descriptions.Item label={t('loyalty.member.discount')}>{s.tier.benefits.discountPct}%</Descriptions.Item>
                <Descriptions.Item label={t('loyalty.member.birthdayGift')}>{s.tier.benefits.birthdayGift || '—'}</Descriptions.Item>
                <Descriptions.Item label={t('loyalty.member.samples')}>{s.tier.benefits.freeSamples || '—'}</Descriptions.Item>
              </Descriptions>
            )}
          </Card>
        </Col>
        <Col xs={24} md={8}>
          <Card title={t('loyalty.member.expiring')} data-testid="loyalty-expiring">
            {s.expiring.length === 0 ? <Typography.Text type="secondary">{t('loyalty.member.noExpiring')}</Typography.Text> : s.expiring.map((e) => (
              <div key={e.expiresAt}><Typography.Text>{date(new Date(new Date(e.expiresAt).getTime() - 1).toISOString())}</Typography.Text>：<Typography.Text strong>{e.points}</Typography.Text></div>
            ))}
          </Card>
        </Col>
        <Col xs={24} md={16}>
          <Card title={t('loyalty.member.ledger')}>
            <Table<LedgerRow>
              size="small"
              rowKey="id"
              dataSource={rows}
              pagination={false}
              data-testid="loyalty-ledger"
              columns={[
                { title: t('loyalty.member.when'), dataIndex: 'createdAt', render: (v: string) => new Date(v).toLocaleString('zh-CN'), width: 170 },
                { title: t('loyalty.member.kind'), dataIndex: 'kind', render: (k: string) => <Tag>{t(`loyalty.kind.${k}`)}</Tag>, width: 100 },
                { title: t('loyalty.member.points'), dataIndex: 'points', align: 'right', width: 90, render: (p: number) => <Typography.Text type={p < 0 ? 'danger' : 'success'}>{p > 0 ? `+${p}` : p}</Typography.Text> },
                { title: t('loyalty.member.reason'), render: (_: unknown, r) => reasonText(r) },
                { title: t('loyalty.member.by'), dataIndex: 'actorName', width: 100 },
              ]}
            />
            {more && rows.length > 0 && <Button type="link" onClick={loadMore}>{t('loyalty.member.more')}</Button>}
          </Card>
        </Col>
        <Col xs={24}><MemberCouponsCard customerId={customerId} version={rewardsVersion} onChanged={rewardsChanged} /></Col>
        <Col xs={24} lg={14}><MemberRedemptionsCard customerId={customerId} version={rewardsVersion} onChanged={rewardsChanged} /></Col>
        <Col xs={24} lg={10}><MemberReferralCard customerId={customerId} /></Col>
      </Row>
      <Modal open={action != null} title={action === 'adjust' ? t('loyalty.member.adjust') : t('loyalty.member.pay')} onCancel={() => setAction(null)} onOk={submit} confirmLoading={busy} destroyOnHidden okButtonProps={{ 'data-testid': 'loyalty-submit' } as any}>
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="points" label={t('loyalty.member.points')} rules={[{ required: true }, { type: 'integer', message: lang === 'zh' ? '必须是整数' : 'must be a whole number' }]}
            extra={action === 'adjust' ? t('loyalty.member.adjustHint', { limit: s.adjustLimit }) : undefined}>
            <InputNumber style={{ width: '100%' }} precision={0} min={action === 'pay' ? 1 : undefined} max={action === 'pay' ? s.balance : undefined} data-testid="loyalty-points-input" />
          </Form.Item>
          {action === 'adjust' ? (
            <>
              <Form.Item name="reasonCode" label={t('loyalty.member.reasonCode')} rules={[{ required: true }]} initialValue="GOODWILL">
                <Select options={['GOODWILL', 'CORRECTION', 'COMPLAINT', 'MIGRATION', 'OTHER'].map((v) => ({ value: v, label: t(`loyalty.reason.${v}`) }))} />
              </Form.Item>
              <Form.Item name="reason" label={t('loyalty.member.reasonText')} rules={[{ required: true, whitespace: true }]}>
                <Input maxLength={200} placeholder="例如：门店活动补发积分" data-testid="loyalty-reason-input" />
              </Form.Item>
            </>
          ) : (
            <Form.Item name="reference" label={t('loyalty.member.reference')}>
              <Input maxLength={64} placeholder="POS-20261123-0001" />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </div>
  );
}
