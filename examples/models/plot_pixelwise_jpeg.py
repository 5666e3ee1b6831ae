"""
=========================================================
Pixelwise JPEG quality maps: finding a pasted JPEG region
=========================================================

A JPEG file remembers nothing once it is decoded and saved as PNG, but its
pixels do: the 8x8 blocks, the quantised DCT coefficients and the smoothed
chroma leave traces that a small convolutional net can read.
:class:`~skforensics.models.PixelwiseJPEGRegressor` (Uchida et al.) estimates,
for **every pixel**, the JPEG quality factor it was ever compressed with and
the probability that it ever was. Here we paste a JPEG-compressed region into
a never-compressed photograph and ask the estimator where it is, then
compare estimated and true quality factors over the whole range (the paper's
Fig. 2).

The estimator is the shipped ``jpeg-quality`` model
(``skforensics.models.pretrained("jpeg-quality")``), trained by
``scripts/train_jpeg_quality.py`` on other photographs: none of the images
below was seen in training.
"""

# %%
# A collage from package data
# ---------------------------
# :func:`~skforensics.datasets.make_collages` compresses the whole photograph
# at one quality, in memory, and takes the pixels inside a mask from that
# copy, so the pasted region keeps the JPEG grid of the image.
import numpy as np

from skforensics.datasets import load_sample_images, make_collages

photos = load_sample_images(as_gray=False)
astronaut = photos[0][:256, :256]
X, y, groups, masks = make_collages(
    [astronaut], qualities=20, mask="ellipse", area_range=(0.25, 0.3), random_state=0
)
collage, mask = X[0], masks[0]
print(f"pasted region: quality {y[0]:.0f}, {100 * mask.mean():.0f}% of the image")

# %%
# The estimator
# -------------
# The shipped weights: nothing is trained or downloaded here.
from skforensics.models import pretrained

estimator = pretrained("jpeg-quality")
print(estimator.pretrained_info_["settings"]["n_filters"], "filters")

# %%
# Maps of the collage
# -------------------
# ``predict_maps`` works on any image size, in tiles with a halo of half the
# receptive field (19 pixels for the default net), so the maps are those of
# the whole image while memory stays bounded.
from skforensics.metrics import mask_iou

quality_maps, flag_maps = estimator.predict_maps(collage[np.newaxis])
quality_map, flag_map = quality_maps[0], flag_maps[0]
iou = mask_iou(mask, flag_map)

# %%
# Estimated against true quality
# ------------------------------
# Another photograph (the coffee cup; no package photograph was used in
# training) compressed at each quality; the image-level estimate is the median
# of the quality map.
from skforensics.datasets import make_jpeg_images

coffee = photos[4][:192, :192]
qualities = list(range(10, 101, 10))
X_q, y_q, _ = make_jpeg_images(
    [coffee] * len(qualities),
    qualities=qualities,
    uncompressed_fraction=0.0,
    random_state=0,
)
order = np.argsort(y_q)
X_q, y_q = X_q[order], y_q[order]
estimated = estimator.predict(X_q)
mae = np.mean(np.abs(estimated - y_q))

# %%
# The figure
# ----------
# :class:`~skforensics.inspection.JPEGMapDisplay` draws the collage, its two
# maps and the histogram of the quality map (the top two rows, on the four
# axes it is given); below, the true region and the quality curve of the
# held-out image.
import matplotlib.pyplot as plt

from skforensics.inspection import JPEGMapDisplay

fig = plt.figure(figsize=(9, 11), layout="constrained")
top, bottom = fig.subfigures(2, 1, height_ratios=(2, 1))
display = JPEGMapDisplay.from_predictions(
    collage, quality_map, flag_map, ax=top.subplots(2, 2).ravel()
)
display.axes_[0].set_title(f"collage (region at Q{y[0]:.0f})")
display.axes_[2].set_title(f"P(compressed) map, IoU {iou:.2f}")
ax_mask, ax_curve = bottom.subplots(1, 2)
ax_mask.imshow(mask, cmap="gray")
ax_mask.set_title("true pasted region")
ax_mask.set_axis_off()
ax_curve.plot(y_q, estimated, "o-", label="estimated")
ax_curve.plot([0, 100], [0, 100], "k:", label="ideal")
ax_curve.set(xlabel="true JPEG quality", ylabel="estimated quality")
ax_curve.set_title(f"held-out image, MAE {mae:.1f}")
ax_curve.legend()
plt.show()

# Flagging every pixel scores an IoU equal to the region's share of the
# image: a net that has learned nothing gets about that.
print(f"flag-map IoU with the pasted region: {iou:.3f}")
print(f"IoU of flagging every pixel: {mask.mean():.3f}")
print(f"quality MAE over Q10-100 on a held-out image: {mae:.1f}")
