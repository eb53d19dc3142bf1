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

test('a conversation in the queue is listed as waiting with its wait, an owned one with its consultant', async () => {
  const { state_label } = await import('../src/live');
  assert.equal(state_label({ state: 'with_bot' }), 'with bot');
  assert.equal(state_label({ state: 'with_bot', handoff: { status: 'waiting', queue: 'general', waiting_s: 185 } }), 'waiting for a consultant (3 min)');
  assert.equal(state_label({ state: 'waiting_for_consultant', handoff: { status: 'waiting', queue: 'general', waiting_s: 5 } }), 'waiting for a consultant (1 min)');
  assert.equal(state_label({ state: 'with_consultant', handoff: { status: 'assigned', queue: 'general', waiting_s: 5, owner_name: 'Anna' } }), 'with Anna');
});

test('a conversation is transferred to a known queue or to an available colleague with room, never to oneself', async () => {
  const { transfer_targets } = await import('../src/live');
  const a = (id: string, over: Partial<{ availability: 'available' | 'busy' | 'away'; load: number; me: boolean; skills: string[] }> = {}) => ({
    id, name: id, availability: 'available' as const, load: 0, capacity: 2, skills: ['general'], me: false, ...over,
  });
  const t = transfer_targets([a('me', { me: true, skills: ['cards'] }), a('bo'), a('full', { load: 2 }), a('away', { availability: 'away' })], ['loans']);
  assert.deepEqual(t.queues, ['cards', 'general', 'loans']);
  assert.deepEqual(t.consultants.map((x) => x.id), ['bo']);
});
