import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, DatePicker, Space, Table, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { get, post } from '../../api.ts';
import { defineMessages, useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';

defineMessages({
  'rewards.grants.title': { zh: '礼遇发放记录', en: 'Perks granted' },
  'rewards.grants.occasion': { zh: '场合', en: 'Occasion' },
  'rewards.grants.birthday': { zh: '生日礼', en: 'Birthday' },
  'rewards.grants.holiday': { zh: '节日：{name}', en: 'Holiday: {name}' },
  'rewards.grants.year': { zh: '年份', en: 'Year' },
  'rewards.grants.members': { zh: '会员数', en: 'Members' },
  'rewards.grants.points': { zh: '赠送积分', en: 'Points' },
  'rewards.grants.coupons': { zh: '赠券', en: 'Coupons' },
  'rewards.grants.none': { zh: '这段时间没有发放礼遇', en: 'No perks granted in this period' },
  'rewards.jobs.title': { zh: '立即运行', en: 'Run now' },
  'rewards.jobs.hint': { zh: '这两项任务每天自动运行（礼遇 00:10，推荐结算 04:30）；重复运行不会重复发放。', en: 'Both run every day on their own (perks 00:10, referral settlement 04:30); running again never grants twice.' },
  'rewards.jobs.perks': { zh: '发放生日与节日礼遇', en: 'Grant birthday and holiday perks' },
  'rewards.jobs.perksDay': { zh: '发放日期（空 = 今天）', en: 'Day (empty = today)' },
  'rewards.jobs.settle': { zh: '结算推荐奖励', en: 'Settle referral rewards' },
  'rewards.jobs.perksDone': { zh: '{day}：{occasions}', en: '{day}: {occasions}' },
  'rewards.jobs.perksNothing': { zh: '{day}：当天没有生日或节日礼遇', en: '{day}: no birthday or holiday perk that day' },
  'rewards.jobs.perksOccasion': { zh: '{occasion} 发放 {n} 人，{points} 积分，{coupons} 张券', en: '{occasion} granted to {n}, {points} points, {coupons} coupons' },
  'rewards.jobs.settleDone': { zh: '已结算 {n} 个推荐（退货期 {days} 天）', en: '{n} referrals settled (return window {days} days)' },
});

interface Grant { occasion: string; year: number; members: number; points: number; coupons: number }

/** The holidays the page knows, by code, to name an occasion like 'holiday:double11-2026'. */
export type HolidayNames = Record<string, string>;

function useOccasionName(holidays: HolidayNames) {
  const { t } = useT();
  return (occasion: string) => {
    if (occasion === 'birthday') return t('rewards.grants.birthday');
    const code = occasion.startsWith('holiday:') ? occasion.slice(8) : null;
    return code == null ? occasion : t('rewards.grants.holiday', { name: holidays[code] ?? code });
  };
}

/** Perks granted per occasion over a date range (default: the last 30 days). */
export function PerkGrantsCard({ version = 0, holidays }: { version?: number; holidays: HolidayNames }) {
  const { t } = useT();
  const occasionName = useOccasionName(holidays);
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(30, 'day'), dayjs()]);
  const [rows, setRows] = useState<Grant[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setRows((await get<{ items: Grant[] }>(`/api/loyalty/perks/grants?from=${range[0].format('YYYY-MM-DD')}&to=${range[1].format('YYYY-MM-DD')}`)).items);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [range]);
  useEffect(() => { void load(); }, [load, version]);
  return (
    <Card title={t('rewards.grants.title')} data-testid="perk-grants"
      extra={<DatePicker.RangePicker allowClear={false} value={range} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} />}>
      {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 12 }} />}
      <Table<Grant> size="small" rowKey={(g) => `${g.occasion}:${g.year}`} loading={rows == null && !error} dataSource={rows ?? []} pagination={false}
        locale={{ emptyText: t('rewards.grants.none') }}
        columns={[
          { title: t('rewards.grants.occasion'), render: (_, g) => <Tag color={g.occasion === 'birthday' ? 'magenta' : 'red'}>{occasionName(g.occasion)}</Tag> },
          { title: t('rewards.grants.year'), dataIndex: 'year' },
          { title: t('rewards.grants.members'), dataIndex: 'members', align: 'right' },
          { title: t('rewards.grants.points'), dataIndex: 'points', align: 'right' },
          { title: t('rewards.grants.coupons'), dataIndex: 'coupons', align: 'right' },
        ]} />
    </Card>
  );
}

/** "Run now" for the perks and the referral settlement jobs (loyalty.configure); both are safe to run again. */
export function RewardsJobsCard({ onRan, holidays }: { onRan?: () => void; holidays: HolidayNames }) {
  const { t, lang } = useT();
  const occasionName = useOccasionName(holidays);
  const { can } = useSession();
  const [day, setDay] = useState<Dayjs | null>(null);
  const [busy, setBusy] = useState<'perks' | 'settle-referrals' | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!can('loyalty.configure')) return null;

  const run = async (job: 'perks' | 'settle-referrals') => {
    setBusy(job); setError(null); setResult(null);
    try {
      if (job === 'perks') {
        const r = await post<{ day: string; results: Record<string, { granted: number; points: number; coupons: number }> }>('/api/loyalty/rewards-jobs/perks', day ? { day: day.format('YYYY-MM-DD') } : {});
        const parts = Object.entries(r.results).map(([o, x]) => t('rewards.jobs.perksOccasion', { occasion: occasionName(o), n: x.granted, points: x.points, coupons: x.coupons }));
        setResult(parts.length ? t('rewards.jobs.perksDone', { day: r.day, occasions: parts.join(lang === 'zh' ? '；' : '; ') }) : t('rewards.jobs.perksNothing', { day: r.day }));
      } else {
        const r = await post<{ settled: number; returnWindowDays: number }>('/api/loyalty/rewards-jobs/settle-referrals', {});
        setResult(t('rewards.jobs.settleDone', { n: r.settled, days: r.returnWindowDays }));
      }
      onRan?.();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card title={t('rewards.jobs.title')} data-testid="rewards-jobs">
      <Typography.Paragraph type="secondary">{t('rewards.jobs.hint')}</Typography.Paragraph>
      <Space orientation="vertical" style={{ width: '100%', marginBottom: 12 }}>
        <Space wrap>
          <DatePicker value={day} onChange={setDay} placeholder={t('rewards.jobs.perksDay')} style={{ width: 200 }} data-testid="rewards-jobs-day" />
          <Button onClick={() => run('perks')} loading={busy === 'perks'} disabled={busy != null} data-testid="rewards-jobs-perks">{t('rewards.jobs.perks')}</Button>
        </Space>
        <Button onClick={() => run('settle-referrals')} loading={busy === 'settle-referrals'} disabled={busy != null} data-testid="rewards-jobs-settle">{t('rewards.jobs.settle')}</Button>
      </Space>
      {result && <Alert type="success" title={result} showIcon data-testid="rewards-jobs-result" />}
      {error && <Alert type="error" title={error} showIcon data-testid="rewards-jobs-error" />}
    </Card>
  );
}
