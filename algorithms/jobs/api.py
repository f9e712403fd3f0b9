"""`algorithms/jobs/`: list, detail and create exactly as gcapi 0.16 uses them, plus
cancel, re-run and the permission-checked file download of a job's socket values."""

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from algorithms.jobs import selectors
from algorithms.jobs.inputs import UNSET, InputsInvalid, InputSpec
from algorithms.jobs.services import JobRefused, discard_uploads, job_cancel, job_create, job_rerun
from algorithms.models import Algorithm, Job
from algorithms.selectors import algorithms_for
from app.api import Pagination
from app.models import AuditRecord
from app.services import audit_record
from app.storage import signed_url
from cases.models import Image, RawImageUploadSession
from cases.selectors import images_visible_to, upload_sessions_of
from cases.urlresolve import pk_from_api_url
from components.api import ComponentInterfaceSerializer
from components.models import ComponentInterface, ComponentInterfaceValue
from uploads.models import UserUpload
from uploads.selectors import completed_uploads_for

logger = logging.getLogger(__name__)

INPUT_FIELDS = (
    "interface",
    "value",
    "file",
    "image",
    "upload_session",
    "user_upload",
    "user_uploads",
    "image_name",
)


def _absolute(request: Request | None, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def _reverse_or_none(request: Request | None, name: str, args: list) -> str | None:
    try:
        return _absolute(request, reverse(name, args=args))
    except NoReverseMatch:
        return None


def value_file_url(request: Request | None, job: Job, civ: ComponentInterfaceValue) -> str:
    return _absolute(request, reverse("api:algorithm-job-value-file", args=[job.pk, civ.pk]))


def _json_of_file(civ: ComponentInterfaceValue) -> Any:
    """A JSON value kept as a file, for gcapi's `value` field (capped)."""
    try:
        with civ.file.open("rb") as f:
            return json.loads(f.read(16 * 1024 * 1024))
    except Exception:
        logger.warning("Could not read the JSON file of socket value %s", civ.pk)
        return None


def socket_value_data(
    request: Request | None,
    job: Job,
    civ: ComponentInterfaceValue,
    sockets: dict[int, Any] | None = None,
) -> dict:
    """gcapi's HyperlinkedComponentInterfaceValue. `sockets` caches each socket's data
    across a page: building a ModelSerializer per value was most of a jobs list's time."""
    if sockets is None:
        sockets = {}
    if civ.interface_id not in sockets:
        sockets[civ.interface_id] = ComponentInterfaceSerializer(
            civ.interface, context={"request": request}
        ).data
    socket = sockets[civ.interface_id]
    value = civ.value
    if value is None and civ.file and civ.interface.super_kind == "Value":
        value = _json_of_file(civ)
    return {
        "pk": civ.pk,
        "interface": socket,
        "socket": socket,
        "value": value,
        "file": value_file_url(request, job, civ) if civ.file else None,
        "image": (
            _absolute(request, reverse("api:cases-image-detail", args=[civ.image_id]))
            if civ.image_id
            else None
        ),
    }


def _duration(value: Any) -> str | None:
    return None if value is None else str(value)


class JobListSerializer(serializers.ListSerializer):
    """A page of jobs: who may read their logs is checked once, not once per job."""

    def to_representation(self, data: Any) -> list:
        jobs = list(data.all() if hasattr(data, "all") else data)
        request = self.context.get("request")
        if request is not None:
            self.context["logs_visible"] = selectors.jobs_with_visible_logs(
                user=request.user, jobs=jobs
            )
        return super().to_representation(jobs)


class JobSerializer(serializers.ModelSerializer):
    """gcapi's HyperlinkedJob, plus the job's timings, cause of failure and (for the
    creator and the algorithm's editors) its logs."""

    pk = serializers.UUIDField(read_only=True)
    api_url = serializers.HyperlinkedIdentityField(view_name="api:algorithm-job-detail")
    url = serializers.SerializerMethodField()
    algorithm = serializers.SerializerMethodField()
    algorithm_image = serializers.SerializerMethodField()
    inputs = serializers.SerializerMethodField()
    outputs = serializers.SerializerMethodField()
    hanging_protocol = serializers.SerializerMethodField()
    optional_hanging_protocols = serializers.SerializerMethodField()
    view_content = serializers.SerializerMethodField()
    exec_duration = serializers.SerializerMethodField()
    invoke_duration = serializers.SerializerMethodField()
    creator = serializers.SerializerMethodField()

    class Meta:
        model = Job
        list_serializer_class = JobListSerializer
        fields = (
            "pk",
            "url",
            "api_url",
            "algorithm",
            "algorithm_image",
            "inputs",
            "outputs",
            "status",
            "status_note",
            "error_message",
            "hanging_protocol",
            "optional_hanging_protocols",
            "view_content",
            "exec_duration",
            "invoke_duration",
            "created",
            "started",
            "completed",
            "status_history",
            "queue",
            "time_limit",
            "attempt",
            "creator",
        )
        read_only_fields = fields

    def _request(self) -> Request | None:
        return self.context.get("request")

    def get_url(self, obj: Job) -> str | None:
        return _reverse_or_none(self._request(), "algorithms:job-detail", [obj.pk])

    def get_algorithm(self, obj: Job) -> str | None:
        return _reverse_or_none(
            self._request(), "api:algorithm-detail", [obj.algorithm_image.algorithm_id]
        )

    def get_algorithm_image(self, obj: Job) -> str | None:
        return _reverse_or_none(
            self._request(), "api:algorithm-image-detail", [obj.algorithm_image_id]
        )

    def get_inputs(self, obj: Job) -> list[dict]:
        sockets = self.context.setdefault("sockets", {})
        return [socket_value_data(self._request(), obj, c, sockets) for c in obj.inputs.all()]

    def get_outputs(self, obj: Job) -> list[dict]:
        sockets = self.context.setdefault("sockets", {})
        return [socket_value_data(self._request(), obj, c, sockets) for c in obj.outputs.all()]

    def get_hanging_protocol(self, obj: Job) -> None:
        return None

    def get_optional_hanging_protocols(self, obj: Job) -> list:
        return []

    def get_view_content(self, obj: Job) -> dict:
        return {}

    def get_exec_duration(self, obj: Job) -> str | None:
        return _duration(obj.exec_duration)

    def get_invoke_duration(self, obj: Job) -> str | None:
        if obj.completed is None:
            return None
        return _duration(obj.completed - obj.created)

    def get_creator(self, obj: Job) -> str | None:
        return obj.creator.get_username() if obj.creator else None

    def to_representation(self, instance: Job) -> dict:
        data = super().to_representation(instance)
        request = self._request()
        logs_visible = self.context.get("logs_visible")
        if logs_visible is not None:
            may_view_logs = instance.pk in logs_visible
        else:
            may_view_logs = request is not None and selectors.may_view_logs(
                user=request.user, job=instance
            )
        if may_view_logs:
            data["stdout"] = instance.stdout
            data["stderr"] = instance.stderr
        return data


def job_post_data(request: Request, job: Job) -> dict:
    """gcapi's JobPost: the created job with its inputs as `ComponentInterfaceValuePost`
    (image inputs still being imported appear once they are; see `status_note`)."""
    inputs = []
    for civ in job.inputs.select_related("interface"):
        item = socket_value_data(request, job, civ)
        inputs.append({**item, "interface": civ.interface.slug, "image_name": None})
    return {
        "pk": str(job.pk),
        "api_url": _absolute(request, reverse("api:algorithm-job-detail", args=[job.pk])),
        "status": job.status,
        "status_note": job.status_note,
        "inputs": inputs,
    }


class _Resolver:
    """Turns the posted inputs into `InputSpec`s, collecting every error; remembers the
    uploads it met so a refused request can delete them."""

    def __init__(self, request: Request) -> None:
        self.user = request.user
        self.errors: dict[str, list[str]] = {}
        self.uploads: list[UserUpload] = []

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def algorithm(self, value: object) -> Algorithm | None:
        visible = algorithms_for(user=self.user)
        key = None
        if isinstance(value, str):
            try:
                match = resolve(urlsplit(value).path)
                key = match.kwargs.get("pk") if match.view_name == "api:algorithm-detail" else None
            except Resolver404:
                key = None
            if key is None:
                found = visible.filter(slug=value).first()
                if found is not None:
                    return found
                key = value
        try:
            return visible.get(pk=str(key))
        except (Algorithm.DoesNotExist, DjangoValidationError, ValueError):
            self.error("algorithm", f"{value!r} is not an algorithm you may see.")
            return None

    def specs(self, items: object) -> list[InputSpec]:
        if not isinstance(items, list):
            self.error("inputs", "Give the inputs as a list of socket values.")
            return []
        specs = []
        for index, item in enumerate(items):
            spec = self.spec(index, item)
            if spec is not None:
                specs.append(spec)
        return specs

    def spec(self, index: int, item: object) -> InputSpec | None:
        if not isinstance(item, dict):
            self.error("inputs", f"Input {index} is not an object.")
            return None
        slug = item.get("interface") or item.get("socket")
        socket = (
            ComponentInterface.objects.filter(slug=slug).first() if isinstance(slug, str) else None
        )
        if socket is None:
            self.error("inputs", f"Input {index}: unknown socket {slug!r}.")
            return None
        key = socket.slug
        unknown = sorted(set(item) - set(INPUT_FIELDS) - {"socket"})
        if unknown:
            self.error(key, f"Unknown field(s): {', '.join(unknown)}.")
        spec = InputSpec(socket=socket)
        if item.get("value") is not None:
            spec.value = item["value"]
        if item.get("file") is not None:
            self.error(key, "Send files through the uploads API and give `user_upload`.")
        if item.get("image") is not None:
            spec.image = self.image(key, item["image"])
        if item.get("upload_session") is not None:
            spec.image = self.session_image(key, item["upload_session"])
        if item.get("user_upload") is not None:
            found = self.completed_uploads(key, [item["user_upload"]])
            spec.user_upload = found[0] if found else None
        if item.get("user_uploads"):
            values = item["user_uploads"]
            spec.user_uploads = self.completed_uploads(
                key, values if isinstance(values, list) else [values]
            )
        if (
            spec.value is UNSET
            and spec.image is None
            and not spec.uploads()
            and key not in self.errors
        ):
            self.error(
                key, "Give one of value, image, upload_session, user_upload or user_uploads."
            )
        return spec

    def image(self, key: str, value: object) -> Image | None:
        pk = pk_from_api_url(value, "api:cases-image-detail")
        image = images_visible_to(self.user).filter(pk=pk).first() if pk else None
        if image is None:
            self.error(key, f"{value!r} is not an image you may see.")
        return image

    def session_image(self, key: str, value: object) -> Image | None:
        pk = pk_from_api_url(value, "api:cases-upload-session-detail")
        session = upload_sessions_of(self.user).filter(pk=pk).first() if pk else None
        if session is None:
            self.error(key, f"{value!r} is not an upload session of yours.")
            return None
        images = list(Image.objects.filter(origin=session)[:2])
        if session.status != RawImageUploadSession.Status.SUCCEEDED or len(images) != 1:
            self.error(key, "The upload session must have finished with exactly one image.")
            return None
        return images[0]

    def completed_uploads(self, key: str, values: list) -> list[UserUpload]:
        try:
            found = completed_uploads_for(user=self.user, api_urls_or_pks=values)
        except DjangoValidationError as e:
            self.error(key, " ".join(e.messages))
            return []
        self.uploads.extend(found)
        return found


class JobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = JobSerializer
    pagination_class = Pagination
    queryset = Job.objects.none()

    def get_queryset(self) -> QuerySet[Job]:
        jobs = selectors.jobs_for(user=self.request.user)
        params = self.request.query_params
        if params.get("image"):
            try:
                jobs = jobs.filter(inputs__image_id=params["image"]).distinct()
            except DjangoValidationError:
                return jobs.none()
        if params.get("algorithm_image__algorithm"):
            jobs = jobs.filter(algorithm_image__algorithm_id=params["algorithm_image__algorithm"])
        if params.get("algorithm"):
            jobs = jobs.filter(algorithm_image__algorithm__slug=params["algorithm"])
        if params.get("status"):
            jobs = jobs.filter(status=params["status"])
        return jobs

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().list(request, *args, **kwargs)
        except DjangoValidationError as e:
            raise exceptions.ValidationError({"image": e.messages}) from e

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        unknown = sorted(set(data) - {"algorithm", "inputs"})
        resolver = _Resolver(request)
        if unknown:
            resolver.error("non_field_errors", f"Unknown field(s): {', '.join(unknown)}.")
        algorithm = resolver.algorithm(data.get("algorithm"))
        specs = resolver.specs(data.get("inputs", []))
        if resolver.errors or algorithm is None:
            discard_uploads(resolver.uploads)
            raise exceptions.ValidationError(resolver.errors)
        try:
            job, _ = job_create(creator=request.user, algorithm=algorithm, specs=specs)  # type: ignore[arg-type]
        except InputsInvalid as e:
            raise exceptions.ValidationError(e.errors) from e
        except JobRefused as e:
            raise exceptions.ValidationError({"non_field_errors": [str(e)]}) from e
        return Response(job_post_data(request, job), status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"], url_path="archive-run", url_name="archive-run")
    def archive_run(self, request: Request) -> Response:
        """Beyond gcapi: `{"algorithm": <url|slug>, "archive": <url|slug>}` starts one job
        per archive item; items already run with the same image and inputs are reused."""
        from algorithms.jobs.archive_runs import jobs_for_archive
        from archives.selectors import archives_visible_to

        data = request.data if isinstance(request.data, dict) else {}
        resolver = _Resolver(request)
        algorithm = resolver.algorithm(data.get("algorithm"))
        key = str(data.get("archive") or "").rstrip("/").rsplit("/", 1)[-1]
        archives = archives_visible_to(request.user)
        archive = archives.filter(slug=key).first()
        if archive is None:
            try:
                archive = archives.filter(pk=key).first()
            except DjangoValidationError:
                archive = None
        if archive is None:
            resolver.error("archive", f"{data.get('archive')!r} is not an archive you may see.")
        if resolver.errors or algorithm is None or archive is None:
            raise exceptions.ValidationError(resolver.errors)
        try:
            run = jobs_for_archive(creator=request.user, algorithm=algorithm, archive=archive)  # type: ignore[arg-type]
        except (JobRefused, InputsInvalid) as e:
            raise exceptions.ValidationError({"non_field_errors": [str(e)]}) from e
        context = {"request": request}
        body = {
            "created": JobSerializer(run.created, many=True, context=context).data,
            "reused": JobSerializer(run.reused, many=True, context=context).data,
            "skipped": run.skipped,
        }
        return Response(body, status=status.HTTP_201_CREATED if run.created else status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        if not selectors.may_cancel(user=request.user, job=job):
            raise exceptions.PermissionDenied(
                "Only the creator and the algorithm's editors may cancel."
            )
        try:
            job = job_cancel(job=job, actor=request.user)  # type: ignore[arg-type]
        except JobRefused as e:
            raise exceptions.ValidationError({"non_field_errors": [str(e)]}) from e
        return Response(self.get_serializer(job).data)

    @action(detail=True, methods=["post"])
    def rerun(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        try:
            new = job_rerun(job=job, actor=request.user)  # type: ignore[arg-type]
        except (JobRefused, InputsInvalid) as e:
            raise exceptions.ValidationError({"non_field_errors": [str(e)]}) from e
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

    @action(
        detail=True,
        methods=["get"],
        url_path=r"values/(?P<value_pk>\d+)/file",
        url_name="value-file",
    )
    def value_file(
        self, request: Request, pk: str | None = None, value_pk: str | None = None
    ) -> HttpResponseRedirect:
        """Redirect to a short-lived signed URL of one input or output file of the job."""
        job = self.get_object()
        civ = _job_value_or_404(job, value_pk)
        if not civ.file:
            raise exceptions.NotFound("This socket value has no file.")
        audit_record(
            action=AuditRecord.Action.DOWNLOAD,
            actor=request.user,
            obj=civ,
            request=request._request,
            detail={"job": str(job.pk), "socket": civ.interface.slug},
        )
        return HttpResponseRedirect(
            signed_url(bucket="protected", key=civ.file.name, filename=civ.filename)
        )


def _job_value_or_404(job: Job, value_pk: str | None) -> ComponentInterfaceValue:
    for manager in (job.inputs, job.outputs):
        civ = manager.select_related("interface").filter(pk=int(value_pk or 0)).first()
        if civ is not None:
            return civ
    raise exceptions.NotFound("No such socket value on this job.")
