import { prepared, type Queryable } from '../../db/client.ts';
import { normaliseMobile } from '../../lib/phone.ts';
import { fieldError, notFound } from '../../http/errors.ts';
import { resolveSurvivor } from './merge.ts';

export interface CustomerCard {
  id: number;
  kind: string;
  name: string;
  mobile: string | null;
  email: string | null;
  birthday: string | null;
  cardNo: string | null;
  gender: string | null;
  city: string | null;
  tags: string[];
  preferredStoreId: number | null;
  status: string;
}

const cardColumns = `id, kind, name, mobile, email, birthday, card_no AS "cardNo", gender, city, tags,
  preferred_store_id AS "preferredStoreId", status`;

/**
 * The till's lookup: one indexed probe by mobile or member card number. An old card or mobile of a merged member finds
 * the member it was merged into; a mobile an active customer holds now always finds that customer.
 */
export async function lookupCustomer(q: Queryable, by: { mobile?: string; cardNo?: string }): Promise<CustomerCard> {
  let r;
  if (by.mobile !== undefined) {
    const mobile = normaliseMobile(by.mobile);
    if (!mobile) throw fieldError('mobile', 'is not a valid China mobile number', '不是有效的中国大陆手机号');
    r = await q.query(prepared(`SELECT ${cardColumns} FROM customers WHERE mobile = $1 AND status = 'active'`), [mobile]);
    if (!r.rows[0]) {
      r = await q.query(prepared(`SELECT ${cardColumns} FROM customers WHERE mobile = $1 AND status = 'merged' ORDER BY updated_at DESC, id DESC LIMIT 1`), [mobile]);
    }
  } else if (by.cardNo !== undefined) {
    r = await q.query(prepared(`SELECT ${cardColumns} FROM customers WHERE card_no = $1`), [by.cardNo]);
  } else {
    throw fieldError('mobile', 'give a mobile number or a card number', '请提供手机号或会员卡号');
  }
  let c = r.rows[0];
  if (c?.status === 'merged') {
    const survivorId = await resolveSurvivor(q, c.id);
    c = survivorId == null ? undefined : (await q.query(`SELECT ${cardColumns} FROM customers WHERE id = $1`, [survivorId])).rows[0];
  }
  if (!c) throw notFound('Customer', '会员');
  return c as CustomerCard;
}
