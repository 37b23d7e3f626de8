import { useState } from 'react';
import { Button, Empty, Tag, Timeline, Typography } from 'antd';
import { get, yuan } from '../../api.ts';
import { useT } from '../../i18n.tsx';
import './messages.ts';

const COLORS: Record<string, string> = {
  sale: 'green', return: 'red', consent_granted: 'blue', consent_withdrawn: 'gray', points_earned: 'gold', points_awarded: 'gold', points_redeemed: 'purple',
};

/** Newest first; "load more" asks for events older than the last one shown. Other modules' events show with their type. */
export function TimelineTab({ customerId, first }: { customerId: number; first: { items: any[]; nextBefore: string | null } }) {
  const { t, lang } = useT();
  const [items, setItems] = useState(first.items);
  const [next, setNext] = useState(first.nextBefore);
  const [loading, setLoading] = useState(false);
  const more = async () => {
    setLoading(true);
    try {
      const r = await get(`/api/customers/${customerId}/timeline?limit=20&before=${encodeURIComponent(next!)}`);
      setItems((xs) => [...xs, ...r.items]);
      setNext(r.nextBefore);
    } finally {
      setLoading(false);
    }
  };
  // A module's event may carry its own label in both languages (loyalty's points entries do).
  const label = (e: any) => {
    const key = `customers.detail.event.${e.type}`;
    const s = t(key);
    return s !== key ? s : e.data?.label?.[lang] ?? e.type;
  };
  const fieldLabel = (f: string) => {
    const key = `customers.field.${f.startsWith('attributes.') ? 'attributes' : f}`;
    const s = t(key);
    return s === key ? f : f.startsWith('attributes.') ? `${s}.${f.slice(11)}` : s;
  };
  const describe = (e: any) => {
    const d = e.data;
    if (e.source === 'purchases') {
      return (
        <>
          <div>{d.storeName ?? d.channel} · {yuan(d.paidFen)} · {t('customers.detail.items', { n: d.itemCount })}</div>
          <Typography.Text type="secondary">{d.lines.map((l: any) => `${l.productName ?? l.sku} ×${l.quantity}`).join('，')}</Typography.Text>
        </>
      );
    }
    if (e.source === 'consents') return <div>{t(`customers.channel.${d.channel}`)} · {d.source} {d.note ? `· ${d.note}` : ''}</div>;
    if (e.source === 'profile') {
      return (
        <>
          {d.details?.changed?.length ? <div>{t('customers.detail.changedFields', { fields: d.details.changed.map(fieldLabel).join(', ') })}</div> : null}
          {d.mergedRecordId ? <div data-testid="timeline-merged-record">{t('customers.detail.onMergedRecord', { id: d.mergedRecordId })}</div> : null}
          <Typography.Text type="secondary">{t('customers.detail.by', { name: d.actorName })}</Typography.Text>
        </>
      );
    }
    if (e.source === 'imports') {
      return (
        <>
          <div data-testid="timeline-import">{t('customers.detail.importRow', { file: d.fileName, row: d.rowNo, id: d.importId })}</div>
          {d.mergedRecordId ? <div>{t('customers.detail.onMergedRecord', { id: d.mergedRecordId })}</div> : null}
          <Typography.Text type="secondary">{t('customers.detail.by', { name: d.actorName })}</Typography.Text>
        </>
      );
    }
    if (e.source === 'loyalty') {
      return (
        <>
          <div data-testid="timeline-points">{t('customers.detail.pointsEntry', { points: d.points > 0 ? `+${d.points}` : d.points })}{d.reason ? ` · ${d.reason}` : ''}</div>
          {d.actorName ? <Typography.Text type="secondary">{t('customers.detail.by', { name: d.actorName })}</Typography.Text> : null}
        </>
      );
    }
    return <Typography.Text type="secondary">{JSON.stringify(d).slice(0, 200)}</Typography.Text>;
  };
  if (!items.length) return <Empty />;
  return (
    <>
      <Timeline
        data-testid="timeline"
        items={items.map((e) => ({
          key: `${e.source}:${e.id}`,
          color: COLORS[e.type] ?? 'gray',
          content: (
            <div data-testid="timeline-event">
              <Tag>{label(e)}</Tag>
              <Typography.Text type="secondary">{new Date(e.at).toLocaleString()}</Typography.Text>
              {describe(e)}
            </div>
          ),
        }))}
      />
      {next ? <Button onClick={more} loading={loading} data-testid="timeline-more">{t('customers.detail.loadMore')}</Button> : <Typography.Text type="secondary">{t('customers.detail.noMore')}</Typography.Text>}
    </>
  );
}
