"""Validation of image collections, the one entry point for every estimator."""

import math
import warnings

import numpy as np
import scipy.sparse
from joblib import Parallel, delayed

from ._color import bt601_luma
from ._io import LazyImages
from ._parallel import N_JOBS_CONSTRAINT
from ._param_validation import as_pair, validate_parameter_constraints
from ._warnings import warn_user

__all__ = ["apply_images", "check_images", "image_shapes", "n_channels_of"]


def _float_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and dtype.itemsize in (4, 8):
        # float32 and float64 are kept, in native byte order: a big-endian
        # float64 (from a FITS file, say) was cast to float32.
        return dtype.newbyteorder("=")
    return np.dtype(np.float32)


def _describe_size(shape):
    return f"{shape[0]}x{shape[1]}"


def check_image(
    image,
    *,
    n_channels=None,
    min_size=None,
    min_size_hint="",
    check_range=True,
    convert_to=None,
    copy=False,
    index=None,
    warn_uint16=True,
):
    """Validate one image; see :func:`check_images` for the rules.

    Returns a float array of shape ``(H, W)`` or ``(H, W, C)``.
    """
    where = "" if index is None else f" (image {index})"
    if isinstance(image, (str, bytes)):
        raise TypeError(
            f"Got a file path{where} where an image array was expected. Wrap "
            "file paths in skforensics.utils.LazyImages(paths)."
        )
    image = np.asarray(image)
    if image.dtype.kind in "US":
        raise TypeError(
            f"Got text{where} where an image array was expected. Wrap file "
            "paths in skforensics.utils.LazyImages(paths)."
        )
    if image.dtype == object or not (
        np.issubdtype(image.dtype, np.number) or image.dtype == bool
    ):
        raise TypeError(
            f"Images must hold numbers; got dtype {image.dtype}{where}. Images of "
            "different sizes go in a list of arrays, not an object array."
        )
    if np.issubdtype(image.dtype, np.complexfloating):
        raise TypeError(f"Images must be real-valued; got dtype {image.dtype}{where}.")
    if image.ndim not in (2, 3):
        raise ValueError(
            "Each image must have shape (height, width) or (height, width, "
            f"n_channels); got an array of shape {image.shape}{where}."
        )
    if image.ndim == 3:
        channels = image.shape[2]
        if channels == 4:
            warn_user(
                f"Dropping the alpha channel of an RGBA image{where}; pass RGB "
                "images to silence this warning."
            )
            image = image[..., :3]
        elif channels not in (1, 3):
            hint = ""
            if image.shape[0] in (1, 3, 4):
                hint = (
                    " It looks channel-first: skforensics takes channel-last "
                    "images, use np.moveaxis(image, 0, -1)."
                )
            raise ValueError(
                "Images must be grayscale (H, W) or (H, W, 1), or RGB (H, W, 3) "
                f"channel-last; got shape {image.shape}{where}.{hint}"
            )
    from_integers = image.dtype == bool or np.issubdtype(image.dtype, np.integer)
    if warn_uint16:
        _warn_low_uint16(image, where)
    image = _to_float(image, where, copy=copy)
    # Integer data cannot hold NaN or infinity: skip the pass over the pixels.
    if not from_integers and not np.isfinite(image).all():
        raise ValueError(
            f"Images must not contain NaN or infinity; got non-finite pixels{where}."
        )
    if check_range and not from_integers and image.size:
        _check_unit_range(image, where)
    return _check_shape(
        image,
        n_channels=n_channels,
        convert_to=convert_to,
        min_size=min_size,
        min_size_hint=min_size_hint,
        where=where,
    )


def _check_shape(
    image,
    *,
    n_channels=None,
    convert_to=None,
    min_size=None,
    min_size_hint="",
    where="",
):
    """The rules of :func:`check_image` that read no pixel value, on an
    image whose values were checked: the channel policy ``convert_to``,
    the channel count and the smallest size."""
    if convert_to is not None:
        image = _convert_channels(image, convert_to)
    channels = 1 if image.ndim == 2 else image.shape[2]
    if n_channels is not None and channels != n_channels:
        if n_channels == 1:
            fix = (
                "convert them with skforensics.utils.to_grayscale, or put a "
                "skforensics.feature.GrayscaleTransformer step first"
            )
        else:
            fix = "convert grayscale images with np.repeat(image[..., None], 3, -1)"
        raise ValueError(
            f"Expected {n_channels}-channel images; got a {channels}-channel "
            f"image{where}: {fix}."
        )
    if min_size is not None:
        check_min_size(image.shape, min_size, hint=min_size_hint, where=where)
    return image


def check_min_size(shape, min_size, *, hint="", where=""):
    """Refuse an image of ``shape`` smaller than ``min_size``, as
    :func:`check_images` does (``hint`` says why, e.g. ``" for
    patch_size=(64, 64)"``): the check of an image validated before."""
    min_h, min_w = as_pair(min_size)
    if shape[0] < min_h or shape[1] < min_w:
        raise ValueError(
            f"Images must be at least {min_h}x{min_w} pixels (height x width)"
            f"{hint}; got a {_describe_size(shape)} image"
            f"{where}. Pass larger images"
            + (", or lower the size the estimator needs." if hint else ".")
        )


# Float pixels may overshoot [0, 1] by this much (rounding, interpolation)
# and are still accepted as they are.
RANGE_TOLERANCE = 1e-3


def _check_unit_range(image, where):
    low, high = image.min(), image.max()
    if low < -RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        hint = (
            " It looks like 8-bit data: divide it by 255 or pass it as uint8."
            if high > 1 + RANGE_TOLERANCE and high <= 255 + RANGE_TOLERANCE and low >= 0
            else " Divide 8-bit data by 255 (or pass it as uint8), 16-bit data "
            "by 65535 (or pass it as uint16)."
        )
        raise ValueError(
            f"Float images must lie in [0, 1]; got values in [{low:.4g}, "
            f"{high:.4g}]{where}.{hint} Clip interpolation overshoot with "
            "np.clip(X, 0, 1)."
        )


def _warn_low_uint16(image, where):
    """Warn when uint16 pixels never exceed 255: 8-bit data in a uint16 array."""
    if image.dtype != np.uint16 or not image.size:
        return
    high = int(image.max())
    if 0 < high <= 255:
        warn_user(
            f"uint16 images are scaled by 65535, but these never exceed {high}"
            f"{where}: 8-bit data stored as uint16 would be read as nearly "
            f"black (at most {high / 65535:.4f}). Pass 8-bit data as "
            "X.astype(np.uint8); ignore this warning for truly dark 16-bit "
            "images."
        )


def _convert_channels(image, convert_to, *, stack=False):
    """Convert a checked float image (or a stack of them, ``stack=True``) to
    ``"gray"`` (BT.601 luminance) or ``"rgb"`` (gray repeated)."""
    gray = image.ndim == (3 if stack else 2)
    if convert_to == "gray":
        if gray:
            return image
        if image.shape[-1] == 1:
            return image[..., 0]
        return bt601_luma(image)
    if gray:
        return np.repeat(image[..., np.newaxis], 3, axis=-1)
    if image.shape[-1] == 1:
        return np.repeat(image, 3, axis=-1)
    return image


def _to_float(image, where, copy):
    dtype = image.dtype
    if dtype == bool:
        return image.astype(np.float32)
    if dtype == np.uint8:
        return image.astype(np.float32) / np.float32(255)
    if dtype == np.uint16:
        return image.astype(np.float32) / np.float32(65535)
    if np.issubdtype(dtype, np.integer):
        raise TypeError(
            f"Integer images must be uint8 or uint16, so that their range is known; "
            f"got {dtype}{where}. Use X.astype(np.uint8) for 0..255 data, or pass "
            "floats scaled to [0, 1]."
        )
    target = _float_dtype(dtype)
    return image.astype(target, copy=copy)


def _is_image_array(X):
    return isinstance(X, np.ndarray) and X.dtype != object


def check_images(
    X,
    *,
    allow_color=True,
    n_channels=None,
    min_size=None,
    min_size_hint="",
    check_range=True,
    convert_to=None,
    copy=False,
    input_name="X",
):
    """Validate an image collection and convert it to floating point.

    Every skforensics estimator calls this on its ``X``. It accepts the three
    forms of an image collection and returns the same form:

    - an ndarray of shape ``(n_images, height, width)`` or
      ``(n_images, height, width, n_channels)``, channel-last;
    - a list (or tuple) of 2-D or 3-D arrays that may differ in size;
    - a :class:`LazyImages` of file paths, whose images are validated when
      read (the path is then in any error message).

    Read more in the :ref:`User Guide <image_collections>`.

    Parameters
    ----------
    X : ndarray, list of ndarray or LazyImages
        The image collection.

    allow_color : bool, default=True
        If False, only single-channel images are accepted.

    n_channels : {1, 3} or None, default=None
        Required number of channels (after ``convert_to``). ``(H, W)`` and
        ``(H, W, 1)`` images both count as one channel.

    min_size : int or tuple of (int, int), default=None
        Smallest accepted ``(height, width)``.

    min_size_hint : str, default=""
        Text inserted in the too-small message to say why, for example
        ``" for patch_size=(64, 64)"``.

    check_range : bool, default=True
        Refuse float images with values outside ``[0, 1]`` (up to a
        tolerance of ``1e-3`` for rounding). Leave it True for images; only
        code that validates arrays of other values (feature maps) turns it
        off.

    convert_to : {None, "gray", "rgb"}, default=None
        A channel policy: ``"gray"`` converts RGB images to BT.601 luminance
        ``(H, W)``, ``"rgb"`` repeats grayscale images to 3 channels. A
        collection that mixes grayscale and colour is refused either way.

    copy : bool, default=False
        If True, always return new arrays. Otherwise float input may be returned
        as is; callers must then not write into the result.

    input_name : str, default="X"
        The name used in error messages.

    Returns
    -------
    X_checked : ndarray, list of ndarray or LazyImages
        ``uint8`` and ``uint16`` images scaled to float32 in ``[0, 1]``, ``bool``
        to float32 0/1; float32 and float64 kept as given (float16 becomes
        float32). An RGBA image loses its alpha channel with a warning.

    Raises
    ------
    ValueError
        For an empty collection, wrong dimensions, a single image where a
        collection is expected, NaN or infinity, float values outside
        ``[0, 1]``, too-small images, a collection mixing grayscale and
        colour, or a channel count that does not match.
    TypeError
        For non-numeric data, signed or 32/64-bit integers (their range is
        unknown), or file paths given as plain strings.

    Warns
    -----
    UserWarning
        For RGBA images (alpha dropped), and for ``uint16`` images whose
        maximum is at most 255: 8-bit data stored as ``uint16`` is read by
        the 16-bit range and becomes nearly black.

    Notes
    -----
    The rules, the same for every estimator:

    - **Float range.** Integers are scaled by their range (``uint8`` by 255,
      ``uint16`` by 65535). Float images are not rescaled, so they must
      already lie in ``[0, 1]``: float data in 0..255 is refused with the
      fix (divide by 255, or pass ``uint8``), never silently misread.
    - **One image is not a collection.** A 3-D ndarray is a collection of
      grayscale images ``(n_images, H, W)``. A 3-D array whose last axis is
      3 or 4 and whose middle axis is more than 4 times longer,
      ``X.shape[1] > 4 * X.shape[2]``, is a single RGB(A) image
      ``(H, W, C)`` and is refused: pass ``image[np.newaxis]`` or
      ``[image]``. (A collection of grayscale images 3 or 4 pixels wide is
      passed unambiguously as ``X[..., np.newaxis]``.)
    - **Channels.** Grayscale is ``(H, W)`` or ``(H, W, 1)``; colour is RGB
      ``(H, W, 3)``. A collection must not mix the two: convert first with
      :func:`to_grayscale`, which accepts mixed lists.
    - The input is never modified.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.utils import check_images
    >>> X = np.zeros((2, 16, 16, 3), dtype=np.uint8)
    >>> check_images(X).dtype
    dtype('float32')
    >>> check_images(np.zeros((2, 256)))
    Traceback (most recent call last):
    ...
    ValueError: X must have shape (n_images, height, width[, n_channels]); got an array of shape (2, 256). ...
    >>> check_images(np.full((2, 16, 16), 200.0))
    Traceback (most recent call last):
    ...
    ValueError: Float images must lie in [0, 1]; got values in [200, 200] (image 0). It looks like 8-bit data: divide it by 255 or pass it as uint8. ...
    """
    if not allow_color:
        if n_channels not in (None, 1):
            raise ValueError("allow_color=False conflicts with n_channels > 1.")
        n_channels = 1
    if convert_to not in (None, "gray", "rgb"):
        raise ValueError(
            f"convert_to must be None, 'gray' or 'rgb'; got {convert_to!r}."
        )
    kwargs = dict(
        n_channels=n_channels,
        min_size=min_size,
        min_size_hint=min_size_hint,
        check_range=check_range,
        convert_to=convert_to,
    )
    if isinstance(X, LazyImages):
        if len(X) == 0:
            raise ValueError(f"{input_name} is an empty collection of images.")
        return X.map(check_image, **kwargs, copy=False)
    if hasattr(X, "__array__") and not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if _is_image_array(X):
        return _check_image_array(X, input_name=input_name, copy=copy, **kwargs)
    if isinstance(X, (str, bytes)) or not isinstance(X, (list, tuple)):
        if isinstance(X, np.ndarray):
            X = list(X)
        else:
            sparse = (
                " Sparse input is not supported: images are dense arrays."
                if scipy.sparse.issparse(X)
                else ""
            )
            raise TypeError(
                f"{input_name} must be an image collection: an ndarray of shape "
                "(n_images, height, width[, n_channels]), a list of 2-D/3-D "
                f"arrays, or skforensics.utils.LazyImages; got {type(X).__name__}."
                + sparse
            )
    if len(X) == 0:
        raise ValueError(f"{input_name} is an empty collection of images.")
    # Channels are compared before any conversion: the policy converts a
    # collection of one kind, it does not hide a mixed one.
    before = {**kwargs, "n_channels": None, "convert_to": None}
    images = [
        check_image(img, index=i, copy=copy, warn_uint16=False, **before)
        for i, img in enumerate(X)
    ]
    channels = {n_channels_of(img) for img in images}
    if len(channels) > 1:
        kinds = ["grayscale" if n_channels_of(img) == 1 else "colour" for img in images]
        first_gray, first_colour = kinds.index("grayscale"), kinds.index("colour")
        raise ValueError(
            f"{input_name} mixes grayscale and colour images (image {first_gray} "
            f"is grayscale, image {first_colour} is colour); convert them to one "
            "kind first, for example with skforensics.utils.to_grayscale(X)."
        )
    raw = [img for img in X if isinstance(img, np.ndarray)]
    if any(img.dtype == np.uint16 for img in raw):
        highest = max(
            (int(img.max()) for img in raw if img.dtype == np.uint16 and img.size),
            default=0,
        )
        _warn_low_uint16(np.array([highest], np.uint16), "")
    if n_channels is not None or convert_to is not None:
        # The values are checked: the policy and the count read no pixel again.
        images = [
            _check_shape(
                img, n_channels=n_channels, convert_to=convert_to, where=f" (image {i})"
            )
            for i, img in enumerate(images)
        ]
    return images


def _is_single_image(X):
    """A 3-D array that reads as one (H, W, 3 or 4) image, not n gray strips."""
    return X.ndim == 3 and X.shape[2] in (3, 4) and X.shape[1] > 4 * X.shape[2]


def _check_image_array(X, *, input_name, copy, **kwargs):
    if X.ndim not in (3, 4):
        hint = ""
        if X.ndim == 2:
            side = math.isqrt(X.shape[1])
            hint = " If your images are flattened, reshape them first"
            if side * side == X.shape[1]:
                hint += f", e.g. X.reshape({X.shape[0]}, {side}, {side})"
            hint += (
                "; a single grayscale image needs a leading axis: "
                "image[np.newaxis] or [image]."
            )
        elif X.ndim == 1:
            hint = " A single image needs a leading axis: X[np.newaxis]."
        raise ValueError(
            f"{input_name} must have shape (n_images, height, width[, n_channels]); "
            f"got an array of shape {X.shape}.{hint}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{input_name} is an empty collection of images.")
    if _is_single_image(X):
        raise ValueError(
            f"{input_name} has shape {X.shape}: one {X.shape[0]}x{X.shape[1]} "
            f"image with {X.shape[2]} channels, where a collection of images is "
            "expected. Pass image[np.newaxis] (or [image]) for one image. For a "
            f"collection of grayscale images {X.shape[2]} pixels wide, pass "
            "X[..., np.newaxis]."
        )
    if X.ndim == 4 and X.shape[3] not in (1, 3, 4) and X.shape[1] in (1, 3, 4):
        raise ValueError(
            f"{input_name} has shape {X.shape}, which looks channel-first; "
            "skforensics takes channel-last images: use np.moveaxis(X, 1, -1)."
        )
    convert_to = kwargs.pop("convert_to")
    n_channels = kwargs.pop("n_channels")
    # The whole stack is checked at once, as one "image" of n rows, then
    # reshaped back: the per-image rules are the same and it avoids a loop.
    flat = X.reshape((X.shape[0] * X.shape[1],) + X.shape[2:])
    rules = {**kwargs, "min_size": None, "warn_uint16": False}
    error = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # RGBA: warned once below
        try:
            checked = check_image(flat, copy=copy, **rules)
        except ValueError as exc:
            error = exc
        if error is not None:
            # Name the first offending image rather than the stacked rows
            # (outside the except block, so the message is not chained).
            for i in range(X.shape[0]):
                check_image(X[i], index=i, **rules)
            raise error
    if X.ndim == 4 and X.shape[3] == 4:
        warn_user(
            "Dropping the alpha channel of RGBA images; pass RGB images to "
            "silence this warning."
        )
    _warn_low_uint16(X, "")
    checked = checked.reshape(X.shape[:3] + checked.shape[2:])
    if convert_to is not None:
        checked = _convert_channels(checked, convert_to, stack=True)
    _check_shape(
        checked[0],
        n_channels=n_channels,
        min_size=kwargs["min_size"],
        min_size_hint=kwargs["min_size_hint"],
    )
    return checked


def check_one_per_image(values, name, what):
    """``values`` as a 1-D array, one ``what`` (``"score"``, ``"target"``)
    per image: shape ``(n, 1)`` is flattened, any other than ``(n,)`` refused."""
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D of shape (n_images,), one {what} per image; got "
            f"an array of shape {values.shape}."
        )
    return values


def n_channels_of(image):
    """Number of channels of one image: 1 for ``(H, W)``, else ``shape[2]``."""
    return 1 if image.ndim == 2 else image.shape[2]


def image_shapes(X):
    """Return the ``(height, width)`` of every image of a checked collection.

    Parameters
    ----------
    X : ndarray, list of ndarray or LazyImages
        A checked image collection. A :class:`LazyImages` is read in full, one
        image at a time; avoid this on huge lazy collections.

    Returns
    -------
    shapes : list of tuple of (int, int)
        Height and width of each image.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.utils import image_shapes, make_test_images
    >>> image_shapes(make_test_images(2, size=(16, 24)))
    [(16, 24), (16, 24)]
    >>> image_shapes([np.zeros((8, 8)), np.zeros((4, 6, 3))])
    [(8, 8), (4, 6)]
    """
    if isinstance(X, np.ndarray):
        return [X.shape[1:3]] * X.shape[0]
    return [X[i].shape[:2] for i in range(len(X))]


def apply_images(func, X, *, n_jobs=None, stack=True, **kwargs):
    """Apply a per-image function over a collection, keeping its form.

    Parameters
    ----------
    func : callable
        ``func(image, **kwargs)``; a module-level function so it pickles.
    X : ndarray, list of ndarray or LazyImages
        A collection already passed through :func:`check_images`.
    n_jobs : int, default=None
        Number of joblib workers (``None`` means 1).
    stack : bool, default=True
        For ndarray input, stack the results into an ndarray when they all
        have the same shape.
    **kwargs : dict
        Passed to ``func``.

    Returns
    -------
    results : ndarray, list or LazyImages
        A :class:`LazyImages` stays lazy (``func`` runs when an image is read);
        an ndarray gives an ndarray; a list gives a list.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.utils import apply_images, make_test_images
    >>> X = make_test_images(3, size=(16, 24))
    >>> apply_images(np.transpose, X).shape
    (3, 24, 16)
    >>> [image.shape for image in apply_images(np.transpose, [X[0], X[1][:8]])]
    [(24, 16), (24, 8)]
    """
    validate_parameter_constraints(
        {"n_jobs": N_JOBS_CONSTRAINT}, {"n_jobs": n_jobs}, "apply_images"
    )
    if isinstance(X, LazyImages):
        return X.map(func, **kwargs)
    if n_jobs in (None, 1):
        results = [func(X[i], **kwargs) for i in range(len(X))]
    else:
        results = Parallel(n_jobs=n_jobs)(
            delayed(func)(X[i], **kwargs) for i in range(len(X))
        )
    if isinstance(X, np.ndarray) and stack:
        shapes = {np.shape(r) for r in results}
        if len(shapes) == 1:
            return np.stack(results)
    return results
