"""Hanging-protocol pages (list, detail, create, edit) and the viewer-settings page that
archives, algorithms and reader studies share (each checks its own edit permission first)."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from app.http import request_user
from hanging_protocols import selectors, services
from hanging_protocols.forms import HangingProtocolForm, ViewerSettingsForm
from hanging_protocols.models import HangingProtocolMixin

# keys the detail page shows in their own columns
SHOWN_KEYS = {"viewport_name", "x", "y", "w", "h", "orientation", "label"}


def _form_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_GET
def protocol_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "hanging_protocols/list.html",
        {
            "protocols": selectors.protocols_visible_to(request.user),
            "may_create": selectors.may_create_protocol(request.user),
        },
    )


@login_required
@require_GET
def protocol_detail(request: HttpRequest, slug: str) -> HttpResponse:
    protocol = get_object_or_404(selectors.protocols_visible_to(request.user), slug=slug)
    return render(
        request,
        "hanging_protocols/detail.html",
        {
            "protocol": protocol,
            "json_text": json.dumps(protocol.json, indent=2),
            "viewports": [
                {
                    **v,
                    "other": [
                        f"{k}: {json.dumps(value)}" for k, value in v.items() if k not in SHOWN_KEYS
                    ],
                }
                for v in protocol.json
            ],
            "may_edit": selectors.may_edit_protocol(request.user, protocol),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def protocol_create(request: HttpRequest) -> HttpResponse:
    if not selectors.may_create_protocol(request.user):
        raise PermissionDenied(
            "Creating hanging protocols needs archive, algorithm or reader-study creator rights."
        )
    form = HangingProtocolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            protocol = services.hanging_protocol_create(
                creator=request_user(request), **form.cleaned_data
            )
        except ValidationError as e:
            _form_errors(form, e)
        else:
            messages.success(request, f"Hanging protocol “{protocol.title}” created.")
            return redirect(protocol)
    return render(request, "hanging_protocols/form.html", {"form": form, "protocol": None})


@login_required
@require_http_methods(["GET", "POST"])
def protocol_update(request: HttpRequest, slug: str) -> HttpResponse:
    protocol = get_object_or_404(selectors.protocols_visible_to(request.user), slug=slug)
    if not selectors.may_edit_protocol(request.user, protocol):
        raise PermissionDenied("Only the creator of a hanging protocol edits it.")
    form = HangingProtocolForm(
        request.POST or None,
        initial={
            "title": protocol.title,
            "description": protocol.description,
            "json": protocol.json,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.hanging_protocol_update(protocol=protocol, **form.cleaned_data)
        except ValidationError as e:
            _form_errors(form, e)
        else:
            messages.success(request, "Hanging protocol saved.")
            return redirect(protocol)
    return render(request, "hanging_protocols/form.html", {"form": form, "protocol": protocol})


def viewer_settings_page(
    request: HttpRequest, *, obj: HangingProtocolMixin, back_url: str, heading: str
) -> HttpResponse:
    """Edit `obj`'s layout, alternatives and view content; the caller checked the right."""
    form = ViewerSettingsForm(
        request.POST or None,
        initial={
            "hanging_protocol": obj.hanging_protocol,
            "optional_hanging_protocols": list(obj.optional_hanging_protocols.all()),
            "view_content": obj.view_content,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.viewer_settings_update(obj=obj, **form.cleaned_data)
        except ValidationError as e:
            _form_errors(form, e)
        else:
            messages.success(request, "Viewer settings saved.")
            return redirect(back_url)
    return render(
        request,
        "hanging_protocols/viewer_settings.html",
        {
            "form": form,
            "heading": heading,
            "back_url": back_url,
            "obj": obj,
            "sockets": selectors.displayable_sockets(),
        },
    )
