import { useState } from 'react';
import { Card, InputNumber, Space, Typography } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { defineMessages, useT } from '../i18n.tsx';
import { MemberLoyaltyPanel } from './MemberLoyaltyPanel.tsx';

defineMessages({
  'loyalty.memberPage.title': { zh: '会员积分查询', en: 'Member points' },
  'loyalty.memberPage.customerId': { zh: '会员编号', en: 'Member id' },
});

/** The member panel on its own, by member id (the customer 360 page shows the same panel as a tab). */
export function MemberPointsPage() {
  const { t } = useT();
  const [params, setParams] = useSearchParams();
  const [id, setId] = useState<number | null>(Number(params.get('customerId')) || null);
  return (
    <>
      <Space style={{ marginBottom: 16 }} align="center">
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('loyalty.memberPage.title')}</Typography.Title>
        <InputNumber placeholder={t('loyalty.memberPage.customerId')} min={1} precision={0} value={id ?? undefined} data-testid="member-id-input"
          onChange={(v) => { setId(v ?? null); if (v) setParams({ customerId: String(v) }); }} style={{ width: 200 }} />
      </Space>
      {id ? <MemberLoyaltyPanel key={id} customerId={id} /> : <Card />}
    </>
  );
}
