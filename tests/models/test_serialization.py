import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skforensics.models._serialization import (  # noqa: E402
    _constructor_kwargs,
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


@pytest.mark.parametrize("name", ["jpeg-quality.skf", "jpeg-quality-fast.skf"])
def test_shipped_weights_are_model_files(name):
    # Read by load_model (no pickle, no torch.load), with their facts.
    from skforensics.models import PixelwiseJPEGRegressor, load_pretrained_jpeg

    est = load_pretrained_jpeg(path=f"{_weights_dir()}/{name}")
    assert isinstance(est, PixelwiseJPEGRegressor)
    assert est.module_.front_end == "lattice"
    assert est.pretrained_info_["test_images"] and est.quality_calibration_
    with np.load(f"{_weights_dir()}/{name}", allow_pickle=False) as archive:
        assert len(archive.files) > 0
    # Parameters that keep the net apply; ones that would rebuild it do not.
    assert (
        load_pretrained_jpeg(path=f"{_weights_dir()}/{name}", tile_size=200).tile_size
        == 200
    )
    with pytest.raises(ValueError, match="module__n_filters would rebuild the net"):
        load_pretrained_jpeg(path=f"{_weights_dir()}/{name}", module__n_filters=8)
