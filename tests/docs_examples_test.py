#!/usr/bin/env python3
"""Every `midstream ...` command the docs show still works, so the docs cannot drift.

  docs_examples_test.py --midstream BIN --source DIR [--work DIR] [--list] [--only REGEX]

Where commands come from:
  - the shell blocks (```sh) of README.md, every folder README (README.md anywhere in the tree)
    and docs/*.md, spelled `midstream`, `build/cli/midstream`, `$ build/cli/midstream` or through
    a variable (`M=build/cli/midstream` ... `$M run`); `\\` and `&&` continue a line;
  - the example lines of `midstream --help` and of every subcommand's `--help`;
  - inline code spans in those docs that start with `midstream ` (prose, not examples).
And the scenarios: every ```json or ```jsonc block with "id" and "providers" (`//` comments
stripped) is a scenario file that must load and PASS against the reference router.

What each gets:
  - every command: its subcommand exists (`midstream --help`), every --flag is one that
    subcommand's --help names, and every path into the source tree (scenarios/..., docs/...) exists,
    so an example naming scenarios/3-midstream fails;
  - the commands of shell blocks and --help examples also run, in a temp directory with a copy of
    the catalogue (other top-level folders linked), on 127.0.0.1, with the binary under test put
    in for every spelling of `midstream`, and must exit 0, or the status the example documents:
    a comment saying "exit N", or 1 for a run with a --defect switch (the point is to watch it
    FAIL). To stay short, a run of the catalogue or a folder gets `--filter` with its first id
    (`3.1` with --shard), load and soak get fewer streams, fixed ports become free ones, paths
    under /tmp/ go into the temp directory, and inputs a doc takes from somewhere else (a
    results.json of an earlier run) are made by two small runs. A server (`midstream router`,
    `midstream fakes`) must start and stop cleanly on SIGTERM; one started with `&` serves the
    rest of its block (the url-target walk-through runs whole). `jq` lines run when jq is
    installed; `$ cat FILE` in a prompt block writes the FILE shown;
  - inline spans are checked, not run (they are often fragments: `midstream run --target`).

What is skipped, and why, is printed: synopses with placeholders (FILE, N, [--json]), recipes
with shell variables, `selftest` (the catalogue once per defect switch: minutes; ctest
cli_selftest runs it), peers that install themselves or are not installed (portkey: npm ci;
litellm: pip; nginx when it is missing), a url target without a router started before it,
background jobs beside other tools, and commands that need the output of a skipped one.

Exits 0 when every command held, 1 otherwise (each failure names the doc, the line and why).
"""
import argparse
import glob
import json
import os
import pathlib
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BOOLEAN_FLAGS = {"--verbose", "--deployments-only", "--json", "--quiet", "--no-stream", "--force",
                 "--log", "--no-upstream-reuse", "--allow-non-loopback", "--help", "--version"}
SERVERS = {"router", "fakes"}
PEER_REASONS = {
    "portkey": "the portkey target installs the Portkey gateway with npm ci (a peer; ctest portkey_npm_ci)",
    "litellm": "the litellm target installs LiteLLM with pip (a peer; ctest peer_litellm)",
}
COMMAND_TIMEOUT = 600
PLACEHOLDER_PIECE = re.compile(r"^[A-Z][A-Z0-9_]*$")
SHELL_LANGS = {"sh", "bash", "shell", "console"}


class Failure(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Reading the docs

def doc_files(source):
    skip = re.compile(r"^(build[^/]*|node_modules|\.[^/]*)$")
    found = []
    for root, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if not skip.match(d) and d != "node_modules")
        if "README.md" in files:
            found.append(pathlib.Path(root, "README.md"))
    found += sorted(pathlib.Path(source, "docs").glob("*.md"))
    top = pathlib.Path(source, "README.md")
    return [top] + sorted(p for p in found if p != top)


def fenced_blocks(text):
    """(language, [(line number, line)]) for every fenced block, and the text outside them."""
    blocks, outside, current, lang = [], [], None, ""
    for number, line in enumerate(text.split("\n"), 1):
        match = re.match(r"^\s*```(\S*)", line)
        if match:
            if current is None:
                current, lang = [], match.group(1)
            else:
                blocks.append((lang, current))
                current = None
            outside.append("")
            continue
        if current is None:
            outside.append(line)
        else:
            current.append((number, line))
            outside.append("")
    return blocks, "\n".join(outside)


def split_comment(line):
    """The line without its shell comment, and the comment."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def logical_lines(numbered):
    """Joins `\\` and `&&` / `|` continuations: [(first line number, code, comment)]."""
    out, pending, first, comments = [], "", None, []
    for number, raw in numbered:
        code, comment = split_comment(raw)
        if first is None:
            first = number
        if comment:
            comments.append(comment)
        stripped = code.strip()
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        if stripped.endswith("&&") or stripped.endswith("|"):
            pending += stripped + " "
            continue
        pending += stripped
        if pending.strip() or comments:
            out.append((first, pending.strip(), " ".join(comments)))
        pending, first, comments = "", None, []
    if pending.strip():
        out.append((first, pending.strip(), " ".join(comments)))
    return out


def split_segments(code):
    """[(segment, separator after it)] split at ;, &&, ||, | and a background &, quote-aware."""
    segments, current, quote, i = [], "", None, 0
    while i < len(code):
        ch = code[i]
        if quote:
            current += ch
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            current += ch
            i += 1
            continue
        two = code[i:i + 2]
        if two in ("&&", "||"):
            segments.append((current.strip(), two))
            current, i = "", i + 2
            continue
        if ch == "&" and not current.rstrip().endswith(">") and code[i - 1:i] != ">":
            segments.append((current.strip(), "&"))
            current, i = "", i + 1
            continue
        if ch in ";|":
            segments.append((current.strip(), ch))
            current, i = "", i + 1
            continue
        current += ch
        i += 1
    if current.strip():
        segments.append((current.strip(), ""))
    return [(s, sep) for s, sep in segments if s]


def is_midstream_word(word, aliases):
    if word in aliases:
        return True
    return word == "midstream" or (word.endswith("/midstream") and not word.startswith("$"))


def strip_wrappers(words):
    """Drops env assignments, nohup, time and /usr/bin/time -v in front of a command."""
    i = 0
    while i < len(words):
        w = words[i]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w) or w in ("nohup", "time", "env", "do", "then"):
            i += 1
        elif w == "/usr/bin/time":
            i += 1
            while i < len(words) and words[i].startswith("-"):
                i += 1
        else:
            break
    return words[i:]


class Command:
    def __init__(self, where, kind, words, comment="", background=False, stdout=None, raw=""):
        self.where, self.kind, self.words, self.comment = where, kind, words, comment
        self.background, self.stdout, self.raw = background, stdout, raw

    def __str__(self):
        return self.raw or " ".join(self.words)


class Step:
    """One thing a block does, in order: a midstream command, a jq line, a file, a kill."""

    def __init__(self, kind, where, payload):
        self.kind, self.where, self.payload = kind, where, payload


def parse_segment(segment, aliases):
    """The words of a midstream command in this segment (binary first), its stdout file, or None."""
    stdout = None
    segment = re.sub(r"\s2>&1", " ", segment)
    segment = re.sub(r"\s2>\s*\S+", " ", segment)
    match = re.search(r"\s>\s*(\S+)", segment)
    if match:
        stdout = match.group(1)
        segment = segment[:match.start()] + segment[match.end():]
    try:
        words = shlex.split(segment)
    except ValueError:
        return None, None
    words = strip_wrappers(words)
    if not words or not is_midstream_word(words[0], aliases):
        # `$M run ...` with M=build/cli/midstream: shlex keeps "$M" as a word.
        return None, None
    return words, stdout


def block_steps(doc, lang, numbered):
    """The steps of one shell block."""
    aliases = set()
    prompt = any(line.startswith("$ ") for _, line in numbered)
    kept, cat_target, cat_lines = [], None, []

    def close_cat():
        nonlocal cat_target, cat_lines
        if cat_target:
            steps_order.append((cat_first, Step("file", f"{doc}:{cat_first}", (cat_target, "\n".join(cat_lines) + "\n"))))
        cat_target, cat_lines = None, []

    steps_order = []
    cat_first = None
    if prompt:
        # Lines after a `$ ` line are its output, unless the command line continued with `\`.
        continuing = False
        for number, line in numbered:
            if line.startswith("$ "):
                close_cat()
                kept.append((number, line[2:]))
                match = re.match(r"^\$ cat (\S+)\s*$", line)
                if match:
                    cat_target, cat_first = match.group(1), number
                continuing = line.rstrip().endswith("\\")
            elif continuing:
                kept.append((number, line))
                continuing = line.rstrip().endswith("\\")
            elif cat_target:
                cat_lines.append(line)
        close_cat()
    else:
        kept = numbered
    for number, code, comment in logical_lines(kept):
        alias = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(\S*midstream)$", code)
        if alias:
            aliases.add("$" + alias.group(1))
            continue
        segments = split_segments(code)
        for index, (segment, separator) in enumerate(segments):
            if index > 0 and segments[index - 1][1] == "|":
                continue  # downstream of a pipe
            words, stdout = parse_segment(segment, aliases)
            where = f"{doc}:{number}"
            if words:
                if words[0] in aliases:
                    words[0] = "midstream"
                steps_order.append((number, Step("midstream", where, Command(
                    where, "block", words, comment, separator == "&", stdout, segment))))
            elif re.match(r"^jq\s", segment) and "$" not in segment:
                steps_order.append((number, Step("jq", where, segment)))
            elif re.match(r"^kill\s+%\d", segment):
                steps_order.append((number, Step("kill", where, segment)))
    steps_order.sort(key=lambda pair: pair[0])
    return [step for _, step in steps_order]


def inline_commands(doc, outside):
    out = []
    for match in re.finditer(r"`([^`]+)`", outside):
        text = " ".join(match.group(1).split())
        if not re.match(r"^(\S*/)?midstream\s", text):
            continue
        line = outside.count("\n", 0, match.start()) + 1
        try:
            words = shlex.split(text)
        except ValueError:
            words = text.split()
        out.append(Command(f"{doc}:{line}", "inline", words, raw=text))
    return out


def strip_json_comments(text):
    out = []
    for line in text.split("\n"):
        quote, escaped, cut = False, False, None
        for i, ch in enumerate(line):
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quote = not quote
            elif not quote and line.startswith("//", i):
                cut = i
                break
        out.append(line if cut is None else line[:cut])
    return "\n".join(out)


def scenario_blocks(doc, blocks):
    found = []
    for lang, numbered in blocks:
        if lang not in ("json", "jsonc"):
            continue
        text = "\n".join(line for _, line in numbered)
        if '"providers"' not in text or '"id"' not in text:
            continue
        where = f"{doc}:{numbered[0][0] - 1 if numbered else 0}"
        try:
            scenario = json.loads(strip_json_comments(text))
        except json.JSONDecodeError as error:
            found.append((where, None, f"not valid JSON: {error}"))
            continue
        found.append((where, scenario, None))
    return found


# ---------------------------------------------------------------------------------------------
# The binary's own help

class Cli:
    def __init__(self, binary):
        self.binary = binary
        top = self.help([])
        self.top_help = top
        self.subcommands = []
        in_commands = False
        for line in top.split("\n"):
            if line.startswith("commands:"):
                in_commands = True
                continue
            if in_commands:
                match = re.match(r"^  (\S+)", line)
                if match:
                    self.subcommands.append(match.group(1))
                elif line and not line.startswith(" "):
                    in_commands = False
        if not self.subcommands:
            raise Failure(f"`{binary} --help` lists no subcommands:\n{top}")
        self.helps = {sub: self.help([sub]) for sub in self.subcommands}
        self.flags = {sub: set(re.findall(r"--[a-z][a-z0-9-]*", text)) | {"--help"}
                      for sub, text in self.helps.items()}

    def help(self, sub):
        run = subprocess.run([self.binary] + sub + ["--help"], capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            raise Failure(f"`midstream {' '.join(sub + ['--help'])}` exited {run.returncode}: {run.stderr}")
        return run.stdout + run.stderr

    def help_steps(self):
        """(name, steps) per help text: the example lines, run in order in one directory."""
        per_help = []
        for sub, text in [("", self.top_help)] + list(self.helps.items()):
            steps = []
            name = f"`midstream {sub + ' ' if sub else ''}--help`"
            lines = [(n, line) for n, line in enumerate(text.split("\n"), 1)]
            candidates, carrying = [], False
            for number, line in lines:
                stripped = line.strip()
                # An example names a subcommand or an option; prose and output lines
                # ("midstream writes ...", "midstream 0.2.0 (commit ...)") do not.
                second = stripped.split()[1] if len(stripped.split()) > 1 else ""
                example = stripped.startswith("midstream ") and (second in self.subcommands or second.startswith("--"))
                if example or carrying:
                    candidates.append((number, stripped))
                    code = split_comment(stripped)[0]
                    carrying = code.endswith("\\") or code.endswith("&&") or code.endswith("|")
            for number, code, comment in logical_lines(candidates):
                for segment, separator in split_segments(code):
                    words, stdout = parse_segment(segment, set())
                    if words:
                        where = f"{name} line {number}"
                        steps.append(Step("midstream", where, Command(
                            where, "help", words, comment, separator == "&", stdout, segment)))
            per_help.append((f"help-{sub or 'midstream'}", steps))
        return per_help


# ---------------------------------------------------------------------------------------------
# Checking and running

def option_value(words, flag):
    for i, w in enumerate(words):
        if w == flag and i + 1 < len(words):
            return words[i + 1]
        if w.startswith(flag + "="):
            return w.split("=", 1)[1]
    return None


def option_values(words, flag):
    values = []
    for i, w in enumerate(words):
        if w == flag and i + 1 < len(words):
            values.append(words[i + 1])
        elif w.startswith(flag + "="):
            values.append(w.split("=", 1)[1])
    return values


def subcommand(words):
    """(subcommand or None for global flags, arguments after it)."""
    rest = words[1:]
    if rest and not rest[0].startswith("-"):
        return rest[0], rest[1:]
    return None, rest


def positionals(args):
    out, skip = [], False
    for w in args:
        if skip:
            skip = False
            continue
        if w.startswith("--"):
            if "=" not in w and w not in BOOLEAN_FLAGS:
                skip = True
            continue
        out.append(w)
    return out


def placeholder(words):
    for w in words[1:]:
        if w.startswith("[") or "..." in w or w in ("<command>", "SUB"):
            return w
        for piece in re.split(r"[=/:.,@\s]+", w):
            if PLACEHOLDER_PIECE.match(piece) and not w.startswith("cmd="):
                return w
    return None


def repo_path_tokens(words, top_dirs):
    """(token, is_output) for each argument that names a path in the source tree."""
    out, after = [], None
    for w in words[1:]:
        value = w.split("=", 1)[1] if w.startswith("--") and "=" in w else w
        is_output = after in ("--out",)
        after = w if w.startswith("--") else None
        first = value.lstrip("./").split("/", 1)[0]
        if "/" in value and first in top_dirs and not value.startswith("/"):
            out.append((value, is_output))
    return out


def static_check(cmd, cli, source, top_dirs):
    """Problems with a command, whatever kind it is."""
    problems = []
    sub, args = subcommand(cmd.words)
    if sub is not None and sub not in cli.subcommands:
        problems.append(f"`midstream {sub}` is no subcommand (midstream --help lists: {', '.join(cli.subcommands)})")
        return problems
    known = cli.flags.get(sub, {"--help", "--version"}) if sub else {"--help", "--version"}
    for w in args:
        if w.startswith("--"):
            flag = w.split("=", 1)[0]
            if flag not in known:
                problems.append(f"`{flag}` is not an option of `midstream {sub or ''}` (see its --help)")
    for token, is_output in repo_path_tokens(cmd.words, top_dirs):
        if "{" in token or placeholder(["midstream", token]):
            continue
        path = pathlib.Path(source, token)
        if is_output:
            if not path.parent.exists():
                problems.append(f"`{token}`: its folder {path.parent.relative_to(source)} does not exist in the source tree")
        elif not glob.glob(str(path)):
            problems.append(f"`{token}` does not exist in the source tree")
    return problems


def free_port(span=1):
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + span >= 65535:
            continue
        ok = True
        for port in range(base, base + span):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise Failure("no free loopback port")


class Runner:
    def __init__(self, args, cli):
        self.binary = os.path.abspath(args.midstream)
        self.source = pathlib.Path(args.source).resolve()
        self.cli = cli
        self.work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="midstream-docs-")).resolve()
        self.work.mkdir(parents=True, exist_ok=True)
        self.top_dirs = {p.name for p in self.source.iterdir() if p.is_dir() and not p.name.startswith(".")
                         and not p.name.startswith("build")}
        self.failures, self.skips, self.ran = [], [], 0
        self.seeds = None
        self.list_only = args.list
        self.only = re.compile(args.only) if args.only else None
        self.verbose = args.verbose

    # -- output
    def fail(self, where, what, detail):
        self.failures.append((where, what, detail))
        print(f"FAIL {where}: {what}\n     {detail}", flush=True)

    def skip(self, where, what, reason):
        self.skips.append((where, what, reason))
        print(f"SKIP {where}: {what}\n     {reason}", flush=True)

    def ok(self, where, what, detail=""):
        self.ran += 1
        print(f"ok   {where}: {what}{'  (' + detail + ')' if detail else ''}", flush=True)

    # -- a fresh directory per doc: a copy of the catalogue, the rest of the tree linked
    def workdir(self, name):
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")
        d = self.work / slug
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        shutil.copytree(self.source / "scenarios", d / "scenarios")
        for entry in self.source.iterdir():
            if entry.name in ("scenarios",) or entry.name.startswith(".") or entry.name.startswith("build"):
                continue
            (d / entry.name).symlink_to(entry)
        (d / "tmp").mkdir()
        return d

    def seed_results(self):
        """Two small runs whose results.json stand in for inputs a doc made elsewhere."""
        if self.seeds is None:
            self.seeds = []
            for i, sid in enumerate(("3.1.1", "3.1.2")):
                out = self.work / "seed" / f"run{i}"
                run = subprocess.run([self.binary, "run", "--filter", sid, "--out", str(out)],
                                     capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
                if run.returncode != 0:
                    raise Failure(f"the seed run of {sid} exited {run.returncode}: {run.stdout}{run.stderr}")
                self.seeds.append(out / "results.json")
        return self.seeds

    # -- one block (or one --help text) of steps
    def run_steps(self, name, steps):
        if self.only:
            steps = [s for s in steps if self.only.search(s.where + " " + str(s.payload))]
        if not steps:
            return
        cwd = None if self.list_only else self.workdir(name)
        state = {"servers": [], "skipped_outputs": set(), "ports": {}, "seed_index": 0}
        try:
            for step in steps:
                if step.kind == "file":
                    target, content = step.payload
                    if cwd:
                        (cwd / target).write_text(content)
                    continue
                if step.kind == "jq":
                    self.run_jq(step, cwd, state)
                    continue
                if step.kind == "kill":
                    self.stop_servers(state, step.where)
                    continue
                self.run_command(step.payload, cwd, state)
        finally:
            self.stop_servers(state, name)

    def run_jq(self, step, cwd, state):
        if self.list_only:
            print(f"jq   {step.where}: {step.payload}")
            return
        if not shutil.which("jq"):
            self.skip(step.where, step.payload, "jq is not installed; later commands that need its output are skipped")
            return
        run = subprocess.run(["bash", "-c", step.payload], cwd=cwd, capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            self.fail(step.where, step.payload, f"exited {run.returncode}: {run.stderr.strip()}")

    def stop_servers(self, state, where):
        for proc, cmd in state["servers"]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    self.fail(cmd.where, str(cmd), "did not stop within 15 s of SIGTERM")
                    continue
            if proc.returncode != 0:
                self.fail(cmd.where, str(cmd), f"exited {proc.returncode} on SIGTERM (expected 0)")
        state["servers"] = []

    def skip_reason(self, cmd, sub, args, state):
        words = cmd.words
        hole = placeholder(words)
        if hole:
            return f"a synopsis with the placeholder {hole!r} (checked, not run)"
        if any("$" in w for w in words):
            return "a recipe with shell variables (checked, not run)"
        if sub == "selftest":
            return "selftest runs the catalogue once per defect switch (minutes); ctest cli_selftest runs it"
        for target in option_values(words, "--target"):
            kind = re.split(r"[=@]", target, maxsplit=1)[0]
            if kind in PEER_REASONS:
                return PEER_REASONS[kind]
            if kind == "nginx" and not shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin"):
                return "Debian's nginx is not installed (a peer; ctest peer_nginx)"
            if kind == "url" and "--deployments-only" not in words and not state["servers"]:
                return "the url target needs a router the user starts and configures"
            if kind == "cmd":
                program = strip_wrappers(shlex.split(target[4:]))[:1]
                if not program or not is_midstream_word(program[0], set()):
                    return f"a router command not installed here ({' '.join(program) or 'empty'})"
        if cmd.background and sub not in SERVERS:
            return "runs in the background beside other tools (checked, not run)"
        for value in positionals(args) + option_values(words, "--config"):
            for out in state["skipped_outputs"]:
                if value == out or value.startswith(out.rstrip("/") + "/"):
                    return f"needs {value}, which a skipped command writes"
        return None

    def expected_status(self, cmd, sub):
        match = re.search(r"\bexits?\s+(\d+)", cmd.comment)
        if match:
            return int(match.group(1))
        if sub in ("run", "soak") and option_values(cmd.words, "--defect"):
            return 1
        return 0

    def map_ports(self, words, state):
        """Fixed ports become free ones, the same one for the same number within a block."""
        def port_for(number, span=1):
            if number not in state["ports"]:
                state["ports"][number] = free_port(span)
            return str(state["ports"][number])

        out, i = [], 0
        while i < len(words):
            w = words[i]
            if w in ("--port", "--admin-port") and i + 1 < len(words) and words[i + 1] != "0":
                out += [w, port_for(words[i + 1])]
                i += 2
                continue
            if w in ("--fakes-port-base", "--port-base") and i + 1 < len(words):
                out += [w, port_for(words[i + 1], 16)]
                i += 2
                continue
            w = re.sub(r"(http://(?:127\.0\.0\.1|localhost):)(\d+)",
                       lambda m: m.group(1) + port_for(m.group(2)), w)
            out.append(w)
            i += 1
        return out

    def prepare(self, cmd, sub, args, cwd, state):
        """The argv to run: the binary, shorter runs, free ports, /tmp in the work dir."""
        words = [self.binary] + list(cmd.words[1:])
        words = [re.sub(r"^(cmd=(?:env\s+(?:\S+=\S+\s+)*)?)(\S*/)?midstream(?=\s)", lambda m: m.group(1) + self.binary, w)
                 for w in words]
        words = words[:1] + [str(cwd) + w if w.startswith("/tmp/") else w for w in words[1:]]
        words = words[:1] + [re.sub(r"^(--[a-z-]+=)/tmp/", lambda m: m.group(1) + str(cwd) + "/tmp/", w)
                             for w in words[1:]]
        words = self.map_ports(words, state)
        if sub == "run" and not option_values(words, "--filter"):
            paths = positionals(args)
            targets = option_values(words, "--target")
            if any(t.split("=")[0] == "nginx" for t in targets):
                words += ["--filter", "2.1.1"]
            elif not paths or any((cwd / p).is_dir() for p in paths):
                listing = subprocess.run([self.binary, "list"] + paths, cwd=cwd, capture_output=True, text=True,
                                         timeout=120)
                first = listing.stdout.split()[0] if listing.returncode == 0 and listing.stdout.split() else "3.1.1"
                if option_values(words, "--shard"):
                    first = ".".join(first.split(".")[:2])
                words += ["--filter", first]
        if sub == "load":
            for flag, value in (("--streams", "64"), ("--concurrency", "8"), ("--switchover-streams", "16"),
                                ("--rounds", "1"), ("--seconds", "60")):
                words = self.set_option(words, flag, value)
        if sub == "soak":
            streams = option_value(words, "--streams")
            if not option_values(words, "--only-stream"):
                words = self.set_option(words, "--streams", str(min(int(streams or 2000), 300)))
            limit = option_value(words, "--duration-limit")
            if limit:
                words = self.set_option(words, "--duration-limit", str(min(int(limit), 60)))
        if sub in ("report", "merge", "diff"):
            words = self.provide_inputs(words, sub, cwd, state)
        return words

    @staticmethod
    def set_option(words, flag, value):
        out, i, done = [], 0, False
        while i < len(words):
            if words[i] == flag and i + 1 < len(words):
                out += [flag, value]
                i += 2
                done = True
                continue
            if words[i].startswith(flag + "="):
                out.append(f"{flag}={value}")
                done = True
            else:
                out.append(words[i])
            i += 1
        return out if done else out + [flag, value]

    def provide_inputs(self, words, sub, cwd, state):
        """Missing results.json inputs are made from two small runs; globs are expanded."""
        sub_index = words.index(sub)
        out = words[:sub_index + 1]
        skip_next = False
        for w in words[sub_index + 1:]:
            if skip_next or w.startswith("--"):
                skip_next = w.startswith("--") and "=" not in w and w not in BOOLEAN_FLAGS
                out.append(w)
                if not w.startswith("--"):
                    skip_next = False
                continue
            if not w.endswith(".json"):
                out.append(w)
                continue
            if any(ch in w for ch in "*?"):
                matches = sorted(glob.glob(str(cwd / w)))
                if not matches:
                    for i in range(2):
                        self.place_seed(cwd / re.sub(r"[*?]", str(i), w, count=1), state)
                    matches = sorted(glob.glob(str(cwd / w)))
                out += matches
                continue
            if not (cwd / w).exists():
                self.place_seed(cwd / w, state)
            out.append(w)
        return out

    def place_seed(self, path, state):
        seeds = self.seed_results()
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(seeds[state["seed_index"] % len(seeds)], path)
        state["seed_index"] += 1

    def run_command(self, cmd, cwd, state):
        sub, args = subcommand(cmd.words)
        problems = static_check(cmd, self.cli, self.source, self.top_dirs)
        if problems:
            self.fail(cmd.where, str(cmd), "; ".join(problems))
            return
        reason = self.skip_reason(cmd, sub, args, state)
        if reason:
            if sub == "run":
                state["skipped_outputs"].add(option_value(cmd.words, "--out") or "midstream-report")
            self.skip(cmd.where, str(cmd), reason)
            return
        if self.list_only:
            print(f"run  {cmd.where}: {cmd}  (expect exit {self.expected_status(cmd, sub)})")
            return
        try:
            argv = self.prepare(cmd, sub, args, cwd, state)
        except Failure as error:
            self.fail(cmd.where, str(cmd), str(error))
            return
        shown = " ".join(shlex.quote(w) for w in ["midstream"] + argv[1:])
        if sub in SERVERS:
            self.run_server(cmd, argv, shown, cwd, state)
            return
        expected = self.expected_status(cmd, sub)
        started = time.monotonic()
        try:
            run = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail(cmd.where, shown, f"still running after {COMMAND_TIMEOUT} s")
            return
        except OSError as error:
            self.fail(cmd.where, shown, f"could not start: {error}")
            return
        took = time.monotonic() - started
        if cmd.stdout:
            target = pathlib.Path(cwd, cmd.stdout.replace("/tmp/", "tmp/", 1) if cmd.stdout.startswith("/tmp/") else cmd.stdout)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(run.stdout)
        if run.returncode != expected:
            tail = (run.stdout + run.stderr).strip().split("\n")[-15:]
            self.fail(cmd.where, shown, f"exited {run.returncode}, expected {expected}:\n       " + "\n       ".join(tail))
            return
        self.ok(cmd.where, shown, f"exit {run.returncode}, {took:.1f} s")

    def run_server(self, cmd, argv, shown, cwd, state):
        config = option_value(argv, "--config")
        if config and not (cwd / config).exists():
            self.skip(cmd.where, shown, f"needs {config}, which a step the test does not run writes")
            return
        log_path = cwd / "tmp" / f"server-{len(self.failures)}-{time.monotonic_ns()}.log"
        log = open(log_path, "w")
        proc = subprocess.Popen(argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, text=True)
        log.close()
        deadline = time.monotonic() + 20
        first = ""
        while time.monotonic() < deadline and proc.poll() is None:
            text = log_path.read_text()
            if "\n" in text:
                first = text.split("\n")[0]
                break
            time.sleep(0.05)
        if proc.poll() is not None or not first:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            self.fail(cmd.where, shown, f"did not start (exit {proc.returncode}): {log_path.read_text()}".strip())
            return
        # Wait for the port the example gave it, if any, to accept connections.
        port = option_value(argv, "--port")
        if port and port != "0":
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", int(port))) == 0:
                        break
                time.sleep(0.05)
        state["servers"].append((proc, cmd))
        if not cmd.background:
            self.stop_servers(state, cmd.where)
        if not any(f[0] == cmd.where for f in self.failures):
            self.ok(cmd.where, shown, f"started: {first.strip()}; " + ("serves the rest of its block" if cmd.background
                                                                         else "stopped on SIGTERM"))

    def run_scenarios(self, doc, found):
        if not found:
            return
        if self.only and not any(self.only.search(where) for where, _, _ in found):
            return
        directory = self.work / "scenarios-from-docs" / re.sub(r"[^A-Za-z0-9._-]+", "_", doc)
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        where_of = {}
        for where, scenario, error in found:
            if error:
                self.fail(where, "a scenario example", error)
                continue
            sid = str(scenario.get("id", "x"))
            (directory / f"{sid}-doc-example.json").write_text(json.dumps(scenario, indent=2))
            where_of[sid] = where
        if not where_of or self.list_only:
            for sid, where in where_of.items():
                print(f"run  {where}: scenario {sid}")
            return
        out = self.work / "scenarios-from-docs-out" / directory.name
        run = subprocess.run([self.binary, "run", str(directory), "--out", str(out), "--verbose"],
                             capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        try:
            results = json.loads((out / "results.json").read_text())["results"]
        except (OSError, ValueError, KeyError):
            self.fail(doc, f"the scenario examples of {doc}", f"run exited {run.returncode}: {run.stdout}{run.stderr}")
            return
        for result in results:
            sid = result.get("scenario")
            where = where_of.get(sid, doc)
            if result.get("verdict") != "PASS":
                self.fail(where, f"scenario {sid}", f"{result.get('verdict')}: {result.get('reason')}")
            else:
                self.ok(where, f"scenario {sid} PASSes")
        missing = set(where_of) - {r.get("scenario") for r in results}
        for sid in sorted(missing):
            self.fail(where_of[sid], f"scenario {sid}", f"did not load or run: {run.stdout}{run.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--midstream", required=True, help="the midstream binary under test")
    parser.add_argument("--source", required=True, help="the source tree whose docs are checked")
    parser.add_argument("--work", help="a directory for the runs (default: a new temp directory)")
    parser.add_argument("--list", action="store_true", help="classify the commands, run nothing")
    parser.add_argument("--only", help="only commands whose place or text matches this regex")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    try:
        cli = Cli(args.midstream)
    except Failure as error:
        print(f"FAIL {error}")
        return 1
    runner = Runner(args, cli)
    source = runner.source
    try:
        for path in doc_files(source):
            doc = str(path.relative_to(source))
            text = path.read_text()
            blocks, outside = fenced_blocks(text)
            for index, (lang, numbered) in enumerate(blocks):
                if lang in SHELL_LANGS:
                    runner.run_steps(f"{doc}-block{index}", block_steps(doc, lang, numbered))
            for cmd in inline_commands(doc, outside):
                if runner.only and not runner.only.search(cmd.where + " " + str(cmd)):
                    continue
                problems = static_check(cmd, cli, source, runner.top_dirs)
                if problems:
                    runner.fail(cmd.where, str(cmd), "; ".join(problems))
            runner.run_scenarios(doc, scenario_blocks(doc, blocks))
        for name, steps in cli.help_steps():
            runner.run_steps(name, steps)
    except Failure as error:
        runner.fail("setup", "", str(error))
    print(f"\n{runner.ran} ran, {len(runner.skips)} skipped, {len(runner.failures)} failed"
          f" (work directory: {runner.work})")
    for where, what, detail in runner.failures:
        print(f"  FAIL {where}: {what}: {detail.splitlines()[0] if detail else ''}")
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main())
