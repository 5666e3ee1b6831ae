"""Forensic and quality datasets made offline from images shipped in packages.

Every function returns ``(X, y, groups)``, where ``groups`` holds the source
image of each sample, so that a grouped split
(:class:`~sklearn.model_selection.GroupKFold`) never puts crops of one
photograph on both sides. The video readers (:func:`read_video_frames`,
:class:`LazyVideoFrames`) return the frames of a file as an image collection;
:func:`write_video` makes a file of frames.
"""

from ._collages import make_collages
from ._degrade import (
    make_degraded_images,
    rescale_image,
    resize_image,
    unsharp_mask,
    video_round_trip,
)
from ._folder import load_image_folder
from ._iqa import load_iqa_dataset
from ._jpeg import make_jpeg_images
from ._jpeg_tables import (
    TABLE_FAMILIES,
    closest_libjpeg_quality,
    draw_quantization_tables,
    jpeg_with_tables,
    libjpeg_tables,
)
from ._localized import make_localized_artifacts
from ._rescale import make_rescaled_images
from ._samples import load_sample_images
from ._video import LazyVideoFrames, read_video_frames, write_video

__all__ = [
    "TABLE_FAMILIES",
    "LazyVideoFrames",
    "closest_libjpeg_quality",
    "draw_quantization_tables",
    "jpeg_with_tables",
    "libjpeg_tables",
    "load_image_folder",
    "load_iqa_dataset",
    "load_sample_images",
    "make_collages",
    "make_degraded_images",
    "make_jpeg_images",
    "make_localized_artifacts",
    "make_rescaled_images",
    "read_video_frames",
    "rescale_image",
    "resize_image",
    "unsharp_mask",
    "video_round_trip",
    "write_video",
]
