import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Checkbox, Col, Divider, Form, Input, InputNumber, Row, Select, Space } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { ApiError, get, newIdempotencyKey, patch, post } from '../api.ts';
import { useT } from '../i18n.tsx';
import { useSession } from '../shell/session.tsx';
import { contactsToSend } from './contacts.ts';
import './messages.ts';

export interface AttributeDefinition {
  key: string;
  labelZh: string;
  labelEn: string;
  type: 'text' | 'number' | 'date' | 'enum';
  allowedValues: string[];
  position: number;
  active: boolean;
}

export const GENDERS = ['female', 'male', 'other'];
export const INCOME_BANDS = ['below_5k', '5k_10k', '10k_20k', '20k_50k', 'above_50k'];
export const PREFERRED_CHANNELS = ['sms', 'email', 'phone', 'wechat', 'in_store'];
/** Stored in the business's words (门店, 小程序…), shown in the reader's language. */
export const SOURCES: [string, string][] = [['门店', 'store'], ['小程序', 'miniProgram'], ['官网', 'website'], ['客服热线', 'hotline']];

/** Server field paths ('contacts.0.mobile') as antd form names (['contacts', 0, 'mobile']). */
export function applyFieldErrors(form: any, e: unknown): boolean {
  if (!(e instanceof ApiError) || !e.fields?.length) return false;
  const named = e.fields.map((f) => ({ name: f.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), errors: [f.message] }));
  form.setFields(named);
  form.scrollToField(named[0]!.name, { block: 'center' });
  return true;
}

const EDITABLE = ['kind', 'name', 'mobile', 'email', 'gender', 'birthday', 'region', 'city', 'occupation', 'incomeBand', 'cardNo',
  'preferredStoreId', 'preferredChannel', 'source', 'notes', 'tags', 'attributes'];

/**
 * Create (no customer) or edit (customer with its version); only changed fields are sent on edit. A new member's
 * referral code is linked once the customer exists; when the link fails the created customer is kept and only the link is retried.
 */
export function CustomerForm({ customer, onSaved }: { customer?: any; onSaved: (c: any) => void }) {
  const { t, lang } = useT();
  const { can } = useSession();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [stores, setStores] = useState<{ id: number; name: string }[]>([]);
  const [defs, setDefs] = useState<AttributeDefinition[]>([]);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<any>(null);
  const submitting = useRef(false);
  // One key per new customer: a create retried after a lost answer gets that customer back, never a second one.
  const [createKey, setCreateKey] = useState(newIdempotencyKey);
  const kind = Form.useWatch('kind', form) ?? customer?.kind ?? 'person';
  const piiLocked = !!customer && !can('customers.pii');
  useEffect(() => {
    void get('/api/stores').then((r) => setStores(r.items));
    void get('/api/customer-attributes').then((r) => setDefs(r.items.filter((d: AttributeDefinition) => d.active)));
  }, []);
  useEffect(() => {
    form.resetFields();
    if (customer) form.setFieldsValue({ ...customer, contacts: customer.contacts ?? [] });
  }, [customer, form]);

  /** True when linked (or no code); on failure the code field shows why and the created customer stays in `created`. */
  const linkReferral = async (c: any, code: string | undefined): Promise<boolean> => {
    if (!code?.trim()) return true;
    try {
      await post('/api/loyalty/referrals', { customerId: c.id, code: code.trim() }, `referral-link-${c.id}-${code.trim()}`);
      return true;
    } catch (e) {
      setCreated(c);
      const why = e instanceof ApiError && e.fields?.length ? e.fields.map((f) => f.message).join('; ') : (e as Error).message;
      form.setFields([{ name: 'referralCode', errors: [why] }]);
      message.warning(t('customers.referral.notLinked', { name: c.name }));
      return false;
    }
  };

  const submit = async (values: any) => {
    // Enter in a field submits even while the save button shows it is busy.
    if (submitting.current) return;
    submitting.current = true;
    setBusy(true);
    try {
      if (created) {
        if (await linkReferral(created, values.referralCode)) onSaved(created);
        return;
      }
      let body: any;
      if (customer) {
        body = { version: customer.version };
        for (const k of EDITABLE) {
          if (values[k] === undefined) continue;
          if (JSON.stringify(values[k] ?? null) !== JSON.stringify(customer[k] ?? null)) body[k] = values[k] ?? null;
        }
        if (body.attributes) body.attributes = Object.fromEntries(Object.entries(body.attributes).map(([k, v]) => [k, v === '' || v === undefined ? null : v]));
        if (values.contacts !== undefined) {
          const contacts = contactsToSend(values.contacts, customer.contacts ?? [], can('customers.pii'));
          if (contacts) body.contacts = contacts;
        }
      } else {
        const { referralCode: _code, ...fields } = values;
        body = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '' && v !== null));
        if (body.attributes) body.attributes = Object.fromEntries(Object.entries(body.attributes).filter(([, v]) => v !== undefined && v !== '' && v !== null));
      }
      const saved = customer ? await patch(`/api/customers/${customer.id}`, body) : await post('/api/customers', body, createKey);
      message.success(t('common.saved'));
      if (!customer) setCreateKey(newIdempotencyKey());
      if (!customer && !(await linkReferral(saved, values.referralCode))) return;
      onSaved(saved);
    } catch (e) {
      if (applyFieldErrors(form, e)) message.error(t('customers.fixErrors'));
      else message.error((e as Error).message);
    } finally {
      submitting.current = false;
      setBusy(false);
    }
  };

  const opt = (prefix: string, values: string[]) => values.map((v) => ({ value: v, label: t(`${prefix}.${v}`) }));
  return (
    <Form form={form} layout="vertical" onFinish={submit} initialValues={{ kind: 'person', tags: [], contacts: [] }} data-testid="customer-form">
      <div hidden={!!created}>
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item name="kind" label={t('customers.field.kind')}>
              <Select options={opt('customers.kind', ['person', 'business'])} data-testid="customer-kind" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="name" label={t('customers.field.name')} rules={[{ required: true }]}>
              <Input maxLength={100} placeholder="王小明" data-testid="customer-name" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="mobile" label={t('customers.field.mobile')}>
              <Input maxLength={32} placeholder="138 1234 5678" disabled={piiLocked} data-testid="customer-mobile" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="email" label={t('customers.field.email')}>
              <Input maxLength={254} placeholder="wang.xm@example.com" disabled={piiLocked} data-testid="customer-email" />
            </Form.Item>
          </Col>
          {kind === 'person' && (
            <>
              <Col xs={24} md={12}>
                <Form.Item name="gender" label={t('customers.field.gender')}>
                  <Select allowClear options={opt('customers.gender', GENDERS)} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="birthday" label={t('customers.field.birthday')}>
                  {piiLocked ? <Input disabled /> : <Input type="date" data-testid="customer-birthday" />}
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="occupation" label={t('customers.field.occupation')}>
                  <Input maxLength={50} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item name="incomeBand" label={t('customers.field.incomeBand')}>
                  <Select allowClear options={opt('customers.income', INCOME_BANDS)} />
                </Form.Item>
              </Col>
            </>
          )}
          <Col xs={24} md={12}>
            <Form.Item name="region" label={t('customers.field.region')}>
              <Input maxLength={50} placeholder="华东" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="city" label={t('customers.field.city')}>
              <Input maxLength={50} placeholder="上海" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="cardNo" label={t('customers.field.cardNo')} extra={customer ? undefined : t('customers.field.cardNoHelp')}>
              <Input maxLength={32} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="preferredStoreId" label={t('customers.field.preferredStoreId')}>
              <Select allowClear showSearch optionFilterProp="label" options={stores.map((s) => ({ value: s.id, label: s.name }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="preferredChannel" label={t('customers.field.preferredChannel')}>
              <Select allowClear options={opt('customers.channel', PREFERRED_CHANNELS)} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="source" label={t('customers.field.source')}>
              <Select allowClear options={SOURCES.map(([value, key]) => ({ value, label: t(`customers.source.${key}`) }))} />
            </Form.Item>
          </Col>
          <Col xs={24}>
            <Form.Item name="tags" label={t('customers.field.tags')}>
              <Select mode="tags" tokenSeparators={[',', '，']} placeholder="VIP, 敏感肌" />
            </Form.Item>
          </Col>
          <Col xs={24}>
            <Form.Item name="notes" label={t('customers.field.notes')}>
              <Input.TextArea maxLength={2000} rows={2} />
            </Form.Item>
          </Col>
        </Row>
        {defs.length > 0 && (
          <>
            <Divider titlePlacement="start">{t('customers.field.attributes')}</Divider>
            <Row gutter={16}>
              {defs.map((d) => (
                <Col xs={24} md={12} key={d.key}>
                  <Form.Item name={['attributes', d.key]} label={lang === 'zh' ? d.labelZh : d.labelEn}>
                    {d.type === 'enum' ? (
                      <Select allowClear options={d.allowedValues.map((v) => ({ value: v, label: v }))} data-testid={`attr-${d.key}`} />
                    ) : d.type === 'number' ? (
                      <InputNumber style={{ width: '100%' }} />
                    ) : d.type === 'date' ? (
                      <Input type="date" />
                    ) : (
                      <Input maxLength={200} />
                    )}
                  </Form.Item>
                </Col>
              ))}
            </Row>
          </>
        )}
        {kind === 'business' && (
          <>
            <Divider titlePlacement="start">{t('customers.field.contacts')}</Divider>
            <Form.List name="contacts">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((f, i) => {
                    const stored = piiLocked && form.getFieldValue(['contacts', f.name, 'id']) != null;
                    return (
                      <Space key={f.key} align="baseline" wrap style={{ display: 'flex', marginBottom: 8 }} data-testid={`contact-${i}`}>
                        <Form.Item name={[f.name, 'id']} hidden><InputNumber /></Form.Item>
                        <Form.Item name={[f.name, 'name']} rules={[{ required: true }]}><Input placeholder={t('customers.contact.name')} maxLength={64} data-testid={`contact-${i}-name`} /></Form.Item>
                        <Form.Item name={[f.name, 'title']}><Input placeholder={t('customers.contact.title')} maxLength={64} data-testid={`contact-${i}-title`} /></Form.Item>
                        <Form.Item name={[f.name, 'mobile']}><Input placeholder={t('customers.field.mobile')} maxLength={32} disabled={stored} data-testid={`contact-${i}-mobile`} /></Form.Item>
                        <Form.Item name={[f.name, 'email']}><Input placeholder={t('customers.field.email')} maxLength={254} disabled={stored} data-testid={`contact-${i}-email`} /></Form.Item>
                        <Form.Item name={[f.name, 'isPrimary']} valuePropName="checked"><Checkbox>{t('customers.contact.primary')}</Checkbox></Form.Item>
                        <MinusCircleOutlined onClick={() => remove(f.name)} aria-label={t('customers.contact.remove')} data-testid={`contact-${i}-remove`} />
                      </Space>
                    );
                  })}
                  <Button type="dashed" onClick={() => add({ isPrimary: fields.length === 0 })} icon={<PlusOutlined />} data-testid="contact-add">
                    {t('customers.contact.add')}
                  </Button>
                </>
              )}
            </Form.List>
          </>
        )}
      </div>
      {!customer && (
        <>
          <Divider />
          <Form.Item
            name="referralCode" label={t('customers.referral.code')} extra={t('customers.referral.help')}
            rules={[{ pattern: /^\s*[A-Za-z0-9\s-]{4,40}\s*$/, message: t('customers.referral.format') }]}
          >
            <Input maxLength={40} placeholder="K7M2Q9XA" style={{ maxWidth: 240 }} data-testid="customer-referral-code" />
          </Form.Item>
        </>
      )}
      {created && <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('customers.referral.createdNotLinked', { name: created.name })} data-testid="referral-not-linked" />}
      <Divider />
      <Space>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="customer-save">{created ? t('customers.referral.link') : t('common.save')}</Button>
        {created && <Button onClick={() => onSaved(created)} data-testid="referral-skip">{t('customers.referral.skip')}</Button>}
      </Space>
    </Form>
  );
}
