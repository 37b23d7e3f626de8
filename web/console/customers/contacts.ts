/** A business's contact person as the form holds it: stored ones carry their id. */
export interface ContactRow {
  id?: number;
  name?: string;
  title?: string | null;
  mobile?: string | null;
  email?: string | null;
  isPrimary?: boolean;
}

const same = (r: ContactRow) => ({ id: r.id ?? null, name: r.name ?? '', title: r.title || null, mobile: r.mobile || null, email: r.email || null, isPrimary: !!r.isPrimary });

/**
 * The contacts an edit sends, or undefined when they did not change. A stored contact goes with its id; for a
 * role without customers.pii its mobile and e-mail (shown masked, not editable) are left out so the server keeps them.
 */
export function contactsToSend(edited: ContactRow[] | undefined, stored: ContactRow[], seePii: boolean): ContactRow[] | undefined {
  const rows = edited ?? [];
  if (JSON.stringify(rows.map(same)) === JSON.stringify(stored.map(same))) return undefined;
  return rows.map((r) => {
    const base: ContactRow = { ...(r.id != null ? { id: r.id } : {}), name: r.name ?? '', title: r.title || null, isPrimary: !!r.isPrimary };
    if (r.id != null && !seePii) return base;
    return { ...base, mobile: r.mobile || null, email: r.email || null };
  });
}
