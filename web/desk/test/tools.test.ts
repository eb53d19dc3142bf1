import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filter_canned, unix_of } from '../src/tools';
import { line_of } from '../src/live';

const canned = [
  { title: 'Greeting', text: 'Hello, this is BankX. How can I help?' },
  { title: 'Card blocked', text: 'I can unblock your card once you have confirmed your identity.' },
];

test('canned responses are found by every word typed, in the title or the text, any case', () => {
  assert.deepEqual(filter_canned(canned, '').map((c) => c.title), ['Greeting', 'Card blocked']);
  assert.deepEqual(filter_canned(canned, 'card').map((c) => c.title), ['Card blocked']);
  assert.deepEqual(filter_canned(canned, 'HELP bankx').map((c) => c.title), ['Greeting']);
  assert.deepEqual(filter_canned(canned, 'card greeting'), []);
});

test('a time range is sent as unix seconds; an empty field is no bound', () => {
  assert.equal(unix_of(''), undefined);
  assert.equal(unix_of('not a date'), undefined);
  assert.equal(unix_of('2026-12-07T10:00'), Math.floor(new Date('2026-12-07T10:00').getTime() / 1000));
});

test('a private note is shown in the desk\'s transcript as a note, named', () => {
  const l = line_of(3, 'handoff', { name: 'parley.note', text: 'travelling until Friday', from: { name: 'Anna' } });
  assert.equal(l?.role, 'note');
  assert.equal(l?.who, 'Note by Anna');
  assert.equal(line_of(4, 'handoff', { name: 'handoff.initiate' }), null);  // the bot's routing context is not a line
});
