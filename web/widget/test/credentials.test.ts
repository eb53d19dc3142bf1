import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contains_card_number, detect_credentials, luhn_valid } from '../src/credentials';

test('luhn', () => {
  assert.equal(luhn_valid('4111111111111111'), true);
  assert.equal(luhn_valid('4111111111111112'), false);
  assert.equal(luhn_valid('79927398713'), true);
});

test('card numbers: Luhn-valid 13-19 digits, with or without separators', () => {
  for (const text of [
    '4111111111111111',
    'my card is 4111 1111 1111 1111',
    'card 5500-0000-0000-0004 please',
    'amex 378282246310005',
    '4222222222222', // 13 digits
    '6011111111111117',
  ]) {
    assert.deepEqual(detect_credentials(text), ['card'], text);
  }
});

test('not card numbers: wrong checksum, too short or long, IBANs, phone numbers, dates, repeated digits', () => {
  for (const text of [
    '4111 1111 1111 1112',
    'my account number is 12345678',
    'IBAN DE89 3704 0044 0532 0130 00',
    'call me on +49 30 1234567',
    'transfer 1,500.00 EUR on 2024-05-01',
    '0000 0000 0000 0000',
    'reference 12345678901234567890123',
  ]) {
    assert.deepEqual(detect_credentials(text), [], text);
  }
  assert.equal(contains_card_number(''), false);
});

test('passwords with a value', () => {
  for (const text of [
    'my password is hunter2',
    'Password: Sommer2024!',
    'password=abc',
    'Mein Passwort ist geheim123',
    'Kennwort lautet Xy7!zz',
    'pwd: tr0ub4dor',
    'my password is CorrectHorse',
  ]) {
    assert.deepEqual(detect_credentials(text), ['password'], text);
  }
});

test('talking about passwords is fine', () => {
  for (const text of [
    'I forgot my password',
    'How do I reset my password?',
    'my password is not working',
    'Passwort vergessen, was tun?',
    'Can you change the password policy',
  ]) {
    assert.deepEqual(detect_credentials(text), [], text);
  }
});

test('PINs and one-time codes after "pin"', () => {
  for (const text of ['my PIN is 1234', 'pin 98765', 'PIN-Code: 123456', 'meine PIN ist 4321', 'The TAN is 123456', 'OTP: 654321']) {
    assert.deepEqual(detect_credentials(text), ['pin'], text);
  }
});

test('numbers that are not PINs', () => {
  for (const text of ['I forgot my PIN', 'pin 12', 'pin 1234567', 'spin 1234', 'I paid 1234 EUR', 'room 1234', 'pinned 1234']) {
    assert.deepEqual(detect_credentials(text), [], text);
  }
});

test('several kinds at once, in a stable order', () => {
  assert.deepEqual(detect_credentials('card 4111111111111111 pin 1234 password: x1y2z3'), ['card', 'password', 'pin']);
});
