import os

import numpy as np
import pytest
from PIL import Image

from skforensics.cli import build_parser, main


def test_parser_knows_both_commands():
    parser = build_parser()
    assert parser.parse_args(["demo", "--quick"]).quick
    assert parser.parse_args(["jpeg-audit", "photos"]).folder == "photos"
    assert parser.parse_args(["jpeg-audit", "photos"]).model == "jpeg-quality"
    with pytest.raises(SystemExit):
        parser.parse_args(["jpeg-audit", "photos", "--model", "oracle"])
    with pytest.raises(SystemExit):
        parser.parse_args([])
    # --model offers every shipped JPEG model and no other.
    pytest.importorskip("torch")
    from skforensics.models._pretrained import JPEG_MODELS

    audit = parser._subparsers._group_actions[0].choices["jpeg-audit"]
    (model,) = [action for action in audit._actions if action.dest == "model"]
    assert list(model.choices) == list(JPEG_MODELS)


def test_audit_of_a_missing_folder_is_one_clear_line(capsys):
    assert main(["jpeg-audit", "/nonexistent/folder", "-q"]) == 2
    err = capsys.readouterr().err
    assert "jpeg-audit: error:" in err and "/nonexistent/folder" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("model", ["jpeg-quality", "jpeg-quality-fast"])
def test_audit_with_the_shipped_weights(model, tmp_path, capsys):
    # Two PNGs of the same photograph: one never compressed, one that went
    # through JPEG at quality 20 first. The audit must tell them apart.
    import csv

    from skforensics.datasets import load_sample_images
    from skforensics.datasets._jpeg import jpeg_round_trip

    photo = load_sample_images(as_gray=False)[4][:160, :160]  # coffee
    photo = np.round(photo * 255).astype(np.uint8)
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(photo).save(folder / "never.png")
    jpeg = np.round(jpeg_round_trip(photo, 20) * 255).astype(np.uint8)
    Image.fromarray(jpeg).save(folder / "was_jpeg.png")
    out = tmp_path / "out"
    argv = ["jpeg-audit", str(folder), "-q", "-o", str(out), "--no-maps"]
    assert main(argv + ["--model", model]) == 0
    with open(out / "jpeg_audit.csv", newline="") as f:
        rows = {os.path.basename(r["path"]): r for r in csv.DictReader(f)}
    assert set(rows) == {"never.png", "was_jpeg.png"}
    assert float(rows["was_jpeg.png"]["p_compressed"]) > 0.5
    assert float(rows["never.png"]["p_compressed"]) < 0.5
    assert abs(float(rows["was_jpeg.png"]["quality"]) - 20) < 10
