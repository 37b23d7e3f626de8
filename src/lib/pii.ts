/** Personal data shown to roles that do not need it in full. */
export function maskMobile(m: string | null | undefined): string | null {
  if (!m) return m ?? null;
  return m.length >= 7 ? `${m.slice(0, 3)}****${m.slice(-4)}` : '****';
}

export function maskEmail(e: string | null | undefined): string | null {
  if (!e) return e ?? null;
  const [user, domain] = e.split('@');
  if (!domain) return '***';
  return `${user!.slice(0, 1)}***@${domain}`;
}

/** Keeps the month and day (for birthday greetings at the till), hides the year. */
export function maskBirthday(d: string | null | undefined): string | null {
  if (!d) return d ?? null;
  return `****-${d.slice(5)}`;
}

export function maskAddress(a: string | null | undefined): string | null {
  if (!a) return a ?? null;
  return a.length <= 6 ? '***' : `${a.slice(0, 6)}***`;
}
