import type { Queryable } from '../../db/client.ts';
import { can, type Actor } from '../staff/index.ts';
import { maskCustomer, listColumns } from './profiles.ts';
import { classifyQuery, escapeLike } from './rules.ts';

export interface SearchHit {
  id: number;
  kind: string;
  name: string;
  mobile: string | null;
  email: string | null;
  birthday: string | null;
  cardNo: string | null;
  city: string | null;
  tags: string[];
  /** Which key matched: mobile, mobile_last4, card, email, name, name_part. */
  matched: string;
}

/**
 * Suggestions as the till types: each way of matching is one small indexed probe (exact mobile, mobile prefix,
 * last four digits, card prefix, e-mail prefix, name prefix, any two-character part of a name), all in one
 * statement; the best kind of match comes first.
 */
export async function searchCustomers(q: Queryable, actor: Actor, raw: string, limit: number): Promise<SearchHit[]> {
  const { kind, q: term } = classifyQuery(raw);
  if (!term) return [];
  const params: unknown[] = [limit];
  const parts: string[] = [];
  const probe = (rank: number, matched: string, where: string, order: string, ...values: unknown[]) => {
    const at = params.length;
    params.push(...values);
    const sql = where.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + at}`);
    parts.push(`(SELECT ${rank} AS rank, '${matched}' AS matched, ${listColumns} FROM customers
                  WHERE ${sql} AND status = 'active' ${order ? `ORDER BY ${order}` : ''} LIMIT $1)`);
  };
  const prefix = escapeLike(term) + '%';
  if (kind === 'digits') {
    if (term.length === 11) probe(0, 'mobile', 'mobile = $1', '', term);
    if (term.length >= 3 && term.length < 11) probe(1, 'mobile', `mobile IS NOT NULL AND mobile LIKE $1`, 'mobile USING ~<~', prefix);
    if (term.length === 4) probe(2, 'mobile_last4', 'mobile IS NOT NULL AND right(mobile, 4) = $1', 'id DESC', term);
    probe(term.length >= 6 ? 0 : 3, 'card', 'card_no IS NOT NULL AND card_no LIKE $1', 'card_no USING ~<~', prefix);
  } else if (kind === 'email') {
    probe(1, 'email', 'email IS NOT NULL AND lower(email) LIKE $1', 'lower(email) USING ~<~', prefix);
  } else {
    probe(0, 'card', 'card_no IS NOT NULL AND card_no LIKE $1', 'card_no USING ~<~', escapeLike(term.toUpperCase()) + '%');
    probe(1, 'name', 'lower(name) LIKE $1', 'lower(name) USING ~<~', escapeLike(term.toLowerCase()) + '%');
    if ([...term].length >= 2) {
      probe(2, 'name_part', 'customer_name_bigrams(name) @> customer_name_bigrams($1) AND strpos(lower(name), lower($1)) > 0', '', term);
    }
    if (/^[a-z0-9._+-]{3,}$/i.test(term)) probe(3, 'email', 'email IS NOT NULL AND lower(email) LIKE $1', 'lower(email) USING ~<~', escapeLike(term.toLowerCase()) + '%');
  }
  const r = await q.query(parts.join(' UNION ALL '), params);
  const rows = r.rows.sort((a, b) => a.rank - b.rank);
  const seen = new Set<number>();
  const out: SearchHit[] = [];
  const seePii = can(actor, 'customers.pii');
  for (const row of rows) {
    if (seen.has(row.id)) continue;
    seen.add(row.id);
    const { rank: _r, status: _s, createdAt: _c, preferredStoreId: _p, gender: _g, ...hit } = row;
    out.push(maskCustomer(hit, seePii) as SearchHit);
    if (out.length >= limit) break;
  }
  return out;
}
