import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Input, Space, Table, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import dayjs from 'dayjs';
import { ApiError, get, post } from '../../api.ts';
import { defineMessages, useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';
import { newKey } from './shared.ts';

defineMessages({
  'rewards.memberReferral.title': { zh: '推荐有礼', en: 'Referrals' },
  'rewards.memberReferral.code': { zh: '推荐码', en: 'Referral code' },
  'rewards.memberReferral.referredBy': { zh: '推荐人', en: 'Referred by' },
  'rewards.memberReferral.notReferred': { zh: '无', en: 'Nobody' },
  'rewards.memberReferral.member': { zh: '会员 #{id}', en: 'Member #{id}' },
  'rewards.memberReferral.memberCol': { zh: '会员', en: 'Member' },
  'rewards.memberReferral.referred': { zh: '已推荐的会员（{n}）', en: 'Members referred ({n})' },
  'rewards.memberReferral.linkedAt': { zh: '推荐时间', en: 'Linked' },
  'rewards.memberReferral.status': { zh: '状态', en: 'Status' },
  'rewards.memberReferral.status.pending': { zh: '待首单过退货期', en: 'Waiting for a first purchase past the return window' },
  'rewards.memberReferral.status.rewarded': { zh: '已奖励', en: 'Rewarded' },
  'rewards.memberReferral.reward': { zh: '推荐奖励', en: 'Reward' },
  'rewards.memberReferral.rewardPoints': { zh: '{n} 积分', en: '{n} points' },
  'rewards.memberReferral.rewardCoupons': { zh: '{n} 张券', en: '{n} coupons' },
  'rewards.memberReferral.none': { zh: '尚未推荐他人', en: 'Has not referred anyone yet' },
  'rewards.memberReferral.linkLabel': { zh: '填写推荐人的推荐码（仅限尚未消费的新会员）', en: 'Referred by (code; new members without purchases only)' },
  'rewards.memberReferral.link': { zh: '关联推荐人', en: 'Link referrer' },
  'rewards.memberReferral.linked': { zh: '已关联推荐人：会员 #{id}', en: 'Linked to the referrer, member #{id}' },
  'rewards.memberReferral.codeRequired': { zh: '请填写推荐码', en: 'Enter the referral code' },
});

interface Referred { customerId: number; status: 'pending' | 'rewarded'; linkedAt: string; rewardedAt: string | null; rewardPoints?: number; rewardCoupons?: string[] }
interface Referral {
  customerId: number;
  code: string | null;
  referredBy: { referrerId: number; status: 'pending' | 'rewarded'; linkedAt: string; rewardedAt: string | null } | null;
  referred: Referred[];
}

/**
 * The member's referral code to hand out, who referred them, whom they referred (status and what they got), and, for
 * a member nobody referred yet, linking them to a referrer by code.
 */
export function MemberReferralCard({ customerId, onChanged }: { customerId: number; onChanged?: () => void }) {
  const { t } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [r, setR] = useState<Referral | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [linkError, setLinkError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newKey);

  const load = useCallback(async () => {
    try {
      setR(await get<Referral>(`/api/loyalty/members/${customerId}/referral`));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [customerId]);
  useEffect(() => { void load(); }, [load]);

  const link = async () => {
    if (!code.trim()) return setLinkError(t('rewards.memberReferral.codeRequired'));
    setBusy(true); setLinkError(null);
    try {
      const res = await post('/api/loyalty/referrals', { customerId, code: code.trim() }, key);
      message.success(t('rewards.memberReferral.linked', { id: res.referrerId }));
      setCode('');
      setKey(newKey());
      await load();
      onChanged?.();
    } catch (e) {
      // A refused code is final for that key: a corrected code is a new request.
      if (e instanceof ApiError && e.status < 500) setKey(newKey());
      setLinkError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const member = (id: number) => <Link to={`/customers/${id}`}>{t('rewards.memberReferral.member', { id })}</Link>;
  const status = (s: 'pending' | 'rewarded') => <Tag color={s === 'rewarded' ? 'green' : 'gold'}>{t(`rewards.memberReferral.status.${s}`)}</Tag>;
  if (error) return <Card title={t('rewards.memberReferral.title')}><Alert type="error" title={error} showIcon /></Card>;
  if (!r) return <Card title={t('rewards.memberReferral.title')} loading />;
  return (
    <Card title={t('rewards.memberReferral.title')} data-testid="member-referral">
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={t('rewards.memberReferral.code')}>
          <Typography.Text strong copyable style={{ fontFamily: 'monospace', fontSize: 16, letterSpacing: 2 }} data-testid="referral-code">{r.code}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('rewards.memberReferral.referredBy')}>
          <span data-testid="referred-by">
            {r.referredBy ? <Space>{member(r.referredBy.referrerId)}{status(r.referredBy.status)}</Space> : t('rewards.memberReferral.notReferred')}
          </span>
        </Descriptions.Item>
      </Descriptions>
      {!r.referredBy && can('customers.write') && (
        <div style={{ marginBottom: 16 }}>
          <Typography.Text type="secondary">{t('rewards.memberReferral.linkLabel')}</Typography.Text>
          <Space.Compact style={{ width: '100%', marginTop: 4 }}>
            <Input value={code} onChange={(e) => { setCode(e.target.value); setLinkError(null); }} onPressEnter={link} maxLength={40} status={linkError ? 'error' : undefined}
              style={{ fontFamily: 'monospace', textTransform: 'uppercase' }} data-testid="referral-link-code" />
            <Button type="primary" loading={busy} onClick={link} data-testid="referral-link-submit">{t('rewards.memberReferral.link')}</Button>
          </Space.Compact>
          {linkError && <Alert type="error" title={linkError} showIcon style={{ marginTop: 8 }} data-testid="referral-link-error" />}
        </div>
      )}
      <Typography.Text strong>{t('rewards.memberReferral.referred', { n: r.referred.length })}</Typography.Text>
      <Table<Referred> size="small" rowKey="customerId" dataSource={r.referred} pagination={{ pageSize: 5, hideOnSinglePage: true }} style={{ marginTop: 8 }}
        data-testid="referred-members" locale={{ emptyText: t('rewards.memberReferral.none') }}
        columns={[
          { title: t('rewards.memberReferral.memberCol'), render: (_, x) => member(x.customerId) },
          { title: t('rewards.memberReferral.linkedAt'), dataIndex: 'linkedAt', render: (v: string) => dayjs(v).format('YYYY-MM-DD') },
          { title: t('rewards.memberReferral.status'), render: (_, x) => status(x.status) },
          {
            title: t('rewards.memberReferral.reward'),
            render: (_, x) => (x.status === 'rewarded'
              ? [x.rewardPoints ? t('rewards.memberReferral.rewardPoints', { n: x.rewardPoints }) : '', x.rewardCoupons?.length ? t('rewards.memberReferral.rewardCoupons', { n: x.rewardCoupons.length }) : ''].filter(Boolean).join(' + ') || '—'
              : '—'),
          },
        ]} />
    </Card>
  );
}
