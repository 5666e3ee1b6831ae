"""Model files of the numpy estimators: round trips and refused files.

The torch estimators' round trips are in tests/models/test_persistence.py.
"""

import json
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from skforensics import __version__
from skforensics.feature import (
    BRISQUEExtractor,
    GrayscaleTransformer,
    MSCNTransformer,
    PatchGridExtractor,
)
from skforensics.utils import load_model, make_test_images, save_model
from skforensics.utils._persistence import HEADER_KEY


@pytest.fixture(scope="module")
def images():
    return make_test_images(8, 32, n_channels=3, random_state=0)


def _entries(path):
    with np.load(path, allow_pickle=False) as archive:
        return {k: archive[k] for k in archive.files}


def _rewrite(path, out, edit):
    """Copy a model file, passing its JSON header through ``edit``."""
    entries = _entries(path)
    header = json.loads(str(entries[HEADER_KEY][()]))
    entries[HEADER_KEY] = np.array(json.dumps(edit(header)))
    with open(out, "wb") as f:
        np.savez(f, **entries)
    return out


@pytest.mark.parametrize(
    "make",
    [
        lambda: BRISQUEExtractor(),
        lambda: BRISQUEExtractor(n_jobs=1),
        lambda: MSCNTransformer(window=5, sigma=1.0),
        lambda: PatchGridExtractor(patch_size=(8, 16), stride=4),
        lambda: GrayscaleTransformer(),
    ],
    ids=["brisque", "brisque-n-jobs", "mscn", "patch-grid", "grayscale"],
)
def test_numpy_transformers_round_trip(make, images, tmp_path):
    est = make().fit(images)
    path = tmp_path / "model.skf"
    save_model(est, path)
    loaded = load_model(path)
    assert type(loaded) is type(est)
    assert loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.transform(images), est.transform(images))


def test_pipeline_round_trip_with_string_classes(images, tmp_path):
    y = np.array(["real", "fake"] * 4)
    pipe = make_pipeline(BRISQUEExtractor(), StandardScaler(), SVC(random_state=0))
    pipe.fit(images, y)
    save_model(pipe, tmp_path / "pipe.skf")
    loaded = load_model(tmp_path / "pipe.skf")
    assert [name for name, _ in loaded.steps] == [name for name, _ in pipe.steps]
    np.testing.assert_array_equal(loaded.predict(images), pipe.predict(images))
    np.testing.assert_array_equal(
        loaded.decision_function(images), pipe.decision_function(images)
    )
    np.testing.assert_array_equal(loaded.classes_, pipe.classes_)


def test_file_is_an_npz_archive_without_pickles(images, tmp_path):
    path = tmp_path / "model.skf"
    save_model(make_pipeline(BRISQUEExtractor(), StandardScaler()).fit(images), path)
    entries = _entries(path)  # allow_pickle=False: raises on any object array
    header = json.loads(str(entries[HEADER_KEY][()]))
    assert header["format"] == "skforensics-model"
    assert header["versions"]["skforensics"] == __version__
    assert not any(a.dtype.hasobject for a in entries.values())


def test_numpy_models_save_and_load_without_torch(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        from skforensics.feature import BRISQUEExtractor
        from skforensics.utils import load_model, make_test_images, save_model
        X = make_test_images(2, 32)
        save_model(BRISQUEExtractor().fit(X), {str(tmp_path / "m.skf")!r})
        load_model({str(tmp_path / "m.skf")!r}).transform(X)
        sys.exit(1 if "torch" in sys.modules else 0)
    """)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0


# ----------------------------------------------------------- refused files


class _CreatesFile:
    """Unpickling this creates a file: a stand-in for any harmful payload."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_the_payload_is_live(tmp_path):
    # The control: unpickling the payload does create its file, so the
    # refusals below prove that loading ran nothing.
    marker = tmp_path / "created-by-pickle"
    pickle.loads(pickle.dumps(_CreatesFile(str(marker)))).close()
    assert marker.exists()


def test_pickle_file_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.skf"
    path.write_bytes(pickle.dumps(_CreatesFile(str(marker))))
    with pytest.raises(ValueError, match="is a pickle, not a skforensics model file"):
        load_model(path)
    assert not marker.exists()


def test_pickled_array_inside_a_model_file_is_refused(images, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.skf"
    save_model(MSCNTransformer().fit(images), path)
    entries = _entries(path)
    header = json.loads(str(entries[HEADER_KEY][()]))
    header["model"]["state"]["window"] = {"__array__": "evil"}
    entries[HEADER_KEY] = np.array(json.dumps(header))
    payload = np.empty(1, dtype=object)
    payload[0] = _CreatesFile(str(marker))
    entries["evil"] = payload
    with open(path, "wb") as f:
        np.savez(f, **entries)  # numpy pickles the object array
    with pytest.raises(ValueError, match="holds a pickled array"):
        load_model(path)
    assert not marker.exists()


def test_torch_checkpoint_is_refused(tmp_path):
    # torch.save writes a zip whose data.pkl is a pickle; it is never read.
    path = tmp_path / "weights.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(_CreatesFile("x")))
    with pytest.raises(ValueError, match="without the 'skforensics_model' entry"):
        load_model(path)


@pytest.mark.parametrize("key", ["__estimator__", "__name__", "__object__"])
def test_untrusted_name_is_refused_before_import(key, images, tmp_path, monkeypatch):
    # A module whose import alone would create a file.
    marker = tmp_path / "pwned"
    (tmp_path / "evil_module.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nclass Evil:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "model.skf"
    save_model(MSCNTransformer().fit(images), path)

    def edit(header):
        node = {"__estimator__": {"__estimator__": "evil_module.Evil", "state": {}},
                "__name__": {"__name__": "evil_module.Evil"},
                "__object__": {"__object__": "evil_module.Evil", "params": {}}}[key]
        header["model"]["state"]["window"] = node
        return header

    _rewrite(path, path, edit)
    with pytest.raises(ValueError, match=r"not trusted: evil_module\.Evil\. Nothing"):
        load_model(path)
    assert not marker.exists()
    assert "evil_module" not in sys.modules


def test_builtin_functions_are_not_trusted(images, tmp_path):
    path = tmp_path / "model.skf"
    save_model(MSCNTransformer().fit(images), path)

    def edit(header):
        header["model"] = {"__name__": "os.system"}
        return header

    with pytest.raises(ValueError, match=r"not trusted: os\.system"):
        load_model(_rewrite(path, path, edit))


def test_more_types_can_be_trusted_by_name(tmp_path):
    X, y = np.random.RandomState(0).normal(size=(20, 3)), np.arange(20) % 2
    nb = GaussianNB().fit(X, y)
    save_model(nb, tmp_path / "nb.skf")
    with pytest.raises(ValueError, match=r"trusted=\['sklearn.naive_bayes.GaussianNB'\]"):
        load_model(tmp_path / "nb.skf")
    loaded = load_model(tmp_path / "nb.skf", trusted=["sklearn.naive_bayes.GaussianNB"])
    np.testing.assert_array_equal(loaded.predict_proba(X), nb.predict_proba(X))


# ------------------------------------------------------------- bad files


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="Model file not found: '.*nope.skf'"):
        load_model(tmp_path / "nope.skf")


def test_truncated_file(images, tmp_path):
    path = tmp_path / "model.skf"
    save_model(BRISQUEExtractor().fit(images), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="model.skf.*truncated or corrupt"):
        load_model(path)


def test_foreign_file(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(ValueError, match="'.*photo.png' is not a skforensics model"):
        load_model(path)


def test_newer_format_names_both_versions(images, tmp_path):
    path = tmp_path / "model.skf"
    save_model(BRISQUEExtractor().fit(images), path)

    def edit(header):
        header["format_version"] = 99
        header["versions"]["skforensics"] = "9.0"
        return header

    _rewrite(path, path, edit)
    with pytest.raises(
        ValueError,
        match=rf"written by skforensics 9\.0 in model format 99; this "
        rf"skforensics {__version__} reads format 1",
    ):
        load_model(path)


def test_unstorable_attribute_names_it_and_writes_nothing(images, tmp_path):
    pipe = make_pipeline(FunctionTransformer(lambda X: X), BRISQUEExtractor())
    path = tmp_path / "model.skf"
    with pytest.raises(TypeError, match="no importable name"):
        save_model(pipe, path)
    assert os.listdir(tmp_path) == []
    est = BRISQUEExtractor().fit(images)
    est.extra_ = object()
    with pytest.raises(
        TypeError, match=r"Cannot save BRISQUEExtractor\.extra_: it holds a builtins\.object"
    ):
        save_model(est, path)
    assert os.listdir(tmp_path) == []
