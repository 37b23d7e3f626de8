import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contactsToSend, type ContactRow } from '../../web/console/customers/contacts.ts';

const stored: ContactRow[] = [
  { id: 7, name: '钱经理', title: '采购', mobile: '137****2222', email: 'q***@lianhua.cn', isPrimary: true },
  { id: 8, name: '孙会计', title: null, mobile: null, email: null, isPrimary: false },
];

const cases: [string, ContactRow[] | undefined, boolean, ContactRow[] | undefined][] = [
  ['unchanged contacts are not sent, even with empty strings for empty fields', [{ ...stored[0]! }, { id: 8, name: '孙会计', title: '', isPrimary: false }], false, undefined],
  ['a renamed stored contact goes with its id and without the masked mobile and e-mail for a role without pii',
    [{ ...stored[0]!, name: '钱总' }, { ...stored[1]! }], false,
    [{ id: 7, name: '钱总', title: '采购', isPrimary: true }, { id: 8, name: '孙会计', title: null, isPrimary: false }]],
  ['a new contact goes with the mobile typed, for a role without pii too',
    [{ ...stored[0]! }, { ...stored[1]! }, { name: '周助理', mobile: '13700003333' }], false,
    [{ id: 7, name: '钱经理', title: '采购', isPrimary: true }, { id: 8, name: '孙会计', title: null, isPrimary: false },
      { name: '周助理', title: null, isPrimary: false, mobile: '13700003333', email: null }]],
  ['a removed contact is left out of the list sent', [{ ...stored[0]! }], false, [{ id: 7, name: '钱经理', title: '采购', isPrimary: true }]],
  ['a role with pii sends stored contacts with their mobile and e-mail',
    [{ id: 8, name: '孙会计', mobile: '13700005555', isPrimary: false }], true,
    [{ id: 8, name: '孙会计', title: null, isPrimary: false, mobile: '13700005555', email: null }]],
  ['removing every contact sends an empty list', [], false, []],
];

for (const [name, edited, seePii, expected] of cases) {
  test(name, () => assert.deepEqual(contactsToSend(edited, stored, seePii), expected));
}
