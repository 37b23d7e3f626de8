import { Space, Tag, Tooltip, Typography } from 'antd';
import { CheckCircleOutlined, StopOutlined } from '@ant-design/icons';
import { useT } from '../../i18n.tsx';
import './messages.ts';

interface ConsentState { channel: string; granted: boolean; source: string | null; recordedAt: string | null }

/** The header's one-glance answer to "may we contact this customer, and how": every channel, granted or not. */
export function ConsentBadges({ current }: { current: ConsentState[] }) {
  const { t } = useT();
  return (
    <Space wrap size={4} style={{ marginTop: 8 }} data-testid="header-consents">
      <Typography.Text type="secondary">{t('customers.detail.consent.header')}</Typography.Text>
      {current.map((s) => {
        const state = s.granted ? t('customers.detail.consent.granted') : t('customers.detail.consent.notGranted');
        const since = s.recordedAt ? t('customers.detail.consent.sinceAt', { at: new Date(s.recordedAt).toLocaleString() }) : t('customers.detail.consent.neverRecorded');
        return (
          <Tooltip key={s.channel} title={since}>
            <Tag color={s.granted ? 'green' : 'default'} icon={s.granted ? <CheckCircleOutlined /> : <StopOutlined />} data-testid={`header-consent-${s.channel}`}>
              {t('customers.detail.consent.badge', { channel: t(`customers.channel.${s.channel}`), state })}
            </Tag>
          </Tooltip>
        );
      })}
    </Space>
  );
}
