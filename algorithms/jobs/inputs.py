"""A job's inputs: socket values checked by the one pipeline in `components.values`, plus
what only jobs need: the algorithm interface that takes exactly the given sockets, and a
digest that says whether two jobs ran on the same inputs.
"""

import hashlib
import json
from typing import Any

from algorithms.models import Algorithm, AlgorithmInterface
from components.values import UNSET, SocketValuesInvalid, ValueSpec, value_specs_check

# A job's input is a socket value spec; refusals name the socket (or "inputs").
InputSpec = ValueSpec
InputsInvalid = SocketValuesInvalid


def match_interface(*, algorithm: Algorithm, slugs: set[str]) -> AlgorithmInterface:
    interfaces = list(algorithm.interfaces.prefetch_related("inputs"))
    offered = []
    for interface in interfaces:
        wanted = {s.slug for s in interface.inputs.all()}
        if wanted == slugs:
            return interface
        offered.append("{" + ", ".join(sorted(wanted)) + "}")
    given = ", ".join(sorted(slugs)) or "none"
    raise InputsInvalid(
        {
            "inputs": [
                f"No interface of {algorithm.slug!r} takes exactly the sockets {{{given}}}. "
                f"Its interfaces take: {'; '.join(offered) or 'nothing (no interface yet)'}."
            ]
        }
    )


def check_inputs(*, algorithm: Algorithm, specs: list[InputSpec]) -> AlgorithmInterface:
    """The interface taking exactly these sockets, each value checked against its socket;
    InputsInvalid with every problem otherwise. Writes nothing."""
    slugs = [spec.socket.slug for spec in specs]
    duplicated = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicated:
        raise InputsInvalid({slug: ["This socket is given more than once."] for slug in duplicated})
    interface = match_interface(algorithm=algorithm, slugs=set(slugs))
    value_specs_check(specs=specs, field="inputs")
    return interface


def inputs_digest(specs: list[InputSpec]) -> str:
    """Equal for the same images and values on the same sockets (to reuse a job)."""
    parts = []
    source: dict[str, Any]
    for spec in sorted(specs, key=lambda s: s.socket.slug):
        if spec.existing is not None:
            civ = spec.existing
            source = (
                {"image": str(civ.image_id)}
                if civ.image_id
                else {"file": civ.file.name}
                if civ.file
                else {"value": civ.value}
            )
        elif spec.image is not None:
            source = {"image": str(spec.image.pk)}
        elif spec.value is not UNSET:
            source = {"value": spec.value}
        else:
            source = {"upload": sorted(str(u.pk) for u in spec.uploads())}
        parts.append([spec.socket.slug, source])
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
