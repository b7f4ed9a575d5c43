"""The native threatdeck format: a small YAML (or JSON) description of an architecture.

::

    threatdeck: 1
    name: LeeJames HR
    boundaries:
      - {id: aws, name: AWS account}
    components:
      - id: PayslipBucket
        type: s3
        boundary: aws
        attributes: {block_public_access: false, public_read: true}
    flows:
      - {source: EmployeeApi, target: PayslipBucket, label: payslip URL, data_class: pii}

See ``docs/formats/native.md`` for every field. Attributes are checked against
:mod:`game.vocabulary` for the component's type; an attribute left out is
*unknown*, and the rules say so rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from game.architecture import Architecture, ArchitectureError, Boundary, Component, ComponentType, Flow, SourceLocation
from game.importers.documents import MAX_BOUNDARIES, MAX_COMPONENTS, MAX_FLOWS, MAX_NAME, MAX_TEXT, ModelError, shown
from game.vocabulary import DATA_CLASSES, FLOW_ATTRIBUTES, FLOW_KINDS, check_attributes

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}"
"""An id of the native format, as a regular expression without anchors."""
ID = validate.Regexp(f"^{ID_PATTERN}$", error="expected an id of letters, digits and _ . : - (at most 128)")
TEXT = validate.Length(max=MAX_TEXT)
NAME = validate.Length(min=1, max=MAX_NAME)


class BoundarySchema(Schema):
    """A trust boundary of the native format (reused by the template metadata)."""

    id = fields.String(required=True, validate=ID)
    name = fields.String(validate=NAME)
    description = fields.String(load_default="", validate=TEXT)


class ComponentSchema(Schema):
    """A component of the native format (reused by the template metadata)."""

    id = fields.String(required=True, validate=ID)
    type = fields.String(required=True, validate=validate.OneOf([t.value for t in ComponentType]))
    name = fields.String(validate=NAME)
    boundary = fields.String(load_default=None, allow_none=True, validate=ID)
    description = fields.String(load_default="", validate=TEXT)
    attributes = fields.Dict(keys=fields.String(), load_default=dict, validate=validate.Length(max=200))


class FlowSchema(Schema):
    """A data flow of the native format (reused by the template metadata)."""

    id = fields.String(validate=ID)
    source = fields.String(required=True, validate=ID)
    target = fields.String(required=True, validate=ID)
    label = fields.String(load_default="", validate=validate.Length(max=MAX_NAME))
    data_class = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DATA_CLASSES))
    is_async = fields.Boolean(load_default=None, allow_none=True, data_key="async", truthy={True}, falsy={False})
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FLOW_KINDS))
    attributes = fields.Dict(keys=fields.String(), load_default=dict, validate=validate.Length(max=50))


class _ModelSchema(Schema):
    threatdeck = fields.Integer(required=True, strict=True, validate=validate.Equal(1, error="expected 1 (the only format version)"))
    name = fields.String(required=True, validate=NAME)
    description = fields.String(load_default="", validate=TEXT)
    boundaries = fields.List(fields.Nested(BoundarySchema), load_default=list, validate=validate.Length(max=MAX_BOUNDARIES))
    components = fields.List(fields.Nested(ComponentSchema), required=True, validate=validate.Length(min=1, max=MAX_COMPONENTS))
    flows = fields.List(fields.Nested(FlowSchema), load_default=list, validate=validate.Length(max=MAX_FLOWS))


def error_path(messages: Any, prefix: str = "") -> tuple[str, str]:
    """The first error of marshmallow's nested messages, as (``components[3].type``, message)."""
    if isinstance(messages, Mapping) and messages:
        key, value = next(iter(messages.items()))
        if isinstance(key, int):
            step = f"{prefix}[{key}]"
        elif key == "_schema":
            step = prefix
        else:
            step = f"{prefix}.{key}" if prefix else str(key)
        return error_path(value, step)
    if isinstance(messages, list) and messages:
        return error_path(messages[0], prefix)
    text = str(messages)
    if text == "Unknown field.":
        text = "unknown field"
    elif text == "Missing data for required field.":
        text = "required field is missing"
    return prefix, text


def _fresh_id(base: str, used: set[str], last: dict[str, int]) -> str:
    """``base``, or ``base#2``, ``base#3``… when two flows join the same pair.

    Counting resumes where the last id of ``base`` was found (``used`` only grows, so nothing
    below it is free): thousands of flows between one pair would otherwise cost quadratic time.
    """
    n = last.get(base, 1)
    candidate = base if n == 1 else f"{base}#{n}"
    while candidate in used:
        n += 1
        candidate = f"{base}#{n}"
    last[base] = n
    used.add(candidate)
    return candidate


def from_document(data: Any, source: str, lines: Mapping[str, int] | None = None) -> Architecture:
    """Build an Architecture from a parsed native document.

    ``lines`` maps paths such as ``components[2]`` to 1-based line numbers, for
    locations; it is optional.
    """
    if not isinstance(data, Mapping):
        raise ModelError(source, "expected a mapping at the top level")
    try:
        model = _ModelSchema().load(data)
    except ValidationError as exc:
        path, message = error_path(exc.messages)
        raise ModelError(source, message, path) from None
    lines = lines or {}

    def loc(path: str) -> SourceLocation:
        return SourceLocation(file=source, line=lines.get(path), path=path)

    components: list[Component] = []
    for i, c in enumerate(model["components"]):
        ctype = ComponentType(c["type"])
        try:
            attributes = check_attributes(ctype, c["attributes"])
        except KeyError as exc:
            raise ModelError(source, f"{ctype.value} has no attribute {shown(exc.args[0])} (see docs/formats/native.md)", f"components[{i}].attributes.{exc.args[0]}") from None
        except ValueError as exc:
            name, _, message = str(exc).partition(": ")
            raise ModelError(source, message, f"components[{i}].attributes.{name}") from None
        components.append(
            Component(
                id=c["id"],
                type=ctype,
                name=c.get("name") or c["id"],
                attributes=attributes,
                boundary=c["boundary"],
                description=c["description"],
                location=loc(f"components[{i}]"),
            )
        )
    flows: list[Flow] = []
    used: set[str] = {f["id"] for f in model["flows"] if "id" in f}
    last: dict[str, int] = {}
    for i, f in enumerate(model["flows"]):
        extra: dict[str, Any] = {}
        for name, value in f["attributes"].items():
            spec = FLOW_ATTRIBUTES.get(name)
            if spec is None:
                raise ModelError(source, f"flows have no attribute {shown(name)}", f"flows[{i}].attributes.{name}")
            try:
                extra[name] = spec.check(value)
            except ValueError as exc:
                raise ModelError(source, str(exc), f"flows[{i}].attributes.{name}") from None
        flows.append(
            Flow(
                id=f.get("id") or _fresh_id(f"{f['source']}->{f['target']}", used, last),
                source=f["source"],
                target=f["target"],
                label=f["label"],
                data_class=f["data_class"],
                is_async=f["is_async"],
                kind=f["kind"],
                attributes=extra,
                location=loc(f"flows[{i}]"),
            )
        )
    boundaries = [Boundary(b["id"], b.get("name") or b["id"], b["description"]) for b in model["boundaries"]]
    try:
        return Architecture(
            name=model["name"],
            components=tuple(components),
            flows=tuple(flows),
            boundaries=tuple(boundaries),
            description=model["description"],
            source_format="native",
        )
    except ArchitectureError as exc:
        raise ModelError(source, str(exc)) from None
