"""/v1/glossaries/{g}/entries/{e}/impact: what saving a change would re-translate, before saving.

A dry run of the term index, in its own module so that it stays out of the way of the
glossary routes: the body is the PATCH body the editor is about to send.
"""

from __future__ import annotations

from fastapi import APIRouter

from service.glossary.impact import entry_impact
from service.schemas import EntryPatch, ImpactArticle, ImpactOut
from service.web.deps import EditingDep, SessionDep
from service.web.routes.glossaries import EntryPath, GlossaryPath

router = APIRouter(prefix="/v1/glossaries", tags=["glossaries"])


@router.post("/{name}/entries/{entry_id}/impact", response_model=ImpactOut)
def entry_change_impact(
    name: GlossaryPath,
    entry_id: EntryPath,
    body: EntryPatch,
    session: SessionDep,
    editing: EditingDep,
) -> ImpactOut:
    """The articles and languages a PATCH with this body would re-translate; changes nothing."""
    found = entry_impact(session, editing, name, entry_id, body.model_dump(exclude_unset=True))
    languages = list(found.languages)
    return ImpactOut(
        articles=len(found.article_ids),
        languages=languages if found.article_ids else [],
        jobs=len(found.article_ids) * len(languages),
        first=[ImpactArticle(article_id=a, title=t) for a, t in found.titles],
        using_now=found.using_now,
        would_match=found.would_match,
    )
