"""Where the suite's shared files are, wherever a test module sits."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
PACKAGE = ROOT / "pytest_eventgrid"
DOCS = ROOT / "docs"
RECORDINGS = TESTS / "fidelity" / "recordings"
