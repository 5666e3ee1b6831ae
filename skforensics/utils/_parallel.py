"""Loops over image collections through joblib, batched per worker.

Every ``n_jobs`` of the package goes through :func:`map_image_chunks`, so
``with joblib.parallel_backend("dask"):`` moves the work onto a Dask
cluster. ``n_jobs=None`` means one process unless a joblib context says
otherwise (as in scikit-learn); a context's backend and ``n_jobs`` apply.
"""

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs

from ._io import LazyImages
from ._param_validation import Interval, validate_parameter_constraints

__all__ = [
    "N_JOBS_CONSTRAINT",
    "check_n_jobs",
    "map_image_chunks",
    "prepared_parallel",
    "take_images",
]

# scikit-learn's vocabulary for n_jobs, without the meaningless 0.
N_JOBS_CONSTRAINT = [
    Interval(Integral, None, -1, closed="right"),
    Interval(Integral, 1, None, closed="left"),
    None,
]


def check_n_jobs(n_jobs, owner):
    """Refuse ``n_jobs=0`` (and non-integers) with scikit-learn's message."""
    validate_parameter_constraints(
        {"n_jobs": N_JOBS_CONSTRAINT}, {"n_jobs": n_jobs}, caller_name=owner
    )
    return n_jobs


def take_images(X, indices):
    """The images ``indices`` of a collection, in the collection's form.

    A :class:`LazyImages` gives a :class:`LazyImages` (it pickles as paths:
    the worker reads the files), an ndarray an ndarray, a sequence a list.
    """
    if isinstance(X, (np.ndarray, LazyImages)):
        return X[np.asarray(indices, dtype=np.intp)]
    return [X[i] for i in indices]


def _chunks(n_items, n_workers):
    """Contiguous index ranges, a few per worker for balance."""
    n_chunks = min(n_items, max(1, n_workers) * 2 if n_workers > 1 else 1)
    return [c for c in np.array_split(np.arange(n_items), n_chunks) if c.size]


def map_image_chunks(func, X, n_jobs, *args, per_image=None, **kwargs):
    """``func(chunk, *args, **kwargs)`` over contiguous chunks of X, in order.

    With one effective worker, ``func`` runs once on the whole collection in
    this process (no copy, no pickling). Otherwise the images are split in
    contiguous chunks, two per worker, each sent to a joblib worker with the
    other arguments; a :class:`LazyImages` chunk travels as its paths.

    ``per_image``, an array with one entry per image (e.g. a seed each), is
    cut with the images and passed as the second argument:
    ``func(chunk, per_image_chunk, *args, **kwargs)``.

    Returns the list of the chunks' results, in the order of the images.
    """
    n_workers = effective_n_jobs(n_jobs)
    if per_image is not None:
        per_image = np.asarray(per_image)
        args = (per_image, *args)
    if n_workers == 1 or len(X) <= 1:
        return [func(X, *args, **kwargs)]
    chunks = _chunks(len(X), n_workers)

    def chunk_args(chunk):
        return args if per_image is None else (per_image[chunk], *args[1:])

    return Parallel(n_jobs=n_jobs)(
        delayed(func)(take_images(X, chunk), *chunk_args(chunk), **kwargs)
        for chunk in chunks
    )


def prepared_parallel(n_jobs, initializer, initargs=(), **kwargs):
    """A :class:`joblib.Parallel` whose worker processes run
    ``initializer(*initargs)`` once, before their first task.

    For loops whose tasks need a heavy state in each worker (torch and the
    models): loky's workers measure their memory after their first task and
    restart themselves, warning "A worker stopped while some jobs were given
    to the executor ... memory leak", when it later grows by more than
    300 MB. Workers left by an earlier ``Parallel`` call (loky reuses them
    from call to call) took that measure before any model was loaded, so
    loading the models in a task restarted them. joblib's ``initializer``
    (for the loky and multiprocessing backends) gives the loop workers that
    ran it first: loky reuses its workers only for the same ``initializer``
    and equal ``initargs``, and starts new ones otherwise. Other backends
    (threads, Dask) ignore it, so the tasks must still prepare their state
    themselves when it is missing (a cheap check once it is there).

    ``kwargs`` are passed to :class:`joblib.Parallel`.
    """
    return Parallel(n_jobs=n_jobs, initializer=initializer, initargs=initargs, **kwargs)
