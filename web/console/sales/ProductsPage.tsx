import { useCallback, useEffect, useState } from 'react';
import { App, Button, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { ApiError, get, patch, post, yuan } from '../api.ts';
import { useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import './messages.ts';

interface Product { id: number; sku: string; name: string; category: string; brand: string; priceFen: number; active: boolean }

export function ProductsPage() {
  const { t } = useT();
  const { message } = App.useApp();
  const { can } = useSession();
  const [q, setQ] = useState('');
  const [category, setCategory] = useState<string | undefined>();
  const [categories, setCategories] = useState<{ category: string; products: number }[]>([]);
  const [items, setItems] = useState<Product[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [editing, setEditing] = useState<Partial<Product> | null>(null);
  const [form] = Form.useForm();

  const load = useCallback(async (after?: string) => {
    setLoading(true);
    try {
      const params = new URLSearchParams({ limit: '50' });
      if (q) params.set('q', q);
      if (category) params.set('category', category);
      if (after) params.set('after', after);
      const r = await get<{ items: Product[]; next: string | null }>(`/api/products?${params}`);
      setItems((prev) => (after ? [...prev, ...r.items] : r.items));
      setNext(r.next);
    } finally {
      setLoading(false);
    }
  }, [q, category]);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => { void get('/api/products/categories').then((r) => setCategories(r.items)); }, []);

  const open = (p: Partial<Product> | null) => {
    setEditing(p ?? {});
    form.setFieldsValue(p ? { ...p, price: p.priceFen != null ? p.priceFen / 100 : undefined } : { active: true, brand: '' });
  };
  const save = async () => {
    const v = await form.validateFields();
    const body = { sku: v.sku, name: v.name, category: v.category, brand: v.brand ?? '', priceFen: Math.round(v.price * 100), active: v.active };
    try {
      if (editing?.id) await patch(`/api/products/${editing.id}`, body);
      else await post('/api/products', body);
      message.success(t('common.saved'));
      setEditing(null);
      void load();
    } catch (e) {
      if (e instanceof ApiError && e.fields) form.setFields(e.fields.map((f) => ({ name: f.path === 'priceFen' ? 'price' : f.path, errors: [f.message] })));
      else message.error((e as Error).message);
    }
  };

  return (
    <>
      <Typography.Title level={3} data-testid="page-title">{t('sales.products.title')}</Typography.Title>
      <Space style={{ marginBottom: 16 }} wrap>
        <Input.Search placeholder={t('sales.products.search')} allowClear onSearch={setQ} style={{ width: 280 }} data-testid="products-search" />
        <Select allowClear placeholder={t('sales.products.allCategories')} style={{ width: 180 }} value={category} onChange={setCategory}
          options={categories.map((c) => ({ value: c.category, label: `${c.category} (${c.products})` }))} data-testid="products-category" />
        {can('catalog.manage') && <Button type="primary" icon={<PlusOutlined />} onClick={() => open(null)} data-testid="products-new">{t('sales.products.new')}</Button>}
      </Space>
      <Table<Product>
        rowKey="id" loading={loading} dataSource={items} pagination={false} size="middle" data-testid="products-table"
        columns={[
          { title: t('sales.products.sku'), dataIndex: 'sku' },
          { title: t('sales.products.name'), dataIndex: 'name' },
          { title: t('sales.products.category'), dataIndex: 'category' },
          { title: t('sales.products.brand'), dataIndex: 'brand' },
          { title: t('sales.products.price'), dataIndex: 'priceFen', align: 'right', render: yuan },
          { title: t('sales.products.active'), dataIndex: 'active', render: (a: boolean) => (a ? <Tag color="green">{t('common.yes')}</Tag> : <Tag>{t('common.no')}</Tag>) },
          ...(can('catalog.manage') ? [{ title: t('common.actions'), key: 'a', render: (_: unknown, p: Product) => <Button size="small" onClick={() => open(p)} data-testid={`product-edit-${p.sku}`}>{t('common.edit')}</Button> }] : []),
        ]}
      />
      {next && <Button style={{ marginTop: 12 }} onClick={() => load(next)} data-testid="products-more">{t('sales.products.more')}</Button>}
      <Modal open={!!editing} title={editing?.id ? t('sales.products.edit') : t('sales.products.new')} onOk={save} onCancel={() => setEditing(null)}
        okText={t('common.save')} cancelText={t('common.cancel')} destroyOnHidden>
        <Form form={form} layout="vertical" data-testid="product-form">
          <Form.Item name="sku" label={t('sales.products.sku')} rules={[{ required: true, message: t('sales.products.required') }]}><Input maxLength={64} placeholder="LIP-001" /></Form.Item>
          <Form.Item name="name" label={t('sales.products.name')} rules={[{ required: true, message: t('sales.products.required') }]}><Input maxLength={200} placeholder="丝绒口红 #01" /></Form.Item>
          <Form.Item name="category" label={t('sales.products.category')} rules={[{ required: true, message: t('sales.products.required') }]}><Input maxLength={64} placeholder="彩妆" /></Form.Item>
          <Form.Item name="brand" label={t('sales.products.brand')}><Input maxLength={64} placeholder="花西子" /></Form.Item>
          <Form.Item name="price" label={t('sales.products.price')} rules={[{ required: true, message: t('sales.products.required') }]}><InputNumber min={0} precision={2} style={{ width: '100%' }} /></Form.Item>
          <Form.Item name="active" label={t('sales.products.active')} valuePropName="checked"><Switch /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}
