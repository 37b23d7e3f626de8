import { useState } from 'react';
import type { FormInstance } from 'antd';

/** A fresh Idempotency-Key: kept until the write succeeds, so a double click or a retry never writes twice. */
export { newIdempotencyKey as newKey } from '../../api.ts';

/** Yuan typed in a form → integer fen (never a float on the wire). */
export const toFen = (yuan: number | null | undefined) => (yuan == null ? undefined : Math.round(yuan * 100));
export const toYuan = (fen: number | null | undefined) => (fen == null ? undefined : fen / 100);

/** A dialog's submit: checks the form, runs the action with its values, and keeps "busy" and the server's refusal for the dialog to show. */
export function useFormSubmit<V = any>(form: FormInstance, action: (values: V) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    setError(null);
    try {
      await action(v);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
