"""JSON schemas as the offline model reads them: `$ref`s resolved safely, values bounded, outputs validated."""

from __future__ import annotations

import math
import re
import uuid
from typing import Any

from .entities import CLOCK
from .patterns import NoMatch, matching

MAX_NESTING = 48  # a schema nested deeper than this is refused rather than filled
RECURSION_DEPTH = 1  # an optional value of a type that already encloses it is left out (a required one is filled)
_TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}
_PLACEHOLDERS = {"email": "user@example.com", "uri": "https://example.com", "url": "https://example.com",
                 "hostname": "example.com", "ipv4": "192.0.2.1", "ipv6": "2001:db8::1",
                 "date": CLOCK.date().isoformat(), "date-time": CLOCK.isoformat(), "time": CLOCK.timetz().isoformat(),
                 "duration": "PT1H"}


class Unfillable(ValueError):
    """No value can satisfy the schema; the message says why and what to change."""


def resolve(schema: Any, root: Any, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A schema with its local `$ref` followed and `allOf` merged; `true`/`{}` is any value."""
    if schema is True or schema is None:
        return {}
    if schema is False:
        raise Unfillable("the schema is `false`, which no value satisfies; give the field a type")
    if not isinstance(schema, dict):
        raise Unfillable(f"a schema must be an object or a boolean, not {type(schema).__name__}")
    if "$ref" in schema:
        reference = schema["$ref"]
        if reference in seen:  # a `$ref` to itself, directly or through others: any value
            return {k: v for k, v in schema.items() if k != "$ref"}
        target = resolve(_lookup(root, reference), root, (*seen, reference))
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    if "allOf" in schema:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = resolve(part, root, seen)
            merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
            merged["required"] = [*merged.get("required", []), *part.get("required", [])]
            merged.update({k: v for k, v in part.items() if k not in ("properties", "required")})
        schema = {k: v for k, v in merged.items() if v or k not in ("properties", "required")}
    kinds = schema.get("type")
    unknown = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k is not None and k not in _TYPES]
    if unknown:
        raise Unfillable(f"the type {unknown[0]!r} is not a JSON-schema type; use one of {', '.join(sorted(_TYPES))}")
    if "enum" in schema and not schema["enum"]:
        raise Unfillable("an `enum` with no options admits no value; list at least one option")
    return schema


def _lookup(root: Any, reference: str) -> Any:
    if not reference.startswith("#"):
        raise Unfillable(f"the `$ref` {reference!r} points outside the schema; the offline model follows only "
                         "local references such as '#/$defs/Name'")
    target = root
    for part in filter(None, reference[1:].split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        try:
            target = target[int(part)] if isinstance(target, list) else target[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise Unfillable(f"the `$ref` {reference!r} names nothing in the schema; define it under $defs") from None
    return target


def bounded_string(value: str, schema: dict[str, Any], text: str) -> str:
    """`value` made to fit the schema's `format`, `pattern` and lengths (from the text when it can)."""
    fmt = schema.get("format")
    if fmt == "uuid" and not _is_uuid(value):
        value = str(uuid.uuid5(uuid.NAMESPACE_URL, text or "offline"))
    elif fmt in _PLACEHOLDERS and not format_ok(value, fmt):
        value = _PLACEHOLDERS[fmt]
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if high is not None and len(value) > high:
        cut = value[:high]
        value = cut.rsplit(" ", 1)[0] if " " in cut and len(cut.rsplit(" ", 1)[0]) >= low else cut
    if len(value) < low:  # too short: the request's own words when they are long enough, else padded
        value = next((t for t in (text.strip(), value) if low <= len(t) <= (high or len(t))), value.ljust(low, "."))
    if "pattern" in schema and not _searches(schema["pattern"], value):
        try:
            value = matching(schema["pattern"], [value, text], low, high)
        except NoMatch as error:
            raise Unfillable(str(error)) from None
    return value


def bounded_number(value: float, schema: dict[str, Any]) -> int | float:
    """`value` moved to the nearest number the schema allows: range, exclusive bounds, `multipleOf`, integer."""
    integer = schema.get("type") == "integer"
    step = schema.get("multipleOf")
    if integer:
        step = int(step) if step and float(step).is_integer() else 1
    low, high = schema.get("minimum", -math.inf), schema.get("maximum", math.inf)
    low = max(low, _number(schema.get("exclusiveMinimum"), -math.inf))
    high = min(high, _number(schema.get("exclusiveMaximum"), math.inf))
    value = min(max(value, low), high)
    if step:
        first = math.ceil(low / step) if math.isfinite(low) else math.floor(value / step) - 1
        last = math.floor(high / step) if math.isfinite(high) else math.ceil(value / step) + 1
        first += 0 if _strict(first * step, schema) else 1
        last -= 0 if _strict(last * step, schema) else 1
        if first > last:
            raise Unfillable(f"no multiple of {step} lies between {low} and {high}; widen the range or the step")
        value = min(max(round(value / step), first), last) * step
        value = int(value) if integer else round(value, 10)
    else:
        value = min(max(value, low), high)
        if not _strict(value, schema):  # on an exclusive bound: step inside, towards the other bound
            inward = 1 if value == schema.get("exclusiveMinimum") else -1
            room = (high - low) / 2 if math.isfinite(high - low) else 1
            value += inward * min(1, room)
    if not (low <= value <= high and _strict(value, schema)):
        raise Unfillable(f"no number lies between {low} and {high} (exclusive bounds); widen the range")
    return value


def _number(bound: Any, default: float) -> float:
    return bound if isinstance(bound, (int, float)) and not isinstance(bound, bool) else default


def _strict(value: float, schema: dict[str, Any]) -> bool:
    above = not isinstance(schema.get("exclusiveMinimum"), (int, float)) or value > schema["exclusiveMinimum"]
    below = not isinstance(schema.get("exclusiveMaximum"), (int, float)) or value < schema["exclusiveMaximum"]
    return above and below


def format_ok(value: str, fmt: str) -> bool:
    """Whether a string has the `format` a careful model would give it (the formats the SDK's schemas use)."""
    checks = {
        "email": r"[^@\s]+@[^@\s]+\.[^@\s]+",
        "uri": r"[a-zA-Z][\w+.-]*:[^\s]+", "url": r"[a-zA-Z][\w+.-]*:[^\s]+",
        "date": r"\d{4}-\d{2}-\d{2}",
        "date-time": r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?",
        "time": r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?",
    }
    return fmt not in checks or re.fullmatch(checks[fmt], value) is not None


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _searches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        raise Unfillable(f"the pattern {pattern!r} is not a regular expression Python can read; fix it") from None


_VALIDATORS: dict[int, tuple[Any, Any]] = {}


def problems(value: Any, schema: Any) -> list[str]:
    """Why `value` does not satisfy `schema`, as jsonschema-rs reports it (an empty list when it does).

    jsonschema-rs rather than jsonschema: the same drafts and formats, but it imports in 20 ms where jsonschema
    takes 0.8 s beside Jupyter (its optional IRI checker builds a grammar at import), and it never fetches a
    remote `$ref` (`offline=True`)."""
    import jsonschema_rs  # imported on first use, so `import course_helpers` stays fast

    cached = _VALIDATORS.get(id(schema))
    if cached is None or cached[0] is not schema:
        try:
            validator = jsonschema_rs.validator_for(schema, validate_formats=True, offline=True)
        except (ValueError, TypeError, RecursionError) as error:  # a schema that is not itself valid
            validator = f"the schema itself could not be checked ({str(error).partition(chr(10))[0]})"[:200]
        cached = (schema, validator)
        if len(_VALIDATORS) > 256:
            _VALIDATORS.clear()
        _VALIDATORS[id(schema)] = cached
    if isinstance(cached[1], str):
        return [cached[1]]
    try:
        errors = cached[1].iter_errors(value)
        return [f"{'/'.join(map(str, e.instance_path)) or 'the value'}: {e.message}" for e in errors]
    except (ValueError, TypeError, RecursionError, OverflowError) as error:
        return [f"the value could not be checked ({type(error).__name__}: {error})"[:200]]
