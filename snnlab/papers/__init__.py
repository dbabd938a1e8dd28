"""One module per paper (its config families, analyses, claims and figures) and what they share, including the
shared quick benchmark (``snnlab.papers.benchmark``). Layer: above ``snnlab.experiments`` and ``snnlab.stats``,
below the notebook helpers and the CLI."""
