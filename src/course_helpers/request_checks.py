"""Checks on what a client sends the local server: nesting, text, sampling parameters and JSON schemas."""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_NESTING = 100  # JSON levels in a request body; Python's JSON reader and the engine recurse on them
MAX_SCHEMA_DEPTH = 40  # nested subschemas, counted through `$ref` as the engine follows them
MAX_SCHEMA_SIZE = 5000  # subschemas the engine would visit, counted through `$ref`
_SURROGATE = re.compile("[\ud800-\udfff]")
_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
_LOCAL_REF = re.compile(r"#(?:/[^/~#][^/~]*)(?:/[^/~]+)*")  # the JSON pointers the engine follows: #/$defs/Name
# Subschema keywords: the ones the engine fills from must be objects; the others may also be true or false.
_FILLED_ONE, _FILLED_MAP, _FILLED_LIST = ("items",), ("properties",), ("anyOf", "oneOf")
_OTHER_ONE = ("additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
              "unevaluatedProperties", "unevaluatedItems", "additionalItems")
_OTHER_MAP, _OTHER_LIST = ("$defs", "definitions", "patternProperties", "dependentSchemas"), ("allOf", "prefixItems")
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_STRINGS = ("title", "description", "pattern", "format", "$id", "$schema", "$comment")
# OpenAI's ranges for sampling parameters: (lowest, highest, whole numbers only).
SAMPLING: dict[str, tuple[float, float, bool]] = {
    "temperature": (0, 2, False),
    "top_p": (0, 1, False),
    "frequency_penalty": (-2, 2, False),
    "presence_penalty": (-2, 2, False),
    "top_logprobs": (0, 20, True),
    "max_tokens": (1, math.inf, True),
    "max_completion_tokens": (1, math.inf, True),
    "max_output_tokens": (16, math.inf, True),
    "max_tool_calls": (1, math.inf, True),
    "seed": (-math.inf, math.inf, True),
}


class BadRequest(Exception):
    """A request the server refuses; becomes an OpenAI-style error body."""

    def __init__(self, message: str, param: str | None = None, *, status: int = 400, code: str | None = None):
        super().__init__(message)
        self.status, self.param, self.code = status, param, code


def _joined(path: tuple[Any, ...]) -> str:
    """A path such as ('tools', 0, 'function') as tools[0].function."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def check_body(request: dict[str, Any], param: str | None = None) -> None:
    """Refuse a value nested deeper than MAX_NESTING levels or holding a lone UTF-16 surrogate in any text."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(request, (param,) if param else ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_NESTING:
            raise BadRequest(f"{_joined(path[:4])} nests more than {MAX_NESTING} levels deep; send a flatter value.",
                             _joined(path[:4]))
        if isinstance(value, str) and _SURROGATE.search(value):
            raise BadRequest(f"{_joined(path) or 'The body'} holds a lone UTF-16 surrogate, which is not text; "
                             "send valid Unicode.", _joined(path) or None)
        if isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    raise BadRequest(f"A key in {_joined(path) or 'the body'} holds a lone UTF-16 surrogate; "
                                     "send valid Unicode.", _joined(path) or None)
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))


def json_arguments(text: Any, where: str, param: str) -> dict[str, Any]:
    """A tool call's `arguments` at `where`: a JSON object encoded as a string (empty or missing: none)."""
    try:
        arguments = json.loads(text or "{}", parse_constant=_refuse_constant)
    except (TypeError, ValueError, RecursionError):
        arguments = None
    if not isinstance(arguments, dict):
        raise BadRequest(f"{where} must be a JSON object encoded as a string.", param)
    check_body(arguments, where)
    return arguments


def _refuse_constant(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def check_ignored(request: dict[str, Any], types: dict[str, tuple[type | tuple[type, ...], str]]) -> None:
    """Refuse a parameter the offline model ignores when it is not of its type: {name: (type, 'a description')}."""
    for name, (kind, description) in types.items():
        value = request.get(name)
        if value is not None and not (isinstance(value, kind) and (kind is bool or not isinstance(value, bool))):
            raise BadRequest(f"'{name}' must be {description}; the offline server accepts it and ignores it.", name)


def check_sampling(request: dict[str, Any], names: tuple[str, ...]) -> None:
    """Refuse a sampling parameter in `names` of the wrong type or outside OpenAI's range (the model ignores them)."""
    for name in names:
        lowest, highest, whole = SAMPLING[name]
        value = request.get(name)
        if value is None:
            continue
        kind = "a whole number" if whole else "a number"
        if lowest > -math.inf and highest < math.inf:
            kind += f" from {lowest} to {highest}"
        elif lowest > -math.inf:
            kind += f" of at least {lowest}"
        right_type = isinstance(value, int) if whole else isinstance(value, (int, float))
        if isinstance(value, bool) or not right_type or not lowest <= value <= highest:
            raise BadRequest(f"'{name}' must be {kind}, not {_short(value)}; the offline server accepts it and "
                             "ignores it.", name)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_schema(schema: Any, param: str) -> None:
    """Refuse a tool or output schema the engine cannot fill: a wrong shape, a missing or remote `$ref`, or a cycle
    of `$ref`s with nothing between them (a recursive tree is served: the engine fills it a few levels deep)."""
    if not isinstance(schema, dict):
        raise BadRequest(f"{param} must be a JSON schema object such as {{'type': 'object', 'properties': {{}}}}.",
                         param)
    checking = _Schema(schema, param)
    checking.check(schema, (), 0, filled=True)
    root = schema
    while "type" not in root and "$ref" in root:  # the walk above found every reference and no cycle
        root = checking.target(root["$ref"])
    if root and root.get("type") != "object":  # {} is a tool without parameters
        raise BadRequest(f"{param} must have 'type': 'object', as OpenAI requires, not {_short(root.get('type'))}; "
                         "wrap the value in {'type': 'object', 'properties': {...}}.", param)


class _Schema:
    """One schema being checked: the `$ref` targets done (their depth and size) and those being walked."""

    def __init__(self, root: dict[str, Any], param: str):
        self.root, self.param = root, param
        self.done: dict[str, tuple[int, int]] = {}
        self.walking: dict[str, int] = {}  # each `$ref` being walked: the length of the path where it was entered
        self.size = 0

    def refuse(self, path: tuple[Any, ...], problem: str) -> BadRequest:
        where = _joined((self.param, *path))
        shown = where if len(where) <= 90 else f"{where[:50]}…{where[-35:]}"  # `param` has the whole path
        return BadRequest(f"{shown} {problem}.", where)

    def check(self, schema: Any, path: tuple[Any, ...], depth: int, *, filled: bool) -> int:
        """Check `schema` at `path`; return its height in subschemas, counted through `$ref`."""
        self.size += 1
        self.bounded(path, depth)
        if isinstance(schema, bool) and not filled:
            return 0
        if not isinstance(schema, dict):
            shown = json.dumps(schema) if isinstance(schema, bool) else _short(schema)
            need = "a schema object such as {'type': 'string'} ({} allows any value)"
            raise self.refuse(path, f"must be {need}, not {shown}")
        self.keywords(schema, path)
        height = 0
        if "$ref" in schema:
            height = self.follow(schema["$ref"], path + ("$ref",), depth)
        for key in (*_FILLED_ONE, *_OTHER_ONE):
            if key in schema:
                if key == "items" and isinstance(schema[key], list):
                    raise self.refuse((*path, key), "must be one schema for every item; use 'prefixItems' for a "
                                                    "tuple")
                height = max(height, self.check(schema[key], (*path, key), depth + 1, filled=key in _FILLED_ONE))
        for key in (*_FILLED_MAP, *_OTHER_MAP):
            if key in schema:
                if not isinstance(schema[key], dict):
                    raise self.refuse((*path, key), f"must be an object of schemas by name, not {_short(schema[key])}")
                for name, sub in schema[key].items():
                    height = max(height, self.check(sub, (*path, key, name), depth + 1, filled=key in _FILLED_MAP))
        for key in (*_FILLED_LIST, *_OTHER_LIST):
            if key in schema:
                if not isinstance(schema[key], list) or not schema[key]:
                    raise self.refuse((*path, key), f"must be a non-empty list of schemas, not {_short(schema[key])}")
                for index, sub in enumerate(schema[key]):
                    height = max(height, self.check(sub, (*path, key, index), depth + 1,
                                                    filled=key in _FILLED_LIST))
        return height + 1

    def bounded(self, path: tuple[Any, ...], depth: int) -> None:
        """Refuse a schema that expands, through its `$ref`s, past the size or depth the engine is given."""
        if self.size > MAX_SCHEMA_SIZE:
            raise self.refuse((), f"expands to more than {MAX_SCHEMA_SIZE} subschemas through its '$ref's; "
                                  "send a smaller schema")
        if depth > MAX_SCHEMA_DEPTH:
            raise self.refuse(path, f"is nested more than {MAX_SCHEMA_DEPTH} schemas deep; send a flatter schema")

    def target(self, ref: str, path: tuple[Any, ...] = ()) -> Any:
        """The schema a local `$ref` such as '#/$defs/Name' points at."""
        target: Any = self.root
        for part in ref[2:].split("/"):
            if not isinstance(target, dict) or part not in target:
                raise self.refuse(path, f"is {ref!r}, which this schema does not define; add it under '$defs'")
            target = target[part]
        return target

    def keywords(self, schema: dict[str, Any], path: tuple[Any, ...]) -> None:
        """The keywords that are not subschemas have the types JSON Schema gives them."""
        kind = schema.get("type", "string")
        kinds = kind if isinstance(kind, list) else [kind]
        if not kinds or not all(isinstance(k, str) and k in _TYPES for k in kinds) or len(set(kinds)) < len(kinds):
            raise self.refuse((*path, "type"), f"must be one of {', '.join(_TYPES)} or a list of them, "
                                               f"not {_short(kind)}")
        required = schema.get("required", [])
        if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
            raise self.refuse((*path, "required"), f"must be a list of property names, not {_short(required)}")
        if "enum" in schema and (not isinstance(schema["enum"], list) or not schema["enum"]):
            raise self.refuse((*path, "enum"), f"must be a non-empty list of values, not {_short(schema['enum'])}")
        for key in _NUMBERS:
            value = schema.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.refuse((*path, key), f"must be a number, not {_short(value)}")
        for key in _COUNTS:
            value = schema.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise self.refuse((*path, key), f"must be a whole number of 0 or more, not {_short(value)}")
        multiple = schema.get("multipleOf", 1)
        if isinstance(multiple, bool) or not isinstance(multiple, (int, float)) or multiple <= 0:
            raise self.refuse((*path, "multipleOf"), f"must be a number above 0, not {_short(multiple)}")
        for key in _STRINGS:
            if not isinstance(schema.get(key, ""), str):
                raise self.refuse((*path, key), f"must be a string, not {_short(schema[key])}")
        if not isinstance(schema.get("uniqueItems", False), bool):
            raise self.refuse((*path, "uniqueItems"), "must be true or false")

    def follow(self, ref: Any, path: tuple[Any, ...], depth: int) -> int:
        """Check the schema a local `$ref` points at, once; a cycle of bare references back to it is refused."""
        if not isinstance(ref, str) or not _LOCAL_REF.fullmatch(ref):
            raise self.refuse(path, f"is {_short(ref)}, but the offline server follows only local references "
                                    "such as '#/$defs/Name'; copy the schema under '$defs'")
        if ref in self.walking:
            if any(step != "$ref" for step in path[self.walking[ref]:]):
                return 0  # a tree (a Node whose children are Nodes): the engine stops it within a few levels
            raise self.refuse(path, f"refers back to {ref!r}, a cycle of references with nothing in between to "
                                    "fill; point one of them at a schema with properties")
        if ref in self.done:
            height, size = self.done[ref]
            self.size += size
            self.bounded(path, depth + height)
            return height
        target = self.target(ref, path)
        self.walking[ref] = len(path)
        before = self.size
        height = self.check(target, path, depth + 1, filled=True)
        del self.walking[ref]
        self.done[ref] = (height, self.size - before)
        return height
