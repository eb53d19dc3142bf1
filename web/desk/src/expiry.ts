// The session-expiry warning (WCAG 2.2.1): from the server's idle and absolute remaining times,
// measured against a monotonic clock here, what the desk shows at each moment.
export type expiry_state =
  | { kind: 'ok'; idle_left_s: number }
  | { kind: 'warning'; left_s: number; extendable: boolean }
  | { kind: 'expired' };

export interface expiry_inputs {
  idle_remaining_s: number;
  absolute_remaining_s: number;
  idle_warning_s: number;
}

/** `elapsed_s`: seconds since the server gave `at`. */
export function expiry_at(at: expiry_inputs, elapsed_s: number): expiry_state {
  const idle = at.idle_remaining_s - elapsed_s;
  const absolute = at.absolute_remaining_s - elapsed_s;
  const left = Math.min(idle, absolute);
  if (left <= 0) return { kind: 'expired' };
  if (left <= at.idle_warning_s) {
    // Activity cannot move the absolute end: then the warning only says when.
    return { kind: 'warning', left_s: Math.ceil(left), extendable: idle <= absolute };
  }
  return { kind: 'ok', idle_left_s: Math.ceil(idle) };
}

export function format_duration(s: number): string {
  const m = Math.floor(s / 60);
  const r = s % 60;
  if (m === 0) return `${r} second${r === 1 ? '' : 's'}`;
  return r === 0 ? `${m} minute${m === 1 ? '' : 's'}` : `${m} min ${r} s`;
}

/** The message of the signed-out view for a session end reason (desk events, ?signed_out=). */
export function ended_message(reason: string | null): string {
  switch (reason) {
    case 'backchannel':
      return 'You were signed out at your organisation’s sign-in service.';
    case 'idle':
    case 'timeout':
      return 'Your session ended after a period of inactivity.';
    case 'absolute':
      return 'Your session reached its maximum length. Please sign in again.';
    case 'refresh_refused':
    case 'role_removed':
    case 'idp_unreachable':
      return 'Your access was withdrawn or could not be confirmed. Please sign in again.';
    case 'idp':
      return 'You are signed out of the desk and of your organisation’s sign-in service.';
    case 'signed_out':
    case '1':
      return 'You are signed out.';
    default:
      return 'Your session ended.';
  }
}

/** The message for a failed sign-in (?error=). */
export function sign_in_error(code: string | null): string | null {
  switch (code) {
    case null:
      return null;
    case 'idp_unavailable':
      return 'Your organisation’s sign-in service cannot be reached. Please try again later.';
    case 'no_role':
      return 'Your account has no role on the desk. Ask your administrator for access.';
    case 'not_allowed':
      return 'Your account is not allowed to use this desk.';
    case 'sign_in_expired':
      return 'The sign-in took too long or was already used. Please sign in again.';
    case 'sign_in_cancelled':
      return 'The sign-in was cancelled.';
    case 'unavailable':
      return 'The desk cannot sign you in right now. Please try again in a moment.';
    default:
      return 'The sign-in failed. Please try again.';
  }
}
