/** The console's one way to call the API: JSON in and out, errors as ApiError with the server's code and fields. */
export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public fields?: { path: string; message: string }[]) {
    super(message);
  }
}

let currentLang = 'zh';
export const setApiLang = (lang: string) => (currentLang = lang);
let onUnauthenticated: () => void = () => undefined;
export const setOnUnauthenticated = (fn: () => void) => (onUnauthenticated = fn);

export async function api<T = any>(method: string, url: string, body?: unknown, idempotencyKey?: string): Promise<T> {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: {
      'accept-language': currentLang === 'zh' ? 'zh-CN' : 'en',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    if (res.status === 401 && !url.endsWith('/api/auth/login')) onUnauthenticated();
    throw new ApiError(res.status, data?.error?.code ?? 'ERROR', data?.error?.message ?? res.statusText, data?.error?.fields);
  }
  return data as T;
}

export const get = <T = any>(url: string) => api<T>('GET', url);
/** With an idempotency key, a retry of the same write (a double click, a lost answer) gets the first answer back instead of writing twice. */
export const post = <T = any>(url: string, body?: unknown, idempotencyKey?: string) => api<T>('POST', url, body ?? {}, idempotencyKey);
export const newIdempotencyKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
export const patch = <T = any>(url: string, body: unknown) => api<T>('PATCH', url, body);
export const put = <T = any>(url: string, body: unknown) => api<T>('PUT', url, body);
export const del = <T = any>(url: string) => api<T>('DELETE', url);

/** ¥ from integer fen, for display only. */
export const yuan = (fen: number | null | undefined) =>
  fen == null ? '—' : `¥${(fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
