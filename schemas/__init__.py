"""Record models (pydantic v2) and their exported JSON Schema."""

from schemas.records import (
    RECORD_MODELS,
    SCHEMA_VERSION,
    ArticleRecord,
    Corrected,
    Correction,
    CorrectionFields,
    FindingRecord,
    Kind,
    Metric,
    MetricMention,
    Qualifier,
    Rejection,
    Source,
    Span,
    StudyRecord,
)

__all__ = [
    "RECORD_MODELS",
    "SCHEMA_VERSION",
    "ArticleRecord",
    "Corrected",
    "Correction",
    "CorrectionFields",
    "FindingRecord",
    "Kind",
    "Metric",
    "MetricMention",
    "Qualifier",
    "Rejection",
    "Source",
    "Span",
    "StudyRecord",
]
