"""Whole video files for the fake-4K benchmarks: real, soft and upscaled clips.

A clip is a slow integer-pixel pan across one photograph (no resampling of
the real frames), 16 frames, written as a real file by PyAV with a normal
group of pictures (x264/x265 defaults: one I-frame, then P- and B-frames,
keyint 250, yuv420p). Kinds:

- ``real``: windows of the photograph at its stored size;
- ``soft``: the same windows blurred (Gaussian sigma 0.7-1.5, a defocus disc,
  a motion streak) or darkened with sensor-like noise, never resampled;
- ``up``: the photograph area-downscaled by the factor (as a native
  lower-resolution capture of the scene), panned, and each frame upscaled
  back to the clip size by one named resampler.

Imported by ``benchmarks/bench_fake4k_video.py`` and
``scripts/train_upscale_pooling.py``; the package does not use it.
"""

from fractions import Fraction

import numpy as np

N_FRAMES = 16
SIZES = ((540, 960), (432, 768), (360, 640))
SOFT_KINDS = ("gaussian", "defocus", "motion", "lowlight")


def as_uint8_rgb(image):
    image = np.asarray(image)
    if image.dtype != np.uint8:
        scale = 255.0 if image.dtype.kind == "f" else 255.0 / np.iinfo(image.dtype).max
        image = np.clip(np.rint(image.astype(np.float64) * scale), 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


def clip_size(shape, margin=(40, 64)):
    """The largest 16:9 clip size a photograph of ``shape`` can be panned at."""
    for h, w in SIZES:
        if h + margin[0] <= shape[0] and w + margin[1] <= shape[1]:
            return h, w
    return None


def _pan(image, size, rng, n_frames=N_FRAMES):
    """``n_frames`` windows of ``size`` moving by whole pixels across ``image``."""
    h, w = size
    room_y, room_x = image.shape[0] - h, image.shape[1] - w
    step_x = rng.integers(1, max(2, room_x // n_frames) + 1)
    step_y = rng.integers(0, max(1, room_y // (2 * n_frames)) + 1)
    x0 = rng.integers(0, max(1, room_x - step_x * (n_frames - 1)) + 1)
    y0 = rng.integers(0, max(1, room_y - step_y * (n_frames - 1)) + 1)
    return [image[y0 + i * step_y:y0 + i * step_y + h, x0 + i * step_x:x0 + i * step_x + w]
            for i in range(n_frames)]


def _soften(frames, kind, rng):
    import cv2

    out = []
    if kind == "gaussian":
        sigma = rng.uniform(0.7, 1.5)
        return [cv2.GaussianBlur(f, (0, 0), sigma) for f in frames]
    if kind == "defocus":
        radius = rng.uniform(1.5, 3.0)
        size = 2 * int(np.ceil(radius)) + 1
        yy, xx = np.mgrid[:size, :size] - size // 2
        kernel = (np.hypot(yy, xx) <= radius).astype(np.float32)
        kernel /= kernel.sum()
        return [cv2.filter2D(f, -1, kernel, borderType=cv2.BORDER_REFLECT) for f in frames]
    if kind == "motion":
        length = int(rng.integers(4, 10))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2] = 1
        rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2),
                                      rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        kernel /= kernel.sum()
        return [cv2.filter2D(f, -1, kernel, borderType=cv2.BORDER_REFLECT) for f in frames]
    # Low light: darker, slightly soft, with noise that changes every frame.
    gain = rng.uniform(0.3, 0.6)
    sigma = rng.uniform(2.0, 5.0)
    for f in frames:
        g = cv2.GaussianBlur(f.astype(np.float32) * gain, (0, 0), 0.6)
        g += rng.normal(0, sigma, g.shape).astype(np.float32)
        out.append(np.clip(np.rint(g), 0, 255).astype(np.uint8))
    return out


def make_frames(photo, kind, rng, *, factor=None, resampler=None, size=None):
    """The 16 uint8 RGB frames of one clip of ``photo``."""
    import cv2

    from skforensics.datasets import resize_image

    photo = as_uint8_rgb(photo)
    size = size or clip_size(photo.shape)
    if kind == "real":
        return [np.ascontiguousarray(f) for f in _pan(photo, size, rng)]
    if kind in SOFT_KINDS:
        return _soften([np.ascontiguousarray(f) for f in _pan(photo, size, rng)], kind, rng)
    if kind != "up":
        raise ValueError(kind)
    h, w = size
    small = cv2.resize(photo, (round(photo.shape[1] / factor), round(photo.shape[0] / factor)),
                       interpolation=cv2.INTER_AREA)
    native = (round(h / factor), round(w / factor))
    frames = []
    for f in _pan(small, native, rng):
        up = resize_image(np.ascontiguousarray(f), (h, w), resampler=resampler)
        frames.append(as_uint8_rgb(up))
    return frames


def write_clip(frames, path, *, codec="h264", crf=23, fps=25, preset="medium"):
    """Encode RGB frames as a real file with the encoder's normal GOP."""
    import av

    encoder = {"h264": "libx264", "hevc": "libx265"}[codec]
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(encoder, rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        options = {"crf": str(crf), "preset": preset}
        if codec == "hevc":
            options["x265-params"] = "log-level=none:keyint=250"
        else:
            options["g"] = "250"
        stream.options = options
        for i, f in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(f, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
