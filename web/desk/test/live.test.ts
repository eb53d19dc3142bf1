import { test } from 'node:test';
import assert from 'node:assert/strict';
import { line_of, plain } from '../src/live';

test('transcript lines: the customer, the assistant, a consultant by name, and nothing else', () => {
  assert.deepEqual(line_of(1, 'message', { text: 'I lost my card', from: { role: 'user' } }), {
    key: 's1', who: 'Customer', role: 'user', text: 'I lost my card', integrity_failed: false,
  });
  assert.equal(line_of(2, 'message', { text: 'Which card?', from: { role: 'bot' } })?.who, 'Assistant');
  assert.equal(line_of(3, 'message', { text: 'Hello', from: { role: 'consultant', name: 'Anna' } })?.who, 'Anna');
  assert.equal(line_of(4, 'typing', { from: { role: 'user' } }), null);
  assert.equal(line_of(5, 'event', { text: 'x' }), null);
  assert.equal(line_of(6, 'message', { text: '' }), null);
});

test('a record that failed its integrity check is shown as such, never as its text', () => {
  const l = line_of(7, 'message', undefined, true);
  assert.equal(l?.integrity_failed, true);
  assert.match(l?.text ?? '', /integrity check/);
  assert.match(l?.text ?? '', /number 7/);  // which record, as the store's marker says (ADR 0017)
  assert.equal(l?.who, 'Warning');
});

test('the assistant\'s Markdown emphasis is shown as plain words', () => {
  assert.equal(
    plain("Hello! I'm the **BankX Assistant**. *I will never ask for your PIN.*"),
    "Hello! I'm the BankX Assistant. I will never ask for your PIN.",
  );
  assert.equal(plain('2 * 3 = 6 and a_b_c'), '2 * 3 = 6 and a_b_c');  // not emphasis: kept
  assert.equal(line_of(1, 'message', { text: '**Monday:** 9:00', from: { role: 'bot' } })?.text, 'Monday: 9:00');
});
