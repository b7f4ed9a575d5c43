"""Import OWASP Threat Dragon models (v1 and v2 JSON) as an :class:`~game.architecture.Architecture`.

Threat Dragon draws data-flow diagrams: actors, processes and stores joined by
flows, with trust boundaries drawn either as boxes (v2 only) or as lines. A
model holds one or more diagrams; this importer merges them into one
architecture and keeps the threats already recorded on each element.

The two versions differ in layout, not meaning:

* v1 (``version`` missing or ``1.x``): ``detail.diagrams[].diagramJson.cells``;
  an element's properties sit on the cell itself, its name in
  ``attrs.text.text`` (or in the first label for a flow), and a flow names its
  ends with ``source.id``/``target.id``.
* v2 (``version`` ``2.x``): ``detail.diagrams[].cells``; the properties sit in
  the cell's ``data`` (``data.type`` is ``tm.Actor`` and so on) and a flow
  names its ends with ``source.cell``/``target.cell``.

Decisions, in short (docs/formats/threat-dragon.md has the whole mapping):

* A flag absent from the file is unknown. ``true`` is always a fact; ``false``
  is a fact in v1, which wrote only the flags an author set, but unknown in v2,
  which writes ``false`` for every box nobody ticked.
* Ids are slugs of the names, de-duplicated in document order (``web-app``,
  ``web-app-2``); :attr:`ThreatDragonModel.cells` maps them back to cells.
* Processes and stores become an AWS type when their name (or, failing that,
  their description) names exactly one service that fits the shape.
* A box's members are the elements whose centre lies inside it, innermost box
  first. Boundary lines become boundaries without members.
* Out-of-scope elements are kept, with a note in their description.
* Names and labels longer than the native format's 200 characters, and
  descriptions longer than its 2,000, are cut (with an ellipsis): Threat Dragon
  has no limit, and what threatdeck writes about a game must read back in.
* A flow's kind follows its arrow, as in any data-flow diagram: into a store a
  write (a read when its name or protocol says it reads, "query", "GetItem",
  and nothing of writing), out of one a read, anything else unknown. A flow threatdeck exported
  keeps the kind it recorded, or none: threatdeck's arrows point at what is
  acted on, reads included.
* A flow with a loose end (drawn but not attached) is left out; its threats are
  still returned, with no element id.
* An element whose ``data`` carries a ``threatdeck`` object (written by
  threatdeck's own export, :mod:`game.exports.threat_dragon`) keeps the id,
  type and attributes recorded there, so a model exported by threatdeck
  imports back losslessly.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from game.architecture import (
    Architecture,
    AttrValue,
    Boundary,
    Component,
    ComponentType,
    Flow,
    SourceLocation,
)
from game.importers.documents import (
    MAX_BOUNDARIES,
    MAX_COMPONENTS,
    MAX_FLOWS,
    MAX_NAME,
    MAX_TEXT,
    ModelError,
    shown,
)
from game.importers.native import ID_PATTERN
from game.vocabulary import DATA_CLASSES, FLOW_ATTRIBUTES, FLOW_KINDS, check_attributes, spec_for

__all__ = ["CellRef", "ImportedThreat", "ThreatDragonModel", "from_document", "read_model", "threats_of"]

CT = ComponentType

ACTOR, PROCESS, STORE = "tm.Actor", "tm.Process", "tm.Store"
FLOW, FLOW_STENCIL = "tm.Flow", "tm.FlowStencil"
BOUNDARY_LINE, BOUNDARY_BOX = "tm.Boundary", "tm.BoundaryBox"
TEXT = "tm.Text"
ELEMENT_TYPES = (ACTOR, PROCESS, STORE, FLOW, BOUNDARY_LINE, BOUNDARY_BOX, TEXT)
"""Every ``type`` this importer understands (``tm.FlowStencil`` is read as a flow too)."""

_NODES = {ACTOR: CT.ACTOR, PROCESS: CT.PROCESS, STORE: CT.STORE}
_FLOWS = frozenset({FLOW, FLOW_STENCIL})
_BOUNDARIES = frozenset({BOUNDARY_LINE, BOUNDARY_BOX})

MAX_DIAGRAMS = 1_000
"""Most diagrams a model may have."""
MAX_CELLS = MAX_COMPONENTS + MAX_FLOWS + MAX_BOUNDARIES
"""Most cells a model may have, in all its diagrams, free-text notes included: as many as the elements an
architecture may have."""
MAX_THREATS = 50_000
"""Most threats a model may record, in all its cells."""

_DEFAULT_NAMES = {
    ACTOR: "Actor",
    PROCESS: "Process",
    STORE: "Store",
    FLOW: "Data flow",
    FLOW_STENCIL: "Data flow",
    BOUNDARY_LINE: "Trust boundary",
    BOUNDARY_BOX: "Trust boundary",
}


# --------------------------------------------------------------------------- results


@dataclasses.dataclass(frozen=True)
class CellRef:
    """A cell of a Threat Dragon file: cell ids are only unique within one diagram."""

    diagram: int
    """Position of the diagram in ``detail.diagrams``."""
    cell_id: str
    """The cell's ``id``."""


@dataclasses.dataclass(frozen=True)
class ImportedThreat:
    """A threat recorded on a Threat Dragon element, kept so it can be shown and written back."""

    element_id: str | None
    """Id of the component, flow or boundary it is about; ``None`` when that element was
    not imported (a flow with a loose end)."""
    cell: CellRef
    """The Threat Dragon cell it was recorded on."""
    title: str
    """Short title."""
    category: str
    """Threat Dragon's ``type``: the category within ``model_type``, e.g. ``Tampering``."""
    status: str
    """As written: ``Open``, ``Mitigated``, ``NA``, ``Accepted``, ... (empty: not given)."""
    severity: str
    """As written: ``High``, ``Medium``, ``Low``, ... (empty: not given)."""
    description: str
    """What could go wrong."""
    mitigation: str
    """What is, or should be, done about it."""
    score: str | None
    """Threat Dragon's free-form custom score, as text; ``None`` when not given."""
    model_type: str
    """The methodology: ``STRIDE``, ``LINDDUN``, ``CIA``, ... (from the diagram when the threat has none)."""
    threat_id: str | None
    """Threat Dragon's own id for the threat, when it has one."""
    number: int | None
    """Threat Dragon's sequence number, when it has one."""
    location: SourceLocation
    """Where the threat was read from."""


@dataclasses.dataclass(frozen=True)
class ThreatDragonModel:
    """Everything read from one Threat Dragon file."""

    architecture: Architecture
    """The merged architecture of every diagram."""
    threats: tuple[ImportedThreat, ...]
    """Threats already recorded in the file, in document order."""
    cells: Mapping[str, CellRef]
    """For every imported component, flow and boundary id: the Threat Dragon cell it came from.
    The reverse of a two-way flow maps to the same cell as the flow."""


def read_model(data: Any, source: str) -> ThreatDragonModel:
    """Read a parsed Threat Dragon document; raise :class:`ModelError` naming the path on any problem."""
    return _Reader(data, source).read()


def from_document(data: Any, source: str) -> Architecture:
    """The architecture drawn in a parsed Threat Dragon document (v1 or v2)."""
    return read_model(data, source).architecture


def threats_of(data: Any, source: str) -> list[ImportedThreat]:
    """The threats recorded in a parsed Threat Dragon document, in document order."""
    return list(read_model(data, source).threats)


# --------------------------------------------------------------------------- structure


class _Flag(fields.Field[bool]):
    """A JSON ``true``/``false``; unlike marshmallow's Boolean it refuses ``1`` and ``"yes"``."""

    default_error_messages = {"invalid": "expected true or false"}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        raise self.make_error("invalid")


class _Number(fields.Field[float]):
    """A JSON number; unlike marshmallow's Float it refuses numeric strings and booleans."""

    default_error_messages = {"invalid": "expected a number"}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise self.make_error("invalid")


class _Score(fields.Field[str]):
    """Threat Dragon writes the custom score as text, but hand-edited files hold numbers."""

    default_error_messages = {"invalid": "expected a text or a number"}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise self.make_error("invalid")


def _text(required: str = "") -> fields.String:
    """Optional text (``null`` reads as absent), or required text whose absence says ``required``."""
    if required:
        return fields.String(
            required=True,
            validate=validate.Length(min=1, error=f"is empty; expected {required}"),
            error_messages={"invalid": f"expected {required}", "required": f"is missing; expected {required}",
                            "null": f"is null; expected {required}"},
        )
    return fields.String(allow_none=True, error_messages={"invalid": "expected a text"})


def _flag() -> _Flag:
    return _Flag(allow_none=True)


def _number(required: bool = False) -> _Number:
    return _Number(required=required, error_messages={"required": "is missing; expected a number"})


def _nested(schema: type[Schema], required: str = "") -> fields.Nested:
    if required:
        return fields.Nested(schema, required=True,
                             error_messages={"required": f"is missing; expected {required}",
                                             "null": f"is null; expected {required}"})
    return fields.Nested(schema, allow_none=True)


def _list_of(schema: type[Schema], what: str, required: bool = False) -> fields.List[Any]:
    return fields.List(
        fields.Nested(schema),
        required=required,
        allow_none=not required,
        error_messages={"invalid": f"expected a list of {what}", "required": f"is missing; expected a list of {what}",
                        "null": f"is null; expected a list of {what}"},
    )


class _Tolerant(Schema):
    """Base of every shape below: unknown keys are ignored, because real files carry many."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "expected an object"}


class _ThreatSchema(_Tolerant):
    title = _text("the threat's title")
    type = _text()
    status = _text()
    severity = _text()
    description = _text()
    mitigation = _text()
    modelType = _text()
    score = _Score(allow_none=True)
    number = fields.Integer(strict=True, allow_none=True, error_messages={"invalid": "expected a whole number"})
    id = _text()
    threatId = _text()


class _ThreatdeckSchema(_Tolerant):
    """What threatdeck's export keeps in an element's ``data.threatdeck``, read back for a lossless round trip."""

    id = _text()
    type = _text()
    attributes = fields.Dict(keys=fields.String(), allow_none=True, error_messages={"invalid": "expected an object"})
    data_class = _text()
    is_async = _Flag(allow_none=True, data_key="async")
    kind = _text()


class _ElementSchema(_Tolerant):
    """An element's properties: ``data`` of a v2 cell, or the v1 cell itself."""

    type = _text("the element type, e.g. tm.Process")
    name = _text()
    description = _text()
    outOfScope = _flag()
    reasonOutOfScope = _text()
    providesAuthentication = _flag()
    handlesCardPayment = _flag()
    handlesGoodsOrServices = _flag()
    isWebApplication = _flag()
    privilegeLevel = _text()
    isALog = _flag()
    storesCredentials = _flag()
    isEncrypted = _flag()
    isSigned = _flag()
    storesInventory = _flag()
    isPublicNetwork = _flag()
    isBidirectional = _flag()
    protocol = _text()
    threats = _list_of(_ThreatSchema, "threats")
    threatdeck = _nested(_ThreatdeckSchema)


class _PointSchema(_Tolerant):
    x = _number(required=True)
    y = _number(required=True)


class _SizeSchema(_Tolerant):
    width = _number(required=True)
    height = _number(required=True)


class _EndV2Schema(_Tolerant):
    cell = _text()
    x = _number()
    y = _number()


class _EndV1Schema(_Tolerant):
    id = _text()
    x = _number()
    y = _number()


_CELL_ID = "the cell's id"


class _CellV2Schema(_Tolerant):
    id = _text(_CELL_ID)
    shape = _text()
    data = _nested(_ElementSchema, "the element's properties (an object with a type)")
    position = _nested(_PointSchema)
    size = _nested(_SizeSchema)
    source = _nested(_EndV2Schema)
    target = _nested(_EndV2Schema)
    attrs = fields.Raw(allow_none=True)
    labels = fields.Raw(allow_none=True)
    threats = _list_of(_ThreatSchema, "threats")  # where the published schema puts them


class _CellV1Schema(_ElementSchema):
    id = _text(_CELL_ID)
    position = _nested(_PointSchema)
    size = _nested(_SizeSchema)
    source = _nested(_EndV1Schema)
    target = _nested(_EndV1Schema)
    attrs = fields.Raw(allow_none=True)
    labels = fields.Raw(allow_none=True)


class _DiagramV2Schema(_Tolerant):
    title = _text()
    diagramType = _text()
    cells = _list_of(_CellV2Schema, "cells")  # a blank v2 diagram has none


class _DiagramJsonV1Schema(_Tolerant):
    cells = _list_of(_CellV1Schema, "cells", required=True)


class _DiagramV1Schema(_Tolerant):
    title = _text()
    diagramType = _text()
    diagramJson = _nested(_DiagramJsonV1Schema)  # a blank v1 diagram has none


class _SummarySchema(_Tolerant):
    title = _text()
    description = _text()


class _DetailV2Schema(_Tolerant):
    diagrams = _list_of(_DiagramV2Schema, "diagrams", required=True)


class _DetailV1Schema(_Tolerant):
    diagrams = _list_of(_DiagramV1Schema, "diagrams", required=True)


_SUMMARY = "the model summary (an object with a title)"
_DETAIL = "the model detail (an object with diagrams)"


class _DocumentV2Schema(_Tolerant):
    version = _text()
    summary = _nested(_SummarySchema, _SUMMARY)
    detail = _nested(_DetailV2Schema, _DETAIL)


class _DocumentV1Schema(_Tolerant):
    version = _text()
    summary = _nested(_SummarySchema, _SUMMARY)
    detail = _nested(_DetailV1Schema, _DETAIL)


def _json_path(parts: Sequence[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _leaves(messages: Any, parts: tuple[str | int, ...] = ()) -> Iterable[tuple[str, str]]:
    """Flatten marshmallow's nested error messages into (JSON path, message) pairs."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            # "_schema" is marshmallow's key for a problem with the object itself
            yield from _leaves(value, parts if key == "_schema" else (*parts, key))
    elif isinstance(messages, list):
        for message in messages:
            yield from _leaves(message, parts)
    else:
        yield _json_path(parts), str(messages)


def _load(schema: Schema, data: Any, source: str) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        problems = list(_leaves(exc.messages))
        path, message = problems[0] if problems else ("", "is not a Threat Dragon model")
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
        raise ModelError(source, message, path) from None
    return loaded


# --------------------------------------------------------------------------- AWS services by name

_TypeMatch = tuple[ComponentType, tuple[tuple[str, AttrValue], ...]]

_KEYWORDS: tuple[tuple[str, ComponentType, tuple[tuple[str, AttrValue], ...]], ...] = (
    ("api gateway", CT.API_GATEWAY, ()),
    ("apigateway", CT.API_GATEWAY, ()),
    ("api gw", CT.API_GATEWAY, ()),
    ("apigw", CT.API_GATEWAY, ()),
    ("lambda", CT.LAMBDA, ()),
    ("dynamodb", CT.DYNAMODB, ()),
    ("dynamo db", CT.DYNAMODB, ()),
    ("dynamo", CT.DYNAMODB, ()),
    ("s3", CT.S3, ()),
    ("cognito", CT.COGNITO, (("kind", "cognito"),)),
    ("sqs", CT.SQS, ()),
    ("sns", CT.SNS, ()),
    ("eventbridge", CT.EVENTBRIDGE, ()),
    ("event bridge", CT.EVENTBRIDGE, ()),
    ("cloudwatch events", CT.EVENTBRIDGE, ()),
    ("step functions", CT.STEP_FUNCTIONS, ()),
    ("step function", CT.STEP_FUNCTIONS, ()),
    ("stepfunctions", CT.STEP_FUNCTIONS, ()),
    ("secrets manager", CT.SECRETS_STORE, (("kind", "secretsmanager"),)),
    ("secretsmanager", CT.SECRETS_STORE, (("kind", "secretsmanager"),)),
    ("parameter store", CT.SECRETS_STORE, ()),
    ("ssm parameter", CT.SECRETS_STORE, ()),
    ("cloudwatch logs", CT.LOG_GROUP, ()),
    ("cloudwatch", CT.LOG_GROUP, ()),
    ("log group", CT.LOG_GROUP, ()),
)
"""Words that name an AWS service, with the facts the name alone implies."""

# Which services fit which shape: a process named "Write to DynamoDB" is not a table,
# and a store named "Lambda config" is not a function.
_FITS: Mapping[ComponentType, frozenset[ComponentType]] = MappingProxyType({
    CT.PROCESS: frozenset({CT.LAMBDA, CT.API_GATEWAY, CT.COGNITO, CT.STEP_FUNCTIONS, CT.EVENTBRIDGE}),
    CT.STORE: frozenset({CT.DYNAMODB, CT.S3, CT.SQS, CT.SNS, CT.EVENTBRIDGE, CT.SECRETS_STORE, CT.LOG_GROUP}),
})

_BY_WORDS = {words: (ct, implied) for words, ct, implied in _KEYWORDS}
# Longest first, so "cloudwatch events" wins over "cloudwatch" at the same place.
_KEYWORD_RE = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(_BY_WORDS, key=len, reverse=True)) + r")s?\b"
)


def _plain_words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _service_named(text: str, fits: frozenset[ComponentType]) -> _TypeMatch | None:
    """The one fitting AWS service ``text`` names, or ``None`` if it names none or several."""
    found: dict[ComponentType, tuple[tuple[str, AttrValue], ...]] = {}
    for match in _KEYWORD_RE.finditer(_plain_words(text)):
        ct, implied = _BY_WORDS[match.group(1)]
        if ct in fits:
            # "Parameter Store or Secrets Manager": the type is sure, the kind is not
            found[ct] = implied if found.get(ct, implied) == implied else ()
    if len(found) != 1:
        return None
    ((ct, implied),) = found.items()
    return ct, implied


# --------------------------------------------------------------------------- reading


@dataclasses.dataclass
class _End:
    cell: str | None
    """The cell id the end is attached to; ``None`` for a loose end."""
    path: str
    """JSON path of the reference, for messages."""


@dataclasses.dataclass
class _Element:
    """One cell, with v1 and v2 differences ironed out."""

    diagram: int
    path: str
    props_path: str
    cell_id: str
    td_type: str
    name: str
    props: Mapping[str, Any]
    box: tuple[float, float, float, float] | None
    source: _End | None = None
    target: _End | None = None
    threats: list[tuple[str, Mapping[str, Any]]] = dataclasses.field(default_factory=list)
    id: str = ""
    recorded: str | None = None
    """The id threatdeck's export recorded in ``data.threatdeck``, when it is kept."""

    @property
    def cell(self) -> CellRef:
        return CellRef(self.diagram, self.cell_id)


def _listed(value: Any, key: str) -> list[Any]:
    """``value[key]`` when ``value`` is an object and that a list, else an empty list."""
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, list) else []


def _text_at(value: Any, *keys: str | int) -> str:
    """A display text found by walking ``keys``; empty when any step is missing."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(value, list) or len(value) <= key:
                return ""
        elif not isinstance(value, Mapping) or key not in value:
            return ""
        value = value[key]
    return value if isinstance(value, str) else ""


def _display_name(props: Mapping[str, Any], cell: Mapping[str, Any]) -> str:
    """The element's name; older files keep it only in the drawing's text or label."""
    attrs, labels = cell.get("attrs"), cell.get("labels")
    for candidate in (
        props.get("name") or "",
        _text_at(attrs, "text", "text"),
        _text_at(attrs, "label", "text"),
        _text_at(labels, 0, "attrs", "labelText", "text"),
        _text_at(labels, 0, "attrs", "text", "text"),
        _text_at(labels, 0, "attrs", "label", "text"),
    ):
        name = " ".join(candidate.split())  # line breaks in shapes are layout, not meaning
        if name:
            return _cut(name, MAX_NAME)
    return ""


def _cut(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` - 1 characters and an ellipsis."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


_RECORDED_IDS: Mapping[str, re.Pattern[str]] = MappingProxyType({
    "component": re.compile(f"^{ID_PATTERN}$"),
    "boundary": re.compile(f"^{ID_PATTERN}$"),
    "flow": re.compile(f"^{ID_PATTERN}(?:->{ID_PATTERN}(?:#[0-9]{{1,6}})?)?$"),
})
"""Ids kept from ``data.threatdeck.id``, by kind: native ids, and for flows the ``Source->Target#2`` ids the native
importer gives (from two ids of 128 characters: 258 and more), where it would give them (``_Reader.generated``). Any
other id would make a game whose result, which holds the architecture in the native format, cannot be written."""
NATIVE_FLOW_ID = _RECORDED_IDS["component"]
"""A flow id written as it is (any other kept flow id is one the native importer generates)."""


_ID_LENGTH = 128
"""Longest native id (``ID_PATTERN``): what a game's JSON export, which holds the architecture natively, can write."""
_NOT_IN_IDS = re.compile(r"-?[^A-Za-z0-9_.:-]+")  # "A->B#2" -> "A-B-2"
_REVERSE = "-reverse"
"""How the way back of a two-way flow is named: ``<id>-reverse``."""


def _recorded_id(props: Mapping[str, Any], kind: str) -> str | None:
    """The id threatdeck's export recorded on an element, when it is one threatdeck could have written."""
    block = props.get("threatdeck") or {}
    value = block.get("id")
    return value if isinstance(value, str) and _RECORDED_IDS[kind].match(value) else None


def _geometry(cell: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    position, size = cell.get("position"), cell.get("size")
    if position is None or size is None:
        return None
    return position["x"], position["y"], size["width"], size["height"]


_SLUG_LENGTH = 48


def _slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, cut at a word end to stay short.

    >>> _slug("Web Request (HTTP/S)")
    'web-request-http-s'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > _SLUG_LENGTH:
        cut = slug.rfind("-", 0, _SLUG_LENGTH + 1)
        slug = slug[:cut] if cut > 0 else slug[:_SLUG_LENGTH]
    return slug


def _version_of(data: Any, source: str) -> int:
    """1 or 2: the ``version`` field decides, else the diagram layout."""
    if not isinstance(data, Mapping):
        raise ModelError(source, "expected a Threat Dragon model (an object with 'summary' and 'detail')")
    version = data.get("version")
    if isinstance(version, str) and version.strip():
        major = version.strip().split(".")[0]
        if major in ("1", "2"):
            return int(major)
        raise ModelError(source, f"expected a Threat Dragon version 1.x or 2.x, found {shown(version)}", "version")
    if version is not None and not isinstance(version, str):
        raise ModelError(source, "expected a text such as \"2.3.0\"", "version")
    detail = data.get("detail")
    diagrams = detail.get("diagrams") if isinstance(detail, Mapping) else None
    if isinstance(diagrams, list):
        if any(isinstance(d, Mapping) and "diagramJson" in d for d in diagrams):
            return 1
        if any(isinstance(d, Mapping) and "cells" in d for d in diagrams):
            return 2
    return 1  # Threat Dragon itself reads a model without a version as 1.x


_SAME_MEANING: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType({
    PROCESS: (("providesAuthentication", "implements_auth"), ("isWebApplication", "web_application")),
    STORE: (("isEncrypted", "encrypted"), ("isSigned", "signed"), ("isALog", "is_log"),
            ("storesCredentials", "stores_credentials")),
})
"""Threat Dragon flags that state the same fact as a vocabulary attribute, by element type."""


class _Reader:
    """Reads one document; kept as an object only to share the source and the id namespace."""

    def __init__(self, data: Any, source: str) -> None:
        self.data = data
        self.source = source
        self.taken: set[str] = set()
        self.last: dict[str, int] = {}
        self.generated_ids: dict[str, int] = {}
        """Recorded ``Source->Target`` flow ids kept so far, by that base: the next one kept is ``#n+1``."""
        self.version = 2

    def fail(self, path: str, message: str) -> ModelError:
        return ModelError(self.source, message, path)

    # ---- structure

    def read(self) -> ThreatDragonModel:
        version = self.version = _version_of(self.data, self.source)
        self.check_counts(version)
        schema: Schema = _DocumentV1Schema() if version == 1 else _DocumentV2Schema()
        document = _load(schema, self.data, self.source)
        diagrams = [self.elements(i, d, version) for i, d in enumerate(document["detail"]["diagrams"])]
        summary = document["summary"]
        return self.build(diagrams, _cut(summary.get("title") or "", MAX_NAME),
                          _cut(summary.get("description") or "", MAX_TEXT))

    def check_counts(self, version: int) -> None:
        """Refuse more diagrams, cells or threats than a model may have, before the schemas check each one: a
        file as large as the command line reads holds a million notes or threats, and checking them took minutes
        and gigabytes. Shapes the schemas will refuse count as empty here."""
        diagrams = _listed(self.data.get("detail"), "diagrams")
        if len(diagrams) > MAX_DIAGRAMS:
            raise self.fail("detail.diagrams", f"has {len(diagrams):,} diagrams; the limit is {MAX_DIAGRAMS:,}")
        cells = threats = 0
        for diagram in diagrams:
            holder = diagram.get("diagramJson") if version == 1 and isinstance(diagram, Mapping) else diagram
            listed = _listed(holder, "cells")
            cells += len(listed)
            for cell in listed:
                threats += len(_listed(cell, "threats"))
                if version == 2 and isinstance(cell, Mapping):
                    threats += len(_listed(cell.get("data"), "threats"))
        if cells > MAX_CELLS:
            raise self.fail("detail.diagrams", f"has {cells:,} cells (elements and notes); the limit is {MAX_CELLS:,}")
        if threats > MAX_THREATS:
            raise self.fail("detail.diagrams", f"has {threats:,} threats; the limit is {MAX_THREATS:,}")

    def elements(self, index: int, diagram: Mapping[str, Any], version: int) -> list[_Element]:
        base = f"detail.diagrams[{index}]"
        if version == 1:
            cells_path = f"{base}.diagramJson.cells"
            cells = (diagram.get("diagramJson") or {}).get("cells") or []
        else:
            cells_path = f"{base}.cells"
            cells = diagram.get("cells") or []
        model_type = diagram.get("diagramType") or ""
        out: list[_Element] = []
        seen: set[str] = set()
        for i, cell in enumerate(cells):
            path = f"{cells_path}[{i}]"
            props, props_path = (cell, path) if version == 1 else (cell["data"], f"{path}.data")
            td_type = props["type"]
            if td_type not in ELEMENT_TYPES and td_type != FLOW_STENCIL:
                raise self.fail(f"{props_path}.type",
                                f"unknown element type {shown(td_type)}; expected one of {', '.join(ELEMENT_TYPES)}")
            if cell["id"] in seen:
                raise self.fail(f"{path}.id", f"cell id {shown(cell['id'])} is used twice in this diagram")
            seen.add(cell["id"])
            if td_type == TEXT:
                continue  # a free-text note on the canvas, not part of the system
            element = _Element(
                diagram=index, path=path, props_path=props_path, cell_id=cell["id"], td_type=td_type,
                name=_display_name(props, cell), props=props, box=_geometry(cell),
            )
            if td_type in _FLOWS:
                key = "id" if version == 1 else "cell"
                element.source = self.end(cell, "source", key, path)
                element.target = self.end(cell, "target", key, path)
            if td_type == BOUNDARY_BOX and element.box is None:
                raise self.fail(path, "a trust boundary box needs a position {x, y} and a size {width, height}")
            for where, threats in ((f"{props_path}.threats", props.get("threats")),
                                   (f"{path}.threats", cell.get("threats") if version == 2 else None)):
                for j, threat in enumerate(threats or []):
                    if not threat.get("modelType") and model_type:
                        threat = {**threat, "modelType": model_type}
                    element.threats.append((f"{where}[{j}]", threat))
            out.append(element)
        return out

    @staticmethod
    def end(cell: Mapping[str, Any], side: str, key: str, path: str) -> _End:
        ref = (cell.get(side) or {}).get(key)
        return _End(ref or None, f"{path}.{side}.{key}")

    # ---- ids

    def claim(self, wanted: str, fallback: str) -> str:
        """A unique id from ``wanted`` (or ``fallback`` when it slugs to nothing)."""
        base = _slug(wanted) or fallback
        # Counting resumes at the last number found for this base (taken only grows): many cells of
        # one name would otherwise cost quadratic time.
        n = self.last.get(base, 1)
        candidate = base if n == 1 else f"{base}-{n}"
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.last[base] = n
        self.taken.add(candidate)
        return candidate

    def generated(self, recorded: str, source: str, target: str) -> str | None:
        """``recorded`` when it is the id a native model gives this flow (``Source->Target``, then ``#2``… in the
        order of the flows): a result leaves such ids out and cannot write any other of that form."""
        base = f"{source}->{target}"
        n = self.generated_ids.get(base, 0) + 1
        if recorded != (base if n == 1 else f"{base}#{n}"):
            return None
        self.generated_ids[base] = n
        return recorded

    def reverse_id(self, forward: str) -> str:
        """``<forward>-reverse``, unique (``-reverse-2``…), as a native id: a recorded ``Source->Target`` id's
        other characters become hyphens, and a long id is cut to make room for the suffix.

        Not a slug: slugs stop at 48 characters, which cut the ``-reverse`` off ids of 41 and more.
        """
        base = _NOT_IN_IDS.sub("-", forward)
        key = f"reverse:{base[:_ID_LENGTH - len(_REVERSE)]}"
        n = self.last.get(key, 1)  # as in claim: many flows of one id would otherwise cost quadratic time
        while True:
            suffix = _REVERSE if n == 1 else f"{_REVERSE}-{n}"
            candidate = base[:_ID_LENGTH - len(suffix)] + suffix
            if candidate not in self.taken:
                break
            n += 1
        self.last[key] = n
        self.taken.add(candidate)
        return candidate

    # ---- building

    def reserve(self, diagrams: list[list[_Element]]) -> None:
        """Keep the ids threatdeck's export recorded, the first of each per kind; slugs avoid them."""
        kept: dict[str, set[str]] = {"component": set(), "flow": set(), "boundary": set()}
        for elements in diagrams:
            for e in elements:
                kind = "component" if e.td_type in _NODES else "flow" if e.td_type in _FLOWS else "boundary"
                wanted = _recorded_id(e.props, kind)
                if wanted is not None and wanted not in kept[kind]:
                    kept[kind].add(wanted)
                    e.recorded = wanted
                    self.taken.add(wanted)

    def build(self, diagrams: list[list[_Element]], title: str, description: str) -> ThreatDragonModel:
        components: list[Component] = []
        flows: list[Flow] = []
        boundaries: list[Boundary] = []
        cells: dict[str, CellRef] = {}
        self.check_size(diagrams)
        self.reserve(diagrams)
        for elements in diagrams:
            nodes = [e for e in elements if e.td_type in _NODES]
            fences = [e for e in elements if e.td_type in _BOUNDARIES]
            for e in nodes + fences:
                e.id = e.recorded or self.claim(e.name, _slug(_DEFAULT_NAMES[e.td_type]))
                cells[e.id] = e.cell
            for e in fences:
                boundaries.append(Boundary(
                    id=e.id,
                    name=e.name or _DEFAULT_NAMES[e.td_type],
                    description=_cut(e.props.get("description") or "", MAX_TEXT),
                ))
            boxes = [e for e in fences if e.td_type == BOUNDARY_BOX]
            by_cell = {e.cell_id: e for e in elements}
            for e, box in zip(nodes, _innermost_boxes(nodes, boxes)):
                components.append(self.component(e, box))
            types = {c.id: c.type for c in components}
            for e in elements:
                if e.td_type not in _FLOWS:
                    continue
                ends = [self.resolve(end, by_cell) for end in (e.source, e.target)]
                source, target = ends
                if source is None or target is None:
                    continue  # drawn but not attached at both ends: there is nothing to connect
                recorded = e.recorded
                if recorded is not None and not NATIVE_FLOW_ID.match(recorded):
                    recorded = self.generated(recorded, source.id, target.id)
                # ends cut, so that two recorded ids of 128 characters and a number still make a native id
                e.id = recorded or self.claim(e.name, f"{source.id[:58]}-to-{target.id[:58]}")
                cells.setdefault(e.id, e.cell)  # a recorded flow id may equal a component's
                flows.extend(self.flows(e, source, target, cells, types))
        if not components:
            raise self.fail("detail.diagrams", "no actors, processes or stores in any diagram; nothing to threat-model")
        if len(flows) > MAX_FLOWS:
            raise self.fail("detail.diagrams", f"has {len(flows):,} data flows (a two-way flow counts twice); "
                                               f"the limit is {MAX_FLOWS:,}")
        threats = tuple(
            self.threat(e, path, threat)
            for elements in diagrams for e in elements for path, threat in e.threats
        )
        architecture = Architecture(
            name=title or "Threat Dragon model",
            components=tuple(components),
            flows=tuple(flows),
            boundaries=tuple(boundaries),
            description=description,
            source_format="threat-dragon",
        )
        return ThreatDragonModel(architecture, threats, MappingProxyType(cells))

    def check_size(self, diagrams: list[list[_Element]]) -> None:
        """Refuse more elements than an architecture may have, before boxes are matched with nodes."""
        nodes = sum(1 for elements in diagrams for e in elements if e.td_type in _NODES)
        fences = sum(1 for elements in diagrams for e in elements if e.td_type in _BOUNDARIES)
        if nodes > MAX_COMPONENTS:
            raise self.fail("detail.diagrams",
                            f"has {nodes:,} actors, processes and stores; the limit is {MAX_COMPONENTS:,}")
        if fences > MAX_BOUNDARIES:
            raise self.fail("detail.diagrams", f"has {fences:,} trust boundaries; the limit is {MAX_BOUNDARIES:,}")

    def resolve(self, end: _End | None, by_cell: Mapping[str, _Element]) -> _Element | None:
        if end is None or end.cell is None:
            return None
        element = by_cell.get(end.cell)
        if element is None:
            raise self.fail(end.path, f"names no element of this diagram ({shown(end.cell)}); "
                                      "expected the id of an actor, process or store")
        if element.td_type not in _NODES:
            raise self.fail(end.path, f"names a {element.td_type} ({shown(end.cell)}); "
                                      "expected the id of an actor, process or store")
        return element

    def component(self, e: _Element, boundary: _Element | None) -> Component:
        ct = _NODES[e.td_type]
        attributes: dict[str, AttrValue] = {}
        provenance: dict[str, str] = {}
        fits = _FITS.get(ct)
        recorded_type = self.recorded_type(e)
        if recorded_type is not None:
            ct, fits = recorded_type, None
        if fits:
            # the name decides; the description only when the name names no service
            for field in ("name", "description"):
                text = e.name if field == "name" else _cut(e.props.get("description") or "", MAX_TEXT)
                found = _service_named(text, fits)
                if found is not None:
                    ct, implied = found
                    for attr, value in implied:
                        attributes[attr], provenance[attr] = value, f"{e.props_path}.{field}"
                    break
        for flag, attr, value, path in self.facts(e):
            spec = spec_for(ct, attr)
            if spec is None:
                continue  # the type has no such attribute: see docs/formats/threat-dragon.md
            try:
                attributes[attr] = spec.check(value)
            except ValueError as exc:
                raise self.fail(path, f"{exc} (for {attr})") from None
            provenance[attr] = path
        for attr, (value, path) in self.recorded_attributes(e, ct).items():
            attributes[attr], provenance[attr] = value, path  # what threatdeck recorded wins over the flags
        return Component(
            id=e.id,
            type=ct,
            name=e.name or _DEFAULT_NAMES[e.td_type],
            attributes=attributes,
            provenance=provenance,
            boundary=boundary.id if boundary is not None else None,
            description=self.description(e),
            location=SourceLocation(self.source, path=e.path),
        )

    def recorded_type(self, e: _Element) -> ComponentType | None:
        """The component type threatdeck's export recorded, if any."""
        block = e.props.get("threatdeck") or {}
        value = block.get("type")
        if not value:
            return None
        try:
            return ComponentType(value)
        except ValueError:
            raise self.fail(f"{e.props_path}.threatdeck.type", f"unknown component type {shown(value)}") from None

    def recorded_attributes(self, e: _Element, ct: ComponentType) -> dict[str, tuple[AttrValue, str]]:
        """The attributes threatdeck's export recorded, checked against the type's vocabulary, with their paths."""
        block = e.props.get("threatdeck") or {}
        raw = block.get("attributes") or {}
        where = f"{e.props_path}.threatdeck.attributes"
        try:
            checked = check_attributes(ct, raw)
        except KeyError as exc:
            raise self.fail(f"{where}.{exc.args[0]}", f"{ct.value} has no such attribute") from None
        except ValueError as exc:
            name, _, message = str(exc).partition(": ")
            raise self.fail(f"{where}.{name}", message) from None
        return {name: (value, f"{where}.{name}") for name, value in checked.items()}

    def recorded_flow(self, e: _Element) -> tuple[dict[str, AttrValue], str | None, bool | None, str | None, bool]:
        """A flow's attributes, data class, timing and kind as threatdeck's export recorded them, and whether
        threatdeck recorded the flow at all.

        A recorded flow's kind is never guessed from its arrow: threatdeck draws a flow from the component
        that acts to the one it acts on, reads included, so an arrow into a store tells nothing. A missing
        kind (older exports left out the unknown ones) or a ``null`` one stays ``None``.
        """
        block = e.props.get("threatdeck") or {}
        where = f"{e.props_path}.threatdeck"
        attributes: dict[str, AttrValue] = {}
        for name, value in (block.get("attributes") or {}).items():
            spec = FLOW_ATTRIBUTES.get(name)
            if spec is None:
                raise self.fail(f"{where}.attributes.{name}", "flows have no such attribute")
            try:
                attributes[name] = spec.check(value)
            except ValueError as exc:
                raise self.fail(f"{where}.attributes.{name}", str(exc)) from None
        data_class, kind = block.get("data_class"), block.get("kind")
        if data_class is not None and data_class not in DATA_CLASSES:
            raise self.fail(f"{where}.data_class", "expected one of " + ", ".join(DATA_CLASSES))
        if kind is not None and kind not in FLOW_KINDS:
            raise self.fail(f"{where}.kind", "expected one of " + ", ".join(FLOW_KINDS))
        return attributes, data_class, block.get("is_async"), kind, bool(block)

    def facts(self, e: _Element) -> Iterable[tuple[str, str, AttrValue, str]]:
        """(flag, attribute, value, path) for each flag the file states that means the same as an attribute."""
        props = e.props
        for flag, attr in _SAME_MEANING.get(e.td_type, ()):
            value = self.stated(props, flag)
            if value is not None:
                yield flag, attr, value, f"{e.props_path}.{flag}"
        privilege = (props.get("privilegeLevel") or "").strip()
        if e.td_type == PROCESS and privilege:
            yield "privilegeLevel", "privilege_level", privilege, f"{e.props_path}.privilegeLevel"
        if e.td_type == STORE and props.get("storesCredentials") is True:
            yield "storesCredentials", "data_class", "secret", f"{e.props_path}.storesCredentials"

    def stated(self, props: Mapping[str, Any], flag: str) -> bool | None:
        """A flag's value when the file really states it, else ``None`` (unknown).

        Threat Dragon 2 writes every flag of a new element as ``false``, so there a
        ``false`` cannot be told from a box nobody looked at; version 1 wrote only
        the flags an author touched.
        """
        value = props.get(flag)
        if not isinstance(value, bool) or (value is False and self.version == 2):
            return None
        return value

    @staticmethod
    def description(e: _Element) -> str:
        text = (e.props.get("description") or "").strip()
        if e.props.get("outOfScope") is True:
            reason = (e.props.get("reasonOutOfScope") or "").strip()
            note = f"Out of scope in Threat Dragon: {reason}" if reason else "Out of scope in Threat Dragon."
            note = _cut(note, MAX_TEXT // 4)  # however long the description, that it is out of scope shows
            text = f"{_cut(text, MAX_TEXT - len(note) - 2)}\n\n{note}" if text else note
        return _cut(text, MAX_TEXT)

    def flows(self, e: _Element, source: _Element, target: _Element, cells: dict[str, CellRef],
              types: Mapping[str, ComponentType]) -> list[Flow]:
        attributes: dict[str, AttrValue] = {}
        provenance: dict[str, str] = {}
        stated: tuple[tuple[str, str, AttrValue | None], ...] = (
            ("isEncrypted", "encrypted", self.stated(e.props, "isEncrypted")),
            ("isPublicNetwork", "public_network", self.stated(e.props, "isPublicNetwork")),
            ("protocol", "protocol", (e.props.get("protocol") or "").strip() or None),
        )
        for flag, attr, value in stated:
            if value is None:
                continue
            try:
                attributes[attr] = FLOW_ATTRIBUTES[attr].check(value)
            except ValueError as exc:
                raise self.fail(f"{e.props_path}.{flag}", f"{exc} (for {attr})") from None
            provenance[attr] = f"{e.props_path}.{flag}"
        recorded, data_class, is_async, kind, by_threatdeck = self.recorded_flow(e)
        attributes.update(recorded)  # what threatdeck recorded wins over the flags
        provenance.update({name: f"{e.props_path}.threatdeck.attributes.{name}" for name in recorded})
        location = SourceLocation(self.source, path=e.path)
        forward = Flow(id=e.id, source=source.id, target=target.id, label=e.name, data_class=data_class,
                       is_async=is_async, kind=kind if by_threatdeck else _kind(e, source, target, types), attributes=attributes,
                       location=location, provenance=provenance)
        if e.props.get("isBidirectional") is not True:
            return [forward]
        back_id = self.reverse_id(e.id)
        cells[back_id] = e.cell
        # threatdeck never writes a two-way flow: the way back was ticked in Threat Dragon, where arrows show
        # where data goes, and a recorded kind is only the drawn direction's (a write's way back is a read)
        return [forward, Flow(id=back_id, source=target.id, target=source.id, label=e.name, data_class=data_class,
                              is_async=is_async, kind=_kind(e, target, source, types), attributes=attributes,
                              location=location, provenance=provenance)]

    def threat(self, e: _Element, path: str, threat: Mapping[str, Any]) -> ImportedThreat:
        return ImportedThreat(
            element_id=e.id or None,  # a flow left out for a loose end never got an id
            cell=e.cell,
            title=threat["title"],
            category=threat.get("type") or "",
            status=threat.get("status") or "",
            severity=threat.get("severity") or "",
            description=threat.get("description") or "",
            mitigation=threat.get("mitigation") or "",
            score=threat.get("score") or None,
            model_type=threat.get("modelType") or "",
            threat_id=threat.get("id") or threat.get("threatId") or None,
            number=threat.get("number"),
            location=SourceLocation(self.source, path=path),
        )


_DELIVERS = frozenset({CT.SQS, CT.SNS, CT.EVENTBRIDGE})
"""Stores whose way out is a delivery to a consumer, not a read by it: a queue, a topic, an event bus."""


_READS = frozenset({"read", "query", "get", "fetch", "list", "load", "lookup", "look", "scan", "select", "search",
                    "retrieve", "download", "check"})
_WRITES = frozenset({"write", "put", "store", "save", "update", "delete", "insert", "upsert", "upload", "append",
                     "add", "create", "remove", "modify", "patch", "post", "set", "record", "log", "send", "publish",
                     "push", "enqueue", "archive"})
"""Verbs of a flow's label or protocol that say whether a request into a store reads or writes it. A write word
only ever keeps the arrow's write ("Download recorded" into an audit trail), so that list errs long."""
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
"""Words, an AWS action's too: ``GetItem`` is get and item, ``SQL SELECT`` sql and select."""


def _verbs(*texts: str) -> set[str]:
    """The words of ``texts``, lower-cased, each also without an ending (``queries`` query, ``saving`` save)."""
    words = {w.lower() for text in texts for w in _WORD.findall(text)}
    stems = set(words)
    for w in words:
        for ending, then in (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e")):
            if w.endswith(ending) and len(w) > len(ending) + 2:
                stems.add(w[:-len(ending)] + then)
    return stems


def _kind(flow: _Element, source: _Element, target: _Element, types: Mapping[str, ComponentType]) -> str | None:
    """In a data-flow diagram an arrow shows where data goes: into a store is a write, out of one a read
    (out of a queue, topic or event bus, an event: the service invokes its consumer, which the rules on
    event-source permissions look for).

    But requests are often drawn towards the store whatever they do: an arrow into a store whose label or
    protocol says it reads ("query", "GetItem", "SELECT") and nothing of writing is a read. Out of a store
    the arrow keeps its direction's kind, whatever its label: a write has the store at its target.

    Between two stores, or with no store at either end, the direction tells no kind, so it stays unknown
    (the rules then answer "unknown" rather than judge on a guess).
    """
    if (source.td_type == STORE) == (target.td_type == STORE):
        return None
    if target.td_type == STORE:
        protocol = flow.props.get("protocol")
        verbs = _verbs(flow.name, protocol if isinstance(protocol, str) else "")
        return "read" if verbs & _READS and not verbs & _WRITES else "write"
    return "event" if types.get(source.id) in _DELIVERS else "read"


def _innermost_boxes(nodes: Sequence[_Element], boxes: Sequence[_Element]) -> list[_Element | None]:
    """:func:`_innermost` of every node, found in one sweep instead of trying every box for every node (10,000
    nodes and 1,000 boxes took 15 s). The sweep goes along x or y, whichever fewer boxes span (columns of boxes
    or rows of them); boxes join it at their near edge and leave it past their far edge, so a node tries only the
    boxes across its line, a few in a usual diagram.

    The test of a box is :func:`_innermost`'s own; a box with a number that is not finite (a ``NaN`` or
    ``Infinity`` the standard JSON parser takes) sends every node through :func:`_innermost`, whose comparisons
    decide such cases as they always did.
    """
    shapes = [(box.box, order, box) for order, box in enumerate(boxes) if box.box is not None]
    if not all(math.isfinite(v) for geometry, _, _ in shapes for v in geometry):
        return [_innermost(e, boxes) for e in nodes]
    centres = [(x + w / 2, y + h / 2, i) for i, (x, y, w, h) in
               ((i, e.box) for i, e in enumerate(nodes) if e.box is not None)]
    axis = min((0, 1), key=lambda a: _nodes_spanned(centres, shapes, a))
    # A centre that is NaN on the sweep's axis is inside no finite box, and would not sort.
    line = sorted((c[axis], c[2]) for c in centres if c[axis] == c[axis])
    shapes.sort(key=lambda s: s[0][axis])  # by near edge
    found: list[_Element | None] = [None] * len(nodes)
    across: dict[int, tuple[float, float, float, float, _Element]] = {}  # boxes across the sweep, by drawing order
    far: list[tuple[float, int]] = []  # (far edge, order): a heap, to drop the boxes the sweep has passed
    joined = 0
    for at, i in line:
        while joined < len(shapes) and shapes[joined][0][axis] <= at:
            (bx, by, bw, bh), order, box = shapes[joined]
            across[order] = (bx, by, bw, bh, box)
            heapq.heappush(far, ((bx, by)[axis] + (bw, bh)[axis], order))
            joined += 1
        while far and far[0][0] < at:
            across.pop(heapq.heappop(far)[1], None)
        x, y, w, h = nodes[i].box  # type: ignore[misc]
        cx, cy = x + w / 2, y + h / 2
        best: tuple[float, int, _Element] | None = None
        for order, (bx, by, bw, bh, box) in across.items():
            if bx <= cx <= bx + bw and by <= cy <= by + bh and (best is None or (bw * bh, order) < best[:2]):
                best = (bw * bh, order, box)
        found[i] = best[2] if best is not None else None
    return found


def _nodes_spanned(centres: Sequence[tuple[float, float, int]],
                   shapes: Sequence[tuple[tuple[float, float, float, float], int, _Element]], axis: int) -> int:
    """How many (node, box) pairs a sweep along ``axis`` tries: for each box, the centres between its edges."""
    line = sorted(c[axis] for c in centres if c[axis] == c[axis])
    return sum(bisect.bisect_right(line, g[axis] + g[axis + 2]) - bisect.bisect_left(line, g[axis])
               for g, _, _ in shapes)


def _innermost(e: _Element, boxes: Sequence[_Element]) -> _Element | None:
    """The smallest box holding the element's centre (the first drawn, on a tie)."""
    if e.box is None:
        return None
    x, y, w, h = e.box
    cx, cy = x + w / 2, y + h / 2
    best: tuple[float, _Element] | None = None
    for box in boxes:
        if box.box is None:
            continue  # cannot happen: a box without geometry is refused when read
        bx, by, bw, bh = box.box
        if bx <= cx <= bx + bw and by <= cy <= by + bh and (best is None or bw * bh < best[0]):
            best = (bw * bh, box)
    return best[1] if best is not None else None
