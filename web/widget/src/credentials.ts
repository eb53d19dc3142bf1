// Heuristics that spot credentials in text the user is about to send, so that the widget can warn
// *before* the text leaves the browser (SECURITY.md promise 9; the server masks as well).
//
// Contract: `detect_credentials(text)` returns the kinds found ('card', 'password', 'pin'), empty
// when none. It is a heuristic: it favours few false alarms on ordinary banking questions ("I forgot
// my password", an IBAN, a phone number) over catching every secret. Pure; never throws.

export type credential_kind = 'card' | 'password' | 'pin';

/** Text longer than this is only scanned in its first part (bounded work on every keystroke). */
const max_scan_length = 4000;

/** Luhn checksum over a string of digits. */
export function luhn_valid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** True when the text holds a 13-19 digit Luhn-valid number (spaces or dashes between groups allowed). */
export function contains_card_number(text: string): boolean {
  // Maximal runs of digits joined by single spaces or dashes; a run longer than 19 digits (an IBAN,
  // an account statement line) is not a card number, so runs are never cut into pieces.
  const runs = text.match(/\d(?:[ -]?\d)*/g) ?? [];
  return runs.some((run) => {
    const digits = run.replace(/[ -]/g, '');
    return digits.length >= 13 && digits.length <= 19 && !/^(\d)\1*$/.test(digits) && luhn_valid(digits);
  });
}

const password_words = '(?:password|passwort|kennwort|passcode|passwd|pwd)';
// "password: x" / "password=x": whatever follows is a value.
const password_assigned = new RegExp(`\\b${password_words}\\s*[:=]\\s*(\\S{3,})`, 'iu');
// "my password is x" / "Passwort lautet x" / "password x": only when x looks like a secret
// (has a digit, a symbol or inner capitals), so "my password is not working" is not flagged.
const password_stated = new RegExp(`\\b${password_words}\\s+(?:(?:is|ist|lautet|was|war)\\s+)?(\\S{4,})`, 'iu');

function looks_secret(word: string): boolean {
  const bare = word.replace(/[.,;!?]+$/, '');
  return /\d/.test(bare) || /[^\p{L}\p{N}]/u.test(bare) || /\p{Ll}\p{Lu}/u.test(bare);
}

export function contains_password(text: string): boolean {
  if (password_assigned.test(text)) return true;
  const stated = password_stated.exec(text);
  return stated !== null && looks_secret(stated[1]!);
}

// "PIN 1234", "my pin is 12345", "PIN-Code: 123456", "TAN 123456", "OTP is 654321" — 4 to 6 digits
// that are not part of a longer number.
const pin_re =
  /\b(?:pin|tan|otp)(?:[\s-]*(?:code|nummer|number|no\.?|nr\.?))?\s*(?:(?:is|ist|lautet|was|war)\s+|[:=#]\s*)?(?<!\d)(\d{4,6})(?![\d])/iu;

export function contains_pin(text: string): boolean {
  return pin_re.test(text);
}

/** All credential kinds found in `text`, in a stable order. */
export function detect_credentials(text: string): credential_kind[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const scan = text.length > max_scan_length ? text.slice(0, max_scan_length) : text;
  const kinds: credential_kind[] = [];
  if (contains_card_number(scan)) kinds.push('card');
  if (contains_password(scan)) kinds.push('password');
  if (contains_pin(scan)) kinds.push('pin');
  return kinds;
}
