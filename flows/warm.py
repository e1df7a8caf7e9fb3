"""Imported once by the extraction worker processes' fork server (flows/parallel.py):
the code that reads and extracts articles (flows.batch, no Prefect), the spaCy pipeline built and the
Dutch word list read, so every worker forked from it starts with all of them loaded."""

import flows.batch  # noqa: F401  (the batch function the pool runs; no Prefect)
from pipeline.dutch import dutch_words
from pipeline.nlp import get_nlp

get_nlp()
dutch_words()  # wordfreq's Dutch list, read once here rather than in every worker
