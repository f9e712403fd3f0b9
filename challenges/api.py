"""Challenges, phases, submissions and evaluations in GC's shape (contracts §B.1, §B.7),
plus the script-friendly set-up and submission endpoints of issue 10 item 5."""

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import Resolver404, resolve, reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from algorithms.models import AlgorithmImage, AlgorithmInterface
from app.api import StrictSerializer, uuid_param
from app.http import absolute, request_user
from app.permissions import can, may_create
from app.urlresolve import UUID_PATTERN, pk_from_api_url
from archives.models import Archive
from challenges import leaderboard_display, selectors, services, team_services
from challenges.models import (
    Challenge,
    Evaluation,
    EvaluationGroundTruth,
    Method,
    Phase,
    RegistrationRequest,
    Submission,
)
from components.api import socket_value_data
from uploads.models import UserUpload


def _url(request: Request | None, name: str, **kwargs: Any) -> str:
    return absolute(request, reverse(f"api:{name}", kwargs=kwargs))


def visible_challenge(request: Request, slug: str) -> Challenge:
    return get_object_or_404(selectors.challenges_visible_to(request.user), slug=slug)


def require_admin(request: Request, challenge: Challenge) -> None:
    if not selectors.is_admin(request.user, challenge):
        raise PermissionDenied(f"Only admins of the challenge {challenge.slug!r} may do this.")


# --- challenges ----------------------------------------------------------------------


class ChallengeSerializer(serializers.ModelSerializer):
    api_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    public = serializers.BooleanField()
    status = serializers.CharField()
    logo = serializers.SerializerMethodField()
    banner = serializers.SerializerMethodField()
    submission_types = serializers.SerializerMethodField()
    start_date = serializers.SerializerMethodField()
    end_date = serializers.SerializerMethodField()
    publications = serializers.SerializerMethodField()
    incentives = serializers.SerializerMethodField()

    class Meta:
        model = Challenge
        fields = (
            "api_url",
            "url",
            "slug",
            "title",
            "description",
            "public",
            "status",
            "logo",
            "submission_types",
            "start_date",
            "end_date",
            "publications",
            "created",
            "modified",
            "incentives",
            "access_request_handling",
            "contact_email",
            "use_teams",
            "banner",
        )

    def _phases(self, obj: Challenge) -> list[Phase]:
        return [p for p in obj.phases.all() if p.public]

    def get_api_url(self, obj: Challenge) -> str:
        return _url(self.context.get("request"), "challenge-detail", slug=obj.slug)

    def get_url(self, obj: Challenge) -> str:
        return absolute(self.context.get("request"), f"/challenges/{obj.slug}/")

    def get_logo(self, obj: Challenge) -> str | None:
        return obj.logo.url if obj.logo else None

    def get_banner(self, obj: Challenge) -> str | None:
        return obj.banner.url if obj.banner else None

    def get_submission_types(self, obj: Challenge) -> list[str]:
        return sorted({p.get_submission_kind_display() for p in self._phases(obj)})

    def get_start_date(self, obj: Challenge) -> str | None:
        dates = [p.submissions_open_at for p in self._phases(obj) if p.submissions_open_at]
        return min(dates).isoformat() if dates else None

    def get_end_date(self, obj: Challenge) -> str | None:
        dates = [p.submissions_close_at for p in self._phases(obj)]
        if not dates or None in dates:
            return None
        return max(d for d in dates if d).isoformat()

    def get_publications(self, obj: Challenge) -> list:
        return []

    def get_incentives(self, obj: Challenge) -> list:
        return []


class ChallengeCreateSerializer(StrictSerializer):
    slug = serializers.CharField(max_length=50)
    title = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=1024, required=False, allow_blank=True, default=""
    )
    access_request_handling = serializers.ChoiceField(
        choices=Challenge.AccessRequestHandling.choices,
        default=Challenge.AccessRequestHandling.MANUAL_REVIEW,
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    public = serializers.BooleanField(default=False)
    use_teams = serializers.BooleanField(default=False)


class ChallengeUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=64, required=False, allow_blank=True)
    description = serializers.CharField(max_length=1024, required=False, allow_blank=True)
    access_request_handling = serializers.ChoiceField(
        choices=Challenge.AccessRequestHandling.choices, required=False
    )
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    public = serializers.BooleanField(required=False)
    use_teams = serializers.BooleanField(required=False)
    # multipart; null removes the image
    logo = serializers.ImageField(required=False, allow_null=True)
    banner = serializers.ImageField(required=False, allow_null=True)


class ChallengeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Challenges the user may see (public ones for everyone); `POST` for challenge creators;
    `PATCH` for the challenge's admins (its settings; the slug stays, URLs use it)."""

    serializer_class = ChallengeSerializer
    permission_classes = (AllowAny,)  # public challenges are public; writes check rights
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Challenge]:
        challenges = selectors.challenges_visible_to(self.request.user)
        return challenges.prefetch_related("phases").order_by("-created", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_create(request.user, Challenge):
            raise PermissionDenied(
                "You may not create challenges: ask for challenge-creator rights."
            )
        data = ChallengeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        challenge = services.challenge_create(
            creator=request_user(request),
            hidden=not fields.pop("public"),
            request=request._request,
            **fields,
        )
        return Response(self.get_serializer(challenge).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        challenge = self.get_object()
        require_admin(request, challenge)
        data = ChallengeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        use_teams = fields.pop("use_teams", None)
        if "public" in fields:
            fields["hidden"] = not fields.pop("public")
        for image in ("logo", "banner"):
            if image in fields and fields[image] is None:
                fields[image] = ""
        actor = request_user(request)
        if fields:
            challenge = services.challenge_update(
                challenge=challenge, actor=actor, fields=fields, request=request._request
            )
        if use_teams is not None and use_teams != challenge.use_teams:
            challenge = team_services.challenge_use_teams(
                challenge=challenge, actor=actor, on=use_teams, request=request._request
            )
        return Response(self.get_serializer(challenge).data)


# --- phases --------------------------------------------------------------------------


class SubmissionKindField(serializers.ChoiceField):
    """GC's labels ("Predictions", "Algorithm") both ways."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[label for _, label in Phase.SubmissionKind.choices], **kwargs)

    def to_internal_value(self, data: Any) -> int:  # type: ignore[override]
        label = super().to_internal_value(data)
        return next(v for v, lab in Phase.SubmissionKind.choices if lab == label)

    def to_representation(self, value: Any) -> str:
        return str(Phase.SubmissionKind(value).label)


PHASE_READ_ONLY = ("pk", "api_url", "challenge", "status", "open_for_submissions", "created")


class PhaseSerializer(serializers.ModelSerializer):
    api_url = serializers.SerializerMethodField()
    challenge = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True)
    open_for_submissions = serializers.SerializerMethodField()
    submission_kind = SubmissionKindField(required=False)
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    archive = serializers.SerializerMethodField()
    algorithm_interfaces = serializers.SerializerMethodField()
    remaining_submissions = serializers.SerializerMethodField()
    next_submission_at = serializers.SerializerMethodField()

    class Meta:
        model = Phase
        fields = (
            *PHASE_READ_ONLY,
            *services.PHASE_FIELDS,
            "algorithm_interfaces",
            "remaining_submissions",
            "next_submission_at",
        )

    def get_api_url(self, obj: Phase) -> str:
        return _url(
            self.context.get("request"),
            "phase-detail",
            challenge_slug=obj.challenge.slug,
            slug=obj.slug,
        )

    def get_challenge(self, obj: Phase) -> str:
        return _url(self.context.get("request"), "challenge-detail", slug=obj.challenge.slug)

    def get_open_for_submissions(self, obj: Phase) -> bool:
        return obj.open_for_submissions()

    def get_parent(self, obj: Phase) -> str | None:
        if obj.parent is None:
            return None
        return _url(
            self.context.get("request"),
            "phase-detail",
            challenge_slug=obj.challenge.slug,
            slug=obj.parent.slug,
        )

    def get_archive(self, obj: Phase) -> str | None:
        if obj.archive_id is None:
            return None
        # the hidden test set: its URL only for the challenge's admins
        if not self.context.get("is_admin"):
            return None
        return _url(self.context.get("request"), "archive-detail", pk=obj.archive_id)

    def get_algorithm_interfaces(self, obj: Phase) -> list[dict]:
        return [
            {
                "pk": i.pk,
                "inputs": [s.slug for s in i.inputs.all()],
                "outputs": [s.slug for s in i.outputs.all()],
            }
            for i in obj.algorithm_interfaces.all()
        ]

    def _limit(self, obj: Phase) -> selectors.SubmissionLimit | None:
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return None
        return selectors.submission_limit(phase=obj, user=request.user)

    def get_remaining_submissions(self, obj: Phase) -> int | None:
        limit = self._limit(obj)
        return None if limit is None else limit.remaining

    def get_next_submission_at(self, obj: Phase) -> str | None:
        limit = self._limit(obj)
        if limit is None or limit.next_submission_at is None:
            return None
        return limit.next_submission_at.isoformat()


class PhaseWriteSerializer(StrictSerializer):
    """§B.2 field names and stored values; relations as API URLs (or pks)."""

    title = serializers.CharField(max_length=64, required=False)
    slug = serializers.SlugField(max_length=64, required=False)
    submission_kind = SubmissionKindField(required=False)
    archive = serializers.CharField(required=False, allow_null=True)
    parent = serializers.CharField(required=False, allow_null=True)  # type: ignore[assignment]
    algorithm_interfaces = serializers.ListField(child=serializers.IntegerField(), required=False)
    score_title = serializers.CharField(max_length=32, required=False)
    score_jsonpath = serializers.CharField(max_length=255, required=False, allow_blank=True)
    score_error_jsonpath = serializers.CharField(max_length=255, required=False, allow_blank=True)
    score_default_sort = serializers.ChoiceField(choices=Phase.Sort.choices, required=False)
    score_decimal_places = serializers.IntegerField(min_value=0, max_value=16, required=False)
    extra_results_columns = serializers.JSONField(required=False)
    scoring_method_choice = serializers.ChoiceField(
        choices=Phase.ScoringMethod.choices, required=False
    )
    result_display_choice = serializers.ChoiceField(
        choices=Phase.ResultDisplay.choices, required=False
    )
    auto_publish_new_results = serializers.BooleanField(required=False)
    display_all_metrics = serializers.BooleanField(required=False)
    submissions_limit_per_user_per_period = serializers.IntegerField(min_value=0, required=False)
    submission_limit_period = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    submissions_open_at = serializers.DateTimeField(required=False, allow_null=True)
    submissions_close_at = serializers.DateTimeField(required=False, allow_null=True)
    public = serializers.BooleanField(required=False)
    external_evaluation = serializers.BooleanField(required=False)
    submission_page_markdown = serializers.CharField(required=False, allow_blank=True)
    evaluation_time_limit = serializers.IntegerField(required=False)
    evaluation_requires_gpu_type = serializers.CharField(required=False, allow_blank=True)
    evaluation_requires_memory_gb = serializers.IntegerField(required=False)
    algorithm_time_limit = serializers.IntegerField(required=False)
    algorithm_maximum_settable_memory_gb = serializers.IntegerField(required=False)


def _phase_fields(request: Request, challenge: Challenge, data: dict) -> tuple[dict, list | None]:
    fields = dict(data)
    interfaces = None
    if "algorithm_interfaces" in fields:
        pks = fields.pop("algorithm_interfaces")
        interfaces = list(AlgorithmInterface.objects.filter(pk__in=pks))
        missing = sorted(set(pks) - {i.pk for i in interfaces})
        if missing:
            raise ValidationError({"algorithm_interfaces": f"No algorithm interface {missing}."})
    if fields.get("archive") is not None:
        pk = pk_from_api_url(fields["archive"], "api:archive-detail")
        archive = Archive.objects.filter(pk=pk).first() if pk else None
        if archive is None or not can(request.user, "change_archive", archive):
            raise ValidationError(
                {"archive": "Give the API URL of an archive you are an editor of."}
            )
        fields["archive"] = archive
    if fields.get("parent") is not None:
        value = fields["parent"]
        parent = _phase_of(challenge, value)
        if parent is None:
            raise ValidationError({"parent": f"No phase {value!r} in this challenge."})
        fields["parent"] = parent
    return fields, interfaces


def _phase_of(challenge: Challenge, value: str) -> Phase | None:
    """A phase of challenge by slug, pk or API URL."""
    try:
        match = resolve(urlsplit(value).path)
        if match.view_name == "api:phase-detail":
            value = match.kwargs["slug"]
    except (Resolver404, ValueError):
        pass
    try:
        return challenge.phases.filter(pk=uuid.UUID(value)).first()
    except ValueError:
        return challenge.phases.filter(slug=value).first()


class PhaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Phases of a challenge; admins create and change them (`POST`, `PATCH`)."""

    serializer_class = PhaseSerializer
    permission_classes = (AllowAny,)
    lookup_field = "slug"

    def challenge(self) -> Challenge:
        return visible_challenge(self.request, self.kwargs["challenge_slug"])

    def get_queryset(self) -> QuerySet[Phase]:
        return (
            selectors.phases_visible_to(self.request.user)
            .filter(challenge=self.challenge())
            .prefetch_related("algorithm_interfaces__inputs", "algorithm_interfaces__outputs")
            .select_related("parent")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["is_admin"] = selectors.is_admin(self.request.user, self.challenge())
        return context

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        challenge = self.challenge()
        require_admin(request, challenge)
        data = PhaseWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields, interfaces = _phase_fields(request, challenge, data.validated_data)
        phase = services.phase_save(
            challenge=challenge,
            actor=request_user(request),
            fields=fields,
            algorithm_interfaces=interfaces,
            request=request._request,
        )
        return Response(self.get_serializer(phase).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        phase = self.get_object()
        require_admin(request, phase.challenge)
        data = PhaseWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields, interfaces = _phase_fields(request, phase.challenge, data.validated_data)
        phase = services.phase_save(
            challenge=phase.challenge,
            actor=request_user(request),
            phase=phase,
            fields=fields,
            algorithm_interfaces=interfaces,
            request=request._request,
        )
        return Response(self.get_serializer(phase).data)


# --- methods and ground truths -------------------------------------------------------


class VersionSerializer(serializers.Serializer):
    pk = serializers.UUIDField()
    created = serializers.DateTimeField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    is_active = serializers.BooleanField()
    sha256 = serializers.CharField()
    comment = serializers.CharField()


class UploadSerializer(StrictSerializer):
    user_upload = serializers.CharField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


def _own_upload(request: Request, value: str) -> UserUpload:
    pk = pk_from_api_url(value, "api:upload-detail")
    upload = UserUpload.objects.filter(pk=pk, creator_id=request.user.pk).first() if pk else None
    if upload is None:
        raise ValidationError({"user_upload": f"No upload of yours at {value!r}."})
    return upload


class _PhaseChildViewSet(viewsets.GenericViewSet):
    permission_classes = (IsAuthenticated,)

    def phase(self) -> Phase:
        return get_object_or_404(
            selectors.phases_visible_to(self.request.user),
            challenge__slug=self.kwargs["challenge_slug"],
            slug=self.kwargs["phase_slug"],
        )


class _VersionViewSet(mixins.ListModelMixin, _PhaseChildViewSet):
    """Admins upload a new version with `{"user_upload": <completed upload API URL>}`."""

    serializer_class = VersionSerializer
    model: type[Method] | type[EvaluationGroundTruth]

    def admin_phase(self) -> Phase:
        phase = self.phase()
        require_admin(self.request, phase.challenge)
        return phase

    def get_queryset(self) -> QuerySet:
        return self.model.objects.filter(phase=self.admin_phase()).order_by("-created")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        phase = self.admin_phase()
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        create = services.method_create if self.model is Method else services.ground_truth_create
        version = create(
            phase=phase,
            creator=request_user(request),
            user_upload=_own_upload(request, data.validated_data["user_upload"]),
            comment=data.validated_data["comment"],
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class MethodViewSet(_VersionViewSet):
    model = Method


class GroundTruthViewSet(_VersionViewSet):
    model = EvaluationGroundTruth


# --- registration requests -----------------------------------------------------------


class RegistrationRequestSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username")
    challenge = serializers.CharField(source="challenge.slug")
    status = serializers.CharField()
    answers = serializers.SerializerMethodField()

    class Meta:
        model = RegistrationRequest
        fields = ("pk", "user", "challenge", "status", "created", "changed", "answers")

    def get_answers(self, obj: RegistrationRequest) -> list[dict[str, Any]]:
        return [
            {
                "question": a.question_id,
                "question_text": a.question.question_text,
                "answer": a.answer,
            }
            for a in obj.answers.select_related("question")
        ]


class RegistrationCreateSerializer(StrictSerializer):
    # the challenge's registration questions by pk: {"<question pk>": <JSON answer>}
    answers = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)

    def validate_answers(self, value: dict[str, Any]) -> dict[int, Any]:
        bad = [key for key in value if not key.isdigit()]
        if bad:
            raise serializers.ValidationError(f"Keys must be question pks, not {bad}.")
        return {int(key): answer for key, answer in value.items()}


class DecisionSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=["ACPT", "RJCT"])


class RegistrationRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """`POST` asks to join (any signed-in user who knows the slug, as in GC), with
    `{"answers": {"<question pk>": <answer>}}` when the challenge asks questions; admins list all
    requests (`?status=PEND` those waiting) and accept or reject them with
    `PATCH {"status": "ACPT"|"RJCT"}`."""

    serializer_class = RegistrationRequestSerializer
    permission_classes = (IsAuthenticated,)

    def challenge(self) -> Challenge:
        return get_object_or_404(Challenge, slug=self.kwargs["challenge_slug"])

    def get_queryset(self) -> QuerySet[RegistrationRequest]:
        challenge = self.challenge()
        requests = challenge.registration_requests.select_related("user", "challenge")
        # `?status=PEND`: what waits for a decision
        if (wanted := self.request.query_params.get("status")) is not None:
            codes = RegistrationRequest.Status.values
            if wanted not in codes:
                raise ValidationError({"status": f"{wanted!r} is not one of {codes}."})
            requests = requests.filter(status=wanted)
        if selectors.is_admin(self.request.user, challenge):
            return requests
        return requests.filter(user_id=self.request.user.pk or 0)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RegistrationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_request_create(
            challenge=self.challenge(),
            user=request_user(request),
            answers=data.validated_data["answers"],
            request=request._request,
        )
        return Response(self.get_serializer(registration).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        registration = self.get_object()
        require_admin(request, registration.challenge)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_request_decide(
            registration=registration,
            accept=data.validated_data["status"] == "ACPT",
            actor=request_user(request),
            request=request._request,
        )
        return Response(self.get_serializer(registration).data)


# --- submissions and evaluations -----------------------------------------------------


def _metrics_for(request: Request | None, evaluation: Evaluation, *, admin: bool) -> Any:
    return selectors.metrics_shown(evaluation, admin=admin)


def _submission_data(request: Request | None, submission: Submission) -> dict[str, Any]:
    phase = submission.phase
    return {
        "pk": str(submission.pk),
        "phase": {
            "challenge": {"title": phase.challenge.title, "short_name": phase.challenge.slug},
            "title": phase.title,
            "slug": phase.slug,
        },
        "created": submission.created.isoformat().replace("+00:00", "Z"),
        "creator": {"username": submission.creator.username if submission.creator else None},
        # Tessera's: the team it was made for (recorded then), with teams on
        "team": team.name
        if (team := selectors.submission_team(submission, use_teams=phase.challenge.use_teams))
        else None,
        "comment": submission.comment,
        "predictions_file": submission.predictions_filename or None,
        "supplementary_file": None,
        "supplementary_url": "",
        "algorithm_image": (
            _url(request, "algorithm-image-detail", pk=submission.algorithm_image_id)
            if submission.algorithm_image_id
            else None
        ),
    }


def _logs(evaluation: Evaluation) -> dict[str, str]:
    """The evaluation container's output, for the challenge's admins only: it may quote the
    hidden ground truth."""
    return {"stdout": evaluation.stdout, "stderr": evaluation.stderr}


class EvaluationSerializer(serializers.ModelSerializer):
    submission = serializers.SerializerMethodField()
    method = serializers.SerializerMethodField()
    outputs = serializers.SerializerMethodField()
    metrics = serializers.SerializerMethodField()
    status = serializers.CharField(source="get_status_display")
    title = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = (
            "pk",
            "method",
            "submission",
            "created",
            "published",
            "outputs",
            "metrics",
            "rank",
            "rank_score",
            "rank_per_metric",
            "status",
            "error_message",
            "title",
            "exec_duration",
            "invoke_duration",
        )

    def _admin(self, obj: Evaluation) -> bool:
        request = self.context.get("request")
        return bool(request and selectors.is_admin(request.user, obj.submission.phase.challenge))

    def to_representation(self, instance: Evaluation) -> dict:
        data = super().to_representation(instance)
        if self._admin(instance):
            data.update(_logs(instance))
        return data

    def get_submission(self, obj: Evaluation) -> dict:
        return _submission_data(self.context.get("request"), obj.submission)

    def get_method(self, obj: Evaluation) -> str | None:
        return str(obj.method_id) if obj.method_id else None

    def get_metrics(self, obj: Evaluation) -> Any:
        return _metrics_for(self.context.get("request"), obj, admin=self._admin(obj))

    def get_outputs(self, obj: Evaluation) -> list[dict]:
        request = self.context.get("request")
        outputs = []
        for civ in obj.outputs.select_related("interface"):
            data = socket_value_data(request, civ, file_url=lambda _: "")
            if civ.interface.slug == "metrics-json-file":
                data["value"] = self.get_metrics(obj)
            outputs.append(data)
        return outputs

    def get_title(self, obj: Evaluation) -> str:
        creator = obj.submission.creator
        return f"#{obj.rank} {creator.username if creator else ''}"


class SubmissionSerializer(serializers.ModelSerializer):
    evaluations = serializers.SerializerMethodField()
    jobs = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ("pk", "evaluations", "jobs")

    def to_representation(self, instance: Submission) -> dict:
        data = _submission_data(self.context.get("request"), instance)
        data.update(super().to_representation(instance))
        return data

    def get_evaluations(self, obj: Submission) -> list[dict]:
        """Status and errors always; scores only where the evaluation is visible."""
        request = self.context.get("request")
        user = request.user if request else None
        admin = bool(user and selectors.is_admin(user, obj.phase.challenge))
        visible = (
            set(
                selectors.evaluations_visible_to(user)
                .filter(submission=obj)
                .values_list("pk", flat=True)
            )
            if user
            else set()
        )
        rows: list[dict[str, Any]] = []
        for e in obj.evaluations.all():
            shown = admin or e.pk in visible
            rows.append(
                {
                    "pk": str(e.pk),
                    "status": e.get_status_display(),
                    "error_message": e.error_message,
                    "published": e.published,
                    "rank": e.rank if shown else None,
                    "rank_score": e.rank_score if shown else None,
                    "rank_per_metric": e.rank_per_metric if shown else None,
                    "metrics": _metrics_for(request, e, admin=admin) if shown else None,
                    **(_logs(e) if admin else {}),
                }
            )
        return rows

    def get_jobs(self, obj: Submission) -> dict:
        request = self.context.get("request")
        return selectors.submission_jobs(
            submission=obj, user=request.user if request else AnonymousUser()
        )


class SubmissionCreateSerializer(StrictSerializer):
    algorithm_image = serializers.CharField(required=False)
    user_upload = serializers.CharField(required=False)
    comment = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class SubmissionViewSet(mixins.ListModelMixin, _PhaseChildViewSet):
    """One's own and one's team's submissions to a phase with their evaluations (admins:
    all); `POST` submits `{"algorithm_image": <API URL>}` or `{"user_upload": <completed
    upload API URL>}`."""

    serializer_class = SubmissionSerializer

    def get_queryset(self) -> QuerySet[Submission]:
        return (
            selectors.submissions_visible_to(self.request.user)
            .filter(phase=self.phase())
            .prefetch_related("evaluations")
            .order_by("-created", "pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        phase = self.phase()
        data = SubmissionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = None
        if "algorithm_image" in data.validated_data:
            value = data.validated_data["algorithm_image"]
            pk = pk_from_api_url(value, "api:algorithm-image-detail")
            image = (
                AlgorithmImage.objects.select_related("algorithm").filter(pk=pk).first()
                if pk
                else None
            )
            if image is None:
                raise ValidationError({"algorithm_image": f"No algorithm image at {value!r}."})
        upload = None
        if "user_upload" in data.validated_data:
            upload = _own_upload(request, data.validated_data["user_upload"])
        submission = services.submission_create(
            phase=phase,
            creator=request_user(request),
            algorithm_image=image,
            user_upload=upload,
            comment=data.validated_data["comment"],
            request=request._request,
        )
        return Response(self.get_serializer(submission).data, status=status.HTTP_201_CREATED)


class SubmissionRerunViewSet(_PhaseChildViewSet):
    """`POST .../submissions/<pk>/rerun/`: admins evaluate a submission again."""

    serializer_class = EvaluationSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        submission = get_object_or_404(
            selectors.submissions_visible_to(request.user).filter(phase=self.phase()),
            pk=self.kwargs["pk"],
        )
        evaluation = services.evaluation_rerun(
            submission=submission, actor=request_user(request), request=request._request
        )
        return Response(self.get_serializer(evaluation).data, status=status.HTTP_201_CREATED)


class LeaderboardSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField())
    results = serializers.ListField(child=serializers.DictField())


class LeaderboardViewSet(viewsets.GenericViewSet):
    """`GET .../leaderboard/`: the ranked rows with GC's columns (score then extra columns,
    values rounded to the phase's decimals, "± error" where set); `?export=csv` as CSV."""

    permission_classes = (AllowAny,)
    serializer_class = LeaderboardSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response | HttpResponse:
        phase = get_object_or_404(
            selectors.phases_visible_to(request.user),
            challenge__slug=self.kwargs["challenge_slug"],
            slug=self.kwargs["phase_slug"],
        )
        titles, rows = selectors.leaderboard_table(phase=phase, user=request.user)
        if request.query_params.get("export") == "csv":
            # the columns the leaderboard page shows, as its own CSV
            cols = leaderboard_display.columns(
                titles=titles,
                algorithm_phase=phase.is_algorithm_phase,
                teams=selectors.uses_teams(phase.challenge),
            )
            response = HttpResponse(
                leaderboard_display.csv_text(rows=rows, cols=cols), content_type="text/csv"
            )
            response["Content-Disposition"] = f'attachment; filename="{phase.slug}-leaderboard.csv"'
            return response
        return Response({"columns": titles, "results": rows})


class PublishSerializer(StrictSerializer):
    published = serializers.BooleanField()


class ExternalUpdateSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=["Succeeded", "Failed"])
    metrics = serializers.JSONField(required=False)
    error_message = serializers.CharField(required=False, allow_blank=True, default="")


class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evaluations visible per GC's rules; `?submission__phase=<phase pk>`; admins publish
    with `PATCH {"published": bool}`; external evaluators claim and report."""

    serializer_class = EvaluationSerializer
    permission_classes = (AllowAny,)
    lookup_value_regex = UUID_PATTERN

    def _phase_filter(self, evaluations: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
        if value := self.request.query_params.get("submission__phase"):
            evaluations = evaluations.filter(
                submission__phase=uuid.UUID(uuid_param("submission__phase", value))
            )
        return evaluations

    def get_queryset(self) -> QuerySet[Evaluation]:
        evaluations = selectors.evaluations_visible_to(self.request.user)
        return (
            self._phase_filter(evaluations)
            .prefetch_related("outputs")
            .order_by("rank", "-created", "pk")
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        evaluation = self.get_object()
        require_admin(request, evaluation.submission.phase.challenge)
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = services.evaluation_publish(
            evaluation=evaluation,
            published=data.validated_data["published"],
            actor=request_user(request),
            request=request._request,
        )
        return Response(self.get_serializer(evaluation).data)

    def _claimable(self) -> QuerySet[Evaluation]:
        user = self.request.user
        if not user.is_authenticated:
            return Evaluation.objects.none()
        return Evaluation.objects.filter(
            submission__phase__external_evaluation=True,
            submission__phase__challenge__external_evaluators_group__user__pk=user.pk,
        ).select_related("submission__phase__challenge", "submission__creator")

    @action(detail=False, methods=["get"], permission_classes=[IsAuthenticated])
    def claimable_evaluations(self, request: Request) -> Response:
        pending = self._phase_filter(self._claimable().filter(status=Evaluation.Status.PENDING))
        data = []
        for e in pending.order_by("created"):
            row = self.get_serializer(e).data
            row.update(
                {
                    "algorithm_image": row["submission"]["algorithm_image"],
                    "algorithm_model": None,
                    "claimed_by": None,
                    "phase_pk": str(e.submission.phase_id),
                }
            )
            data.append(row)
        return Response(data)

    def _claimable_object(self) -> Evaluation:
        evaluation = self._claimable().filter(pk=uuid_param("pk", self.kwargs["pk"])).first()
        if evaluation is None:
            raise Http404("No evaluation you may claim matches the given query.")
        return evaluation

    @action(detail=True, methods=["patch"], permission_classes=[IsAuthenticated])
    def claim(self, request: Request, pk: str) -> Response:
        evaluation = services.evaluation_claim(
            evaluation=self._claimable_object(), user=request_user(request)
        )
        return Response(self.get_serializer(evaluation).data)

    @action(detail=True, methods=["patch"], permission_classes=[IsAuthenticated])
    def update_external_evaluation(self, request: Request, pk: str) -> Response:
        data = ExternalUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = services.evaluation_external_update(
            evaluation=self._claimable_object(),
            user=request_user(request),
            status=data.validated_data["status"],
            metrics=data.validated_data.get("metrics"),
            error_message=data.validated_data["error_message"],
        )
        return Response(self.get_serializer(evaluation).data)
