"""ctest's entry to the Python tests: exit 77 (skipped) when numpy or
pytest is missing, else pytest's status."""
import os
import sys

try:
    import numpy  # noqa: F401
    import pytest
except ImportError as e:
    print("python tests skipped: %s (install python3-numpy python3-pytest)"
          % e)
    sys.exit(77)

here = os.path.dirname(os.path.abspath(__file__))
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", here] + sys.argv[1:]))
