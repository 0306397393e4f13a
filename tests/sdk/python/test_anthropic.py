"""The official Anthropic Python SDK calls an anthropic-dialect fake directly (the reference
router has no /v1/messages front): it parses the fake's bytes, the final message carries the
canonical answer and the usage the fake journaled, and the fake's mid-stream reset, in-band
error and stall make the SDK raise. A clean end without `message_stop` does not: the SDK then
returns the truncated message with `stop_reason` None, which is why a router must never end a
failed stream cleanly (the Portkey defect)."""

import unittest

import anthropic
import httpx2

from midstream_sdk import (
    ANSWER, DUMMY_KEY, FIRST_3_WORDS, RESET_AFTER_3, SdkTestCase, check_sdk, is_strict_prefix,
)

REQUEST = {"model": "claude-fake", "max_tokens": 256,
           "messages": [{"role": "user", "content": "Say the canonical answer."}]}


class AnthropicAgainstFake(SdkTestCase):
    @classmethod
    def setUpClass(cls):
        check_sdk("anthropic")
        cls.fakes = cls.start_fakes({"claude": {"dialect": "anthropic"}})

    def client(self, timeout=None):
        http = self.http_client()
        # The SDK appends /v1/messages to its base URL, so it gets the fake's origin.
        options = {"timeout": timeout} if timeout is not None else {}
        client = anthropic.Anthropic(api_key=DUMMY_KEY, base_url=self.fakes.origin("claude"),
                                     max_retries=0, http_client=http, **options)
        return client, http

    def only_entry(self):
        journal = self.fakes.journal("claude")
        self.assertEqual(len(journal), 1, "the fake saw one request")
        return journal[0]

    def stream_text(self, client):
        """messages.stream(): the text deltas, then the final message; returns (text, message
        or the exception it raised)."""
        text = ""
        try:
            with client.messages.stream(**REQUEST) as stream:
                for delta in stream.text_stream:
                    text += delta
                return text, stream.get_final_message()
        except Exception as error:  # the caller checks the type
            return text, error

    def test_stream_final_message_is_the_answer_with_the_journaled_usage(self):
        self.fakes.script("claude", ["ok"])
        client, http = self.client()
        text, message = self.stream_text(client)
        self.assertIsInstance(message, anthropic.types.Message, f"{message!r}; {http.tail()}")
        self.assertEqual(text, ANSWER)
        self.assertEqual(message.role, "assistant")
        self.assertEqual([block.type for block in message.content], ["text"])
        self.assertEqual(message.content[0].text, ANSWER)
        self.assertEqual(message.stop_reason, "end_turn")
        entry = self.only_entry()
        self.assertEqual(entry["ended"], "completed")
        self.assertEqual((message.usage.input_tokens, message.usage.output_tokens),
                         (entry["usage_sent"]["input_tokens"], entry["usage_sent"]["output_tokens"]))

    def test_create_stream_events_in_the_dialect_order_with_usage(self):
        self.fakes.script("claude", ["ok"])
        client, _ = self.client()
        types, text, start_usage, delta_usage = [], "", None, None
        for event in client.messages.create(**REQUEST, stream=True):
            types.append(event.type)
            if event.type == "message_start":
                start_usage = event.message.usage
            elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                text += event.delta.text
            elif event.type == "message_delta":
                delta_usage = event.usage
        self.assertEqual(text, ANSWER)
        words = len(ANSWER.split(" "))
        self.assertEqual(types, ["message_start", "content_block_start", *["content_block_delta"] * words,
                                 "content_block_stop", "message_delta", "message_stop"])
        entry = self.only_entry()
        self.assertEqual(start_usage.input_tokens, entry["usage_sent"]["input_tokens"], "input usage at message_start")
        self.assertEqual(delta_usage.output_tokens, entry["usage_sent"]["output_tokens"],
                         "cumulative output usage at message_delta")

    def test_non_streamed_create_is_the_answer_with_the_journaled_usage(self):
        self.fakes.script("claude", ["ok"])
        client, http = self.client()
        message = client.messages.create(**REQUEST)
        self.assertEqual(message.content[0].text, ANSWER, http.tail())
        self.assertEqual(message.stop_reason, "end_turn")
        entry = self.only_entry()
        self.assertEqual((message.usage.input_tokens, message.usage.output_tokens),
                         (entry["usage_sent"]["input_tokens"], entry["usage_sent"]["output_tokens"]))

    def test_reset_after_3_deltas_raises(self):
        self.fakes.script("claude", [RESET_AFTER_3])
        client, http = self.client()
        text, outcome = self.stream_text(client)
        # anthropic 2.16.0's Stream does not wrap transport errors (openai's does): a reset
        # mid-stream surfaces as httpx2.ReadError, not anthropic.APIConnectionError.
        self.assertIsInstance(outcome, (anthropic.APIConnectionError, httpx2.TransportError),
                              f"the SDK should raise on a reset; instead {outcome!r}; {http.tail()}")
        entry = self.only_entry()
        self.assertTrue(entry["fault_fired"])
        self.assertEqual(entry["ended"], "reset")
        self.assertEqual(entry["text_sent"], FIRST_3_WORDS)
        # A reset may discard bytes the client had not read yet: what arrived is a prefix of them.
        self.assertTrue(entry["text_sent"].startswith(text), f"the SDK saw {text!r}")

    def test_in_band_error_event_raises_an_api_error(self):
        self.fakes.script("claude", [{"at": "after_deltas", "n": 3, "action": "error_event"}])
        client, http = self.client()
        text, outcome = self.stream_text(client)
        self.assertIsInstance(outcome, anthropic.APIStatusError,
                              f"the SDK should raise an APIStatusError for the in-band error; instead "
                              f"{outcome!r}; the stream's last bytes: {http.tail()}")
        self.assertEqual(outcome.type, "overloaded_error")
        entry = self.only_entry()
        self.assertTrue(entry["fault_fired"], "the planned error_event fired")
        self.assertEqual(text, entry["text_sent"])
        self.assertEqual(text, FIRST_3_WORDS)

    def test_stall_past_the_client_timeout_raises(self):
        # The fake goes silent after 3 deltas for a minute; the client's read timeout is 3 s.
        self.fakes.script("claude", [{"at": "after_deltas", "n": 3, "action": "stall", "ms": 60_000}])
        client, http = self.client(timeout=httpx2.Timeout(30.0, read=3.0))
        text, outcome = self.stream_text(client)
        self.assertIsInstance(outcome, (anthropic.APITimeoutError, httpx2.TimeoutException),
                              f"the SDK should raise a timeout; instead {outcome!r}; {http.tail()}")
        self.assertEqual(text, FIRST_3_WORDS)
        entry = self.only_entry()
        self.assertTrue(entry["fault_fired"], "the planned stall fired")

    def test_clean_end_without_message_stop_is_not_raised(self):
        # The fake ends the chunked body cleanly after 3 deltas, without content_block_stop,
        # message_delta or message_stop. The SDK (2.16.0) returns that truncated message without
        # raising; its only sign is stop_reason None. This pins that behaviour: a client cannot
        # count on the SDK to notice a router that ends a failed stream cleanly.
        self.fakes.script("claude", [{"at": "after_deltas", "n": 3, "action": "truncate"}])
        client, http = self.client()
        text, outcome = self.stream_text(client)
        self.assertIsInstance(outcome, anthropic.types.Message, f"{outcome!r}; {http.tail()}")
        self.assertEqual(text, FIRST_3_WORDS)
        self.assertTrue(is_strict_prefix(outcome.content[0].text))
        self.assertIsNone(outcome.stop_reason, "no message_delta: no stop reason")
        entry = self.only_entry()
        self.assertEqual((entry["fault_fired"], entry["ended"]), (True, "truncated"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
