"""Saved appraisals: what is stored and cited (``SavedAppraisalSchema``), a page of a list, a
re-appraisal under today's method with its differences, and the list's query."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from svcalc.api.schemas.appraisal import AppraisalSchema
from svcalc.api.schemas.fields import Pattern, doc
from svcalc.api.schemas.proposal import ProposalSchema
from svcalc.core import model
from svcalc.store.ids import ID_PATTERN

ID_EXAMPLE = "01M8V1DSE07XJ3C9T4VAQ2M5RB"
UNIT_FIGURE = "the unit of the named figure (see its description in Appraisal)"
#: Page sizes a list allows.
MAX_PAGE = 100
DEFAULT_PAGE = 20


def _id(description: str) -> fields.String:
    return fields.String(required=True, metadata=doc(description, ID_EXAMPLE))


def _versions() -> dict[str, fields.Field]:
    return {
        "method_version": fields.String(required=True, metadata=doc(
            "svcalc's version when it was appraised (method.version of the result).", "0.2.0")),
        "reference_version": fields.String(required=True, metadata=doc(
            "The reference data's version when it was appraised (method.reference_version).",
            "2026.12.0")),
    }


class SavedAppraisalSummarySchema(Schema.from_dict({
    "id": _id("The saved appraisal's id, to cite and to read it back: "
              "/v1/saved-appraisals/{id}. Ids sort in the order they were saved."),
    "saved_at": fields.DateTime(required=True, metadata=doc(
        "When it was saved (UTC, ISO 8601).", "2026-12-02T09:30:00.000Z")),
    "name": fields.String(required=True, allow_none=True, metadata=doc(
        "The proposal's name, if it had one.", "Revenues and benefits outsourcing")),
    "rating": fields.String(required=True, validate=validate.OneOf(model.RATINGS),
                            metadata=doc("The verdict's rating when it was saved.",
                                         "viable_with_cautions")),
    **_versions(),
    "proposal_sha256": fields.String(required=True, metadata=doc(
        "SHA-256 (hex) of the proposal's canonical JSON (keys sorted, no spaces, UTF-8): the "
        "same proposal, however it is spaced or ordered, has the same hash.",
        "7e959cc96a6a21c5f3ccd2b68fb31ed9f22425083da9b624b8846b6f23361860",
        pattern="^[0-9a-f]{64}$")),
})):
    """A saved appraisal in a list (without its proposal and result)."""


class SavedAppraisalSchema(SavedAppraisalSummarySchema):
    """An appraisal as it was answered and saved: the proposal exactly as received, the result
    exactly as sent, and what is needed to cite and reproduce it."""

    organisation = fields.String(required=True, metadata=doc(
        "The organisation of the key that saved it (the only one that can read it).",
        "Example Council"))
    request_id = fields.String(required=True, metadata=doc(
        "The X-Request-ID of the request that saved it.", "portal-42.7"))
    idempotency_key = fields.String(required=True, allow_none=True, metadata=doc(
        "The Idempotency-Key it was saved with, if any.", "portal-run-42"))
    proposal = fields.Nested(ProposalSchema, required=True, metadata={
        "description": "The proposal as it was received."})
    result = fields.Nested(AppraisalSchema, required=True, metadata={
        "description": "The appraisal as it was answered (POST /v1/appraisals's body), under "
                       "method_version and reference_version."})


class SavedAppraisalPageSchema(Schema):
    """One page of an organisation's saved appraisals, newest first."""

    items = fields.List(fields.Nested(SavedAppraisalSummarySchema), required=True, metadata={
        "description": "At most limit saved appraisals, newest first."})
    next_cursor = fields.String(required=True, allow_none=True, metadata=doc(
        "Pass as cursor (with the same filters) for the next page; null on the last page.",
        None))


class DifferenceSchema(Schema):
    """One headline figure (or the rating) as saved and as appraised today."""

    field = fields.String(required=True, metadata=doc(
        "The figure's dotted path in the result.", "public.npsv"))
    saved = fields.Raw(required=True, allow_none=True, metadata=doc(
        "Its value in the saved result (null if absent there).", 7266605.32, UNIT_FIGURE))
    today = fields.Raw(required=True, allow_none=True, metadata=doc(
        "Its value appraised today.", 7266605.32, UNIT_FIGURE))
    change = fields.Float(required=True, allow_none=True, metadata=doc(
        "today - saved for numbers; null when either is not a number.", 0.0, UNIT_FIGURE))
    changed = fields.Boolean(required=True, metadata=doc(
        "Whether today's value differs from the saved one.", False, "boolean"))


class ReappraisalSchema(Schema):
    """A saved proposal appraised again under today's method and reference data."""

    id = _id("The saved appraisal's id.")
    saved_method_version = fields.String(required=True, metadata=doc(
        "svcalc's version when it was saved.", "0.2.0"))
    saved_reference_version = fields.String(required=True, metadata=doc(
        "The reference data's version when it was saved.", "2026.12.0"))
    method_version = fields.String(required=True, metadata=doc(
        "svcalc's version today.", "0.3.0"))
    reference_version = fields.String(required=True, metadata=doc(
        "The reference data's version today.", "2026.12.0"))
    rating_changed = fields.Boolean(required=True, metadata=doc(
        "Whether the verdict's rating differs from the saved one.", False, "boolean"))
    changed = fields.Boolean(required=True, metadata=doc(
        "Whether any headline figure or the rating differs.", False, "boolean"))
    differences = fields.List(fields.Nested(DifferenceSchema), required=True, metadata={
        "description": "Every headline figure and the verdict, field by field, saved against "
                       "today (unchanged ones too, with changed false)."})
    result = fields.Nested(AppraisalSchema, required=True, metadata={
        "description": "The appraisal under today's method and reference data (not saved)."})


class SavedListQuerySchema(Schema):
    """Filters and the cursor of GET /v1/saved-appraisals."""

    rating = fields.String(validate=validate.OneOf(model.RATINGS), metadata=doc(
        "Only appraisals with this rating.", "viable_with_cautions"))
    # No control characters: SQLite's LIKE would end the pattern at a NUL (and match
    # everything), and PostgreSQL text cannot hold one.
    name = fields.String(validate=[validate.Length(1, 200),
                                   Pattern(r"^[^\x00-\x1f\x7f]+$",
                                                   error="No control characters.")],
                         metadata=doc("Only appraisals whose proposal name contains this text "
                                      "(any case; % and _ are plain characters).", "revenues"))
    saved_from = fields.Date(metadata=doc("Only appraisals saved on or after this day (UTC).",
                                          "2026-12-01"))
    saved_to = fields.Date(metadata=doc("Only appraisals saved on or before this day (UTC).",
                                        "2026-12-31"))
    cursor = fields.String(validate=Pattern(f"^{ID_PATTERN.pattern}$"), metadata=doc(
        "next_cursor of the previous page: the page lists what was saved before it.",
        "01M8V34Q804K2W9QJ7N3XD5B8T"))
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(1, MAX_PAGE),
                           metadata=doc("Most items on the page.", DEFAULT_PAGE, "items"))


class IdempotencyKeySchema(Schema):
    """The Idempotency-Key header of a save."""

    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=[validate.Length(1, 255), Pattern(r"^[!-~]+$")],
        metadata=doc("Makes the save safe to retry: the same key and the same proposal give "
                     "the same saved appraisal (201 again, nothing new saved); the same key "
                     "with another proposal is a 409. Printable ASCII without spaces, at most "
                     "255 characters, unique per organisation.", "portal-run-42"))
