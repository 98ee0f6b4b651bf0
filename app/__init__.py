"""Backprop Lab's web application (FastAPI)."""

import os

# The arrays here are small (at most 10,000 x 32); a BLAS thread pool only adds hand-offs and, with
# many sessions on 2 cores, oversubscription. Set before numpy is first imported; an explicit
# setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
