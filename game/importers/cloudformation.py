"""AWS CloudFormation and SAM templates → :class:`~game.architecture.Architecture`.

The template is interpreted directly (the SAM transform is not run): every
resource becomes a component named by its logical id, helper resources
(policies, permissions, stages, event source mappings...) are folded into the
component they configure, and SAM's implicit resources get SAM's logical ids.
Settings a template leaves out take AWS's current defaults
(:data:`game.importers.cloudformation_defaults.DEFAULTS`), and each attribute
records where its value came from. ``Metadata: threatdeck:`` adds what a
template cannot say. See ``docs/formats/cloudformation.md``.

>>> arch = parse_template('''
... Resources:
...   Payslips:
...     Type: AWS::S3::Bucket
... ''', "demo.yaml")
>>> bucket = arch.component("Payslips")
>>> bucket.attr("block_public_access"), bucket.provenance["block_public_access"]
(True, 'AWS default: new buckets block all public access since April 2023')

Module map: ``cloudformation_template`` (decoded template, intrinsic
functions), ``cloudformation_defaults`` (AWS defaults and transit facts),
``cloudformation_model`` (drafts), ``cloudformation_services`` (one reader per
resource type), ``cloudformation_appsync`` and ``cloudformation_cloudfront``
(those services' readers), ``cloudformation_sam`` (Globals, implicit resources,
events), ``cloudformation_iam`` (policy analysis), ``cloudformation_arns``
(literal ARNs and names of the template's resources), ``cloudformation_secrets``
(secret detection), ``cloudformation_metadata`` (the threatdeck extension) and
``cloudformation_transit`` (encryption in transit on flows).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import yaml
from cfnlint.decode import cfn_json, cfn_yaml

from game.architecture import Architecture, ArchitectureError, Boundary, ComponentType, SourceLocation
from game.importers import cloudformation_appsync as appsync
from game.importers import cloudformation_cloudfront as cloudfront
from game.importers import cloudformation_metadata as metadata
from game.importers import cloudformation_sam as sam
from game.importers import cloudformation_services as services
from game.importers import cloudformation_transit as transit
from game.importers import duplicate_keys
from game.importers.cloudformation_defaults import apply_defaults
from game.importers.cloudformation_model import Builder, Draft, FlowDraft
from game.importers.cloudformation_template import UNKNOWN, Parameter, Resource, Template, position
from game.importers.documents import ModelError, as_text, check_nodes, check_strings, check_yaml, load_json
from game.vocabulary import AttrKind, spec_for

__all__ = ["SAM_TRANSFORM", "parse_template"]

SAM_TRANSFORM: Final = "AWS::Serverless-2016-10-31"
MAX_RESOURCES: Final = 10_000
"""Most resources read (CloudFormation itself stops at 500)."""
_LOGICAL_ID = re.compile(r"^[A-Za-z0-9]{1,255}$")
CT = ComponentType
READERS: Final = {**services.READERS, **appsync.READERS, **cloudfront.READERS}
HELPERS: Final = {**services.HELPERS, **appsync.HELPERS}


def parse_template(text: str, source: str) -> Architecture:
    """Import a CloudFormation or SAM template (YAML or JSON).

    Raises :class:`ModelError` naming the file, the path and what was expected
    for anything that is not a readable template.
    """
    text = as_text(text, source)
    document = _decode(text, source)
    template, globals_doc, transforms = _read_template(document, source)
    ctx = services.Context(template, Builder())
    current = "Resources"
    try:
        _create_components(ctx)
        implicit = sam.prepare(ctx, globals_doc)
        for res in [*template.resources.values(), *implicit]:
            reader = READERS.get(res.type)
            draft = ctx.builder.get(res.id)
            if reader is not None and draft is not None:
                current = f"Resources.{res.id}"
                reader(ctx, res, draft)
        sam.assign_generated_roles(ctx)
        # Permissions last: a permission only adds a flow no integration or notification has drawn.
        helpers = sorted(template.resources.values(), key=lambda r: r.type == "AWS::Lambda::Permission")
        for res in helpers:
            helper = HELPERS.get(res.type)
            if helper is not None:
                current = f"Resources.{res.id}"
                helper(ctx, res)
        current = "Resources (SAM events)"
        sam.read_events(ctx)
        for draft in list(ctx.builder.drafts.values()):
            graphql = draft.resource_type in appsync.GRAPHQL_API_TYPES
            finisher = appsync.finish_graphql_api if graphql else services.FINISHERS.get(draft.type)
            if finisher is not None:
                current = f"Resources.{draft.id}"
                finisher(ctx, draft)
        for draft in list(ctx.builder.drafts.values()):
            if draft.type is CT.IAM_ROLE and draft.resource_type != "external":
                current = f"Resources.{draft.id}"
                services.finish_role(ctx, draft)
    except ModelError:
        raise
    except RecursionError:
        raise ModelError(source, "nested too deeply", current) from None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        # Templates are untrusted input; a shape no reader expected must not become a traceback.
        raise ModelError(source, f"cannot interpret this part of the template ({type(exc).__name__}: {exc})", current) from None
    name, description, boundaries = _apply_metadata(ctx, document, source)
    try:
        # Last: the flows the metadata draws (a user to an API) are judged too, and what it states is kept.
        transit.decide(ctx)
    except RecursionError:
        raise ModelError(source, "nested too deeply", "Resources (encryption in transit)") from None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise ModelError(source, f"cannot interpret this part of the template ({type(exc).__name__}: {exc})", "Resources (encryption in transit)") from None
    if not name:
        name = _default_name(template, document, source)
    source_format = "sam" if SAM_TRANSFORM in transforms else "cloudformation"
    try:
        return ctx.builder.build(name, description, boundaries, source_format)
    except ArchitectureError as exc:
        raise ModelError(source, str(exc)) from None


# --- decoding -------------------------------------------------------------------


def _decode(text: str, source: str) -> Any:
    """Parse YAML (with CloudFormation's short tags) or JSON, keeping line numbers."""
    try:
        if text.lstrip()[:1] in ("{", "["):
            # cfn-lint's decoder keeps a line for every node, some 700 bytes of memory for each "{}," (a 10 MB
            # template took 2.4 GB): count the nodes with the plain parser first, as YAML's are (which also
            # checks the strings, the same in both)
            check_nodes(load_json(text, source), source)
            return cfn_json.loads(text)
        check_yaml(text, source)
        return check_strings(cfn_yaml.loads(text, source), source)
    except ModelError:
        raise
    except RecursionError:
        raise ModelError(source, "nested too deeply") from None
    except cfn_yaml.CfnParseError as exc:
        _refuse_duplicate(exc, duplicate_keys.yaml_duplicate, text, source)
        raise ModelError(source, _parse_problem(exc)) from None
    except cfn_json.JSONDecodeError as exc:
        _refuse_duplicate(exc, duplicate_keys.json_duplicate, text, source)
        raise ModelError(source, f"not valid JSON: {_parse_problem(exc)}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ModelError(source, f"not valid YAML: {exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise ModelError(source, f"not valid YAML: {str(exc).splitlines()[0]}") from None
    except ValueError as exc:
        raise ModelError(source, f"not valid JSON: {str(exc).splitlines()[0]}") from None


def _refuse_duplicate(exc: Exception, find: Callable[[str], duplicate_keys.DuplicateKey | None], text: str, source: str) -> None:
    """Raise the duplicate key cfn-lint refused ``text`` for, by its path and both lines, if that is why."""
    matches = getattr(exc, "matches", None) or []
    if not any(str(getattr(m, "message", "")).startswith("Duplicate found") for m in matches):
        return
    found = find(text)
    if found is not None:  # else cfn-lint's own words, which at least name a line
        raise ModelError(source, found.describe(), found.path) from None


def _parse_problem(exc: Exception) -> str:
    matches = getattr(exc, "matches", None) or []
    if not matches:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    match = matches[0]
    message = str(getattr(match, "message", match)).splitlines()[0]
    message = message.replace("Template could not be parsed: ", "")
    if "could not determine a constructor for the tag" in message:
        tag = re.search(r"tag '([^']*)'", message)
        name = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else ""
        message = f"unsupported YAML tag {name}".rstrip()
    line = getattr(match, "linenumber", None)
    if isinstance(line, int) and line > 1 and f"line {line}" not in message:
        message += f" at line {line}"
    return message if message.startswith(("not valid", "unsupported", "Duplicate", "Null")) else f"not valid YAML: {message}"


# --- the template's sections -------------------------------------------------------


def _mapping(value: Any, source: str, path: str, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ModelError(source, f"expected {what}", path)
    return value


def _read_template(document: Any, source: str) -> tuple[Template, Mapping[str, Any], list[str]]:
    if not isinstance(document, Mapping):
        raise ModelError(source, "expected a mapping at the top level (a CloudFormation template)")
    if "Resources" not in document:
        raise ModelError(source, "required: a template needs a Resources section", "Resources")
    raw_resources = _mapping(document.get("Resources"), source, "Resources", "a mapping of logical ids to resources")
    if not raw_resources:
        raise ModelError(source, "expected at least one resource", "Resources")
    if len(raw_resources) > MAX_RESOURCES:
        raise ModelError(source, f"has {len(raw_resources):,} resources; the limit is {MAX_RESOURCES:,}", "Resources")
    transform = document.get("Transform")
    transforms = [t for t in (transform if isinstance(transform, list) else [transform]) if isinstance(t, str)]
    globals_doc = _mapping(document.get("Globals"), source, "Globals", "a mapping of Globals sections")
    for section, value in globals_doc.items():
        _mapping(value, source, f"Globals.{section}", "a mapping of properties")

    parameters: dict[str, Parameter] = {}
    for name, spec in _mapping(document.get("Parameters"), source, "Parameters", "a mapping of parameters").items():
        spec = _mapping(spec, source, f"Parameters.{name}", "a parameter (a mapping with a Type)")
        no_echo = spec.get("NoEcho")
        parameters[str(name)] = Parameter(
            name=str(name),
            type=str(spec.get("Type", "String")),
            default=spec["Default"] if "Default" in spec else UNKNOWN,
            no_echo=no_echo is True or str(no_echo).lower() == "true",
        )
    conditions = _mapping(document.get("Conditions"), source, "Conditions", "a mapping of conditions")
    mappings = _mapping(document.get("Mappings"), source, "Mappings", "a mapping of mappings")

    resources: dict[str, Resource] = {}
    keys = {k: k for k in raw_resources}  # the decoded keys carry the line they were written on
    for rid, node in raw_resources.items():
        path = f"Resources.{rid}"
        if isinstance(rid, str) and rid.startswith("Fn::ForEach"):
            raise ModelError(source, "Fn::ForEach (the AWS::LanguageExtensions transform) is not supported; expand the loop first", path)
        if not isinstance(rid, str) or not _LOGICAL_ID.match(rid):
            raise ModelError(source, "expected a logical id of letters and digits", path)
        node = _mapping(node, source, path, "a resource (a mapping with a Type)")
        rtype = node.get("Type")
        if not isinstance(rtype, str) or not rtype:
            raise ModelError(source, "expected a resource type such as AWS::S3::Bucket", f"{path}.Type")
        props = _mapping(node.get("Properties"), source, f"{path}.Properties", "a mapping of properties")
        line, column = position(keys[rid])
        location = SourceLocation(file=source, line=line, column=column, path=path)
        section = next((s for s, t in sam.GLOBALS_SECTIONS.items() if t == rtype), "")
        inherited = sam.globals_for(globals_doc.get(section) if section else None, node)
        merged = sam.merge(inherited, dict(props)) if inherited else props
        resources[rid] = Resource(rid, rtype, merged, node, location, inherited, section if inherited else "")
    template = Template(source, parameters, conditions, mappings, resources)
    return template, globals_doc, transforms


def _create_components(ctx: services.Context) -> None:
    """One draft per component resource, from AWS's defaults; helpers get none."""
    t = ctx.template
    for res in t.resources.values():
        if res.type in HELPERS:
            continue
        ctype = services.COMPONENT_TYPES.get(res.type, CT.GENERIC)
        name = res.id
        for prop in services.NAME_PROPERTIES:
            literal = t.text(res.properties.get(prop))
            if literal and isinstance(t.value(res.properties.get(prop)), str):
                name = literal[:200]
                ctx.by_name.setdefault(literal, res.id)
                break
        draft = Draft(res.id, ctype, name, res.type, res.location)
        if ctype is CT.GENERIC:
            draft.set("resource_type", res.type[:256], "Type")
        else:
            apply_defaults(draft)
        ctx.builder.add(draft)


def _default_name(template: Template, document: Mapping[str, Any], source: str) -> str:
    description = document.get("Description")
    if isinstance(description, str) and description.strip():
        return description.strip().splitlines()[0][:200]
    stem = re.split(r"[\\/]", source)[-1]
    return re.sub(r"\.(sam\.)?(ya?ml|json|template)$", "", stem)[:200] or "CloudFormation template"


# --- the threatdeck metadata extension ----------------------------------------------


def _location(source: str, node: Any, path: str) -> SourceLocation:
    line, column = position(node)
    return SourceLocation(file=source, line=line, column=column, path=path)


def _apply_metadata(ctx: services.Context, document: Mapping[str, Any], source: str) -> tuple[str, str, list[Boundary]]:
    """Apply resource-level and template-level ``threatdeck`` metadata; return (name, description, boundaries)."""
    builder = ctx.builder
    for res in ctx.template.resources.values():
        block = res.metadata.get(metadata.KEY) if isinstance(res.metadata, Mapping) else None
        if block is None:
            continue
        path = f"Resources.{res.id}.Metadata.{metadata.KEY}"
        draft = builder.get(res.id)
        if draft is None:
            raise ModelError(source, f"{res.type} is folded into the component it configures; put the metadata on that resource", path)
        loaded = metadata.load(metadata.ResourceMetadata(), block, source, path)
        _merge_attributes(draft, loaded["attributes"], source, f"{path}.attributes", f"Metadata.{metadata.KEY}.attributes")
        draft.name = loaded.get("name", draft.name)
        draft.description = loaded.get("description", draft.description)
        if loaded["boundary"] is not None:
            draft.boundary = loaded["boundary"]

    top = document.get("Metadata")
    block = top.get(metadata.KEY) if isinstance(top, Mapping) else None
    root = f"Metadata.{metadata.KEY}"
    loaded = metadata.load(metadata.TemplateMetadata(), block, source, root) if block is not None else {}
    raw: Mapping[str, Any] = block if isinstance(block, Mapping) else {}

    for i, actor in enumerate(loaded.get("actors", [])):
        path = f"{root}.actors[{i}]"
        if actor["id"] in builder.drafts:
            raise ModelError(source, f"id {actor['id']!r} is already used by another component", f"{path}.id")
        draft = Draft(actor["id"], CT.ACTOR, actor.get("name", actor["id"]), "", _location(source, _item(raw, "actors", i), path), description=actor["description"], boundary=actor["boundary"])
        draft.set("kind", actor["kind"], f"{path}.kind")
        builder.add(draft)
    for i, spec in enumerate(loaded.get("components", [])):
        path = f"{root}.components[{i}]"
        existing = builder.get(spec["id"])
        if existing is None:
            if "type" not in spec:
                raise ModelError(source, "required field is missing (a new component needs a type)", f"{path}.type")
            existing = builder.add(Draft(spec["id"], ComponentType(spec["type"]), spec.get("name", spec["id"]), "", _location(source, _item(raw, "components", i), path)))
        elif "type" in spec and spec["type"] != existing.type.value:
            raise ModelError(source, f"{spec['id']} is a {existing.type.value}, not a {spec['type']}", f"{path}.type")
        existing.name = spec.get("name", existing.name)
        existing.description = spec["description"] or existing.description
        existing.boundary = spec["boundary"] or existing.boundary
        _merge_attributes(existing, spec["attributes"], source, f"{path}.attributes", f"{path}.attributes")
    for i, spec in enumerate(loaded.get("flows", [])):
        _add_flow(ctx, spec, source, f"{root}.flows[{i}]", _item(raw, "flows", i))

    boundaries: list[Boundary] = []
    for i, spec in enumerate(loaded.get("boundaries", [])):
        path = f"{root}.boundaries[{i}]"
        boundaries.append(Boundary(spec["id"], spec.get("name", spec["id"]), spec["description"]))
        for j, member in enumerate(spec["members"]):
            draft = builder.get(member)
            if draft is None:
                raise ModelError(source, f"no component has id {member!r}", f"{path}.members[{j}]")
            if draft.boundary not in (None, spec["id"]):
                raise ModelError(source, f"{member} is already in boundary {draft.boundary!r}", f"{path}.members[{j}]")
            draft.boundary = spec["id"]
    known = {b.id for b in boundaries}
    fallback = loaded.get("default_boundary")
    if fallback is not None and fallback not in known:
        raise ModelError(source, f"no boundary has id {fallback!r} (declare it under {root}.boundaries)", f"{root}.default_boundary")
    for draft in builder.drafts.values():
        if draft.boundary is None and fallback is not None and draft.type is not CT.ACTOR:
            draft.boundary = fallback
        if draft.boundary is not None and draft.boundary not in known:
            raise ModelError(source, f"no boundary has id {draft.boundary!r} (declare it under {root}.boundaries)", _path_of(draft, "boundary"))
        _check_references(ctx, draft, source)
    return loaded.get("name", ""), loaded.get("description", ""), boundaries


def _item(raw: Mapping[str, Any], key: str, index: int) -> Any:
    items = raw.get(key)
    return items[index] if isinstance(items, list) and index < len(items) else None


def _path_of(draft: Draft, field: str) -> str:
    base = draft.location.path if draft.location is not None else draft.id
    return f"{base}.Metadata.{metadata.KEY}.{field}" if base.startswith("Resources.") else f"{base}.{field}"


def _merge_attributes(draft: Draft, attributes: Mapping[str, Any], source: str, path: str, provenance: str) -> None:
    checked = metadata.check_attributes(draft.type, attributes, source, path)
    for name, value in checked.items():
        draft.attributes[name] = value
        draft.provenance[name] = f"{provenance}.{name}"


def _check_references(ctx: services.Context, draft: Draft, source: str) -> None:
    """An attribute that names a component (``role``) must name one of the right type."""
    for name, value in draft.attributes.items():
        spec = spec_for(draft.type, name)
        if spec is None or spec.kind is not AttrKind.REF:
            continue
        other = ctx.builder.get(str(value))
        if other is None or (spec.ref and other.type not in spec.ref):
            wanted = " or ".join(t.value for t in spec.ref) or "component"
            where = draft.provenance.get(name, f"{draft.id}.{name}")
            raise ModelError(source, f"{name} must name a {wanted} of this model, not {value!r}", where)


def _add_flow(ctx: services.Context, spec: Mapping[str, Any], source: str, path: str, node: Any) -> None:
    builder = ctx.builder
    for end in ("source", "target"):
        if spec[end] not in builder.drafts:
            raise ModelError(source, f"no component has id {spec[end]!r}", f"{path}.{end}")
    attributes = metadata.check_flow_attributes(spec["attributes"], source, f"{path}.attributes")
    existing = None
    if "id" not in spec:
        existing = next((f for f in builder.flows if f.source == spec["source"] and f.target == spec["target"]), None)
    if existing is None:
        existing = FlowDraft(spec["source"], spec["target"], location=_location(source, node, path), id=spec.get("id"))
        builder.flows.append(existing)
    # A flow the template already implies is annotated rather than drawn twice.
    existing.label = spec["label"] or existing.label
    existing.data_class = spec["data_class"] or existing.data_class
    existing.kind = spec["kind"] or existing.kind
    existing.is_async = spec["is_async"] if spec["is_async"] is not None else existing.is_async
    existing.attributes.update(attributes)
    existing.provenance.update({name: f"{path}.attributes.{name}" for name in attributes})
    if existing.location is None or "id" in spec:
        existing.location = dataclasses.replace(_location(source, node, path))
