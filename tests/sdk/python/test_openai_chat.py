"""The official OpenAI Python SDK calls chat completions on the reference router, streamed and
not, through a mid-stream reset with a fallback, a stall past the router's idle timeout and an
exhausted fallback chain. Expected values come from the canonical answer and the fakes'
journals, never from the router."""

import unittest

import openai

from midstream_sdk import (
    ANSWER, DUMMY_KEY, FIRST_3_WORDS, RESET_AFTER_3, SdkTestCase, billed_usage, check_sdk,
    is_strict_prefix, summary,
)

MESSAGES = [{"role": "user", "content": "Say the canonical answer."}]
STALL_AFTER_3 = {"at": "after_deltas", "n": 3, "action": "stall", "ms": 60_000}


class OpenAIChatThroughRouter(SdkTestCase):
    @classmethod
    def setUpClass(cls):
        check_sdk("openai")
        cls.fakes = cls.start_fakes({
            "primary": {"dialect": "openai-chat"},
            "backup": {"dialect": "openai-chat"},
            "claude": {"dialect": "anthropic"},
            "doomed": {"dialect": "openai-chat"},
            "doomed_backup": {"dialect": "openai-chat"},
        })

        def deployment(name, fake, model=None):
            return {"model_name": name, "litellm_params": {
                "model": model or f"openai/{name}", "api_base": cls.fakes.base_url(fake), "api_key": "sk-fake"}}

        def config(**settings):
            return {
                "model_list": [deployment("gpt-4o", "primary"), deployment("gpt-4o-backup", "backup"),
                               # An Anthropic primary: it reports input usage at message_start.
                               deployment("claude", "claude", "anthropic/claude-fake"),
                               deployment("doomed", "doomed"), deployment("doomed-backup", "doomed_backup")],
                "router_settings": {
                    "fallbacks": [{"gpt-4o": ["gpt-4o-backup"]}, {"claude": ["gpt-4o-backup"]}, {"doomed": ["doomed-backup"]}],
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

    def script_fallback(self, primary_fault=RESET_AFTER_3, primary="primary"):
        self.fakes.script(primary, [primary_fault])
        self.fakes.script("backup", ["ok"])

    def script_exhausted(self):
        self.fakes.script("doomed", [], RESET_AFTER_3)
        self.fakes.script("doomed_backup", [], RESET_AFTER_3)

    def fallback_usage(self, primary_ended="reset", primary_name="primary"):
        """Checks the journals of a continued answer; returns the billed (input, output)."""
        primary = self.fakes.journal(primary_name)
        backup = self.fakes.journal("backup")
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
        it may have got at most): the partial the router continued from, and that partial
        followed by what the fallback sent before its reset."""
        doomed = self.fakes.journal("doomed")
        backup = self.fakes.journal("doomed_backup")
        journals = f"doomed: {summary(doomed)}; doomed_backup: {summary(backup)}"
        self.assertEqual((len(doomed), len(backup)), (1, 1), f"one request each; {journals}")
        self.assertTrue(doomed[0]["fault_fired"] and backup[0]["fault_fired"], f"both planned resets fired; {journals}")
        self.assertTrue(backup[0]["continuation"], f"the fallback got a continuation request; {journals}")
        return backup[0]["partial"], backup[0]["partial"] + backup[0]["text_sent"]

    def assert_usage(self, usage, expected):
        self.assertIsNotNone(usage, "usage reached the SDK")
        self.assertEqual((usage.prompt_tokens, usage.completion_tokens), expected,
                         "usage (prompt, completion) = the sum of what the fakes reported (billed)")
        self.assertEqual(usage.total_tokens, sum(expected))

    def assert_partial(self, text, at_least, at_most):
        self.assertTrue(is_strict_prefix(text), f"the text is a strict prefix of the answer: {text!r}")
        self.assertTrue(text.startswith(at_least) and at_most.startswith(text),
                        f"the client got {text!r}: it must start with what the router had sent "
                        f"({at_least!r}) and be a prefix of what the fakes sent ({at_most!r})")

    # -- a reset after 3 deltas, continued on the fallback -------------------------------------

    def test_stream_create_reset_is_continued_exactly(self):
        self.script_fallback()
        client, http = self.client()
        stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True,
                                                stream_options={"include_usage": True})
        text, ids, roles, finish_reasons, usage = "", set(), 0, [], None
        for chunk in stream:
            ids.add(chunk.id)
            if chunk.usage:
                usage = chunk.usage
            for choice in chunk.choices:
                roles += 1 if choice.delta.role else 0
                text += choice.delta.content or ""
                if choice.finish_reason:
                    finish_reasons.append(choice.finish_reason)
        self.assertEqual(text, ANSWER, f"no gap, no repeat at the seam; the stream's last bytes: {http.tail()}")
        self.assertEqual(finish_reasons, ["stop"])
        self.assertEqual(roles, 1, "one role chunk: one preamble")
        self.assertEqual(len(ids), 1, "one completion id across the seam")
        self.assert_usage(usage, self.fallback_usage())

    def test_stream_helper_reset_is_continued_exactly(self):
        self.script_fallback()
        client, http = self.client()
        deltas = ""
        with client.chat.completions.stream(model="gpt-4o", messages=MESSAGES,
                                            stream_options={"include_usage": True}) as stream:
            for event in stream:
                if event.type == "content.delta":
                    deltas += event.delta
            completion = stream.get_final_completion()
        self.assertEqual(len(completion.choices), 1)
        self.assertEqual(completion.choices[0].message.content, ANSWER, http.tail())
        self.assertEqual(completion.choices[0].finish_reason, "stop")
        self.assertEqual(deltas, ANSWER)
        self.assert_usage(completion.usage, self.fallback_usage())

    def test_non_streamed_reset_is_continued_exactly(self):
        # The router streams from its upstreams for a non-streamed call too (docs/contract.md
        # section 5), so the reset after 3 deltas is continued and folded into one body.
        self.script_fallback()
        client, http = self.client()
        completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        self.assertEqual(completion.choices[0].message.content, ANSWER, http.tail())
        self.assertEqual(completion.choices[0].finish_reason, "stop")
        self.assert_usage(completion.usage, self.fallback_usage())

    def test_stream_anthropic_primary_reset_is_continued_with_billed_usage(self):
        # The Anthropic primary reported its input tokens at message_start before it died: the
        # billed usage counts them too (docs/contract.md section 5, usage).
        self.script_fallback(primary="claude")
        client, http = self.client()
        stream = client.chat.completions.create(model="claude", messages=MESSAGES, stream=True,
                                                stream_options={"include_usage": True})
        text, usage = "", None
        for chunk in stream:
            usage = chunk.usage or usage
            for choice in chunk.choices:
                text += choice.delta.content or ""
        self.assertEqual(text, ANSWER, http.tail())
        expected = self.fallback_usage(primary_name="claude")
        self.assertGreater(self.fakes.journal("claude")[0]["usage_sent"]["input_tokens"], 0,
                           "the primary reported usage before it died")
        self.assert_usage(usage, expected)

    # -- a stall past the router's idle timeout -------------------------------------------------

    def test_stall_is_continued_and_keepalive_comments_skipped(self):
        self.script_fallback(STALL_AFTER_3)
        client, http = self.client(self.stall_router)
        stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True,
                                                stream_options={"include_usage": True})
        text, usage = "", None
        for chunk in stream:
            usage = chunk.usage or usage
            for choice in chunk.choices:
                text += choice.delta.content or ""
        self.assertEqual(text, ANSWER, http.tail())
        self.assertRegex(http.recorded(), r"(?m)^: keep-alive$",
                         "the router sent SSE comments while the upstream was silent")
        # The router hung up on the stalled primary: the fake journals peer_closed.
        self.assert_usage(usage, self.fallback_usage(primary_ended="peer_closed"))

    # -- every deployment fails mid-answer ------------------------------------------------------

    def test_stream_create_exhausted_raises_with_a_strict_prefix(self):
        self.script_exhausted()
        client, http = self.client()
        stream = client.chat.completions.create(model="doomed", messages=MESSAGES, stream=True,
                                                stream_options={"include_usage": True})
        text, finish_reasons = "", []
        with self.assertRaises(openai.APIError,
                               msg="the SDK finished quietly: a truncated answer passed as complete") as raised:
            for chunk in stream:
                for choice in chunk.choices:
                    text += choice.delta.content or ""
                    if choice.finish_reason:
                        finish_reasons.append(choice.finish_reason)
        self.assertNotIsInstance(raised.exception, openai.APIConnectionError,
                                 f"the router's in-band error, not a broken connection: {raised.exception!r}; "
                                 f"the stream's last bytes: {http.tail()}")
        self.assertEqual(finish_reasons, [], "no finish_reason after a failure")
        self.assert_partial(text, *self.exhausted_journals())

    def test_stream_helper_exhausted_raises_with_a_strict_prefix(self):
        self.script_exhausted()
        client, http = self.client()
        deltas = ""
        with self.assertRaises(openai.APIError,
                               msg="the helper finished quietly: a truncated answer passed as complete") as raised:
            with client.chat.completions.stream(model="doomed", messages=MESSAGES) as stream:
                for event in stream:
                    if event.type == "content.delta":
                        deltas += event.delta
                stream.get_final_completion()
        self.assertNotIsInstance(raised.exception, openai.APIConnectionError, http.tail())
        self.assert_partial(deltas, *self.exhausted_journals())

    def test_non_streamed_exhausted_is_an_http_error(self):
        # Nothing was committed to a non-streamed client: it gets a real error status, 502 for
        # a transport failure (docs/contract.md section 5, the commit point), never a 200.
        self.script_exhausted()
        client, http = self.client()
        with self.assertRaises(openai.APIStatusError) as raised:
            client.chat.completions.create(model="doomed", messages=MESSAGES)
        self.assertEqual(raised.exception.status_code, 502, http.tail())
        self.assertIsInstance(raised.exception, openai.InternalServerError)
        self.exhausted_journals()


if __name__ == "__main__":
    unittest.main(verbosity=2)
