"""Requests to read a study (GC's access_request_handling), public or private by its shared
link: manual review by the editors on a page or through the API, or accepted at once for
everyone or verified users."""

import pytest
from allauth.account.models import EmailAddress

from reader_studies import selectors, services
from reader_studies.models import ReaderStudyPermissionRequest
from tests.archives.helpers import login
from tests.reader_studies.helpers import new_user, question_for, study_with_case

pytestmark = pytest.mark.django_db
API = "/api/v1/reader-studies/"


def public_study(editor, handling="MANUAL_REVIEW", slug_title="Open chest study"):
    return services.reader_study_create(
        creator=editor,
        title=slug_title,
        public=True,
        description="Chest CT for anyone to read",
        access_request_handling=handling,
    )


def test_manual_review_through_the_api(api_client):
    editor, alice, bob = new_user(), new_user(username="alice"), new_user(username="bob")
    study = public_study(editor)
    path = f"{API}{study.pk}/access-requests/"

    api_client.force_authenticate(alice)
    response = api_client.post(path)
    assert response.status_code == 201
    assert response.json()["status"] == "PEND"
    again = api_client.post(path)
    assert again.status_code == 400
    assert "pending" in str(again.json())
    assert not selectors.may_read(alice, study)
    pk = response.json()["pk"]
    # a requester may not decide, not even their own request
    assert api_client.patch(f"{path}{pk}/", {"status": "ACPT"}, format="json").status_code == 403

    api_client.force_authenticate(bob)
    api_client.post(path)
    assert [r["user"] for r in api_client.get(path).json()] == ["bob"]  # only their own

    api_client.force_authenticate(editor)
    assert sorted(r["user"] for r in api_client.get(path).json()) == ["alice", "bob"]
    bad = api_client.patch(f"{path}{pk}/", {"status": "maybe"}, format="json")
    assert bad.status_code == 400
    accepted = api_client.patch(f"{path}{pk}/", {"status": "ACPT"}, format="json")
    assert accepted.json()["status"] == "ACPT"
    assert selectors.may_read(alice, study)
    twice = api_client.patch(f"{path}{pk}/", {"status": "RJCT"}, format="json")
    assert twice.status_code == 400
    assert "accepted already" in str(twice.json())

    # the API does not show a private study, nor take requests for it (its shared page does)
    private = services.reader_study_create(creator=editor, title="Private study")
    api_client.force_authenticate(bob)
    assert api_client.post(f"{API}{private.pk}/access-requests/").status_code == 404


def test_everyone_or_verified_users_accepted_at_once():
    editor = new_user()
    everyone = public_study(editor, "ACCEPT_ALL", "Study for all")
    verified_only = public_study(editor, "ACCEPT_VERIFIED_USERS", "Study for verified")
    unverified, verified = new_user(), new_user()
    EmailAddress.objects.create(
        user=verified, email=verified.email or "v@example.org", verified=True, primary=True
    )
    assert services.access_request_create(reader_study=everyone, user=unverified).status == "ACPT"
    assert selectors.may_read(unverified, everyone)
    assert (
        services.access_request_create(reader_study=verified_only, user=unverified).status == "PEND"
    )
    assert (
        services.access_request_create(reader_study=verified_only, user=verified).status == "ACPT"
    )
    assert selectors.may_read(verified, verified_only)
    assert not selectors.may_read(unverified, verified_only)


def test_request_and_reject_on_the_pages(client):
    editor, carol = new_user(), new_user(username="carol")
    study = public_study(editor)
    detail = f"/reader-studies/{study.slug}/"
    requests_page = f"/reader-studies/{study.slug}/access-requests/"

    login(client, carol)
    assert "Request to read this study" in client.get(detail).content.decode()
    response = client.post(requests_page)
    assert response.status_code == 302
    assert "Your request to read this study is pending." in client.get(detail).content.decode()
    assert client.get(requests_page).status_code == 404  # the list is for editors

    login(client, editor)
    assert "Access requests (1 pending)" in client.get(detail).content.decode()
    page = client.get(requests_page).content.decode()
    assert "<td>carol</td>" in page
    access = ReaderStudyPermissionRequest.objects.get(user=carol)
    client.post(requests_page, {"access_request": access.pk, "decision": "reject"})
    access.refresh_from_db()
    assert access.status == "RJCT"
    assert not selectors.may_read(carol, study)

    login(client, carol)
    page = client.get(detail).content.decode()
    assert "Your last request was rejected." in page
    client.post(requests_page)  # a rejected user may ask again
    access.refresh_from_db()
    assert access.status == "PEND"


def test_once_asked_the_page_does_not_tell_the_user_to_ask(client):
    editor, carol = new_user(), new_user(username="carol")
    study = public_study(editor)
    detail = f"/reader-studies/{study.slug}/"
    login(client, carol)
    assert "Only the study's readers see its cases and questions." in (
        client.get(detail).content.decode()
    )
    client.post(f"/reader-studies/{study.slug}/access-requests/")
    page = client.get(detail).content.decode()
    assert "Your request to read this study is pending." in page
    assert "ask its editors" not in page


def test_a_private_studys_link_lets_a_signed_in_outsider_ask_to_read_it(client, api_client):
    editor, dora = new_user(), new_user(username="dora")
    study, case = study_with_case(
        editor, title="Private chest study", description="Secret cohort of 40 nodules"
    )
    study.help_text_markdown = "Measure the **largest** nodule"
    study.save()
    question = question_for(study, "NUMB", question_text="Nodule size")
    detail = f"/reader-studies/{study.slug}/"

    assert client.get(detail).url == f"/accounts/login/?next={detail}"

    login(client, dora)
    page = client.get(detail).content.decode()
    assert "Private chest study" in page
    assert "Request to read this study" in page
    for hidden in ("Secret cohort", "largest", "Nodule size", "case 1", "Start reading"):
        assert hidden not in page
    assert client.get("/reader-studies/").content.decode().count("Private chest study") == 0

    response = client.post(f"/reader-studies/{study.slug}/access-requests/")
    assert response.status_code == 302
    assert "Your request to read this study is pending." in client.get(detail).content.decode()
    assert not selectors.may_read(dora, study)
    for path in ("read/", f"read/{case.pk}/", "questions/", "access-requests/", "logo"):
        assert client.get(f"{detail}{path}").status_code == 404, path
    api_client.force_authenticate(dora)
    for path in (
        f"{API}{study.pk}/",
        f"{API}display-sets/{case.pk}/",
        f"{API}questions/{question.pk}/",
    ):
        assert api_client.get(path).status_code == 404, path

    login(client, editor)
    assert "Access requests (1 pending)" in client.get(detail).content.decode()
    page = client.get(f"/reader-studies/{study.slug}/access-requests/").content.decode()
    assert "<td>dora</td>" in page
    access = ReaderStudyPermissionRequest.objects.get(user=dora)
    client.post(
        f"/reader-studies/{study.slug}/access-requests/",
        {"access_request": access.pk, "decision": "accept"},
    )
    login(client, dora)
    assert "Nodule size" in client.get(detail).content.decode()


def test_an_unknown_study_link_is_still_not_found(client):
    login(client, new_user())
    assert client.get("/reader-studies/no-such-study/").status_code == 404
    assert client.post("/reader-studies/no-such-study/access-requests/").status_code == 404
