"""The error half of the OpenAPI document: one `Error` shape and the statuses every operation can answer.

drf-spectacular documents what views return on success; the errors come from one exception handler
(husky_support.api.exceptions), so they are added here once, from the operation's shape, instead of on
every view. Statuses an operation documents itself are left as they are.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a stable machine-readable `code` and a human `message`.",
    "properties": {
        "code": {"type": "string", "example": "invalid_ppid"},
        "message": {"type": "string", "example": "The PPID has 3 characters, not 20 or 23."},
        "fields": {
            "type": "object",
            "description": "Bad input: each field (nested rows the same way) maps to a list of {code, message}.",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["code", "message"],
                },
            },
        },
    },
    "required": ["code", "message"],
}

_REF = {"$ref": "#/components/schemas/Error"}


def _response(description: str, code: str, message: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _REF, "example": {"code": code, "message": message}}},
    }


BAD_REQUEST = _response(
    "Bad input; `fields` names every bad field at once.", "invalid", "Some fields need fixing; nothing was saved."
)
UNAUTHENTICATED = _response(
    "No valid token or session.", "not_authenticated", "Authentication credentials were not provided."
)
NOT_FOUND = _response("No such object, or one you may not see.", "not_found", "Not found.")
CONFLICT = _response(
    "The object changed meanwhile or is in a state that refuses this.",
    "conflict",
    "Someone else changed this case since you loaded it; reload it and try again.",
)
TOO_LARGE = _response("The body is over the size limit.", "request_too_large", "The request body is too large.")
UNSUPPORTED = _response(
    "Writes take JSON (uploads take multipart).", "unsupported_media_type", 'Unsupported media type "text/plain".'
)
THROTTLED = _response("Too many requests; retry after `retry_after_seconds`.", "throttled", "Request was throttled.")
IDEMPOTENCY_REUSED = _response(
    "The Idempotency-Key was first sent with another body.",
    "idempotency_key_reused",
    "The Idempotency-Key 'order-42' was already used for a different request.",
)

# Operations that change a versioned object or take a state transition can conflict.
_CONFLICT_ACTIONS = ("transitions", "submit", "confirm", "reject")

SUMMARIES = {
    "auth_token_create": "Exchange a username and password for an API token",
    "cases_list": "List the cases you may see",
    "cases_create": "Open a case (idempotent with Idempotency-Key)",
    "cases_retrieve": "Get a case",
    "cases_partial_update": "Edit a case's checklist (send the version you saw)",
    "cases_attachments_list": "List a case's files",
    "cases_attachments_create": "Upload a file to a case (multipart)",
    "cases_attachments_download_retrieve": "Download a case's file",
    "cases_comments_list": "List a case's comments",
    "cases_comments_create": "Comment on a case",
    "cases_events_list": "A case's timeline",
    "cases_transitions_list": "The actions you may take on a case now",
    "cases_transitions_create": "Take an action on a case (escalate, take, resolve, ...)",
    "coverage_list": "Dell coverage per country",
    "coverage_retrieve": "Dell coverage in one country",
    "coverage_update": "Replace a country's coverage (MTS admins; every field required)",
    "coverage_partial_update": "Change part of a country's coverage (MTS admins)",
    "me_retrieve": "Who you are: user, organisation, role",
    "orders_list": "List orders",
    "orders_create": "Place an order for a reseller (distributors)",
    "orders_retrieve": "Get an order",
    "organisations_list": "List the organisations you may see",
    "organisations_retrieve": "Get an organisation",
    "tokens_list": "List the API tokens you manage",
    "tokens_create": "Create an API token (the key is shown once)",
    "tokens_destroy": "Revoke an API token",
    "transfers_list": "List service-tag transfers",
    "transfers_create": "File a service-tag transfer (optionally submit it)",
    "transfers_retrieve": "Get a service-tag transfer",
    "transfers_partial_update": "Edit a draft transfer",
    "transfers_confirm_create": "Confirm a submitted transfer (MTS, Dell)",
    "transfers_reject_create": "Reject a submitted transfer with a reason (MTS, Dell)",
    "transfers_submit_create": "Submit a draft transfer to Dell",
    "units_list": "List the units you may see",
    "units_retrieve": "Get a unit with its location history",
    "units_eligibility": "Onsite and NBD eligibility of a unit at a moment",
    "users_list": "List the users you may see",
    "users_create": "Add a member to your organisation (org admins)",
    "users_retrieve": "Get a user",
    "users_partial_update": "Change a member's role or deactivate them (org admins)",
}


def _fallback_summary(operation_id: str) -> str:
    words = operation_id.replace("partial_update", "update").replace("_", " ")
    return words[:1].upper() + words[1:]


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the Error component and the error statuses of each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation_id = operation.get("operationId", "")
            operation.setdefault("summary", SUMMARIES.get(operation_id) or _fallback_summary(operation_id))
            responses = operation["responses"]
            takes_input = "requestBody" in operation or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            )
            extra = {"429": THROTTLED}
            if operation.get("security") != [{}] and not path.endswith("/auth/token/"):
                extra["401"] = UNAUTHENTICATED
            if takes_input:
                extra["400"] = BAD_REQUEST
            if "{" in path:
                extra["404"] = NOT_FOUND
            if "requestBody" in operation:
                extra["413"] = TOO_LARGE
                extra["415"] = UNSUPPORTED
            last_segment = path.rstrip("/").rsplit("/", 1)[-1]
            if method != "get" and (
                (method == "patch" and path.endswith("/cases/{id}/")) or last_segment in _CONFLICT_ACTIONS
            ):
                extra["409"] = CONFLICT
            if method == "post" and path.endswith("/cases/"):
                extra["422"] = IDEMPOTENCY_REUSED
            for status_code, response in extra.items():
                responses.setdefault(status_code, response)
            for status_code, response in responses.items():
                # A view that names an error status (with its own description) still answers the one shape.
                if status_code[0] in "45" and "content" not in response:
                    response["content"] = {"application/json": {"schema": _REF}}
    return result
