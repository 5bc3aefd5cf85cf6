"""The Docker build context of this repository, as `docker build` computes
it from .dockerignore (docker-py's own implementation of its rules, the one
`docker-py` sends to the engine), checked without an engine:
  - nothing built, local or secret goes in (target/, web/dist, data/, .git,
    logs, token secrets); proven on the real tree and on a copy of the
    tracked files with such things planted in it;
  - everything docker/Dockerfile builds from is there;
  - it is small.
Prints the context's file count and size. Usage: docker-context.py REPO_ROOT
"""

import os
import shutil
import subprocess
import sys
import tempfile

from docker.utils.build import exclude_paths

MAX_BYTES = 20 * 1024 * 1024
NEEDED = [
    "Cargo.toml", "Cargo.lock",
    "api/Cargo.toml", "api/src/main.rs", "shared/Cargo.toml",
    "web/Cargo.toml", "web/Trunk.toml", "web/index.html",
    "scripts/web-build", "scripts/web-tools", "openapi/openapi.json",
]
NEVER = ["target/", "web/dist/", "data/", ".git/", "deploy/", "node_modules/"]
PLANTED = [
    "target/debug/strongroom", "web/dist/index.html", "data/strongroom.db",
    "data/token_secret", ".git/HEAD", "api/target/x", "api/debug.log",
    "web/node_modules/x/index.js", "strongroom.toml", "api/tests/data/x",
]


def context(root):
    with open(os.path.join(root, ".dockerignore")) as f:
        patterns = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    return sorted(p for p in exclude_paths(root, patterns)
                  if os.path.isfile(os.path.join(root, p)) or os.path.islink(os.path.join(root, p)))


def problems(root, files):
    found = []
    for path in files:
        if any(path.startswith(bad) or ("/" + bad) in ("/" + path) or path == bad.rstrip("/")
               for bad in NEVER):
            found.append(f"{path} is in the context")
    for path in NEEDED:
        if path not in files:
            found.append(f"{path} is not in the context")
    return found


def main():
    root = sys.argv[1]
    files = context(root)
    size = sum(os.lstat(os.path.join(root, p)).st_size for p in files)
    bad = problems(root, files)
    if size > MAX_BYTES:
        bad.append(f"the context is {size} bytes, more than {MAX_BYTES}")

    # The tracked files plus what a working tree accumulates.
    with tempfile.TemporaryDirectory() as copy:
        tracked = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                                 capture_output=True).stdout.decode().split("\0")
        for path in filter(None, tracked):
            dest = os.path.join(copy, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(os.path.join(root, path), dest)
        shutil.copy2(os.path.join(root, ".dockerignore"), copy)
        for path in PLANTED:
            dest = os.path.join(copy, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w") as f:
                f.write("planted\n")
        planted_in = sorted(set(context(copy)) & set(PLANTED))
        bad += [f"planted {p} is in the context" for p in planted_in]

    for problem in bad:
        print(f"docker context: {problem}", file=sys.stderr)
    print(f"docker context: {len(files)} files, {size / 1024 / 1024:.1f} MiB")
    sys.exit(1 if bad else 0)


main()
