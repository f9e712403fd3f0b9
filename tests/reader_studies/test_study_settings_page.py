"""Editors set every §A.1 setting of a study from its pages: the logo (a checked picture,
shown on the list and the study's page), case text (JSON, sanitised when shown), the
credit limit, and on the viewer-settings page the hanging protocol, optional layouts and
view content (checked by the API's validator). Refusals name the field; nothing is
half-written; non-editors get 404."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as Picture

from hanging_protocols.services import hanging_protocol_create
from reader_studies import services
from tests.archives.helpers import login
from tests.reader_studies.helpers import new_user, question_for, study_with_case

pytestmark = pytest.mark.django_db

SETTINGS = {"access_request_handling": "MANUAL_REVIEW", "roll_over_answers_for_n_cases": 0}


def _picture(fmt: str = "PNG", size: tuple[int, int] = (16, 16)) -> bytes:
    out = io.BytesIO()
    Picture.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def test_the_logo_is_checked_stored_shown_and_removed(client):
    editor = new_user()
    study, _case = study_with_case(editor, title="Lungs", public=True, description="About lungs")
    url = f"/reader-studies/{study.slug}/settings/"
    base = {"title": "Lungs", "public": "on", "description": "About lungs", **SETTINGS}
    login(client, editor)

    not_a_picture = SimpleUploadedFile("logo.png", b"plain text")
    page = client.post(url, {**base, "logo": not_a_picture}).content.decode()
    assert "Upload a valid image." in page
    bitmap = SimpleUploadedFile("logo.bmp", _picture("BMP"))
    page = client.post(url, {**base, "logo": bitmap}).content.decode()
    assert "logo.bmp is a BMP picture; a logo is PNG, JPEG, GIF or WebP." in page
    # a good logo with a refused setting: neither is saved
    png = SimpleUploadedFile("logo.png", _picture())
    page = client.post(url, {**base, "logo": png, "enable_autosaving": "on"}).content.decode()
    assert "Autosaving needs answer modification to be allowed." in page
    study.refresh_from_db()
    assert not study.logo

    png = SimpleUploadedFile("logo.png", _picture())
    assert client.post(url, {**base, "logo": png}).status_code == 302
    study.refresh_from_db()
    assert study.logo and study.logo.name.startswith("reader-studies/logos/")
    logo_url = f"/reader-studies/{study.slug}/logo"
    assert f'src="{logo_url}"' in client.get("/reader-studies/").content.decode()
    assert f'src="{logo_url}"' in client.get(f"/reader-studies/{study.slug}/").content.decode()
    signed = client.get(logo_url)
    assert signed.status_code == 302 and "Signature" in signed["Location"]

    login(client, new_user())  # a public study's logo is anyone's to see, its settings not
    assert client.get(logo_url).status_code == 302
    assert client.get(url).status_code == 404
    assert client.post(url, {**base, "remove_logo": "on"}).status_code == 404

    login(client, editor)
    assert "Remove the current logo" in client.get(url).content.decode()
    assert client.post(url, {**base, "remove_logo": "on"}).status_code == 302
    study.refresh_from_db()
    assert not study.logo
    assert client.get(logo_url).status_code == 404


def test_case_text_and_credits_from_the_settings_page(client):
    editor = new_user()
    study, case = study_with_case(editor, title="Lungs")
    question_for(study, "BOOL", question_text="Nodule?")
    url = f"/reader-studies/{study.slug}/settings/"
    base = {"title": "Lungs", **SETTINGS}
    login(client, editor)
    form = client.get(url).content.decode()
    assert "Case text (JSON)" in form and "Max credits" in form
    assert "viewer settings</a>" in form

    page = client.post(url, {**base, "case_text": '{"slice": "**left"'}).content.decode()
    assert "Not valid JSON:" in page and "line 1" in page
    page = client.post(url, {**base, "case_text": '{"slice": 3}'}).content.decode()
    assert "Case text maps image names to Markdown strings." in page
    study.refresh_from_db()
    assert study.case_text == {}

    text = '{"slice": "Look at the **left** lung <script>alert(1)</script>"}'
    assert client.post(url, {**base, "case_text": text, "max_credits": 900}).status_code == 302
    study.refresh_from_db()
    assert study.max_credits == 900
    assert study.case_text == {"slice": "Look at the **left** lung <script>alert(1)</script>"}
    reading = client.get(f"/reader-studies/{study.slug}/read/{case.pk}/").content.decode()
    assert "Look at the <strong>left</strong> lung" in reading
    assert "<script>alert(1)" not in reading


def test_viewer_settings_of_a_study_are_checked_as_the_api_checks_them(client):
    editor = new_user()
    study, _case = study_with_case(editor, title="Lungs")
    one = hanging_protocol_create(creator=editor, title="One", json=[{"viewport_name": "main"}])
    two = hanging_protocol_create(
        creator=editor,
        title="Two",
        json=[{"viewport_name": "main"}, {"viewport_name": "secondary"}],
    )
    url = f"/reader-studies/{study.slug}/viewer/"
    login(client, editor)
    secondary = '{"secondary": ["generic-medical-image"]}'
    bad = client.post(url, {"hanging_protocol": one.pk, "view_content": secondary}).content.decode()
    assert "not in the protocol: secondary" in bad
    study.refresh_from_db()
    assert study.hanging_protocol is None and study.view_content == {}
    ok = client.post(
        url,
        {
            "hanging_protocol": one.pk,
            "optional_hanging_protocols": [two.pk],
            "view_content": '{"main": ["generic-medical-image"]}',
        },
    )
    assert ok.status_code == 302
    study.refresh_from_db()
    assert study.hanging_protocol == one
    assert list(study.optional_hanging_protocols.all()) == [two]
    assert study.view_content == {"main": ["generic-medical-image"]}

    reader = new_user()
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    login(client, reader)
    assert client.get(url).status_code == 404


def test_viewer_settings_that_drop_a_questions_image_port_are_refused_naming_it(client):
    editor = new_user()
    study, _case = study_with_case(editor, title="Lungs")
    two = hanging_protocol_create(
        creator=editor,
        title="Two",
        json=[{"viewport_name": "main"}, {"viewport_name": "secondary"}],
    )
    both = {"main": ["generic-medical-image"], "secondary": ["generic-medical-image"]}
    services.reader_study_update(reader_study=study, view_content=both)
    question_for(study, "POIN", question_text="Where is the nodule?", image_port="S")
    url = f"/reader-studies/{study.slug}/viewer/"
    login(client, editor)

    main_only = '{"main": ["generic-medical-image"]}'
    page = client.post(url, {"view_content": main_only}).content.decode()
    assert "Question &#x27;Where is the nodule?&#x27;: The view content has no" in page
    study.refresh_from_db()
    assert study.view_content == both
    # the API's write path (the same service rules) refuses it alike
    with pytest.raises(ValidationError, match="Where is the nodule"):
        services.reader_study_update(
            reader_study=study, view_content={"main": ["generic-medical-image"]}
        )

    # a layout that keeps the secondary viewport is fine, and so is no view content at all
    assert (
        client.post(url, {"hanging_protocol": two.pk, "view_content": json.dumps(both)}).status_code
        == 302
    )
    assert client.post(url, {"view_content": ""}).status_code == 302
    study.refresh_from_db()
    assert study.view_content == {}
