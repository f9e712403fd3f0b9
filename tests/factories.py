import factory
from django.contrib.auth import get_user_model


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    # Hashed before the row is written (a post-generation set_password was never saved,
    # so force_login's session hash did not match the stored user and signed them out).
    password = factory.django.Password("correct horse battery")
