"""fill_doc: shared docstring paragraphs put where a placeholder line names them."""

import pytest

from skforensics.utils._docstrings import PARAGRAPHS, fill_doc


def test_placeholder_lines_take_the_paragraph_at_their_indentation():
    @fill_doc
    class Net:
        """A net.

        Parameters
        ----------
        {device}
        pooling : {"mean", "max"}, default="mean"
            A set of options in braces is not a placeholder.
        """

        def predict(self, X):
            """Predict.

            Parameters
            ----------
            {references_kang}
            """

        @classmethod
        def build(cls):
            """Build.

            {device}
            """

    assert '        device : str, default="cpu"\n            Torch device.\n' in Net.__doc__
    assert 'pooling : {"mean", "max"}' in Net.__doc__
    assert "            References\n            ----------\n" in Net.predict.__doc__
    assert "{device}" not in Net.build.__doc__
    assert "{" not in Net.predict.__doc__


def test_a_function_is_filled_and_returned():
    def f():
        """F.

        {references_kang}
        """

    assert fill_doc(f) is f
    assert "References\n        ----------\n        .. [1] L. Kang" in f.__doc__


def test_owner_is_the_name_of_the_decorated_object(monkeypatch):
    monkeypatch.setitem(PARAGRAPHS, "returns_self", "self : {owner}\n    Fitted.")

    @fill_doc
    class Display:
        """D.

        {returns_self}
        """

    assert "self : Display\n            Fitted." in Display.__doc__


def test_unknown_placeholder_fails_at_decoration():
    def f():
        """F.

        {no_such_paragraph}
        """

    with pytest.raises(KeyError, match="no_such_paragraph"):
        fill_doc(f)


def test_no_docstring_is_left_alone():
    def f():
        pass

    assert fill_doc(f).__doc__ is None
