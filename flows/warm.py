"""Imported once by the extraction worker processes' fork server (flows/parallel.py):
the flow code that reads and extracts articles, and the spaCy pipeline built, so
every worker forked from it starts with both loaded."""

import flows.extract_flow  # noqa: F401  (the batch function the pool runs lives there)
from pipeline.nlp import get_nlp

get_nlp()
