"""
==================================================
Hyper-images: when a few patches decide the label
==================================================

Averaging patch predictions works when an artifact covers the whole image.
When only a few small patches carry it, the average dilutes them among the
clean ones and cannot tell where they are or how many there are. Chandakkar
& Li's hyper-image model keeps the patch network (the first stage) but
arranges its embeddings of a ``U x V`` grid of patches into a
``U x V x D`` "hyper-image" and trains a second CNN on it. Here we compare
the two on the synthetic task of the paper, with the same first stage, and
show why the second stage must train on out-of-fold hyper-images.
"""

# %%
# The synthetic task
# ------------------
# Every image is a flat background with 1 to 3 small "scrambled" patches;
# the score is ``5 - sqrt(sum_i alpha_i**2)``. Here ``alpha_i`` is the
# contrast of patch ``i`` weighted by a Gaussian of its distance to the
# centre (``score="gaussian"``, a smooth variant); the generator's default
# is the paper's eq. 3 exactly (see the user guide). Small images keep this
# example under a minute on a CPU.
import numpy as np

from skforensics.datasets import make_localized_artifacts

X, y, _, maps = make_localized_artifacts(
    400, image_size=64, patch_size=8, n_patches=(1, 3), score="gaussian",
    return_maps=True, random_state=0,
)
X_train, y_train, X_test, y_test = X[:300], y[:300], X[300:], y[300:]
print(f"{len(X_train)} training and {len(X_test)} test images of {X.shape[1:]}")

# %%
# The nets regress the *distortion* ``5 - y``, which is 0 for a clean image:
# a freshly initialised net outputs about 0, so the patch network does not
# spend its first epochs learning the offset 5. We map predictions back.
d_train = 5.0 - y_train

# %%
# Two stages, cross-fitted
# ------------------------
# The first stage is Kang et al.'s patch network on 8x8 patches labelled
# with their image's score. :class:`~skforensics.models.PatchEmbedder`
# takes its post-ReLU penultimate activations on an 8x8 grid;
# :class:`~skforensics.models.HyperImageRegressor` trains the second-stage
# CNN on hyper-images of each fold made by a first stage fitted on the other
# folds (``cv=3``), as a stacking ensemble does.
import time

from skforensics.models import (
    HyperImageNetRegressor,
    HyperImageRegressor,
    PatchCNNRegressor,
    PatchEmbedder,
)

stage1 = PatchCNNRegressor(
    patch_size=8,
    n_patches=8,
    max_epochs=4,
    batch_size=64,
    verbose=0,
    random_state=0,
    module__kernel_size=5,
    module__n_filters=16,
    module__n_hidden=32,
    module__dropout=0.0,
)
second_stage = HyperImageNetRegressor(
    max_epochs=30,
    lr=2e-3,
    verbose=0,
    random_state=0,
    module__n_filters=(32,),
    module__n_hidden=(32,),
    module__dropout=0.0,
)
start = time.perf_counter()
model = HyperImageRegressor(
    PatchEmbedder(stage1, grid=(8, 8)), second_stage, cv=3
).fit(X_train, d_train)
print(f"fitted in {time.perf_counter() - start:.0f} s")

# %%
# Patch averaging with the same first stage
# -----------------------------------------
# ``model.embedder_.estimator_`` is the first stage fitted on all training
# images; used alone, it averages its patch scores over each image's tiles.
from skforensics.metrics import plcc, srocc

averaging = model.embedder_.estimator_
pred_avg = 5.0 - averaging.predict(X_test)
pred_hyper = 5.0 - model.predict(X_test)
for name, pred in (("patch averaging", pred_avg), ("hyper-image", pred_hyper)):
    print(
        f"{name:<16} SROCC {srocc(y_test, pred):.3f}  "
        f"PLCC {plcc(y_test, pred, mapping='linear'):.3f}"
    )

# %%
# Patch labels for the first stage
# --------------------------------
# Above, every patch learnt its image's score, although only the few
# patches on an artifact carry it. Here the artifacts are known:
# ``return_maps=True`` gave per-pixel maps (``alpha_i**2`` on patch ``i``,
# 0 elsewhere), and ``fit(..., masks=maps)`` makes each patch learn the
# mean of its map, with half of the patches centred on the artifacts
# (``sampling="mask"``). The same net, averaged, then tracks the score
# much better (it predicts the distortion, so we correlate with ``-y``;
# SROCC 0.51 against 0.12 with image labels when this was written; on the
# paper's eq. 3, ``score="paper"``, it reaches 0.90, see the user guide);
# ``HyperImageRegressor.fit(X, y, masks=maps)`` trains its first stages
# the same way.
from sklearn.base import clone

patch_labelled = clone(stage1).set_params(sampling="mask")
patch_labelled.fit(X_train, y_train, masks=maps[:300])
print(
    "patch averaging, patch labels: SROCC "
    f"{srocc(y_test, -patch_labelled.predict(X_test)):.3f}"
)

# %%
# Cross-fitted or prefit: the leakage gap
# ---------------------------------------
# With ``cv="prefit"`` the second stage trains on hyper-images of the very
# images the first stage learnt from, so its training score overstates how
# well it does on new images; cross-fitting trains it on out-of-fold
# hyper-images, like new images. Compare the gaps between training and test
# SROCC below. Here the patch network barely overfits (its patches are
# drawn at random and labelled with a noisy image score), so the two gaps
# are close; the gap of ``"prefit"`` grows when the patch network can
# memorise its training images (a large net, long training, few images),
# which is why the estimator warns about it. (With ``cv=3``, new images are
# embedded by the three fold embedders and the scores averaged,
# ``ensemble=True``: the second stage only sees embedding spaces it was
# trained on.)
import warnings

from sklearn.frozen import FrozenEstimator

prefit = HyperImageRegressor(
    FrozenEstimator(model.embedder_), second_stage, cv="prefit"
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    prefit.fit(X_train, d_train)
for name, est in (("cv=3", model), ("cv='prefit'", prefit)):
    train_score = srocc(d_train, est.predict(X_train))
    test_score = srocc(5.0 - y_test, est.predict(X_test))
    print(
        f"{name:<12} training SROCC {train_score:.3f}  test SROCC {test_score:.3f}  "
        f"gap {train_score - test_score:+.3f}"
    )

# %%
# Predicted against true scores, and one hyper-image
# --------------------------------------------------
# Patch averaging squeezes all images towards the mean score; the
# hyper-image model follows the true score. The channels of a hyper-image
# light up where the artifact patches are.
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
for ax, pred, title in zip(
    axes, (pred_avg, pred_hyper), ("patch averaging", "hyper-image")
):
    ax.scatter(y_test, pred, s=10)
    ax.plot([y.min(), 5], [y.min(), 5], color="gray", lw=1)
    ax.set(
        title=f"{title}: SROCC {srocc(y_test, pred):.3f}",
        xlabel="true score",
    )
axes[0].set_ylabel("predicted score")
fig.tight_layout()

H = model.transform(X_test[:1])[0]
busiest = np.argsort(H.reshape(-1, H.shape[-1]).std(axis=0))[::-1][:4]
fig, axes = plt.subplots(1, 5, figsize=(13, 2.9))
axes[0].imshow(X_test[0], cmap="gray", vmin=0, vmax=1)
axes[0].set_title(f"image, score {y_test[0]:.2f}")
for ax, channel in zip(axes[1:], busiest):
    ax.imshow(H[..., channel], cmap="magma")
    ax.set_title(f"channel {channel}")
for ax in axes:
    ax.set_axis_off()
fig.tight_layout()
plt.show()
