import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, DatePicker, Form, Input, InputNumber, Modal, Radio, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { get, post, put } from '../../api.ts';
import { defineMessages, useT } from '../../i18n.tsx';
import { useSession } from '../../shell/session.tsx';

import type { Template } from './CouponTemplatesPage.tsx';

defineMessages({
  'nav.loyalty.catalogue': { zh: '积分商城', en: 'Rewards catalogue' },
  'rewards.catalogue.title': { zh: '积分兑换商品', en: 'Rewards catalogue' },
  'rewards.catalogue.name': { zh: '名称', en: 'Name' },
  'rewards.catalogue.nameZh': { zh: '中文名称', en: 'Name (Chinese)' },
  'rewards.catalogue.nameEn': { zh: '英文名称', en: 'Name (English)' },
  'rewards.catalogue.kind': { zh: '类型', en: 'Type' },
  'rewards.catalogue.kind.gift': { zh: '实物礼品', en: 'Gift' },
  'rewards.catalogue.kind.coupon': { zh: '优惠券', en: 'Coupon' },
  'rewards.catalogue.points': { zh: '所需积分', en: 'Points' },
  'rewards.catalogue.stock': { zh: '库存', en: 'Stock' },
  'rewards.catalogue.template': { zh: '优惠券模板', en: 'Coupon template' },
  'rewards.catalogue.perMember': { zh: '每人限兑（空 = 不限）', en: 'Per member (empty = no limit)' },
  'rewards.catalogue.dates': { zh: '上架时间（可空）', en: 'On offer (optional)' },
  'rewards.catalogue.active': { zh: '上架', en: 'Active' },
  'rewards.catalogue.always': { zh: '长期', en: 'Always' },
});

interface Item {
  id: number; kind: 'gift' | 'coupon'; nameZh: string; nameEn: string; points: number; stock: number; templateId: number | null;
  perMemberLimit: number | null; active: boolean; activeFrom: string | null; activeTo: string | null;
}

export function CataloguePage() {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [rows, setRows] = useState<Item[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [editing, setEditing] = useState<Item | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const kind = Form.useWatch('kind', form);

  const load = useCallback(async () => {
    setRows((await get<{ items: Item[] }>('/api/loyalty/catalogue')).items);
    setTemplates((await get<{ items: Template[] }>('/api/coupons/templates')).items);
  }, []);
  useEffect(() => { void load(); }, [load]);

  const openEdit = (x: Item | 'new') => {
    setError(null);
    setEditing(x);
    form.setFieldsValue(x === 'new' ? { kind: 'gift', points: 500, stock: 100, active: true }
      : { ...x, range: x.activeTo || x.activeFrom ? [x.activeFrom ? dayjs(x.activeFrom) : null, x.activeTo ? dayjs(x.activeTo) : null] : undefined });
  };
  const save = async () => {
    const v = await form.validateFields();
    const body = {
      kind: v.kind, nameZh: v.nameZh, nameEn: v.nameEn ?? '', points: v.points, stock: v.stock, templateId: v.kind === 'coupon' ? v.templateId : null,
      perMemberLimit: v.perMemberLimit ?? null, active: v.active,
      activeFrom: v.range?.[0] ? v.range[0].startOf('day').format() : null, activeTo: v.range?.[1] ? v.range[1].endOf('day').format() : null,
    };
    setBusy(true);
    try {
      if (editing === 'new') await post('/api/loyalty/catalogue', body);
      else await put(`/api/loyalty/catalogue/${(editing as Item).id}`, body);
      message.success(t('common.saved'));
      setEditing(null);
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const name = (x: { nameZh: string; nameEn: string }) => (lang === 'zh' || !x.nameEn ? x.nameZh : x.nameEn);
  const date = (s: string | null) => (s ? dayjs(s).format('YYYY-MM-DD') : '');

  return (
    <>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('rewards.catalogue.title')}</Typography.Title>
        {can('loyalty.configure') && <Button type="primary" onClick={() => openEdit('new')} data-testid="catalogue-new">{t('common.create')}</Button>}
      </Space>
      <Table<Item> rowKey="id" dataSource={rows} size="middle" data-testid="catalogue-items"
        columns={[
          { title: t('rewards.catalogue.name'), render: (_, x) => name(x) },
          { title: t('rewards.catalogue.kind'), render: (_, x) => <Tag color={x.kind === 'coupon' ? 'orange' : 'blue'}>{t(`rewards.catalogue.kind.${x.kind}`)}</Tag> },
          { title: t('rewards.catalogue.points'), dataIndex: 'points', align: 'right' },
          { title: t('rewards.catalogue.stock'), align: 'right', render: (_, x) => <Typography.Text type={x.stock === 0 ? 'danger' : undefined}>{x.stock}</Typography.Text> },
          { title: t('rewards.catalogue.dates'), render: (_, x) => (x.activeFrom || x.activeTo ? `${date(x.activeFrom)} ~ ${date(x.activeTo)}` : t('rewards.catalogue.always')) },
          { title: t('rewards.catalogue.active'), render: (_, x) => (x.active ? <Tag color="green">{t('common.yes')}</Tag> : <Tag>{t('common.no')}</Tag>) },
          { title: t('common.actions'), render: (_, x) => can('loyalty.configure') && <Button size="small" onClick={() => openEdit(x)}>{t('common.edit')}</Button> },
        ]} />
      <Modal open={editing != null} title={editing === 'new' ? t('common.create') : t('common.edit')} onCancel={() => setEditing(null)} onOk={save} confirmLoading={busy} destroyOnHidden
        okButtonProps={{ 'data-testid': 'catalogue-save' } as any}>
        {error && <Alert type="error" message={error} showIcon style={{ marginBottom: 12 }} />}
        <Form form={form} layout="vertical">
          <Form.Item name="kind" label={t('rewards.catalogue.kind')}>
            <Radio.Group optionType="button" options={['gift', 'coupon'].map((k) => ({ value: k, label: t(`rewards.catalogue.kind.${k}`) }))} />
          </Form.Item>
          <Form.Item name="nameZh" label={t('rewards.catalogue.nameZh')} rules={[{ required: true }]}><Input maxLength={100} placeholder="品牌保温杯" /></Form.Item>
          <Form.Item name="nameEn" label={t('rewards.catalogue.nameEn')}><Input maxLength={100} placeholder="Thermos cup" /></Form.Item>
          {kind === 'coupon' && (
            <Form.Item name="templateId" label={t('rewards.catalogue.template')} rules={[{ required: true }]}>
              <Select options={templates.filter((x) => x.active).map((x) => ({ value: x.id, label: name(x) }))} />
            </Form.Item>
          )}
          <Space>
            <Form.Item name="points" label={t('rewards.catalogue.points')} rules={[{ required: true }]}><InputNumber min={1} precision={0} /></Form.Item>
            <Form.Item name="stock" label={t('rewards.catalogue.stock')} rules={[{ required: true }]}><InputNumber min={0} precision={0} /></Form.Item>
            <Form.Item name="perMemberLimit" label={t('rewards.catalogue.perMember')}><InputNumber min={1} precision={0} /></Form.Item>
          </Space>
          <Form.Item name="range" label={t('rewards.catalogue.dates')}><DatePicker.RangePicker allowEmpty={[true, true]} /></Form.Item>
          <Form.Item name="active" label={t('rewards.catalogue.active')} valuePropName="checked"><Switch /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}
