import { createContext, useContext } from 'react';
import { post } from '../api.ts';

export interface Me {
  staff: { id: number; username: string; displayName: string; role: string; storeIds: number[]; mustChangePassword: boolean } | null;
  permissions: string[];
}

export const SessionContext = createContext<{ me: Me | null; reload: () => Promise<void> }>({ me: null, reload: async () => undefined });

export function useSession() {
  const s = useContext(SessionContext);
  return {
    ...s,
    can: (p: string) => !!s.me?.permissions.includes(p),
    logout: async () => {
      await post('/api/auth/logout').catch(() => undefined);
      await s.reload();
    },
  };
}
