import numpy as np
import pytest
from PIL import Image

from skforensics.cli import build_parser, main


def test_parser_knows_both_commands():
    parser = build_parser()
    assert parser.parse_args(["demo", "--quick"]).quick
    assert parser.parse_args(["jpeg-audit", "photos"]).folder == "photos"
    with pytest.raises(SystemExit):
        parser.parse_args([])


def test_audit_of_a_missing_folder_is_one_clear_line(capsys):
    assert main(["jpeg-audit", "/nonexistent/folder", "-q"]) == 2
    err = capsys.readouterr().err
    assert "jpeg-audit: error:" in err and "/nonexistent/folder" in err
    assert "Traceback" not in err


def test_audit_without_shipped_weights_says_so(tmp_path, capsys):
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(tmp_path / "a.png")
    assert main(["jpeg-audit", str(tmp_path), "-q", "-o", str(tmp_path / "out")]) == 2
    assert "not trained yet" in capsys.readouterr().err
