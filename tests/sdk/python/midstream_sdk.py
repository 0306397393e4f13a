"""Shared helper of the Python SDK tests (the Python twin of tests/sdk/midstream.mjs).

Starts `midstream fakes` and `midstream router` as child processes on port 0, parses the URLs
they print, talks to the fakes' admin API, checks that the pinned SDKs are the ones installed,
and gives every SDK client an HTTP client that refuses any host but 127.0.0.1 and records the
bytes of the last response body. Every child is bounded: a ready timeout, a maximum lifetime
(coreutils `timeout`, in a process group of its own) and stop() in the tests' class cleanups.
Python's standard library only (the SDKs' own httpx2 for the clients).
"""

from __future__ import annotations

import atexit
import faulthandler
import gzip
import importlib.metadata
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent

# fakes/provider_config.h kDefaultAnswer: the text every fake answers unless told otherwise.
ANSWER = (
    "The quick brown fox jumps over the lazy dog while the careful router keeps every word of "
    "the answer exactly once, in order."
)

# A dummy key: the fakes and the router never check it, and no request leaves 127.0.0.1.
DUMMY_KEY = "sk-midstream-dummy"

RESET_AFTER_3 = {"at": "after_deltas", "n": 3, "action": "reset"}
FIRST_3_WORDS = "The quick brown"

# Generous: the machine may be slow and busy. A client waits at most CLIENT_TIMEOUT_S for any
# read; a child must print its URLs within READY_TIMEOUT_S and lives at most MAX_LIFETIME_S.
CLIENT_TIMEOUT_S = 30.0
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0
MAX_LIFETIME_S = 300
SETTLE_S = 10.0


# ---------------------------------------------------------------------------------------------
# The binary and the SDKs


def midstream_binary() -> str:
    from_env = os.environ.get("MIDSTREAM_BINARY")
    if from_env:
        if not os.path.exists(from_env):
            raise RuntimeError(f"MIDSTREAM_BINARY={from_env} does not exist")
        return from_env
    guess = (HERE / "../../../build/cli/midstream").resolve()
    if guess.exists():
        return str(guess)
    raise RuntimeError(f"set MIDSTREAM_BINARY to the midstream executable (ctest sets it), or build {guess}")


def pinned_version(package: str) -> str:
    """The version requirements.txt pins for package."""
    text = (HERE / "requirements.txt").read_text()
    found = re.search(rf"^{re.escape(package)}==(\S+)", text, re.MULTILINE)
    if not found:
        raise RuntimeError(f"requirements.txt pins no {package}")
    return found.group(1)


def check_sdk(package: str) -> str:
    """Fails unless the installed package is the version requirements.txt pins, so a stale venv
    is noticed instead of tested."""
    installed = importlib.metadata.version(package)
    pinned = pinned_version(package)
    if installed != pinned:
        raise RuntimeError(f"{package} {installed} is installed but requirements.txt pins {pinned}: "
                           "re-run the sdk_python_pip_install test")
    return installed


# ---------------------------------------------------------------------------------------------
# HTTP: the admin API (urllib, no proxy) and the SDKs' clients (httpx2, loopback only)

_no_proxy_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _require_loopback(url: str, what: str) -> str:
    host = urllib.parse.urlsplit(url).hostname
    if host != "127.0.0.1":
        raise RuntimeError(f"{what} is not on 127.0.0.1: {url}")
    return url


def _admin(method: str, url: str, body=None):
    _require_loopback(url, "admin API")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    with _no_proxy_opener.open(request, timeout=CLIENT_TIMEOUT_S) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def loopback_http_client():
    """An httpx2.Client for an SDK: refuses any host but 127.0.0.1 (a mistake in a base URL can
    never reach a public host), ignores proxy settings, asks for `Connection: close` (an idle
    keep-alive connection would hold the router's shutdown) and records the bytes of the last
    response body it returned: client.recorded() and client.tail() quote them in a failure."""
    import httpx2

    recorded: list[bytes] = []

    class _RecordingStream(httpx2.SyncByteStream):
        def __init__(self, inner):
            self._inner = inner

        def __iter__(self):
            for chunk in self._inner:
                recorded.append(bytes(chunk))
                yield chunk

        def close(self):
            self._inner.close()

    class _LoopbackTransport(httpx2.BaseTransport):
        def __init__(self):
            self._inner = httpx2.HTTPTransport(trust_env=False)

        def handle_request(self, request):
            if request.url.host != "127.0.0.1":
                raise httpx2.ConnectError(f"refusing a request to {request.url}: tests stay on 127.0.0.1",
                                          request=request)
            request.headers["connection"] = "close"
            recorded.clear()
            response = self._inner.handle_request(request)
            return httpx2.Response(status_code=response.status_code, headers=response.headers,
                                   stream=_RecordingStream(response.stream), extensions=response.extensions)

        def close(self):
            self._inner.close()

    def body() -> str:
        raw = b"".join(recorded)
        if raw.startswith(b"\x1f\x8b"):  # a non-streamed body the router gzipped
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError):
                pass
        return raw.decode("utf-8", "replace")

    client = httpx2.Client(transport=_LoopbackTransport(), trust_env=False, timeout=CLIENT_TIMEOUT_S)
    client.recorded = body
    client.tail = lambda n=600: repr(body()[-n:])
    return client


# ---------------------------------------------------------------------------------------------
# Child processes

_live: set[subprocess.Popen] = set()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass


@atexit.register
def _kill_leftovers() -> None:
    for proc in list(_live):
        _signal_group(proc, signal.SIGKILL)


class Child:
    """`midstream ARGS...` in a process group of its own, under coreutils `timeout` when present."""

    def __init__(self, label: str, args: list[str]):
        self.label = label
        binary = midstream_binary()
        timeout = shutil.which("timeout")
        argv = [timeout, "-k", "5", str(MAX_LIFETIME_S), binary, *args] if timeout else [binary, *args]
        self.stderr_file = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.stderr_file, start_new_session=True, text=True)
        _live.add(self.proc)
        self.stdout_lines: list[str] = []
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.stdout_lines.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def stderr(self) -> str:
        self.stderr_file.seek(0)
        return self.stderr_file.read().decode("utf-8", "replace")

    def wait_for(self, pattern: re.Pattern) -> re.Match:
        """The first stdout line matching pattern; raises with what the child printed when it
        exits first or READY_TIMEOUT_S pass."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(f"not ready within {READY_TIMEOUT_S} s")
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait()
                self._fail(f"exited early (status {self.proc.returncode})")
            found = pattern.match(line)
            if found:
                return found

    def _fail(self, why: str):
        stdout = "\n".join(self.stdout_lines)
        raise RuntimeError(f"{self.label}: {why}\nstdout:\n{stdout}\nstderr:\n{self.stderr()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc, signal.SIGKILL)
                self.proc.wait()
        _live.discard(self.proc)
        self.stderr_file.close()
        return self.proc.returncode


def _write_config(prefix: str, config: dict) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"midstream-pysdk-{prefix}-"))
    path = folder / "config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


# ---------------------------------------------------------------------------------------------
# Fakes

_FAKE_LINE = re.compile(r"^fake (\S+) \((\S+)\) at (http://\S+)$")
_ADMIN_LINE = re.compile(r"^admin API at (http://\S+)$")


class Fakes:
    """`midstream fakes --config FILE`: providers is {"NAME": {"dialect": ..., ...}} as
    `midstream fakes --help` describes."""

    def __init__(self, providers: dict):
        self.config = _write_config("fakes", {"providers": providers})
        self.child = None
        try:
            self.child = Child("midstream fakes", ["fakes", "--config", str(self.config)])
            admin = self.child.wait_for(_ADMIN_LINE)
            self.admin_url = _require_loopback(admin.group(1), "admin API")
            self.base_urls = {}
            for line in self.child.stdout_lines:
                fake = _FAKE_LINE.match(line)
                if fake:
                    self.base_urls[fake.group(1)] = _require_loopback(fake.group(3), fake.group(1))
            for name in providers:
                if name not in self.base_urls:
                    raise RuntimeError(f"midstream fakes printed no URL for {name}")
        except BaseException:
            self.stop()
            raise

    def base_url(self, name: str) -> str:
        """The fake's base URL, http://127.0.0.1:PORT/v1."""
        return self.base_urls[name]

    def origin(self, name: str) -> str:
        """http://127.0.0.1:PORT: the Anthropic SDK appends /v1/messages itself."""
        parts = urllib.parse.urlsplit(self.base_urls[name])
        return f"{parts.scheme}://{parts.netloc}"

    def script(self, name: str, script: list, then="ok") -> None:
        """Replaces a fake's script (its request counter starts again) and clears its journal."""
        _admin("PUT", f"{self.admin_url}/{name}/script", {"script": script, "then": then})
        _admin("DELETE", f"{self.admin_url}/{name}/journal")

    def journal(self, name: str) -> list:
        """The fake's journal once every exchange in it has ended (at most SETTLE_S): a fake
        notices a router's hang-up by polling, so an exchange the router just abandoned may
        still read `open` for a moment."""
        deadline = time.monotonic() + SETTLE_S
        while True:
            entries = _admin("GET", f"{self.admin_url}/{name}/journal")
            if all(entry.get("ended") != "open" for entry in entries) or time.monotonic() > deadline:
                return entries
            time.sleep(0.05)

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()
        shutil.rmtree(self.config.parent, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Router

_ROUTER_LINE = re.compile(r"^midstream router listening on (http://\S+)$")


class Router:
    """`midstream router --config FILE --port 0 [--defect D]...`; config is LiteLLM-shaped.
    MIDSTREAM_SDK_DEFECTS (comma-separated) adds defect switches to every router a test starts:
    how the README shows that each test can fail."""

    def __init__(self, config: dict, defects: list[str] | None = None):
        defects = list(defects or [])
        defects += [d for d in os.environ.get("MIDSTREAM_SDK_DEFECTS", "").split(",") if d]
        self.config = _write_config("router", config)
        args = ["router", "--config", str(self.config), "--port", "0"]
        for defect in defects:
            args += ["--defect", defect]
        self.child = None
        try:
            self.child = Child("midstream router", args)
            self.url = _require_loopback(self.child.wait_for(_ROUTER_LINE).group(1), "router")
        except BaseException:
            self.stop()
            raise

    @property
    def base_url(self) -> str:
        """An OpenAI client's base URL: the router serves /v1/chat/completions and /v1/responses."""
        return f"{self.url}/v1"

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()
        shutil.rmtree(self.config.parent, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Expectations computed from the fakes' journals, never from the router


def billed_usage(*journals: list) -> tuple[int, int]:
    """(input, output) the router reports under its default `billed` policy: the sum of the last
    usage each attempt reported (docs/contract.md section 5). Attempts that died before reporting
    usage add nothing."""
    total_in = total_out = 0
    for journal in journals:
        for entry in journal:
            usage = entry.get("usage_sent")
            if usage:
                total_in += usage["input_tokens"]
                total_out += usage["output_tokens"]
    return total_in, total_out


def summary(journal: list) -> str:
    """The fields of a journal a failure message needs."""
    keys = ("index", "ended", "fault_fired", "continuation", "partial", "text_sent", "usage_sent")
    return json.dumps([{key: entry.get(key) for key in keys} for entry in journal])


def is_strict_prefix(text: str) -> bool:
    """A non-empty beginning of the answer that is not the whole answer."""
    return 0 < len(text) < len(ANSWER) and ANSWER.startswith(text)


# ---------------------------------------------------------------------------------------------
# The test case base


class SdkTestCase(unittest.TestCase):
    """unittest has no per-test timeout: a watchdog dumps every thread's stack and exits when a
    test runs longer than TEST_TIMEOUT_S, so a hang names its test and line instead of waiting
    for ctest's timeout."""

    TEST_TIMEOUT_S = 120

    def setUp(self):
        faulthandler.dump_traceback_later(self.TEST_TIMEOUT_S, exit=True)
        self.addCleanup(faulthandler.cancel_dump_traceback_later)

    @classmethod
    def start_fakes(cls, providers: dict) -> Fakes:
        fakes = Fakes(providers)
        cls.addClassCleanup(fakes.stop)
        return fakes

    @classmethod
    def start_router(cls, config: dict, defects: list[str] | None = None) -> Router:
        router = Router(config, defects)
        cls.addClassCleanup(router.stop)
        return router

    def http_client(self):
        http = loopback_http_client()
        self.addCleanup(http.close)
        return http
