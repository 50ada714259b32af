"""The one JSON parser of the API: refuses, before any view runs, what no field could accept.

A body over the size limit, nesting deeper than any resource has, text that cannot be encoded
(a lone surrogate from a `\\ud800` escape) or that holds NUL would otherwise reach serializers,
error messages that echo it and the database, and answer a 500 somewhere deep down.
"""

import json

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from husky_support.text import TextProblem, text_problem

# The deepest real body (an order: object -> list of rows -> row -> value) is 3; room for growth.
MAX_DEPTH = 16


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


def first_problem(data: object, max_depth: int = MAX_DEPTH) -> TextProblem | None:
    """The first value no field accepts, found walking iteratively (deep input cannot recurse).

    Raises ParseError when `data` nests deeper than `max_depth`."""
    stack: list[tuple[object, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > max_depth:
            raise exceptions.ParseError(
                f"The JSON body is nested more than {max_depth} levels deep.", code="json_too_deep"
            )
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                return TextProblem(problem.code, f"{path or 'The body'}: {problem.message}")
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(key)
                if problem is not None:
                    return TextProblem(problem.code, f"A field name: {problem.message}")
                stack.append((item, depth + 1, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, f"{path}[{i}]") for i, item in enumerate(value))
    return None


class SafeJSONParser(JSONParser):
    """JSON with a size cap, a depth cap and only encodable text without NUL; every refusal is a 4xx."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise exceptions.ParseError("The body is not UTF-8 text.", code="invalid_encoding") from None
        except RecursionError:
            raise exceptions.ParseError(
                f"The JSON body is nested more than {MAX_DEPTH} levels deep.", code="json_too_deep"
            ) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"The body is not valid JSON: {exc}", code="invalid_json") from None
        problem = first_problem(data)
        if problem is not None:
            raise exceptions.ParseError(problem.message, code=problem.code)
        return data
