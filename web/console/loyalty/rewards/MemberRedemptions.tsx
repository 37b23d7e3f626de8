import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Modal, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { get, post } from '../../api.ts';
import { defineMessages, useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';
import { useFormSubmit } from './shared.ts';

defineMessages({
  'rewards.memberRedemptions.title': { zh: '积分兑换记录', en: 'Rewards redeemed' },
  'rewards.memberRedemptions.when': { zh: '兑换时间', en: 'When' },
  'rewards.memberRedemptions.item': { zh: '兑换商品', en: 'Reward' },
  'rewards.memberRedemptions.points': { zh: '积分', en: 'Points' },
  'rewards.memberRedemptions.status': { zh: '状态', en: 'Status' },
  'rewards.memberRedemptions.status.done': { zh: '已兑换', en: 'Redeemed' },
  'rewards.memberRedemptions.status.cancelled': { zh: '已取消', en: 'Cancelled' },
  'rewards.memberRedemptions.by': { zh: '操作人', en: 'By' },
  'rewards.memberRedemptions.none': { zh: '暂无兑换记录', en: 'Nothing redeemed yet' },
  'rewards.memberRedemptions.cancel': { zh: '取消兑换', en: 'Cancel' },
  'rewards.memberRedemptions.cancelTitle': { zh: '取消兑换：{item} × {n}', en: 'Cancel the redemption: {item} × {n}' },
  'rewards.memberRedemptions.cancelHint': { zh: '退还 {points} 积分，恢复库存，兑换所发的优惠券作废（已使用则无法取消）。', en: 'Refunds {points} points, restores the stock and voids its coupons (not possible once one was used).' },
  'rewards.memberRedemptions.reason': { zh: '取消原因', en: 'Reason' },
  'rewards.memberRedemptions.cancelled': { zh: '已取消，退还 {points} 积分，当前余额 {balance}', en: 'Cancelled; {points} points refunded, balance now {balance}' },
});

interface Redemption {
  id: number; itemId: number; nameZh: string; nameEn: string; kind: 'gift' | 'coupon'; quantity: number; points: number;
  status: 'done' | 'cancelled'; couponIds: number[]; createdBy: string; createdAt: string; cancelledAt: string | null;
}

/** A member's catalogue redemptions; one not yet cancelled can be cancelled (points refunded, stock restored). */
export function MemberRedemptionsCard({ customerId, version = 0, onChanged }: { customerId: number; version?: number; onChanged?: () => void }) {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [rows, setRows] = useState<Redemption[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState<Redemption | null>(null);

  const load = useCallback(async () => {
    try {
      setRows((await get<{ items: Redemption[] }>(`/api/loyalty/members/${customerId}/catalogue-redemptions`)).items);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [customerId]);
  useEffect(() => { void load(); }, [load, version]);
  const name = (r: Redemption) => (lang === 'zh' || !r.nameEn ? r.nameZh : r.nameEn);

  return (
    <Card title={t('rewards.memberRedemptions.title')} data-testid="member-redemptions">
      {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 12 }} />}
      <Table<Redemption> size="small" rowKey="id" loading={rows == null && !error} dataSource={rows ?? []} pagination={{ pageSize: 10, hideOnSinglePage: true }}
        locale={{ emptyText: t('rewards.memberRedemptions.none') }}
        onRow={(r) => ({ 'data-testid': `redemption-row-${r.id}` } as any)}
        columns={[
          { title: t('rewards.memberRedemptions.when'), dataIndex: 'createdAt', render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'), width: 140 },
          { title: t('rewards.memberRedemptions.item'), render: (_, r) => <>{name(r)} × {r.quantity} {r.kind === 'coupon' && <Tag color="orange">{t('rewards.catalogue.kind.coupon')}</Tag>}</> },
          { title: t('rewards.memberRedemptions.points'), dataIndex: 'points', align: 'right', width: 80 },
          {
            title: t('rewards.memberRedemptions.status'),
            render: (_, r) => (
              <>
                <Tag color={r.status === 'done' ? 'green' : undefined} data-testid="redemption-status">{t(`rewards.memberRedemptions.status.${r.status}`)}</Tag>
                {r.cancelledAt && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{dayjs(r.cancelledAt).format('YYYY-MM-DD')}</Typography.Text>}
              </>
            ),
          },
          { title: t('rewards.memberRedemptions.by'), dataIndex: 'createdBy' },
          {
            title: t('common.actions'),
            render: (_, r) => r.status === 'done' && can('loyalty.redeem') && (
              <Button size="small" danger onClick={() => setCancelling(r)} data-testid={`redemption-cancel-${r.id}`}>{t('rewards.memberRedemptions.cancel')}</Button>
            ),
          },
        ]} />
      {cancelling && (
        <CancelModal customerId={customerId} redemption={cancelling} itemName={name(cancelling)} onClose={() => setCancelling(null)}
          onDone={(res) => {
            message.success(t('rewards.memberRedemptions.cancelled', { points: res.refundedPoints, balance: res.balance }));
            setCancelling(null);
            void load();
            onChanged?.();
          }} />
      )}
    </Card>
  );
}

function CancelModal({ customerId, redemption, itemName, onClose, onDone }: {
  customerId: number; redemption: Redemption; itemName: string; onClose: () => void; onDone: (r: { refundedPoints: number; balance: number }) => void;
}) {
  const { t } = useT();
  const [form] = Form.useForm();
  const { busy, error, submit } = useFormSubmit(form, async (v) => {
    onDone(await post(`/api/loyalty/members/${customerId}/redemptions/${redemption.id}/cancel`, { reason: v.reason }));
  });
  return (
    <Modal open title={t('rewards.memberRedemptions.cancelTitle', { item: itemName, n: redemption.quantity })} onCancel={onClose} onOk={submit} confirmLoading={busy}
      okText={t('rewards.memberRedemptions.cancel')} okButtonProps={{ danger: true, 'data-testid': 'redemption-cancel-submit' } as any}>
      {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 12 }} data-testid="redemption-cancel-error" />}
      <Typography.Paragraph>{t('rewards.memberRedemptions.cancelHint', { points: redemption.points })}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item name="reason" label={t('rewards.memberRedemptions.reason')} rules={[{ required: true, whitespace: true }]}>
          <Input maxLength={200} data-testid="redemption-cancel-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
