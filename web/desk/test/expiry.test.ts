import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ended_message, expiry_at, format_duration, sign_in_error } from '../src/expiry';

const at = { idle_remaining_s: 900, absolute_remaining_s: 36000, idle_warning_s: 120 };

test('no warning while more than the warning time is left', () => {
  assert.deepEqual(expiry_at(at, 0), { kind: 'ok', idle_left_s: 900 });
  assert.deepEqual(expiry_at(at, 779), { kind: 'ok', idle_left_s: 121 });
});

test('a warning two minutes before the idle timeout, which activity can extend', () => {
  assert.deepEqual(expiry_at(at, 780), { kind: 'warning', left_s: 120, extendable: true });
  assert.deepEqual(expiry_at(at, 899.5), { kind: 'warning', left_s: 1, extendable: true });
  assert.deepEqual(expiry_at(at, 900), { kind: 'expired' });
});

test('near the absolute timeout the warning cannot be extended', () => {
  const late = { idle_remaining_s: 900, absolute_remaining_s: 100, idle_warning_s: 120 };
  assert.deepEqual(expiry_at(late, 0), { kind: 'warning', left_s: 100, extendable: false });
  assert.deepEqual(expiry_at(late, 100), { kind: 'expired' });
});

test('messages', () => {
  assert.equal(format_duration(120), '2 minutes');
  assert.equal(format_duration(61), '1 min 1 s');
  assert.equal(format_duration(1), '1 second');
  assert.match(ended_message('backchannel'), /sign-in service/);
  assert.match(ended_message('idle'), /inactivity/);
  assert.equal(sign_in_error(null), null);
  assert.match(sign_in_error('no_role') ?? '', /no role/);
  assert.match(sign_in_error('whatever') ?? '', /failed/);
});
