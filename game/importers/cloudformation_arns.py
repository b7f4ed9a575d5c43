"""Literal ARNs, queue URLs and physical names that name a resource of the template.

A policy usually names what it protects or grants by reference (``!GetAtt
Jobs.Arn``, ``!Ref Jobs``), which :class:`~game.importers.cloudformation_template.Template`
follows. It may instead write the name out: ``arn:aws:sqs:eu-west-1:123456789012:payslips``,
``arn:aws:s3:::payslips-prod/*``, ``https://sqs.eu-west-1.amazonaws.com/123456789012/payslips``,
or ``!Sub "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alerts"``.
That names a resource of the template only when the template gives the
resource that physical name (``QueueName: payslips``): a generated name is
CloudFormation's to make at deployment, so a literal never matches it and what
hangs on the match stays unknown.

A literal region and account are read as the stack's own: a template that
names its own queue by a fixed name writes the account it deploys to. The ARN
formats and the pages that give them are
:data:`~game.importers.cloudformation_defaults.ARN_FORMATS`.

>>> from game.importers.cloudformation_template import Resource, Template
>>> from game.architecture import SourceLocation
>>> queue = Resource("Jobs", "AWS::SQS::Queue", {"QueueName": "payslips"}, {}, SourceLocation("t.yaml"))
>>> t = Template("t.yaml", {}, {}, {}, {"Jobs": queue})
>>> named(t, "arn:aws:sqs:eu-west-1:123456789012:payslips"), named(t, "arn:aws:sqs:eu-west-1:123456789012:other")
('Jobs', None)
"""

from __future__ import annotations

import re
from typing import Any, Final

from game.importers.cloudformation_defaults import ARN_FORMATS, QUEUE_URL, ArnFormat
from game.importers.cloudformation_template import Template, substitute

_STACK: Final = {"AWS::Partition": "\0partition", "AWS::Region": "\0region", "AWS::AccountId": "\0account"}
"""Markers for the pseudo parameters an ARN may be built from: they are the stack's own, whatever they are."""

_ARN: Final = re.compile(r"arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)", re.DOTALL)
_PARTITION: Final = re.compile(r"aws(-cn|-us-gov|-iso[a-z-]*)?|\*|\0partition")
_REGION: Final = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}|\*|\0region")
_ACCOUNT: Final = re.compile(r"\d{12}|\*|\0account")
_QUEUE_URL: Final = re.compile(r"https://(?:sqs\.([^./]+)\.amazonaws\.com(?:\.cn)?|([^./]+)\.queue\.amazonaws\.com)/([^/]+)/([^/]+)/?")

MAX_TEXT: Final = 2_048
"""Longest text read as an ARN or URL (real ones are at most a few hundred characters)."""


def named(t: Template, node: Any, *types: str, bare: bool = False) -> str | None:
    """The logical id of the one resource (of one of ``types``, if given) that a literal ARN or queue URL names,
    or with ``bare`` a physical name alone (where a property takes a name: a bucket policy's ``Bucket``);
    None when it names none of them, or several, or cannot be read."""
    text = _literal(t, node)
    if text is None:
        return None
    index = _index(t)
    found = [
        rid for name in _names_in(text, bare) for rid in index.get(name, ())
        if (not types or t.resources[rid].type in types) and _names(t, rid, text, bare)
    ]
    return found[0] if len(found) == 1 else None


def physical_name(t: Template, rid: str) -> str | None:
    """The physical name the template gives a resource (``QueueName: payslips``); None when CloudFormation makes it."""
    res = t.resources.get(rid)
    fmt = ARN_FORMATS.get(res.type) if res is not None else None
    if res is None or fmt is None or not isinstance(t.value(res.properties.get(fmt.name_property)), str):
        return None
    return t.text(res.properties.get(fmt.name_property)) or None


def _index(t: Template) -> dict[str, list[str]]:
    """Physical name → the resources with it; once per template, as a template may hold thousands of ARNs."""
    if t.physical_names is None:
        t.physical_names = {}
        for rid in t.resources:
            name = physical_name(t, rid)
            if name is not None:
                t.physical_names.setdefault(name, []).append(rid)
    return t.physical_names


def _names_in(text: str, bare: bool) -> set[str]:
    """The physical names an ARN, queue URL or bare name could be naming, one per format of its service."""
    arn = _ARN.fullmatch(text)
    if arn is not None:
        service, resource = arn.group(2), arn.group(5)
        found: set[str] = set()
        for fmt in ARN_FORMATS.values():
            prefix = fmt.resource.split("{name}")[0]
            if fmt.service == service and resource.startswith(prefix):
                rest = resource[len(prefix):]
                found.add(rest.split(fmt.within)[0] if fmt.within else rest)
        return found
    url = _QUEUE_URL.fullmatch(text)
    if url is not None:
        return {url.group(4)}
    return {text} if bare else set()


def _literal(t: Template, node: Any) -> str | None:
    """The text, with the stack's pseudo parameters as markers and parameters as their defaults; None when any
    other part is left to deployment (a reference is the template's to follow, not this module's)."""
    text = t.pattern(node)
    if text is None or len(text) > MAX_TEXT or "\0" in text:  # a NUL would pass for a marker below
        return None

    def variable(name: str) -> str | None:
        if name in _STACK:
            return _STACK[name]
        return t.text({"Ref": name}) if name in t.parameters else None

    return substitute(text, variable)


def _names(t: Template, rid: str, text: str, bare: bool) -> bool:
    name = physical_name(t, rid)
    res = t.resources[rid]
    if name is None:
        return False
    fmt = ARN_FORMATS[res.type]
    arn = _ARN.fullmatch(text)
    if arn is not None:
        partition, service, region, account, resource = arn.groups()
        return service == fmt.service and _PARTITION.fullmatch(partition) is not None and _located(fmt, region, account) and _covers(fmt, name, resource)
    url = _QUEUE_URL.fullmatch(text)
    if url is not None:
        region, account, queue = url.group(1) or url.group(2), url.group(3), url.group(4)
        return fmt.service == QUEUE_URL.service and _located(QUEUE_URL, region, account) and queue == name
    return bare and text == name


def _located(fmt: ArnFormat, region: str, account: str) -> bool:
    if not fmt.regional:
        return region == "" and account == ""
    return _REGION.fullmatch(region) is not None and _ACCOUNT.fullmatch(account) is not None


def _covers(fmt: ArnFormat, name: str, resource: str) -> bool:
    """The resource field is the named resource, or one of its parts (an object of the bucket, an index of the table)."""
    whole = fmt.resource.format(name=name)
    return resource == whole or (fmt.within != "" and resource.startswith(whole + fmt.within))
