"""The API's one body parser: JSON, bounded in size and in depth.

A body larger than ``API_MAX_BODY_BYTES`` is refused with 413 before it is read (the
middleware checks ``Content-Length``; this parser stops reading a body sent without one one
byte past the limit). A document nested deeper than ``API_MAX_JSON_DEPTH`` is a 400: no
request of the contract nests beyond a few levels, and a thousand levels would exhaust the
recursion of the decoder and of every serializer after it.
"""

from __future__ import annotations

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def max_body_bytes() -> int:
    return getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)


def too_large_message() -> str:
    return _("The request body is larger than %(limit)s bytes.") % {"limit": max_body_bytes()}


def json_depth(value) -> int:
    """How deep ``value`` nests (a scalar is 0, ``[]`` is 1), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = max_body_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(too_large_message())
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=self._reject_constant)
        except RecursionError:
            raise self._too_deep() from None
        except json.JSONDecodeError as exc:
            # where, not the parser's own English ("Expecting property name enclosed in …")
            raise exceptions.ParseError(
                _("The body is not valid JSON: the error is at line %(line)d, column %(column)d.")
                % {"line": exc.lineno, "column": exc.colno}
            ) from None
        except UnicodeDecodeError:
            raise exceptions.ParseError(
                _("The body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from None
        except ValueError as exc:
            raise exceptions.ParseError(
                _("JSON parse error - %(error)s") % {"error": exc}
            ) from None
        if json_depth(data) > getattr(settings, "API_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH):
            raise self._too_deep()
        return data

    @staticmethod
    def _reject_constant(name: str):
        raise ValueError(_("%(name)s is not a JSON number.") % {"name": name})

    @staticmethod
    def _too_deep() -> exceptions.ParseError:
        depth = getattr(settings, "API_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH)
        return exceptions.ParseError(
            _("The JSON document nests deeper than %(depth)s levels.") % {"depth": depth},
            code="too_deep",
        )
