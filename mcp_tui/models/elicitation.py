"""What a server asks the user for (MCP `elicitation/create`): the form its schema describes,
how each value is checked and typed, and the headless policy.

A form schema is flat (top-level properties only): strings (with a format hint), numbers,
integers, booleans, single-select enums (`enum`, `oneOf` with titles, legacy `enumNames`) and
multi-select enums (`type: array` with `items.enum` / `items.anyOf`, SEP-1330). Defaults
(SEP-1034) pre-fill the form and are what `--elicit accept-defaults` answers.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel

from mcp_tui.models.approval import ElicitMode
from mcp_tui.text import safe_text

__all__ = ["ElicitMode", "FormField", "FormError", "check_all", "default_answer", "parse_form"]

Kind = Literal["string", "number", "integer", "boolean", "choice", "multi"]
Value = str | int | float | bool | list[str] | None
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Choice(BaseModel):
    value: str
    label: str


class FormField(BaseModel):
    name: str
    title: str  # shown: cleaned
    description: str = ""
    kind: Kind
    required: bool = False
    default: Value = None
    format: str | None = None  # email, uri, date, date-time
    choices: list[Choice] = []
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_items: int | None = None
    max_items: int | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not None

    def hint(self) -> str:
        """What the field accepts, in a few words (format, range, length, how many)."""
        parts: list[str] = []
        if self.format:
            parts.append({"email": "an email address", "uri": "a URL", "date": "a date, YYYY-MM-DD",
                          "date-time": "a date and time, YYYY-MM-DDTHH:MM"}.get(self.format, self.format))
        elif self.kind in ("number", "integer"):
            parts.append("a whole number" if self.kind == "integer" else "a number")
        if self.minimum is not None or self.maximum is not None:
            parts.append(_range("", self.minimum, self.maximum))
        if self.min_length is not None or self.max_length is not None:
            parts.append(_range(" characters", self.min_length, self.max_length))
        if self.kind == "multi":
            parts.append(_range(" choices", self.min_items, self.max_items) if self.min_items or self.max_items else "any number of choices")
        return ", ".join(p for p in parts if p)

    def check(self, value: Value) -> Value:
        """The value to send, typed as the schema says; raises ValueError with a message the
        user can act on. Text comes from an input box: "" means not given."""
        if isinstance(value, str) and self.kind in ("string", "number", "integer"):
            value = value.strip() if self.kind != "string" else value
        if value in (None, "") or (self.kind == "multi" and not value):  # nothing chosen: left out
            if self.required:
                raise ValueError("required")
            return None
        if self.kind == "integer":
            try:
                number: float = int(str(value))
            except ValueError:
                raise ValueError("enter a whole number") from None
            return self._in_range(number)
        if self.kind == "number":
            try:
                number = float(str(value))
            except ValueError:
                raise ValueError("enter a number") from None
            return self._in_range(number)
        if self.kind == "boolean":
            return bool(value)
        if self.kind == "choice":
            if value not in [c.value for c in self.choices]:
                raise ValueError("choose one of the options")
            return value
        if self.kind == "multi":
            chosen = list(value) if isinstance(value, list) else [str(value)]
            if (self.min_items and len(chosen) < self.min_items) or (self.max_items and len(chosen) > self.max_items):
                raise ValueError(f"choose {_range('', self.min_items, self.max_items)}")
            return chosen
        return self._text(str(value))

    def _in_range(self, number: float) -> float:
        if self.minimum is not None and number < self.minimum or self.maximum is not None and number > self.maximum:
            raise ValueError(f"must be {_range('', self.minimum, self.maximum)}")
        return number

    def _text(self, text: str) -> str:
        if self.min_length is not None and len(text) < self.min_length or self.max_length is not None and len(text) > self.max_length:
            raise ValueError(f"must be {_range(' characters', self.min_length, self.max_length)}")
        if self.format == "email" and not EMAIL.match(text):
            raise ValueError("enter an email address, like name@example.com")
        if self.format == "uri":
            parsed = urlparse(text)
            if not (parsed.scheme and (parsed.netloc or parsed.scheme in ("mailto", "urn"))):
                raise ValueError("enter a full URL, like https://example.com")
        if self.format == "date":
            try:
                date.fromisoformat(text)
            except ValueError:
                raise ValueError("enter a date as YYYY-MM-DD") from None
        if self.format == "date-time":
            try:
                datetime.fromisoformat(text)
            except ValueError:
                raise ValueError("enter a date and time as YYYY-MM-DDTHH:MM") from None
        return text


def _range(unit: str, low: float | None, high: float | None) -> str:
    def n(x: float) -> str:
        return f"{x:g}"

    if low is not None and high is not None:
        return f"from {n(low)} to {n(high)}{unit}"
    if low is not None:
        return f"at least {n(low)}{unit}"
    if high is not None:
        return f"at most {n(high)}{unit}"
    return ""


class FormError(ValueError):
    """A requested schema this client cannot show as a form."""


def _choices(prop: dict[str, Any]) -> list[Choice]:
    options = prop.get("oneOf") or prop.get("anyOf")
    if isinstance(options, list) and options:
        return [Choice(value=str(o["const"]), label=safe_text(str(o.get("title") or o["const"]))) for o in options if isinstance(o, dict) and "const" in o]
    values = [str(v) for v in prop.get("enum") or []]
    names = prop.get("enumNames") if isinstance(prop.get("enumNames"), list) else None  # legacy titled enum
    labels = [str(x) for x in names] if names and len(names) == len(values) else values
    return [Choice(value=v, label=safe_text(label)) for v, label in zip(values, labels)]


def _typed_default(kind: Kind, default: Any) -> Value:
    """The schema's default as the type the field sends (a server may write 30 as 30.0)."""
    if default is None:
        return None
    try:
        if kind == "integer":
            return int(default)
        if kind == "number":
            return float(default) if not isinstance(default, int) or isinstance(default, bool) else default
        if kind == "boolean":
            return bool(default)
        if kind == "multi":
            return [str(v) for v in default] if isinstance(default, list) else None
        return str(default)
    except (TypeError, ValueError):
        return None  # a default of the wrong type is no default


def parse_form(schema: dict[str, Any]) -> list[FormField]:
    """The fields of a requested schema, in its order; FormError when it is not a flat form."""
    if not isinstance(schema, dict):
        raise FormError("the requested schema is not an object")
    props = schema.get("properties") or {}
    if not isinstance(props, dict):
        raise FormError("the requested schema has no properties object")
    required = set(schema.get("required") or [])
    fields: list[FormField] = []
    for name, prop in props.items():
        if not isinstance(prop, dict):
            raise FormError(f"field {name!r} is not a schema")
        kind_in = prop.get("type")
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        if kind_in == "array" and (items.get("enum") or items.get("anyOf") or items.get("oneOf")):
            kind: Kind = "multi"
            choices = _choices(items)
        elif prop.get("enum") or prop.get("oneOf"):
            kind, choices = "choice", _choices(prop)
        elif kind_in in ("string", "number", "integer", "boolean"):
            kind, choices = kind_in, []
        else:
            raise FormError(f"field {name!r} has type {kind_in!r}, which a form cannot ask for")
        fields.append(FormField(
            name=name,
            title=safe_text(str(prop.get("title") or name)),
            description=safe_text(str(prop.get("description") or "")),
            kind=kind,
            required=name in required,
            default=_typed_default(kind, prop.get("default")),
            format=prop.get("format") if kind == "string" else None,
            choices=choices,
            min_length=prop.get("minLength"),
            max_length=prop.get("maxLength"),
            minimum=prop.get("minimum"),
            maximum=prop.get("maximum"),
            min_items=prop.get("minItems"),
            max_items=prop.get("maxItems"),
        ))
    return fields


def check_all(fields: list[FormField], values: dict[str, Value]) -> tuple[dict[str, Value], dict[str, str]]:
    """(the content to send, {field: problem}); fields left empty are left out."""
    content: dict[str, Value] = {}
    problems: dict[str, str] = {}
    for field in fields:
        try:
            value = field.check(values.get(field.name))
        except ValueError as exc:
            problems[field.name] = str(exc)
            continue
        if value is not None:
            content[field.name] = value
    return content, problems


def default_answer(fields: list[FormField]) -> tuple[dict[str, Value] | None, str]:
    """What accept-defaults sends: every default, or (None, why) when a required field has none."""
    missing = [f.name for f in fields if f.required and not f.has_default]
    if missing:
        return None, f"required field{'s' if len(missing) > 1 else ''} {', '.join(missing)} {'have' if len(missing) > 1 else 'has'} no default"
    return {f.name: f.default for f in fields if f.has_default}, ""
