"""The record models: the downstream contract of cxmetrics.

Every line written to ``metrics.jsonl``, ``articles.jsonl`` and ``rejected.jsonl``
is one of these models serialised with ``model_dump(mode="json")``. Field
docstrings become the descriptions in the exported JSON Schema, so the schema
documents itself. Changing a field's meaning or removing one is a breaking
change: bump ``SCHEMA_VERSION``'s major number and say so in the CHANGELOG.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCHEMA_VERSION = "1.1.0"  # 1.1: editors' corrections (Correction, MetricMention.corrected, level "correction"); ArticleRecord.format, text_path; MetricMention.study_id, StudyRecord (studies.jsonl), FindingRecord (findings.jsonl)

# Bounds every mention must respect; validation failures name the rule broken.
YEAR_MIN, YEAR_MAX = 1900, 2100
NPS_MIN, NPS_MAX = -100.0, 100.0
GRADE_MIN, GRADE_MAX = 1.0, 10.0
INDEX_MIN, INDEX_MAX = 0.0, 100.0  # a KPI stated as an index or a score of 0..100 ('tevredenheidsindex 65,92')
# The scale of each KPI whose values are scores: the one place these bounds live
# (pipeline.metrics reads them to decide which bare numbers a KPI governs).
SCORE_SCALES: dict[str, tuple[float, float]] = {
    "nps": (NPS_MIN, NPS_MAX),
    "ces": (1.0, 7.0),
    "csat": (1.0, 100.0),
    "customer_satisfaction": (GRADE_MIN, GRADE_MAX),
}


def check_year(cls, v: int | None) -> int | None:
    """A figure's year lies in YEAR_MIN..YEAR_MAX (records and corrections alike)."""
    if v is not None and not (YEAR_MIN <= v <= YEAR_MAX):
        raise ValueError(f"year_out_of_range: {v} not in {YEAR_MIN}..{YEAR_MAX}")
    return v


def rejection_reasons(exc: ValidationError) -> str:
    """A failed validation as the reason a rejection gives: each error as 'code: explanation'.

    The models' own checks raise with their code ('nps_out_of_range: ...'); a check pydantic
    makes itself (a type, an enum value, a pattern) is coded by its field ('invalid_kind: ...').
    """
    parts = []
    for err in exc.errors():
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        if err.get("type") != "value_error":
            field = "_".join(str(p) for p in err.get("loc", ()) if not isinstance(p, int)) or "record"
            msg = f"invalid_{field}: {msg}"
        parts.append(msg)
    return "; ".join(parts)


class Kind(str, Enum):
    """What kind of figure a mention is (see ANNOTATION.md)."""

    percentage = "percentage"
    percentage_point = "percentage_point"
    percentage_change = "percentage_change"
    multiplier = "multiplier"
    score = "score"
    count = "count"
    money = "money"
    duration = "duration"
    ratio = "ratio"


# The one list of kinds: rule files, units, report colours and the kind rule files
# (pipeline/rules/<kind>.yaml) all derive from it.
KINDS: tuple[str, ...] = tuple(k.value for k in Kind)


class Qualifier(str, Enum):
    """How the text bounds the value (``bijna`` -> almost, ``ruim`` -> more_than, ...)."""

    almost = "almost"
    more_than = "more_than"
    less_than = "less_than"
    about = "about"
    at_least = "at_least"
    at_most = "at_most"


class Metric(str, Enum):
    """Named KPIs a number can be the value of."""

    nps = "nps"
    ces = "ces"
    csat = "csat"
    customer_satisfaction = "customer_satisfaction"
    fcr = "fcr"
    aht = "aht"
    wait_time = "wait_time"
    response_time = "response_time"
    resolution_time = "resolution_time"
    churn = "churn"
    retention = "retention"
    self_service_success = "self_service_success"
    chatbot_success = "chatbot_success"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class Span(Strict):
    """Character offsets into the decoded article text (UTF-8, leading BOM dropped)."""

    start: int = Field(ge=0, description="Offset of the first character.")
    end: int = Field(ge=0, description="Offset one past the last character.")

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start:
            raise ValueError("span_empty: end must be greater than start")
        return self


class Source(Strict):
    """Whose research or data a figure comes from."""

    organization: str | None = Field(
        default=None, description="The organization (research firm, vendor, institute, poll tool)."
    )
    report: str | None = Field(default=None, description="The report or study named, when stated.")
    person: str | None = Field(default=None, description="The person quoted for the figure, when stated.")


class Corrected(Strict):
    """How editors' corrections changed a mention (see ``Correction``)."""

    action: Literal["set", "add"] = Field(description="set: an extracted mention with fields changed; add: a figure an editor added.")
    fields: list[str] = Field(description="The fields an editor set, sorted.")
    at: str = Field(description="When the latest correction of this mention was made (ISO 8601).")


class MetricMention(Strict):
    """One number in an article that states a measured or surveyed quantity."""

    schema_version: str = Field(default=SCHEMA_VERSION, description="Version of this record schema.")
    id: str = Field(
        description="Stable id: a hash of article_id, span and text; the same text gives the same id everywhere."
    )
    article_id: str = Field(description="File name of the article without its extension.")
    span: Span = Field(description="Where the mention stands: text == article[span.start:span.end].")
    text: str = Field(min_length=1, description="The characters of the number and its marker as written.")
    sentence: str = Field(description="The sentence the mention stands in.")
    kind: Kind = Field(description="What kind of figure this is.")
    value: float = Field(description="The normalized number (decimal comma and thousands dot resolved).")
    unit: str | None = Field(
        default=None, description="percent, percentage_point, times, points, EUR, USD, minute, ... or null."
    )
    qualifier: Qualifier | None = Field(default=None, description="How the text bounds the value, or null.")
    metric: Metric | None = Field(default=None, description="The named KPI the number is the value of, or null.")
    subject: str | None = Field(default=None, description="Best-effort noun phrase of what is measured.")
    year: int | None = Field(default=None, description="The year the figure describes, or null.")
    source: Source | None = Field(default=None, description="Whose research the figure comes from, or null.")
    study_id: str | None = Field(
        default=None, description="The study the figure comes from (a line of studies.jsonl), or null when it has none."
    )
    published: str | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}(-\d{2})?$",
        description="The date the article states for itself: YYYY-MM-DD, YYYY-MM, or null.",
    )
    rule: str = Field(description="Id of the extraction rule that found the mention (for tracing).")
    corrected: Corrected | None = Field(
        default=None, description="Set when editors' corrections changed or added this mention; null for plain extraction."
    )

    _year_in_range = field_validator("year")(check_year)

    @model_validator(mode="after")
    def _value_in_range(self) -> MetricMention:
        kind, value, metric = self.kind, self.value, self.metric
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("value_not_finite")
        if kind == "percentage" and not (0 <= value <= 100):
            raise ValueError(f"share_out_of_range: a percentage share must be 0..100, got {value}")
        if kind in ("count", "money", "duration", "multiplier", "ratio") and value < 0:
            raise ValueError(f"negative_value: a {kind} cannot be negative, got {value}")
        if metric == "nps" and not (NPS_MIN <= value <= NPS_MAX):
            raise ValueError(f"nps_out_of_range: NPS must be -100..100, got {value}")
        if kind == "score" and self.unit == "grade" and not (GRADE_MIN <= value <= GRADE_MAX):
            raise ValueError(f"grade_out_of_range: a grade must be 1..10, got {value}")
        if kind == "score" and metric in SCORE_SCALES and self.unit != "grade":
            lo, hi = SCORE_SCALES[metric]
            if not (lo <= value <= hi or INDEX_MIN <= value <= INDEX_MAX):
                raise ValueError(
                    f"score_out_of_range: a {metric} score must be {lo:g}..{hi:g} or an index of {INDEX_MIN:g}..{INDEX_MAX:g}, got {value}"
                )
        return self


class ArticleStatus(str, Enum):
    ok = "ok"
    rejected = "rejected"


class Format(str, Enum):
    """The format of a corpus file, by its extension (.htm is html)."""

    txt = "txt"
    md = "md"
    html = "html"
    docx = "docx"
    pdf = "pdf"


class ArticleRecord(Strict):
    """One line per article in the corpus, processed or quarantined."""

    schema_version: str = Field(default=SCHEMA_VERSION, description="Version of this record schema.")
    article_id: str = Field(description="File name of the article without its extension.")
    path: str = Field(description="Path of the file relative to the corpus folder.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$|^$", description="SHA-256 of the file's bytes (empty if unread).")
    encoding: str | None = Field(default=None, description="The encoding the text was decoded with.")
    title: str | None = Field(default=None, description="The article's title (its first line or sentence).")
    published: str | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}(-\d{2})?$",
        description="The date the article states for itself: YYYY-MM-DD, YYYY-MM, or null.",
    )
    n_mentions: int = Field(ge=0, description="Number of mentions written to metrics.jsonl.")
    n_rejected: int = Field(default=0, ge=0, description="Number of candidate mentions that failed validation.")
    status: ArticleStatus = Field(description="ok, or rejected when the article was quarantined.")
    error: str | None = Field(default=None, description="Why the article was rejected, or null.")
    format: Format | None = Field(
        default=None, description="The file's format by its extension (txt, md, html, docx, pdf); null if unsupported."
    )
    text_path: str | None = Field(
        default=None,
        description=(
            "Where the text the file yields is stored, relative to the output folder (texts/<article_id>.txt, UTF-8); "
            "every span of the article points into it. Null for rejected articles."
        ),
    )


class Rejection(Strict):
    """Something that failed validation: a whole article or one candidate mention."""

    schema_version: str = Field(default=SCHEMA_VERSION, description="Version of this record schema.")
    article_id: str = Field(description="The article the rejected item belongs to.")
    path: str = Field(description="Path of the article relative to the corpus folder.")
    level: Literal["article", "mention", "correction"] = Field(
        description="A whole article, one candidate mention, or an editor's correction (rejected mention, or a correction not applied)."
    )
    reason: str = Field(description="The rule broken, as a code followed by a readable explanation.")
    span: Span | None = Field(default=None, description="Where the rejected mention stood, for mentions.")
    candidate: dict[str, Any] | None = Field(
        default=None, description="The raw candidate record that failed validation, for mentions."
    )


class CorrectionFields(Strict):
    """The fields a correction sets (``set``) or the figure it adds (``add``: kind and value at least).

    Only the keys present count: ``{"qualifier": null}`` clears the qualifier, a missing key leaves it.
    """

    value: float | None = Field(default=None, description="The normalized number.")
    kind: Kind | None = Field(default=None, description="What kind of figure this is.")
    unit: str | None = Field(default=None, description="The unit; for add, derived from the kind when missing.")
    qualifier: Qualifier | None = Field(default=None, description="How the text bounds the value.")
    metric: Metric | None = Field(default=None, description="The named KPI.")
    subject: str | None = Field(default=None, description="What is measured.")
    year: int | None = Field(default=None, description="The year the figure describes.")
    source: Source | None = Field(default=None, description="Whose research the figure comes from.")

    _year_in_range = field_validator("year")(check_year)


class Correction(Strict):
    """One editor's correction: a line of ``corrections.jsonl`` (in the corpus folder by default).

    Applied after extraction on every run, in file order, to the mention at exactly ``span``;
    not applied (and reported as ``stale_correction``) when the article's bytes changed.
    """

    article_id: str = Field(min_length=1, description="The article corrected.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the article's bytes when it was corrected.")
    span: Span = Field(description="The mention corrected, or the text of the figure added.")
    action: Literal["reject", "set", "add"] = Field(
        description="reject: drop the mention; set: change fields of the mention; add: a missed figure."
    )
    fields: CorrectionFields = Field(
        default_factory=CorrectionFields, description="For set: the fields to change; for add: kind, value and any other field."
    )
    at: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$",
        description="When the correction was made (ISO 8601).",
    )

    @model_validator(mode="after")
    def _fields_fit_action(self) -> Correction:
        given = self.fields.model_fields_set
        if self.action == "reject" and given:
            raise ValueError("reject_with_fields: a reject takes no fields")
        if self.action == "set" and not given:
            raise ValueError("set_without_fields: a set names at least one field")
        if self.action == "set" and ("kind" in given and self.fields.kind is None or "value" in given and self.fields.value is None):
            raise ValueError("set_required_null: kind and value cannot be set to null")
        if self.action == "add" and (self.fields.kind is None or self.fields.value is None):
            raise ValueError("add_without_kind_value: an added figure needs kind and value")
        return self


class StudyRecord(Strict):
    """One study in the corpus (studies.jsonl): the same study reported by several articles is one line."""

    schema_version: str = Field(default=SCHEMA_VERSION, description="Version of this record schema.")
    study_id: str = Field(
        pattern=r"^st_[0-9a-f]{16}$",
        description=(
            "Stable id: a hash of the normalized first organization, name and year (and of the article, "
            "for a study without a year, which is never linked across articles); not of run order."
        ),
    )
    organizations: list[str] = Field(
        description=(
            "Who made the study first, then who commissioned it; empty for research the articles name "
            "without its maker ('uit de OV-Klantenbarometer', 'een analyse van deze krant')."
        )
    )
    name: str | None = Field(default=None, description="The report or survey title where stated, else null.")
    year: int | None = Field(default=None, description="The year of the study where stated, else null.")
    sample_size: int | None = Field(default=None, ge=1, description="Respondents or units where stated, else null.")
    population: str | None = Field(default=None, description="Whom the study asked or counted ('Nederlanders', 'webshops'), else null.")
    method: Literal["online survey", "mystery calling", "poll", "panel", "registry data"] | None = Field(
        default=None, description="How the study was done where stated, else null."
    )
    article_ids: list[str] = Field(min_length=1, description="Every article that reports the study, sorted.")
    n_mentions: int = Field(ge=0, description="Mentions in metrics.jsonl with this study_id.")

    _year_in_range = field_validator("year")(check_year)


class FindingRecord(Strict):
    """One figure of one study (findings.jsonl), reported once or by several articles."""

    schema_version: str = Field(default=SCHEMA_VERSION, description="Version of this record schema.")
    finding_id: str = Field(pattern=r"^fd_[0-9a-f]{16}$", description="Stable id: a hash of the study, kind, metric, unit and mention ids.")
    study_id: str = Field(description="The study (studies.jsonl) the figure belongs to.")
    kind: Kind = Field(description="The kind of the figure.")
    metric: Metric | None = Field(default=None, description="The named KPI, or null.")
    unit: str | None = Field(default=None, description="The unit of the values, or null.")
    year: int | None = Field(default=None, description="The year the figure describes, where a mention states it.")
    subject: str | None = Field(default=None, description="The subject most of its mentions give, or null.")
    values: list[float] = Field(min_length=1, description="The distinct values reported, ascending.")
    mention_ids: list[str] = Field(min_length=1, description="Its mentions in metrics.jsonl, in article and span order.")
    article_ids: list[str] = Field(min_length=1, description="The articles that report it, sorted.")
    conflict: bool = Field(
        description="True when articles report values for it that disagree beyond rounding and beyond what a qualifier allows."
    )
    note: str | None = Field(default=None, description="Why it is a conflict (or why differing values agree), else null.")


RECORD_MODELS: dict[str, type[BaseModel]] = {
    "metric_mention": MetricMention,
    "article": ArticleRecord,
    "rejection": Rejection,
    "correction": Correction,
    "study": StudyRecord,
    "finding": FindingRecord,
}
