"""Reference vectors for the Decoy MNIST port (issue 27).

Runs the authors' own generator, rrr/decoy_mnist.py of dtak/rrr at
d83a16ee4a989ba47ef1b1a43acc5f528a899b1f (its _generate_dataset loop and augment, unmodified),
on stand-in digits: MNIST's files are not available offline here, so download_mnist is replaced
by a function returning 20 training and 20 test images of random pixels (every digit label
occurs, as in MNIST, so all_digits = list(set(y)) is 0..9). Numpy's global RNG is seeded and
every random draw the generator makes (np.random.rand in Bern, np.random.choice(all_digits) for
a test image's decoy digit) is recorded in order, beside the images (X, Xt) and annotations (E,
Et) it returns. The Rust test (tests/decoy_mnist_reference.rs) feeds the same draws to the port
and must produce the same images and annotations.

The module's first lines import `future` (a Python 2 compatibility package) and urllib for the
download; neither is used by augment or _generate_dataset, so the script executes the file from
`def Bern` on (the rest unmodified) with numpy in scope.

Usage (Python 3.6.15 with numpy 1.13.3 made the committed file):
    git clone https://github.com/dtak/rrr && git -C rrr checkout d83a16ee4a989ba47ef1b1a43acc5f528a899b1f
    python3.6 make_decoy_mnist_reference.py rrr/rrr/decoy_mnist.py > decoy_mnist_seed0.json
"""

import json
import sys

import numpy as np

SEED = 0
N = 20  # images per split (MNIST: 60,000 and 10,000)

source = open(sys.argv[1]).read()
body = source[source.index("def Bern"):]
body = body[:body.index("def generate_dataset")]  # the cache wrapper and __main__ are not needed
namespace = {"np": np}
exec(body, namespace)

# stand-in digits from their own generator (not the recorded global one)
stand_in = np.random.RandomState(2017)
train_raw = stand_in.randint(0, 256, size=(N, 28, 28)).astype(np.uint8)
test_raw = stand_in.randint(0, 256, size=(N, 28, 28)).astype(np.uint8)
train_labels = stand_in.permutation(np.arange(N) % 10).astype(np.uint8)
test_labels = stand_in.permutation(np.arange(N) % 10).astype(np.uint8)
namespace["download_mnist"] = lambda datadir: (train_raw, train_labels, test_raw, test_labels)

draws = []
np_choice = np.random.choice
np_rand = np.random.rand


def choice(a, *args, **kwargs):
    out = np_choice(a, *args, **kwargs)
    draws.append(["digit", int(out)])  # augment(randomize=True): np.random.choice(all_digits)
    return out


def rand(*shape):
    out = np_rand(*shape)
    for u in np.atleast_1d(out).ravel():
        draws.append(["uniform", float(u)])  # Bern(0.5)
    return out


np.random.choice = choice
np.random.rand = rand
np.random.seed(SEED)
Xr, X, y, E, Xtr, Xt, yt, Et = namespace["_generate_dataset"]("unused")


def hex_rows(a):
    return ["".join("%02x" % v for v in row) for row in a.reshape(len(a), -1).astype(int)]


json.dump(
    {
        "source": "dtak/rrr d83a16ee4a989ba47ef1b1a43acc5f528a899b1f rrr/decoy_mnist.py _generate_dataset on %d + %d stand-in images after np.random.seed(%d); numpy %s" % (N, N, SEED, np.__version__),
        "draws": draws,
        "train_raw": hex_rows(Xr),
        "test_raw": hex_rows(Xtr),
        "train_labels": y.astype(int).tolist(),
        "test_labels": yt.astype(int).tolist(),
        "train_images": hex_rows(X),
        "test_images": hex_rows(Xt),
        "train_annotations": [np.flatnonzero(e).tolist() for e in E],
        "test_annotations": [np.flatnonzero(e).tolist() for e in Et],
    },
    sys.stdout,
    separators=(",", ":"),
)
