"""Video codecs in memory: frames through libx264 or libx265 and back.

:func:`video_round_trip` is the codec step of
:func:`~skforensics.datasets.make_degraded_images` beside JPEG
(:func:`~skforensics.datasets.jpeg_round_trip`).
"""

from fractions import Fraction
from numbers import Integral

import numpy as np

from ..utils._color import from_uint8, to_uint8
from ..utils._param_validation import Interval, StrOptions, validate_params
from ._resampling import _as_float, _check_image, _import_av

__all__ = ["video_round_trip"]

CODECS = ("none", "jpeg", "h264", "hevc")
_VIDEO_CODECS = {"h264": ("libx264", "h264"), "hevc": ("libx265", "hevc")}
_PRESETS = {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium"}


def _encoder(codec, height, width, crf, preset):
    """An x264 or x265 encoder of ``height x width`` yuv420p frames at 25
    frames per second, ``crf`` and ``preset``, with its default GOP."""
    av = _import_av()
    encoder = av.CodecContext.create(_VIDEO_CODECS[codec][0], "w")
    encoder.width, encoder.height = width, height
    encoder.pix_fmt = "yuv420p"
    encoder.time_base = Fraction(1, 25)
    options = {"crf": str(crf), "preset": preset}
    if codec == "hevc":
        options["x265-params"] = "log-level=none"
    encoder.options = options
    return encoder


def _frames_round_trip(frames, codec, crf, preset):
    """Encode 8-bit frames of even sizes (RGB or gray) with the encoder's
    default GOP (one frame: an I-frame) and decode them all, in memory; the
    decoded frames in presentation order, in the input's format."""
    av = _import_av()
    fmt = "rgb24" if frames[0].ndim == 3 else "gray"
    encoder = _encoder(codec, *frames[0].shape[:2], crf, preset)
    packets = []
    for pts, pixels in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format=fmt)
        frame = frame.reformat(format="yuv420p")
        frame.pts = pts
        packets += encoder.encode(frame)
    packets += encoder.encode(None)
    decoder = av.CodecContext.create(_VIDEO_CODECS[codec][1], "r")
    decoded = []
    for packet in packets:
        decoded += decoder.decode(packet)
    decoded += decoder.decode(None)
    decoded.sort(key=lambda frame: frame.pts)
    return [frame.to_ndarray(format=fmt) for frame in decoded]


def _video_uint8(pixels, codec, crf, preset):
    """Encode one 8-bit frame as an I-frame and decode it, in memory."""
    height, width = pixels.shape[:2]
    # yuv420p needs even sizes: replicate the last row / column.
    pad = ((0, height % 2), (0, width % 2)) + ((0, 0),) * (pixels.ndim - 2)
    padded = np.pad(pixels, pad, mode="edge") if any(sum(p) for p in pad) else pixels
    out = _frames_round_trip([padded], codec, crf, preset)[0]
    return np.ascontiguousarray(out[:height, :width])


@validate_params(
    {
        "image": ["array-like"],
        "codec": [StrOptions({"h264", "hevc"})],
        "crf": [Interval(Integral, 0, 51, closed="both")],
        "preset": [StrOptions(_PRESETS)],
    },
    prefer_skip_nested_validation=True,
)


def video_round_trip(image, *, codec="h264", crf=23, preset="ultrafast"):
    """Encode an image as one video frame and decode it back, in memory.

    The frame goes through the steps of a video file: RGB (or gray) to
    YUV 4:2:0 in the limited range of BT.601 (FFmpeg's swscale), one
    I-frame encoded by libx264 or libx265 with PyAV, decoded by FFmpeg and
    converted back.

    Read more in the :ref:`User Guide <degraded_images>`.

    Parameters
    ----------
    image : array-like of shape (H, W), (H, W, 1) or (H, W, 3)
        A float image in [0, 1] (rounded to 8 bits first) or ``uint8``.
        Odd sizes are padded by one replicated row or column for 4:2:0 and
        cropped back.

    codec : {"h264", "hevc"}, default="h264"
        H.264 (libx264) or HEVC (libx265).

    crf : int in [0, 51], default=23
        Constant rate factor: 18 is "visually lossless", 23 libx264's
        default, 28 libx265's default. ``crf=0`` is lossless for libx264
        (up to the YUV range step) but not for libx265.

    preset : str, default="ultrafast"
        The encoder's speed preset, among "ultrafast", "superfast",
        "veryfast", "faster", "fast" and "medium".

    Returns
    -------
    decoded : ndarray of the shape of ``image`` and dtype float32
        The decoded pixels in [0, 1].

    Raises
    ------
    ImportError
        If PyAV is not installed (``pip install skforensics[video]``).

    See Also
    --------
    make_degraded_images : Training pairs that share the codec.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.datasets import video_round_trip
    >>> image = np.random.RandomState(0).rand(32, 48).astype(np.float32)
    >>> decoded = video_round_trip(image, codec="h264", crf=28)
    >>> decoded.shape, decoded.dtype
    ((32, 48), dtype('float32'))
    """
    image = _check_image(image, "video_round_trip")
    pixels = image if image.dtype == np.uint8 else to_uint8(_as_float(image))
    single = pixels.ndim == 3 and pixels.shape[2] == 1
    out = _video_uint8(pixels[..., 0] if single else pixels, codec, crf, preset)
    return from_uint8(out[..., np.newaxis] if single else out)
