import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { token_endpoint } from '../src/bot_api';
import { http_error } from '../src/http';
import type { token_grant } from '../src/protocol';
import { default_token_policy, token_manager, type renewal_reason } from '../src/token_manager';
import { fake_timers, flush } from './fakes';

type outcome = { grant?: Partial<token_grant>; error?: http_error };

/** A bot endpoint whose answers are scripted per call; records when each call happened. */
class scripted_endpoint implements token_endpoint {
  handshakes: number[] = [];
  refreshes: Array<{ at: number; token: string }> = [];
  handshake_script: outcome[] = [];
  refresh_script: outcome[] = [];
  private serial_ = 0;

  constructor(private readonly timers_: fake_timers, private readonly lifetime_s = 60) {}

  private answer(script: outcome[], conversation: string): Promise<token_grant> {
    const next = script.shift() ?? {};
    if (next.error) return Promise.reject(next.error);
    this.serial_ += 1;
    return Promise.resolve({
      token: `token-${this.serial_}`,
      conversation_id: conversation,
      user_id: 'dl_user',
      expires_in_s: this.lifetime_s,
      channel_url: 'http://127.0.0.1:8401/v3/directline',
      bound: false,
      ...next.grant,
    });
  }

  handshake(): Promise<token_grant> {
    this.handshakes.push(this.timers_.now());
    return this.answer(this.handshake_script, `conv-${this.handshakes.length}`);
  }

  refresh(grant: token_grant): Promise<token_grant> {
    this.refreshes.push({ at: this.timers_.now(), token: grant.token });
    return this.answer(this.refresh_script, `conv-${this.handshakes.length}`);
  }
}

function setup(lifetime_s = 60) {
  const timers = new fake_timers();
  const endpoint = new scripted_endpoint(timers, lifetime_s);
  const events = { refreshed: [] as token_grant[], renewed: [] as Array<{ grant: token_grant; reason: renewal_reason }>, unavailable: [] as http_error[] };
  const manager = new token_manager(endpoint, timers, {
    on_refreshed: (g) => events.refreshed.push(g),
    on_renewed: (grant, reason) => events.renewed.push({ grant, reason }),
    on_unavailable: (e) => events.unavailable.push(e),
  });
  const t0 = timers.now();
  const since = (at: number) => at - t0;
  return { timers, endpoint, events, manager, since };
}

test('60 s lifetime: refreshes at 60% (with mid jitter), again 60% into each new token, same conversation', async () => {
  const { timers, endpoint, events, manager, since } = setup(60);
  const grant = await manager.start();
  assert.equal(grant.conversation_id, 'conv-1');
  assert.equal(manager.token, 'token-1');

  await timers.advance(35_999);
  assert.equal(endpoint.refreshes.length, 0, 'not before 60% of the lifetime');
  await timers.advance(1);
  assert.deepEqual(endpoint.refreshes.map((r) => [since(r.at), r.token]), [[36_000, 'token-1']]);
  assert.equal(manager.token, 'token-2');

  await timers.advance(36_000);
  assert.deepEqual(endpoint.refreshes.map((r) => [since(r.at), r.token]), [[36_000, 'token-1'], [72_000, 'token-2']]);
  assert.equal(manager.token, 'token-3');
  assert.equal(events.refreshed.length, 2);
  assert.deepEqual(events.renewed, []);
  assert.equal(endpoint.handshakes.length, 1);
  manager.stop();
});

test('the refresh point is jittered between 50% and 70% of the lifetime', async () => {
  for (const [random, expected_ms] of [[0, 30_000], [0.999, 41_988]] as const) {
    const { timers, endpoint, manager, since } = setup(60);
    timers.random_values = [random];
    await manager.start();
    await timers.advance(expected_ms - 1);
    assert.equal(endpoint.refreshes.length, 0);
    await timers.advance(1);
    assert.equal(endpoint.refreshes.length, 1);
    assert.equal(since(endpoint.refreshes[0]!.at), expected_ms);
    manager.stop();
  }
});

test('a failed refresh is retried with jittered backoff and the conversation continues', async () => {
  const { timers, endpoint, events, manager, since } = setup(60);
  await manager.start(); // random 0.5 → refresh at 36 s
  endpoint.refresh_script = [{ error: new http_error('status', 503) }, { error: new http_error('network', 0) }, {}];
  // Jitter draws for the two retries: backoff(0) ∈ [500, 1000] → 0.2 → 600 ms; backoff(1) ∈ [500, 2000] → 0.5 → 1250 ms.
  timers.random_values = [0.2, 0.5];
  await timers.advance(40_000);
  assert.deepEqual(endpoint.refreshes.map((r) => since(r.at)), [36_000, 36_600, 37_850]);
  assert.equal(events.refreshed.length, 1);
  assert.deepEqual(events.renewed, []);
  assert.equal(manager.token, 'token-2');
  manager.stop();
});

test('Retry-After on 429 is honoured (plus jitter)', async () => {
  const { timers, endpoint, manager, since } = setup(60);
  await manager.start();
  endpoint.refresh_script = [{ error: new http_error('status', 429, 5) }, {}];
  timers.random_values = [0, 0]; // jitter draws: backoff and the Retry-After jitter
  await timers.advance(45_000);
  assert.deepEqual(endpoint.refreshes.map((r) => since(r.at)), [36_000, 41_000]);
  manager.stop();
});

test('403 on refresh: a new handshake, reported as a renewed session', async () => {
  const { timers, endpoint, events, manager } = setup(60);
  await manager.start();
  endpoint.refresh_script = [{ error: new http_error('status', 403) }];
  await timers.advance(36_000);
  assert.equal(endpoint.refreshes.length, 1, 'no retry after 403');
  assert.equal(endpoint.handshakes.length, 2);
  assert.equal(events.renewed.length, 1);
  assert.equal(events.renewed[0]!.reason, 'refresh_rejected');
  assert.equal(events.renewed[0]!.grant.conversation_id, 'conv-2');
  assert.equal(manager.grant?.conversation_id, 'conv-2');
  // The new token is refreshed on its own schedule.
  await timers.advance(36_000);
  assert.equal(endpoint.refreshes.length, 2);
  manager.stop();
});

test('retries that would run past expiry give up in time and renew', async () => {
  const { timers, endpoint, events, manager, since } = setup(60);
  await manager.start();
  endpoint.refresh_script = Array.from({ length: 20 }, () => ({ error: new http_error('network', 0) }));
  timers.default_random = 0.99;
  await timers.advance(60_000);
  assert.ok(endpoint.refreshes.length >= 2 && endpoint.refreshes.length <= default_token_policy.max_refresh_attempts);
  assert.ok(endpoint.refreshes.every((r) => since(r.at) < 57_000), 'no attempt in the last 3 s');
  assert.equal(events.renewed.length, 1);
  assert.equal(events.renewed[0]!.reason, 'refresh_failed');
  assert.ok(since(endpoint.handshakes[1]!) < 60_000, 'renewed before the old token expired');
  manager.stop();
});

test('a refresh that returns another conversation counts as a renewal', async () => {
  const { timers, endpoint, events, manager } = setup(60);
  await manager.start();
  endpoint.refresh_script = [{ grant: { conversation_id: 'other' } }];
  await timers.advance(36_000);
  assert.equal(events.renewed.length, 1);
  assert.equal(events.renewed[0]!.reason, 'conversation_changed');
  manager.stop();
});

test('after the page slept past expiry, resume renews instead of using a dead token', async () => {
  const { timers, endpoint, events, manager } = setup(60);
  await manager.start();
  endpoint.refresh_script = Array.from({ length: 20 }, () => ({ error: new http_error('network', 0) }));
  // Simulate throttled timers: the clock jumps without the refresh timer having fired.
  (timers as unknown as { now_: number }).now_ += 120_000;
  manager.on_resume();
  await flush();
  assert.equal(endpoint.handshakes.length, 2);
  assert.equal(events.renewed[0]?.reason, 'expired');
  manager.stop();
});

test('handshake: 429 waits Retry-After, 5xx backs off, 403 gives up at once', async () => {
  {
    const { timers, endpoint, manager, since } = setup();
    endpoint.handshake_script = [{ error: new http_error('status', 429, 3) }, { error: new http_error('status', 502) }, {}];
    timers.random_values = [0, 0, 0];
    const started = manager.start();
    await timers.advance(10_000);
    const grant = await started;
    assert.equal(grant.token, 'token-1');
    assert.deepEqual(endpoint.handshakes.map(since), [0, 3_000, 3_500]);
    manager.stop();
  }
  {
    const { endpoint, manager } = setup();
    endpoint.handshake_script = [{ error: new http_error('status', 403) }];
    await assert.rejects(manager.start(), (e: unknown) => e instanceof http_error && e.status === 403);
    assert.equal(endpoint.handshakes.length, 1);
  }
});

test('handshake gives up after the configured attempts', async () => {
  const { timers, endpoint, manager } = setup();
  endpoint.handshake_script = Array.from({ length: 10 }, () => ({ error: new http_error('network', 0) }));
  const started = manager.start();
  const rejected = assert.rejects(started, (e: unknown) => e instanceof http_error && e.kind === 'network');
  await timers.advance(300_000);
  await rejected;
  assert.equal(endpoint.handshakes.length, default_token_policy.handshake_attempts);
});

test('the lifetime cap shortens the schedule (data-token-lifetime)', async () => {
  const timers = new fake_timers();
  const endpoint = new scripted_endpoint(timers, 1800);
  const manager = new token_manager(endpoint, timers, { on_refreshed: () => {}, on_renewed: () => {}, on_unavailable: () => {} }, { ...default_token_policy, lifetime_cap_s: 60 });
  await manager.start();
  await timers.advance(36_000);
  assert.equal(endpoint.refreshes.length, 1);
  manager.stop();
});

test('ensure_fresh shares one refresh between callers', async () => {
  const { endpoint, manager } = setup();
  await manager.start();
  await Promise.all([manager.ensure_fresh(), manager.ensure_fresh()]);
  assert.equal(endpoint.refreshes.length, 1);
  manager.stop();
});
