"""The HTTP API's model surface: every request and response model, one module per area;
import them from here (`from service.schemas import ArticleOut`)."""

from service.schemas._fields import (
    ARTICLE_ID_PATTERN,
    ENTRY_ID_PATTERN,
    GLOSSARY_NAME_PATTERN,
    Storable,
)
from service.schemas.access import WhoAmIOut
from service.schemas.articles import (
    ArticleContent,
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticleReplace,
    IngestOut,
    LanguageStatus,
    RemovedCharacters,
    TranslationHistoryOut,
    TranslationOut,
)
from service.schemas.glossary import (
    AcceptSuggestionIn,
    EntryChangeOut,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    GlossaryIn,
    GlossaryOut,
    GlossaryPatch,
    HistoryOut,
    ImpactArticle,
    ImpactOut,
    SuggestionOut,
    UsageOut,
)
from service.schemas.health import HealthOut, ReadyOut
from service.schemas.jobs import DeliveryOut, JobOut, JobPage, ResendOut
from service.schemas.review import (
    ApprovalOut,
    ApproveIn,
    ReviewItemOut,
    ReviewPageOut,
    ReviewSegment,
    SegmentCorrection,
)
from service.schemas.translate import TranslateIn

__all__ = [
    "ARTICLE_ID_PATTERN",
    "ENTRY_ID_PATTERN",
    "GLOSSARY_NAME_PATTERN",
    "AcceptSuggestionIn",
    "ApprovalOut",
    "ApproveIn",
    "ArticleContent",
    "ArticleIn",
    "ArticleOut",
    "ArticlePage",
    "ArticleReplace",
    "DeliveryOut",
    "EntryChangeOut",
    "EntryIn",
    "EntryOut",
    "EntryPage",
    "EntryPatch",
    "GlossaryIn",
    "GlossaryOut",
    "GlossaryPatch",
    "HealthOut",
    "HistoryOut",
    "ImpactArticle",
    "ImpactOut",
    "IngestOut",
    "JobOut",
    "JobPage",
    "LanguageStatus",
    "ReadyOut",
    "RemovedCharacters",
    "ResendOut",
    "ReviewItemOut",
    "ReviewPageOut",
    "ReviewSegment",
    "SegmentCorrection",
    "Storable",
    "SuggestionOut",
    "TranslateIn",
    "TranslationHistoryOut",
    "TranslationOut",
    "UsageOut",
    "WhoAmIOut",
]
