#!/usr/bin/env python3
"""No tracked file names a path outside the repository.

  paths_inside_repo_test.py SOURCE_DIR

midstream must build, test and run from a clone with nothing beside it. So no tracked file may
name the sibling folder the project once read its contract and recordings from, a relative path
that climbs out of the repository from the file that holds it, or an absolute path into a
particular machine's work or home folders. System paths every machine has (/usr/bin, /tmp,
/proc/self/exe) are fine. Exits 77 (ctest: skipped) when SOURCE_DIR is not a git checkout, as in
a source tarball, since then there is no list of tracked files.
"""
import pathlib
import re
import subprocess
import sys

SKIP = 77

# Spelled in pieces so this file does not name what it looks for.
SIBLING = re.compile(r"\.\./" + "shared" + r"\b")
MACHINE = re.compile(r"(?<![\w.-])/(?:" + "work" + r"|" + "home" + r"|" + "root" + r")/[\w.-]")
# A relative path that starts with ../ (not a URL's or an absolute path's /../).
CLIMB = re.compile(r"(?<![\w./-])((?:\.\./)+)[\w.-]*")


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True)
    if listed.returncode != 0:
        print(f"SKIP: {root} is not a git checkout, so there are no tracked files to check")
        return SKIP
    me = pathlib.Path(__file__).resolve()
    offences = []
    files = [name for name in listed.stdout.decode().split("\0") if name]
    for name in files:
        path = root / name
        if path.resolve() == me or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary: recorded event streams
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            found = [m.group(0) for m in SIBLING.finditer(line)] + [m.group(0) for m in MACHINE.finditer(line)]
            for m in CLIMB.finditer(line):
                target = (path.parent / m.group(0)).resolve()
                if target != root and root not in target.parents:
                    found.append(m.group(0))
            if found:
                named = ", ".join(repr(what) for what in dict.fromkeys(found))
                offences.append(f"{name}:{number}: names {named}, outside the repository: {line.strip()[:160]}")
    for offence in offences:
        print(offence)
    print(f"{len(files)} tracked files, {len(offences)} paths outside the repository")
    return 1 if offences else 0


if __name__ == "__main__":
    sys.exit(main())
