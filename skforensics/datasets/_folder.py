"""A folder of images in one sub-folder per class, read lazily."""

import os

import numpy as np

from ..utils import LazyImages
from ..utils._io import (
    IMAGE_EXTENSIONS,
    PILLOW_LIMIT,
    _check_folder,
    _pixel_limit,
    find_image_files,
)
from ..utils._param_validation import invalid_parameter, validate_params

__all__ = ["load_image_folder"]


def _check_extensions(extensions):
    expected = "a non-empty sequence of file extensions such as ('.png', '.jpg')"
    if isinstance(extensions, str):
        extensions = (extensions,)
    if (
        not isinstance(extensions, (list, tuple))
        or not extensions
        or not all(isinstance(e, str) and e.strip(".") for e in extensions)
    ):
        invalid_parameter("extensions", "load_image_folder", expected, extensions)
    return tuple(sorted({"." + e.lower().lstrip(".") for e in extensions}))


def _is_hidden(name):
    return name.startswith(".")


@validate_params(
    {"path": [str, os.PathLike], "extensions": "no_validation",
     "max_pixels": "no_validation"},
    prefer_skip_nested_validation=True,
)
def load_image_folder(path, *, extensions=IMAGE_EXTENSIONS, max_pixels=PILLOW_LIMIT):
    """Collect the images of a folder with one sub-folder per class.

    The layout is the one of :func:`sklearn.datasets.load_files`: every
    sub-folder of ``path`` is a class, named after the sub-folder, and holds
    the images of that class (deeper sub-folders are searched too and count
    for the class of their top-level sub-folder)::

        path/
            original/ a.png b.png ...
            upscaled/ c.png d.png ...

    Nothing is read: ``X`` is a :class:`~skforensics.utils.LazyImages` that
    reads a file when an image is accessed, so that scikit-learn can split
    and index large collections without loading them.

    Read more in the :ref:`User Guide <datasets>`.

    Parameters
    ----------
    path : str or path-like
        The folder.

    extensions : sequence of str, default=(".bmp", ".gif", ".jpeg", ".jpg", \
".pgm", ".png", ".ppm", ".tif", ".tiff", ".webp")
        The file extensions of images, matched case-insensitively; the
        leading dot is optional. Other files are ignored, and so are hidden
        files and folders (names starting with a dot) and files directly in
        ``path``.
    max_pixels : int, None or "pillow", default="pillow"
        The decompression-bomb limit of ``X``: images of more pixels are
        refused when read. ``"pillow"`` is Pillow's limit
        (``PIL.Image.MAX_IMAGE_PIXELS``), None none. See
        :func:`~skforensics.utils.read_image`.

    Returns
    -------
    X : LazyImages of length n_samples
        The image files, class by class in the sorted order of the class
        names, and within a class in the sorted order of their paths.

    y : ndarray of shape (n_samples,) of dtype str
        The class (sub-folder name) of each image.

    groups : ndarray of shape (n_samples,)
        ``arange(n_samples)``: every file is its own source. If several files
        come from one photograph, build your own groups, so that a grouped
        split keeps them together.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    NotADirectoryError
        If ``path`` is a file.
    ValueError
        If no image with one of ``extensions`` is found in a sub-folder.

    See Also
    --------
    skforensics.utils.LazyImages : The lazy collection returned as ``X``.
    sklearn.datasets.load_files : The same layout for text files.

    Notes
    -----
    A file that is not a readable image raises an ``OSError`` naming the
    file when it is read, not here.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skforensics.datasets import load_image_folder
    >>> root = tempfile.mkdtemp()
    >>> for label in ("real", "fake"):
    ...     os.mkdir(os.path.join(root, label))
    ...     for i in range(2):
    ...         image = np.full((8, 8), 40 * i, dtype=np.uint8)
    ...         Image.fromarray(image).save(os.path.join(root, label, f"{i}.png"))
    >>> X, y, groups = load_image_folder(root)
    >>> len(X), y.tolist(), X[0].shape
    (4, ['fake', 'fake', 'real', 'real'], (8, 8))
    """
    extensions = _check_extensions(extensions)
    _pixel_limit(max_pixels)
    folder = _check_folder(
        path,
        "Image folder",
        ", not a folder. load_image_folder takes a folder with one sub-folder of "
        "images per class; for a list of files use "
        "skforensics.utils.LazyImages(paths).",
    )
    classes = sorted(
        entry.name
        for entry in os.scandir(folder)
        if entry.is_dir() and not _is_hidden(entry.name)
    )
    paths, labels = [], []
    for label in classes:
        for relative in find_image_files(os.path.join(folder, label), extensions):
            paths.append(os.path.join(folder, label, relative))
            labels.append(label)
    if not paths:
        loose = _files_under_top(folder, extensions)
        hint = (
            f" There are {loose} image file(s) directly in the folder: move them "
            "into one sub-folder per class."
            if loose
            else ""
        )
        raise ValueError(
            f"No images found in the sub-folders of '{folder}' (looked for "
            f"{', '.join(extensions)}).{hint}"
        )
    return (
        LazyImages(paths, max_pixels=max_pixels),
        np.asarray(labels),
        np.arange(len(paths)),
    )


def _files_under_top(folder, extensions):
    return sum(
        1
        for entry in os.scandir(folder)
        if entry.is_file()
        and not _is_hidden(entry.name)
        and os.path.splitext(entry.name)[1].lower() in extensions
    )
