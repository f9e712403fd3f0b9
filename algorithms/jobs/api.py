"""`algorithms/jobs/`: list, detail and create exactly as gcapi 0.16 uses them, plus
cancel, re-run and the permission-checked file download of a job's socket values."""

from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from algorithms.jobs import selectors
from algorithms.jobs.services import discard_uploads, job_cancel, job_create, job_rerun
from algorithms.models import Algorithm, Job
from algorithms.selectors import algorithms_for
from app.api import Pagination, uuid_param
from app.http import absolute, request_user
from app.models import AuditRecord
from app.services import audit_record
from app.storage import signed_url
from app.urlresolve import pk_from_api_url
from components.api import socket_value_data, socket_value_post_data
from components.models import ComponentInterfaceValue
from components.values import SocketValuesInvalid, value_posts_resolve
from hanging_protocols.selectors import viewer_settings_data


def _reverse_or_none(request: Request | None, name: str, args: list) -> str | None:
    try:
        return absolute(request, reverse(name, args=args))
    except NoReverseMatch:
        return None


def value_file_url(request: Request | None, job: Job, civ: ComponentInterfaceValue) -> str:
    return absolute(request, reverse("api:algorithm-job-value-file", args=[job.pk, civ.pk]))


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

    def _values(self, obj: Job, values: Any) -> list[dict]:
        request = self._request()
        file_url = partial(value_file_url, request, obj)
        sockets = self.context.setdefault("sockets", {})  # each socket serialized once a page
        return [
            socket_value_data(request, civ, file_url=file_url, sockets=sockets)
            for civ in values.all()
        ]

    def get_inputs(self, obj: Job) -> list[dict]:
        return self._values(obj, obj.inputs)

    def get_outputs(self, obj: Job) -> list[dict]:
        return self._values(obj, obj.outputs)

    def _viewer(self, obj: Job) -> dict[str, Any]:
        """The viewer settings of the object's algorithm, serialized once per response."""
        parent = obj.algorithm_image.algorithm
        cache = self.context.setdefault("viewer_settings", {})
        if parent.pk not in cache:
            cache[parent.pk] = viewer_settings_data(parent)
        return cache[parent.pk]  # type: ignore[no-any-return]

    def get_hanging_protocol(self, obj: Job) -> dict[str, Any] | None:
        return self._viewer(obj)["hanging_protocol"]  # type: ignore[no-any-return]

    def get_optional_hanging_protocols(self, obj: Job) -> list[dict[str, Any]]:
        return self._viewer(obj)["optional_hanging_protocols"]  # type: ignore[no-any-return]

    def get_view_content(self, obj: Job) -> dict[str, Any]:
        return self._viewer(obj)["view_content"]  # type: ignore[no-any-return]

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
    file_url = partial(value_file_url, request, job)
    return {
        "pk": str(job.pk),
        "api_url": absolute(request, reverse("api:algorithm-job-detail", args=[job.pk])),
        "status": job.status,
        "status_note": job.status_note,
        "inputs": [
            socket_value_post_data(request, civ, file_url=file_url)
            for civ in job.inputs.select_related("interface")
        ],
    }


def algorithm_from_reference(request: Request, value: object) -> Algorithm:
    """The algorithm an API URL, pk or slug names, among those the user may see."""
    visible = algorithms_for(user=request.user)
    pk = pk_from_api_url(value, "api:algorithm-detail")
    found = visible.filter(pk=pk).first() if pk else None
    if found is None and isinstance(value, str) and len(value) <= 255:
        found = visible.filter(slug=value).first()
    if found is None:
        raise exceptions.ValidationError(
            {"algorithm": [f"{value!r} is not an algorithm you may see."]}
        )
    return found


class JobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = JobSerializer
    pagination_class = Pagination
    queryset = Job.objects.none()

    def get_queryset(self) -> QuerySet[Job]:
        jobs = selectors.jobs_for(user=self.request.user)
        params = self.request.query_params
        if params.get("image"):
            image = uuid_param("image", params["image"])
            jobs = jobs.filter(inputs__image_id=image).distinct()
        if params.get("algorithm_image__algorithm"):
            algorithm = uuid_param(
                "algorithm_image__algorithm", params["algorithm_image__algorithm"]
            )
            jobs = jobs.filter(algorithm_image__algorithm_id=algorithm)
        if params.get("algorithm"):
            jobs = jobs.filter(algorithm_image__algorithm__slug=params["algorithm"])
        if params.get("status"):
            jobs = jobs.filter(status=params["status"])
        return jobs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        unknown = sorted(str(k) for k in set(data) - {"algorithm", "inputs"})
        if unknown:
            raise exceptions.ValidationError(
                {"non_field_errors": [f"Unknown field(s): {', '.join(unknown)}."]}
            )
        user = request_user(request)
        try:
            resolved = value_posts_resolve(user=user, items=data.get("inputs", []), field="inputs")
        except SocketValuesInvalid as e:
            # a refused job leaves nothing behind, not even the uploads its request named
            discard_uploads(getattr(e, "uploads", []))
            raise
        try:
            algorithm = algorithm_from_reference(request, data.get("algorithm"))
        except exceptions.ValidationError:
            discard_uploads(resolved.uploads)
            raise
        job, _ = job_create(creator=user, algorithm=algorithm, specs=resolved.specs)
        return Response(job_post_data(request, job), status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"], url_path="archive-run", url_name="archive-run")
    def archive_run(self, request: Request) -> Response:
        """Beyond gcapi: `{"algorithm": <url|slug>, "archive": <url|slug>}` starts one job
        per archive item; items already run with the same image and inputs are reused."""
        from algorithms.jobs.archive_runs import jobs_for_archive
        from archives.selectors import archive_from_reference

        data = request.data if isinstance(request.data, dict) else {}
        algorithm = algorithm_from_reference(request, data.get("algorithm"))
        archive = archive_from_reference(user=request.user, value=data.get("archive"))
        if archive is None:
            raise exceptions.ValidationError(
                {"archive": [f"{data.get('archive')!r} is not an archive you may see."]}
            )
        run = jobs_for_archive(creator=request_user(request), algorithm=algorithm, archive=archive)
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
        job = job_cancel(job=job, actor=request_user(request))
        return Response(self.get_serializer(job).data)

    @action(detail=True, methods=["post"])
    def rerun(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        new = job_rerun(job=job, actor=request_user(request))
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
