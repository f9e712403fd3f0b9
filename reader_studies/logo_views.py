"""A study's logo, for whoever may see the study: a redirect to a short-lived signed URL
(the file's key is a UUID; the check is the study's visibility)."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from app.storage import signed_url
from reader_studies import selectors


@require_GET
def reader_study_logo(request: HttpRequest, slug: str) -> HttpResponse:
    study = selectors.reader_studies_visible_to(request.user).filter(slug=slug).first()
    if study is None or not study.logo:
        raise Http404("No logo.")
    return HttpResponseRedirect(signed_url(bucket="public", key=study.logo.name))
