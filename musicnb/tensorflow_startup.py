"""Start TensorFlow in a notebook kernel without its wall of C++ start-up log lines.

Importing TensorFlow 2.x and initialising its devices prints, from C++ and before Python's
logging or ``TF_CPP_MIN_LOG_LEVEL`` can act, lines such as::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 ... port.cc:153] oneDNN custom operations are on. ...
    I0000 ... cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use ...
    E0000 ... cuda_platform.cc:52] failed call to cuInit: ... (on every machine without a GPU)

In a notebook they appear as a red block under the first cell that touches Keras, and a student
meeting them for the first time reasonably reads them as errors. :func:`start_quietly` imports
TensorFlow, lists its devices and compiles one tiny XLA function with file descriptor 2 pointed
at a temporary file, then writes
back every line that is *not* one of these known start-up messages, so a real problem still
shows. ``musicnb.doctor()`` reports the same facts (devices, GPU or not) as a readable table.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

__all__ = ["start_quietly", "is_startup_noise"]

#: Start-up lines that say nothing a student must act on (the doctor table says it better).
_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|^[IWE]\d{4} [\d:.]+\s+\d+ (port|cudart_stub|cpu_feature_guard|cuda_platform|cuda_dnn"
    r"|cuda_fft|cuda_blas|computation_placer|cuda_executor|gpu_device|service)\.cc:\d+\]"
    r"|^[IWE]\d{4} [\d:.]+\s+\d+ device_compiler\.h:\d+\] Compiled cluster using XLA"
    r"|^To enable the following instructions: .*rebuild TensorFlow"
    r"|^Unable to register cu(DNN|FFT|BLAS) factory"
    r"|TF-TRT Warning: Could not find TensorRT"
)


def is_startup_noise(line: str) -> bool:
    """True for one of TensorFlow's known C++ start-up log lines."""
    return bool(_NOISE.search(line.strip()))


def start_quietly() -> bool:
    """Import TensorFlow and initialise its devices, filtering the start-up lines from stderr.

    Returns False (and does nothing) when TensorFlow was already imported, or is missing or
    broken — ``doctor()`` explains those cases; True when it started here.
    """
    if "tensorflow" in sys.modules:
        return False
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr descriptor: nothing to filter
        return False
    captured = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 (closed in the finally below)
    started = False
    try:
        sys.stderr.flush()
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
            # the first XLA-compiled function (the Sampler's) logs the XLA service start-up
            tf.function(lambda: tf.constant(1.0) + 1.0, jit_compile=True)()
            started = True
        except Exception:  # a broken install: doctor() and the first real use will say so
            started = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
    finally:
        os.close(saved)
        captured.seek(0)
        text = captured.read().decode("utf-8", errors="replace")
        captured.close()
    kept = [line for line in text.splitlines() if line.strip() and not is_startup_noise(line)]
    if kept:
        print("\n".join(kept), file=sys.stderr)
    return started
