"""Reading images from files, eagerly or lazily."""

import errno
import inspect
import numbers
import os
import struct
import threading
import warnings
from collections.abc import Sequence

import numpy as np
from PIL import Image

__all__ = ["LazyImages", "read_image"]

# File extensions taken for images when a folder is searched (lower case).
# AVIF: Pillow decodes it from 11.2 on (older ones say so in the file's error).
IMAGE_EXTENSIONS = (
    ".avif",
    ".bmp",
    ".gif",
    ".jfif",
    ".jpe",
    ".jpeg",
    ".jpg",
    ".pbm",
    ".pgm",
    ".png",
    ".pnm",
    ".ppm",
    ".tif",
    ".tiff",
    ".webp",
)


# Image formats Pillow does not decode, by extension, and why.
_HEIF = (
    "a HEIC/HEIF image, which Pillow decodes only with the pillow-heif plugin "
    "registered in the process"
)
UNREADABLE_IMAGE_FORMATS = {
    ".heic": _HEIF,
    ".heif": _HEIF,
    ".jxl": "a JPEG XL image, which Pillow does not decode",
}
# What an audit of a folder lists: images, and images it cannot decode (one
# record each that says so, rather than left out unseen).
AUDITED_IMAGE_EXTENSIONS = IMAGE_EXTENSIONS + tuple(UNREADABLE_IMAGE_FORMATS)


def lossy_codec(img):
    """The lossy codec other than JPEG that wrote an open Pillow image, or None.

    ``"WebP"`` for a lossy WebP file (its image chunk is ``VP8 ``, not the
    lossless ``VP8L``), ``"AVIF"`` and ``"HEIF"`` for those files (lossy
    almost always), None for every other format. Their block transforms
    (4x4 to 64x64 pixels) leave grids that a JPEG's resized lattice can be
    mistaken for.
    """
    if img.format in ("AVIF", "HEIF"):
        return img.format
    if img.format != "WEBP" or not getattr(img, "fp", None):
        return None
    position = img.fp.tell()
    try:
        img.fp.seek(12)
        for _ in range(64):  # the RIFF chunks, into an animation's first frame
            header = img.fp.read(8)
            if len(header) < 8:
                return None
            tag, size = header[:4], struct.unpack("<I", header[4:])[0]
            if tag in (b"VP8 ", b"VP8L"):
                return "WebP" if tag == b"VP8 " else None
            if tag == b"ANMF":
                img.fp.seek(16, os.SEEK_CUR)  # the frame's own header
                continue
            img.fp.seek(size + size % 2, os.SEEK_CUR)
        return None
    except (OSError, struct.error):
        return None
    finally:
        img.fp.seek(position)


def find_image_files(folder, extensions=IMAGE_EXTENSIONS, *, exclude=None):
    """Image files below ``folder``, recursively, as sorted relative paths.

    Hidden files and folders (names starting with a dot) are skipped, and so
    is the folder ``exclude`` (an absolute path, e.g. where a report is
    written inside the searched folder).
    """
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and os.path.abspath(os.path.join(root, d)) != exclude
        )
        for name in files:
            extension = os.path.splitext(name)[1].lower()
            if not name.startswith(".") and extension in extensions:
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return sorted(found)


def _check_folder(path, what, file_hint):
    """``path`` as a str, refused with the error that says why unless it is a
    folder: FileNotFoundError ("{what} not found: ...") or NotADirectoryError
    ("'path' is a file" followed by ``file_hint``, which names the fix)."""
    folder = os.fspath(path)
    if not os.path.exists(folder):
        raise FileNotFoundError(f"{what} not found: '{folder}'.")
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"'{folder}' is a file{file_hint}")
    return folder


# The decompression-bomb limit read_image applies by default: Pillow's own.
PILLOW_LIMIT = "pillow"
# Pillow's limit is a module global read by Image.open; it is lifted only
# while this lock is held (see _open_image).
_PILLOW_LIMIT_LOCK = threading.Lock()


def _check_path(path, what="Image"):
    """Refuse, with a message naming ``path``, what is not a readable file."""
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"{what} file '{path}' is a folder, not a file. Pass the files in it, "
            "or a folder where a folder is accepted (load_image_folder, analyse)."
        )
    if os.path.exists(path):
        return
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise OSError(
                    f"{what} file '{path}' is a symbolic link loop: it points, "
                    "through other links, back to itself."
                ) from None
        target = os.readlink(path)
        raise FileNotFoundError(
            f"{what} file not found: '{path}' is a symbolic link to '{target}', "
            "which does not exist."
        )
    raise FileNotFoundError(f"{what} file not found: '{path}'.")


def _pixel_limit(max_pixels):
    if isinstance(max_pixels, str) and max_pixels == PILLOW_LIMIT:
        return Image.MAX_IMAGE_PIXELS
    if max_pixels is None:
        return None
    if (
        isinstance(max_pixels, bool)
        or not isinstance(max_pixels, numbers.Integral)
        or max_pixels < 1
    ):
        raise ValueError(
            "max_pixels must be a positive int, None (no limit) or "
            f"'pillow' (PIL.Image.MAX_IMAGE_PIXELS); got {max_pixels!r}."
        )
    return int(max_pixels)


def _bomb_error(path, n_pixels, limit, max_pixels):
    where = (
        f"Pillow's decompression-bomb limit (PIL.Image.MAX_IMAGE_PIXELS = {limit})"
        if isinstance(max_pixels, str)
        else f"the limit max_pixels={limit}"
    )
    size = f"{n_pixels} pixels" if n_pixels else "more pixels"
    return ValueError(
        f"Image file '{path}' has {size}, more than {where}. If you trust the "
        "file, raise the limit: read_image(path, max_pixels=...) or "
        "LazyImages(paths, max_pixels=...) (None for no limit)."
    )


def _open_image(path, limit):
    """``Image.open(path)`` with the decompression-bomb ``limit`` (None: none)."""
    if limit == Image.MAX_IMAGE_PIXELS:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that;
            # both are refused here, so a huge file never reaches memory.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(path)
    with _PILLOW_LIMIT_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            return Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def read_image(path, *, max_pixels=PILLOW_LIMIT):
    """Read one image file into an array, keeping its native dtype.

    8-bit files give ``uint8``, 16-bit files ``uint16`` and floating-point
    TIFFs ``float32``. Palette images are expanded to RGB (RGBA if they have
    transparency), grayscale images with an alpha channel to RGBA; CMYK and
    YCbCr are converted to RGB; an alpha channel is kept
    (:func:`~skforensics.utils.check_images` drops it with a warning).

    The pixels are returned as stored: an EXIF orientation tag is not
    applied (the JPEG block grid and the sensor's pattern stay where the
    encoder put them), and a file of several frames or pages (animated GIF,
    WebP or PNG, multi-page TIFF) gives its first one. See
    :ref:`image_collections`.

    Parameters
    ----------
    path : str or path-like
        The image file. Every format Pillow reads is accepted.
    max_pixels : int, None or "pillow", default="pillow"
        The most pixels (height x width) read: larger files are refused
        before their pixels are decoded, as decompression bombs.
        ``"pillow"`` is Pillow's limit, ``PIL.Image.MAX_IMAGE_PIXELS``
        (89,478,485 pixels unless changed: Pillow warns above it and refuses
        twice as many, read_image refuses both); None reads any size.

    Returns
    -------
    image : ndarray of shape (height, width) or (height, width, n_channels)
        The pixels, in the file's own dtype and range.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (or is a symbolic link to nothing).
    OSError
        If the file is not an image, is truncated or cannot be decoded, is a
        folder, a symbolic link loop or cannot be opened (permissions). The
        message names the file.
    ValueError
        If the image has more than ``max_pixels`` pixels, or
        ``max_pixels`` is not a positive int, None or "pillow".

    Warns
    -----
    UserWarning
        Pillow's own warnings about a file it reads (corrupt EXIF data, for
        one), naming the file; none when the file cannot be read (the error
        then names it).

    Examples
    --------
    A photograph that scikit-image installs with its package:

    >>> import os
    >>> import skimage
    >>> from skforensics.utils import read_image
    >>> path = os.path.join(skimage.data_dir, "camera.png")
    >>> image = read_image(path)
    >>> image.shape, image.dtype
    ((512, 512), dtype('uint8'))
    >>> read_image(path, max_pixels=100_000)
    Traceback (most recent call last):
    ...
    ValueError: Image file '...camera.png' has 262144 pixels, more than the limit max_pixels=100000. ...
    """
    limit = _pixel_limit(max_pixels)
    path = os.fspath(path)
    _check_path(path)
    # Pillow's own warnings (corrupt EXIF data, odd chunks) do not name the
    # file: dropped where the read fails (its error says what matters),
    # passed on naming the file where it succeeds.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image = _decode(path, limit, max_pixels)
    for warning in caught:
        warnings.warn(
            f"Image file '{path}': {warning.message}", warning.category, stacklevel=2
        )
    return image


def _decode(path, limit, max_pixels):
    """The pixels of the image file at ``path`` (see :func:`read_image`)."""
    try:
        img = _open_image(path, limit)
    except _READ_ERRORS as exc:
        raise _read_error(exc, path, limit, max_pixels) from exc
    with img:
        n_pixels = img.width * img.height
        if limit is not None and n_pixels > limit:
            raise _bomb_error(path, n_pixels, limit, max_pixels)
        try:
            img.load()
            return _to_array(img)
        except _READ_ERRORS as exc:
            raise _read_error(exc, path, limit, max_pixels) from exc


_READ_ERRORS = (
    Image.DecompressionBombWarning,
    Image.DecompressionBombError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
)


def _read_error(exc, path, limit, max_pixels):
    """The exception, naming ``path``, that read_image raises for ``exc``."""
    if isinstance(exc, (Image.DecompressionBombWarning, Image.DecompressionBombError)):
        return _bomb_error(path, None, limit, max_pixels)
    if isinstance(exc, Image.UnidentifiedImageError):
        unreadable = UNREADABLE_IMAGE_FORMATS.get(os.path.splitext(path)[1].lower())
        if unreadable:
            return OSError(
                f"Cannot read image file '{path}': {unreadable}; convert it to "
                "PNG or TIFF first."
            )
        return OSError(
            f"Cannot read image file '{path}': not an image format Pillow knows."
        )
    if isinstance(exc, PermissionError):
        return PermissionError(f"Cannot read image file '{path}': permission denied.")
    return OSError(
        f"Cannot read image file '{path}': the file is truncated or corrupt ({exc})."
    )


def image_corner(image, height, width):
    """What :func:`check_images` needs to see of an 8-bit image, without
    the float copy it would make of the whole: the top-left ``height x
    width`` corner, which has the image's dtype and channels and passes a
    size check of ``(height, width)`` exactly when the image does. An image
    smaller than that, or of a shape check_images refuses (its message then
    gives the real shape), is returned whole.
    """
    image = np.asarray(image)
    well_formed = image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3, 4))
    if not well_formed or image.shape[0] < height or image.shape[1] < width:
        return image
    return image[:height, :width]


def without_alpha(image):
    """An 8-bit image checked on its :func:`image_corner`, as the checked
    whole would be: a view without its alpha channel (RGBA to RGB), the
    pixels themselves otherwise."""
    return image[..., :3] if image.ndim == 3 and image.shape[2] == 4 else image


def _to_array(img):
    mode = img.mode
    if mode == "1":
        return np.asarray(img.convert("L"))
    if mode == "P":
        has_alpha = "transparency" in img.info
        return np.asarray(img.convert("RGBA" if has_alpha else "RGB"))
    if mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        return np.asarray(img.convert("RGB"))
    if mode.startswith("I;16"):
        return np.asarray(img).astype(np.uint16, copy=False)
    if mode == "I":
        array = np.asarray(img)
        if array.size and (array.min() < 0 or array.max() > 65535):
            raise ValueError(f"32-bit integer pixels outside 0..65535 ({mode})")
        return array.astype(np.uint16)
    if mode == "F":
        return np.asarray(img, dtype=np.float32)
    if mode in ("PA", "LA", "La"):
        return np.asarray(img.convert("RGBA"))
    return np.asarray(img)


class LazyImages(Sequence):
    """A collection of image files, read only when an image is accessed.

    ``LazyImages`` is an image collection like an ndarray of images: any
    skforensics estimator takes it as ``X``. Indexing with an integer reads
    that file; indexing with a slice, a list of indices or a boolean mask
    returns a new ``LazyImages`` without reading anything, so
    :class:`~sklearn.model_selection.GridSearchCV` and
    :func:`~sklearn.model_selection.cross_validate` split huge collections
    without loading them. It pickles as its list of paths.

    Read more in the :ref:`User Guide <image_collections>`.

    Parameters
    ----------
    paths : sequence of str or path-like
        The image files, in order.
    max_pixels : int, None or "pillow", default="pillow"
        The most pixels an image may have: larger files are refused, when
        read, as decompression bombs. ``"pillow"`` is Pillow's limit
        (``PIL.Image.MAX_IMAGE_PIXELS``); None reads any size. See
        :func:`read_image`.
    _ops : tuple of (callable, dict), default=()
        Internal: the functions applied to each image when it is read, as
        set by :meth:`map` (and kept by indexing). Not meant to be passed
        by users; call :meth:`map` instead.

    Attributes
    ----------
    paths : tuple of str
        The image files.
    shape : tuple of int
        ``(n_images,)``, so that scikit-learn counts and indexes samples.

    See Also
    --------
    read_image : Read one image file.
    skforensics.datasets.load_image_folder : Collect the images of a folder.

    Examples
    --------
    Three photographs that scikit-image installs with its package, read
    when indexed:

    >>> import os
    >>> import skimage
    >>> from skforensics.utils import LazyImages
    >>> names = ["camera.png", "coffee.png", "brick.png"]
    >>> images = LazyImages([os.path.join(skimage.data_dir, n) for n in names])
    >>> len(images), images[1].shape, len(images[[0, 2]])
    (3, (400, 600, 3), 2)
    """

    max_pixels = PILLOW_LIMIT  # also for collections pickled before it existed

    def __init__(self, paths, *, max_pixels=PILLOW_LIMIT, _ops=()):
        if isinstance(paths, (str, bytes, os.PathLike)):
            raise TypeError(
                "paths must be a sequence of file paths, not a single path. "
                "Use LazyImages([path]) for one file, or "
                "skforensics.datasets.load_image_folder(folder) for a folder."
            )
        self.paths = tuple(os.fspath(p) for p in paths)
        _pixel_limit(max_pixels)  # a bad limit fails here, not at the first read
        self.max_pixels = max_pixels
        self._ops = tuple(_ops)

    @property
    def shape(self):
        return (len(self),)

    def __len__(self):
        return len(self.paths)

    # Subclasses (e.g. the frames of a video) implement these two hooks, and
    # name what a sample is.
    _sample = "image"

    def _read(self, index):
        """Image ``index`` as read, and where it came from, for messages."""
        path = self.paths[index]
        return read_image(path, max_pixels=self.max_pixels), f"Image file '{path}'"

    def _subset(self, indices, ops):
        """A collection of the same kind over ``indices``, applying ``ops``."""
        return LazyImages(
            [self.paths[i] for i in indices], max_pixels=self.max_pixels, _ops=ops
        )

    def __getitem__(self, key):
        if isinstance(key, tuple):
            # scikit-learn's _safe_indexing asks for X[key, ...].
            if len(key) == 2 and key[1] is Ellipsis:
                key = key[0]
            else:
                raise IndexError(
                    f"{type(self).__name__} only index along the {self._sample} axis."
                )
        if isinstance(key, numbers.Integral):
            image, where = self._read(key)
            for func, kwargs in self._ops:
                try:
                    image = func(image, **kwargs)
                except (ValueError, TypeError) as exc:
                    raise type(exc)(f"{where}: {exc}") from exc
            return image
        if isinstance(key, slice):
            return self._subset(range(len(self))[key], self._ops)
        key = np.asarray(key)
        if key.dtype == bool:
            if key.shape != (len(self),):
                raise IndexError(
                    f"Boolean index of shape {key.shape} does not match "
                    f"{len(self)} {self._sample}s."
                )
            key = np.flatnonzero(key)
        elif key.size and not np.issubdtype(key.dtype, np.integer):
            raise IndexError(
                f"Cannot index {type(self).__name__} with {key.dtype} keys."
            )
        return self._subset(key.ravel().astype(np.intp), self._ops)

    def __getstate__(self):
        # Pickled as its paths and per-image functions, never pixels: a
        # joblib or Dask worker that receives a collection reads the files.
        return {"paths": self.paths, "max_pixels": self.max_pixels, "_ops": self._ops}

    def map(self, func, **kwargs):
        """Return a collection that applies ``func`` to each image when read.

        Parameters
        ----------
        func : callable
            ``func(image, **kwargs)`` returning an image. It must be picklable
            (a module-level function) for the collection to pickle.
        **kwargs : dict
            Keyword arguments passed to ``func``.

        Returns
        -------
        images : LazyImages
            A new lazy collection over the same images.

        Raises
        ------
        TypeError
            If ``func`` cannot be called as ``func(image, **kwargs)`` (a
            misspelled keyword, say): now, not when an image is read.
        """
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):  # a builtin without a signature
            signature = None
        if signature is not None:
            try:
                signature.bind(None, **kwargs)
            except TypeError as exc:
                name = getattr(func, "__name__", repr(func))
                raise TypeError(
                    f"LazyImages.map cannot call {name}(image, **kwargs) with "
                    f"kwargs={kwargs!r}: {exc}."
                ) from None
        return self._subset(range(len(self)), self._ops + ((func, kwargs),))

    def __repr__(self):
        ops = "".join(f".map({func.__name__})" for func, _ in self._ops)
        return f"LazyImages(<{len(self)} files>){ops}"

    def __eq__(self, other):
        return (
            isinstance(other, LazyImages)
            and self.paths == other.paths
            and self.max_pixels == other.max_pixels
            and self._ops == other._ops
        )

    def __hash__(self):
        return hash((self.paths, len(self._ops)))
