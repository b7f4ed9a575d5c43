"""A decoded CloudFormation template and the static meaning of its intrinsic functions.

The importer never deploys anything, so it can only know what the template
text says. This module answers two questions about any property value:

* :meth:`Template.value`: what literal it stands for, if that can be known
  without deploying (parameter defaults and pseudo-parameter-free ``!Sub``,
  ``!Join``, ``!FindInMap``, ``!Select`` and decidable ``!If``), else
  :data:`UNKNOWN`;
* :meth:`Template.target` / :meth:`Template.refs`: which resources of the
  template it names (``!Ref X``, ``!GetAtt X.Arn``, ``!Sub "${X.Arn}"``).

Conditions are evaluated with the parameters' defaults. An ``!If`` whose
condition cannot be decided (a parameter with no default, an imported value)
counts as both branches: when they agree the answer is that value, otherwise it
is unknown. References take every branch.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from game.architecture import SourceLocation

PSEUDO_PARAMETERS: Final = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
MAX_DEPTH = 40
"""Deepest chain of nested intrinsics or conditions followed before giving up."""

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def substitute(text: str, variable: Callable[[str], str | None], pattern: re.Pattern[str] = _SUB_VARIABLE) -> str | None:
    """``text`` with each ``${name}`` (as ``pattern`` finds them) replaced by ``variable(name)``, the name stripped;
    None when ``variable`` has no value for one of them."""
    failed = False

    def fill(match: re.Match[str]) -> str:
        nonlocal failed
        value = variable(match.group(1).strip())
        if value is None:
            failed = True
            return ""
        return value

    filled = pattern.sub(fill, text)
    return None if failed else filled


class _Unknown:
    """The type of :data:`UNKNOWN`."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


class _Absent:
    """The type of :data:`ABSENT`."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Final = _Unknown()
"""A value that depends on the deployment (a resource attribute, an import, an undecidable condition)."""
ABSENT: Final = _Absent()
"""``!Ref AWS::NoValue``: the property is left out."""


def is_intrinsic(value: object) -> bool:
    """Whether ``value`` is a one-key mapping holding ``Ref``, ``Condition`` or an ``Fn::`` function."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    (key,) = value.keys()
    return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))


def position(node: object) -> tuple[int | None, int | None]:
    """1-based (line, column) of a decoded node, when the decoder recorded one."""
    mark = getattr(node, "start_mark", None)
    if mark is None:
        return None, None
    line = getattr(mark, "line", None)
    column = getattr(mark, "column", None)
    if not isinstance(line, int) or not isinstance(column, int):
        return None, None
    # PyYAML marks count lines and columns from 0; cfn-lint's JSON marks count
    # lines from 0 and columns from 1 (and have no ``name`` attribute).
    return line + 1, column + (1 if hasattr(mark, "name") else 0)


@dataclasses.dataclass(frozen=True)
class Parameter:
    """A template parameter."""

    name: str
    """Logical id."""
    type: str
    """Declared type, e.g. ``String`` or ``AWS::SSM::Parameter::Value<String>``."""
    default: Any
    """The ``Default``, or :data:`UNKNOWN` when there is none."""
    no_echo: bool
    """Whether ``NoEcho`` hides it."""


@dataclasses.dataclass(frozen=True)
class Resource:
    """One entry of ``Resources``."""

    id: str
    """Logical id."""
    type: str
    """``Type``, e.g. ``AWS::S3::Bucket``."""
    properties: Mapping[str, Any]
    """``Properties`` (SAM ``Globals`` already merged in)."""
    node: Mapping[str, Any]
    """The whole resource entry as decoded."""
    location: SourceLocation
    """Where the logical id is written."""
    inherited: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """The SAM ``Globals`` section merged into it (empty for other resources)."""
    globals_section: str = ""
    """Name of that ``Globals`` section, e.g. ``Function``."""

    @property
    def metadata(self) -> object:
        """The ``Metadata`` attribute, if any."""
        return self.node.get("Metadata")

    def where(self, *keys: str | int) -> str:
        """The provenance path of a property: ``Properties.X.Y`` or ``Globals.Function.X.Y``.

        A value comes from ``Globals`` only when the resource itself does not set it.
        """
        local: object = self.node.get("Properties")
        for key in keys:
            local = _step(local, key)
        if local is None and self.globals_section:
            inherited: object = self.inherited
            for key in keys:
                inherited = _step(inherited, key)
            if inherited is not None:
                return _join_path(f"Globals.{self.globals_section}", keys)
        return _join_path("Properties", keys)


def _step(node: object, key: str | int) -> object:
    if isinstance(key, int):
        return node[key] if isinstance(node, list) and 0 <= key < len(node) else None
    return node.get(key) if isinstance(node, Mapping) else None


def _join_path(prefix: str, keys: Sequence[str | int]) -> str:
    out = prefix
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else f".{key}"
    return out


class Template:
    """A decoded template: parameters, conditions, mappings and resources, with value resolution."""

    def __init__(
        self,
        source: str,
        parameters: Mapping[str, Parameter],
        conditions: Mapping[str, Any],
        mappings: Mapping[str, Any],
        resources: Mapping[str, Resource],
    ) -> None:
        self.source = source
        self.parameters = parameters
        self.conditions = conditions
        self.mappings = mappings
        self.resources = resources
        self.generated: dict[str, str] = {}
        """Resources SAM will generate (``ServerlessRestApi``, ``<Function>Role``...) → their type."""
        self._condition_memo: dict[str, bool | None] = {}
        self.physical_names: dict[str, list[str]] | None = None
        """Literal physical names (``QueueName: payslips``) → logical ids, built once by
        :mod:`~game.importers.cloudformation_arns` when a literal ARN is first looked up."""

    def type_of(self, resource_id: str) -> str | None:
        """The type of a resource of the template or one SAM generates; None for anything else."""
        resource = self.resources.get(resource_id)
        return resource.type if resource is not None else self.generated.get(resource_id)

    # --- literal values -------------------------------------------------------

    def value(self, node: Any, depth: int = 0) -> Any:
        """The literal a property value stands for, :data:`UNKNOWN`, or :data:`ABSENT`.

        Plain mappings and lists are returned as they are (their members are
        resolved when read); strings, numbers and booleans are returned as is.
        """
        if depth > MAX_DEPTH:
            return UNKNOWN
        if not is_intrinsic(node):
            return node
        ((fn, arg),) = node.items()
        if fn == "Ref":
            return self._ref_value(arg, depth)
        if fn == "Fn::If":
            return self._if_value(arg, depth)
        if fn == "Fn::Sub":
            return self._sub_value(arg, depth)
        if fn == "Fn::Join":
            return self._join_value(arg, depth)
        if fn == "Fn::Select":
            return self._select_value(arg, depth)
        if fn == "Fn::FindInMap":
            return self._map_value(arg, depth)
        return UNKNOWN

    def text(self, node: Any) -> str | None:
        """The value as a string, when it is a known scalar."""
        v = self.value(node)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (str, int, float)):
            return str(v)
        return None

    def flag(self, node: Any) -> bool | None:
        """The value as a boolean (CloudFormation also accepts ``"true"``/``"false"`` strings)."""
        v = self.value(node)
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lower() in ("true", "false"):
            return v.strip().lower() == "true"
        return None

    def number(self, node: Any) -> int | None:
        """The value as a whole number (CloudFormation also accepts numeric strings)."""
        v = self.value(node)
        if isinstance(v, bool):
            return None
        if isinstance(v, int):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", v):
            return int(v)
        return None

    def mapping(self, node: Any) -> Mapping[str, Any] | None:
        """The value as a mapping (after resolving an ``!If`` around it)."""
        v = self.value(node)
        return v if isinstance(v, Mapping) and not is_intrinsic(v) else None

    def items(self, node: Any) -> list[Any]:
        """The value as a list; a single value counts as a list of one (as IAM and SAM allow)."""
        v = self.value(node)
        if v is UNKNOWN or v is ABSENT or v is None:
            return []
        if isinstance(v, list):
            return [x for x in v if self.value(x) is not ABSENT]
        return [v]

    def pattern(self, node: Any) -> str | None:
        """A string with every unresolvable part kept as ``${...}``: for matching ARN shapes."""
        v = self.value(node)
        if isinstance(v, str):
            return v
        if is_intrinsic(node):
            ((fn, arg),) = node.items()
            if fn == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                return text if isinstance(text, str) else None
            if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                parts = [self.pattern(p) for p in arg[1]]
                delimiter = arg[0] if isinstance(arg[0], str) else ""
                return delimiter.join(p if p is not None else "${?}" for p in parts)
            if fn in ("Ref", "Fn::GetAtt"):
                return "${" + (arg if isinstance(arg, str) else ".".join(str(a) for a in arg)) + "}"
        return None

    def _ref_value(self, name: object, depth: int) -> Any:
        if not isinstance(name, str):
            return UNKNOWN
        if name == "AWS::NoValue":
            return ABSENT
        parameter = self.parameters.get(name)
        if parameter is not None:
            return self.value(parameter.default, depth + 1)
        return UNKNOWN

    def _if_value(self, arg: object, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return UNKNOWN
        decided = self.condition(arg[0])
        if decided is not None:
            return self.value(arg[1] if decided else arg[2], depth + 1)
        first, second = self.value(arg[1], depth + 1), self.value(arg[2], depth + 1)
        return first if _same(first, second) else UNKNOWN

    def _sub_value(self, arg: object, depth: int) -> Any:
        variables: Mapping[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], Mapping):
            variables = arg[1]
            arg = arg[0]
        if not isinstance(arg, str):
            return UNKNOWN

        def variable(name: str) -> str | None:
            if name in variables:
                v = self.value(variables[name], depth + 1)
            elif "." not in name and name in self.parameters:
                v = self._ref_value(name, depth)
            else:
                v = UNKNOWN
            if isinstance(v, bool):
                return "true" if v else "false"
            if isinstance(v, (str, int, float)):
                return str(v)
            return None

        out = substitute(arg, variable)
        return UNKNOWN if out is None else out.replace("${!", "${")

    def _join_value(self, arg: object, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return UNKNOWN
        parts = self.value(arg[1], depth + 1)
        if not isinstance(parts, list):
            return UNKNOWN
        texts: list[str] = []
        for part in parts:
            v = self.value(part, depth + 1)
            if v is ABSENT:
                continue
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                return UNKNOWN
            texts.append(str(v))
        return arg[0].join(texts)

    def _select_value(self, arg: object, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return UNKNOWN
        index = self.number(arg[0])
        options = self.value(arg[1], depth + 1)
        if index is None or not isinstance(options, list) or not 0 <= index < len(options):
            return UNKNOWN
        return self.value(options[index], depth + 1)

    def _map_value(self, arg: object, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            return UNKNOWN
        keys = [self.value(a, depth + 1) for a in arg]
        if not all(isinstance(k, str) for k in keys):
            return UNKNOWN
        top = self.mappings.get(keys[0])
        second = top.get(keys[1]) if isinstance(top, Mapping) else None
        leaf = second.get(keys[2]) if isinstance(second, Mapping) else None
        return UNKNOWN if leaf is None else self.value(leaf, depth + 1)

    # --- conditions -------------------------------------------------------------

    def condition(self, name: str) -> bool | None:
        """Whether a named condition holds with the parameters' defaults; ``None`` if undecidable."""
        if name in self._condition_memo:
            return self._condition_memo[name]
        self._condition_memo[name] = None  # a cycle reads as undecidable
        result = self._decide(self.conditions.get(name), 0)
        self._condition_memo[name] = result
        return result

    def _decide(self, node: Any, depth: int) -> bool | None:
        if depth > MAX_DEPTH or not is_intrinsic(node):
            return None
        ((fn, arg),) = node.items()
        if fn == "Condition" and isinstance(arg, str):
            return self.condition(arg)
        if fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            left, right = (self.value(a, depth + 1) for a in arg)
            if not all(isinstance(v, (str, int, float, bool)) for v in (left, right)):
                return None
            return _scalar_text(left) == _scalar_text(right)
        if fn == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            inner = self._decide(arg[0], depth + 1)
            return None if inner is None else not inner
        if fn in ("Fn::And", "Fn::Or") and isinstance(arg, list):
            answers = [self._decide(a, depth + 1) for a in arg]
            decisive: bool = fn == "Fn::Or"
            if decisive in answers:
                return decisive
            return None if None in answers else not decisive
        return None

    # --- references -----------------------------------------------------------

    def refs(self, node: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
        """Every (resource id, attribute) the value names anywhere inside it; ``Ref`` gives attribute ``""``."""
        if depth > MAX_DEPTH:
            return
        if isinstance(node, list):
            for item in node:
                yield from self.refs(item, depth + 1)
            return
        if not isinstance(node, Mapping):
            return
        if is_intrinsic(node):
            ((fn, arg),) = node.items()
            if fn == "Ref":
                if isinstance(arg, str) and self.type_of(arg) is not None:
                    yield arg, ""
                return
            if fn == "Fn::GetAtt":
                named = _getatt(arg)
                if named is not None and self.type_of(named[0]) is not None:
                    yield named
                return
            if fn == "Fn::Sub":
                text, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
                if isinstance(variables, Mapping):
                    yield from self.refs(list(variables.values()), depth + 1)
                if isinstance(text, str):
                    for match in _SUB_VARIABLE.finditer(text):
                        name = match.group(1).strip()
                        if isinstance(variables, Mapping) and name in variables:
                            continue
                        head, _, attribute = name.partition(".")
                        if self.type_of(head) is not None:
                            yield head, attribute
                return
            if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                decided = self.condition(arg[0]) if isinstance(arg[0], str) else None
                branches = [arg[1], arg[2]] if decided is None else [arg[1] if decided else arg[2]]
                yield from self.refs(branches, depth + 1)
                return
            yield from self.refs(arg, depth + 1)
            return
        for item in node.values():
            yield from self.refs(item, depth + 1)

    def target(self, node: Any, *types: str) -> str | None:
        """The one resource (of one of ``types``, if given) a value names, e.g. ``Role: !GetAtt R.Arn``."""
        found = self.targets(node, *types)
        return found[0] if len(found) == 1 else None

    def targets(self, node: Any, *types: str) -> list[str]:
        """Every resource (of one of ``types``, if given) a value names, in order, once each."""
        found: list[str] = []
        for rid, _ in self.refs(node):
            if (not types or self.type_of(rid) in types) and rid not in found:
                found.append(rid)
        return found

    def parameter_ref(self, node: Any) -> Parameter | None:
        """The parameter a value is a plain ``!Ref`` to, if it is one."""
        if is_intrinsic(node) and "Ref" in node and isinstance(node["Ref"], str):
            return self.parameters.get(node["Ref"])
        return None


def _getatt(arg: object) -> tuple[str, str] | None:
    if isinstance(arg, str) and "." in arg:
        head, _, attribute = arg.partition(".")
        return head, attribute
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        return arg[0], arg[1] if isinstance(arg[1], str) else ""
    return None


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _same(first: Any, second: Any) -> bool:
    if first is UNKNOWN or second is UNKNOWN:
        return False
    if isinstance(first, (str, int, float, bool)) and isinstance(second, (str, int, float, bool)):
        return _scalar_text(first) == _scalar_text(second)
    return first is second
