"""A SHA-256 over every decision the matcher takes on a data set, to prove that a change to the
matcher (a speed-up) changes no decision.

    PYTHONPATH=src .venv/bin/python bench/decisions_digest.py bench/.data/o20000-p5000-s1-*
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/decisions_digest.py DIR ...

For each data set folder (as ``bench/generate.py`` writes it) it runs the incremental form
(postings in arrival order, as ``bench/speed.py`` does) and the batch form, and prints one line
per form: the SHA-256 of the decisions' ``model_dump_json()`` lines, the number of decisions and
of crashes (a crash is hashed too, as its exception text). Run it on the old and the new code:
the lines must be identical.
"""

from __future__ import annotations

import argparse
import hashlib
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
    args = parser.parse_args()
    print(f"# paymatch from {Path(paymatch.__file__).resolve().parent}", file=sys.stderr)
    modes = list(MODES) if args.mode == "both" else [args.mode]
    for folder in args.folders:
        for mode in modes:
            sha, decisions, crashes = digest(folder, mode)
            print(f"{folder.name} {mode} {sha} decisions={decisions} crashes={crashes}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
