import sys
from pathlib import Path

# workload.py and checks.py sit beside the tests (and workload.py also runs as a script).
sys.path.insert(0, str(Path(__file__).resolve().parent))
