"""Re-creations of published next-note systems on their own data, beside the course's version.

==================  =================================================================  ========
module              what it measures                                                   notebook
==================  =================================================================  ========
``midi_rnn``        midi-rnn (Branger_Briz) as published on its Lakh files vs the grid  03
``lakh_logreg``     logistic regression on the previous 10 notes (Schaldenbrand et al.) 02
``cs230``           the CS230 Conv1D + LSTM hybrid (Mokobi, May, Voorhis-Allen)          04
==================  =================================================================  ========

Each has ``run(folder, quick=...)`` returning a result with ``rows`` (one dict per table row)
and ``minutes``; the scripts in ``bench/`` print and save them. The data folders are read by
path (``../shared/data/...`` from the repository root) and never copied.
"""
