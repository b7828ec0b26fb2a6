"""Realistic German shop data with truth, for paymatch's accuracy and speed benchmarks.

``generate(GeneratorConfig(...))`` builds a data set; ``write(dataset, folder)`` writes its files.
The generator describes how customers pay and banks deliver, independent of any matcher.
"""

from .config import DEFAULT_CASES, GeneratorConfig, Noise
from .dataset import FILES, Dataset, generate, write

__all__ = ["DEFAULT_CASES", "FILES", "Dataset", "GeneratorConfig", "Noise", "generate", "write"]
