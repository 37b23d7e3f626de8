import { useEffect, useState } from 'react';
import { Alert, Button, Form, Input, InputNumber, Modal, Result, Select, Table, Tabs, Tag } from 'antd';
import { get, post, yuan } from '../../api.ts';
import { defineMessages, useT } from '../../i18n.tsx';
import { newKey, toFen } from './shared.ts';

defineMessages({
  'rewards.redeem.open': { zh: '核销 / 兑换', en: 'Redeem' },
  'rewards.redeem.title': { zh: '优惠券核销与积分兑换', en: 'Redeem a coupon or a reward' },
  'rewards.redeem.couponTab': { zh: '核销优惠券', en: 'Coupon' },
  'rewards.redeem.catalogueTab': { zh: '积分兑换', en: 'Points reward' },
  'rewards.redeem.code': { zh: '券码（输入或扫码）', en: 'Coupon code (type or scan)' },
  'rewards.redeem.amount': { zh: '本单金额（元）', en: 'Purchase amount (¥)' },
  'rewards.redeem.channel': { zh: '渠道', en: 'Channel' },
  'rewards.redeem.reference': { zh: '小票号', en: 'Receipt no.' },
  'rewards.redeem.submit': { zh: '核销', en: 'Redeem' },
  'rewards.redeem.discount': { zh: '优惠 {amount}', en: '{amount} off' },
  'rewards.redeem.gift': { zh: '请领取礼品：{gift}', en: 'Hand over the gift: {gift}' },
  'rewards.redeem.item': { zh: '兑换商品', en: 'Reward' },
  'rewards.redeem.quantity': { zh: '数量', en: 'Quantity' },
  'rewards.redeem.points': { zh: '所需积分', en: 'Points' },
  'rewards.redeem.stock': { zh: '库存', en: 'Stock' },
  'rewards.redeem.exchange': { zh: '兑换', en: 'Redeem' },
  'rewards.redeem.done': { zh: '兑换成功，剩余积分 {balance}', en: 'Redeemed; balance now {balance}' },
  'rewards.redeem.coupons': { zh: '已发券：{codes}', en: 'Coupons issued: {codes}' },
  'rewards.channel.store': { zh: '门店', en: 'Store' },
  'rewards.channel.online': { zh: '网上商城', en: 'Online' },
  'rewards.channel.app': { zh: 'App', en: 'App' },
  'rewards.channel.mini_program': { zh: '小程序', en: 'Mini program' },
});

interface Item { id: number; kind: 'gift' | 'coupon'; nameZh: string; nameEn: string; points: number; stock: number }

/**
 * Till dialog for one member: redeem a coupon code against the current purchase, or exchange points for a catalogue
 * reward. Each submit keeps its Idempotency-Key until it succeeds, so a double click or a retry never redeems twice.
 */
export function RedeemDialog({ customerId, open, onClose, onDone }: { customerId: number; open: boolean; onClose: () => void; onDone?: () => void }) {
  const { t, lang } = useT();
  const [couponForm] = Form.useForm();
  const [itemForm] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [key, setKey] = useState(newKey);

  useEffect(() => {
    if (!open) return;
    setDone(null); setError(null); setKey(newKey());
    get<{ items: Item[] }>('/api/loyalty/catalogue?available=true').then((r) => setItems(r.items)).catch(() => setItems([]));
  }, [open]);

  const run = async (fn: () => Promise<string>) => {
    setBusy(true); setError(null);
    try {
      setDone(await fn());
      setKey(newKey());
      onDone?.();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const redeemCoupon = async () => {
    const v = await couponForm.validateFields();
    await run(async () => {
      const r = await post('/api/coupons/redeem', { code: v.code, customerId, amountFen: toFen(v.amount) ?? 0, channel: v.channel, reference: v.reference || undefined }, key);
      return r.kind === 'gift' ? t('rewards.redeem.gift', { gift: r.giftName }) : t('rewards.redeem.discount', { amount: yuan(r.discountFen) });
    });
  };
  const redeemItem = async () => {
    const v = await itemForm.validateFields();
    await run(async () => {
      const r = await post('/api/loyalty/redemptions', { customerId, itemId: v.itemId, quantity: v.quantity }, key);
      return [t('rewards.redeem.done', { balance: r.balance }), r.coupons.length ? t('rewards.redeem.coupons', { codes: r.coupons.map((c: any) => c.code).join('、') }) : ''].join(' ');
    });
  };
  const name = (i: { nameZh: string; nameEn: string }) => (lang === 'zh' || !i.nameEn ? i.nameZh : i.nameEn);

  return (
    <Modal open={open} title={t('rewards.redeem.title')} onCancel={onClose} footer={null} destroyOnHidden width={640}>
      {done ? (
        <Result status="success" title={done} data-testid="redeem-result" extra={<Button onClick={() => { setDone(null); couponForm.resetFields(); itemForm.resetFields(); }}>{t('rewards.redeem.open')}</Button>} />
      ) : (
        <>
          {error && <Alert type="error" message={error} showIcon style={{ marginBottom: 12 }} data-testid="redeem-error" />}
          <Tabs items={[
            {
              key: 'coupon', label: t('rewards.redeem.couponTab'),
              children: (
                <Form form={couponForm} layout="vertical" initialValues={{ channel: 'store' }} onFinish={redeemCoupon}>
                  <Form.Item name="code" label={t('rewards.redeem.code')} rules={[{ required: true }]}>
                    <Input autoFocus size="large" placeholder="7KQ2-M9XP-4HTR" style={{ fontFamily: 'monospace', letterSpacing: 2, textTransform: 'uppercase' }} data-testid="redeem-code" />
                  </Form.Item>
                  <Form.Item name="amount" label={t('rewards.redeem.amount')} rules={[{ required: true }]}>
                    <InputNumber min={0} precision={2} style={{ width: '100%' }} data-testid="redeem-amount" />
                  </Form.Item>
                  <Form.Item name="channel" label={t('rewards.redeem.channel')}>
                    <Select options={['store', 'online', 'app', 'mini_program'].map((c) => ({ value: c, label: t(`rewards.channel.${c}`) }))} />
                  </Form.Item>
                  <Form.Item name="reference" label={t('rewards.redeem.reference')}><Input maxLength={64} /></Form.Item>
                  <Button type="primary" htmlType="submit" loading={busy} block size="large" data-testid="redeem-coupon-submit">{t('rewards.redeem.submit')}</Button>
                </Form>
              ),
            },
            {
              key: 'item', label: t('rewards.redeem.catalogueTab'),
              children: (
                <Form form={itemForm} layout="vertical" initialValues={{ quantity: 1 }} onFinish={redeemItem}>
                  <Form.Item name="itemId" rules={[{ required: true }]}>
                    <Table<Item> size="small" rowKey="id" pagination={false} dataSource={items} scroll={{ y: 240 }}
                      rowSelection={{ type: 'radio', onChange: (keys) => itemForm.setFieldValue('itemId', keys[0]) }}
                      columns={[
                        { title: t('rewards.redeem.item'), render: (_, i) => <>{name(i)} {i.kind === 'coupon' && <Tag color="orange">券</Tag>}</> },
                        { title: t('rewards.redeem.points'), dataIndex: 'points', align: 'right' },
                        { title: t('rewards.redeem.stock'), dataIndex: 'stock', align: 'right' },
                      ]} />
                  </Form.Item>
                  <Form.Item name="quantity" label={t('rewards.redeem.quantity')} rules={[{ required: true }]}>
                    <InputNumber min={1} max={100} precision={0} />
                  </Form.Item>
                  <Button type="primary" htmlType="submit" loading={busy} block size="large" data-testid="redeem-item-submit">{t('rewards.redeem.exchange')}</Button>
                </Form>
              ),
            },
          ]} />
        </>
      )}
    </Modal>
  );
}

/** A button that opens the dialog: what the member loyalty panel shows next to "pay with points". */
export function RedeemButton({ customerId, onDone }: { customerId: number; onDone?: () => void }) {
  const { t } = useT();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)} data-testid="rewards-redeem-open">{t('rewards.redeem.open')}</Button>
      <RedeemDialog customerId={customerId} open={open} onClose={() => setOpen(false)} onDone={onDone} />
    </>
  );
}
