"""
============================================================
BRISQUE + SVM: detecting upscaled images with a grid search
============================================================

The classical baseline for image forensics and quality assessment is a
support vector machine on the 36 BRISQUE features. In skforensics it is an
ordinary scikit-learn pipeline, tuned with :class:`~sklearn.model_selection.GridSearchCV`.

The one thing to get right is the split: each source photograph gives a real
and an upscaled sample, and crops of one photograph must never sit on both
sides of a split, or the model is scored on images it has half seen. The
generators return ``groups`` (the source image of every sample) for exactly
that, and :class:`~sklearn.model_selection.GroupKFold` uses them.
"""

# %%
# Data
# ----
# 128x128 crops of scikit-image's photographs: half real, half downscaled by
# two and upscaled back with a bicubic or Lanczos kernel.
import numpy as np

from skforensics.datasets import load_sample_images, make_rescaled_images

X, y, groups = make_rescaled_images(
    load_sample_images(),
    factor=2,
    kernels=("bicubic", "lanczos"),
    crop_size=128,
    n_crops=4,
    random_state=0,
)
print(f"{len(X)} crops from {len(np.unique(groups))} photographs")

# %%
# The pipeline and the search
# ---------------------------
# Features are extracted once per fit; ``n_jobs=2`` spreads them over two
# processes (any joblib backend, Dask included, can run them).
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skforensics.feature import BRISQUEExtractor

pipe = make_pipeline(BRISQUEExtractor(n_jobs=2), StandardScaler(), SVC())
search = GridSearchCV(
    pipe, {"svc__C": [1, 10, 100], "svc__gamma": ["scale", 0.01]}, cv=GroupKFold(3)
)
search.fit(X, y, groups=groups)
print("best parameters:", search.best_params_)

# %%
# Cross-validated results
# -----------------------
# The inner search picks ``C``; an outer :class:`~sklearn.model_selection.GroupKFold`
# scores the whole procedure on photographs it never saw.
import matplotlib.pyplot as plt
from sklearn.model_selection import cross_val_predict

outer = GroupKFold(4)
proba_like = cross_val_predict(
    search, X, y, groups=groups, cv=outer, method="decision_function",
    params={"groups": groups},
)
accuracy = np.mean((proba_like > 0) == y)
print(f"nested cross-validated accuracy: {accuracy:.3f}")

fig, ax = plt.subplots(figsize=(5, 3.5))
for label, text in ((0, "real"), (1, "upscaled")):
    ax.hist(proba_like[y == label], bins=15, alpha=0.6, label=text)
ax.axvline(0, color="k", lw=1)
ax.set_xlabel("SVM decision function (out of fold)")
ax.set_title(f"BRISQUE + SVM, accuracy {accuracy:.2f}")
ax.legend()
fig.tight_layout()
plt.show()
