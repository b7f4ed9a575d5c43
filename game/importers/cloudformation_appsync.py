"""AWS AppSync GraphQL APIs: their auth modes, logging, and the flows their resolvers make.

A GraphQL API is the same front door as an API Gateway API (callers on the
internet, an authorizer or none, access logs, WAF), so it is an ``api_gateway``
component and every API card judges it. Its backends are its data sources;
resolvers and pipeline functions say which fields reach which data source, so
a flow is labelled with those fields. Data sources, resolvers, functions and
keys are helpers folded into their API, and may come in any order: the flows
are drawn once everything is read (:func:`finish_graphql_api`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Final

from game.architecture import ComponentType
from game.importers import cloudformation_secrets as secrets
from game.importers import cloudformation_services as services
from game.importers.cloudformation_model import Draft
from game.importers.cloudformation_template import Resource

CT = ComponentType

GRAPHQL_API_TYPES: Final = ("AWS::AppSync::GraphQLApi", "AWS::Serverless::GraphQLApi")

AUTH_MODES: Final = {
    "AWS_IAM": "iam",
    "AMAZON_COGNITO_USER_POOLS": "cognito",
    "OPENID_CONNECT": "jwt",
    "AWS_LAMBDA": "lambda",
    "API_KEY": "none",
}
"""AppSync authorization types in the vocabulary's terms; an API key is none of its authorizers."""

_VERBOSE_LEVELS: Final = ("ALL", "DEBUG")
"""Field log levels that write resolvers' requests and responses, data included."""

_MAX_FIELDS_IN_LABEL: Final = 3


@dataclasses.dataclass
class DataSource:
    """A data source of an API: what it reaches."""

    targets: list[str]
    """Component ids it calls."""
    res: Resource
    """The resource defining it (the API itself for SAM's inline data sources)."""
    path: str
    """Where in that resource."""
    name: str
    """Its name, for the label when no resolver uses it."""


def _notes(api: Draft) -> dict[str, Any]:
    notes = api.facts.setdefault("graphql", {"sources": {}, "functions": {}, "resolvers": []})
    assert isinstance(notes, dict)
    return notes


def _backends(ctx: services.Context, api: Draft, node: Any) -> list[str]:
    return [d.id for d in ctx.drafts(node) if d.type not in (CT.IAM_ROLE, CT.LOG_GROUP) and d.id != api.id]


def _add_source(ctx: services.Context, api: Draft, keys: list[str], config: Any, res: Resource, path: str, name: str) -> None:
    source = DataSource(_backends(ctx, api, config), res, path, name)
    for key in keys:
        _notes(api)["sources"][key] = source


def _add_resolver(api: Draft, field: str, via: list[str]) -> None:
    _notes(api)["resolvers"].append((field, via))


def _keys(ctx: services.Context, node: Any) -> list[str]:
    """How a data source or function is named: a logical id (``!GetAtt DS.Name``) or a literal name."""
    t = ctx.template
    found = t.targets(node)
    text = t.text(node)
    return found + ([text] if text and not found else [])


# --- the API --------------------------------------------------------------------


def read_graphql_api(ctx: services.Context, res: Resource, draft: Draft) -> None:
    """Auth modes, visibility, logging, environment variables and (SAM) inline data sources and resolvers."""
    t, p = ctx.template, res.properties
    sam = res.type == "AWS::Serverless::GraphQLApi"
    draft.description = draft.description or "AppSync GraphQL API"
    if t.text(p.get("Visibility")) == "PRIVATE":
        draft.set("public", False, f"{res.where('Visibility')} is PRIVATE")
    _read_auth(ctx, res, draft, sam)
    logging = t.mapping(p.get("Logging" if sam else "LogConfig"))
    log_key = "Logging" if sam else "LogConfig"
    if logging is not None or (sam and t.flag(p.get("Logging")) is True):
        logging = logging or {}
        level = t.text(logging.get("FieldLogLevel")) or t.text(logging.get("Level"))
        draft.set("access_logging", True, f"{res.where(log_key)} sends request logs to CloudWatch")
        verbose = level in _VERBOSE_LEVELS and t.flag(logging.get("ExcludeVerboseContent")) is not True
        draft.set("data_trace", verbose, f"{res.where(log_key)} field log level is {level or 'NONE'}" + (" with verbose content" if verbose else ""))
    if p.get("EnvironmentVariables") is not None:
        found, why = secrets.scan(t, p.get("EnvironmentVariables"), res.where("EnvironmentVariables"))
        draft.set("stage_var_secrets", found, why)
    if sam:
        _read_sam_parts(ctx, res, draft)


def _read_auth(ctx: services.Context, res: Resource, draft: Draft, sam: bool) -> None:
    """Every mode an API accepts; the weakest is what a caller needs, as one open route opens an API."""
    t, p = ctx.template, res.properties
    modes: list[tuple[Mapping[str, Any], str, str]] = []
    if sam:
        auth = t.mapping(p.get("Auth")) or {}
        if auth:
            modes.append((auth, "Type", res.where("Auth", "Type")))
        for i, extra in enumerate(t.items(auth.get("Additional"))):
            modes.append((t.mapping(extra) or {}, "Type", res.where("Auth", "Additional", i)))
    else:
        if "AuthenticationType" in p:
            modes.append((p, "AuthenticationType", res.where("AuthenticationType")))
        for i, extra in enumerate(t.items(p.get("AdditionalAuthenticationProviders"))):
            modes.append((t.mapping(extra) or {}, "AuthenticationType", res.where("AdditionalAuthenticationProviders", i)))
    kinds: list[tuple[str | None, str, str]] = []
    for mode, key, where in modes:
        name = t.text(mode.get(key))
        kinds.append((AUTH_MODES.get(name or ""), name or "unresolved", where))
        pool = mode.get("UserPool" if sam else "UserPoolConfig")
        for cognito in ctx.drafts(pool, "AWS::Cognito::UserPool"):
            ctx.flow_from(draft.id, cognito.id, "validates tokens", "read", False, res, where)
        authorizer = t.mapping(mode.get("LambdaAuthorizer" if sam else "LambdaAuthorizerConfig")) or {}
        for fn in ctx.drafts(authorizer.get("FunctionArn" if sam else "AuthorizerUri"), *services.FUNCTION_TYPES):
            services.authorize(ctx, draft, fn, res, where)
    if not kinds:
        return
    open_modes = [k for k in kinds if k[0] == "none"]
    if open_modes:
        _, name, where = open_modes[0]
        draft.set("authorizer", "none", f"{where} is {name}: none of IAM, Cognito, OIDC or a Lambda authorizer checks the caller")
    elif any(kind is None for kind, _, _ in kinds):
        draft.forget("authorizer")
    else:
        kind, name, where = kinds[0]
        assert kind is not None
        draft.set("authorizer", kind, f"{where} is {name}" + ("" if len(kinds) == 1 else f"; every mode authenticates ({len(kinds)})"))


def _read_sam_parts(ctx: services.Context, res: Resource, api: Draft) -> None:
    """SAM's inline ``DataSources``, ``Functions`` and ``Resolvers`` (the mapping form, and the list form seen in the wild)."""
    t, p = ctx.template, res.properties
    sources = t.value(p.get("DataSources"))
    if isinstance(sources, Mapping):
        for kind, group in sources.items():
            for key, config in (t.mapping(group) or {}).items():
                config = t.mapping(config) or {}
                name = t.text(config.get("Name")) or str(key)
                _add_source(ctx, api, [str(key), name], {k: v for k, v in config.items() if k != "ServiceRoleArn"}, res, f"Properties.DataSources.{kind}.{key}", name)
    for i, config in enumerate(t.items(p.get("DataSources")) if isinstance(sources, list) else []):
        config = t.mapping(config) or {}
        name = t.text(config.get("Name")) or f"DataSources[{i}]"
        _add_source(ctx, api, [name], {k: v for k, v in config.items() if k != "ServiceRoleArn"}, res, f"Properties.DataSources[{i}]", name)
    for key, function in (t.mapping(p.get("Functions")) or {}).items():
        function = t.mapping(function) or {}
        source = t.text(function.get("DataSource")) or t.text(function.get("DataSourceName"))
        if source:
            _notes(api)["functions"][str(key)] = [source]
    for outer, inner in (t.mapping(p.get("Resolvers")) or {}).items():
        inner = t.mapping(inner) or {}
        # ``Query: {getPost: {...}}`` in SAM's form; ``Query.getPost: {TypeName, FieldName...}`` in the list-like form.
        fields = {f"{outer}.{k}": t.mapping(v) or {} for k, v in inner.items()} if "FieldName" not in inner else {str(outer): inner}
        for field, resolver in fields.items():
            if "FieldName" in resolver:
                field = f"{t.text(resolver.get('TypeName')) or '?'}.{t.text(resolver.get('FieldName')) or '?'}"
            pipeline = resolver.get("Pipeline", (t.mapping(resolver.get("PipelineConfig")) or {}).get("Functions"))
            via = [x for x in (t.text(f) for f in t.items(pipeline)) if x]
            direct = t.text(resolver.get("DataSource")) or t.text(resolver.get("DataSourceName"))
            _add_resolver(api, field, via + ([direct] if direct else []))


# --- the helpers ----------------------------------------------------------------

_SOURCE_CONFIGS: Final = (
    "DynamoDBConfig", "LambdaConfig", "HttpConfig", "RelationalDatabaseConfig", "EventBridgeConfig",
    "OpenSearchServiceConfig", "ElasticsearchConfig",
)


def help_data_source(ctx: services.Context, res: Resource) -> None:
    """``AWS::AppSync::DataSource``: the table, function, endpoint, database, bus or domain it reaches."""
    t, p = ctx.template, res.properties
    api = ctx.draft(p.get("ApiId"), *GRAPHQL_API_TYPES)
    if api is None:
        return
    config = {k: p.get(k) for k in _SOURCE_CONFIGS if p.get(k) is not None}
    name = t.text(p.get("Name")) or res.id
    _add_source(ctx, api, [res.id, name], config, res, "Properties", name)


def help_function_configuration(ctx: services.Context, res: Resource) -> None:
    """``AWS::AppSync::FunctionConfiguration``: a pipeline step and its data source."""
    p = res.properties
    api = ctx.draft(p.get("ApiId"), *GRAPHQL_API_TYPES)
    if api is not None:
        via = _keys(ctx, p.get("DataSourceName"))
        for key in [res.id, *(n for n in [ctx.template.text(p.get("Name"))] if n)]:
            _notes(api)["functions"][key] = via


def help_resolver(ctx: services.Context, res: Resource) -> None:
    """``AWS::AppSync::Resolver``: a field, and the data source (or pipeline of functions) behind it."""
    t, p = ctx.template, res.properties
    api = ctx.draft(p.get("ApiId"), *GRAPHQL_API_TYPES)
    if api is None:
        return
    field = f"{t.text(p.get('TypeName')) or '?'}.{t.text(p.get('FieldName')) or '?'}"
    via = _keys(ctx, p.get("DataSourceName"))
    for function in t.items((t.mapping(p.get("PipelineConfig")) or {}).get("Functions")):
        via += _keys(ctx, function)
    _add_resolver(api, field, via)


# --- once everything is read ----------------------------------------------------------


def finish_graphql_api(ctx: services.Context, api: Draft) -> None:
    """One flow per backend a data source reaches, labelled with the fields that use it."""
    notes = _notes(api)
    sources: dict[str, DataSource] = notes["sources"]
    functions: dict[str, list[str]] = notes["functions"]
    fields_of: dict[int, list[str]] = {}
    for field, via in notes["resolvers"]:
        reached = [s for key in via for s in ([key] if key in sources else functions.get(key, []))]
        for key in reached:
            if key in sources:
                fields_of.setdefault(id(sources[key]), []).append(field)
    seen: set[int] = set()
    for source in sources.values():
        if id(source) in seen:
            continue
        seen.add(id(source))
        fields = list(dict.fromkeys(fields_of.get(id(source), [])))
        label = ", ".join(fields[:_MAX_FIELDS_IN_LABEL]) + (f" and {len(fields) - _MAX_FIELDS_IN_LABEL} more" if len(fields) > _MAX_FIELDS_IN_LABEL else "")
        queries_only = bool(fields) and all(f.startswith("Query.") for f in fields)
        for target_id in source.targets:
            target = ctx.builder.get(target_id)
            if target is None:
                continue
            ctx.flow_from(api.id, target.id, label or source.name, _kind(target.type, queries_only), False, source.res, source.path)
    for group in ctx.builder.drafts.values():
        # AppSync writes to the log group /aws/appsync/apis/<api id>: a template that creates it names the API in it.
        res = ctx.template.resources.get(group.id)
        if group.type is CT.LOG_GROUP and res is not None:
            name = res.properties.get("LogGroupName")
            if "/aws/appsync/" in (ctx.template.pattern(name) or "") and api.id in ctx.template.targets(name):
                ctx.flow_from(api.id, group.id, "API logs", "log", True, res, "Properties.LogGroupName")


def _kind(target: ComponentType, queries_only: bool) -> str:
    if target in (CT.LAMBDA, CT.STEP_FUNCTIONS):
        return "invoke"
    if target in (CT.SQS, CT.SNS, CT.EVENTBRIDGE):
        return "write"
    return "read" if queries_only else "write"


READERS: Final = {t: read_graphql_api for t in GRAPHQL_API_TYPES}
HELPERS: Final = {
    "AWS::AppSync::DataSource": help_data_source,
    "AWS::AppSync::Resolver": help_resolver,
    "AWS::AppSync::FunctionConfiguration": help_function_configuration,
    "AWS::AppSync::ApiKey": None,
    "AWS::AppSync::GraphQLSchema": None,
    "AWS::AppSync::ApiCache": None,
    "AWS::AppSync::DomainNameApiAssociation": None,
    "AWS::AppSync::SourceApiAssociation": None,
}
"""AppSync resources folded into their API (None: nothing the vocabulary holds)."""
