import pickle
import sys

import numpy as np
import pytest

from skforensics.datasets import LazyVideoFrames, read_video_frames
from skforensics.utils import LazyImages, check_images
from skforensics.utils._param_validation import InvalidParameterError

av = pytest.importorskip("av")

N_FRAMES = 12


def _rgb(i, height, width):
    """A colour gradient moving 5 pixels a frame, so that frames differ."""
    x = np.arange(width)[None, :] * 3 + np.arange(height)[:, None] * 2 + 5 * i
    return np.stack([x % 256, (2 * x) % 256, (255 - x) % 256], axis=-1).astype(np.uint8)


def _y_plane(frame):
    plane = frame.planes[0]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, -1)
    return rows[:, : plane.width].copy()


def make_video(path, *, n=N_FRAMES, size=(48, 64), crf=0, gop=4, pix_fmt="yuv420p"):
    """Encode a moving gradient with libx264; return the source frames' luma.

    The luma is the Y plane of each source frame after swscale's RGB to YUV
    conversion, i.e. what the encoder was given.
    """
    height, width = size
    lumas = []
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = {"crf": str(crf), "g": str(gop), "bf": "2"}
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(_rgb(i, height, width), format="rgb24")
            frame = frame.reformat(format=pix_fmt)
            lumas.append(_y_plane(frame))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return np.stack(lumas)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "lossless.mp4"
    return path, make_video(path)


def test_reads_every_frame_as_luma(video):
    path, lumas = video
    frames = read_video_frames(path)
    assert frames.shape == (N_FRAMES, 48, 64)
    assert frames.dtype == np.uint8
    # Lossless H.264 (crf=0) gives back the encoded Y plane exactly: the luma
    # is taken from the decoded plane, with no RGB round trip that would cost
    # up to a couple of grey levels.
    np.testing.assert_array_equal(frames, lumas)
    # Video luma is limited range: the gradient's black and white lie inside.
    assert frames.min() >= 16 and frames.max() <= 235


def test_lossy_luma_matches_source_up_to_codec_error(tmp_path):
    lumas = make_video(tmp_path / "lossy.mp4", crf=18)
    frames = read_video_frames(tmp_path / "lossy.mp4")
    error = np.abs(frames.astype(float) - lumas)
    # CRF 18 is "visually lossless": mean error well below a grey level,
    # a few levels at worst on this sharp gradient.
    assert error.mean() < 1.5
    assert np.percentile(error, 99) <= 8


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"start": 3}, range(3, N_FRAMES)),
        ({"step": 5}, [0, 5, 10]),
        ({"n_frames": 4}, [0, 1, 2, 3]),
        ({"start": 2, "step": 3, "n_frames": 2}, [2, 5]),
        ({"start": N_FRAMES - 1}, [N_FRAMES - 1]),
    ],
)
def test_start_step_n_frames(video, kwargs, expected):
    path, lumas = video
    frames = read_video_frames(path, **kwargs)
    np.testing.assert_array_equal(frames, lumas[list(expected)])
    lazy = LazyVideoFrames(path, **kwargs)
    assert lazy.frames.tolist() == list(expected)


def test_n_frames_beyond_the_end_warns_and_reads_all(video):
    path, lumas = video
    with pytest.warns(UserWarning, match="has only 4 frames"):
        frames = read_video_frames(path, start=N_FRAMES - 4, n_frames=10)
    np.testing.assert_array_equal(frames, lumas[-4:])


def test_rgb_mode(video):
    path, _ = video
    frames = read_video_frames(path, mode="rgb", n_frames=3)
    assert frames.shape == (3, 48, 64, 3)
    assert frames.dtype == np.uint8
    # 4:2:0 chroma and the YUV round trip: close to the source, not equal.
    error = np.abs(frames[1].astype(float) - _rgb(1, 48, 64))
    assert np.median(error) < 8


def test_lazy_frames_equal_eager_frames(video):
    path, _ = video
    eager = read_video_frames(path)
    lazy = LazyVideoFrames(path)
    assert isinstance(lazy, LazyImages)
    assert len(lazy) == N_FRAMES and lazy.shape == (N_FRAMES,)
    np.testing.assert_array_equal(lazy[5], eager[5])
    np.testing.assert_array_equal(lazy[-1], eager[-1])
    # Out of order, backwards and repeated: every read seeks as needed.
    for i in [7, 2, 2, 11, 0, 8, 9]:
        np.testing.assert_array_equal(lazy[i], eager[i])
    sub = lazy[[9, 1, 4]]
    assert isinstance(sub, LazyVideoFrames)
    np.testing.assert_array_equal(np.stack(list(sub)), eager[[9, 1, 4]])
    np.testing.assert_array_equal(lazy[2:8:3][1], eager[5])
    mask = np.zeros(N_FRAMES, dtype=bool)
    mask[[3, 6]] = True
    assert lazy[mask].frames.tolist() == [3, 6]
    assert lazy[np.array([1, 2]), ...].frames.tolist() == [1, 2]
    with pytest.raises(IndexError, match="frame axis"):
        lazy[0, 1]
    with pytest.raises(IndexError):
        lazy[N_FRAMES]
    lazy.close()


def test_lazy_rgb_and_paths(video):
    path, _ = video
    lazy = LazyVideoFrames(path, mode="rgb", step=4)
    assert lazy[1].shape == (48, 64, 3)
    np.testing.assert_array_equal(lazy[2], read_video_frames(path, mode="rgb")[8])
    assert lazy.paths == (str(path),) * 3
    assert "3 frames" in repr(lazy)
    assert lazy[:2] == LazyVideoFrames(path, mode="rgb", step=4, n_frames=2)


def test_check_images_accepts_lazy_frames(video):
    path, lumas = video
    checked = check_images(LazyVideoFrames(path))
    assert isinstance(checked, LazyVideoFrames) and len(checked) == N_FRAMES
    image = checked[3]
    assert image.dtype == np.float32
    np.testing.assert_allclose(image, lumas[3] / 255, atol=1e-6)


def test_pickle_carries_no_pixels(video):
    path, _ = video
    lazy = check_images(LazyVideoFrames(path))
    lazy[0]  # opens a decoder, which must not travel
    data = pickle.dumps(lazy)
    assert len(data) < 2000  # one frame alone is 3072 bytes
    clone = pickle.loads(data)
    assert clone == lazy
    np.testing.assert_array_equal(clone[4], lazy[4])


def test_pretrained_detector_answers_per_frame(tmp_path):
    pytest.importorskip("torch")
    from skforensics.models import pretrained

    path = tmp_path / "frames.mp4"
    make_video(path, n=3, size=(96, 128), crf=18)
    proba = pretrained("upscale-detector").predict_proba(LazyVideoFrames(path))
    assert proba.shape == (3, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_ten_bit_video_is_rounded_to_eight_bits(tmp_path):
    path = tmp_path / "ten.mkv"
    height, width = 48, 64
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p10le"
        stream.options = {"qp": "0"}
        source = []
        for i in range(2):
            frame = av.VideoFrame.from_ndarray(_rgb(i, height, width), format="rgb24")
            frame = frame.reformat(format="yuv420p10le")
            plane = frame.planes[0]
            y = np.frombuffer(plane, dtype="<u2").reshape(plane.height, -1)
            source.append(y[:, :width].astype(float) / 4)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    frames = read_video_frames(path)
    assert frames.dtype == np.uint8 and frames.shape == (2, height, width)
    assert np.abs(frames - np.stack(source)).max() <= 0.5


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        read_video_frames("missing.mp4")
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        LazyVideoFrames("missing.mp4")


def test_unreadable_and_truncated_files(tmp_path, video):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 10)
    with pytest.raises(ValueError, match="could not read video '.*junk.mp4'"):
        read_video_frames(junk)
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(video[0].read_bytes()[:200])
    with pytest.raises(ValueError, match="could not read video '.*cut.mp4'"):
        read_video_frames(truncated)


def test_folders_and_symbolic_links_are_named(tmp_path):
    (tmp_path / "clip.mp4").mkdir()
    (tmp_path / "a.mp4").symlink_to("b.mp4")
    (tmp_path / "b.mp4").symlink_to("a.mp4")
    (tmp_path / "c.mp4").symlink_to("gone.mp4")
    for reader in (read_video_frames, LazyVideoFrames):
        with pytest.raises(IsADirectoryError, match="clip.mp4' is a folder"):
            reader(tmp_path / "clip.mp4")
        with pytest.raises(OSError, match="a.mp4' is a symbolic link loop"):
            reader(tmp_path / "a.mp4")
        with pytest.raises(FileNotFoundError, match="c.mp4' is a symbolic link to"):
            reader(tmp_path / "c.mp4")


def test_undecodable_frame_is_a_value_error_naming_the_file(tmp_path):
    # Half a PNG, which FFmpeg opens as a one-frame "video": decoding it
    # raised PyAV's PermissionError ("Operation not permitted") outside the
    # handler, a message that named no file.
    from PIL import Image

    buf = tmp_path / "full.png"
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buf)
    cut = tmp_path / "cut.png"
    cut.write_bytes(buf.read_bytes()[: buf.stat().st_size // 2])
    with pytest.raises(ValueError, match="could not read video '.*cut.png'"):
        LazyVideoFrames(cut)[0]


def test_file_without_video_stream(tmp_path):
    path = tmp_path / "sound.wav"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), dtype=np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(InvalidParameterError, match="a file with a video stream"):
        read_video_frames(path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_frames": 0}, "'n_frames' parameter of read_video_frames"),
        ({"step": 0}, "'step' parameter"),
        ({"start": -1}, "'start' parameter"),
        ({"mode": "RGB"}, "'mode' parameter"),
        ({"start": N_FRAMES}, "'start' parameter .* less than the number of frames"),
    ],
)
def test_bad_parameters(video, kwargs, match):
    path, _ = video
    with pytest.raises(InvalidParameterError, match=match):
        read_video_frames(path, **kwargs)
    with pytest.raises(
        InvalidParameterError,
        match=match.replace("read_video_frames", "LazyVideoFrames"),
    ):
        LazyVideoFrames(path, **kwargs)


def test_bad_path_type():
    with pytest.raises(InvalidParameterError, match="'path' parameter"):
        read_video_frames(3)


def test_without_pyav(video, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(ImportError, match=r"pip install skforensics\[video\]"):
        read_video_frames(video[0])
    with pytest.raises(ImportError, match=r"pip install skforensics\[video\]"):
        LazyVideoFrames(video[0])


def test_yuv444_video_reads_its_luma_plane(tmp_path):
    path = tmp_path / "full_chroma.mp4"
    source = make_video(path, n=3, pix_fmt="yuv444p")
    frames = read_video_frames(path)
    np.testing.assert_array_equal(frames, source)
    rgb = read_video_frames(path, mode="rgb")
    assert rgb.shape == (3, 48, 64, 3) and rgb.dtype == np.uint8


def test_variable_frame_rate_file_reads_frames_in_order(tmp_path):
    # Timestamps 0, 1, 3, 7, 8 (irregular): frames are indexed by decode
    # order, not by time, so the i-th frame is the i-th picture.
    path = tmp_path / "vfr.mp4"
    height, width = 48, 64
    lumas = []
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "0", "bf": "0"}
        for i, t in enumerate([0, 1, 3, 7, 8]):
            frame = av.VideoFrame.from_ndarray(_rgb(i, height, width), format="rgb24")
            frame = frame.reformat(format="yuv420p")
            frame.pts = t
            lumas.append(_y_plane(frame))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with av.open(str(path)) as container:
        times = [f.time for f in container.decode(video=0)]
    assert np.unique(np.round(np.diff(times), 3)).size > 1  # really variable
    frames = read_video_frames(path)
    np.testing.assert_array_equal(frames, np.stack(lumas))
    lazy = LazyVideoFrames(path, step=2)
    assert len(lazy) == 3
    np.testing.assert_array_equal(lazy[2], lumas[4])


def test_frames_smaller_than_the_patch_are_refused_by_name(tmp_path):
    pytest.importorskip("torch")
    from skforensics.models import pretrained

    path = tmp_path / "tiny.mp4"
    make_video(path, n=2, size=(32, 48))
    with pytest.raises(ValueError, match="at least 64x64|64"):
        pretrained("upscale-detector").predict_proba(LazyVideoFrames(path))


def test_write_video_round_trip(tmp_path):
    from skforensics.datasets import write_video

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (6, 32, 48, 3), dtype=np.uint8)
    path = write_video(
        tmp_path / "clip.mkv", rgb, rate=10, pix_fmt="yuv444p", options={"qp": 0}
    )
    assert path == str(tmp_path / "clip.mkv")
    back = read_video_frames(path, mode="rgb")
    assert back.shape == rgb.shape
    # Lossless H.264 in 4:4:4: only the RGB <-> YUV rounding is left.
    assert np.abs(back.astype(int) - rgb).mean() < 3
    gray = write_video(tmp_path / "gray.mp4", rgb[..., 0])
    assert read_video_frames(gray).shape == (6, 32, 48)


@pytest.mark.parametrize(
    "frames",
    [[], [np.zeros((8, 8), np.uint8), np.zeros((8, 9), np.uint8)],
     [np.zeros((8, 8), np.float32)], [np.zeros((8, 8, 4), np.uint8)],
     [np.zeros(8, np.uint8)]],
    ids=["none", "two sizes", "float", "4 channels", "1-D"],
)
def test_write_video_refuses_frames_it_cannot_encode(tmp_path, frames):
    from skforensics.datasets import write_video

    with pytest.raises(ValueError, match="write_video needs uint8 frames of one size"):
        write_video(tmp_path / "clip.mp4", frames)
