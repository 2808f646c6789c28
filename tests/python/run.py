"""ctest's entry to the Python tests: exit 77 (skipped) when numpy or
pytest is missing, else pytest's status."""
import importlib.util
import os
import sys

missing = [m for m in ("numpy", "pytest") if importlib.util.find_spec(m)
           is None]
if missing:
    print("python tests skipped: no %s (Debian: python3-numpy python3-pytest)"
          % ", ".join(missing))
    sys.exit(77)

import pytest  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", here] + sys.argv[1:]))
