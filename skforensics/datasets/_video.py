"""Frames of video files, read with PyAV, eagerly or lazily."""

import functools
import os
from numbers import Integral

import numpy as np

from ..utils import LazyImages
from ..utils._io import _check_path
from ..utils._param_validation import (
    Interval,
    StrOptions,
    invalid_parameter,
    validate_parameter_constraints,
    validate_params,
)
from ..utils._warnings import warn_user
from ._common import import_av

__all__ = ["LazyVideoFrames", "read_video_frames", "write_video"]

_CONSTRAINTS = {
    "path": [str, os.PathLike],
    "n_frames": [Interval(Integral, 1, None, closed="left"), None],
    "step": [Interval(Integral, 1, None, closed="left")],
    "start": [Interval(Integral, 0, None, closed="left")],
    "mode": [StrOptions({"gray", "rgb"})],
}


def _import_av():
    return import_av("Reading video files")


def _open(path):
    """Open ``path`` with PyAV; a clear error naming the file otherwise."""
    av = _import_av()
    _check_path(path, "Video")
    try:
        return av.open(path)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise ValueError(f"could not read video '{path}': {exc}") from exc


def _video_stream(container, path, owner):
    if not container.streams.video:
        invalid_parameter("path", owner, "a file with a video stream", path)
    return container.streams.video[0]


@functools.lru_cache(maxsize=64)
def _frame_table(path, mtime_ns, size, owner):
    """Presentation timestamps and keyframe positions of a video's frames.

    Only packets are read (nothing is decoded). Frame ``i`` is the ``i``-th in
    presentation order. Returns ``(pts, keyframes)``: an int64 array of
    timestamps, or None when the file carries none (then frames are reached by
    decoding from the start), and the sorted positions of the keyframes.
    The table is cached per file version; it holds 9 bytes per frame.
    """
    av = _import_av()
    with _open(path) as container:
        stream = _video_stream(container, path, owner)
        pts, keys = [], []
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue  # the flush packet at the end
                pts.append(packet.pts)
                keys.append(packet.is_keyframe)
        except (av.FFmpegError, OSError) as exc:
            raise ValueError(f"could not read video '{path}': {exc}") from exc
    if not pts:
        raise ValueError(f"could not read video '{path}': it holds no frames.")
    if any(p is None for p in pts):
        return None, np.zeros(1, dtype=np.intp)
    pts = np.asarray(pts, dtype=np.int64)
    order = np.argsort(pts, kind="stable")
    keyframes = np.flatnonzero(np.asarray(keys, dtype=bool)[order])
    if keyframes.size == 0 or keyframes[0] != 0:
        keyframes = np.concatenate([[0], keyframes])
    return pts[order], keyframes


def _table(path, owner):
    _check_path(path, "Video")
    stat = os.stat(path)
    return _frame_table(path, stat.st_mtime_ns, stat.st_size, owner)


def _luma(frame):
    """The decoded Y plane of a frame as uint8 ``(height, width)``."""
    fmt = frame.format
    if fmt.is_rgb or len(fmt.components) == 0 or not fmt.is_planar:
        # No Y plane to take (RGB-coded or packed YUV): swscale's conversion.
        return frame.to_ndarray(format="gray")
    plane = frame.planes[0]
    bits = fmt.components[0].bits
    if bits <= 8:
        buf = np.frombuffer(plane, dtype=np.uint8)
        rows = buf.reshape(plane.height, plane.line_size)
        return rows[:, : plane.width].copy()
    dtype = "<u2" if fmt.name.endswith("le") else ">u2"
    buf = np.frombuffer(plane, dtype=dtype)
    rows = buf.reshape(plane.height, plane.line_size // 2)[:, : plane.width]
    # High bit depth: rounded to 8 bits, keeping the stored code values' range.
    shift = bits - 8
    rows = (rows.astype(np.uint32) + (1 << (shift - 1))) >> shift
    return np.minimum(rows, 255).astype(np.uint8)


def _to_array(frame, mode):
    if mode == "gray":
        return _luma(frame)
    return frame.to_ndarray(format="rgb24")


class _Reader:
    """An open video whose decoder moves forward, seeking only when it must."""

    def __init__(self, path, owner):
        self.path = path
        self.pts, self.keyframes = _table(path, owner)
        self.container = _open(path)
        self.stream = _video_stream(self.container, path, owner)
        self.position = -1  # index of the last frame decoded
        self._frames = None

    def _restart(self, target):
        """Seek to the keyframe at or before frame ``target``."""
        key = int(self.keyframes[np.searchsorted(self.keyframes, target, "right") - 1])
        if self.pts is None or key == 0:
            self.container.seek(0, stream=self.stream, backward=True)
            key = 0
        else:
            self.container.seek(
                int(self.pts[key]), stream=self.stream, backward=True, any_frame=False
            )
        self._frames = self.container.decode(self.stream)
        self.position = key - 1

    def read(self, index):
        av = _import_av()
        key = self.keyframes[np.searchsorted(self.keyframes, index, "right") - 1]
        forward = self._frames is not None and key <= self.position + 1 <= index
        try:
            if not forward:
                self._restart(index)
            for frame in self._frames:
                if self.pts is None:
                    self.position += 1
                else:
                    if frame.pts is None:
                        self.position += 1
                    else:
                        found = np.searchsorted(self.pts, frame.pts)
                        if found >= len(self.pts) or self.pts[found] != frame.pts:
                            continue  # a leading picture of an open GOP
                        self.position = int(found)
                if self.position == index:
                    return frame
                if self.position > index:
                    break
        except (av.FFmpegError, OSError) as exc:
            raise ValueError(f"could not read video '{self.path}': {exc}") from exc
        self._frames = None
        raise ValueError(
            f"could not read video '{self.path}': frame {index} could not be "
            "decoded (the file may be truncated or corrupt)."
        )

    def close(self):
        self.container.close()


def _plan(path, n_frames, step, start, owner):
    """Validated frame indices ``start, start + step, ...`` of a video."""
    path = os.fspath(path)
    pts, _ = _table(path, owner)
    if pts is None:
        total = _count_decoded(path, owner)
    else:
        total = len(pts)
    if start >= total:
        invalid_parameter(
            "start",
            owner,
            f"less than the number of frames of '{path}' ({total})",
            start,
        )
    indices = np.arange(start, total, step, dtype=np.intp)
    if n_frames is not None:
        if n_frames > len(indices):
            warn_user(
                f"n_frames={n_frames} but '{path}' has only {len(indices)} frames "
                f"from start={start} with step={step}; all {len(indices)} are "
                "returned."
            )
        indices = indices[:n_frames]
    return path, indices


@functools.lru_cache(maxsize=16)
def _count_decoded_cached(path, mtime_ns, size, owner):
    av = _import_av()
    with _open(path) as container:
        stream = _video_stream(container, path, owner)
        try:
            total = sum(1 for _ in container.decode(stream))
        except (av.FFmpegError, OSError) as exc:
            raise ValueError(f"could not read video '{path}': {exc}") from exc
    if total == 0:
        raise ValueError(f"could not read video '{path}': no frame could be decoded.")
    return total


def _count_decoded(path, owner):
    _check_path(path, "Video")
    stat = os.stat(path)
    return _count_decoded_cached(path, stat.st_mtime_ns, stat.st_size, owner)


@validate_params(_CONSTRAINTS, prefer_skip_nested_validation=True)
def read_video_frames(path, *, n_frames=None, step=1, start=0, mode="gray"):
    """Read frames of a video file into an image collection.

    Frames are decoded with PyAV (FFmpeg), which reads every container and
    codec FFmpeg knows (MP4, MKV, MOV, WebM; H.264, HEVC, VP9, AV1, ...).
    The frames taken are ``start``, ``start + step``, ``start + 2 * step``,
    ..., at most ``n_frames`` of them, counted in presentation order. Frames
    far apart are reached by seeking to the keyframe before each, so a
    sparse sample of a long video decodes only a fraction of it.

    Read more in the :ref:`User Guide <video_input>`.

    Parameters
    ----------
    path : str or path-like
        The video file.
    n_frames : int, default=None
        The most frames to read; None reads all of them from ``start``. If
        the video has fewer, all are read and a warning says so.
    step : int, default=1
        Distance between two frames read: 1 reads every frame, 25 one frame
        a second of a 25 fps video.
    start : int, default=0
        Index of the first frame read. It must be less than the number of
        frames.
    mode : {"gray", "rgb"}, default="gray"
        ``"gray"`` returns the video's own luma: the Y plane of the decoded
        YUV frames, copied as stored, with no RGB round trip. ``"rgb"``
        converts each frame to 8-bit RGB with FFmpeg's swscale.

    Returns
    -------
    frames : ndarray of shape (n_frames, height, width) or \
            (n_frames, height, width, 3)
        The frames, ``uint8``; 2-D luma frames for ``mode="gray"``, RGB
        frames for ``mode="rgb"``.

    Raises
    ------
    ImportError
        If PyAV is not installed (``pip install skforensics[video]``).
    FileNotFoundError
        If ``path`` does not exist (or is a symbolic link to nothing).
    OSError
        If ``path`` is a folder or a symbolic link loop.
    ValueError
        If the file is not a video FFmpeg can read, or is truncated or
        corrupt. The message names the file.
    sklearn.utils._param_validation.InvalidParameterError
        If a parameter is invalid, the file has no video stream or ``start``
        is past its last frame.

    See Also
    --------
    LazyVideoFrames : The same frames, decoded only when accessed.
    skforensics.utils.read_image : Read one image file.

    Notes
    -----
    The luma returned by ``mode="gray"`` is the Y' of the encoded stream, in
    whatever matrix it was encoded with (usually ITU-R BT.601 for standard
    and BT.709 for high definition video) and in its stored range: video is
    usually "limited range", black at 16 and white at 235, so frames seldom
    reach 0 or 255. It is returned unchanged because it is what the codec
    quantised, which is what a forensic detector looks at; stretch it with
    ``(y - 16) * 255 / 219`` if you need full range. Videos of more than 8
    bits per sample (10-bit HEVC, for instance) are rounded to 8 bits,
    keeping the same range. Videos coded in RGB or packed YUV formats have no
    Y plane; their frames are converted to luma by swscale.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skforensics.datasets import read_video_frames, write_video
    >>> frames = np.repeat(np.arange(0, 200, 20, dtype=np.uint8), 48 * 64)
    >>> frames = frames.reshape(10, 48, 64)
    >>> path = write_video(os.path.join(tempfile.mkdtemp(), "tiny.mp4"), frames)
    >>> read_video_frames(path).shape
    (10, 48, 64)
    >>> read_video_frames(path, start=1, step=3, mode="rgb").shape
    (3, 48, 64, 3)
    """
    _import_av()
    path, indices = _plan(path, n_frames, step, start, "read_video_frames")
    frames = LazyVideoFrames(path, mode=mode, _frames=indices)
    try:
        return np.stack([frames[i] for i in range(len(frames))])
    finally:
        frames.close()


class LazyVideoFrames(LazyImages):
    """The frames of a video file, decoded only when a frame is accessed.

    ``LazyVideoFrames`` is an image collection: any skforensics estimator
    takes it as ``X``, with one sample per frame, and
    :func:`~skforensics.utils.check_images` accepts it as it accepts
    :class:`~skforensics.utils.LazyImages` (of which it is a subclass).
    Indexing with an integer decodes that frame, seeking to the keyframe
    before it and decoding forward (an open decoder is kept between reads,
    so frames read in order are decoded once each; no frame is cached).
    Indexing with a slice, a list of indices or a boolean mask returns a new
    ``LazyVideoFrames`` without decoding anything. It pickles as its file
    path and frame indices, never as pixels.

    Read more in the :ref:`User Guide <video_input>`.

    Parameters
    ----------
    path : str or path-like
        The video file. Its packets are read (not decoded) once, to count
        and locate the frames.
    n_frames : int, default=None
        The most frames taken; None takes all of them from ``start``. If the
        video has fewer, all are taken and a warning says so.
    step : int, default=1
        Distance between two frames taken.
    start : int, default=0
        Index of the first frame taken, in presentation order.
    mode : {"gray", "rgb"}, default="gray"
        ``"gray"``: frames are the video's own luma (the decoded Y plane),
        ``uint8`` ``(height, width)``; ``"rgb"``: ``uint8``
        ``(height, width, 3)`` converted by FFmpeg's swscale. See
        :func:`read_video_frames`.
    _frames : array-like of int, default=None
        Internal: the frame indices of the collection, set by indexing. Not
        meant to be passed by users.
    _ops : tuple of (callable, dict), default=()
        Internal: the functions applied to each frame when it is read, as
        set by :meth:`map`.

    Attributes
    ----------
    path : str
        The video file.
    frames : ndarray of shape (n_frames,)
        The indices, in the video, of the frames of the collection.
    mode : str
        ``"gray"`` or ``"rgb"``.
    paths : tuple of str
        The video file once per frame, the file each frame is read from.
    shape : tuple of int
        ``(n_frames,)``, so that scikit-learn counts and indexes samples.

    See Also
    --------
    read_video_frames : Read the frames into an ndarray at once.
    skforensics.utils.LazyImages : A lazy collection of image files.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skforensics.datasets import LazyVideoFrames, write_video
    >>> gray = np.zeros((10, 48, 64), dtype=np.uint8)
    >>> path = write_video(os.path.join(tempfile.mkdtemp(), "tiny.mp4"), gray)
    >>> frames = LazyVideoFrames(path, step=2)
    >>> len(frames), frames[0].shape, frames[1:3].frames
    (5, (48, 64), array([2, 4]))
    """

    def __init__(
        self,
        path,
        *,
        n_frames=None,
        step=1,
        start=0,
        mode="gray",
        _frames=None,
        _ops=(),
    ):
        owner = type(self).__name__
        params = {
            "path": path,
            "n_frames": n_frames,
            "step": step,
            "start": start,
            "mode": mode,
        }
        validate_parameter_constraints(_CONSTRAINTS, params, owner)
        _import_av()
        if _frames is None:
            path, frames = _plan(path, n_frames, step, start, owner)
        else:
            path, frames = os.fspath(path), np.asarray(_frames, dtype=np.intp)
        self.path = path
        self.frames = frames
        self.mode = mode
        self._ops = tuple(_ops)
        self._reader = None

    _sample = "frame"

    @property
    def paths(self):
        return (self.path,) * len(self.frames)

    def __len__(self):
        return len(self.frames)

    def _read(self, index):
        frame = int(self.frames[index])
        if self._reader is None:
            self._reader = _Reader(self.path, type(self).__name__)
        image = _to_array(self._reader.read(frame), self.mode)
        return image, f"Video file '{self.path}', frame {frame}"

    def _subset(self, indices, ops):
        frames = self.frames[np.asarray(indices, dtype=np.intp)]
        return LazyVideoFrames(self.path, mode=self.mode, _frames=frames, _ops=ops)

    def close(self):
        """Close the file left open by reading frames (reopened if needed)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_reader"] = None
        return state

    def __repr__(self):
        ops = "".join(f".map({func.__name__})" for func, _ in self._ops)
        return (
            f"LazyVideoFrames('{self.path}', <{len(self)} frames>, "
            f"mode={self.mode!r}){ops}"
        )

    def __eq__(self, other):
        return (
            isinstance(other, LazyVideoFrames)
            and self.path == other.path
            and self.mode == other.mode
            and np.array_equal(self.frames, other.frames)
            and self._ops == other._ops
        )

    def __hash__(self):
        return hash((self.path, self.mode, len(self.frames), len(self._ops)))


@validate_params(
    {
        "path": [str, os.PathLike],
        "frames": "no_validation",
        "rate": [Interval(Integral, 1, None, closed="left")],
        "codec": [str],
        "pix_fmt": [str],
        "options": [dict, None],
    },
    prefer_skip_nested_validation=True,
)
def write_video(
    path, frames, *, rate=25, codec="libx264", pix_fmt="yuv420p", options=None
):
    """Encode 8-bit frames into a video file with PyAV.

    A small clip for tests and examples, or a video made from frames: each
    frame is encoded in turn and the encoder is flushed at the end.

    Parameters
    ----------
    path : str or path-like
        The video file to write; its extension chooses the container.
    frames : ndarray of shape (n_frames, height, width[, 3]) or sequence of ndarray
        ``uint8`` frames of one size, grayscale (repeated to RGB) or RGB.
    rate : int, default=25
        Frames per second.
    codec : str, default="libx264"
        The FFmpeg encoder, e.g. ``"libx265"`` or ``"mpeg4"``.
    pix_fmt : str, default="yuv420p"
        The pixel format of the stream (``"yuv444p"`` keeps the chroma).
    options : dict of str, default=None
        Encoder options, e.g. ``{"crf": "18", "g": "4"}`` (quality and
        keyframe interval of libx264).

    Returns
    -------
    path : str
        The file written.

    Raises
    ------
    ImportError
        If PyAV is not installed (``pip install skforensics[video]``).
    ValueError
        If the frames are not ``uint8`` images of one size.

    See Also
    --------
    read_video_frames : Read the frames back.
    video_round_trip : One image through a video codec, in memory.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skforensics.datasets import read_video_frames, write_video
    >>> rgb = np.zeros((5, 32, 48, 3), dtype=np.uint8)
    >>> path = write_video(os.path.join(tempfile.mkdtemp(), "clip.mp4"), rgb)
    >>> read_video_frames(path, mode="rgb").shape
    (5, 32, 48, 3)
    """
    av = import_av("Writing video files")
    frames = [np.asarray(frame) for frame in frames]
    shapes = {frame.shape[:2] for frame in frames}
    if not frames or len(shapes) > 1 or any(
        frame.dtype != np.uint8
        or frame.ndim not in (2, 3)
        or frame.shape[2:] not in ((), (3,))
        for frame in frames
    ):
        raise ValueError(
            "write_video needs uint8 frames of one size, (height, width) or "
            "(height, width, 3); got "
            + (", ".join(sorted({f"{f.dtype} {f.shape}" for f in frames})) or "none")
            + "."
        )
    path = os.fspath(path)
    with av.open(path, "w") as container:
        stream = container.add_stream(codec, rate=int(rate))
        stream.height, stream.width = shapes.pop()
        stream.pix_fmt = pix_fmt
        if options:
            stream.options = {str(k): str(v) for k, v in options.items()}
        for frame in frames:
            if frame.ndim == 2:
                frame = np.repeat(frame[..., np.newaxis], 3, axis=2)
            image = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), "rgb24")
            for packet in stream.encode(image):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
