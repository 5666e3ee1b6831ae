"""Loaders of the image-quality sets with human scores: LIVE, TID2013, KADID-10k."""

import csv
import os
import re

import numpy as np

from ..utils import LazyImages
from ..utils._param_validation import StrOptions, validate_params

__all__ = ["load_iqa_dataset"]

# LIVE Release 2: the distortion folders in the order of dmos.mat.
LIVE_FOLDERS = ("jp2k", "jpeg", "wn", "gblur", "fastfading")

_LAYOUTS = {
    "live": (
        "the LIVE Image Quality Assessment Database Release 2 as published: "
        "jp2k/, jpeg/, wn/, gblur/, fastfading/ (img1.bmp, img2.bmp, ...), "
        "refimgs/, dmos.mat and refnames_all.mat"
    ),
    "tid2013": (
        "TID2013 as published: distorted_images/ (i01_01_1.bmp, ...), "
        "reference_images/ (I01.BMP, ...) and mos_with_names.txt"
    ),
    "kadid10k": (
        "KADID-10k as published: images/ (I01.png, I01_01_01.png, ...) and dmos.csv"
    ),
}


def _require(path, name, what):
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"{what} not found: '{path}'. load_iqa_dataset(name='{name}') reads "
            f"{_LAYOUTS[name]}. Pass the folder that holds them."
        )
    return path


def _case_insensitive(folder):
    """Map of lower-case file names to the actual names in ``folder``."""
    return {entry.name.lower(): entry.name for entry in os.scandir(folder)}


def _find(folder, names, file_name, name):
    actual = names.get(file_name.lower())
    if actual is None:
        raise FileNotFoundError(
            f"'{file_name}' is listed in the score file of {name} but not found "
            f"in '{folder}'. Is the copy of the data set complete?"
        )
    return os.path.join(folder, actual)


def _mat_strings(values):
    """The strings of a MATLAB cell array of char arrays, as loadmat gives it."""
    out = []
    for value in np.asarray(values, dtype=object).ravel():
        while isinstance(value, np.ndarray):
            value = value.ravel()[0] if value.size else ""
        out.append(str(value).strip())
    return out


def _load_live(root):
    from scipy.io import loadmat

    name = "live"
    dmos_mat = loadmat(_require(os.path.join(root, "dmos.mat"), name, "dmos.mat"))
    refnames_mat = loadmat(
        _require(os.path.join(root, "refnames_all.mat"), name, "refnames_all.mat")
    )
    dmos = np.asarray(dmos_mat["dmos"], dtype=np.float64).ravel()
    orgs = np.asarray(dmos_mat["orgs"]).ravel().astype(bool)
    refnames = _mat_strings(refnames_mat["refnames_all"])
    paths, distortions = [], []
    for folder in LIVE_FOLDERS:
        directory = _require(os.path.join(root, folder), name, f"Folder {folder}/")
        numbers = sorted(
            int(match.group(1))
            for entry in os.scandir(directory)
            if (match := re.fullmatch(r"img(\d+)\.bmp", entry.name, re.IGNORECASE))
        )
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(
                f"The images of '{directory}' must be img1.bmp ... imgN.bmp with no "
                f"gap, as LIVE Release 2 publishes them; found numbers "
                f"{numbers[:5]}{'...' if len(numbers) > 5 else ''}."
            )
        names = _case_insensitive(directory)
        paths += [_find(directory, names, f"img{k}.bmp", name) for k in numbers]
        distortions += [folder] * len(numbers)
    if not len(paths) == len(dmos) == len(orgs) == len(refnames):
        raise ValueError(
            f"LIVE's score files do not match its images: {len(paths)} images in "
            f"{', '.join(LIVE_FOLDERS)}, {len(dmos)} DMOS values, {len(orgs)} "
            f"'orgs' flags and {len(refnames)} reference names. Release 2 has "
            "982 of each (779 distorted images and 203 copies of references)."
        )
    refimgs = os.path.join(root, "refimgs")
    ref_names = _case_insensitive(refimgs) if os.path.isdir(refimgs) else {}
    keep = np.flatnonzero(~orgs)
    references = [
        os.path.join(refimgs, ref_names.get(refnames[i].lower(), refnames[i]))
        for i in keep
    ]
    groups = [os.path.splitext(refnames[i])[0] for i in keep]
    return (
        [paths[i] for i in keep],
        dmos[keep],
        groups,
        [distortions[i] for i in keep],
        np.full(len(keep), -1),
        references,
    )


def _load_tid2013(root):
    name = "tid2013"
    score_file = _require(
        os.path.join(root, "mos_with_names.txt"), name, "mos_with_names.txt"
    )
    distorted = _require(
        os.path.join(root, "distorted_images"), name, "Folder distorted_images/"
    )
    reference = os.path.join(root, "reference_images")
    names = _case_insensitive(distorted)
    ref_names = _case_insensitive(reference) if os.path.isdir(reference) else {}
    paths, scores, groups, distortions, levels, references = [], [], [], [], [], []
    with open(score_file, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            parts = line.split()
            match = (
                re.fullmatch(r"i(\d+)_(\d+)_(\d+)\.bmp", parts[1], re.IGNORECASE)
                if len(parts) == 2
                else None
            )
            if match is None:
                raise ValueError(
                    f"Line {number} of '{score_file}' must read '<MOS> "
                    f"iXX_DD_L.bmp', as TID2013 publishes it; got {line.strip()!r}."
                )
            ref = f"I{int(match.group(1)):02d}"
            paths.append(_find(distorted, names, parts[1], name))
            scores.append(float(parts[0]))
            groups.append(ref)
            distortions.append(f"{int(match.group(2)):02d}")
            levels.append(int(match.group(3)))
            ref_file = ref_names.get(f"{ref}.bmp".lower(), f"{ref}.BMP")
            references.append(os.path.join(reference, ref_file))
    return paths, np.asarray(scores), groups, distortions, levels, references


def _load_kadid10k(root):
    name = "kadid10k"
    score_file = _require(os.path.join(root, "dmos.csv"), name, "dmos.csv")
    images = _require(os.path.join(root, "images"), name, "Folder images/")
    names = _case_insensitive(images)
    paths, scores, groups, distortions, levels, references = [], [], [], [], [], []
    with open(score_file, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"dist_img", "ref_img", "dmos"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"'{score_file}' must have the columns dist_img, ref_img and dmos, "
                f"as KADID-10k publishes it; {sorted(missing)} missing."
            )
        for row in reader:
            match = re.fullmatch(
                r"(i\d+)_(\d+)_(\d+)\.\w+", row["dist_img"], re.IGNORECASE
            )
            paths.append(_find(images, names, row["dist_img"], name))
            scores.append(float(row["dmos"]))
            groups.append(os.path.splitext(row["ref_img"])[0])
            distortions.append(match.group(2) if match else "")
            levels.append(int(match.group(3)) if match else -1)
            references.append(os.path.join(images, row["ref_img"]))
    return paths, np.asarray(scores), groups, distortions, levels, references


_LOADERS = {"live": _load_live, "tid2013": _load_tid2013, "kadid10k": _load_kadid10k}


@validate_params(
    {
        "path": [str, os.PathLike],
        "name": [StrOptions(set(_LOADERS))],
        "return_details": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_iqa_dataset(path, *, name, return_details=False):
    """Load an image-quality set with human scores from its published layout.

    Reads LIVE Release 2 [1]_, TID2013 [2]_ or KADID-10k [3]_ as their
    authors distribute them, for no-reference quality assessment (the second
    experiment of Chandakkar & Li's hyper-image paper). None of them can be
    downloaded by skforensics: fetch and unpack them yourself, under their
    licences, and pass the folder.

    Read more in the :ref:`User Guide <iqa_datasets>`.

    Parameters
    ----------
    path : str or path-like
        The unpacked folder. ``name="live"``: ``jp2k/``, ``jpeg/``,
        ``wn/``, ``gblur/``, ``fastfading/`` (``img1.bmp`` ...),
        ``refimgs/``, ``dmos.mat`` and ``refnames_all.mat``.
        ``name="tid2013"``: ``distorted_images/``, ``reference_images/`` and
        ``mos_with_names.txt``. ``name="kadid10k"``: ``images/`` and
        ``dmos.csv``.

    name : {"live", "tid2013", "kadid10k"}
        Which set.

    return_details : bool, default=False
        If True, also return a dict of per-image details.

    Returns
    -------
    X : LazyImages of length n_samples
        The distorted images, read when accessed, in the order of the score
        file (LIVE: the folders in the order above, ``img1`` ... within
        each). LIVE's copies of the reference images among the distorted
        ones (``orgs == 1`` in ``dmos.mat``) are left out, leaving 779
        images; TID2013 has 3000, KADID-10k 10125.

    y : ndarray of shape (n_samples,) of dtype float64
        The human scores as published: LIVE's DMOS (``dmos.mat``, 0 best,
        higher is worse), TID2013's MOS (0 to 9, higher is better) and
        KADID-10k's ``dmos`` column (1 to 5, higher is better despite its
        name).

    groups : ndarray of shape (n_samples,) of dtype str
        The reference image of each distorted image (LIVE: its file name
        without extension, TID2013 and KADID-10k: ``"I01"`` ...). Split with
        :class:`~sklearn.model_selection.GroupShuffleSplit` or
        :class:`~sklearn.model_selection.GroupKFold` so that no scene sits
        on both sides, as the IQA literature does.

    details : dict of ndarray
        Only returned if ``return_details`` is True. ``"distortion"``: the
        distortion type (LIVE's folder name, TID2013's and KADID-10k's
        two-digit type number); ``"level"``: the distortion level (TID2013
        1-5, KADID-10k 1-5, -1 for LIVE, which publishes a parameter per
        image instead); ``"reference"``: the path of the reference image,
        as needed by :func:`~skforensics.models.select_patches`.

    Raises
    ------
    FileNotFoundError
        If a file or folder of the layout is missing, or an image listed in
        the score file is not there.
    ValueError
        If the score files do not match the layout.

    See Also
    --------
    skforensics.models.HyperImageRegressor : The two-stage model of the
        paper.
    skforensics.models.select_patches : Selective patch training.

    Notes
    -----
    File names are matched case-insensitively, since the published archives
    mix ``.bmp`` and ``.BMP``.

    References
    ----------
    .. [1] H. R. Sheikh, Z. Wang, L. Cormack and A. C. Bovik, "LIVE Image
       Quality Assessment Database Release 2", 2005.
    .. [2] N. Ponomarenko et al., "Image database TID2013: Peculiarities,
       results and perspectives", Signal Processing: Image Communication
       30, 2015.
    .. [3] H. Lin, V. Hosu and D. Saupe, "KADID-10k: A Large-scale
       Artificially Distorted IQA Database", QoMEX 2019.

    Examples
    --------
    A two-image tree in the layout of KADID-10k:

    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skforensics.datasets import load_iqa_dataset
    >>> root = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(root, "images"))
    >>> for file in ("I01.png", "I01_01_01.png", "I01_01_02.png"):
    ...     image = np.zeros((8, 8, 3), dtype=np.uint8)
    ...     Image.fromarray(image).save(os.path.join(root, "images", file))
    >>> with open(os.path.join(root, "dmos.csv"), "w") as f:
    ...     _ = f.write("dist_img,ref_img,dmos,var\\n")
    ...     _ = f.write("I01_01_01.png,I01.png,4.5,0.1\\n")
    ...     _ = f.write("I01_01_02.png,I01.png,3.9,0.2\\n")
    >>> X, y, groups = load_iqa_dataset(root, name="kadid10k")
    >>> len(X), y.tolist(), groups.tolist(), X[0].shape
    (2, [4.5, 3.9], ['I01', 'I01'], (8, 8, 3))
    """
    root = os.fspath(path)
    if not os.path.isdir(root):
        raise FileNotFoundError(
            f"IQA data set folder not found: '{root}'. load_iqa_dataset("
            f"name='{name}') reads {_LAYOUTS[name]}."
        )
    paths, y, groups, distortions, levels, references = _LOADERS[name](root)
    if not paths:
        raise ValueError(f"The score file of {name} in '{root}' lists no image.")
    X = LazyImages(paths)
    y = np.asarray(y, dtype=np.float64)
    groups = np.asarray(groups, dtype=str)
    if not return_details:
        return X, y, groups
    details = {
        "distortion": np.asarray(distortions, dtype=str),
        "level": np.asarray(levels, dtype=np.int64),
        "reference": np.asarray(references, dtype=str),
    }
    return X, y, groups, details
