"""The one settings module. Every value comes from the environment; with none set,
Tessera runs on its embedded defaults (SQLite and SeaweedFS under var/)."""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from kombu import Queue

from app import startup

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
startup.read_dotenv()

# Settings only read: `make run` (app/startup.py) makes this folder, its secret key and
# the broker choice before any process loads settings.
VAR_DIR = startup.var_dir()

# Empty when neither is there: Django then refuses to start anything that needs a key.
SECRET_KEY = env.str("SECRET_KEY", default="") or startup.read_secret_key(VAR_DIR)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = env.str("SITE_NAME", default="Tessera")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "storages",
    "app",
    "components",
    "hanging_protocols",
    "uploads",
    "cases",
    "algorithms",
    "workers",
    "archives",
    "reader_studies",
    "challenges",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "app.request_guards.MalformedRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "app.middleware.ApiOverHttpsOnlyMiddleware",
    "app.middleware.ApiBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "app.access_requests.AccessDecisionMiddleware",
    "csp.middleware.CSPMiddleware",
    "app.signed_redirects.NoStoreSignedRedirectMiddleware",
    "app.unavailable.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "app.urls"
WSGI_APPLICATION = "app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "app.context_processors.site",
            ],
            "builtins": ["app.templatetags.tessera"],
        },
    },
]

# Database: SQLite under var/ by default, PostgreSQL in tests and production.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tessera.sqlite3'}")
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web threads, the worker and beat share the file. Deferred transactions fail at once
    # when upgrading to a write lock (the busy timeout does not apply), so take the write
    # lock at BEGIN and wait for it; WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "profile"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "app.account_adapter.AccountAdapter"
ANONYMOUS_USER_NAME = None  # guardian: anonymous users hold no object permissions

# E-mail: console by default, SMTP when EMAIL_URL says so.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tessera@localhost")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The viewer's Niivue bundle as npm installed it (`make node`): one self-contained ES
    # module, served from this site so no page loads code from a CDN.
    ("vendor/niivue", BASE_DIR / "node_modules" / "@niivue" / "niivue" / "dist"),
    # Whole-slide viewer and the uploader: each a self-contained bundle in its package.
    (
        "vendor/openseadragon",
        BASE_DIR / "node_modules" / "openseadragon" / "build" / "openseadragon",
    ),
    ("vendor/uppy", BASE_DIR / "node_modules" / "uppy" / "dist"),
]

# Object storage: every file lives in an S3 bucket; there is no filesystem path.
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="http://127.0.0.1:8333")
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="tessera")
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="tessera-embedded-secret")
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="path")
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = False
# Signed URLs live at most five minutes: permission is checked for each one issued.
SIGNED_URL_LIFETIME = min(env.int("SIGNED_URL_LIFETIME", default=300), 300)
AWS_QUERYSTRING_EXPIRE = SIGNED_URL_LIFETIME
BUCKETS = {
    "private": env.str("BUCKET_PRIVATE", default="tessera-private"),
    "protected": env.str("BUCKET_PROTECTED", default="tessera-protected"),
    "public": env.str("BUCKET_PUBLIC", default="tessera-public"),
    "uploads": env.str("BUCKET_UPLOADS", default="tessera-uploads"),
}


def _s3(bucket: str, **extra: object) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": BUCKETS[bucket], **extra},
    }


STORAGES = {
    "default": _s3("protected"),
    "protected": _s3("protected"),
    "private": _s3("private"),
    "public": _s3("public", querystring_auth=False),
    "uploads": _s3("uploads"),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# SeaweedFS embedded default: where its data lives and the ports it listens on.
SEAWEEDFS_DIR = Path(env.str("SEAWEEDFS_DIR", default=str(VAR_DIR / "seaweedfs")))


# Broker: CELERY_BROKER_URL, else what `make run` chose at start and wrote down (Redis
# or the file-system broker), else Redis. Never a per-process guess: a process that fell
# back to a file-system broker alone would queue tasks no worker reads.
if (VAR_DIR / startup.BROKER_ENV_FILE).exists():
    environ.Env.read_env(VAR_DIR / startup.BROKER_ENV_FILE)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or startup.EMBEDDED_REDIS
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS: dict = (
    {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        # kombu's default is ./control, relative to whatever folder a process started in
        "control_folder": str(_broker_dir / "control"),
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=4 * 3600)}
)
# Queues: the one place their names are written. Jobs' containers run on the jobs-*
# queues, and so does every other container action (stop, clean up): only workers of
# those queues have a container engine.
QUEUE_DEFAULT, QUEUE_IMAGES = "default", "images"
QUEUE_JOBS_CPU, QUEUE_JOBS_GPU = "jobs-cpu", "jobs-gpu"
CELERY_TASK_DEFAULT_QUEUE = QUEUE_DEFAULT
CELERY_TASK_QUEUES_NAMES = [QUEUE_DEFAULT, QUEUE_IMAGES, QUEUE_JOBS_CPU, QUEUE_JOBS_GPU]
CELERY_TASK_QUEUES = [Queue(name) for name in CELERY_TASK_QUEUES_NAMES]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat sends; the sweeps settle what is stuck past its deadline (below), and the stale
# container clean-up goes to each jobs queue, whose workers have the engine.
CELERY_BEAT_SCHEDULE: dict = {
    "settle-stuck-jobs": {"task": "algorithms.tasks.settle_stuck_jobs", "schedule": 60.0},
    "settle-stuck-algorithm-images": {
        "task": "algorithms.images.tasks.settle_stuck_algorithm_images",
        "schedule": 60.0,
    },
    "settle-stuck-evaluations": {
        "task": "challenges.tasks.settle_stuck_evaluations",
        "schedule": 60.0,
    },
    "settle-stuck-upload-sessions": {
        "task": "cases.tasks.settle_stuck_upload_sessions",
        "schedule": 60.0,
    },
    "uploads-expire": {"task": "uploads.tasks.expire_uploads", "schedule": 3600.0},
    **{
        f"remove-stale-containers-{queue}": {
            "task": "workers.tasks.remove_stale_job_containers",
            "schedule": 600.0,
            "options": {"queue": queue, "expires": 600},
        }
        for queue in (QUEUE_JOBS_CPU, QUEUE_JOBS_GPU)
    },
}

# `/health/` answers 503 when one of these is down; the others (docker, workers) are
# reported only, since a web node without them still serves.
HEALTH_REQUIRED = env.list("HEALTH_REQUIRED", default=["database", "broker", "object_store"])

# `make run` (app/run.py): where the embedded servers listen.
RUN_HOST = env.str("RUN_HOST", default="127.0.0.1")
RUN_HTTP_PORT = env.int("RUN_HTTP_PORT", default=8000)
RUN_HTTPS_PORT = env.int("RUN_HTTPS_PORT", default=8443)
RUN_WEB_WORKERS = env.int("RUN_WEB_WORKERS", default=2)
# Where people reach the site, for links in e-mails sent without a request (by workers).
SITE_URL = env.str("SITE_URL", default="") or f"http://{RUN_HOST}:{RUN_HTTP_PORT}"

# Uploads (S3 multipart, straight from the client to the `uploads` bucket).
UPLOADS_DAILY_QUOTA_BYTES = env.int("UPLOADS_DAILY_QUOTA_BYTES", default=100 * 10**9)
UPLOADS_EXPIRE_HOURS = env.int("UPLOADS_EXPIRE_HOURS", default=24)
# Parts above this size are refused (by the store when the client signs their length, else
# at the next presign, list or complete); presigning reserves parts x this size.
UPLOADS_MAX_PART_BYTES = env.int("UPLOADS_MAX_PART_BYTES", default=128 * 1024 * 1024)

# Container execution.
WORKERS_EXECUTOR = env.str("WORKERS_EXECUTOR", default="workers.executors.docker.DockerExecutor")
# Sandbox ceilings of this worker host: stdout/stderr kept per stream, processes per
# container, size of the /tmp tmpfs (it counts towards the memory limit).
WORKERS_MAX_LOG_BYTES = env.int("WORKERS_MAX_LOG_BYTES", default=1024 * 1024)
WORKERS_PIDS_LIMIT = env.int("WORKERS_PIDS_LIMIT", default=256)
WORKERS_TMPFS_MB = env.int("WORKERS_TMPFS_MB", default=1024)
# Extra labels on every container and volume the executor creates, so that deployments
# (or test runs) sharing one engine can tell theirs apart: "key=value,key=value".
WORKERS_CONTAINER_LABELS = env.dict("WORKERS_CONTAINER_LABELS", default={})
# /output is a tmpfs of this size (capped by the job's memory, which it counts towards),
# so a container cannot fill the worker's disk; open files per process (at most the
# engine's own LimitNOFILE, or containers fail to start).
WORKERS_OUTPUT_MB = env.int("WORKERS_OUTPUT_MB", default=4096)
WORKERS_NOFILE = env.int("WORKERS_NOFILE", default=8192)
DOCKER_BASE_URL = env.str("DOCKER_HOST", default="unix:///var/run/docker.sock")
# Jobs past their time limit plus this grace are failed by the every-minute sweep.
JOBS_TIME_LIMIT_GRACE_S = env.int("JOBS_TIME_LIMIT_GRACE_S", default=300)
# Deadlines of the sweeps: past them an object is settled (failed) with the cause named.
# Queued means no worker took it (its broker message was lost, or no worker serves it).
JOBS_QUEUED_TIMEOUT_S = env.int("JOBS_QUEUED_TIMEOUT_S", default=24 * 3600)
# Job containers older than the longest run (24 h task limit) plus grace are removed.
WORKERS_STALE_CONTAINER_S = env.int("WORKERS_STALE_CONTAINER_S", default=24 * 3600 + 900)
UPLOAD_SESSIONS_QUEUED_TIMEOUT_S = env.int("UPLOAD_SESSIONS_QUEUED_TIMEOUT_S", default=24 * 3600)
# Longer than the import task's hard time limit (1 h): past it, its worker is gone.
UPLOAD_SESSIONS_STARTED_TIMEOUT_S = env.int("UPLOAD_SESSIONS_STARTED_TIMEOUT_S", default=3900)
ALGORITHM_IMAGES_VALIDATION_TIMEOUT_S = env.int(
    "ALGORITHM_IMAGES_VALIDATION_TIMEOUT_S", default=24 * 3600
)
ALGORITHM_IMAGE_MAX_BYTES = env.int("ALGORITHM_IMAGE_MAX_BYTES", default=10 * 1024**3)

# Image import: ceilings that keep hostile or broken uploads from exhausting a worker.
# Voxels count channels and timepoints; the ratio is unpacked / packed size (zip bombs).
IMAGE_MAX_VOXELS = env.int("IMAGE_MAX_VOXELS", default=4 * 1024**3)
# Bytes one image's pixels may take in a worker's memory (voxels x pixel size), checked
# from the header before anything is read or decompressed.
IMAGE_MAX_VOXEL_BYTES = env.int("IMAGE_MAX_VOXEL_BYTES", default=8 * 1024**3)
IMAGE_ARCHIVE_MAX_MEMBERS = env.int("IMAGE_ARCHIVE_MAX_MEMBERS", default=20_000)
IMAGE_ARCHIVE_MAX_BYTES = env.int("IMAGE_ARCHIVE_MAX_BYTES", default=64 * 1024**3)
IMAGE_ARCHIVE_MAX_RATIO = env.int("IMAGE_ARCHIVE_MAX_RATIO", default=200)

# API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "app.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "app.api.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "app.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "app.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tessera API",
    "DESCRIPTION": "gcapi-compatible REST API of Tessera",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Schema warnings are about documentation, not deployment safety: keep them out of
    # `check --deploy` (see them with `manage.py spectacular --validate`).
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}
GCAPI_LATEST_VERSION = "0.16.1"
GCAPI_LOWEST_SUPPORTED_VERSION = "0.16.0"
# Request bodies above this many bytes are refused with 400 before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=30)
# Where the API is served over HTTPS (e.g. https://host:8443): when set, API requests over
# plain HTTP are redirected there (reads) or refused naming it (writes). `make run` sets it.
API_HTTPS_URL = env.str("API_HTTPS_URL", default="")

# Security. Production sets these through the environment; `check --deploy` reads them.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp): scripts and <style> blocks only from this site
# or with the per-response nonce (`nonce="{{ request.csp_nonce }}"`). The object store
# is named for what browsers fetch from it directly: thumbnails and logos behind signed
# redirects, the viewer's image download and the upload widget's part PUTs.
_s3_endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
_s3_origins = [f"{_s3_endpoint.scheme}://{_s3_endpoint.netloc}"]
if AWS_S3_ADDRESSING_STYLE == "virtual":
    _s3_origins.append(f"{_s3_endpoint.scheme}://*.{_s3_endpoint.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # style="" attributes (admin, allauth) cannot run code; allowing them is harmless.
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *_s3_origins],
        "connect-src": [SELF, *_s3_origins],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
