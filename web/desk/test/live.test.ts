import { test } from 'node:test';
import assert from 'node:assert/strict';
import { line_of } from '../src/live';

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
});
