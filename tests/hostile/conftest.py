import importlib.util
import os

import pytest


def _load_maker():
    path = os.path.join(os.path.dirname(__file__), "_make_corpus.py")
    spec = importlib.util.spec_from_file_location("_skf_make_corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_corpus_module = _load_maker()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """``(root, entries)``: the hostile corpus, made once per test session."""
    pytest.importorskip("av")
    root = str(tmp_path_factory.mktemp("hostile") / "corpus")
    entries = make_corpus_module.make_corpus(root)
    yield root, entries
    # Let pytest remove the folder: give the unreadable file its mode back.
    for entry in entries:
        path = entry.path(root)
        if os.path.isfile(path) and not os.path.islink(path):
            os.chmod(path, 0o644)
