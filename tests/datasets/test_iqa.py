"""load_iqa_dataset on tiny trees in the published layouts of LIVE, TID2013, KADID-10k."""

import os

import numpy as np
import pytest
from PIL import Image
from scipy.io import savemat
from sklearn.model_selection import GroupKFold

from skforensics.datasets import load_iqa_dataset
from skforensics.utils import LazyImages


def _save(path, value, shape=(6, 5, 3)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.full(shape, value, dtype=np.uint8)).save(path)


@pytest.fixture
def live_tree(tmp_path):
    # Two references; per folder img1..imgN in dmos.mat order, with one copy
    # of a reference (orgs == 1) in jpeg/.
    counts = {"jp2k": 2, "jpeg": 3, "wn": 1, "gblur": 1, "fastfading": 2}
    refs = ["bikes.bmp", "caps.bmp"]
    for ref in refs:
        _save(str(tmp_path / "refimgs" / ref), 200)
    dmos, orgs, refnames, value = [], [], [], 0
    for folder, n in counts.items():
        for k in range(1, n + 1):
            value += 1
            _save(str(tmp_path / folder / f"img{k}.bmp"), value)
            dmos.append(10.0 * value)
            is_org = folder == "jpeg" and k == 2
            orgs.append(int(is_org))
            refnames.append(refs[value % 2])
    savemat(
        tmp_path / "dmos.mat",
        {"dmos": np.array([dmos]), "orgs": np.array([orgs], dtype=float)},
    )
    savemat(
        tmp_path / "refnames_all.mat",
        {"refnames_all": np.array([refnames], dtype=object)},
    )
    return tmp_path, counts


def test_live_reads_folders_in_dmos_order_and_drops_reference_copies(live_tree):
    root, counts = live_tree
    X, y, groups, details = load_iqa_dataset(root, name="live", return_details=True)
    assert isinstance(X, LazyImages)
    assert len(X) == sum(counts.values()) - 1 == len(y) == len(groups)
    # Image i holds the pixel value i + 1 and DMOS 10 * (i + 1); the copy of
    # a reference (the 4th image, jpeg/img2.bmp) is gone.
    values = [int(X[i][0, 0, 0]) for i in range(len(X))]
    assert values == [1, 2, 3, 5, 6, 7, 8, 9]
    np.testing.assert_array_equal(y, 10.0 * np.array(values))
    assert groups.tolist() == ["caps" if v % 2 else "bikes" for v in values]
    assert details["distortion"].tolist() == [
        "jp2k", "jp2k", "jpeg", "jpeg", "wn", "gblur", "fastfading", "fastfading",
    ]  # fmt: skip
    assert (details["level"] == -1).all()
    assert os.path.basename(details["reference"][0]) == "caps.bmp"
    assert LazyImages(details["reference"][:1])[0][0, 0, 0] == 200


def test_live_score_file_mismatch_is_reported(live_tree):
    root, _ = live_tree
    os.remove(root / "fastfading" / "img2.bmp")
    with pytest.raises(ValueError, match="982 of each"):
        load_iqa_dataset(root, name="live")


def test_live_gap_in_numbering_is_reported(live_tree):
    root, _ = live_tree
    os.remove(root / "jpeg" / "img2.bmp")
    with pytest.raises(ValueError, match="img1.bmp ... imgN.bmp with no gap"):
        load_iqa_dataset(root, name="live")


def test_live_missing_mat_file_names_the_layout(live_tree):
    root, _ = live_tree
    os.remove(root / "dmos.mat")
    with pytest.raises(FileNotFoundError, match="dmos.mat not found.*refnames_all"):
        load_iqa_dataset(root, name="live")


@pytest.fixture
def tid_tree(tmp_path):
    lines = []
    for ref in (1, 2, 25):
        # TID2013 ships upper-case reference names and mixes extension case.
        _save(str(tmp_path / "reference_images" / f"I{ref:02d}.BMP"), 250)
        for dist, level in [(1, 1), (8, 5)]:
            name = f"i{ref:02d}_{dist:02d}_{level}.bmp"
            stored = name.upper() if ref == 25 else name
            _save(str(tmp_path / "distorted_images" / stored), ref + dist + level)
            lines.append(f"{ref + dist / 10 + level / 100:.5f} {name}")
    (tmp_path / "mos_with_names.txt").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_tid2013_reads_scores_names_and_levels(tid_tree):
    X, y, groups, details = load_iqa_dataset(
        tid_tree, name="tid2013", return_details=True
    )
    assert len(X) == 6
    np.testing.assert_allclose(y[:2], [1.11, 1.85])
    assert groups.tolist() == ["I01", "I01", "I02", "I02", "I25", "I25"]
    assert details["distortion"].tolist() == ["01", "08"] * 3
    assert details["level"].tolist() == [1, 5] * 3
    # The upper-case files of reference 25 are found.
    assert X[5][0, 0, 0] == 25 + 8 + 5
    assert details["reference"][4].endswith("I25.BMP")
    # Grouped splits keep every reference on one side.
    for train, test in GroupKFold(3).split(np.zeros(6), y, groups):
        assert not set(groups[train]) & set(groups[test])


def test_tid2013_bad_line_and_missing_image(tid_tree):
    with open(tid_tree / "mos_with_names.txt", "a") as handle:
        handle.write("4.2 i03_01_1.bmp\n")
    with pytest.raises(FileNotFoundError, match="i03_01_1.bmp' is listed"):
        load_iqa_dataset(tid_tree, name="tid2013")
    (tid_tree / "mos_with_names.txt").write_text("4.2\n")
    with pytest.raises(ValueError, match="Line 1 .* must read '<MOS> iXX_DD_L.bmp'"):
        load_iqa_dataset(tid_tree, name="tid2013")


def test_kadid10k(tmp_path):
    rows = ["dist_img,ref_img,dmos,var"]
    for ref in (1, 2):
        _save(str(tmp_path / "images" / f"I{ref:02d}.png"), 0)
        for dist in (3, 25):
            name = f"I{ref:02d}_{dist:02d}_04.png"
            _save(str(tmp_path / "images" / name), ref * dist)
            rows.append(f"{name},I{ref:02d}.png,{ref + dist / 100},0.5")
    (tmp_path / "dmos.csv").write_text("\n".join(rows) + "\n")
    X, y, groups, details = load_iqa_dataset(
        tmp_path, name="kadid10k", return_details=True
    )
    np.testing.assert_allclose(y, [1.03, 1.25, 2.03, 2.25])
    assert groups.tolist() == ["I01", "I01", "I02", "I02"]
    assert details["distortion"].tolist() == ["03", "25", "03", "25"]
    assert details["level"].tolist() == [4] * 4
    assert [int(X[i][0, 0, 0]) for i in range(4)] == [3, 25, 6, 50]
    (tmp_path / "dmos.csv").write_text("image,score\nI01_03_04.png,1\n")
    with pytest.raises(ValueError, match="columns dist_img, ref_img and dmos"):
        load_iqa_dataset(tmp_path, name="kadid10k")


def test_bad_name_and_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="The 'name' parameter of load_iqa_dataset"):
        load_iqa_dataset(tmp_path, name="csiq")
    with pytest.raises(FileNotFoundError, match="IQA data set folder not found"):
        load_iqa_dataset(tmp_path / "nowhere", name="tid2013")
    with pytest.raises(FileNotFoundError, match="mos_with_names.txt not found"):
        load_iqa_dataset(tmp_path, name="tid2013")
