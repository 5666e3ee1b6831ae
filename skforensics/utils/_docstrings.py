"""Docstring paragraphs that several public objects share, written once.

A docstring names a shared paragraph by a line that holds only its name in
braces, indented where the paragraph goes::

    Parameters
    ----------
    {check_range}
    criterion : torch criterion class, default=torch.nn.L1Loss
        Loss on the patch scores.

and :func:`fill_doc` replaces that line with ``PARAGRAPHS["check_range"]``,
indented as the placeholder was; ``{owner}`` inside a paragraph becomes the
name of the decorated class. Any other brace (a set of options, a format
string in an example) is left alone, and an unknown name fails at import.
This is what skorch does for its classifier (``get_neural_net_clf_doc``),
with the paragraphs named instead of found by regular expressions.
"""

import inspect
import re
import textwrap

__all__ = ["PARAGRAPHS", "fill_doc"]

_REFERENCE_CHANDAKKAR = """\
.. [1] P. Chandakkar and B. Li, "Capturing Localized Image Artifacts
   through a CNN-based Hyper-image Representation", arXiv:1711.04945,
   2017."""

_REFERENCE_KANG = """\
.. [1] L. Kang, P. Ye, Y. Li and D. Doermann, "Convolutional Neural
   Networks for No-Reference Image Quality Assessment", CVPR 2014."""

_REFERENCE_MITTAL = """\
.. [1] A. Mittal, A. K. Moorthy and A. C. Bovik, "No-Reference Image
   Quality Assessment in the Spatial Domain", IEEE Transactions on Image
   Processing, 21(12), pp. 4695-4708, 2012."""

_RETURNS_DISPLAY = """\
Returns
-------
display : {owner}
    The object, with its figure, axes and artists set."""

_X_COLLECTION = """\
X : ndarray, list of ndarray or LazyImages
    Image collection."""

_X_IMAGES = """\
X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
    Images."""

_CALLBACKS = """\
callbacks : list of (str, skorch.callbacks.Callback) or None, default=None
    Extra skorch callbacks, e.g. ``EarlyStopping`` or ``LRScheduler``."""

_DEVICE = """\
device : str, default="cpu"
    Torch device."""

PARAGRAPHS = {
    # References, with their section heading.
    "references_chandakkar": "References\n----------\n" + _REFERENCE_CHANDAKKAR,
    "references_kang": "References\n----------\n" + _REFERENCE_KANG,
    "references_mittal": "References\n----------\n" + _REFERENCE_MITTAL,
    # The window of skforensics.feature.mscn, for the function and the
    # transformer.
    "mscn_sigma_window_C_mode": """\
sigma : float, default=7/6
    Standard deviation of the Gaussian window, in pixels.

window : int, default=7
    Side of the square window; an odd int >= 3.

C : float, default=1/255
    Constant added to the local standard deviation, in the units of the
    image: the default is BRISQUE's C = 1 on the 0-255 scale, for images
    in [0, 1].

mode : {"constant", "reflect", "mirror", "nearest", "wrap"}, \
            default="constant"
    How the window sees beyond the border, named as in
    :func:`scipy.ndimage.correlate`. ``"constant"`` pads with zeros, as
    MATLAB's ``filter2(w, I, 'same')`` in the BRISQUE release does.""",
    # The Displays of skforensics.inspection ({owner}: the Display class).
    "display_create_and_read_more": """\
Create it with :meth:`from_estimator` or :meth:`from_predictions`; the
constructor only stores its data.

Read more in the :ref:`User Guide <inspection_displays>`.""",
    "returns_display": _RETURNS_DISPLAY,
    "kwargs_to_plot_returns_display": """\
**kwargs : dict
    Passed to :meth:`plot`.

"""
    + _RETURNS_DISPLAY,
    # The metrics of skforensics.metrics.
    "parameters_y_true_y_pred": """\
Parameters
----------
y_true : array-like of shape (n_samples,)
    The ground-truth scores (e.g. mean opinion scores).

y_pred : array-like of shape (n_samples,)
    The predicted scores.""",
    "raises_warns_correlation": """\
Raises
------
ValueError
    If the inputs differ in length, are not 1-D, contain NaN or
    infinity, or hold fewer than 2 samples.

Warns
-----
UndefinedMetricWarning
    When either input is constant: the score is then NaN (see
    :class:`sklearn.exceptions.UndefinedMetricWarning`).""",
    # skforensics.utils.estimator_checks: the checks one by one, or all.
    "parameters_image_estimator_checks": """\
Parameters
----------
estimator : estimator instance
    An unfitted image estimator.
X : image collection, default=None
    The images to use; by default 8 smooth random 16x16 images
    (``data_kwargs`` may set ``n_images``, ``size``, ``n_channels``).
y : array-like, default=None
    Targets; by default two balanced classes for classifiers, a ramp for
    regressors, None for transformers.
**data_kwargs : dict
    Passed to the default data maker when ``X`` is None: ``n_images``
    (default 8), ``size`` (default 16) and ``n_channels`` (default
    None, grayscale).""",
    # Parameters of the skorch patch nets (models._patch_net.PatchNetMixin).
    "check_range": """\
check_range : bool, default=True
    Refuse float images outside [0, 1], the usual sign of 0..255 data
    passed as float. Set it to False when X holds feature maps rather
    than images, e.g. after an :class:`~skforensics.feature.MSCNTransformer`
    step (Kang et al. normalise patches before their CNN).""",
    "predict_n_jobs": """\
n_jobs : int, default=None
    Joblib workers that score the images at prediction, each on a
    contiguous chunk of them; None means 1 unless in a
    :func:`joblib.parallel_backend` context (a Dask cluster, for
    instance), -1 all cores. Training stays in one process.""",
    # Parameters of every skorch net (models._skorch_base.ImageNetMixin).
    "optimizer_lr": """\
optimizer : torch optimizer class, default=torch.optim.Adam
    Optimiser.
lr : float, default=1e-3
    Learning rate.""",
    "callbacks": _CALLBACKS,
    "device": _DEVICE,
    "train_split_callbacks_verbose_device": """\
train_split : callable or None, default=None
    Internal validation split; use :class:`ImageSplit` (e.g.
    ``ImageSplit(0.2)``) to hold out whole images, which early stopping
    needs. ``None`` trains on all images.
"""
    + _CALLBACKS
    + """
verbose : int, default=1
    0: silent; 1: one line per epoch; 2: also skorch's progress bar.
"""
    + _DEVICE,
    # The transformers of skforensics.feature.
    "parameters_X_collection": "Parameters\n----------\n" + _X_COLLECTION,
    "n_channels_in_": """\
n_channels_in_ : int
    Number of channels of the images seen in :meth:`fit`.""",
    # The image-level methods of the estimators in skforensics.models.
    "X_images": _X_IMAGES,
    "parameters_X_images": "Parameters\n----------\n" + _X_IMAGES,
    "returns_y_pred": """\
Returns
-------
y_pred : ndarray of shape (n_images,)
    Predicted scores.""",
    "returns_proba": """\
Returns
-------
proba : ndarray of shape (n_images, n_classes)
    Probabilities in the order of :attr:`classes_`.""",
    # The image-level methods of PixelwiseJPEGRegressor.
    "parameters_X_any_size": """\
Parameters
----------
X : ndarray, list of ndarray or LazyImages
    Image collection, grayscale or RGB, of any size.""",
    # The methods of PatchDataset that take a patch index.
    "parameters_patch_index": """\
Parameters
----------
i : int
    Index of the patch, from 0 to ``len(self) - 1``.""",
    # Fitted attributes of HyperImageClassifier and HyperImageRegressor.
    "hyper_image_attributes_": """\
embedder_ : PatchEmbedder
    The first stage fitted on all training images (``embedder`` itself
    with ``cv="prefit"``).
fold_embedders_ : list of PatchEmbedder
    The first stage fitted on each fold's training images (empty with
    ``cv="prefit"``); used at prediction when ``ensemble=True``.
hyper_image_shape_ : tuple of (int, int, int)
    ``(U, V, D)``.
final_estimator_ : estimator
    The fitted second stage (its ``module_`` is the trained network).""",
    # Fitted attributes of the skorch nets.
    "classes_": """\
classes_ : ndarray of shape (n_classes,)
    Class labels.""",
    "n_channels_in_patch_size_": """\
n_channels_in_ : int
    Channels of the training images.
patch_size_ : tuple of (int, int)
    Patch height and width.""",
    "random_seeds_": """\
random_seeds_ : tuple of int
    Seeds drawn from ``random_state``.""",
    "history_": """\
history_ : skorch.History
    Losses and timings of each epoch.""",
}

_PLACEHOLDER = re.compile(r"^( *)\{(\w+)\}$", re.MULTILINE)


def _filled(doc, owner):
    def paragraph(match):
        indent, name = match.groups()
        text = PARAGRAPHS[name].replace("{owner}", owner)
        return textwrap.indent(text, indent)

    return _PLACEHOLDER.sub(paragraph, doc)


def fill_doc(obj):
    """Put the shared paragraphs in the docstrings of ``obj``.

    Parameters
    ----------
    obj : class or function
        A function, or a class: then its own docstring and those of the
        functions, class methods and static methods it defines.

    Returns
    -------
    obj : class or function
        ``obj`` itself, its docstrings filled.
    """
    owner = obj.__name__
    members = [obj]
    if inspect.isclass(obj):
        for member in vars(obj).values():
            if isinstance(member, (classmethod, staticmethod)):
                member = member.__func__
            if inspect.isfunction(member):
                members.append(member)
    for member in members:
        if member.__doc__:
            member.__doc__ = _filled(member.__doc__, owner)
    return obj
