"""The one way an attachment leaves the server: as a download, never rendered in the portal's origin."""

from django.http import FileResponse

from cases.models import CaseAttachment


def attachment_response(attachment: CaseAttachment) -> FileResponse:
    """Stream the file as `application/octet-stream` with `Content-Disposition: attachment` and the sanitised
    name, `nosniff`, and a sandboxing CSP, so an uploaded HTML or SVG can never run as a portal page."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
