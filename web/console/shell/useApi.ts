import { useCallback, useEffect, useRef, useState } from 'react';
import { get } from '../api.ts';

/** Loads a GET endpoint with its loading state and error; `url` null waits. `reload` fetches again. */
export function useApi<T>(url: string | null) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(url != null);
  const seq = useRef(0);
  const reload = useCallback(async () => {
    if (url == null) return;
    const mine = ++seq.current;
    setLoading(true);
    try {
      const d = await get<T>(url);
      if (mine === seq.current) {
        setData(d);
        setError(null);
      }
    } catch (e) {
      if (mine === seq.current) setError(e as Error);
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [url]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}
