"""Payload helpers shared by the JSON boards: decoding, shape checks, typed field access."""

from __future__ import annotations

import json
import math
from typing import Any

from scraper.errors import ParseError
from scraper.normalize.text import clean


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    names = {dict: "object", list: "array", str: "string", int: "number", float: "number"}
    return names.get(type(value), type(value).__name__)


def load_json(payload: object, source: str) -> Any:
    """A payload (str, bytes, or already-decoded dict/list) as decoded JSON; ParseError when
    it is not JSON, with the position of the first error."""
    if isinstance(payload, dict | list):
        return payload
    if isinstance(payload, bytes | bytearray):
        try:
            payload = bytes(payload).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParseError(source, f"payload is not UTF-8 text (byte {exc.start})") from None
    if not isinstance(payload, str):
        raise ParseError(source, f"expected JSON text, got {type(payload).__name__}")
    try:
        return json.loads(payload)
    except json.JSONDecodeError as exc:
        raise ParseError(
            source, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ParseError(source, "JSON nested too deeply") from None
    except ValueError:  # int('9' * 5000): Python refuses integers over 4,300 digits
        raise ParseError(source, "a number in the JSON is too long (over 4,300 digits)") from None


def records(value: object, source: str, what: str) -> list[dict[str, Any]]:
    """``value`` as a list of JSON objects; ParseError naming ``what`` otherwise."""
    if not isinstance(value, list):
        raise ParseError(source, f"expected a JSON array of {what}, got {json_type(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise ParseError(source, f"{what} #{index} is {json_type(item)}, not an object")
    return value


def identity(raw: dict[str, Any], index: int, source: str, id_key: str, title_key: str
             ) -> tuple[str, str]:
    """(external_id, title) of posting #index; ParseError when either is missing."""
    external_id, title = clean(raw.get(id_key)), clean(raw.get(title_key))
    if external_id is None:
        raise ParseError(source, f"posting #{index} has no {id_key!r}")
    if title is None:
        raise ParseError(source, f"posting {external_id} has no {title_key!r}")
    return external_id, title


def as_list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else an empty list (null, or an object by mistake)."""
    return value if isinstance(value, list) else []


def text_of(value: object) -> str | None:
    """``value`` cleaned when it is text or a number, else None (a dict where text belongs)."""
    return clean(value) if isinstance(value, str | int | float) else None


def to_number(value: object) -> float | None:
    """A finite, non-negative number from a JSON number or numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "").strip())
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None
