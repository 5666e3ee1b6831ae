"""pytest configuration of the doctests that pytest collects from the package."""


def pytest_configure(config):
    # The matplotlib Agg backend for the Displays' examples, as scikit-learn's
    # conftest does, so that the examples themselves need not choose one.
    try:
        import matplotlib
    except ImportError:  # the torch extra (which brings matplotlib) is missing
        return
    matplotlib.use("Agg")
