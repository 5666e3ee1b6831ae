"""Image collections: validation, file reading, colour conversion; model files."""

from ._color import to_grayscale
from ._io import LazyImages, read_image
from ._persistence import load_model, save_model
from ._testing import make_test_images
from ._validation import apply_images, check_images, image_shapes

__all__ = [
    "LazyImages",
    "apply_images",
    "check_images",
    "image_shapes",
    "load_model",
    "make_test_images",
    "read_image",
    "save_model",
    "to_grayscale",
]
