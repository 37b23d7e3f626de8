import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, DatePicker, Form, Input, InputNumber, Modal, Radio, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { get, post, put, yuan } from '../../api.ts';
import { defineMessages, useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';
import { newKey, toFen, toYuan } from './shared.ts';

defineMessages({
  'nav.loyalty.coupons': { zh: '优惠券', en: 'Coupons' },
  'rewards.coupons.title': { zh: '优惠券模板', en: 'Coupon templates' },
  'rewards.coupons.name': { zh: '名称', en: 'Name' },
  'rewards.coupons.nameZh': { zh: '中文名称', en: 'Name (Chinese)' },
  'rewards.coupons.nameEn': { zh: '英文名称', en: 'Name (English)' },
  'rewards.coupons.kind': { zh: '类型', en: 'Type' },
  'rewards.coupons.kind.amount': { zh: '满减券', en: 'Amount off' },
  'rewards.coupons.kind.percent': { zh: '折扣券', en: 'Percent off' },
  'rewards.coupons.kind.gift': { zh: '礼品券', en: 'Gift' },
  'rewards.coupons.value': { zh: '面值', en: 'Value' },
  'rewards.coupons.amountOff': { zh: '减免金额（元）', en: 'Amount off (¥)' },
  'rewards.coupons.percentOff': { zh: '折扣（减 %）', en: 'Percent off' },
  'rewards.coupons.giftName': { zh: '礼品名称', en: 'Gift' },
  'rewards.coupons.minSpend': { zh: '最低消费（元）', en: 'Minimum spend (¥)' },
  'rewards.coupons.validity': { zh: '有效期', en: 'Validity' },
  'rewards.coupons.validity.days': { zh: '领取后 N 天', en: 'N days from issue' },
  'rewards.coupons.validity.fixed': { zh: '固定日期', en: 'Fixed dates' },
  'rewards.coupons.validDays': { zh: '有效天数', en: 'Days valid' },
  'rewards.coupons.daysText': { zh: '领取后 {n} 天', en: '{n} days from issue' },
  'rewards.coupons.categories': { zh: '适用品类（空 = 全部）', en: 'Categories (empty = all)' },
  'rewards.coupons.channels': { zh: '适用渠道（空 = 全部）', en: 'Channels (empty = all)' },
  'rewards.coupons.storeIds': { zh: '适用门店编号（空 = 全部）', en: 'Store ids (empty = all)' },
  'rewards.coupons.tiers': { zh: '适用等级（空 = 全部）', en: 'Tiers (empty = all)' },
  'rewards.coupons.totalLimit': { zh: '发放总量（空 = 不限）', en: 'Total to issue (empty = no limit)' },
  'rewards.coupons.perMember': { zh: '每人限领（空 = 不限）', en: 'Per member (empty = no limit)' },
  'rewards.coupons.issued': { zh: '已发放', en: 'Issued' },
  'rewards.coupons.active': { zh: '启用', en: 'Active' },
  'rewards.coupons.issue': { zh: '发券', en: 'Issue' },
  'rewards.coupons.issueTo': { zh: '发给', en: 'Issue to' },
  'rewards.coupons.issueTo.ids': { zh: '指定会员', en: 'Members by id' },
  'rewards.coupons.issueTo.segment': { zh: '会员分群', en: 'A segment' },
  'rewards.coupons.issueSegment': { zh: '分群（按最近一次刷新的成员，最多 10 万人）', en: 'Segment (its members as last refreshed, up to 100,000)' },
  'rewards.coupons.segmentSize': { zh: '{n} 人', en: '{n} members' },
  'rewards.coupons.segmentNotRefreshed': { zh: '尚未刷新', en: 'not refreshed yet' },
  'rewards.coupons.issuedSegmentResult': { zh: '分群 {m} 人：已发放 {n} 张；已领过 {r}；超出每人限额 {o}', en: '{m} members: {n} issued; {r} already had it; {o} over the per-member limit' },
  'rewards.coupons.issueIds': { zh: '会员编号（逗号或换行分隔）', en: 'Member ids (comma or line separated)' },
  'rewards.coupons.issueNote': { zh: '发放说明', en: 'Note' },
  'rewards.coupons.issuedResult': { zh: '已发放 {n} 张；已领过 {r}；超出每人限额 {o}', en: '{n} issued; {r} already had it; {o} over the per-member limit' },
});

export interface Template {
  id: number; nameZh: string; nameEn: string; kind: 'amount' | 'percent' | 'gift'; amountOffFen: number | null; percentOff: number | null; giftName: string | null;
  minSpendFen: number; validFrom: string | null; validTo: string | null; validDays: number | null; categories: string[]; storeIds: string[]; channels: string[];
  tierCodes: string[]; totalLimit: number | null; perMemberLimit: number | null; issuedCount: number; active: boolean;
}

export const templateValue = (t: (k: string, v?: any) => string, x: Pick<Template, 'kind' | 'amountOffFen' | 'percentOff' | 'giftName' | 'minSpendFen'>) =>
  x.kind === 'amount' ? `${yuan(x.amountOffFen)}${x.minSpendFen ? ` / ≥${yuan(x.minSpendFen)}` : ''}`
    : x.kind === 'percent' ? `-${x.percentOff}%${x.minSpendFen ? ` / ≥${yuan(x.minSpendFen)}` : ''}` : (x.giftName ?? t('rewards.coupons.kind.gift'));

export function CouponTemplatesPage() {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [rows, setRows] = useState<Template[]>([]);
  const [editing, setEditing] = useState<Template | 'new' | null>(null);
  const [issuing, setIssuing] = useState<Template | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const [issueForm] = Form.useForm();
  const [key, setKey] = useState(newKey);
  const kind = Form.useWatch('kind', form);
  const issueTo = Form.useWatch('to', issueForm);
  const [segments, setSegments] = useState<{ id: number; name: string; memberCount: number | null }[]>([]);
  const mayReadSegments = can('segments.read');
  useEffect(() => {
    if (issuing && mayReadSegments) void get<{ items: { id: number; name: string; memberCount: number | null }[] }>('/api/segments').then((r) => setSegments(r.items), (e) => setError((e as Error).message));
  }, [issuing, mayReadSegments]);
  const validity = Form.useWatch('validity', form);

  const load = useCallback(() => get<{ items: Template[] }>('/api/coupons/templates').then((r) => setRows(r.items)), []);
  useEffect(() => { void load(); }, [load]);

  const openEdit = (x: Template | 'new') => {
    setError(null);
    setEditing(x);
    form.setFieldsValue(x === 'new'
      ? { kind: 'amount', validity: 'days', validDays: 30, minSpend: 0, active: true, categories: [], channels: [], tierCodes: [], storeIds: [] }
      : { ...x, amountOff: toYuan(x.amountOffFen), minSpend: toYuan(x.minSpendFen), validity: x.validDays ? 'days' : 'fixed',
          range: x.validTo ? [x.validFrom ? dayjs(x.validFrom) : dayjs(), dayjs(x.validTo)] : undefined, storeIds: x.storeIds.map(String) });
  };

  const save = async () => {
    const v = await form.validateFields();
    const body = {
      nameZh: v.nameZh, nameEn: v.nameEn ?? '', kind: v.kind, amountOffFen: v.kind === 'amount' ? toFen(v.amountOff) : undefined,
      percentOff: v.kind === 'percent' ? v.percentOff : undefined, giftName: v.kind === 'gift' ? v.giftName : undefined, minSpendFen: toFen(v.minSpend) ?? 0,
      validDays: v.validity === 'days' ? v.validDays : undefined,
      validFrom: v.validity === 'fixed' && v.range ? v.range[0].startOf('day').format() : undefined,
      validTo: v.validity === 'fixed' && v.range ? v.range[1].endOf('day').format() : undefined,
      categories: v.categories ?? [], channels: v.channels ?? [], tierCodes: v.tierCodes ?? [], storeIds: (v.storeIds ?? []).map(Number).filter(Boolean),
      totalLimit: v.totalLimit ?? null, perMemberLimit: v.perMemberLimit ?? null, active: v.active,
    };
    setBusy(true);
    try {
      if (editing === 'new') await post('/api/coupons/templates', body);
      else await put(`/api/coupons/templates/${(editing as Template).id}`, body);
      message.success(t('common.saved'));
      setEditing(null);
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const issue = async () => {
    const v = await issueForm.validateFields();
    setBusy(true);
    try {
      if (v.to === 'segment') {
        const r = await post(`/api/coupons/templates/${issuing!.id}/issue-to-segment`, { segmentId: v.segmentId, note: v.note || undefined }, key);
        message.success(t('rewards.coupons.issuedSegmentResult', { m: r.members, n: r.issued, r: r.replayed, o: r.overLimit }));
      } else {
        const ids = String(v.ids).split(/[\s,，]+/).map(Number).filter((n) => Number.isInteger(n) && n > 0);
        const r = await post(`/api/coupons/templates/${issuing!.id}/issue`, { customerIds: ids, note: v.note || undefined }, key);
        message.success(t('rewards.coupons.issuedResult', { n: r.issued.length, r: r.replayed.length, o: r.overLimit.length }));
      }
      setIssuing(null);
      setKey(newKey());
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const validityText = (x: Template) => (x.validDays ? t('rewards.coupons.daysText', { n: x.validDays }) : `${x.validFrom ? dayjs(x.validFrom).format('YYYY-MM-DD') : ''} ~ ${dayjs(x.validTo).format('YYYY-MM-DD')}`);
  return (
    <>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('rewards.coupons.title')}</Typography.Title>
        {can('loyalty.configure') && <Button type="primary" onClick={() => openEdit('new')} data-testid="coupon-template-new">{t('common.create')}</Button>}
      </Space>
      <Table<Template> rowKey="id" dataSource={rows} size="middle" data-testid="coupon-templates"
        columns={[
          { title: t('rewards.coupons.name'), render: (_, x) => (lang === 'zh' || !x.nameEn ? x.nameZh : x.nameEn) },
          { title: t('rewards.coupons.kind'), render: (_, x) => <Tag>{t(`rewards.coupons.kind.${x.kind}`)}</Tag> },
          { title: t('rewards.coupons.value'), render: (_, x) => templateValue(t, x) },
          { title: t('rewards.coupons.validity'), render: (_, x) => validityText(x) },
          { title: t('rewards.coupons.issued'), align: 'right', render: (_, x) => `${x.issuedCount}${x.totalLimit != null ? ` / ${x.totalLimit}` : ''}` },
          { title: t('rewards.coupons.active'), render: (_, x) => (x.active ? <Tag color="green">{t('common.yes')}</Tag> : <Tag>{t('common.no')}</Tag>) },
          {
            title: t('common.actions'), render: (_, x) => can('loyalty.configure') && (
              <Space>
                <Button size="small" onClick={() => openEdit(x)}>{t('common.edit')}</Button>
                <Button size="small" disabled={!x.active} onClick={() => { setError(null); issueForm.resetFields(); setIssuing(x); }} data-testid={`coupon-issue-${x.id}`}>{t('rewards.coupons.issue')}</Button>
              </Space>
            ),
          },
        ]} />
      <Modal open={editing != null} title={editing === 'new' ? t('common.create') : t('common.edit')} onCancel={() => setEditing(null)} onOk={save} confirmLoading={busy} destroyOnHidden width={720}
        okButtonProps={{ 'data-testid': 'coupon-template-save' } as any}>
        {error && <Alert type="error" message={error} showIcon style={{ marginBottom: 12 }} />}
        <Form form={form} layout="vertical">
          <Space.Compact block>
            <Form.Item name="nameZh" label={t('rewards.coupons.nameZh')} rules={[{ required: true }]} style={{ flex: 1 }}><Input maxLength={100} placeholder="满200减30" /></Form.Item>
            <Form.Item name="nameEn" label={t('rewards.coupons.nameEn')} style={{ flex: 1 }}><Input maxLength={100} placeholder="¥30 off ¥200" /></Form.Item>
          </Space.Compact>
          <Form.Item name="kind" label={t('rewards.coupons.kind')}>
            <Radio.Group optionType="button" options={['amount', 'percent', 'gift'].map((k) => ({ value: k, label: t(`rewards.coupons.kind.${k}`) }))} />
          </Form.Item>
          {kind === 'amount' && <Form.Item name="amountOff" label={t('rewards.coupons.amountOff')} rules={[{ required: true }]}><InputNumber min={0.01} precision={2} /></Form.Item>}
          {kind === 'percent' && <Form.Item name="percentOff" label={t('rewards.coupons.percentOff')} rules={[{ required: true }]}><InputNumber min={1} max={100} precision={0} addonAfter="%" /></Form.Item>}
          {kind === 'gift' && <Form.Item name="giftName" label={t('rewards.coupons.giftName')} rules={[{ required: true }]}><Input maxLength={100} placeholder="精华小样 7ml" /></Form.Item>}
          <Form.Item name="minSpend" label={t('rewards.coupons.minSpend')}><InputNumber min={0} precision={2} /></Form.Item>
          <Form.Item name="validity" label={t('rewards.coupons.validity')}>
            <Radio.Group options={[{ value: 'days', label: t('rewards.coupons.validity.days') }, { value: 'fixed', label: t('rewards.coupons.validity.fixed') }]} />
          </Form.Item>
          {validity === 'days'
            ? <Form.Item name="validDays" label={t('rewards.coupons.validDays')} rules={[{ required: true }]}><InputNumber min={1} max={3650} precision={0} /></Form.Item>
            : <Form.Item name="range" rules={[{ required: true }]}><DatePicker.RangePicker /></Form.Item>}
          <Form.Item name="categories" label={t('rewards.coupons.categories')}><Select mode="tags" placeholder="护肤、彩妆" /></Form.Item>
          <Form.Item name="channels" label={t('rewards.coupons.channels')}>
            <Select mode="multiple" options={['store', 'online', 'app', 'mini_program'].map((c) => ({ value: c, label: t(`rewards.channel.${c}`) }))} />
          </Form.Item>
          <Form.Item name="storeIds" label={t('rewards.coupons.storeIds')}><Select mode="tags" /></Form.Item>
          <Form.Item name="tierCodes" label={t('rewards.coupons.tiers')}><Select mode="tags" options={['regular', 'silver', 'gold', 'diamond'].map((c) => ({ value: c, label: c }))} /></Form.Item>
          <Space>
            <Form.Item name="totalLimit" label={t('rewards.coupons.totalLimit')}><InputNumber min={0} precision={0} /></Form.Item>
            <Form.Item name="perMemberLimit" label={t('rewards.coupons.perMember')}><InputNumber min={1} precision={0} /></Form.Item>
            <Form.Item name="active" label={t('rewards.coupons.active')} valuePropName="checked"><Switch /></Form.Item>
          </Space>
        </Form>
      </Modal>
      <Modal open={issuing != null} title={`${t('rewards.coupons.issue')} · ${issuing?.nameZh ?? ''}`} onCancel={() => setIssuing(null)} onOk={issue} confirmLoading={busy} destroyOnHidden
        okButtonProps={{ 'data-testid': 'coupon-issue-submit' } as any}>
        {error && <Alert type="error" message={error} showIcon style={{ marginBottom: 12 }} />}
        <Form form={issueForm} layout="vertical" initialValues={{ to: 'ids' }}>
          <Form.Item name="to" label={t('rewards.coupons.issueTo')}>
            <Radio.Group optionType="button" data-testid="coupon-issue-to"
              options={[{ value: 'ids', label: t('rewards.coupons.issueTo.ids') }, { value: 'segment', label: t('rewards.coupons.issueTo.segment') }]} />
          </Form.Item>
          {issueTo === 'segment' ? (
            <Form.Item name="segmentId" label={t('rewards.coupons.issueSegment')} rules={[{ required: true }]}>
              <Select showSearch optionFilterProp="label" data-testid="coupon-issue-segment"
                options={segments.map((x) => ({ value: x.id, label: `${x.name} · ${x.memberCount == null ? t('rewards.coupons.segmentNotRefreshed') : t('rewards.coupons.segmentSize', { n: x.memberCount })}` }))} />
            </Form.Item>
          ) : (
            <Form.Item name="ids" label={t('rewards.coupons.issueIds')} rules={[{ required: true }]}><Input.TextArea rows={4} placeholder="10001, 10002" data-testid="coupon-issue-ids" /></Form.Item>
          )}
          <Form.Item name="note" label={t('rewards.coupons.issueNote')}><Input maxLength={200} placeholder="门店开业回馈" /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}
