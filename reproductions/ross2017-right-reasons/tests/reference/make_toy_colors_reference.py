"""Reference vectors for the toy colours port (issue 27 item 2).

Runs the authors' own generator, rrr/toy_colors.py of dtak/rrr at
d83a16ee4a989ba47ef1b1a43acc5f528a899b1f, with numpy's global RNG seeded, and records every
random draw it makes (np.random.choice over the four colours, np.random.choice(imglen - 2),
np.random.rand) in the order it makes them, beside the images and labels it returns. The Rust
test (tests/toy_colors_reference.rs) feeds the same draws to the port and must produce the same
images: the port's logic and the order of its draws are then the reference's, and only the
source of the random numbers differs (the run's ChaCha stream instead of numpy's Mersenne
Twister).

Usage (Python 3.6.15 with numpy 1.13.3 made the committed file; the notebook ran Python 3.5 in
2017. numpy >= 1.23 refuses the reference's list indices such as img[[0, [0]]], which older numpy
reads as img[0, [0]]):
    git clone https://github.com/dtak/rrr && git -C rrr checkout d83a16ee4a989ba47ef1b1a43acc5f528a899b1f
    python3.6 -m pip install numpy==1.13.3
    python3.6 make_toy_colors_reference.py rrr/rrr > toy_colors_seed0.json
"""

import json
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
import toy_colors  # noqa: E402  (the reference, unmodified)

SEED = 0
N = 60  # images per split; generate_dataset's default is 20,000
PALETTE = ["r", "g", "b", "v"]  # random_color's choices, in the port's palette order

draws = []
np_choice = np.random.choice
np_rand = np.random.rand


def choice(a, *args, **kwargs):
    out = np_choice(a, *args, **kwargs)
    if isinstance(a, (int, np.integer)):
        draws.append(["column", int(out)])  # np.random.choice(imglen - 2)
    else:
        draws.append(["colour", PALETTE.index(str(out))])  # random_color()
    return out


def rand(*shape):
    out = np_rand(*shape)
    for u in np.atleast_1d(out).ravel():
        draws.append(["uniform", float(u)])  # Bern(p) and the labels' rand(N) < 0.5
    return out


np.random.choice = choice
np.random.rand = rand
np.random.seed(SEED)
X, Xt, y, yt = toy_colors.generate_dataset(N=N, cachefile=None)
json.dump(
    {
        "source": "dtak/rrr d83a16ee4a989ba47ef1b1a43acc5f528a899b1f rrr/toy_colors.py generate_dataset(N=%d, cachefile=None) after np.random.seed(%d); numpy %s" % (N, SEED, np.__version__),
        "draws": draws,
        "train_images": X.astype(int).tolist(),
        "test_images": Xt.astype(int).tolist(),
        "train_labels": y.astype(int).tolist(),
        "test_labels": yt.astype(int).tolist(),
    },
    sys.stdout,
    separators=(",", ":"),
)
