// The official OpenAI Node SDK streams chat completions from the reference router through a
// mid-stream fallback, and must raise when the fallback chain is exhausted mid-answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ANSWER, DUMMY_KEY, Fakes, RESET_AFTER_3, Router, billedUsage, importSdk, loopbackFetch,
  recordingFetch,
} from './midstream.mjs';

const TEST = { timeout: 15_000 };
const MESSAGES = [{ role: 'user', content: 'Say the canonical answer.' }];

describe('OpenAI SDK: chat completions through the reference router', () => {
  let OpenAI;
  let fakes;
  let router;
  let stallRouter;
  let client;
  let routerConfig;

  before(async () => {
    const sdk = await importSdk('openai');
    OpenAI = sdk.module.OpenAI;
    fakes = await Fakes.start({
      primary: { dialect: 'openai-chat' },
      backup: { dialect: 'openai-chat' },
      doomed: { dialect: 'openai-chat' },
      doomed_backup: { dialect: 'openai-chat' },
      direct: { dialect: 'openai-chat' },
    });
    const deployment = (name, fake) => ({
      model_name: name,
      litellm_params: { model: `openai/${name}`, api_base: fakes.baseURL(fake), api_key: 'sk-fake' },
    });
    routerConfig = (settings = {}) => ({
      model_list: [
        deployment('gpt-4o', 'primary'),
        deployment('gpt-4o-backup', 'backup'),
        deployment('doomed', 'doomed'),
        deployment('doomed-backup', 'doomed_backup'),
      ],
      router_settings: {
        fallbacks: [{ 'gpt-4o': ['gpt-4o-backup'] }, { doomed: ['doomed-backup'] }],
        num_retries: 0,
        ...settings,
      },
    });
    router = await Router.start(routerConfig());
    client = new OpenAI({
      apiKey: DUMMY_KEY, baseURL: router.baseURL, maxRetries: 0, timeout: 10_000, fetch: loopbackFetch,
    });
  });

  after(async () => {
    await Promise.allSettled([router?.stop(), stallRouter?.stop(), fakes?.stop()]);
  });

  async function scriptFallback() {
    await fakes.script('primary', [RESET_AFTER_3]);
    await fakes.script('backup', ['ok']);
  }

  async function scriptExhausted() {
    await fakes.script('doomed', [], RESET_AFTER_3);
    await fakes.script('doomed_backup', [], RESET_AFTER_3);
  }

  async function assertFallbackJournals() {
    const primary = await fakes.journal('primary');
    const backup = await fakes.journal('backup');
    assert.equal(primary.length, 1, 'the primary saw one request');
    assert.equal(primary[0].fault_fired, true, 'the planned reset fired');
    assert.equal(primary[0].ended, 'reset');
    assert.equal(primary[0].text_sent, 'The quick brown');
    assert.equal(backup.length, 1, 'the fallback saw one request');
    assert.equal(backup[0].continuation, true, 'the fallback got a continuation request');
    assert.equal(backup[0].partial, 'The quick brown');
    return { primary, backup };
  }

  test('create({stream: true}) is continued at the fallback: exact text, usage, no error', TEST, async () => {
    await scriptFallback();
    const stream = await client.chat.completions.create({
      model: 'gpt-4o', messages: MESSAGES, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    const ids = new Set();
    const finishReasons = [];
    let usage = null;
    let roles = 0;
    for await (const chunk of stream) {
      ids.add(chunk.id);
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        if (choice.delta?.role) roles += 1;
        text += choice.delta?.content ?? '';
        if (choice.finish_reason) finishReasons.push(choice.finish_reason);
      }
    }
    assert.equal(text, ANSWER);
    assert.deepEqual(finishReasons, ['stop']);
    assert.equal(roles, 1, 'one role chunk: one preamble');
    assert.equal(ids.size, 1, 'one response id across the seam');
    const { primary, backup } = await assertFallbackJournals();
    const expected = billedUsage(primary, backup);
    assert.ok(usage, 'the include_usage chunk reached the SDK');
    assert.equal(usage.prompt_tokens, expected.input);
    assert.equal(usage.completion_tokens, expected.output);
    assert.equal(usage.total_tokens, expected.input + expected.output);
  });

  test('the chat.completions.stream() helper assembles the exact answer with usage', TEST, async () => {
    await scriptFallback();
    const stream = client.chat.completions.stream({
      model: 'gpt-4o', messages: MESSAGES, stream_options: { include_usage: true },
    });
    let deltas = '';
    stream.on('content.delta', ({ delta }) => { deltas += delta; });
    const completion = await stream.finalChatCompletion();
    assert.equal(completion.choices.length, 1);
    assert.equal(completion.choices[0].message.content, ANSWER);
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.equal(deltas, ANSWER);
    const { primary, backup } = await assertFallbackJournals();
    const expected = billedUsage(primary, backup);
    assert.ok(completion.usage, 'usage reached the SDK');
    assert.equal(completion.usage.prompt_tokens, expected.input);
    assert.equal(completion.usage.completion_tokens, expected.output);
  });

  test('the router\'s `: keep-alive` comments during a stall are skipped by the SDK', TEST, async () => {
    // A router of its own gives a stalled upstream up after 400 ms, with `: keep-alive`
    // comments every 50 ms meanwhile (the other tests keep the default timeouts: no flakes
    // on a loaded machine).
    stallRouter = await Router.start(routerConfig({ idle_timeout_ms: 400, keepalive_ms: 50 }));
    await fakes.script('primary', [{ at: 'after_deltas', n: 3, action: 'stall', ms: 10_000 }]);
    await fakes.script('backup', ['ok']);
    const wire = recordingFetch();
    const recorded = new OpenAI({
      apiKey: DUMMY_KEY, baseURL: stallRouter.baseURL, maxRetries: 0, timeout: 10_000, fetch: wire,
    });
    const stream = await recorded.chat.completions.create({
      model: 'gpt-4o', messages: MESSAGES, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, ANSWER);
    assert.match(wire.body(), /^: keep-alive$/m, 'the router sent SSE comments while the upstream was silent');
    const [backup] = await fakes.journal('backup');
    assert.equal(backup.partial, 'The quick brown');
  });

  test('create({stream: true}) raises when every deployment fails mid-answer', TEST, async () => {
    await scriptExhausted();
    const stream = await client.chat.completions.create({
      model: 'doomed', messages: MESSAGES, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    const finishReasons = [];
    let raised = null;
    try {
      for await (const chunk of stream) {
        for (const choice of chunk.choices) {
          text += choice.delta?.content ?? '';
          if (choice.finish_reason) finishReasons.push(choice.finish_reason);
        }
      }
    } catch (e) {
      raised = e;
    }
    assert.ok(raised, `the SDK finished quietly with ${JSON.stringify(text)}: a truncated answer passed as complete`);
    assert.ok(raised instanceof OpenAI.APIError, `an APIError from the in-band error, got ${raised}`);
    assert.deepEqual(finishReasons, [], 'no finish_reason after a failure');
    assert.ok(text.length > 0 && ANSWER.startsWith(text) && text !== ANSWER,
              `the partial text is a strict prefix of the answer: ${JSON.stringify(text)}`);
    const doomed = await fakes.journal('doomed');
    const backup = await fakes.journal('doomed_backup');
    assert.equal(doomed.length, 1);
    assert.equal(backup.length, 1);
    assert.ok(doomed[0].fault_fired && backup[0].fault_fired, 'both planned resets fired');
  });

  test('the chat.completions.stream() helper rejects when every deployment fails mid-answer', TEST, async () => {
    await scriptExhausted();
    const stream = client.chat.completions.stream({ model: 'doomed', messages: MESSAGES });
    await assert.rejects(stream.finalChatCompletion(), (e) => e instanceof OpenAI.APIError);
  });

  test('the SDK parses the openai-chat fake directly: exact text and the journaled usage', TEST, async () => {
    await fakes.script('direct', ['ok']);
    const direct = new OpenAI({
      apiKey: DUMMY_KEY, baseURL: fakes.baseURL('direct'), maxRetries: 0, timeout: 10_000, fetch: loopbackFetch,
    });
    const completion = await direct.chat.completions
      .stream({ model: 'fake-model', messages: MESSAGES, stream_options: { include_usage: true } })
      .finalChatCompletion();
    assert.equal(completion.choices[0].message.content, ANSWER);
    const [entry] = await fakes.journal('direct');
    assert.deepEqual(
      { input: completion.usage.prompt_tokens, output: completion.usage.completion_tokens },
      { input: entry.usage_sent.input_tokens, output: entry.usage_sent.output_tokens });
  });

  test('the openai-chat fake\'s in-band error after 3 deltas makes the SDK raise', TEST, async () => {
    await fakes.script('direct', [{ at: 'after_deltas', n: 3, action: 'error_event' }]);
    const direct = new OpenAI({
      apiKey: DUMMY_KEY, baseURL: fakes.baseURL('direct'), maxRetries: 0, timeout: 10_000, fetch: loopbackFetch,
    });
    const stream = await direct.chat.completions.create({ model: 'fake-model', messages: MESSAGES, stream: true });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    }, (e) => e instanceof OpenAI.APIError);
    assert.equal(text, 'The quick brown');
    const [entry] = await fakes.journal('direct');
    assert.equal(entry.fault_fired, true);
  });
});
