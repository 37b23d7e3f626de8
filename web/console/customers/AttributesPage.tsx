import { useEffect, useState } from 'react';
import { App, Button, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { get, patch, post } from '../api.ts';
import { useT } from '../i18n.tsx';
import { applyFieldErrors, type AttributeDefinition } from './CustomerForm.tsx';
import './messages.ts';

const TYPES = ['text', 'number', 'date', 'enum'];

/** Admins define custom customer attributes, e.g. 肤质 (skin type) with its allowed values. */
export function AttributesPage() {
  const { t, lang } = useT();
  const { message } = App.useApp();
  const [items, setItems] = useState<AttributeDefinition[]>([]);
  const [editing, setEditing] = useState<AttributeDefinition | 'new' | null>(null);
  const [form] = Form.useForm();
  const type = Form.useWatch('type', form);
  const load = async () => setItems((await get('/api/customer-attributes')).items);
  useEffect(() => {
    void load();
  }, []);
  useEffect(() => {
    form.resetFields();
    if (editing && editing !== 'new') form.setFieldsValue(editing);
  }, [editing, form]);
  const save = async (v: any) => {
    try {
      if (editing === 'new') await post('/api/customer-attributes', { ...v, allowedValues: v.type === 'enum' ? v.allowedValues ?? [] : [] });
      else if (editing) await patch(`/api/customer-attributes/${editing.key}`, { labelZh: v.labelZh, labelEn: v.labelEn, position: v.position, ...(editing.type === 'enum' ? { allowedValues: v.allowedValues } : {}) });
      message.success(t('common.saved'));
      setEditing(null);
      await load();
    } catch (e) {
      if (!applyFieldErrors(form, e)) message.error((e as Error).message);
    }
  };
  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">{t('attributes.title')}</Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="attribute-new">{t('attributes.new')}</Button>
      </Space>
      <Table
        rowKey="key" dataSource={items} pagination={false} data-testid="attribute-table"
        columns={[
          { title: t('attributes.key'), dataIndex: 'key', render: (k: string) => <code>{k}</code> },
          { title: lang === 'zh' ? t('attributes.labelZh') : t('attributes.labelEn'), render: (_: unknown, d: AttributeDefinition) => (lang === 'zh' ? d.labelZh : d.labelEn) },
          { title: t('attributes.type'), dataIndex: 'type', render: (x: string) => t(`attributes.type.${x}`) },
          { title: t('attributes.allowedValues'), dataIndex: 'allowedValues', render: (vs: string[]) => vs.map((v) => <Tag key={v}>{v}</Tag>) },
          { title: t('attributes.position'), dataIndex: 'position' },
          {
            title: t('attributes.active'), dataIndex: 'active',
            render: (a: boolean, d: AttributeDefinition) => <Switch checked={a} onChange={async (v) => { await patch(`/api/customer-attributes/${d.key}`, { active: v }); await load(); }} />,
          },
          { title: t('common.actions'), render: (_: unknown, d: AttributeDefinition) => <Button size="small" onClick={() => setEditing(d)}>{t('common.edit')}</Button> },
        ]}
      />
      <Modal open={editing !== null} title={editing === 'new' ? t('attributes.new') : t('attributes.edit')} onCancel={() => setEditing(null)} onOk={() => form.submit()} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={save} initialValues={{ type: 'text', position: 0, allowedValues: [] }}>
          <Form.Item name="key" label={t('attributes.key')} rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{0,39}$/ }]}>
            <Input placeholder="skin_type" disabled={editing !== 'new'} data-testid="attribute-key" />
          </Form.Item>
          <Form.Item name="labelZh" label={t('attributes.labelZh')} rules={[{ required: true }]}><Input placeholder="肤质" maxLength={40} data-testid="attribute-label-zh" /></Form.Item>
          <Form.Item name="labelEn" label={t('attributes.labelEn')} rules={[{ required: true }]}><Input placeholder="Skin type" maxLength={60} data-testid="attribute-label-en" /></Form.Item>
          <Form.Item name="type" label={t('attributes.type')}>
            <Select disabled={editing !== 'new'} options={TYPES.map((x) => ({ value: x, label: t(`attributes.type.${x}`) }))} data-testid="attribute-type" />
          </Form.Item>
          {(type === 'enum' || (editing !== 'new' && editing?.type === 'enum')) && (
            <Form.Item name="allowedValues" label={t('attributes.allowedValues')} extra={t('attributes.allowedValuesHelp')} rules={[{ required: true }]}>
              <Select mode="tags" tokenSeparators={[',', '，', '、']} data-testid="attribute-values" />
            </Form.Item>
          )}
          <Form.Item name="position" label={t('attributes.position')}><InputNumber min={0} max={10000} /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}
