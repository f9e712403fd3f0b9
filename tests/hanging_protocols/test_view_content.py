"""View content: viewports are those of the chosen protocol, slugs are sockets, one image
per viewport, stand-alone kinds alone, undisplayable kinds refused; the settings of an
archive, algorithm or reader study change together or not at all."""

import pytest
from django.core.exceptions import ValidationError

from archives.services import archive_create
from components.models import ComponentInterface
from hanging_protocols.services import viewer_settings_update
from hanging_protocols.view_content import view_content_errors
from reader_studies.services import reader_study_create, reader_study_update
from tests.hanging_protocols.helpers import ONE, TWO_SIDE_BY_SIDE, layout_maker, protocol

pytestmark = pytest.mark.django_db


@pytest.fixture
def sockets() -> None:
    ComponentInterface.objects.create(
        title="CT 2", slug="ct-2", kind="Image", relative_path="images/ct-2"
    )
    ComponentInterface.objects.create(
        title="Report", slug="report", kind="PDF file", relative_path="report.pdf"
    )


def test_good_view_content_passes(sockets: None) -> None:
    content = {"main": ["generic-medical-image", "generic-overlay"], "secondary": ["ct-2"]}
    assert view_content_errors(content, protocol_json=TWO_SIDE_BY_SIDE) == []
    assert view_content_errors({}, protocol_json=TWO_SIDE_BY_SIDE) == []  # nothing chosen yet
    assert view_content_errors({"main": ["ct-2"]}, protocol_json=None) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"left": ["ct-2"]}, "'left' is not a viewport name"),
        ({"main": []}, "viewport 'main': [] should be non-empty"),
        ({"main": ["ct-2", "ct-2"]}, "has non-unique elements"),
        ({"main": ["ct-2"]}, "must be those of the hanging protocol (missing secondary)"),
        (
            {"main": ["ct-2"], "secondary": ["ct-2"], "tertiary": ["ct-2"]},
            "not in the protocol: tertiary",
        ),
        (
            {"main": ["ct-2"], "secondary": ["no-such-socket"]},
            "Viewport 'secondary': no socket 'no-such-socket'",
        ),
        (
            {"main": ["ct-2", "generic-medical-image"], "secondary": ["ct-2"]},
            "Viewport 'main': at most one image socket",
        ),
        (
            {"main": ["ct-2"], "secondary": ["report", "ct-2"]},
            "Viewport 'secondary': report must be alone",
        ),
        (
            {"main": ["ct-2"], "secondary": ["predictions-csv-file"]},
            "predictions-csv-file cannot be displayed",
        ),
    ],
)
def test_bad_view_content_is_refused_naming_the_viewport(
    sockets: None, content: dict, expected: str
) -> None:  # type: ignore[type-arg]
    errors = view_content_errors(content, protocol_json=TWO_SIDE_BY_SIDE)
    assert any(expected in e for e in errors), errors


def test_archive_settings_change_together_or_not_at_all(sockets: None) -> None:
    maker = layout_maker()
    two, one = protocol(maker), protocol(maker, "One", ONE)
    archive = archive_create(creator=maker, title="Pairs")
    viewer_settings_update(
        obj=archive,
        hanging_protocol=two,
        optional_hanging_protocols=[one],
        view_content={"main": ["generic-medical-image"], "secondary": ["ct-2"]},
    )
    archive.refresh_from_db()
    assert archive.hanging_protocol == two
    assert list(archive.optional_hanging_protocols.all()) == [one]

    with pytest.raises(ValidationError) as e:
        viewer_settings_update(
            obj=archive,
            hanging_protocol=one,
            optional_hanging_protocols=[],
            view_content={"main": ["x"]},
        )
    assert "no socket 'x'" in str(e.value.message_dict["view_content"])
    archive.refresh_from_db()
    assert archive.hanging_protocol == two and archive.view_content["secondary"] == ["ct-2"]
    assert list(archive.optional_hanging_protocols.all()) == [one]


def test_reader_study_view_content_is_checked_on_every_write_path(sockets: None) -> None:
    maker = layout_maker()
    with pytest.raises(ValidationError) as e:
        reader_study_create(creator=maker, title="Study", view_content={"main": ["nothing-here"]})
    assert "view_content" in e.value.message_dict
    study = reader_study_create(creator=maker, title="Study", view_content={"main": ["ct-2"]})
    with pytest.raises(ValidationError):
        reader_study_update(reader_study=study, view_content={"sidebar": ["ct-2"]})
