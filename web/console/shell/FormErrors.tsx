import { Alert } from 'antd';
import type { FormInstance } from 'antd';
import { ApiError } from '../api.ts';

/**
 * Puts the server's field errors on the form's fields (path 'storeIds.0' lands on 'storeIds'; `alias` renames
 * server paths, e.g. { password: 'newPassword' }); returns the message to show above the form, or null when every
 * problem found its field.
 */
export function applyFormErrors(form: FormInstance, err: unknown, opts: { alias?: Record<string, string>; codes?: Record<string, string> } = {}): string | null {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  // Only the fields on screen: an error put on a field that is not rendered would be lost.
  const known = new Set(Object.keys(form.getFieldsValue() ?? {}));
  const byField = new Map<string, string[]>();
  let unplaced = false;
  for (const f of err.fields ?? []) {
    const path = f.path.replace(/^(querystring|params)\./, '');
    const top = path.split('.')[0]!;
    const name = opts.alias?.[path] ?? opts.alias?.[top] ?? top;
    if (!known.has(name)) {
      unplaced = true;
      continue;
    }
    byField.set(name, [...(byField.get(name) ?? []), f.message]);
  }
  const codeField = opts.codes?.[err.code];
  if (codeField && known.has(codeField)) byField.set(codeField, [...(byField.get(codeField) ?? []), err.message]);
  form.setFields([...byField].map(([name, errors]) => ({ name, errors })));
  if (byField.size && !unplaced) return null;
  return err.message;
}

export function ErrorAlert({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null;
  const text = typeof error === 'string' ? error : error instanceof Error ? error.message : String(error);
  return <Alert type="error" showIcon title={text} style={{ marginBottom: 16 }} data-testid={testId ?? 'form-error'} />;
}
