// The official OpenAI Node SDK streams Responses from the reference router through a mid-stream
// fallback (`responses.create({stream: true})` and the `responses.stream()` helper), and must
// raise when the fallback chain is exhausted mid-answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ANSWER, DUMMY_KEY, Fakes, RESET_AFTER_3, Router, billedUsage, importSdk, loopbackFetch,
  recordingFetch,
} from './midstream.mjs';

const TEST = { timeout: 15_000 };
const INPUT = 'Say the canonical answer.';

describe('OpenAI SDK: Responses through the reference router', () => {
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
      primary: { dialect: 'openai-responses' },
      backup: { dialect: 'openai-responses' },
      claude: { dialect: 'anthropic' },
      chat_backup: { dialect: 'openai-chat' },
      doomed: { dialect: 'openai-responses' },
      doomed_backup: { dialect: 'openai-responses' },
      direct: { dialect: 'openai-responses' },
    });
    const deployment = (name, fake, model, dialect) => ({
      model_name: name,
      litellm_params: { model, api_base: fakes.baseURL(fake), api_key: 'sk-fake', dialect },
    });
    routerConfig = (settings = {}) => ({
      model_list: [
        deployment('gpt-4o', 'primary', 'openai/gpt-4o', 'openai-responses'),
        deployment('gpt-4o-backup', 'backup', 'openai/gpt-4o-mini', 'openai-responses'),
        // The Responses front over an Anthropic upstream, falling back to a chat upstream
        // (the bridging of LiteLLM #28216).
        deployment('claude', 'claude', 'anthropic/claude-fake', 'anthropic'),
        deployment('claude-backup', 'chat_backup', 'openai/gpt-4o-mini', 'openai-chat'),
        deployment('doomed', 'doomed', 'openai/doomed', 'openai-responses'),
        deployment('doomed-backup', 'doomed_backup', 'openai/doomed-backup', 'openai-responses'),
      ],
      router_settings: {
        fallbacks: [
          { 'gpt-4o': ['gpt-4o-backup'] }, { claude: ['claude-backup'] }, { doomed: ['doomed-backup'] },
        ],
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

  async function scriptFallback(primary = 'primary', backup = 'backup') {
    await fakes.script(primary, [RESET_AFTER_3]);
    await fakes.script(backup, ['ok']);
  }

  async function scriptExhausted() {
    await fakes.script('doomed', [], RESET_AFTER_3);
    await fakes.script('doomed_backup', [], RESET_AFTER_3);
  }

  async function fallbackJournals(primaryName = 'primary', backupName = 'backup') {
    const primary = await fakes.journal(primaryName);
    const backup = await fakes.journal(backupName);
    assert.equal(primary.length, 1, 'the primary saw one request');
    assert.equal(primary[0].fault_fired, true, 'the planned reset fired');
    assert.equal(primary[0].ended, 'reset');
    assert.equal(backup.length, 1, 'the fallback saw one request');
    assert.equal(backup[0].continuation, true, 'the fallback got a continuation request');
    assert.equal(backup[0].partial, primary[0].text_sent);
    return billedUsage(primary, backup);
  }

  function assertUsage(usage, expected) {
    assert.ok(usage, 'usage reached the SDK in the terminal event');
    assert.equal(usage.input_tokens, expected.input);
    assert.equal(usage.output_tokens, expected.output);
    assert.equal(usage.total_tokens, expected.input + expected.output);
  }

  test('create({stream: true}) is continued at the fallback: exact text, usage, no error', TEST, async () => {
    await scriptFallback();
    const stream = await client.responses.create({ model: 'gpt-4o', input: INPUT, stream: true });
    const events = [];
    let text = '';
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    const types = events.map((e) => e.type);
    assert.equal(text, ANSWER);
    assert.deepEqual(types.filter((t) => t === 'response.created'), ['response.created'], 'one preamble');
    assert.equal(types.at(-1), 'response.completed', `the terminal event, got ${types.join(' ')}`);
    assert.ok(!types.includes('error') && !types.includes('response.failed'));
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i),
                     'sequence_number contiguous from 0');
    const done = events.filter((e) => e.type === 'response.output_text.done');
    assert.equal(done.length, 1);
    assert.equal(done[0].text, ANSWER);
    const completed = events.at(-1).response;
    assert.equal(completed.status, 'completed');
    const outputText = completed.output.filter((item) => item.type === 'message')
      .flatMap((item) => item.content).filter((part) => part.type === 'output_text')
      .map((part) => part.text).join('');
    assert.equal(outputText, ANSWER, 'the terminal response carries the whole answer');
    assert.equal(completed.id, events[0].response.id, 'one response id across the seam');
    assertUsage(completed.usage, await fallbackJournals());
  });

  test('the responses.stream() helper assembles the exact answer with usage', TEST, async () => {
    await scriptFallback();
    const stream = client.responses.stream({ model: 'gpt-4o', input: INPUT });
    let snapshot = '';
    stream.on('response.output_text.delta', (event) => { snapshot = event.snapshot; });
    const response = await stream.finalResponse();
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, ANSWER);
    assert.equal(snapshot, ANSWER, 'the last delta snapshot is the whole answer');
    assertUsage(response.usage, await fallbackJournals());
  });

  test('responses.stream() over an Anthropic primary that resets, continued on a chat fallback', TEST, async () => {
    await scriptFallback('claude', 'chat_backup');
    const response = await client.responses.stream({ model: 'claude', input: INPUT }).finalResponse();
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, ANSWER);
    assertUsage(response.usage, await fallbackJournals('claude', 'chat_backup'));
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
    const response = await recorded.responses.stream({ model: 'gpt-4o', input: INPUT }).finalResponse();
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, ANSWER);
    assert.match(wire.body(), /^: keep-alive$/m, 'the router sent SSE comments while the upstream was silent');
    const [backup] = await fakes.journal('backup');
    assert.equal(backup.partial, 'The quick brown');
  });

  test('create({stream: true}) raises when every deployment fails mid-answer', TEST, async () => {
    await scriptExhausted();
    const stream = await client.responses.create({ model: 'doomed', input: INPUT, stream: true });
    const types = [];
    let text = '';
    let raised = null;
    try {
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.output_text.delta') text += event.delta;
      }
    } catch (e) {
      raised = e;
    }
    assert.ok(raised, `the SDK finished quietly after ${types.join(' ')}: a truncated answer passed as complete`);
    assert.ok(raised instanceof OpenAI.APIError, `an APIError from the in-band error, got ${raised}`);
    assert.ok(!types.includes('response.completed'), 'no response.completed after a failure');
    assert.ok(text.length > 0 && ANSWER.startsWith(text) && text !== ANSWER,
              `the partial text is a strict prefix of the answer: ${JSON.stringify(text)}`);
    const doomed = await fakes.journal('doomed');
    const backup = await fakes.journal('doomed_backup');
    assert.equal(doomed.length, 1);
    assert.equal(backup.length, 1);
    assert.ok(doomed[0].fault_fired && backup[0].fault_fired, 'both planned resets fired');
  });

  test('the responses.stream() helper rejects when every deployment fails mid-answer', TEST, async () => {
    await scriptExhausted();
    const stream = client.responses.stream({ model: 'doomed', input: INPUT });
    await assert.rejects(stream.finalResponse(), (e) => e instanceof OpenAI.APIError);
  });

  test('the SDK parses the openai-responses fake directly: exact text and the journaled usage', TEST, async () => {
    await fakes.script('direct', ['ok']);
    const direct = new OpenAI({
      apiKey: DUMMY_KEY, baseURL: fakes.baseURL('direct'), maxRetries: 0, timeout: 10_000, fetch: loopbackFetch,
    });
    const response = await direct.responses.stream({ model: 'fake-model', input: INPUT }).finalResponse();
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, ANSWER);
    const [entry] = await fakes.journal('direct');
    assert.deepEqual(
      { input: response.usage.input_tokens, output: response.usage.output_tokens },
      { input: entry.usage_sent.input_tokens, output: entry.usage_sent.output_tokens });
  });

  test('the openai-responses fake\'s in-band error_event after 3 deltas makes the SDK raise', TEST, async () => {
    await fakes.script('direct', [{ at: 'after_deltas', n: 3, action: 'error_event' }]);
    const wire = recordingFetch();
    const direct = new OpenAI({
      apiKey: DUMMY_KEY, baseURL: fakes.baseURL('direct'), maxRetries: 0, timeout: 10_000, fetch: wire,
    });
    let outcome;
    try {
      const response = await direct.responses.stream({ model: 'fake-model', input: INPUT }).finalResponse();
      outcome = `finalResponse() resolved with status ${response.status} and ${JSON.stringify(response.output_text)}`;
    } catch (e) {
      outcome = e;
    }
    const [entry] = await fakes.journal('direct');
    assert.equal(entry.fault_fired, true, 'the planned error_event fired');
    assert.ok(outcome instanceof OpenAI.APIError,
              `the SDK should raise an APIError for the fake's \`error\` event; instead ${outcome}; ` +
              `the stream's last bytes: ${wire.tail()}`);
  });
});
