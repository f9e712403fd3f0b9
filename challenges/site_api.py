"""A challenge's site and roles by script, so organisers need no page for them (GC has
pages only; the shapes follow its field names):

    GET/POST/DELETE challenges/<slug>/members/                 (admins)
        {"admins": [...], "participants": [...], "external_evaluators": [...]};
        POST {"role": "admins"|"external_evaluators", "username"};
        DELETE ?role=&username= (participants too: they join by registration request)
    GET/POST        challenges/<slug>/registration-questions/  (POST: admins)
    GET/DELETE      challenges/<slug>/registration-questions/<pk>/
    GET/POST        challenges/<slug>/pages/                    (by permission level; POST: admins)
    GET/PATCH/DELETE challenges/<slug>/pages/<page slug>/
"""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import StrictSerializer
from app.http import absolute, request_user
from app.markdown import md2html
from app.permissions import role_group
from challenges import selectors, services
from challenges.api import require_admin, visible_challenge
from challenges.models import Challenge, ChallengePage, RegistrationQuestion

ROLES = ("admins", "participants", "external_evaluators")


class _ChallengeChild(viewsets.GenericViewSet):
    def challenge(self) -> Challenge:
        """Hidden challenges are 404 to all but their admins and participants."""
        return visible_challenge(self.request, self.kwargs["challenge_slug"])


# --- members -------------------------------------------------------------------------


class MemberSerializer(StrictSerializer):
    role = serializers.CharField()
    username = serializers.CharField()

    def validate_role(self, value: str) -> str:
        granted = sorted(services.GRANTED_ROLES)
        if self.context.get("adding") and value == "participants":
            raise serializers.ValidationError(
                "Participants join by a registration request (POST "
                ".../registration-requests/), which admins accept; add one of "
                f"{granted}."
            )
        if value not in ROLES:
            raise serializers.ValidationError(f"{value!r} is not one of {list(ROLES)}.")
        return value

    def validate_username(self, value: str) -> str:
        if not User.objects.filter(username=value.strip()).exists():
            raise serializers.ValidationError(f"There is no user {value.strip()!r}.")
        return value.strip()


class MembersViewSet(_ChallengeChild):
    """The challenge's admins, participants and external evaluators, for its admins."""

    permission_classes = (IsAuthenticated,)
    serializer_class = MemberSerializer

    def _members(self, challenge: Challenge) -> Response:
        return Response(
            {
                role: list(
                    role_group(challenge, role)
                    .user_set.order_by("username")
                    .values_list("username", flat=True)
                )
                for role in ROLES
            }
        )

    def _administered(self) -> Challenge:
        challenge = self.challenge()
        require_admin(self.request, challenge)
        return challenge

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._members(self._administered())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        challenge = self._administered()
        data = MemberSerializer(data=request.data, context={"adding": True})
        data.is_valid(raise_exception=True)
        services.challenge_member_add(
            challenge=challenge,
            actor=request_user(request),
            request=request._request,
            **data.validated_data,
        )
        return self._members(challenge)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        challenge = self._administered()
        data = MemberSerializer(data=request.query_params.dict())
        data.is_valid(raise_exception=True)
        role = data.validated_data["role"]
        user = User.objects.get(username=data.validated_data["username"])
        actor = request_user(request)
        if role == "participants":
            services.participant_remove(
                challenge=challenge, user=user, actor=actor, request=request._request
            )
        else:
            services.challenge_member_remove(
                challenge=challenge, role=role, user=user, actor=actor, request=request._request
            )
        return self._members(challenge)


# --- registration questions ----------------------------------------------------------


class RegistrationQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegistrationQuestion
        fields = ("pk", "question_text", "question_help_text", "required", "schema", "created")
        read_only_fields = ("pk", "created")


class RegistrationQuestionWriteSerializer(StrictSerializer):
    question_text = serializers.CharField(max_length=200)
    question_help_text = serializers.CharField(required=False, allow_blank=True, default="")
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]
    schema = serializers.JSONField(required=False, default=dict)


class RegistrationQuestionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """What a user answers when asking to join (`{"answers": {"<pk>": <answer>}}` on
    registration-requests/); like asking to join, any signed-in user who knows the slug
    reads them. Admins add and delete questions."""

    permission_classes = (IsAuthenticated,)
    serializer_class = RegistrationQuestionSerializer

    def challenge(self) -> Challenge:
        return get_object_or_404(Challenge, slug=self.kwargs["challenge_slug"])

    def get_queryset(self) -> QuerySet[RegistrationQuestion]:
        return self.challenge().registration_questions.order_by("created", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        challenge = self.challenge()
        require_admin(request, challenge)
        data = RegistrationQuestionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.registration_question_create(
            challenge=challenge, actor=request_user(request), **data.validated_data
        )
        return Response(self.get_serializer(question).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        question = self.get_object()
        require_admin(request, question.challenge)
        services.registration_question_delete(question=question, actor=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- pages ---------------------------------------------------------------------------


class PageSerializer(serializers.ModelSerializer):
    api_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    content_html = serializers.SerializerMethodField()

    class Meta:
        model = ChallengePage
        fields = (
            "api_url",
            "url",
            "slug",
            "display_title",
            "permission_level",
            "order",
            "hidden",
            "content_markdown",
            "content_html",
            "created",
            "modified",
        )

    def get_api_url(self, obj: ChallengePage) -> str:
        path = reverse(
            "api:challenge-page-detail",
            kwargs={"challenge_slug": obj.challenge.slug, "slug": obj.slug},
        )
        return absolute(self.context.get("request"), path)

    def get_url(self, obj: ChallengePage) -> str:
        path = reverse(
            "challenges:page", kwargs={"slug": obj.challenge.slug, "page_slug": obj.slug}
        )
        return absolute(self.context.get("request"), path)

    def get_content_html(self, obj: ChallengePage) -> str:
        """The Markdown rendered and sanitised, as the page shows it."""
        return md2html(obj.content_markdown)


class PageWriteSerializer(StrictSerializer):
    display_title = serializers.CharField(max_length=255, required=False)
    slug = serializers.SlugField(max_length=64, required=False)
    permission_level = serializers.ChoiceField(
        choices=ChallengePage.Permission.choices, required=False
    )
    hidden = serializers.BooleanField(required=False)
    content_markdown = serializers.CharField(required=False, allow_blank=True)
    order = serializers.IntegerField(min_value=1, required=False)


class PageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _ChallengeChild):
    """The challenge's Markdown pages the user may read (everyone, participants, admins),
    hidden ones included as on the site (they are left out of its tabs only); admins
    create, change (`order`: its place, 1 = first) and delete them."""

    permission_classes = (AllowAny,)  # a public challenge's public pages are public
    serializer_class = PageSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[ChallengePage]:
        return selectors.pages_visible_to(self.request.user, self.challenge()).select_related(
            "challenge"
        )

    def _write(self, challenge: Challenge, page: ChallengePage | None) -> Response:
        require_admin(self.request, challenge)
        data = PageWriteSerializer(data=self.request.data, partial=page is not None)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        order = fields.pop("order", None)
        if page is None and not fields.get("display_title"):
            raise ValidationError({"display_title": ["This field is required."]})
        actor = request_user(self.request)
        saved = services.page_save(
            challenge=challenge,
            actor=actor,
            page=page,
            fields=fields,
            request=self.request._request,
        )
        if order is not None:
            saved = services.page_place(page=saved, actor=actor, position=order)
        return Response(
            self.get_serializer(saved).data,
            status=status.HTTP_200_OK if page else status.HTTP_201_CREATED,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(self.challenge(), None)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.get_object()
        return self._write(page.challenge, page)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.get_object()
        require_admin(request, page.challenge)
        services.page_delete(page=page, actor=request_user(request), request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
