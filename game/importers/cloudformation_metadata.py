"""The ``Metadata: threatdeck:`` extension: facts a template cannot express.

At template level (``Metadata.threatdeck``): the system's ``name`` and
``description``, ``actors``, extra ``components`` (a code repository, an
external identity provider...), ``flows`` and trust ``boundaries``. At
resource level (``Resources.X.Metadata.threatdeck``): ``attributes`` merged
over what the importer derived, plus ``name``, ``description`` and
``boundary``. Everything is validated here with marshmallow, and attribute
names and values against :mod:`game.vocabulary`; see
``docs/formats/cloudformation.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from marshmallow import Schema, ValidationError, fields, validate

from game.architecture import AttrValue, ComponentType
from game.importers.documents import ModelError
from game.importers.native import ID, NAME, TEXT, BoundarySchema, ComponentSchema, FlowSchema
from game.vocabulary import FLOW_ATTRIBUTES, attributes_of

KEY: Final = "threatdeck"
MAX_ITEMS: Final = 10_000
ACTOR_KINDS: Final = ("end_user", "staff", "partner", "anonymous", "service")


class _ActorSchema(Schema):
    id = fields.String(required=True, validate=ID)
    name = fields.String(validate=NAME)
    kind = fields.String(required=True, validate=validate.OneOf(ACTOR_KINDS))
    description = fields.String(load_default="", validate=TEXT)
    boundary = fields.String(load_default=None, allow_none=True, validate=ID)


class _ComponentSchema(ComponentSchema):
    # A resource-level entry may leave the type to the template.
    type = fields.String(validate=validate.OneOf([t.value for t in ComponentType]))


class _BoundarySchema(BoundarySchema):
    members = fields.List(fields.String(validate=ID), load_default=list, validate=validate.Length(max=MAX_ITEMS))


class TemplateMetadata(Schema):
    """``Metadata.threatdeck`` of a template."""

    name = fields.String(validate=NAME)
    description = fields.String(load_default="", validate=TEXT)
    default_boundary = fields.String(load_default=None, allow_none=True, validate=ID)
    actors = fields.List(fields.Nested(_ActorSchema), load_default=list, validate=validate.Length(max=MAX_ITEMS))
    components = fields.List(fields.Nested(_ComponentSchema), load_default=list, validate=validate.Length(max=MAX_ITEMS))
    flows = fields.List(fields.Nested(FlowSchema), load_default=list, validate=validate.Length(max=MAX_ITEMS))
    boundaries = fields.List(fields.Nested(_BoundarySchema), load_default=list, validate=validate.Length(max=1_000))


class ResourceMetadata(Schema):
    """``Resources.X.Metadata.threatdeck`` of one resource."""

    name = fields.String(validate=NAME)
    description = fields.String(validate=TEXT)
    boundary = fields.String(load_default=None, allow_none=True, validate=ID)
    attributes = fields.Dict(keys=fields.String(), load_default=dict, validate=validate.Length(max=200))


def _first_error(messages: Any, prefix: str) -> tuple[str, str]:
    """The first of marshmallow's nested messages as (path, message)."""
    if isinstance(messages, Mapping) and messages:
        key, value = next(iter(messages.items()))
        if isinstance(key, int):
            step = f"{prefix}[{key}]"
        elif key == "_schema":
            step = prefix
        else:
            step = f"{prefix}.{key}"
        return _first_error(value, step)
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], prefix)
    text = {"Unknown field.": "unknown field", "Missing data for required field.": "required field is missing"}.get(str(messages), str(messages))
    return prefix, text


def load(schema: Schema, data: object, source: str, path: str) -> dict[str, Any]:
    """Validate one metadata block; raise :class:`ModelError` naming the field's path."""
    if not isinstance(data, Mapping):
        raise ModelError(source, "expected a mapping", path)
    try:
        loaded: dict[str, Any] = schema.load(dict(data))
    except ValidationError as exc:
        where, message = _first_error(exc.messages, path)
        raise ModelError(source, message, where) from None
    return loaded


def check_attributes(component_type: ComponentType, attributes: Mapping[str, Any], source: str, path: str) -> dict[str, AttrValue]:
    """Check attributes against the vocabulary of the type; the error names ``<path>.<name>``."""
    known = attributes_of(component_type)
    out: dict[str, AttrValue] = {}
    for name, value in attributes.items():
        spec = known.get(name)
        if spec is None:
            raise ModelError(source, f"{component_type.value} has no attribute {name!r} (see game/vocabulary.py)", f"{path}.{name}")
        try:
            out[name] = spec.check(value)
        except ValueError as exc:
            raise ModelError(source, str(exc), f"{path}.{name}") from None
    return out


def check_flow_attributes(attributes: Mapping[str, Any], source: str, path: str) -> dict[str, AttrValue]:
    """Check a flow's attributes against the vocabulary."""
    out: dict[str, AttrValue] = {}
    for name, value in attributes.items():
        spec = FLOW_ATTRIBUTES.get(name)
        if spec is None:
            raise ModelError(source, f"flows have no attribute {name!r}", f"{path}.{name}")
        try:
            out[name] = spec.check(value)
        except ValueError as exc:
            raise ModelError(source, str(exc), f"{path}.{name}") from None
    return out
