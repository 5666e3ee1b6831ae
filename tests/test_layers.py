"""Each layer of the package imports only the layers below it.

The order is the developer guide's: utils, feature, datasets, metrics, nn,
models, inspection. Imports inside functions count too; a lower layer that
needs a higher one's code takes it through a registry the higher one fills
(as ``utils.save_model`` takes the torch codec from ``models``).
"""

import ast
import pathlib

import skforensics

LAYERS = ["utils", "feature", "datasets", "metrics", "nn", "models", "inspection"]
ROOT = pathlib.Path(skforensics.__file__).parent


def _imported_layers(path, root=ROOT):
    parts = path.relative_to(root).parts
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        if node.level:
            package = list(parts[:-1])
            base = package[: len(package) - (node.level - 1)]
            target = base + node.module.split(".")
        elif node.module.startswith("skforensics."):
            target = node.module.split(".")[1:]
        else:
            continue
        if target and target[0] in LAYERS:
            yield node.lineno, target[0]


def test_no_import_from_a_higher_layer():
    upward = []
    for path in sorted(ROOT.rglob("*.py")):
        layer = path.relative_to(ROOT).parts[0]
        if layer not in LAYERS:
            continue
        for line, imported in _imported_layers(path):
            if LAYERS.index(imported) > LAYERS.index(layer):
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not upward, "\n".join(upward)


def test_checker_sees_a_lazy_upward_import(tmp_path):
    # The check would catch the old circle: utils importing models lazily.
    fake = tmp_path / "utils"
    fake.mkdir()
    (fake / "_x.py").write_text(
        "def f():\n    from ..models import _serialization\n"
    )
    assert list(_imported_layers(fake / "_x.py", tmp_path)) == [(2, "models")]
