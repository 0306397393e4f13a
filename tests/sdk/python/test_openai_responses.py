"""The official OpenAI Python SDK calls the Responses API on the reference router, streamed
(`responses.create(stream=True)` and the `responses.stream()` helper) and not, through a
mid-stream reset with a fallback (also an Anthropic primary continued on a chat fallback), a
stall past the router's idle timeout and an exhausted fallback chain.

The `responses.stream()` helper is the strictest consumer of a Responses stream: its state
machine raises RuntimeError when an event names an output index it has not seen added, when an
output index is added twice, when the response id changes between lifecycle events, or when
`response.completed` leaves an added item unfinished. Expected values come from the canonical
answer and the fakes' journals, never from the router."""

import unittest

import openai

from midstream_sdk import (
    ANSWER, DUMMY_KEY, FIRST_3_WORDS, RESET_AFTER_3, SdkTestCase, billed_usage, check_sdk,
    is_strict_prefix, summary,
)

INPUT = "Say the canonical answer."
STALL_AFTER_3 = {"at": "after_deltas", "n": 3, "action": "stall", "ms": 60_000}


def output_text(response):
    """The text of every output_text part of every message item of a Response."""
    return "".join(part.text for item in response.output if item.type == "message"
                   for part in item.content if part.type == "output_text")


class OpenAIResponsesThroughRouter(SdkTestCase):
    @classmethod
    def setUpClass(cls):
        check_sdk("openai")
        cls.fakes = cls.start_fakes({
            "primary": {"dialect": "openai-responses"},
            "backup": {"dialect": "openai-responses"},
            "claude": {"dialect": "anthropic"},
            "chat_backup": {"dialect": "openai-chat"},
            "doomed": {"dialect": "openai-responses"},
            "doomed_backup": {"dialect": "openai-responses"},
        })

        def deployment(name, fake, model, dialect):
            return {"model_name": name, "litellm_params": {
                "model": model, "api_base": cls.fakes.base_url(fake), "api_key": "sk-fake", "dialect": dialect}}

        def config(**settings):
            return {
                "model_list": [
                    deployment("gpt-4o", "primary", "openai/gpt-4o", "openai-responses"),
                    deployment("gpt-4o-backup", "backup", "openai/gpt-4o-mini", "openai-responses"),
                    # The Responses front over an Anthropic upstream, continued on a chat
                    # upstream (the bridging of LiteLLM #28216).
                    deployment("claude", "claude", "anthropic/claude-fake", "anthropic"),
                    deployment("claude-backup", "chat_backup", "openai/gpt-4o-mini", "openai-chat"),
                    deployment("doomed", "doomed", "openai/doomed", "openai-responses"),
                    deployment("doomed-backup", "doomed_backup", "openai/doomed-backup", "openai-responses"),
                ],
                "router_settings": {
                    "fallbacks": [{"gpt-4o": ["gpt-4o-backup"]}, {"claude": ["claude-backup"]},
                                  {"doomed": ["doomed-backup"]}],
                    "num_retries": 0, **settings},
            }

        cls.router = cls.start_router(config())
        # A router of its own gives a silent upstream up after 3 s, with `: keep-alive`
        # comments every 100 ms meanwhile; the other tests keep the default timeouts (30 s).
        cls.stall_router = cls.start_router(config(idle_timeout_ms=3000, keepalive_ms=100))

    def client(self, router=None):
        http = self.http_client()
        client = openai.OpenAI(api_key=DUMMY_KEY, base_url=(router or self.router).base_url,
                               max_retries=0, http_client=http)
        return client, http

    def script_fallback(self, primary="primary", backup="backup", fault=RESET_AFTER_3):
        self.fakes.script(primary, [fault])
        self.fakes.script(backup, ["ok"])

    def script_exhausted(self):
        self.fakes.script("doomed", [], RESET_AFTER_3)
        self.fakes.script("doomed_backup", [], RESET_AFTER_3)

    def fallback_usage(self, primary_name="primary", backup_name="backup", primary_ended="reset"):
        """Checks the journals of a continued answer; returns the billed (input, output)."""
        primary = self.fakes.journal(primary_name)
        backup = self.fakes.journal(backup_name)
        journals = f"primary: {summary(primary)}; fallback: {summary(backup)}"
        self.assertEqual(len(primary), 1, f"the primary saw one request; {journals}")
        self.assertTrue(primary[0]["fault_fired"], f"the planned fault fired; {journals}")
        self.assertEqual(primary[0]["ended"], primary_ended, journals)
        self.assertEqual(primary[0]["text_sent"], FIRST_3_WORDS, journals)
        self.assertEqual(len(backup), 1, f"the fallback saw one request; {journals}")
        self.assertTrue(backup[0]["continuation"], f"the fallback got a continuation request; {journals}")
        self.assertEqual(backup[0]["partial"], FIRST_3_WORDS, journals)
        return billed_usage(primary, backup)

    def exhausted_journals(self):
        """Checks both planned resets fired; returns (what the client must have got first, what
        it may have got at most)."""
        doomed = self.fakes.journal("doomed")
        backup = self.fakes.journal("doomed_backup")
        journals = f"doomed: {summary(doomed)}; doomed_backup: {summary(backup)}"
        self.assertEqual((len(doomed), len(backup)), (1, 1), f"one request each; {journals}")
        self.assertTrue(doomed[0]["fault_fired"] and backup[0]["fault_fired"], f"both planned resets fired; {journals}")
        self.assertTrue(backup[0]["continuation"], f"the fallback got a continuation request; {journals}")
        return backup[0]["partial"], backup[0]["partial"] + backup[0]["text_sent"]

    def assert_usage(self, usage, expected):
        self.assertIsNotNone(usage, "usage reached the SDK in the terminal event")
        self.assertEqual((usage.input_tokens, usage.output_tokens), expected,
                         "usage (input, output) = the sum of what the fakes reported (billed)")
        self.assertEqual(usage.total_tokens, sum(expected))

    def assert_partial(self, text, at_least, at_most):
        self.assertTrue(is_strict_prefix(text), f"the text is a strict prefix of the answer: {text!r}")
        self.assertTrue(text.startswith(at_least) and at_most.startswith(text),
                        f"the client got {text!r}: it must start with what the router had sent "
                        f"({at_least!r}) and be a prefix of what the fakes sent ({at_most!r})")

    def helper_final_response(self, client, http, model):
        """responses.stream(): every event through the SDK's state machine, then the final
        response. An incoherent stream makes the SDK raise; the failure quotes the bytes."""
        events, snapshot = [], None
        try:
            with client.responses.stream(model=model, input=INPUT) as stream:
                for event in stream:
                    events.append(event)
                    if event.type == "response.output_text.delta":
                        snapshot = event.snapshot
                response = stream.get_final_response()
        except openai.APIError:
            raise
        except Exception as error:
            self.fail(f"the SDK's Responses stream helper refused the router's stream: {error!r}; "
                      f"events {[e.type for e in events]}; the stream's last bytes: {http.tail(1500)}")
        return response, events, snapshot

    # -- a reset after 3 deltas, continued on the fallback -------------------------------------

    def test_stream_create_reset_is_continued_exactly(self):
        self.script_fallback()
        client, http = self.client()
        events = list(client.responses.create(model="gpt-4o", input=INPUT, stream=True))
        types = [event.type for event in events]
        text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        self.assertEqual(text, ANSWER, f"no gap, no repeat at the seam; the stream's last bytes: {http.tail()}")
        self.assertEqual(types.count("response.created"), 1, f"one preamble: {types}")
        self.assertEqual(types.count("response.output_item.added"), 1, f"one output item: {types}")
        self.assertEqual(types[-1], "response.completed", f"the terminal event: {types}")
        self.assertNotIn("error", types)
        self.assertNotIn("response.failed", types)
        self.assertEqual([e.sequence_number for e in events], list(range(len(events))),
                         "sequence_number contiguous from 0")
        added = next(e for e in events if e.type == "response.output_item.added")
        for event in events:
            if event.type.startswith("response.output_text") or event.type.startswith("response.content_part"):
                self.assertEqual((event.output_index, event.item_id), (added.output_index, added.item.id),
                                 f"{event.type} #{event.sequence_number} names the added item")
        done = [e for e in events if e.type == "response.output_text.done"]
        self.assertEqual([e.text for e in done], [ANSWER], "one output_text.done with the whole answer")
        completed = events[-1].response
        self.assertEqual(completed.status, "completed")
        self.assertEqual(output_text(completed), ANSWER, "response.completed carries the whole answer")
        self.assertEqual(completed.id, events[0].response.id, "one response id across the seam")
        self.assert_usage(completed.usage, self.fallback_usage())

    def test_stream_helper_reset_is_continued_exactly(self):
        self.script_fallback()
        client, http = self.client()
        response, events, snapshot = self.helper_final_response(client, http, "gpt-4o")
        self.assertEqual(response.status, "completed")
        self.assertEqual(response.output_text, ANSWER, http.tail())
        self.assertEqual(snapshot, ANSWER, "the last delta's snapshot is the whole answer")
        self.assertEqual([e.type for e in events].count("response.created"), 1, "one preamble")
        self.assert_usage(response.usage, self.fallback_usage())

    def test_stream_helper_anthropic_primary_continued_on_chat_fallback(self):
        self.script_fallback("claude", "chat_backup")
        client, http = self.client()
        response, _, _ = self.helper_final_response(client, http, "claude")
        self.assertEqual(response.status, "completed")
        self.assertEqual(response.output_text, ANSWER, http.tail())
        # The Anthropic primary reported its input usage at message_start before it died: billed.
        self.assert_usage(response.usage, self.fallback_usage("claude", "chat_backup"))

    def test_non_streamed_reset_is_continued_exactly(self):
        # The router streams from its upstreams for a non-streamed call too (docs/contract.md
        # section 5), so the reset after 3 deltas is continued and folded into one body.
        self.script_fallback()
        client, http = self.client()
        response = client.responses.create(model="gpt-4o", input=INPUT)
        self.assertEqual(response.status, "completed")
        self.assertEqual(response.output_text, ANSWER, http.tail())
        self.assertEqual(len([item for item in response.output if item.type == "message"]), 1)
        self.assert_usage(response.usage, self.fallback_usage())

    # -- a stall past the router's idle timeout -------------------------------------------------

    def test_stall_is_continued_and_keepalive_comments_skipped(self):
        self.script_fallback(fault=STALL_AFTER_3)
        client, http = self.client(self.stall_router)
        response, _, _ = self.helper_final_response(client, http, "gpt-4o")
        self.assertEqual(response.status, "completed")
        self.assertEqual(response.output_text, ANSWER, http.tail())
        self.assertRegex(http.recorded(), r"(?m)^: keep-alive$",
                         "the router sent SSE comments while the upstream was silent")
        self.assert_usage(response.usage, self.fallback_usage(primary_ended="peer_closed"))

    # -- every deployment fails mid-answer ------------------------------------------------------

    def test_stream_create_exhausted_raises_with_a_strict_prefix(self):
        self.script_exhausted()
        client, http = self.client()
        stream = client.responses.create(model="doomed", input=INPUT, stream=True)
        types, text = [], ""
        with self.assertRaises(openai.APIError,
                               msg="the SDK finished quietly: a truncated answer passed as complete") as raised:
            for event in stream:
                types.append(event.type)
                if event.type == "response.output_text.delta":
                    text += event.delta
        self.assertNotIsInstance(raised.exception, openai.APIConnectionError,
                                 f"the router's in-band error, not a broken connection: {raised.exception!r}; "
                                 f"the stream's last bytes: {http.tail()}")
        self.assertNotIn("response.completed", types, "no response.completed after a failure")
        self.assert_partial(text, *self.exhausted_journals())

    def test_stream_helper_exhausted_raises_with_a_strict_prefix(self):
        self.script_exhausted()
        client, http = self.client()
        snapshot = ""
        with self.assertRaises(openai.APIError,
                               msg="the helper finished quietly: a truncated answer passed as complete") as raised:
            with client.responses.stream(model="doomed", input=INPUT) as stream:
                for event in stream:
                    if event.type == "response.output_text.delta":
                        snapshot = event.snapshot
                stream.get_final_response()
        self.assertNotIsInstance(raised.exception, openai.APIConnectionError, http.tail())
        self.assert_partial(snapshot, *self.exhausted_journals())

    def test_non_streamed_exhausted_is_an_http_error(self):
        # Nothing was committed to a non-streamed client: it gets a real error status, 502 for
        # a transport failure (docs/contract.md section 5, the commit point), never a 200.
        self.script_exhausted()
        client, http = self.client()
        with self.assertRaises(openai.APIStatusError) as raised:
            client.responses.create(model="doomed", input=INPUT)
        self.assertEqual(raised.exception.status_code, 502, http.tail())
        self.assertIsInstance(raised.exception, openai.InternalServerError)
        self.exhausted_journals()


if __name__ == "__main__":
    unittest.main(verbosity=2)
