"""
===================================================
Detecting upscaled ("fake 4K") images, tile by tile
===================================================

A "4K" frame that was rendered at 1080p and upscaled has no detail above
the original Nyquist frequency, and the interpolation kernel leaves a
periodic signature. A small CNN trained on 64x64 tiles picks this up; the
report this follows classified an image from its centre tile (96.33%
accuracy) and proposed, as further work, to read all tiles and pool their
predictions. :class:`~skforensics.models.PatchCNNClassifier` does both.

We train it on data the package makes, from scikit-image's photographs,
hold out whole source photographs, and compare one centre tile with all
tiles pooled. Then we look at the tile heat maps of a real and of an
upscaled photograph, where the small net makes a telling mistake, and at
the shipped verdict on each, and at descale and compare, which reads the
native size without a net.
"""

# %%
# Real and upscaled crops, grouped by source photograph
# -----------------------------------------------------
# :func:`~skforensics.datasets.make_rescaled_images` pairs each crop of a
# photograph with the same crop downscaled x0.5 and upscaled x2 (OpenCV
# bicubic or Lanczos, or Pillow's bicubic), rounded to 8 bits as a saved
# frame would be. ``groups`` tells which photograph a crop comes from: we
# test on photographs the network never saw.
import numpy as np

from skforensics.datasets import load_sample_images, make_rescaled_images

photos = load_sample_images()  # 8 luminance photographs, 512 px and up
X, y, groups = make_rescaled_images(
    photos,
    factor=2,
    kernels=("bicubic", "lanczos", "pillow"),
    crop_size=128,
    n_crops=8,
    random_state=0,
)
test_photos = [6, 7]
train = ~np.isin(groups, test_photos)
print(f"{train.sum()} training crops from 6 photographs, {X.shape[1:]} each")

# %%
# A patch CNN with one label per image
# ------------------------------------
# ``fit`` takes one label per crop; random patches are drawn inside a torch
# dataset at every epoch (never materialised as rows), flipped and rotated.
# The network is the report's: six 3x3 convolutions of 16 filters with
# batch norm and leaky ReLU, 4x4 max pooling, a dense layer of 64. To train
# in seconds on a CPU we use 32x32 patches here (the report and the shipped
# detector use 64x64).
import time

from skforensics.models import PatchCNNClassifier

clf = PatchCNNClassifier(
    patch_size=32,
    n_patches=8,
    augment=True,
    lr=3e-3,
    max_epochs=5,
    verbose=0,
    random_state=0,
)
start = time.perf_counter()
clf.fit(X[train], y[train])
elapsed = time.perf_counter() - start
print(f"trained on {8 * 5 * train.sum()} patches in {elapsed:.0f} s")

# %%
# One centre tile against all tiles pooled
# ----------------------------------------
# Crops of the two held-out photographs, real and upscaled with each kernel
# (16 tiles per crop). ``predict_sampling="center"`` is the report's
# protocol; the default ``"grid"`` averages the probabilities of all tiles.
held_out, y_held_out, _ = make_rescaled_images(
    [photos[i] for i in test_photos],
    kernels=("bicubic", "lanczos", "pillow"),
    each_kernel=True,
    crop_size=128,
    n_crops=8,
    random_state=1,
)
pooled = clf.score(held_out, y_held_out)
centre = clf.set_params(predict_sampling="center").score(held_out, y_held_out)
clf.set_params(predict_sampling="grid")
print(f"{len(held_out)} held-out crops: centre tile {centre:.1%}, "
      f"all tiles pooled {pooled:.1%}")

# %%
# The shipped detector
# --------------------
# :func:`~skforensics.models.pretrained` loads the report's 64x64 net,
# trained on many more photographs and on upscales that went through JPEG,
# H.264, HEVC and sharpening (see ``scripts/train_upscale_detector.py`` and
# the user guide's fake-4K page).
# It takes RGB or grayscale, uint8 or float images of any size from 64 px.
from skforensics.models import pretrained

detector = pretrained("upscale-detector")
accuracy = detector.score(held_out, y_held_out)
print(f"pretrained detector on the same crops: {accuracy:.1%}")

# %%
# Where the networks see upscaling
# --------------------------------
# ``predict_patch_map`` returns the probability of each tile, on the grid of
# :func:`~skforensics.feature.patch_corners`, here for a whole held-out
# photograph and its bicubic x2 twin: the small network trained above (top,
# 32x32 tiles) and the shipped detector (bottom, 64x64 tiles). Flat,
# textureless regions carry little evidence either way. A title says so
# when a network calls the native photograph upscaled.
import matplotlib.pyplot as plt

whole, _, _ = make_rescaled_images([photos[7]], kernels="bicubic", random_state=0)
fig, axes = plt.subplots(2, 2, figsize=(9, 6.5))
p_native = {}
for row, (model, tile, name) in enumerate(
    [(clf, 32, "trained here"), (detector[-1], 64, "pretrained")]
):
    maps = model.predict_patch_map(list(whole))
    for ax, image, tile_map, title in zip(
        axes[row], whole, maps, ("native", "upscaled x2 (bicubic)")
    ):
        ax.imshow(image, cmap="gray")
        height, width = np.array(tile_map.shape) * tile
        shown = ax.imshow(
            tile_map, cmap="magma", vmin=0, vmax=1, alpha=0.55,
            extent=(0, width, height, 0), interpolation="nearest",
        )
        p = tile_map.mean()
        wrong = " (wrong)" if title == "native" and p > 0.5 else ""
        if title == "native":
            p_native[name] = p
        ax.set_title(f"{name}, {title}: P = {p:.2f}{wrong}", fontsize=10)
        ax.set_axis_off()
fig.colorbar(shown, ax=axes, shrink=0.8, label="tile probability of upscaling")
plt.show()
print(", ".join(f"{name}: P(upscaled) of the native photograph {p:.2f}"
                for name, p in p_native.items()))

# %%
# Reading the top row: a detector that learnt "smooth means upscaled"
# -------------------------------------------------------------------
# The network trained above, in seconds on crops of six photographs, also
# lights up the *native* photograph (the top-left panel; its P has been
# above 0.5 in our builds, and a title marks it "wrong" when it is). Its
# only negatives were the real crops of six photographs and its positives
# their upscales, so what it learnt is closer to "lacks fine detail" than to the
# periodic trace of interpolation, and the smooth parts of this photograph
# lack fine detail: the floor and the wall light up, not the motorcycle.
# Its score on the held-out crops (above) could not tell us this: a score
# counts the mistakes, a map shows what kind they are.
# The shipped detector was trained with softened real photographs (blur,
# defocus, codecs) as negatives precisely so that lack of detail is not
# evidence (see the user guide's fake-4K page), and keeps the native
# photograph native.
#
# The verdict on a whole file, as ``skforensics analyse`` gives it, pools the
# textured tiles of the shipped net with the periodicity that an upscale
# leaves in the second derivative (:func:`~skforensics.inspection.upscale_verdict`):
from skforensics.inspection import upscale_verdict

for image, title in zip(whole, ("native", "upscaled x2 (bicubic)")):
    verdict = upscale_verdict(image)
    answer = f"upscaled x{verdict.factor:g}" if verdict.upscaled else "native"
    print(f"{title}: {answer}, P(upscaled) = {verdict.p_upscaled:.2f}")

# %%
# Descale and compare: the native size, without a net
# ---------------------------------------------------
# :func:`~skforensics.feature.descale_curve` asks, for each candidate factor
# and kernel, how well a smaller image enlarged by that upscale explains the
# most textured rows and columns (a least-squares fit), and measures what is
# left over. At the true native size the residual falls to the 8-bit
# rounding: the curve dips sharply there, and the dip names the native size.
# The native photograph has detail that no smaller image explains, and no
# dip. The verdict above reads this curve too when its first stage is
# unsure (``verdict.descaled``).
from skforensics.feature import descale_curve

fig, ax = plt.subplots(figsize=(7, 3.2))
for image, title in zip(whole, ("native", "upscaled x2 (bicubic)")):
    result = descale_curve(image)
    ax.plot(result.factors, result.curve.min(axis=0), label=title)
    print(f"{title}: deepest dip {result.dip:.2f} at x{result.factor:g} "
          f"({result.kernel}), native size {result.native_shape}")
ax.set_xlabel("candidate factor")
ax.set_ylabel("log10 residual / detail\n(best kernel)")
ax.legend()
fig.tight_layout()
plt.show()
