"""Imported once by the extraction worker processes' fork server (flows/parallel.py):
the code that reads and extracts articles (flows.batch, no Prefect), and the spaCy pipeline built, so
every worker forked from it starts with both loaded."""

import flows.batch  # noqa: F401  (the batch function the pool runs; no Prefect)
from pipeline.nlp import get_nlp

get_nlp()
