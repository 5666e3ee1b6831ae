"""Distil the shipped pixelwise JPEG net into a narrower, faster student.

::

    python scripts/distil_jpeg_quality.py --data ../shared/data/lossless \\
        --out /tmp/S/jpeg-quality-student.pt --n-filters 16 --threads 1 \\
        --max-minutes 7.5 [--resume /tmp/S/jpeg-quality-student.pt.ckpt]

The student is a :class:`~skforensics.nn.JPEGQualityNet` with the teacher's
fixed lattice front end (the same steps, coefficients and quality tests) and
its dilations, but ``--n-filters`` filters (16 where the teacher has 32):
each dilated convolution then costs about a quarter as much. What it does,
deterministically for a given ``--seed``:

- the teacher is ``--teacher`` (the packaged ``jpeg-quality.skf`` by
  default), in evaluation mode;
- the student starts **pruned from the teacher**: for every hidden layer,
  the ``--n-filters`` channels whose mean activation on the first batch of
  training patches, times the norm of the next layer's weights on them, is
  largest keep their teacher weights (their batch norm too); the others are
  dropped;
- the training patches are those of ``scripts/train_jpeg_quality.py``'s last
  stage (same split by source file, same downscaled copies, the estimator's
  own online generator, quality boost 95-100, 15% left uncompressed), and
  the target of each is the **teacher's two maps** on it, clipped to [0, 1]
  (the values the estimator reads), not the labels: the student learns what
  the teacher answers, borders and all. MSE on both maps, Adam, cosine
  decay;
- the student's first (1x1) convolution is learned as a mix of the
  teacher's (``n_filters x 32`` weights, folded into one convolution at the
  end), so both nets start from the teacher's 32 projected channels,
  computed chunk by chunk without holding the ~200 features for a gradient;
- checkpoints (net, optimizer, history) after every epoch; ``--max-minutes``
  stops after the epoch that spends it, ``--resume`` continues with the
  same patches an uninterrupted run would see;
- at the end, the weights (float16, as the shipped files) with their
  metadata, the quality calibration fitted as ``train_jpeg_quality.py``
  does, and the ``.skf`` model file beside them.

The 16-filter student of the defaults (27 epochs of 3,000 patches, five
resumed runs of at most 7 minutes, about 26 CPU-minutes of training and 5 of
calibration on one thread of a shared machine) was **not shipped**: on the
held-out images its quality error over Q10-95 was 2.36 against the
teacher's 1.62 and it detected 89% of Q97-100 against 98.4% (the model
card, ``docs/model_cards/jpeg_quality.rst``, has the table).
"""

import argparse
import importlib.util
import os
import signal
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def _training_script():
    path = os.path.join(HERE, "train_jpeg_quality.py")
    spec = importlib.util.spec_from_file_location("train_jpeg_quality", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="folder of never-compressed images")
    p.add_argument("--out", required=True, help="weights file to write (.pt)")
    p.add_argument("--teacher", default=None, help="default: packaged jpeg-quality")
    p.add_argument("--n-filters", type=int, default=16)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--patches-per-epoch", type=int, default=3000)
    p.add_argument("--patch-size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--valid-patches", type=int, default=600)
    p.add_argument("--min-side", type=int, default=256)
    p.add_argument("--quality-boost", nargs="*",
                   default=["95:2", "96:2", "97:2", "98:2", "99:6", "100:6"])
    p.add_argument("--uncompressed-fraction", type=float, default=0.15)
    p.add_argument("--max-minutes", type=float, default=None, help="stop (resumable)")
    p.add_argument("--resume", default=None, help="checkpoint to continue from")
    p.add_argument("--finish", action="store_true",
                   help="with --resume: write the weights now")
    p.add_argument("--calibration-qualities", type=int, default=24)
    return p


# Settings a resumed run must share with its checkpoint.
FIXED = ("n_filters", "epochs", "patches_per_epoch", "patch_size", "batch_size",
         "lr", "seed", "quality_boost", "uncompressed_fraction", "teacher")


def convolutions(layers):
    """``[(conv, batch norm or None), ...]`` of a sequence of layers, in order."""
    layers = list(layers)
    pairs = []
    for i, layer in enumerate(layers):
        if isinstance(layer, torch.nn.Conv2d):
            after = layers[i + 1] if i + 1 < len(layers) else None
            if not isinstance(after, torch.nn.BatchNorm2d):
                after = None
            pairs.append((layer, after))
    return pairs


def first_projection(teacher, x):
    """The teacher's first (1x1) convolution of the lattice features of ``x``:
    its ``n_filters`` channels, before batch norm, never all features held."""
    weight = teacher.layers[0].weight
    return teacher.features.project(x, weight, None, chunk=8192).contiguous()


class Student(torch.nn.Module):
    """The student as trained: its first convolution a mix of the teacher's
    first one (``mix``, ``n_filters x 32``), then its own layers.

    The student's first convolution is ``mix`` times the teacher's
    (:meth:`fold`), so the student never needs the ~200 lattice features
    held at once for a gradient: it learns from the teacher's 32 projected
    channels, computed chunk by chunk.
    """

    def __init__(self, student, teacher_width):
        super().__init__()
        self.mix = torch.nn.Conv2d(teacher_width, student.n_filters, 1, bias=False)
        self.rest = student.layers[1:]

    def forward(self, z):
        return self.rest(self.mix(z))

    @torch.no_grad()
    def fold(self, student, teacher):
        """Write ``mix @ teacher's first weight`` into the student's first conv."""
        mixed = self.mix.weight.flatten(1) @ teacher.layers[0].weight.flatten(1)
        student.layers[0].weight.copy_(mixed.view_as(student.layers[0].weight))


@torch.no_grad()
def prune_into(trained, teacher, z):
    """Start the student from the teacher's most used channels.

    A channel's score is its mean activation (after the ReLU) on the
    projections ``z`` times the norm of the next convolution's weights on
    it; the best ``n_filters`` of every hidden layer keep their teacher
    weights and batch norm, the others are dropped.
    """
    t_pairs = convolutions(teacher.layers)
    s_pairs = [(trained.mix, trained.rest[0])] + convolutions(trained.rest)
    width = z.shape[1]
    identity = torch.eye(width).view(width, width, 1, 1)
    activations, x = [], z
    for i, (conv, bn) in enumerate(t_pairs[:-1]):
        x = torch.relu(bn(x if i == 0 else conv(x)))
        activations.append(x.mean((0, 2, 3)))
    keep_in = torch.arange(width)
    for i, ((t_conv, t_bn), (s_conv, s_bn)) in enumerate(zip(t_pairs, s_pairs)):
        weight = identity if i == 0 else t_conv.weight
        if t_bn is None:  # the output layer keeps every output
            keep_out = torch.arange(t_conv.out_channels)
        else:
            following = t_pairs[i + 1][0].weight
            score = activations[i] * following.pow(2).sum((0, 2, 3)).sqrt()
            best = torch.argsort(score, descending=True)[: s_conv.out_channels]
            keep_out = torch.sort(best).values
        s_conv.weight.copy_(weight[keep_out][:, keep_in])
        if t_conv.bias is not None and i > 0:
            s_conv.bias.copy_(t_conv.bias[keep_out])
        if t_bn is not None:
            for name in ("weight", "bias", "running_mean", "running_var"):
                getattr(s_bn, name).copy_(getattr(t_bn, name)[keep_out])
        keep_in = keep_out


def teacher_maps(teacher, z):
    """The teacher's maps from its projections, clipped to [0, 1]."""
    return teacher.layers[1:](z).clamp_(0.0, 1.0)


def evaluate(trained, teacher, loader):
    """Student against teacher (MSE, quality MAE in Q, flag agreement) and
    against the labels (quality MAE of compressed patches, flag accuracy,
    the centre 32x32 of each patch)."""
    trained.eval()
    sums = np.zeros(5)
    n = n_comp = 0
    with torch.no_grad():
        for x, y in loader:
            z = first_projection(teacher, x)
            target = teacher_maps(teacher, z)
            out = trained(z).clamp_(0.0, 1.0)
            sums[0] += torch.mean((out - target) ** 2).item() * len(x)
            sums[1] += (out[:, 0] - target[:, 0]).abs().mean().item() * 100 * len(x)
            agree = (out[:, 1] > 0.5) == (target[:, 1] > 0.5)
            sums[2] += agree.float().mean().item() * len(x)
            comp = y[:, 1].mean((1, 2)) > 0.5
            out, y = out[:, :, 16:-16, 16:-16], y[:, :, 16:-16, 16:-16]
            error = (out[comp, 0] - y[comp, 0]).abs().mean((1, 2)) * 100
            sums[3] += error.sum().item()
            right = (out[:, 1] > 0.5) == (y[:, 1] > 0.5)
            sums[4] += right.float().mean().item() * len(x)
            n += len(x)
            n_comp += int(comp.sum())
    trained.train()
    return {
        "valid_mse_teacher": sums[0] / n,
        "valid_quality_mae_teacher": sums[1] / n,
        "valid_flag_agreement": sums[2] / n,
        "valid_quality_mae": sums[3] / max(n_comp, 1),
        "valid_flag_accuracy": sums[4] / n,
    }


def main(argv=None):
    args = build_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    train = _training_script()
    from skforensics.models import PixelwiseJPEGRegressor, load_pretrained_jpeg
    from skforensics.models._serialization import save_jpeg_weights

    start = time.perf_counter()
    checkpoint_path = f"{args.out}.ckpt"
    resumed = None
    if args.resume:
        resumed = torch.load(args.resume, map_location="cpu", weights_only=False)
        for key in FIXED:
            if resumed["args"][key] != getattr(args, key):
                sys.exit(f"--{key.replace('_', '-')} differs from the checkpoint's.")

    teacher_est = load_pretrained_jpeg(path=args.teacher)
    teacher = teacher_est.module_.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    config = dict(teacher.config(), n_filters=args.n_filters, chunk_size=None)

    relpaths = train.list_images(args.data)
    split = {r: train.split_of(r) for r in relpaths}
    train_paths = [r for r in relpaths if split[r] == "train"]
    valid_paths = [r for r in relpaths if split[r] == "valid"]
    test_paths = [r for r in relpaths if split[r] == "test"]
    stored = teacher_est.pretrained_info_.get("test_images")
    if stored is not None and sorted(stored) != sorted(test_paths):
        sys.exit("The held-out images differ from the teacher's: wrong --data?")
    train_images = []
    for r in train_paths:
        image = train.load_rgb(os.path.join(args.data, r))
        train_images += [image] + train.downscaled(image, args.min_side)
    valid_images = [train.load_rgb(os.path.join(args.data, r)) for r in valid_paths]
    print(f"{len(train_images)} training images, {len(valid_images)} validation",
          flush=True)

    est = PixelwiseJPEGRegressor(
        **{f"module__{k}": v for k, v in config.items()},
        patch_size=args.patch_size,
        quality_weights=train.quality_weights(args.quality_boost),
        uncompressed_fraction=args.uncompressed_fraction,
        batch_size=args.batch_size,
        patches_per_epoch=args.patches_per_epoch,
        random_state=args.seed,
        verbose=0,
    ).initialize()
    student = est.module_
    trained = Student(student, teacher.n_filters)
    train_set = est.get_dataset(train_images)
    valid_uint8, _ = est._check_fit_data(valid_images, None)
    valid_set = est._patch_dataset(valid_uint8, None, n_patches=args.valid_patches,
                                   stream=1)
    valid_loader = torch.utils.data.DataLoader(valid_set, batch_size=args.batch_size)
    optimizer = torch.optim.Adam(trained.parameters(), lr=args.lr)
    history, train_seconds = [], 0.0
    if resumed is not None:
        trained.load_state_dict(resumed["module"])
        optimizer.load_state_dict(resumed["optimizer"])
        history, train_seconds = resumed["history"], resumed["train_seconds"]
        print(f"resumed after epoch {len(history)}", flush=True)
    else:
        torch.manual_seed(args.seed)
        train_set.epoch = 0
        first = torch.stack([train_set[i][0] for i in range(4 * args.batch_size)])
        prune_into(trained, teacher, first_projection(teacher, first))
        figures = evaluate(trained, teacher, valid_loader)
        print("student pruned from the teacher: "
              + ", ".join(f"{k} {v:.4g}" for k, v in figures.items()), flush=True)

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *a: stop.update(now=True))
    signal.signal(signal.SIGINT, lambda *a: stop.update(now=True))
    trained.train()
    while len(history) < args.epochs and not stop["now"] and not args.finish:
        epoch = len(history)
        lr = train.cosine_lr(epoch, args.epochs, args.lr)
        for group in optimizer.param_groups:
            group["lr"] = lr
        train_set.epoch = epoch
        # Per-epoch seeds: a resumed run sees the same batches and dropout-free
        # updates as an uninterrupted one.
        loader = torch.utils.data.DataLoader(
            train_set, batch_size=args.batch_size, shuffle=False
        )
        tic = time.perf_counter()
        losses = []
        for x, _ in loader:
            with torch.no_grad():
                z = first_projection(teacher, x)
                target = teacher_maps(teacher, z)
            loss = torch.nn.functional.mse_loss(trained(z), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        seconds = time.perf_counter() - tic
        train_seconds += seconds
        row = {"epoch": epoch + 1, "lr": lr, "train_loss": float(np.mean(losses)),
               "seconds": seconds, **evaluate(trained, teacher, valid_loader)}
        history.append(row)
        print("  ".join(f"{k} {v:.4g}" for k, v in row.items()), flush=True)
        torch.save({"module": trained.state_dict(), "optimizer": optimizer.state_dict(),
                    "history": history, "args": vars(args),
                    "train_seconds": train_seconds}, checkpoint_path + ".tmp")
        os.replace(checkpoint_path + ".tmp", checkpoint_path)
        if args.max_minutes and (time.perf_counter() - start) / 60 >= args.max_minutes:
            stop["now"] = True
    if len(history) < args.epochs and not args.finish:
        print(f"stopped after epoch {len(history)}; continue with --resume "
              f"{checkpoint_path}", flush=True)
        return 0

    trained.fold(student, teacher)
    est.module_.eval()
    metadata = {
        "data": os.path.relpath(os.path.abspath(args.data), REPO),
        "train_images": train_paths,
        "valid_images": valid_paths,
        "test_images": test_paths,
        "settings": {k: v for k, v in vars(args).items() if k != "resume"},
        "distilled_from": "jpeg-quality" if args.teacher is None else args.teacher,
        "teacher_train_seconds_all_stages": teacher_est.pretrained_info_.get(
            "train_seconds_all_stages"),
        "epochs": len(history),
        "epochs_planned": args.epochs,
        "train_seconds": round(train_seconds, 1),
        "train_seconds_all_stages": round(train_seconds, 1),
        "final": {k: v for k, v in history[-1].items() if k != "epoch"},
        "torch": torch.__version__,
        "device": "cpu",
        "threads": args.threads,
        "trained_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "preliminary": False,
    }
    save_jpeg_weights(est, args.out, metadata=metadata)
    calibration_images = []
    for image in valid_images:
        calibration_images += [image] + train.downscaled(image, args.min_side)
    if args.calibration_qualities > 0:
        args.device, args.dtype = "cpu", "float16"
        train.calibrate(args.out, args.out, calibration_images, args)
    train.write_model_file(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
