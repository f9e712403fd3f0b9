"""Submission rules (contracts §B.2/§B.3) against the real database and object store."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from algorithms.models import AlgorithmInterface
from app.permissions import add_member
from app.storage import bucket_name, s3_client
from challenges import selectors, services
from challenges.models import Evaluation, Phase, Submission
from tests.algorithms.factories import make_algorithm
from tests.archives.helpers import new_user
from tests.challenges.helpers import (
    backdate,
    evaluation_of,
    fail,
    hidden_archive,
    make_challenge,
    make_phase,
    participant,
    predictions,
    submit,
    succeed,
    valid_algorithm_image,
    with_valid_method,
)
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db


def messages(e: ValidationError) -> str:
    return " ".join(e.messages)


def test_predictions_submission_stores_the_file_and_queues_one_evaluation(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge, auto_publish_new_results=False)
    alice = participant(challenge)
    upload = predictions(alice, "case,dice\n1,0.8\n", "mine.csv")
    submission = submit(phase, alice, user_upload=upload)
    assert submission.predictions_filename == "mine.csv"
    assert (
        submission.predictions_file.name == f"evaluation-predictions/{phase.pk}/{submission.pk}.csv"
    )
    body = (
        s3_client("private")
        .get_object(Bucket=bucket_name("private"), Key=submission.predictions_file.name)["Body"]
        .read()
    )
    assert body == b"case,dice\n1,0.8\n"
    evaluation = evaluation_of(submission)
    assert evaluation.status == Evaluation.Status.PENDING
    assert evaluation.method == phase.methods.get()
    assert evaluation.published is False  # from auto_publish_new_results
    assert evaluation.time_limit == 3600
    assert UserUpload.objects.get(pk=upload.pk).status == UserUpload.Status.DELETED


def test_over_the_limit_is_refused_with_when_the_next_is_possible(user):
    challenge = make_challenge(user)
    phase = make_phase(
        challenge, submissions_limit_per_user_per_period=2, submission_limit_period=1
    )
    alice = participant(challenge)
    first = submit(phase, alice)
    backdate(first, 0.5)
    first.refresh_from_db()
    succeed(first, {"dice": 0.5})
    second = submit(phase, alice)
    succeed(second, {"dice": 0.6})
    limit = selectors.submission_limit(phase=phase, user=alice)
    assert (limit.limit, limit.remaining, limit.period_days) == (2, 0, 1)
    assert limit.next_submission_at == first.created + timedelta(days=1)
    with pytest.raises(ValidationError) as e:
        submit(phase, alice)
    assert messages(e.value) == (
        "You have used all 2 submissions of the phase 'Final' (2 every 1 day). "
        f"The next one is possible at {(first.created + timedelta(days=1)).isoformat()}."
    )
    assert Submission.objects.filter(creator=alice).count() == 2
    # another participant has their own allowance
    assert selectors.submission_limit(phase=phase, user=participant(challenge)).remaining == 2


def test_failed_and_cancelled_evaluations_do_not_use_up_the_limit(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge, submissions_limit_per_user_per_period=1)
    alice = participant(challenge)
    fail(submit(phase, alice))
    cancelled = submit(phase, alice)
    Evaluation.objects.filter(submission=cancelled).update(status=Evaluation.Status.CANCELLED)
    assert selectors.submission_limit(phase=phase, user=alice).remaining == 1
    succeed(submit(phase, alice), {"dice": 0.7})
    assert selectors.submission_limit(phase=phase, user=alice).remaining == 0


def test_submissions_older_than_the_period_free_their_slot(user):
    challenge = make_challenge(user)
    phase = make_phase(
        challenge, submissions_limit_per_user_per_period=1, submission_limit_period=7
    )
    alice = participant(challenge)
    old = submit(phase, alice)
    succeed(old, {"dice": 0.1})
    backdate(old, 7.01)
    limit = selectors.submission_limit(phase=phase, user=alice)
    assert limit.remaining == 1
    submit(phase, alice)


def test_an_all_time_limit_says_no_more_are_possible(user):
    challenge = make_challenge(user)
    phase = make_phase(
        challenge, submissions_limit_per_user_per_period=1, submission_limit_period=None
    )
    alice = participant(challenge)
    old = submit(phase, alice)
    succeed(old, {"dice": 0.1})
    backdate(old, 400)
    with pytest.raises(ValidationError) as e:
        submit(phase, alice)
    assert messages(e.value) == (
        "You have used all 1 submissions of the phase 'Final' (1 in total). "
        "No more are possible in this phase."
    )


def test_one_evaluation_at_a_time_per_participant(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge)
    alice = participant(challenge)
    submit(phase, alice)
    with pytest.raises(ValidationError, match="in progress in this phase"):
        submit(phase, alice)


def test_a_closed_phase_refuses_and_leaves_nothing(user):
    challenge = make_challenge(user)
    closed_at = timezone.now() - timedelta(hours=1)
    phase = make_phase(
        challenge,
        submissions_open_at=closed_at - timedelta(days=3),
        submissions_close_at=closed_at,
    )
    alice = participant(challenge)
    upload = predictions(alice)
    with pytest.raises(ValidationError) as e:
        submit(phase, alice, user_upload=upload)
    assert messages(e.value) == (
        f"The phase 'Final' is not open for submissions. It closed at {closed_at.isoformat()}."
    )
    assert not Submission.objects.exists()
    assert not Evaluation.objects.exists()
    assert UserUpload.objects.get(pk=upload.pk).status == UserUpload.Status.COMPLETED
    assert phase.status == Phase.Status.COMPLETED


def test_a_phase_with_limit_zero_is_closed_but_admins_may_still_submit(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge, submissions_limit_per_user_per_period=0)
    assert phase.status == Phase.Status.CLOSED
    with pytest.raises(ValidationError, match="not open for submissions"):
        submit(phase, participant(challenge))
    assert evaluation_of(submit(phase, user)).status == Evaluation.Status.PENDING


def test_non_participants_cannot_submit(user):
    challenge = make_challenge(user, hidden=False)
    phase = make_phase(challenge)
    with pytest.raises(PermissionDenied, match="Join the challenge 'lung-2026'"):
        submit(phase, new_user())


def test_a_predictions_file_of_an_unsupported_type_is_refused(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge)
    alice = participant(challenge)
    upload = predictions(alice, filename="p.gz")
    s3_client("uploads").put_object(
        Bucket=bucket_name("uploads"), Key=upload.key, Body=b"\x1f\x8b\x08\x00rest"
    )
    with pytest.raises(ValidationError) as e:
        submit(phase, alice, user_upload=upload)
    assert e.value.message_dict == {
        "user_upload": ["p.gz: application/gzip files are not supported."]
    }
    assert not Submission.objects.exists()
    assert not Evaluation.objects.exists()
    # the upload stays for another try; nothing was copied for the evaluation
    assert UserUpload.objects.get(pk=upload.pk).status == UserUpload.Status.COMPLETED
    listed = s3_client("private").list_objects_v2(
        Bucket=bucket_name("private"), Prefix=f"evaluation-predictions/{phase.pk}/"
    )
    assert listed.get("KeyCount", 0) == 0


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def test_a_zip_is_accepted_as_predictions(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge)
    alice = participant(challenge)
    upload = predictions(alice, filename="p.zip")
    s3_client("uploads").put_object(
        Bucket=bucket_name("uploads"), Key=upload.key, Body=_zip({"case1.csv": b"a,b\n"})
    )
    submission = submit(phase, alice, user_upload=upload)
    assert submission.predictions_file.name.endswith(".zip")
    [value] = evaluation_of(submission).inputs.all()
    assert (value.interface.slug, value.file.name.endswith(".zip")) == (
        "predictions-zip-file",
        True,
    )


def test_a_broken_zip_is_refused_by_its_socket_and_leaves_nothing(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge)
    alice = participant(challenge)
    upload = predictions(alice, filename="p.zip")
    s3_client("uploads").put_object(
        Bucket=bucket_name("uploads"), Key=upload.key, Body=b"PK\x03\x04zipdata"
    )
    with pytest.raises(ValidationError) as e:
        submit(phase, alice, user_upload=upload)
    assert e.value.message_dict == {
        "predictions-zip-file": [
            "p.zip: the file is not a valid ZIP archive (File is not a zip file)"
        ]
    }
    assert not Submission.objects.exists()
    listed = s3_client("private").list_objects_v2(
        Bucket=bucket_name("private"), Prefix=f"evaluation-predictions/{phase.pk}/"
    )
    assert listed.get("KeyCount") == 0


def test_the_parent_phase_rule(user):
    challenge = make_challenge(user)
    opens = timezone.now() - timedelta(days=1)
    debug = make_phase(challenge, "Debug", submissions_open_at=opens)
    final = make_phase(challenge, "Final", submissions_open_at=opens, parent=debug)
    alice = participant(challenge)
    with pytest.raises(ValidationError) as e:
        submit(final, alice)
    assert messages(e.value) == (
        "First you must be evaluated successfully in the phase 'Debug' "
        "before submitting to 'Final'."
    )
    fail(submit(debug, alice))
    with pytest.raises(ValidationError):
        submit(final, alice)
    succeed(submit(debug, alice), {"dice": 0.4})
    assert evaluation_of(submit(final, alice)).status == Evaluation.Status.PENDING


def _algorithm_phase(admin, challenge, **fields):  # type: ignore[no-untyped-def]
    algorithm = make_algorithm(creator=admin)
    archive = hidden_archive(admin)
    phase = services.phase_save(
        challenge=challenge,
        actor=admin,
        fields={
            "title": "Algo",
            "submission_kind": Phase.SubmissionKind.ALGORITHM,
            "archive": archive,
            "score_jsonpath": "dice",
            **fields,
        },
        algorithm_interfaces=list(AlgorithmInterface.objects.filter(algorithm=algorithm)),
    )
    with_valid_method(phase)
    phase = services.phase_save(
        challenge=challenge,
        actor=admin,
        phase=phase,
        fields={"submissions_limit_per_user_per_period": 5},
    )
    return phase, algorithm


def test_the_same_image_cannot_be_submitted_twice_to_a_phase(user):
    challenge = make_challenge(user)
    phase, algorithm = _algorithm_phase(user, challenge)
    image = valid_algorithm_image(algorithm, "sha256:" + "a" * 64)
    first = services.submission_create(phase=phase, creator=user, algorithm_image=image)
    assert first.algorithm_requires_memory_gb == algorithm.memory_limit_gb
    # the same image under another row (uploaded again) is the same image
    again = valid_algorithm_image(make_algorithm(creator=user, title="Copy"), "sha256:" + "a" * 64)
    for candidate in (image, again):
        with pytest.raises(ValidationError) as e:
            services.submission_create(phase=phase, creator=user, algorithm_image=candidate)
        assert e.value.message_dict == {
            "algorithm_image": [
                "This image (sha256:aaaaaaaaaaaa...) was already submitted to the phase 'Algo'."
            ]
        }
    assert Submission.objects.count() == 1


def test_an_image_the_submitter_may_not_use_is_refused(user):
    challenge = make_challenge(user)
    phase, _ = _algorithm_phase(user, challenge)
    alice = participant(challenge)
    other = valid_algorithm_image(
        make_algorithm(creator=user, title="Not yours"), "sha256:" + "b" * 64
    )
    with pytest.raises(ValidationError) as e:
        services.submission_create(phase=phase, creator=alice, algorithm_image=other)
    assert e.value.message_dict == {"algorithm_image": ["You may not use this algorithm image."]}


def test_the_wrong_kind_of_submission_names_the_field(user):
    challenge = make_challenge(user)
    phase, _ = _algorithm_phase(user, challenge)
    with pytest.raises(ValidationError) as e:
        submit(phase, user)
    assert e.value.message_dict == {
        "algorithm_image": ["The phase 'Algo' takes an algorithm image."]
    }


# --- phase set-up ----------------------------------------------------------------------


def test_a_phase_opens_only_with_a_method_and_checks_its_columns(user):
    challenge = make_challenge(user)
    with pytest.raises(ValidationError) as e:
        services.phase_save(
            challenge=challenge,
            actor=user,
            fields={
                "title": "Final",
                "submissions_limit_per_user_per_period": 1,
                "extra_results_columns": [{"title": "HD", "path": "hd", "order": "up"}],
                "submissions_open_at": timezone.now(),
                "submissions_close_at": timezone.now() - timedelta(days=1),
            },
        )
    assert e.value.message_dict == {
        "extra_results_columns": ["0/order: 'up' is not one of ['asc', 'desc']"],
        "submissions_close_at": ["The phase must close after it opens."],
        "submissions_limit_per_user_per_period": [
            "Upload a valid evaluation method before opening the phase for submissions."
        ],
    }
    assert not Phase.objects.exists()


def test_an_algorithm_phase_needs_archive_and_interfaces_to_open(user):
    challenge = make_challenge(user)
    phase = services.phase_save(
        challenge=challenge, actor=user, fields={"title": "Algo", "submission_kind": 3}
    )
    with_valid_method(phase)
    with pytest.raises(ValidationError) as e:
        services.phase_save(
            challenge=challenge,
            actor=user,
            phase=phase,
            fields={"submissions_limit_per_user_per_period": 1},
        )
    assert e.value.message_dict == {
        "submissions_limit_per_user_per_period": [
            "An algorithm phase needs an archive of test cases and algorithm interfaces "
            "before it opens for submissions."
        ]
    }


def test_the_kind_cannot_change_once_there_are_submissions(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge)
    submit(phase, user)
    with pytest.raises(ValidationError) as e:
        services.phase_save(
            challenge=challenge, actor=user, phase=phase, fields={"submission_kind": 3}
        )
    assert e.value.message_dict["submission_kind"] == [
        "The kind cannot change once there are submissions."
    ]


def test_a_parent_must_take_the_same_kind(user):
    challenge = make_challenge(user)
    debug = make_phase(challenge, "Debug")
    with pytest.raises(ValidationError) as e:
        services.phase_save(
            challenge=challenge,
            actor=user,
            fields={"title": "Final", "submission_kind": 3, "parent": debug},
        )
    assert e.value.message_dict == {
        "parent": ["The parent phase must take the same kind of submissions."]
    }


def test_registration_is_accepted_per_the_challenge_setting(user):
    manual = make_challenge(user, slug="manual")
    everyone = make_challenge(user, slug="everyone", access_request_handling="ACCEPT_ALL")
    bob = new_user()
    assert services.registration_request_create(challenge=manual, user=bob).status == "PEND"
    assert not selectors.is_participant(bob, manual)
    assert services.registration_request_create(challenge=everyone, user=bob).status == "ACPT"
    assert selectors.is_participant(bob, everyone)
    with pytest.raises(ValidationError, match="already take part"):
        services.registration_request_create(challenge=everyone, user=bob)
    with pytest.raises(ValidationError, match="request is pending"):
        services.registration_request_create(challenge=manual, user=bob)
    add_member(obj=manual, role="participants", user=new_user())
