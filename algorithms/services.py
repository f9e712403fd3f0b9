"""Writes for algorithms, their interfaces and members."""

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.text import slugify

from algorithms.models import Algorithm, AlgorithmInterface
from app.permissions import add_member, create_role_groups, remove_member
from app.services import audit_record
from components.selectors import sockets_by_slug

ROLES = ("editors", "users")
# page paths under /algorithms/ that a slug must not shadow
RESERVED_SLUGS = frozenset({"create", "images", "jobs"})


def _interface_sockets(
    interfaces: Sequence[dict[str, Any]],
) -> list[tuple[list[Any], list[Any]]]:
    """Resolve `[{"inputs": [slugs], "outputs": [slugs]}]`, refusing unknown slugs and
    inputs and outputs that would share a path in the container."""
    if not interfaces:
        raise ValidationError({"interfaces": "An algorithm needs at least one interface."})
    resolved = []
    seen: set[tuple[frozenset[str], frozenset[str]]] = set()
    for number, interface in enumerate(interfaces, start=1):
        where = f"Interface {number}"
        inputs = list(dict.fromkeys(interface.get("inputs") or []))
        outputs = list(dict.fromkeys(interface.get("outputs") or []))
        if not inputs or not outputs:
            raise ValidationError(
                {"interfaces": f"{where} needs at least one input and one output socket."}
            )
        found, unknown = sockets_by_slug([*inputs, *outputs])
        if unknown:
            raise ValidationError(
                {"interfaces": f"{where}: unknown socket slug(s): {', '.join(unknown)}."}
            )
        shared = [slug for slug in inputs if slug in outputs]
        if shared:
            raise ValidationError(
                {"interfaces": f"{where}: socket(s) {', '.join(shared)} are both input and output."}
            )
        input_paths = {found[s].relative_path: s for s in inputs}
        for slug in outputs:
            path = found[slug].relative_path
            if path in input_paths:
                raise ValidationError(
                    {
                        "interfaces": f"{where}: input {input_paths[path]} and output {slug} "
                        f"share the relative path {path!r}."
                    }
                )
        key = (frozenset(inputs), frozenset(outputs))
        if key in seen:
            raise ValidationError({"interfaces": f"{where} repeats an earlier interface."})
        seen.add(key)
        resolved.append(([found[s] for s in inputs], [found[s] for s in outputs]))
    return resolved


def _set_interfaces(*, algorithm: Algorithm, resolved: list[tuple[list[Any], list[Any]]]) -> None:
    algorithm.interfaces.all().delete()
    for inputs, outputs in resolved:
        interface = AlgorithmInterface.objects.create(algorithm=algorithm)
        interface.inputs.set(inputs)
        interface.outputs.set(outputs)


def _check_title(title: str, *, exclude: Algorithm | None = None) -> None:
    slug = slugify(title)
    if not slug:
        raise ValidationError({"title": "The title needs at least one letter or digit."})
    if slug in RESERVED_SLUGS:
        raise ValidationError({"title": f"{title!r} is reserved; choose another title."})
    others = Algorithm.objects.filter(slug=slug)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    same_title = Algorithm.objects.filter(title=title)
    if exclude is not None:
        same_title = same_title.exclude(pk=exclude.pk)
    if others.exists() or same_title.exists():
        raise ValidationError({"title": f"An algorithm called {title!r} already exists."})


def algorithm_create(
    *,
    creator: User,
    title: str,
    interfaces: Sequence[dict[str, Any]],
    description: str = "",
    time_limit: int = 3600,
    memory_limit_gb: int = 4,
    requires_gpu: bool = False,
    max_active_jobs_per_user: int = 5,
    public: bool = False,
    logo: Any = None,
    request: HttpRequest | None = None,
) -> Algorithm:
    """Create an algorithm with its interfaces; the creator becomes its first editor."""
    _check_title(title)
    resolved = _interface_sockets(interfaces)
    algorithm = Algorithm(
        title=title,
        description=description,
        time_limit=time_limit,
        memory_limit_gb=memory_limit_gb,
        requires_gpu=requires_gpu,
        max_active_jobs_per_user=max_active_jobs_per_user,
        public=public,
    )
    algorithm.full_clean(exclude=["slug", "logo", "editors_group", "users_group"])
    with transaction.atomic():
        algorithm.save()
        create_role_groups(
            obj=algorithm,
            roles={"editors": Algorithm.EDITOR_PERMISSIONS, "users": Algorithm.USER_PERMISSIONS},
        )
        _set_interfaces(algorithm=algorithm, resolved=resolved)
        add_member(obj=algorithm, role="editors", user=creator, actor=creator, request=request)
        audit_record(
            action="algorithm-created",
            actor=creator,
            obj=algorithm,
            request=request,
        )
    if logo is not None:
        algorithm.logo.save(getattr(logo, "name", "logo.png"), logo, save=True)
    return algorithm


def algorithm_update(
    *,
    algorithm: Algorithm,
    actor: User,
    interfaces: Sequence[dict[str, Any]] | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Algorithm:
    """Change an algorithm's settings (and interfaces when given)."""
    allowed = {
        "title",
        "description",
        "time_limit",
        "memory_limit_gb",
        "requires_gpu",
        "max_active_jobs_per_user",
        "public",
        "logo",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    if "title" in fields and fields["title"] != algorithm.title:
        _check_title(fields["title"], exclude=algorithm)
    resolved = _interface_sockets(interfaces) if interfaces is not None else None
    with transaction.atomic():
        locked = Algorithm.objects.select_for_update().get(pk=algorithm.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.full_clean(exclude=["slug", "editors_group", "users_group"])
        locked.save()
        if resolved is not None:
            _set_interfaces(algorithm=locked, resolved=resolved)
        audit_record(
            action="algorithm-updated",
            actor=actor,
            obj=locked,
            request=request,
            detail={"fields": sorted(fields)},
        )
    return locked


def algorithm_member_add(
    *,
    algorithm: Algorithm,
    role: str,
    username: str,
    actor: User | AnonymousUser,
    request: HttpRequest | None = None,
) -> User:
    if role not in ROLES:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    try:
        user = User.objects.get(username=username, is_active=True)
    except User.DoesNotExist as e:
        raise ValidationError({"username": f"No active user is called {username!r}."}) from e
    add_member(obj=algorithm, role=role, user=user, actor=actor, request=request)
    return user


def algorithm_member_remove(
    *,
    algorithm: Algorithm,
    role: str,
    user: User,
    actor: User | AnonymousUser,
    request: HttpRequest | None = None,
) -> None:
    if role not in ROLES:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    editors = algorithm.editors_group.user_set  # type: ignore[union-attr]
    if role == "editors" and editors.count() <= 1 and editors.filter(pk=user.pk).exists():
        raise ValidationError({"username": "An algorithm keeps at least one editor."})
    remove_member(obj=algorithm, role=role, user=user, actor=actor, request=request)
