"""Generate a seeded, realistic German shop data set with truth (orders, postings, history).

    .venv/bin/python bench/generate.py --orders 20000 --postings 5000 --seed 1 --out DIR

The same arguments always give byte-identical files. What the data looks like and why:
docs/benchmarks.md ("The data mix").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from shopdata import DEFAULT_CASES, GeneratorConfig, Noise, generate, write

# Where generated data sets are cached; PAYMATCH_BENCH_DATA moves it (the tests use a temp dir).
DATA_ROOT = Path(os.environ.get("PAYMATCH_BENCH_DATA", Path(__file__).resolve().parent / ".data"))


def parse_mix(items: list[str]) -> dict[str, float]:
    mix: dict[str, float] = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            mix[name.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--mix wants case=share, not {item!r}") from None
    return mix


def parse_noise(items: list[str]) -> Noise:
    noise = Noise()
    for item in items:
        name, _, value = item.partition("=")
        if not hasattr(noise, name.strip()):
            known = ", ".join(Noise.__dataclass_fields__)
            raise argparse.ArgumentTypeError(f"unknown noise {name!r}; known: {known}")
        noise = replace(noise, **{name.strip(): float(value)})
    return noise


def add_arguments(parser: argparse.ArgumentParser, *, orders: int, postings: int) -> None:
    parser.add_argument("--orders", type=int, default=orders, help="open orders (%(default)s)")
    parser.add_argument("--postings", type=int, default=postings, help="postings (%(default)s)")
    parser.add_argument(
        "--mix",
        nargs="*",
        default=[],
        metavar="CASE=SHARE",
        help=f"change case shares; cases: {', '.join(DEFAULT_CASES)}",
    )
    parser.add_argument(
        "--noise", nargs="*", default=[], metavar="NAME=RATE", help="change noise rates"
    )
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 30))


def config_from(args: argparse.Namespace, seed: int) -> GeneratorConfig:
    config = GeneratorConfig(
        seed=seed,
        orders=args.orders,
        postings=args.postings,
        as_of=args.as_of,
        noise=parse_noise(args.noise),
    )
    if args.mix:
        config = config.with_cases(parse_mix(args.mix))
    if config.postings > config.orders:
        raise SystemExit("need at least as many orders as postings (most postings pay one)")
    return config


def folder_for(config: GeneratorConfig) -> Path:
    """A cache folder named after everything that determines the data: the settings and the
    generator's own source (so a changed generator never reuses stale files)."""
    digest = hashlib.sha256(repr(config).encode())
    for source in sorted((Path(__file__).parent / "shopdata").glob("*.py")):
        digest.update(source.read_bytes())
    stable = digest.hexdigest()[:10]
    return DATA_ROOT / f"o{config.orders}-p{config.postings}-s{config.seed}-{stable}"


def ensure(config: GeneratorConfig, *, quiet: bool = False) -> Path:
    """The folder with the data set for ``config``, generated unless it is already there."""
    folder = folder_for(config)
    if (folder / "manifest.json").exists():
        return folder
    started = time.perf_counter()
    dataset = generate(config)
    write(dataset, folder)
    if not quiet:
        print(
            f"generated {config.orders} orders / {config.postings} postings (seed {config.seed}) "
            f"in {time.perf_counter() - started:.1f} s -> {folder}",
            file=sys.stderr,
        )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add_arguments(parser, orders=20_000, postings=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="folder for the files (default: a cache folder)")
    args = parser.parse_args()
    config = config_from(args, args.seed)
    started = time.perf_counter()
    dataset = generate(config)
    folder = args.out or folder_for(config)
    write(dataset, folder)
    manifest = dataset.manifest()
    print(json.dumps({k: manifest[k] for k in manifest if k != "settings"}, indent=2))
    print(f"{time.perf_counter() - started:.1f} s -> {folder}", file=sys.stderr)


if __name__ == "__main__":
    main()
