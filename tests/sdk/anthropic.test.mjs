// The official Anthropic Node SDK streams directly from an anthropic-dialect fake: it parses the
// fake's bytes, finalMessage() carries the canonical answer and the usage the fake journaled,
// and the fake's mid-stream failures make the SDK raise.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ANSWER, DUMMY_KEY, Fakes, RESET_AFTER_3, importSdk, loopbackFetch, recordingFetch,
} from './midstream.mjs';

const TEST = { timeout: 15_000 };
const REQUEST = {
  model: 'claude-fake',
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Say the canonical answer.' }],
};

describe('Anthropic SDK: streaming from an anthropic-dialect fake', () => {
  let Anthropic;
  let fakes;
  let client;

  before(async () => {
    const sdk = await importSdk('@anthropic-ai/sdk');
    Anthropic = sdk.module.Anthropic;
    fakes = await Fakes.start({ claude: { dialect: 'anthropic' } });
    // The SDK appends /v1/messages to its baseURL, so it gets the fake's origin.
    client = new Anthropic({
      apiKey: DUMMY_KEY, baseURL: fakes.origin('claude'), maxRetries: 0, timeout: 10_000, fetch: loopbackFetch,
    });
  });

  after(async () => {
    await fakes?.stop();
  });

  async function onlyEntry() {
    const journal = await fakes.journal('claude');
    assert.equal(journal.length, 1, 'the fake saw one request');
    return journal[0];
  }

  test('messages.stream(): finalMessage() is the answer with the journaled usage', TEST, async () => {
    await fakes.script('claude', ['ok']);
    const stream = client.messages.stream(REQUEST);
    let deltas = '';
    stream.on('text', (delta) => { deltas += delta; });
    const message = await stream.finalMessage();
    assert.equal(message.role, 'assistant');
    assert.equal(message.content.length, 1);
    assert.equal(message.content[0].type, 'text');
    assert.equal(message.content[0].text, ANSWER);
    assert.equal(deltas, ANSWER);
    assert.equal(message.stop_reason, 'end_turn');
    const entry = await onlyEntry();
    assert.equal(entry.ended, 'completed');
    assert.ok(entry.usage_sent, 'the fake journaled the usage it sent');
    assert.equal(message.usage.input_tokens, entry.usage_sent.input_tokens);
    assert.equal(message.usage.output_tokens, entry.usage_sent.output_tokens);
  });

  test('messages.create({stream: true}): the raw events in the dialect\'s order', TEST, async () => {
    await fakes.script('claude', ['ok']);
    const stream = await client.messages.create({ ...REQUEST, stream: true });
    const types = [];
    let text = '';
    let startUsage = null;
    let deltaUsage = null;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'message_start') startUsage = event.message.usage;
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') deltaUsage = event.usage;
    }
    assert.equal(text, ANSWER);
    const words = ANSWER.split(' ').length;
    assert.deepEqual(types, [
      'message_start', 'content_block_start', ...Array(words).fill('content_block_delta'),
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    const entry = await onlyEntry();
    assert.equal(startUsage.input_tokens, entry.usage_sent.input_tokens, 'input usage at message_start');
    assert.equal(deltaUsage.output_tokens, entry.usage_sent.output_tokens, 'output usage at message_delta');
  });

  test('a reset after 3 deltas makes finalMessage() reject', TEST, async () => {
    await fakes.script('claude', [RESET_AFTER_3]);
    const stream = client.messages.stream(REQUEST);
    let deltas = '';
    stream.on('text', (delta) => { deltas += delta; });
    await assert.rejects(stream.finalMessage(), (e) => e instanceof Error);
    const entry = await onlyEntry();
    assert.equal(entry.fault_fired, true);
    assert.equal(entry.ended, 'reset');
    assert.equal(entry.text_sent, 'The quick brown');
    // A reset may discard bytes the client had not read yet: what arrived is a prefix of them.
    assert.ok(entry.text_sent.startsWith(deltas), `the SDK saw ${JSON.stringify(deltas)}`);
  });

  test('an in-band `event: error` (overloaded_error) after 3 deltas makes the SDK raise', TEST, async () => {
    await fakes.script('claude', [{ at: 'after_deltas', n: 3, action: 'error_event' }]);
    const wire = recordingFetch();
    const recorded = new Anthropic({
      apiKey: DUMMY_KEY, baseURL: fakes.origin('claude'), maxRetries: 0, timeout: 10_000, fetch: wire,
    });
    const stream = recorded.messages.stream(REQUEST);
    let deltas = '';
    stream.on('text', (delta) => { deltas += delta; });
    let outcome;
    try {
      const message = await stream.finalMessage();
      outcome = `finalMessage() resolved: ${JSON.stringify(message)}`;
    } catch (e) {
      outcome = e;
    }
    const entry = await onlyEntry();
    assert.equal(entry.fault_fired, true, 'the planned error_event fired');
    assert.ok(outcome instanceof Anthropic.APIError,
              `the SDK should raise an APIError for the fake's in-band error; instead ${outcome}; ` +
              `the stream's last bytes: ${wire.tail()}`);
    assert.equal(outcome.type, 'overloaded_error');
    assert.equal(deltas, entry.text_sent);
  });
});
