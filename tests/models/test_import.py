import json
import subprocess
import sys

_SCRIPT = r'''
import json, subprocess, sys

BLOCK = """
import importlib.abc, sys
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] == BLOCKED:
            raise ImportError('No module named ' + name, name=name)
sys.meta_path.insert(0, _Block())
try:
    import PACKAGE
    print('imported')
except ImportError as exc:
    print('ImportError:', exc)
"""
results = {}
for blocked in ("torch", "skorch"):
    for package in ("skforensics.models", "skforensics.nn"):
        code = BLOCK.replace("BLOCKED", repr(blocked)).replace("PACKAGE", package)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                             text=True)
        results[package + " without " + blocked] = out.stdout.strip() or out.stderr
results["modules"] = []
for code in (
    "import sys, skforensics, skforensics.feature, skforensics.utils\n"
    "print(sorted(m for m in ('torch', 'skorch') if m in sys.modules))",
    "import sys, skforensics.nn\n"
    "print(sorted(m for m in ('torch', 'skorch', 'sklearn') if m in sys.modules))",
):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    results["modules"].append(out.stdout.strip() or out.stderr)
print(json.dumps(results))
'''


def test_optional_torch_imports():
    # One subprocess runs the six interpreter checks, to keep the test short.
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=300
    )
    results = json.loads(out.stdout)
    for package in ("skforensics.models", "skforensics.nn"):
        message = results[f"{package} without torch"]
        assert message.startswith("ImportError:"), message
        assert "pip install skforensics[torch]" in message
    message = results["skforensics.models without skorch"]
    assert "pip install skforensics[torch]" in message
    # skforensics.nn is pure torch: it imports without skorch.
    assert results["skforensics.nn without skorch"] == "imported"
    # The numpy layer never imports torch; skforensics.nn imports no sklearn.
    assert results["modules"] == ["[]", "['torch']"], results["modules"]
