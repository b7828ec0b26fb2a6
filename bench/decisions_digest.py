"""A SHA-256 over every decision the matcher takes on a data set, to prove that a change to the
matcher (a speed-up) changes no decision.

    PYTHONPATH=src .venv/bin/python bench/decisions_digest.py bench/.data/o20000-p5000-s1-*
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/decisions_digest.py DIR ...

For each data set folder (as ``bench/generate.py`` writes it) it runs the incremental form
(postings in arrival order, as ``bench/speed.py`` does) and the batch form, and prints one line
per form: the SHA-256 of the decisions' ``model_dump_json()`` lines, the number of decisions and
of crashes (a crash is hashed too, as its exception text). Run it on the old and the new code:
the lines must be identical.

Each run happens in a fresh process per ``--hash-seeds`` value (``PYTHONHASHSEED``): a few
decisions depend on the iteration order of sets of strings, which Python randomises per process,
so only runs with the same hash seed can be compared.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import paymatch
from evaluation.runner import load, run_batch, run_incremental

MODES = {"incremental": run_incremental, "batch": run_batch}


def digest(folder: Path, mode: str) -> tuple[str, int, int]:
    run = MODES[mode](load(folder))
    sha = hashlib.sha256()
    for decision in run.decisions:
        sha.update(decision.model_dump_json().encode("utf-8"))
        sha.update(b"\n")
    for posting_id, error in sorted(run.crashes.items()):
        sha.update(f"crash {posting_id}: {error}\n".encode())
    return sha.hexdigest(), len(run.decisions), len(run.crashes)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", nargs="+", type=Path, help="data set folders")
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    parser.add_argument("--hash-seeds", default="0,1", help="PYTHONHASHSEED values (%(default)s)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    modes = list(MODES) if args.mode == "both" else [args.mode]
    if args.worker:
        for folder in args.folders:
            for mode in modes:
                sha, decisions, crashes = digest(folder, mode)
                seed = os.environ["PYTHONHASHSEED"]
                print(
                    f"{folder.name} {mode} hashseed={seed} {sha} "
                    f"decisions={decisions} crashes={crashes}",
                    flush=True,
                )
        return 0
    print(f"# paymatch from {Path(paymatch.__file__).resolve().parent}", flush=True)
    for seed in args.hash_seeds.split(","):
        command = [
            sys.executable,
            __file__,
            "--worker",
            "--mode",
            args.mode,
            *map(str, args.folders),
        ]
        env = {**os.environ, "PYTHONHASHSEED": seed.strip()}
        subprocess.run(command, env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
