import factory

from components.models import ComponentInterface


class SocketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComponentInterface

    title = factory.Sequence(lambda n: f"Test socket {n}")
    kind = ComponentInterface.Kind.ANY
    relative_path = factory.Sequence(lambda n: f"test-socket-{n}.json")


def make_socket(**fields: object) -> ComponentInterface:
    return SocketFactory(**fields)  # type: ignore[return-value]
