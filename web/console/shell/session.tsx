import { createContext, useContext } from 'react';

export interface Me {
  staff: { id: number; username: string; displayName: string; role: string; storeIds: number[]; mustChangePassword: boolean } | null;
  permissions: string[];
}

export const SessionContext = createContext<{ me: Me | null; reload: () => Promise<void> }>({ me: null, reload: async () => undefined });

export function useSession() {
  const s = useContext(SessionContext);
  return { ...s, can: (p: string) => !!s.me?.permissions.includes(p) };
}
