import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skforensics.models._serialization import (  # noqa: E402
    WEIGHTS_FORMAT,
    _constructor_kwargs,
    _read_weights,
    _weights_dir,
    module_config,
)
from skforensics.nn import JPEGQualityNet  # noqa: E402


def test_module_config_asks_the_net_then_reads_its_arguments():
    net = JPEGQualityNet(n_filters=4, lattice_qualities=(90,))
    config = module_config(net)
    assert config["lattice_qualities"] == [90] and config["front_end"] == "lattice"
    assert JPEGQualityNet(**_constructor_kwargs(config)).config() == net.config()

    class Stored(torch.nn.Module):
        def __init__(self, width=3, sizes=(1, 2)):
            super().__init__()
            self.width, self.sizes = width, sizes

    assert module_config(Stored(5)) == {"width": 5, "sizes": [1, 2]}

    class Forgetful(torch.nn.Module):
        def __init__(self, width=3):
            super().__init__()

    with pytest.raises(TypeError, match="does not store its 'width' argument"):
        module_config(Forgetful())


@pytest.mark.parametrize("name", ["jpeg-quality.pt", "jpeg-quality-fast.pt"])
def test_shipped_weights_read_unchanged(name):
    # Written before the lattice front end had its name: "dct" still loads.
    path = f"{_weights_dir()}/{name}"
    checkpoint = _read_weights(
        path, format=WEIGHTS_FORMAT, kind="weights", packaged=True
    )
    assert checkpoint["module"]["front_end"] == "dct"
    net = JPEGQualityNet(**_constructor_kwargs(checkpoint["module"]))
    net.load_state_dict(checkpoint["state_dict"])
    assert net.front_end == "lattice"
