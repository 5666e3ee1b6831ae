import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("av")


def test_the_demo_clips_are_real_video_files_with_a_gop(tmp_path):
    import av

    from skforensics._demo import _write_clip
    from skforensics.datasets import load_sample_images

    photo = load_sample_images(as_gray=False)[4]
    path = tmp_path / "clip.mp4"
    _write_clip(photo, path, np.random.default_rng(0), factor=2.0)
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 16
    assert (frames[0].height, frames[0].width) == (256, 384)
    assert frames[0].key_frame and not any(f.key_frame for f in frames[1:])
    # Predicted pictures (P = 2, B = 3 in FFmpeg's AVPictureType), not I = 1.
    assert {int(f.pict_type) for f in frames[1:]} <= {2, 3}


def test_the_demo_judges_native_and_upscaled_clips(capsys):
    from skforensics._demo import _upscaled_clips
    from skforensics.datasets import load_sample_images

    photos = load_sample_images(as_gray=False)
    caught, false_alarms = _upscaled_clips([photos[0], photos[4]])
    out = capsys.readouterr().out
    assert "astronaut, native" in out and "brick, upscaled x2" in out
    assert (caught, false_alarms) == (2, 0)
