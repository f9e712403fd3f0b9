"""The permission helpers, through views built from them (tests/permtest)."""

import pytest
from django.contrib.auth.models import Group

from app.models import AuditRecord
from app.permissions import (
    CREATOR_GROUPS,
    add_member,
    create_role_groups,
    may_create,
    remove_member,
)
from tests.factories import UserFactory
from tests.permtest.models import Thing

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.permtest.urls")]
ROLES = {"editors": ["view_thing", "change_thing"], "users": ["view_thing"]}


@pytest.fixture
def thing():  # type: ignore[no-untyped-def]
    thing = Thing.objects.create(title="secret scan")
    create_role_groups(obj=thing, roles=ROLES)
    return thing


@pytest.mark.parametrize("url", ["/things/{pk}/", "/class-things/{pk}/", "/api/things/{pk}/"])
def test_outsiders_get_404_members_get_the_object(client, thing, user, other_user, url):  # type: ignore[no-untyped-def]
    add_member(obj=thing, role="users", user=user)
    url = url.format(pk=thing.pk)
    assert client.get(url).status_code in (401, 403, 404)  # anonymous: nothing
    client.force_login(other_user)
    assert client.get(url).status_code == 404
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert response.json()["title"] == "secret scan"


def test_api_lists_only_visible_objects_and_writes_need_the_role(api_client, thing, user):  # type: ignore[no-untyped-def]
    Thing.objects.create(title="someone else's")
    add_member(obj=thing, role="users", user=user)
    api_client.force_authenticate(user)
    listed = api_client.get("/api/things/").json()
    assert [t["title"] for t in listed["results"]] == ["secret scan"]
    url = f"/api/things/{thing.pk}/"
    assert api_client.patch(url, {"title": "renamed"}, format="json").status_code == 403
    add_member(obj=thing, role="editors", user=user)
    assert api_client.patch(url, {"title": "renamed"}, format="json").status_code == 200
    thing.refresh_from_db()
    assert thing.title == "renamed"


def test_removing_a_member_hides_the_object_and_both_are_audited(client, thing, user):  # type: ignore[no-untyped-def]
    add_member(obj=thing, role="users", user=user)
    remove_member(obj=thing, role="users", user=user)
    client.force_login(user)
    assert client.get(f"/things/{thing.pk}/").status_code == 404
    actions = list(
        AuditRecord.objects.filter(object_id=str(thing.pk)).values_list("action", flat=True)
    )
    assert sorted(actions) == ["permission-granted", "permission-revoked"]


def test_creator_groups_exist_and_decide_who_may_create(user):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import AnonymousUser

    assert set(Group.objects.values_list("name", flat=True)) >= set(CREATOR_GROUPS.values())
    assert not may_create(user, Thing)
    assert not may_create(AnonymousUser(), Thing)
    staff = UserFactory.create(is_staff=True)
    assert may_create(staff, Thing)
    # Any model named in CREATOR_GROUPS is decided by membership of its group, by name.
    CREATOR_GROUPS["permtest.Thing"] = "algorithm creators"
    try:
        Group.objects.get(name="algorithm creators").user_set.add(user)
        assert may_create(user, Thing)
    finally:
        del CREATOR_GROUPS["permtest.Thing"]
