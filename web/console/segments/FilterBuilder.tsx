import { useEffect, useState } from 'react';
import { Button, Card, DatePicker, Input, InputNumber, Segmented, Select, Space, Switch, Tooltip } from 'antd';
import { DeleteOutlined, PlusOutlined, ApartmentOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { get } from '../api.ts';
import { defineMessages, useT } from '../i18n.tsx';

defineMessages({
  'seg.and': { zh: '满足全部', en: 'All of' },
  'seg.or': { zh: '满足任一', en: 'Any of' },
  'seg.not': { zh: '排除', en: 'Not' },
  'seg.addCondition': { zh: '添加条件', en: 'Add condition' },
  'seg.addGroup': { zh: '添加条件组', en: 'Add group' },
  'seg.field': { zh: '选择字段', en: 'Choose a field' },
  'seg.group.profile': { zh: '基本属性', en: 'Profile' },
  'seg.group.behaviour': { zh: '消费行为', en: 'Behaviour' },
  'seg.group.loyalty': { zh: '会员积分', en: 'Loyalty' },
  'seg.group.scores': { zh: '价值评分', en: 'Scores' },
  'seg.op.eq': { zh: '等于', en: 'is' },
  'seg.op.neq': { zh: '不等于', en: 'is not' },
  'seg.op.in': { zh: '属于', en: 'is any of' },
  'seg.op.not_in': { zh: '不属于', en: 'is none of' },
  'seg.op.is_set': { zh: '已填写', en: 'is set' },
  'seg.op.is_not_set': { zh: '未填写', en: 'is not set' },
  'seg.op.gte': { zh: '大于等于', en: 'at least' },
  'seg.op.lte': { zh: '小于等于', en: 'at most' },
  'seg.op.between': { zh: '介于', en: 'between' },
  'seg.op.before': { zh: '早于', en: 'before' },
  'seg.op.after': { zh: '晚于', en: 'after' },
  'seg.op.within_last_days': { zh: '最近 N 天内', en: 'in the last N days' },
  'seg.op.not_within_last_days': { zh: '超过 N 天未', en: 'not in the last N days' },
  'seg.op.has_any': { zh: '包含任一', en: 'has any of' },
  'seg.op.has_all': { zh: '包含全部', en: 'has all of' },
  'seg.op.has_none': { zh: '不包含', en: 'has none of' },
  'seg.op.granted': { zh: '已授权', en: 'granted' },
  'seg.op.not_granted': { zh: '未授权', en: 'not granted' },
  'seg.op.ever': { zh: '曾经', en: 'ever' },
  'seg.op.never': { zh: '从未', en: 'never' },
  'seg.days': { zh: '天数', en: 'days' },
  'seg.yuan': { zh: '元', en: 'yuan' },
  'seg.attrKey': { zh: '属性键', en: 'attribute key' },
  'seg.value': { zh: '取值', en: 'value' },
  'seg.which': { zh: '选择…', en: 'Which…' },
});

export interface FieldInfo {
  key: string;
  group: string;
  type: string;
  zh: string;
  en: string;
  options?: { value: string; zh: string; en: string }[];
  dimension?: string;
  measure?: string;
  ops: string[];
}

type Node = any;
const isGroup = (n: Node) => n && (Array.isArray(n.all) || Array.isArray(n.any));

/** Suggested values for text-like fields, loaded once per field. */
function useValues(field: string | undefined) {
  const [values, setValues] = useState<{ value: string; label?: string; count?: number }[]>([]);
  useEffect(() => {
    if (!field) return;
    let live = true;
    void get(`/api/segments/values?field=${encodeURIComponent(field)}`).then((r) => live && setValues(r.items)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, [field]);
  return values;
}

function ValueEditor({ field, op, value, onChange }: { field: FieldInfo; op: string; value: any; onChange: (v: any) => void }) {
  const { t, lang } = useT();
  const suggestions = useValues(['text', 'tags', 'store'].includes(field.type) || field.type === 'activity' ? field.key : undefined);
  const options = field.options?.map((o) => ({ value: o.value, label: lang === 'zh' ? o.zh : o.en }))
    ?? suggestions.map((s) => ({ value: s.value, label: s.label ?? s.value }));
  const measureKind = field.type === 'activity' ? (field.measure === 'last_at' ? (op.includes('days') ? 'days' : 'date') : field.measure === 'spend_fen' ? 'money' : 'number') : field.type;
  const multi = ['in', 'not_in', 'has_any', 'has_all', 'has_none'].includes(op);

  const scalar = (kind: string, v: any, set: (x: any) => void, testId = 'seg-value') => {
    if (op === 'within_last_days' || op === 'not_within_last_days') return <InputNumber data-testid={testId} min={1} max={36500} value={v} onChange={set} addonAfter={t('seg.days')} />;
    if (kind === 'date') return <DatePicker data-testid={testId} value={v ? dayjs(v) : null} onChange={(d) => set(d ? d.format('YYYY-MM-DD') : undefined)} />;
    if (kind === 'money') return <InputNumber data-testid={testId} min={0} step={100} value={v == null ? null : v / 100} onChange={(y) => set(y == null ? undefined : Math.round(Number(y) * 100))} addonAfter={t('seg.yuan')} />;
    return <InputNumber data-testid={testId} value={v} onChange={set} />;
  };
  const measured = (v: any, set: (x: any) => void) => {
    if (op === 'ever' || op === 'never' || op === 'is_set' || op === 'is_not_set') return null;
    if (op === 'between') {
      const [a, b] = Array.isArray(v) ? v : [undefined, undefined];
      if (measureKind === 'date') {
        return <DatePicker.RangePicker value={a && b ? [dayjs(a), dayjs(b)] : null} onChange={(r) => set(r && r[0] && r[1] ? [r[0].format('YYYY-MM-DD'), r[1].format('YYYY-MM-DD')] : undefined)} />;
      }
      return (
        <Space>
          {scalar(measureKind, a, (x) => set([x, b]), 'seg-value-from')}
          {scalar(measureKind, b, (x) => set([a, x]), 'seg-value-to')}
        </Space>
      );
    }
    return scalar(measureKind, v, set);
  };

  if (field.type === 'activity') {
    if (field.dimension === 'all') return measured(value, onChange);
    const o = value && typeof value === 'object' && !Array.isArray(value) ? value : { keys: [] };
    return (
      <Space wrap>
        <Select data-testid="seg-keys" mode={field.dimension === 'store' ? 'multiple' : 'tags'} style={{ minWidth: 200 }} placeholder={t('seg.which')} options={options}
          value={(o.keys ?? []).map(String)} onChange={(keys) => onChange({ ...o, keys: field.dimension === 'store' ? keys.map(Number) : keys })} />
        {measured(o.value, (x) => onChange({ ...o, value: x }))}
      </Space>
    );
  }
  if (op === 'is_set' || op === 'is_not_set') {
    if (field.type !== 'attribute') return null;
  }
  switch (field.type) {
    case 'enum':
    case 'consent':
      return <Select data-testid="seg-value" mode={multi ? 'multiple' : undefined} style={{ minWidth: 180 }} options={options} value={value} onChange={onChange} />;
    case 'text':
    case 'tags':
      return <Select data-testid="seg-value" mode={multi ? 'tags' : undefined} showSearch style={{ minWidth: 200 }} options={options} value={value} onChange={onChange} placeholder={t('seg.which')} />;
    case 'store':
      return <Select data-testid="seg-value" mode="multiple" style={{ minWidth: 220 }} options={options} value={(value ?? []).map(String)} onChange={(v) => onChange(v.map(Number))} />;
    case 'attribute': {
      const o = value ?? {};
      return (
        <Space>
          <Input style={{ width: 140 }} placeholder={t('seg.attrKey')} value={o.key} onChange={(e) => onChange({ ...o, key: e.target.value })} />
          {op !== 'is_set' && op !== 'is_not_set' && (
            op === 'in'
              ? <Select mode="tags" style={{ minWidth: 160 }} value={o.value} onChange={(v) => onChange({ ...o, value: v })} placeholder={t('seg.value')} />
              : <Input style={{ width: 140 }} placeholder={t('seg.value')} value={o.value} onChange={(e) => onChange({ ...o, value: e.target.value })} />
          )}
        </Space>
      );
    }
    default:
      return measured(value, onChange);
  }
}

function ConditionRow({ node, fields, onChange, onRemove }: { node: Node; fields: FieldInfo[]; onChange: (n: Node) => void; onRemove: () => void }) {
  const { t, lang } = useT();
  const negated = !!node.not;
  const cond = negated ? node.not : node;
  const field = fields.find((f) => f.key === cond.field);
  const set = (c: Node) => onChange(negated ? { not: c } : c);
  const groups = ['profile', 'behaviour', 'loyalty', 'scores'].map((g) => ({
    label: t(`seg.group.${g}`),
    options: fields.filter((f) => f.group === g).map((f) => ({ value: f.key, label: lang === 'zh' ? f.zh : f.en })),
  }));
  return (
    <Space wrap data-testid="seg-condition" style={{ width: '100%' }}>
      <Tooltip title={t('seg.not')}>
        <Switch size="small" checked={negated} checkedChildren={t('seg.not')} unCheckedChildren={t('seg.not')} onChange={(on) => onChange(on ? { not: cond } : cond)} />
      </Tooltip>
      <Select data-testid="seg-field" showSearch optionFilterProp="label" style={{ width: 180 }} placeholder={t('seg.field')} options={groups} value={cond.field}
        onChange={(key) => {
          const f = fields.find((x) => x.key === key)!;
          set({ field: key, op: f.ops[0], value: f.type === 'activity' && f.dimension !== 'all' ? { keys: [] } : undefined });
        }} />
      {field && (
        <Select data-testid="seg-op" style={{ width: 150 }} value={cond.op} options={field.ops.map((o) => ({ value: o, label: t(`seg.op.${o}`) }))}
          onChange={(op) => set({ ...cond, op, value: field.type === 'activity' && field.dimension !== 'all' ? { keys: cond.value?.keys ?? [] } : undefined })} />
      )}
      {field && <ValueEditor field={field} op={cond.op} value={cond.value} onChange={(value) => set({ ...cond, value })} />}
      <Button type="text" danger icon={<DeleteOutlined />} onClick={onRemove} aria-label="remove" />
    </Space>
  );
}

/** The visual builder: AND/OR groups of conditions, any of which may be negated, edited as the stored JSON itself. */
export function FilterBuilder({ value, onChange, fields, depth = 0, onRemove }: { value: Node; onChange: (n: Node) => void; fields: FieldInfo[]; depth?: number; onRemove?: () => void }) {
  const { t } = useT();
  const negated = !!value.not && isGroup(value.not);
  const group = negated ? value.not : value;
  const mode = Array.isArray(group.any) ? 'any' : 'all';
  const children: Node[] = group[mode];
  const setGroup = (g: Node) => onChange(negated ? { not: g } : g);
  const setChildren = (list: Node[]) => setGroup({ [mode]: list });
  return (
    <Card size="small" style={{ background: depth % 2 ? '#fafafa' : '#fff' }} data-testid="seg-group">
      <Space style={{ marginBottom: 8 }} wrap>
        <Segmented size="small" value={mode} options={[{ value: 'all', label: t('seg.and') }, { value: 'any', label: t('seg.or') }]} onChange={(m) => setGroup({ [m as string]: children })} />
        {depth > 0 && <Switch size="small" checked={negated} checkedChildren={t('seg.not')} unCheckedChildren={t('seg.not')} onChange={(on) => onChange(on ? { not: group } : group)} />}
        {onRemove && <Button type="text" danger size="small" icon={<DeleteOutlined />} onClick={onRemove} />}
      </Space>
      <Space direction="vertical" style={{ width: '100%' }}>
        {children.map((child, i) => {
          const replace = (n: Node) => setChildren(children.map((c, j) => (j === i ? n : c)));
          const remove = () => setChildren(children.filter((_, j) => j !== i));
          const childIsGroup = isGroup(child) || (child.not && isGroup(child.not));
          return childIsGroup
            ? <FilterBuilder key={i} value={child} onChange={replace} fields={fields} depth={depth + 1} onRemove={remove} />
            : <ConditionRow key={i} node={child} fields={fields} onChange={replace} onRemove={remove} />;
        })}
        <Space>
          <Button size="small" icon={<PlusOutlined />} data-testid="seg-add-condition" onClick={() => setChildren([...children, { field: undefined, op: undefined }])}>{t('seg.addCondition')}</Button>
          {depth < 4 && <Button size="small" icon={<ApartmentOutlined />} onClick={() => setChildren([...children, { any: [] }])}>{t('seg.addGroup')}</Button>}
        </Space>
      </Space>
    </Card>
  );
}

/** Drops conditions still being filled in, so the live count only ever sends complete filters. */
export function completeFilter(n: Node): Node | null {
  if (n.not) {
    const inner = completeFilter(n.not);
    return inner ? { not: inner } : null;
  }
  if (isGroup(n)) {
    const mode = Array.isArray(n.any) ? 'any' : 'all';
    return { [mode]: n[mode].map(completeFilter).filter(Boolean) };
  }
  if (!n.field || !n.op) return null;
  return n;
}
