#!/usr/bin/env python3
"""The scenario schema (scenarios/scenario.schema.json) and the scenario loader agree.

  scenario_schema_test.py catalogue --midstream BIN --schema FILE --catalogue DIR --bad DIR
      The schema is valid JSON Schema 2020-12; every catalogue file validates, loads
      (`midstream list`) and is named <id>-<slug>.json in its category's folder; every file in
      the bad folder is rejected by the schema AND by the loader (`midstream list FILE` exits 2
      naming the JSON pointer listed in expected.tsv), at the same place; the schema's dialects
      and defect switches are the ones midstream knows.
  scenario_schema_test.py new-scenario --midstream BIN --schema FILE --work DIR
      `midstream new-scenario` writes files that validate, load, and PASS against the reference
      router.

Needs python3-jsonschema (Debian; scripts/setup installs it).
"""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:
    sys.exit("scenario_schema_test: python3-jsonschema is missing (apt-get install python3-jsonschema, "
             "or scripts/setup)")

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def run(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=300)


def load_validator(path):
    schema = json.loads(pathlib.Path(path).read_text())
    Draft202012Validator.check_schema(schema)
    return schema, Draft202012Validator(schema)


def schema_errors(validator, document):
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def segments(pointer):
    return [s for s in pointer.split("/")[1:]] if pointer else []


def same_place(schema_path, loader_pointer):
    """One path holds the other, or both name keys of the same object."""
    s, l = [str(p) for p in schema_path], segments(loader_pointer)
    shorter = min(len(s), len(l))
    return s[:shorter] == l[:shorter] or (len(s) == len(l) and s[:-1] == l[:-1])


def check_catalogue(opts):
    schema, validator = load_validator(opts.schema)
    files = sorted(p for p in pathlib.Path(opts.catalogue).rglob("*.json") if not p.name.endswith(".schema.json"))
    if len(files) < 100:
        fail(f"only {len(files)} catalogue files under {opts.catalogue}")
    for path in files:
        document = json.loads(path.read_text())
        for error in schema_errors(validator, document):
            fail(f"{path}: the schema refuses a catalogue file at {'/'.join(map(str, error.absolute_path))}: "
                 f"{error.message[:200]}")
        # What neither checks: the file is named <id>-<slug>.json in the folder of its category.
        identifier = str(document.get("id", ""))
        if path.name.split("-")[0] != identifier or path.parent.name.split("-")[0] != identifier.split(".")[0]:
            fail(f"{path}: id {identifier!r} is not the file name's prefix in its category's folder")
    listed = run(opts.midstream, "list", opts.catalogue)
    if listed.returncode != 0 or f"{len(files)} scenarios" not in listed.stdout:
        fail(f"midstream list {opts.catalogue} (exit {listed.returncode}) did not list "
             f"{len(files)} scenarios: {listed.stderr.strip()[:300]}")
    print(f"catalogue: {len(files)} files validate against the schema and load")

    expected = {}
    for line in (pathlib.Path(opts.bad) / "expected.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            name, pointer, *hint = line.split("\t")
            expected[name] = (pointer, hint[0] if hint else "")
    bad = sorted(pathlib.Path(opts.bad).glob("*.json"))
    if len(bad) < 8 or {p.name for p in bad} != set(expected):
        fail(f"{opts.bad}: {len(bad)} bad files, and expected.tsv must list exactly them")
    for path in bad:
        errors = schema_errors(validator, json.loads(path.read_text()))
        loaded = run(opts.midstream, "list", str(path))
        pointer, hint = expected.get(path.name, ("?", ""))
        shown = pointer if pointer else "(root)"
        where = [("/" + "/".join(map(str, e.absolute_path))) for e in errors]
        if not errors:
            fail(f"{path.name}: the schema accepts it")
        if loaded.returncode != 2 or f"at JSON pointer {shown}:" not in loaded.stderr:
            fail(f"{path.name}: the loader should exit 2 naming {shown}; exit {loaded.returncode}: "
                 f"{loaded.stderr.strip()[:300]}")
        elif hint not in loaded.stderr:
            fail(f"{path.name}: the loader's message does not say {hint!r}: {loaded.stderr.strip()[:300]}")
        elif errors and not any(same_place(e.absolute_path, pointer) for e in errors):
            fail(f"{path.name}: the schema refuses it at {where}, the loader at {shown}")
        else:
            print(f"rejected by both: {path.name:36} schema at {where[0]:40} loader at {shown}")

    # The enums the schema spells out are the ones midstream knows.
    defs = schema["$defs"]
    defects = run(opts.midstream, "defects").stdout.split("\n")
    known = [line for line in defects if line and not line.startswith(" ")]
    listed_defects = schema["properties"]["router"]["properties"]["defects"]["items"]["enum"]
    if sorted(known) != sorted(listed_defects):
        fail(f"the schema's defects {sorted(listed_defects)} are not `midstream defects` {sorted(known)}")
    if defs["provider"]["properties"]["dialect"]["enum"] != defs["deployment"]["properties"]["litellm_params"][
            "properties"]["dialect"]["enum"]:
        fail("the provider and deployment dialect lists differ")


NEW_SCENARIOS = [
    ["--id", "99.1.1", "--upstreams", "openai-chat,anthropic"],
    ["--id", "99.1.2", "--front", "responses", "--upstreams", "anthropic,openai-chat",
     "--fault", "before_status status:503 retry-after:1"],
    ["--id", "99.1.3", "--no-stream", "--upstreams", "openai-responses", "--fault", "after_preamble stall"],
    ["--id", "99.1.4", "--front", "responses", "--upstreams", "openai-chat,openai-responses,anthropic",
     "--fault", "mid_event:2 close"],
    ["--id", "99.1.5", "--upstreams", "openai-chat,openai-chat", "--fault", "before_status status:400"],
    ["--id", "99.1.6", "--front", "responses", "--upstreams", "anthropic", "--fault", "after_deltas:4 error_event"],
    ["--id", "99.1.7", "--upstreams", "anthropic,openai-responses", "--fault", "none"],
]


def check_new_scenario(opts):
    _, validator = load_validator(opts.schema)
    work = pathlib.Path(opts.work)
    shutil.rmtree(work, ignore_errors=True)
    (work / "scenarios").mkdir(parents=True)
    files = []
    for args in NEW_SCENARIOS:
        path = work / "scenarios" / f"{args[1]}-new.json"
        made = run(opts.midstream, "new-scenario", *args, "--out", str(path))
        if made.returncode != 0:
            fail(f"new-scenario {' '.join(args)}: exit {made.returncode}: {made.stderr.strip()[:300]}")
            continue
        document = json.loads(path.read_text())
        schema_ref = (path.parent / document["$schema"]).resolve()
        if schema_ref != pathlib.Path(opts.schema).resolve():
            fail(f"{path.name}: $schema {document['$schema']} is not {opts.schema}")
        for error in schema_errors(validator, document):
            fail(f"{path.name}: the schema refuses it at {list(error.absolute_path)}: {error.message[:200]}")
        files.append(path)
    printed = run(opts.midstream, "new-scenario", "--id", "99.2.1", "--front", "responses")
    if printed.returncode != 0 or schema_errors(validator, json.loads(printed.stdout)):
        fail(f"new-scenario printing to stdout: exit {printed.returncode}, {printed.stderr.strip()[:200]}")
    again = run(opts.midstream, "new-scenario", *NEW_SCENARIOS[0], "--out", str(files[0]))
    if again.returncode != 2:
        fail(f"new-scenario over an existing file: exit {again.returncode}, expected 2 (it needs --force)")
    refused = run(opts.midstream, "new-scenario", "--id", "99.2.2", "--fault", "after_headers status:503")
    if refused.returncode != 2 or "at JSON pointer" not in refused.stderr:
        fail(f"new-scenario with an impossible fault: exit {refused.returncode}: {refused.stderr.strip()[:200]}")
    for fault, upstreams in [("after_deltas:2 duplicate_event", "openai-chat"), ("after_usage reset", "openai-responses")]:
        refused = run(opts.midstream, "new-scenario", "--id", "99.2.3", "--fault", fault, "--upstreams", upstreams)
        if refused.returncode != 2:
            fail(f"new-scenario --fault '{fault}' --upstreams {upstreams}: exit {refused.returncode}, expected 2 "
                 "(no expectation can be derived)")
    report = run(opts.midstream, "run", *map(str, files), "--out", str(work / "report"))
    print(report.stdout[-3000:])
    if report.returncode != 0:
        fail(f"the new scenarios do not all PASS against the reference router (exit {report.returncode})")
    else:
        print(f"new-scenario: {len(files)} files validate, load and PASS")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("part", choices=["catalogue", "new-scenario"])
    parser.add_argument("--midstream", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--catalogue")
    parser.add_argument("--bad")
    parser.add_argument("--work")
    opts = parser.parse_args()
    if opts.part == "catalogue":
        check_catalogue(opts)
    else:
        check_new_scenario(opts)
    if failures:
        print(f"{len(failures)} failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
