"""
===========================================
Looking at what the models see: Displays
===========================================

:mod:`skforensics.inspection` draws its figures with Display objects shaped
like scikit-learn's :class:`~sklearn.metrics.RocCurveDisplay`: a
``from_estimator`` (or ``from_predictions``) classmethod computes what to
show and returns the Display, whose ``plot`` can draw again on other axes and
whose attributes hold the figure, the axes and the artists. Here each of the
four shows the two shipped models, and the features of BRISQUE, at work on
the photographs scikit-image ships; nothing is trained or downloaded.
"""

# %%
# Tile heat maps of the upscale detector
# --------------------------------------
# The shipped detector scores 64x64 tiles and pools their probabilities.
# :class:`~skforensics.inspection.PatchScoreDisplay` lays the tile scores
# over the image and puts the pooled verdict in the title. A crop and its
# twin, downscaled by 2 and upscaled back, side by side.
import matplotlib.pyplot as plt
import numpy as np

from skforensics.datasets import load_sample_images, make_rescaled_images
from skforensics.inspection import PatchScoreDisplay
from skforensics.models import pretrained

images = load_sample_images()
X, y, groups = make_rescaled_images(
    images[:1], factor=2, kernels=("bicubic",), crop_size=256, random_state=0
)
detector = pretrained("upscale-detector")

fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
for ax, image in zip(axes, X):
    display = PatchScoreDisplay.from_estimator(detector, image, ax=ax)
p_upscaled = detector.predict_proba(X)[:, 1]
print(f"P(upscaled): real crop {p_upscaled[0]:.2f}, upscaled crop {p_upscaled[1]:.2f}")

# %%
# JPEG quality and flag maps
# --------------------------
# A photograph with one region pasted from a JPEG saved at quality 60. The
# shipped JPEG model estimates, per pixel, the quality factor and the
# probability of a JPEG history; :class:`~skforensics.inspection.JPEGMapDisplay`
# shows both maps next to the image, and the histogram of the quality map.
from io import BytesIO

from PIL import Image

from skforensics.inspection import JPEGMapDisplay

photo = images[0][128:320, 128:320]
buffer = BytesIO()
Image.fromarray(np.round(photo * 255).astype(np.uint8)).save(
    buffer, format="JPEG", quality=60
)
compressed = np.asarray(Image.open(buffer), dtype=np.float32) / 255
spliced = photo.copy()
spliced[:, 96:] = compressed[:, 96:]  # the right half was a JPEG

jpeg_display = JPEGMapDisplay.from_estimator(pretrained("jpeg-quality"), spliced)
median_q = np.median(jpeg_display.quality_map[:, 112:])
print(f"median estimated quality of the pasted half: {median_q:.0f}")

# %%
# MSCN coefficients
# -----------------
# Upscaling squeezes the MSCN coefficients towards zero: the histogram of
# the upscaled crop has thinner tails (the fake-4K report's Fig. 1).
from skforensics.inspection import MSCNDisplay

mscn_display = MSCNDisplay.from_images(X, labels=["real", "upscaled x2"])

# %%
# BRISQUE features by class
# -------------------------
# The 36 BRISQUE features summarise those distributions: the variance of
# the MSCN coefficients and the left variance of their horizontal products
# drop once an image has been upscaled.
# :class:`~skforensics.inspection.BRISQUEFeatureDisplay` draws the density of
# chosen features for each class (the report's Fig. 2), here on 32 small
# crops: 16 real ones and their upscaled twins.
from skforensics.feature import BRISQUEExtractor
from skforensics.inspection import BRISQUEFeatureDisplay

X_crops, y_crops, _ = make_rescaled_images(
    images, factor=2, crop_size=96, n_crops=2, random_state=0
)
brisque = BRISQUEExtractor().fit(X_crops)
feature_display = BRISQUEFeatureDisplay.from_estimator(
    brisque,
    X_crops,
    y_crops,
    feature_names=["s1_mscn_var", "s1_h_left_var"],
    class_names={0: "real", 1: "upscaled"},
)
mscn_var = feature_display.features[:, 0]
print(
    f"mean MSCN variance: real {mscn_var[y_crops == 0].mean():.3f}, "
    f"upscaled {mscn_var[y_crops == 1].mean():.3f}"
)
plt.show()
