"""Reader studies, questions, display sets and answers in gcapi 0.16.1's shape
(`ReaderStudy`, `Question`, `DisplaySet`, `DisplaySetPost`, `Answer`)."""

import uuid
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import DetailUrlField, StrictSerializerMixin, uuid_param
from app.http import absolute, request_user
from app.markdown import md2html
from app.models import AccessRequestHandling, AuditRecord
from app.permissions import can, may_create
from app.services import audit_record
from app.storage import signed_url
from app.urlresolve import UUID_PATTERN, pk_from_api_url
from components.api import ComponentInterfaceSerializer, socket_value_data, socket_value_post_data
from components.models import ComponentInterface, ComponentInterfaceValue
from components.values import checked_value_posts
from hanging_protocols.selectors import viewer_settings_data
from reader_studies import ground_truth, reading, results, selectors, services
from reader_studies.models import (
    Answer,
    AnswerType,
    CategoricalOption,
    DisplaySet,
    ImagePort,
    Question,
    ReaderStudy,
    ReaderStudyPermissionRequest,
    Widget,
)


def _uuid(name: str, value: str) -> uuid.UUID:
    return uuid.UUID(uuid_param(name, value))


# --- questions ----------------------------------------------------------------------


class CategoricalOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CategoricalOption
        fields = ("id", "title", "default")


class QuestionSerializer(serializers.ModelSerializer):
    api_url = serializers.HyperlinkedIdentityField(view_name="api:reader-studies-question-detail")
    reader_study: serializers.RelatedField = serializers.HyperlinkedRelatedField(
        view_name="api:reader-study-detail", read_only=True
    )
    answer_type = serializers.CharField(source="get_answer_type_display", read_only=True)
    image_port = serializers.CharField(source="get_image_port_display", read_only=True)
    widget = serializers.CharField(source="get_widget_display", read_only=True)
    form_direction = serializers.CharField(source="get_direction_display", read_only=True)
    help_text_safe = serializers.SerializerMethodField()
    question_text_safe = serializers.SerializerMethodField()
    empty_answer_confirmation_label_safe = serializers.SerializerMethodField()
    options = CategoricalOptionSerializer(many=True, read_only=True)
    interface = ComponentInterfaceSerializer(read_only=True, allow_null=True)
    look_up_table = serializers.SerializerMethodField()
    interactive_algorithms = serializers.SerializerMethodField()
    algorithms = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = (
            "pk",
            "api_url",
            "reader_study",
            "question_text",
            "question_text_safe",
            "help_text_safe",
            "answer_type",
            "image_port",
            "default_annotation_color",
            "required",
            "form_direction",
            "order",
            "options",
            "interface",
            "overlay_segments",
            "look_up_table",
            "widget",
            "answer_min_value",
            "answer_max_value",
            "answer_step_size",
            "answer_min_length",
            "answer_max_length",
            "answer_match_pattern",
            "empty_answer_confirmation",
            "empty_answer_confirmation_label_safe",
            "interactive_algorithms",
            "algorithms",
            "score_tolerance_mm",
        )
        read_only_fields = fields

    def get_help_text_safe(self, obj: Question) -> str:
        return md2html(obj.help_text)

    def get_question_text_safe(self, obj: Question) -> str:
        return md2html(obj.question_text)

    def get_empty_answer_confirmation_label_safe(self, obj: Question) -> str:
        return md2html(obj.empty_answer_confirmation_label)

    def get_look_up_table(self, obj: Question) -> None:
        return None

    def get_interactive_algorithms(self, obj: Question) -> list[str]:
        return []

    def get_algorithms(self, obj: Question) -> list:
        return []  # no interactive algorithms here; gcapi 0.16.1 requires the key


class LabelChoiceField(serializers.ChoiceField):
    """Takes a stored code or GC's display label (what the API answers with)."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        self._labels = {str(label): value for value, label in choices}
        super().__init__(choices=choices, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):  # lists and objects are no label (and unhashable)
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(self._labels.get(data, data))


class OptionWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    id = serializers.IntegerField(required=False)
    title = serializers.CharField(max_length=1024)
    default = serializers.BooleanField(required=False, default=False)


class QuestionWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    """Beyond GC: editors create and edit questions through the API."""

    reader_study = serializers.CharField(required=False)
    question_text = serializers.CharField(required=False)
    help_text = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]
    answer_type = LabelChoiceField(choices=AnswerType.choices, required=False)
    image_port = LabelChoiceField(choices=ImagePort.choices, required=False, allow_blank=True)
    default_annotation_color = serializers.CharField(required=False, allow_blank=True)
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]
    form_direction = LabelChoiceField(
        choices=[("H", "Horizontal"), ("V", "Vertical")], required=False
    )
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    interface = serializers.CharField(required=False, allow_null=True)
    widget = LabelChoiceField(choices=Widget.choices, required=False, allow_blank=True)
    answer_min_value = serializers.IntegerField(required=False, allow_null=True)
    answer_max_value = serializers.IntegerField(required=False, allow_null=True)
    answer_step_size = serializers.DecimalField(
        max_digits=6, decimal_places=3, required=False, allow_null=True
    )
    answer_min_length = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    answer_max_length = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    answer_match_pattern = serializers.CharField(required=False, allow_blank=True)
    empty_answer_confirmation = serializers.BooleanField(required=False)
    empty_answer_confirmation_label = serializers.CharField(required=False, allow_blank=True)
    overlay_segments = serializers.JSONField(required=False)
    score_tolerance_mm = serializers.FloatField(required=False, min_value=0)
    options = OptionWriteSerializer(many=True, required=False)

    def fields_for_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("reader_study", None)
        if "form_direction" in data:
            data["direction"] = data.pop("form_direction")
        if "interface" in data:
            slug = data["interface"]
            data["interface"] = None
            if slug:
                socket = ComponentInterface.objects.filter(slug=slug).first()
                if socket is None:
                    raise ValidationError({"interface": [f"There is no socket '{slug}'."]})
                data["interface"] = socket
        return data


class QuestionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Questions of studies the user reads or edits; editors create and change them."""

    serializer_class = QuestionSerializer
    lookup_value_regex = UUID_PATTERN
    permission_classes = (IsAuthenticated,)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Question]:
        questions = selectors.questions_visible_to(self.request.user)
        if study := self.request.query_params.get("reader_study"):
            questions = questions.filter(reader_study_id=_uuid("reader_study", study))
        return (
            questions.select_related("interface", "reader_study")
            .prefetch_related("options")
            .order_by("reader_study_id", "order", "created", "pk")
        )

    def _study(self, value: str) -> ReaderStudy:
        user = request_user(self.request)
        pk = pk_from_api_url(value, "api:reader-study-detail")
        studies = selectors.reader_studies_visible_to(user)
        study = studies.filter(pk=pk).first() if pk else studies.filter(slug=value).first()
        if study is None:
            raise ValidationError({"reader_study": [f"Reader study '{value}' was not found."]})
        if not selectors.may_edit(user, study):
            raise PermissionDenied("Only editors of the reader study add questions.")
        return study

    def _respond(self, question: Question, code: int = status.HTTP_200_OK) -> Response:
        question = self.get_queryset().get(pk=question.pk)
        return Response(self.get_serializer(question).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = QuestionWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        for name in ("reader_study", "question_text"):
            if name not in write.validated_data:
                raise ValidationError({name: ["This field is required."]})
        study = self._study(write.validated_data["reader_study"])
        fields = write.fields_for_service()
        question = services.question_create(reader_study=study, **fields)
        return self._respond(question, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        question = self.get_object()
        if not selectors.may_edit(request.user, question.reader_study):
            raise PermissionDenied("Only editors of the reader study change its questions.")
        write = QuestionWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        if "reader_study" in write.validated_data:
            raise ValidationError({"reader_study": ["A question cannot move to another study."]})
        question = services.question_update(question=question, **write.fields_for_service())
        return self._respond(question)


# --- reader studies -----------------------------------------------------------------


class ReaderStudySerializer(StrictSerializerMixin, serializers.ModelSerializer):
    api_url = serializers.HyperlinkedIdentityField(view_name="api:reader-study-detail")
    url = serializers.SerializerMethodField()
    logo = serializers.SerializerMethodField()
    help_text_safe = serializers.SerializerMethodField()
    help_text = serializers.SerializerMethodField()  # type: ignore[assignment]
    title_safe = serializers.SerializerMethodField()
    end_of_study_text_safe = serializers.SerializerMethodField()
    questions = QuestionSerializer(many=True, read_only=True)
    has_ground_truth = serializers.SerializerMethodField()

    class Meta:
        model = ReaderStudy
        fields = (
            "pk",
            "api_url",
            "url",
            "slug",
            "logo",
            "title",
            "title_safe",
            "description",
            "help_text",
            "help_text_safe",
            "questions",
            "is_educational",
            "instant_verification",
            "has_ground_truth",
            "allow_answer_modification",
            "enable_autosaving",
            "allow_case_navigation",
            "allow_show_all_annotations",
            "roll_over_answers_for_n_cases",
            "end_of_study_text_safe",
        )
        read_only_fields = fields

    def get_url(self, obj: ReaderStudy) -> str:
        return absolute(self.context.get("request"), obj.get_absolute_url())

    def get_logo(self, obj: ReaderStudy) -> str:
        """The permission-checked logo view, not the bucket: a private study's logo stays
        private (GC gives a URL string here too)."""
        if not obj.logo:
            return ""
        url = reverse("reader_studies:logo", kwargs={"slug": obj.slug})
        return absolute(self.context.get("request"), url)

    def get_help_text_safe(self, obj: ReaderStudy) -> str:
        return md2html(obj.help_text_markdown)

    def get_help_text(self, obj: ReaderStudy) -> str:
        return md2html(obj.help_text_markdown)

    def get_title_safe(self, obj: ReaderStudy) -> str:
        return nh3_text(obj.title)

    def get_end_of_study_text_safe(self, obj: ReaderStudy) -> str:
        return md2html(obj.end_of_study_text_markdown)

    def get_has_ground_truth(self, obj: ReaderStudy) -> bool:
        return selectors.has_ground_truth(obj)


def nh3_text(text: str) -> str:
    """Plain text, HTML-escaped."""
    from django.utils.html import escape

    return escape(text)


class ReaderStudyCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    """Beyond GC: a study set up by script (title and every reading setting)."""

    title = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    public = serializers.BooleanField(required=False)
    access_request_handling = serializers.ChoiceField(
        choices=AccessRequestHandling.choices, required=False
    )
    help_text_markdown = serializers.CharField(required=False, allow_blank=True)
    view_content = serializers.JSONField(required=False)
    shuffle_hanging_list = serializers.BooleanField(required=False)
    is_educational = serializers.BooleanField(required=False)
    instant_verification = serializers.BooleanField(required=False)
    case_text = serializers.JSONField(required=False)
    allow_answer_modification = serializers.BooleanField(required=False)
    enable_autosaving = serializers.BooleanField(required=False)
    allow_case_navigation = serializers.BooleanField(required=False)
    allow_show_all_annotations = serializers.BooleanField(required=False)
    roll_over_answers_for_n_cases = serializers.IntegerField(
        required=False, min_value=0, max_value=32767
    )
    leaderboard_accessible_to_readers = serializers.BooleanField(required=False)
    end_of_study_text_markdown = serializers.CharField(required=False, allow_blank=True)


class ReaderStudyViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Studies the user is a member of (and public ones); `POST` for study creators."""

    serializer_class = ReaderStudySerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[ReaderStudy]:
        studies = selectors.reader_studies_visible_to(self.request.user)
        if slug := self.request.query_params.get("slug"):
            studies = studies.filter(slug=slug)
        questions = Question.objects.select_related("interface").prefetch_related("options")
        return studies.prefetch_related(Prefetch("questions", queryset=questions)).order_by(
            "-created", "pk"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_create(request.user, ReaderStudy):
            raise PermissionDenied(
                "You may not create reader studies: ask for reader-study-creator rights."
            )
        write = ReaderStudyCreateSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = dict(write.validated_data)
        study = services.reader_study_create(
            creator=request_user(request), request=request._request, **data
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=study.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @action(
        detail=True,
        methods=["get", "post"],
        url_path=rf"ground-truth/(?P<display_set_pk>{UUID_PATTERN})",
        url_name="ground-truth",
    )
    def ground_truth(self, request: Request, pk: str, display_set_pk: str) -> Response:
        """GC's educational ground truth of one case, for members who may read the study.
        Beyond GC, editors POST a case's ground truth in the same shape, drawings included:
        `{"<question pk>": {"answer": ..., "explanation": ...}}`."""
        study = self.get_object()
        if not selectors.may_read(request.user, study):
            raise Http404
        if request.method == "POST":
            study = self._edited()
            case = get_object_or_404(study.display_sets, pk=display_set_pk)
            written = ground_truth.ground_truth_for_case(
                reader_study=study,
                display_set=case,
                creator=request_user(request),
                answers=request.data,
            )
            return Response({"answers": written}, status=status.HTTP_201_CREATED)
        if not study.is_educational or not selectors.has_ground_truth(study):
            raise Http404
        display_set = get_object_or_404(study.display_sets, pk=display_set_pk)
        truths = Answer.objects.filter(
            display_set=display_set, is_ground_truth=True
        ).select_related("question")
        data = {}
        for gt in truths:
            options = {o.id: o.title for o in gt.question.options.all()}
            data[str(gt.question_id)] = {
                "answer": gt.answer,
                "answer_text": selectors.answer_text(gt.question, gt.answer, options),
                "question_text": gt.question.question_text,
                "options": {str(k): v for k, v in options.items()},
                "explanation": gt.explanation,
            }
        return Response(data)

    # Beyond GC's API (GC has pages for these): results and ground truth by script.

    def _edited(self) -> ReaderStudy:
        study = self.get_object()
        if not selectors.may_edit(self.request.user, study):
            raise PermissionDenied("Only editors of the reader study may do this.")
        return study

    @action(detail=True, methods=["get", "post", "delete"])
    def members(self, request: Request, pk: str) -> Response:
        """Editors list, add (`POST {"role", "username"}`) and remove
        (`DELETE ?role=&username=`) editors and readers."""
        study = self._edited()
        if request.method != "GET":
            source = request.data if request.method == "POST" else request.query_params
            role, username = source.get("role"), source.get("username")
            member = User.objects.filter(username=username).first() if username else None
            if member is None:
                raise ValidationError({"username": [f"There is no user '{username}'."]})
            change = (
                services.reader_study_member_add
                if request.method == "POST"
                else services.reader_study_member_remove
            )
            change(
                reader_study=study,
                role=str(role),
                user=member,
                actor=request_user(request),
                request=request._request,
            )
        return Response(
            {
                role: list(
                    getattr(study, f"{role}_group")
                    .user_set.order_by("username")
                    .values_list("username", flat=True)
                )
                for role in services.ROLES
            }
        )

    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str) -> Response:
        """Each reader's progress (GC's percentages, and the cases complete of all);
        readers see only their own."""
        study = self.get_object()
        user = request_user(request)
        if selectors.may_edit(user, study):
            users = selectors.participants(study)
        elif selectors.may_read(user, study):
            users = [user]
        else:
            raise Http404
        counts = {row["user"]: row for row in results.progress_table(study)}
        return Response(
            [
                {
                    "user": u.username,
                    **selectors.progress_for(reader_study=study, user=u),
                    # beyond GC: the cases behind the percentage (n of N)
                    "cases_complete": counts.get(u.username, {}).get("cases_complete", 0),
                    "cases": study.display_sets.count(),
                }
                for u in users
            ]
        )

    @action(detail=True, methods=["get"])
    def leaderboard(self, request: Request, pk: str) -> Response:
        study = self.get_object()
        if not can(request.user, "view_leaderboard", study):
            raise Http404
        board = selectors.leaderboard(study)
        if not selectors.may_edit(request.user, study):  # GC hides names from readers
            for row in board["grouped_scores"]:
                row["creator__username"] = ""
        return Response(board)

    @action(detail=True, methods=["get"])
    def statistics(self, request: Request, pk: str) -> Response:
        """GC's statistics, and beyond GC the inter-reader agreement per question."""
        study = self._edited()
        return Response(
            {**selectors.statistics(study), "agreement": results.agreement_by_question(study)}
        )

    @action(detail=True, methods=["get", "post"], url_path="access-requests")
    def access_requests(self, request: Request, pk: str) -> Response:
        """POST: ask to read this public study. GET: editors see every request, others
        their own."""
        study = self.get_object()
        user = request_user(request)
        if request.method == "POST":
            access = services.access_request_create(
                reader_study=study, user=user, request=request._request
            )
            return Response(_access_data(access), status=status.HTTP_201_CREATED)
        requests = study.access_requests.select_related("user")
        if not selectors.may_edit(user, study):
            requests = requests.filter(user=user)
        return Response([_access_data(a) for a in requests.order_by("-created", "pk")])

    @action(
        detail=True,
        methods=["patch"],
        url_path=r"access-requests/(?P<request_pk>[0-9]+)",
        url_name="access-request",
    )
    def access_request(self, request: Request, pk: str, request_pk: str) -> Response:
        """Editors accept or reject: `{"status": "ACPT"|"RJCT"}` (or the labels)."""
        study = self._edited()
        access = get_object_or_404(study.access_requests, pk=request_pk)
        decision = str(request.data.get("status", ""))
        codes = {
            "ACPT": True,
            "Accepted": True,
            "RJCT": False,
            "Rejected": False,
        }
        if decision not in codes:
            raise ValidationError({"status": ["Give status ACPT (accept) or RJCT (reject)."]})
        access = services.access_request_decide(
            access=access,
            accept=codes[decision],
            actor=request_user(request),
            request=request._request,
        )
        return Response(_access_data(access))

    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> HttpResponse | Response:
        """Every answer the user may see (editors: all; readers: their own), one row per
        answer; `?file=csv` for CSV (the answer as JSON text), else JSON."""
        study = self.get_object()
        if not selectors.may_read(request.user, study):
            raise Http404
        rows = results.export_rows(study, user=request_user(request))
        if request.query_params.get("file") == "csv":
            response = HttpResponse(results.export_csv(rows), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="answers-{study.slug}.csv"'
            return response
        return Response(rows)

    @action(detail=True, methods=["post"], url_path="ground-truth/from-answers")
    def ground_truth_from_answers(self, request: Request, pk: str) -> Response:
        """`{"username", "with_annotations"}`: a complete reader's answers become the
        ground truth (GC's page; drawings too when asked)."""
        study = self._edited()
        username = request.data.get("username")
        user = User.objects.filter(username=username).first() if username else None
        if user is None:
            raise ValidationError({"username": [f"There is no user '{username}'."]})
        written = ground_truth.ground_truth_from_answers(
            reader_study=study,
            user=user,
            with_annotations=bool(request.data.get("with_annotations")),
        )
        return Response({"answers": written}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get", "post"], url_path="ground-truth/csv")
    def ground_truth_csv(self, request: Request, pk: str) -> HttpResponse | Response:
        """GET: GC's example CSV; POST `{"csv": text}`: import ground truth from it."""
        study = self._edited()
        if request.method == "GET":
            response = HttpResponse(
                ground_truth.example_csv(reader_study=study), content_type="text/csv"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="ground-truth-{study.slug}.csv"'
            )
            return response
        text = request.data.get("csv") if isinstance(request.data, dict) else None
        if not isinstance(text, str):
            raise ValidationError({"csv": ["Give the CSV text as `csv`."]})
        written = ground_truth.ground_truth_from_csv(
            reader_study=study, creator=request_user(request), text=text
        )
        return Response({"answers": written})


# --- display sets -------------------------------------------------------------------


def _access_data(access: ReaderStudyPermissionRequest) -> dict[str, Any]:
    return {
        "pk": access.pk,
        "user": access.user.username,
        "status": access.status,
        "status_display": access.get_status_display(),
        "created": access.created.isoformat(),
        "changed": access.changed.isoformat(),
    }


def value_file_url(request: Request | None, ds: DisplaySet, civ: ComponentInterfaceValue) -> str:
    return absolute(
        request,
        reverse("api:reader-studies-display-set-value-file", args=[ds.pk, civ.pk]),
    )


# Read-only, and a plain serializer: a model serializer introspects the model again on
# every response, which cost the reader's next-case call more than its fields did.
class DisplaySetSerializer(serializers.Serializer):
    pk = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    title_safe = serializers.SerializerMethodField()
    reader_study: serializers.RelatedField = serializers.HyperlinkedRelatedField(
        view_name="api:reader-study-detail", read_only=True
    )
    values = serializers.SerializerMethodField()
    order = serializers.IntegerField(read_only=True)
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:reader-studies-display-set-detail"
    )
    hanging_protocol = serializers.SerializerMethodField()
    optional_hanging_protocols = serializers.SerializerMethodField()
    view_content = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    descriptions_map_safe = serializers.SerializerMethodField()
    index = serializers.SerializerMethodField()

    def get_title_safe(self, obj: DisplaySet) -> str:
        return nh3_text(obj.title)

    def get_values(self, obj: DisplaySet) -> list[dict]:
        request = self.context.get("request")
        file_url = partial(value_file_url, request, obj)
        sockets = self.context.setdefault("sockets", {})  # each socket serialized once a page
        return [
            socket_value_data(request, civ, file_url=file_url, sockets=sockets)
            for civ in obj.values.all()
        ]

    def _viewer(self, obj: DisplaySet) -> dict[str, Any]:
        """The viewer settings of the object's reader_study, serialized once per response."""
        parent = obj.reader_study
        cache = self.context.setdefault("viewer_settings", {})
        if parent.pk not in cache:
            cache[parent.pk] = viewer_settings_data(parent)
        return cache[parent.pk]  # type: ignore[no-any-return]

    def get_hanging_protocol(self, obj: DisplaySet) -> dict[str, Any] | None:
        return self._viewer(obj)["hanging_protocol"]  # type: ignore[no-any-return]

    def get_optional_hanging_protocols(self, obj: DisplaySet) -> list[dict[str, Any]]:
        return self._viewer(obj)["optional_hanging_protocols"]  # type: ignore[no-any-return]

    def get_view_content(self, obj: DisplaySet) -> dict[str, Any]:
        return self._viewer(obj)["view_content"]  # type: ignore[no-any-return]

    def get_descriptions_map_safe(self, obj: DisplaySet) -> dict[str, str]:
        return reading.case_descriptions(obj.reader_study, list(obj.values.all()))

    def get_description(self, obj: DisplaySet) -> str:
        return "".join(self.get_descriptions_map_safe(obj).values())

    def get_index(self, obj: DisplaySet) -> int | None:
        """Position in the reader's order (shuffled per reader where the study says so):
        one query per study for the cases of the page shown, counted in the database."""
        request = self.context.get("request")
        if request is None:
            return None
        known = self.context.setdefault("reading_index", {})
        if obj.pk not in known:
            shown = (
                self.parent.instance
                if isinstance(self.parent, serializers.ListSerializer)
                else None
            )
            page = [d for d in shown or [obj] if d.reader_study_id == obj.reader_study_id]
            known.update(dict.fromkeys((d.pk for d in page), None))
            known.update(
                selectors.reading_numbers(
                    reader_study=obj.reader_study, user=request.user, pks=[d.pk for d in page]
                )
            )
        return known.get(obj.pk)  # type: ignore[no-any-return]


class DisplaySetPostSerializer(DisplaySetSerializer):
    """What create and update answer with: the study by slug, values by socket slug."""

    reader_study: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    def get_values(self, obj: DisplaySet) -> list[dict]:
        request = self.context.get("request")
        file_url = partial(value_file_url, request, obj)
        return [socket_value_post_data(request, civ, file_url=file_url) for civ in obj.values.all()]


class DisplaySetWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    reader_study = serializers.CharField(required=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)
    order = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    values = serializers.ListField(child=serializers.JSONField(), required=False)


class DisplaySetViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Cases of studies the user reads or edits; editors create them, then PATCH values."""

    serializer_class = DisplaySetSerializer
    lookup_value_regex = UUID_PATTERN
    permission_classes = (IsAuthenticated,)
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[DisplaySet]:
        params = self.request.query_params
        study = None
        if value := params.get("reader_study"):
            study = ReaderStudy.objects.filter(pk=_uuid("reader_study", value)).first()
            # checked once here, not by a permission subquery in the count and the page
            readable = study is not None and selectors.may_read(self.request.user, study)
            display_sets = (
                DisplaySet.objects.filter(reader_study=study)
                if readable
                else DisplaySet.objects.none()
            )
        else:
            display_sets = selectors.display_sets_visible_to(self.request.user)
        if params.get("unanswered_by_user", "").lower() in ("true", "1"):
            if study is None:
                raise ValidationError(
                    {"unanswered_by_user": ["Give `reader_study` with `unanswered_by_user`."]}
                )
            display_sets = selectors.display_sets_unanswered_by(
                reader_study=study, user=self._filter_user(study), display_sets=display_sets
            )
        elif params.get("user"):
            raise ValidationError({"user": ["`user` goes only with `unanswered_by_user=true`."]})
        # one query for the values with their sockets and images, not three
        display_sets = display_sets.select_related("reader_study").prefetch_related(
            Prefetch(
                "values",
                queryset=ComponentInterfaceValue.objects.select_related("interface", "image"),
            )
        )
        if study is not None:
            return selectors.in_reading_order(
                display_sets, reader_study=study, user=self.request.user
            )
        return display_sets.order_by("order", "created", "pk")

    def _filter_user(self, study: ReaderStudy) -> User:
        me = request_user(self.request)
        username = self.request.query_params.get("user")
        if not username or username == me.username:
            return me
        if not selectors.may_edit(me, study):
            raise PermissionDenied("Only editors may look at another reader's progress.")
        other = User.objects.filter(username=username).first()
        if other is None:
            raise ValidationError({"user": [f"There is no user '{username}'."]})
        return other

    def _respond(self, ds: DisplaySet, code: int = status.HTTP_200_OK) -> Response:
        ds = self.get_queryset().get(pk=ds.pk)
        data = DisplaySetPostSerializer(ds, context=self.get_serializer_context()).data
        return Response(data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = DisplaySetWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = write.validated_data
        if "reader_study" not in data:
            raise ValidationError({"reader_study": ["This field is required."]})
        if data.get("values"):
            raise ValidationError({"values": ["Values can only be added via update."]})
        user = request_user(request)
        study = selectors.reader_studies_visible_to(user).filter(slug=data["reader_study"]).first()
        if study is None:
            raise ValidationError(
                {"reader_study": [f"Reader study '{data['reader_study']}' was not found."]}
            )
        if not selectors.may_edit(user, study):
            raise PermissionDenied("Only editors of the reader study add display sets.")
        ds = services.display_set_create(
            reader_study=study, title=data.get("title", ""), order=data.get("order")
        )
        return self._respond(ds, status.HTTP_201_CREATED)

    def _write(self, request: Request, *, replace: bool) -> Response:
        ds = self.get_object()
        user = request_user(request)
        if not selectors.may_edit(user, ds.reader_study):
            raise PermissionDenied("Only editors of the reader study change its display sets.")
        write = DisplaySetWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = write.validated_data
        if "reader_study" in data and data["reader_study"] != ds.reader_study.slug:
            raise ValidationError({"reader_study": ["A display set cannot move to another study."]})
        if not services.display_set_is_editable(ds):
            services.display_set_update(display_set=ds, creator=user)  # raises the refusal
        order = data.get("order")
        with checked_value_posts(user=user, items=data.get("values") or []) as specs:
            services.display_set_update(
                display_set=ds,
                creator=user,
                specs=specs,
                title=data.get("title"),
                order=0 if "order" in data and order is None else order,
                replace=replace and "values" in data,
            )
        return self._respond(ds)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, replace=False)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, replace=True)

    @action(
        detail=True,
        methods=["get"],
        url_path=r"values/(?P<value_pk>[0-9]+)/file",
        url_name="value-file",
    )
    def value_file(self, request: Request, pk: str, value_pk: str) -> HttpResponseRedirect:
        """A file value of a case: check, record the download, redirect to a signed URL."""
        ds = self.get_object()
        civ = get_object_or_404(ds.values, pk=value_pk)
        if not civ.file:
            raise Http404("This value has no file")
        audit_record(
            action=AuditRecord.Action.DOWNLOAD,
            actor=request.user,
            obj=civ,
            request=request._request,
            detail={"display_set": str(ds.pk)},
        )
        filename = civ.file.name.rsplit("/", 1)[-1]
        return HttpResponseRedirect(
            signed_url(bucket="protected", key=civ.file.name, filename=filename)
        )


# --- answers ------------------------------------------------------------------------

ONLY_ANSWER_CHANGES = "Only the answer and last_edit_duration field can be modified."


class AnswerSerializer(serializers.ModelSerializer):
    api_url = DetailUrlField("api:reader-studies-answer-detail")
    creator: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    question = DetailUrlField("api:reader-studies-question-detail", pk_attr="question_id")
    display_set = DetailUrlField("api:reader-studies-display-set-detail", pk_attr="display_set_id")
    answer_image = serializers.SerializerMethodField()
    last_edit_duration = serializers.DurationField(format="iso-8601", read_only=True)  # type: ignore[call-arg]
    total_edit_duration = serializers.DurationField(format="iso-8601", read_only=True)  # type: ignore[call-arg]

    class Meta:
        model = Answer
        fields = (
            "pk",
            "api_url",
            "answer",
            "created",
            "modified",
            "creator",
            "question",
            "display_set",
            "answer_image",
            "last_edit_duration",
            "total_edit_duration",
            "is_ground_truth",
            "score",
        )
        read_only_fields = fields

    def get_answer_image(self, obj: Answer) -> str | None:
        if obj.answer_image_id is None:
            return None
        return absolute(
            self.context.get("request"),
            reverse("api:cases-image-detail", kwargs={"pk": obj.answer_image_id}),
        )


class AnswerWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    question = serializers.CharField(required=False)
    display_set = serializers.CharField(required=False)
    answer = serializers.JSONField(required=False, allow_null=True)
    last_edit_duration = serializers.DurationField(required=False, allow_null=True)
    score = serializers.FloatField(required=False, allow_null=True)  # gcapi sends it; ours


class AnswerViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Answers the user may see: their own, and every answer of studies they edit."""

    serializer_class = AnswerSerializer
    lookup_value_regex = UUID_PATTERN
    permission_classes = (IsAuthenticated,)
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def _filtered(self, answers: QuerySet[Answer]) -> QuerySet[Answer]:
        params = self.request.query_params
        if creator := params.get("creator"):
            answers = answers.filter(creator__username=creator)
        if study := params.get("question__reader_study"):
            answers = answers.filter(
                question__reader_study_id=_uuid("question__reader_study", study)
            )
        if ds := params.get("display_set"):
            answers = answers.filter(display_set_id=_uuid("display_set", ds))
        if (gt := params.get("is_ground_truth")) is not None:
            answers = answers.filter(is_ground_truth=gt.lower() in ("true", "1"))
        return answers.select_related("creator").order_by("created", "pk")

    def get_queryset(self) -> QuerySet[Answer]:
        return self._filtered(selectors.answers_visible_to(self.request.user))

    @action(detail=False, methods=["get"])
    def mine(self, request: Request) -> Response:
        answers = self._filtered(
            Answer.objects.filter(creator=request_user(request), is_ground_truth=False)
        )
        page = self.paginate_queryset(answers)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = AnswerWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = write.validated_data
        for name in ("question", "display_set", "answer"):
            if name not in data:
                raise ValidationError({name: ["This field is required."]})
        user = request_user(request)
        q_pk = pk_from_api_url(data["question"], "api:reader-studies-question-detail")
        question = selectors.questions_visible_to(user).filter(pk=q_pk).first() if q_pk else None
        if question is None:
            raise ValidationError({"question": [f"Question '{data['question']}' was not found."]})
        ds_pk = pk_from_api_url(data["display_set"], "api:reader-studies-display-set-detail")
        ds = selectors.display_sets_visible_to(user).filter(pk=ds_pk).first() if ds_pk else None
        if ds is None:
            raise ValidationError(
                {"display_set": [f"Display set '{data['display_set']}' was not found."]}
            )
        answer = services.answer_create(
            creator=user,
            question=question,
            display_set=ds,
            answer=data["answer"],
            last_edit_duration=data.get("last_edit_duration"),
        )
        return Response(self.get_serializer(answer).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        answer = self.get_object()
        if answer.creator_id != request.user.pk:
            raise PermissionDenied("Only the reader who gave an answer may change it.")
        write = AnswerWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = write.validated_data
        other = sorted(set(data) - {"answer", "last_edit_duration", "score"})
        if other:
            raise ValidationError({"non_field_errors": [ONLY_ANSWER_CHANGES]})
        answer = services.answer_update(
            answer=answer,
            value=data.get("answer", answer.answer),
            last_edit_duration=data.get("last_edit_duration"),
        )
        return Response(self.get_serializer(answer).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)
