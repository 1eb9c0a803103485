"""GradBench's evals (and ADBench's problems before them) as zoo programs, family "benchmark".

One module per eval, each with a builder registered under the eval's name, size
settings, and an input generator following the eval's own rules (``generate_*``,
seeded by ``np.random.default_rng``): ``gmm``, ``lse``, ``llsq``, ``det``, ``ode``,
``lstm``, ``ba``, ``kmeans``, and the nested-derivative problems ``saddle`` and
``particle``. Where the eval reads data files (ba's camera, lstm's text), the data are
drawn in code instead and the modules say how.

``ht`` (hand tracking) is left out: its model is a measured hand, a bone hierarchy with
base transforms, 544 skinned vertices with per-bone weights and a triangle mesh, which
GradBench reads from ADBench's data files. No rule generates it, and a made-up skeleton
would be a different problem under the same name.
"""

from . import ba, det, gmm, kmeans, llsq, lse, lstm, ode, particle, saddle  # noqa: F401  (registers the builders)

PROBLEMS = ("gmm", "lse", "llsq", "det", "ode", "lstm", "ba", "kmeans", "saddle", "particle")
