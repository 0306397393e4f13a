#!/usr/bin/env python3
"""A router graded by `midstream run --target SPEC`, the command a user types: each scenario given
with --expect ID=VERDICT must get that verdict, and every --reason-has TEXT must be in the reason
of each scenario expected ERROR. Used for the launch-command target and its presets (the
reference router as a command, nginx, LiteLLM) and for a router that never starts. Exits 0 when
all holds, 1 with what differed (verdict, reason, failed checks) otherwise, never 77: a missing
router is a failure that says why.

  peer_target_test.py --midstream BIN --catalogue DIR --out DIR --target SPEC
                      [--run-arg ARG]... --expect ID=VERDICT... [--reason-has TEXT]...
"""
import argparse
import json
import pathlib
import subprocess
import sys
import time


def scenario_file(catalogue, scenario_id):
    matches = sorted(pathlib.Path(catalogue).glob(f"*/{scenario_id}-*.json"))
    if len(matches) != 1:
        sys.exit(f"peer_target_test: {len(matches)} catalogue files for scenario {scenario_id} under {catalogue}")
    return str(matches[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--midstream", required=True)
    parser.add_argument("--catalogue", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--run-arg", action="append", default=[], help="one more argument for `midstream run`")
    parser.add_argument("--expect", action="append", required=True, help="ID=VERDICT")
    parser.add_argument("--reason-has", action="append", default=[])
    args = parser.parse_args()

    expected = dict(item.split("=", 1) for item in args.expect)
    files = [scenario_file(args.catalogue, scenario_id) for scenario_id in expected]
    command = [args.midstream, "run", *files, "--target", args.target, "--out", args.out, *args.run_arg]
    print("$", " ".join(command), flush=True)
    started = time.monotonic()
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(run.stdout)
    print(f"peer_target_test: `midstream run` exited {run.returncode} after {time.monotonic() - started:.1f} s")
    results_path = pathlib.Path(args.out) / "results.json"
    if not results_path.exists():
        sys.exit(f"peer_target_test: no {results_path}: the target could not be made (see the output above)")
    results = {r["scenario"]: r for r in json.loads(results_path.read_text())["results"]}

    problems = []
    for scenario_id, verdict in expected.items():
        result = results.get(scenario_id)
        if result is None:
            problems.append(f"{scenario_id}: no result")
            continue
        if result["verdict"] != verdict:
            failed = "; ".join(f"{c['id']}: expected {c['expected']}, actual {c['actual']}"
                               for c in result["checks"] if not c["passed"])
            problems.append(f"{scenario_id}: {result['verdict']}, expected {verdict} ({result['reason']}) {failed}")
        if verdict == "ERROR":
            problems += [f"{scenario_id}: the reason lacks {text!r}: {result['reason']}"
                         for text in args.reason_has if text not in result["reason"]]
        print(f"peer_target_test: {scenario_id} {result['verdict']} (expected {verdict})")
    clean = all(v in ("PASS", "NON-STRICT", "SAFE", "UNSUPPORTED") for v in expected.values())
    if (run.returncode == 0) != clean:
        problems.append(f"`midstream run` exited {run.returncode}, expected {0 if clean else 1}")
    for problem in problems:
        print("peer_target_test: FAILED:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
