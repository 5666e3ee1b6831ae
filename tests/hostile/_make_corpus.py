"""Make the hostile-file corpus: broken and unusual images and videos.

Every file is made here, from numbers, with Pillow and PyAV (which bundles
FFmpeg); nothing is downloaded. :func:`make_corpus` writes the files into a
folder and returns one :class:`Entry` per file, saying what
:func:`~skforensics.utils.read_image` must answer for it:

- ``"ok"``: an array of ``shape`` and ``dtype`` (the file is valid);
- ``"error"``: an exception of one of ``errors`` whose message names the
  file (the file is broken or not an image);
- ``"either"``: a damaged file (bit flips) that may still decode; it must
  give an array or such an error, nothing else.

Videos carry the same three outcomes for
:class:`~skforensics.datasets.LazyVideoFrames` in ``video`` (``None`` for
files that are not videos). Run as a script to write the corpus into a
folder and print its table::

    python tests/hostile/_make_corpus.py /tmp/corpus

Files that cannot be made here (say so rather than fake them):

- arithmetic-coded JPEGs: Pillow does not expose libjpeg's arithmetic
  encoder and FFmpeg's mjpeg encoder has none, so the corpus holds a
  baseline JPEG whose SOF0 marker is rewritten to SOF9 (a file that
  *claims* arithmetic coding), which must give an answer or a clear error;
- YCCK JPEGs are CMYK JPEGs whose Adobe marker's transform flag is set to
  2 (YCCK): the decoder converts them as YCCK, which is what such a file
  is to a reader.
"""

import io
import os
import struct
import sys
import zlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

HEIGHT, WIDTH = 88, 120  # not square, so that a rotation would show; >= 79 for every model

OK, ERROR, EITHER = "ok", "error", "either"


@dataclass
class Entry:
    """One corpus file and what ``read_image`` must answer for it."""

    name: str
    kind: str  # "image", "video", "other"
    expect: str  # OK, ERROR or EITHER for read_image
    shape: tuple = None
    dtype: str = None
    errors: tuple = (OSError, ValueError)
    video: str = None  # OK, ERROR or EITHER for LazyVideoFrames; None: not a video
    n_frames: int = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def path(self, root):
        return os.path.join(root, self.name)


def _photo(seed=0, height=HEIGHT, width=WIDTH):
    """A textured RGB uint8 image: gradients, a disc and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:height, :width]
    r = 128 + 100 * np.sin(x / 7.0) * np.cos(y / 11.0)
    g = 255 * x / max(width - 1, 1)
    b = np.where((y - height / 2) ** 2 + (x - width / 3) ** 2 < (height / 3) ** 2, 220, 40)
    image = np.stack([r, g, b], -1) + rng.normal(0, 12, (height, width, 3))
    return np.clip(np.round(image), 1, 254).astype(np.uint8)


def _png_chunk(kind, data):
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _png_bytes(height, width, bit_depth, color_type, raw_rows):
    """A PNG written by hand (Pillow cannot write 16-bit RGB)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    data = b"".join(b"\x00" + row for row in raw_rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(data))
        + _png_chunk(b"IEND", b"")
    )


def _encode(image, fmt, **kwargs):
    buf = io.BytesIO()
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def _flip_bits(data, seed, n=12, skip=64):
    """``data`` with ``n`` bits flipped past the first ``skip`` bytes."""
    rng = np.random.default_rng(seed)
    data = bytearray(data)
    start = min(skip, len(data) // 4)
    for pos in rng.integers(start, len(data), n):
        data[pos] ^= 1 << int(rng.integers(0, 8))
    return bytes(data)


def _exif_jpeg(image, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return _encode(image, "JPEG", quality=90, exif=exif.tobytes())


def _ycck(cmyk_jpeg):
    """Set the Adobe APP14 transform flag of a CMYK JPEG to 2 (YCCK)."""
    data = bytearray(cmyk_jpeg)
    at = data.find(b"Adobe")
    if at < 0:
        raise RuntimeError("libjpeg wrote no Adobe marker in a CMYK JPEG")
    # APP14 after "Adobe": version (2 bytes), flags0 (2), flags1 (2), transform (1)
    data[at + 11] = 2
    return bytes(data)


def _video(path, *, codec="libx264", container=None, n=8, size=(HEIGHT, WIDTH),
           pix_fmt="yuv420p", rate=10, pts=None, options=None, audio_only=False):
    """Encode ``n`` frames of a moving texture (or a tone when ``audio_only``)."""
    import av
    from fractions import Fraction

    with av.open(path, "w", format=container) as out:
        if audio_only:
            stream = out.add_stream("aac", rate=16000)
            stream.layout = "mono"
            samples = np.sin(np.arange(16000) / 5.0).astype(np.float32)[None]
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 16000
            for packet in stream.encode(frame):
                out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
            return
        stream = out.add_stream(codec, rate=rate, options=options or {})
        stream.height, stream.width = size
        stream.pix_fmt = pix_fmt
        if pts is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        for i in range(n):
            image = np.roll(_photo(i % 3, *size), 3 * i, axis=1)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            if pts is not None:
                frame.pts = pts[i]
                frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _rotate_mp4(data):
    """Set the display matrix of an MP4's (only) track to a 90-degree turn."""
    data = bytearray(data)
    at = data.find(b"tkhd")
    version = data[at + 4]
    # version/flags, times, track id, reserved, duration, reserved, layer...
    offset = at + 8 + (8 if version == 0 else 16) + 8 + (4 if version == 0 else 8) + 16
    data[offset : offset + 36] = struct.pack(
        ">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000
    )
    return bytes(data)


def _write(root, name, data):
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def make_corpus(root, *, videos=True):
    """Write the corpus into ``root`` and return its entries."""
    os.makedirs(root, exist_ok=True)
    entries = []
    photo = _photo()
    rgb = Image.fromarray(photo)
    gray = rgb.convert("L")
    shape3, shape2 = (HEIGHT, WIDTH, 3), (HEIGHT, WIDTH)

    def add(name, data, expect, shape=None, dtype=None, **kwargs):
        if data is not None:
            _write(root, name, data)
        kind = kwargs.pop("kind", "image")
        entries.append(Entry(name, kind, expect, shape, dtype, **kwargs))

    # --- valid images of every kind -------------------------------------
    add("png/rgb.png", _encode(rgb, "PNG"), OK, shape3, "uint8")
    add("png/gray.png", _encode(gray, "PNG"), OK, shape2, "uint8")
    add("png/bilevel.png", _encode(gray.convert("1"), "PNG"), OK, shape2, "uint8")
    add("png/gray_16bit.png",
        _encode(Image.fromarray(photo[..., 1].astype(np.uint16) * 257), "PNG"),
        OK, shape2, "uint16")
    rows16 = (photo.astype(">u2") * 257).reshape(HEIGHT, -1)
    add("png/rgb_16bit.png",
        _png_bytes(HEIGHT, WIDTH, 16, 2, [r.tobytes() for r in rows16]),
        OK, shape3, None, note="Pillow reads 16-bit RGB PNG as 8-bit RGB")
    rgba = Image.fromarray(np.dstack([photo, np.full(shape2, 128, np.uint8)]))
    add("png/rgba.png", _encode(rgba, "PNG"), OK, (HEIGHT, WIDTH, 4), "uint8")
    add("png/gray_alpha.png", _encode(rgba.convert("LA"), "PNG"), OK,
        (HEIGHT, WIDTH, 4), "uint8", note="gray+alpha reads as RGBA")
    palette = rgb.quantize(16)
    add("png/palette.png", _encode(palette, "PNG"), OK, shape3, "uint8")
    add("png/palette_transparency.png",
        _encode(palette, "PNG", transparency=0), OK, (HEIGHT, WIDTH, 4), "uint8")
    add("png/interlaced.png", _encode(rgb, "PNG", optimize=False), OK, shape3, "uint8")
    add("png/one_pixel.png", _encode(Image.fromarray(photo[:1, :1]), "PNG"),
        OK, (1, 1, 3), "uint8")
    add("png/one_pixel_wide.png", _encode(Image.fromarray(_photo(1, 300, 1)), "PNG"),
        OK, (300, 1, 3), "uint8")
    add("png/wide_strip.png", _encode(Image.fromarray(_photo(2, 2, 2000)), "PNG"),
        OK, (2, 2000, 3), "uint8")
    # A 30000x30000 header over a few bytes of data: Pillow's bomb check.
    add("png/decompression_bomb.png",
        _png_bytes(30000, 30000, 1, 0, [b"\x00" * 3750] * 2)[:-12]
        + _png_chunk(b"IEND", b""), ERROR, errors=(ValueError,),
        note="over the decompression-bomb limit")

    add("jpeg/baseline.jpg", _encode(rgb, "JPEG", quality=85), OK, shape3, "uint8")
    add("jpeg/gray.jpg", _encode(gray, "JPEG", quality=85), OK, shape2, "uint8")
    add("jpeg/progressive.jpg", _encode(rgb, "JPEG", quality=85, progressive=True),
        OK, shape3, "uint8")
    add("jpeg/subsampling_444.jpg", _encode(rgb, "JPEG", quality=95, subsampling=0),
        OK, shape3, "uint8")
    cmyk = _encode(rgb.convert("CMYK"), "JPEG", quality=90)
    add("jpeg/cmyk.jpg", cmyk, OK, shape3, "uint8")
    add("jpeg/ycck.jpg", _ycck(cmyk), OK, shape3, "uint8",
        note="CMYK data flagged YCCK (Adobe transform 2)")
    baseline = _encode(rgb, "JPEG", quality=85)
    sof = baseline.find(b"\xff\xc0")
    add("jpeg/claims_arithmetic.jpg",
        baseline[:sof] + b"\xff\xc9" + baseline[sof + 2:], EITHER,
        note="SOF0 rewritten as SOF9 (arithmetic); no real arithmetic encoder here")
    for orientation in range(2, 9):
        add(f"jpeg/exif_orientation_{orientation}.jpg", _exif_jpeg(rgb, orientation),
            OK, shape3, "uint8", extra={"orientation": orientation},
            note="stored pixels, orientation not applied")

    add("tiff/rgb.tif", _encode(rgb, "TIFF"), OK, shape3, "uint8")
    add("tiff/lzw.tif", _encode(rgb, "TIFF", compression="tiff_lzw"), OK, shape3, "uint8")
    add("tiff/gray_16bit.tif",
        _encode(Image.fromarray(photo[..., 0].astype(np.uint16) * 257), "TIFF"),
        OK, shape2, "uint16")
    add("tiff/float.tif",
        _encode(Image.fromarray(photo[..., 0].astype(np.float32) / 255), "TIFF"),
        OK, shape2, "float32")
    add("tiff/multipage.tif",
        _encode(rgb, "TIFF", save_all=True,
                append_images=[Image.fromarray(_photo(5, 40, 30)), rgb.copy()]),
        OK, shape3, "uint8", note="first page read")
    add("tiff/cmyk.tif", _encode(rgb.convert("CMYK"), "TIFF"), OK, shape3, "uint8")

    add("webp/lossy.webp", _encode(rgb, "WEBP", quality=80), OK, shape3, "uint8")
    add("webp/lossless.webp", _encode(rgb, "WEBP", lossless=True), OK, shape3, "uint8")
    frames = [Image.fromarray(np.roll(photo, 8 * i, 1)) for i in range(3)]
    add("webp/animated.webp",
        _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100),
        OK, shape3, "uint8", note="first frame read")

    gif_frames = [f.quantize(32) for f in frames]
    add("gif/animated.gif",
        _encode(gif_frames[0], "GIF", save_all=True, append_images=gif_frames[1:],
                duration=100, loop=0),
        OK, shape3, "uint8", note="first frame read")
    add("gif/transparent.gif", _encode(gif_frames[0], "GIF", transparency=0),
        OK, (HEIGHT, WIDTH, 4), "uint8")

    add("bmp/rgb.bmp", _encode(rgb, "BMP"), OK, shape3, "uint8")
    add("bmp/palette.bmp", _encode(palette, "BMP"), OK, shape3, "uint8")
    add("pnm/gray.pgm", _encode(gray, "PPM"), OK, shape2, "uint8")
    add("pnm/rgb.ppm", _encode(rgb, "PPM"), OK, shape3, "uint8")
    add("misc/png_named.jpg", _encode(rgb, "PNG"), OK, shape3, "uint8",
        note="a PNG with a .jpg suffix")

    # --- truncated and bit-flipped images ---------------------------------
    sources = {
        "png": _encode(rgb, "PNG"),
        "jpg": baseline,
        "tif": _encode(rgb, "TIFF"),
        "webp": _encode(rgb, "WEBP", quality=80),
        "gif": _encode(gif_frames[0], "GIF"),
        "bmp": _encode(rgb, "BMP"),
    }
    for ext, data in sources.items():
        add(f"broken/truncated_half.{ext}", data[: len(data) // 2], ERROR)
        add(f"broken/truncated_header.{ext}", data[:12], ERROR)
        for seed in range(2):
            add(f"broken/bitflip_{seed}.{ext}", _flip_bits(data, 7 * seed + len(ext)),
                EITHER)
    animated = _encode(gif_frames[0], "GIF", save_all=True,
                       append_images=gif_frames[1:], duration=100)
    add("broken/animated_cut_after_first_frame.gif", animated[: 2 * len(animated) // 3],
        OK, shape3, "uint8", note="first frame whole, later ones cut: first read")
    add("broken/zero_bytes.png", b"", ERROR)
    add("broken/zero_bytes.jpg", b"", ERROR)
    add("broken/text.jpg", b"this is not a photograph\n" * 4, ERROR)
    add("broken/html.png", b"<!doctype html><html><body>404</body></html>", ERROR)
    add("broken/jpeg_no_eoi.jpg", baseline[:-2], EITHER,
        note="a JPEG missing its end-of-image marker")

    # --- entries that are not regular files -------------------------------
    os.makedirs(os.path.join(root, "odd/folder_named.png"), exist_ok=True)
    add("odd/folder_named.png", None, ERROR, kind="other")
    os.symlink("loop_b.png", os.path.join(root, "odd/loop_a.png"))
    os.symlink("loop_a.png", os.path.join(root, "odd/loop_b.png"))
    add("odd/loop_a.png", None, ERROR, kind="other", errors=(OSError,))
    add("odd/dangling.png", None, ERROR, kind="other", errors=(OSError,))
    os.symlink("does_not_exist.png", os.path.join(root, "odd/dangling.png"))
    _write(root, "odd/good_link_target.png", _encode(rgb, "PNG"))
    os.symlink("good_link_target.png", os.path.join(root, "odd/good_link.png"))
    add("odd/good_link.png", None, OK, shape3, "uint8", kind="image")
    path = _write(root, "odd/unreadable.png", _encode(rgb, "PNG"))
    os.chmod(path, 0)
    readable = os.access(path, os.R_OK)  # root reads anything
    add("odd/unreadable.png", None, OK if readable else ERROR,
        shape3 if readable else None, "uint8" if readable else None,
        kind="other", errors=(OSError,),
        note="readable anyway: running as root" if readable else "")

    if videos:
        _add_videos(root, add)
    return entries


def _add_videos(root, add):
    vid = os.path.join(root, "video")
    os.makedirs(vid, exist_ok=True)

    def made(name, **kwargs):
        path = os.path.join(vid, name)
        _video(path, **kwargs)
        with open(path, "rb") as f:
            return f.read()

    common = dict(kind="video", errors=(OSError, ValueError))
    mp4 = made("h264.mp4")
    add("video/h264.mp4", None, ERROR, video=OK, n_frames=8, **common)
    made("h264.mkv", container="matroska")
    add("video/h264.mkv", None, ERROR, video=OK, n_frames=8, **common)
    made("vp9.webm", codec="libvpx-vp9", container="webm",
         options={"deadline": "realtime", "cpu-used": "8"})
    add("video/vp9.webm", None, ERROR, video=OK, n_frames=8, **common)
    made("ten_bit.mkv", codec="libx265", container="matroska", pix_fmt="yuv420p10le",
         options={"x265-params": "log-level=none"})
    add("video/ten_bit.mkv", None, ERROR, video=OK, n_frames=8, **common)
    made("yuv444.mp4", pix_fmt="yuv444p")
    add("video/yuv444.mp4", None, ERROR, video=OK, n_frames=8, **common)
    add("video/rotated.mp4", _rotate_mp4(made("rotated.mp4")), ERROR, video=OK, n_frames=8, **common,
        note="display matrix of a 90-degree turn; frames as stored")
    made("vfr.mkv", container="matroska", pts=[0, 40, 50, 130, 140, 300, 310, 500])
    add("video/vfr.mkv", None, ERROR, video=OK, n_frames=8, **common,
        note="variable frame rate")
    made("audio_only.mp4", audio_only=True)
    add("video/audio_only.mp4", None, ERROR, video=ERROR, **common)
    made("audio_only.mkv", audio_only=True, container="matroska")
    add("video/audio_only.mkv", None, ERROR, video=ERROR, **common)
    # An MP4's index is at its end: half a file has none.
    add("video/truncated_half.mp4", mp4[: len(mp4) // 2], ERROR, video=ERROR, **common)
    with open(os.path.join(vid, "h264.mkv"), "rb") as f:
        mkv = f.read()
    add("video/truncated_half.mkv", mkv[: 2 * len(mkv) // 3], ERROR, video=EITHER,
        **common)
    add("video/truncated_header.webm", mkv[:40], ERROR, video=ERROR, **common)
    add("video/bitflip.mp4", _flip_bits(mp4, 3, n=40), ERROR, video=EITHER, **common)
    add("video/zero_bytes.mp4", b"", ERROR, video=ERROR, **common)
    add("video/text.mp4", b"not a video\n" * 10, ERROR, video=ERROR, **common)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    root = argv[0] if argv else "hostile_corpus"
    entries = make_corpus(root)
    for entry in entries:
        print(f"{entry.name:<40} {entry.kind:<6} {entry.expect:<6} "
              f"{entry.video or '':<6} {entry.note}")
    print(f"{len(entries)} files in {root}")


if __name__ == "__main__":
    main()
