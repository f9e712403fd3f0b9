"""The API root, `/api/v1/`. Each app adds its viewsets to the one router here."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers

from algorithms.api import AlgorithmImageViewSet, AlgorithmViewSet
from algorithms.jobs.api import JobViewSet
from app.api_views import ApiTokenViewSet, gcapi_version
from archives.api import ArchiveItemViewSet, ArchiveViewSet
from cases.api import ImageViewSet, RawImageUploadSessionViewSet
from challenges.api_urls import urlpatterns as challenge_urls
from components.api import ComponentInterfaceViewSet
from hanging_protocols.api import HangingProtocolViewSet
from reader_studies.api import (
    AnswerViewSet,
    DisplaySetViewSet,
    QuestionViewSet,
    ReaderStudyViewSet,
)
from uploads.api import UserUploadViewSet

router = routers.DefaultRouter()
router.include_root_view = True
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("cases/images", ImageViewSet, basename="cases-image")
router.register(
    "cases/upload-sessions", RawImageUploadSessionViewSet, basename="cases-upload-session"
)
# items before archives, so `archives/items/` is never read as an archive's pk
router.register("archives/items", ArchiveItemViewSet, basename="archive-item")
router.register("archives", ArchiveViewSet, basename="archive")
router.register("components/interfaces", ComponentInterfaceViewSet, basename="socket")
# algorithm pks are UUIDs, so `algorithms/images/` never reads as an algorithm
router.register("algorithms/images", AlgorithmImageViewSet, basename="algorithm-image")
router.register("algorithms/jobs", JobViewSet, basename="algorithm-job")
router.register("algorithms", AlgorithmViewSet, basename="algorithm")
router.register("uploads", UserUploadViewSet, basename="upload")
router.register("hanging-protocols", HangingProtocolViewSet, basename="hanging-protocol")
# sub-paths before reader studies, so `reader-studies/answers/` is never read as a study's pk
router.register("reader-studies/questions", QuestionViewSet, basename="reader-studies-question")
router.register(
    "reader-studies/display-sets", DisplaySetViewSet, basename="reader-studies-display-set"
)
router.register("reader-studies/answers", AnswerViewSet, basename="reader-studies-answer")
router.register("reader-studies", ReaderStudyViewSet, basename="reader-study")

urlpatterns = [
    path("gcapi/", gcapi_version, name="gcapi-version"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "schema/ui/",
        # Swagger UI sets inline styles from its script (nothing it runs is inline).
        csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="schema-ui",
    ),
    *challenge_urls,
    path("", include(router.urls)),
]
