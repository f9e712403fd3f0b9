"""Where answers may not change, a reader who sends a second answer to the same question
and case on the reading page (with or without case navigation) is refused with a message
naming the question, and the first answer stays. (The API's refusals of a second POST and
of a PATCH are asserted in test_api.py.)"""

import pytest

from reader_studies import services
from reader_studies.models import Answer
from tests.archives.helpers import login
from tests.reader_studies.helpers import new_user, question_for, study_with_case

pytestmark = pytest.mark.django_db

REFUSAL = (
    "Question &#x27;Size&#x27;: you already answered it for this case, and this reader "
    "study does not allow changing answers."
)


@pytest.mark.parametrize("navigation", [False, True])
def test_the_reading_page_refuses_a_second_answer_by_name(client, navigation):
    editor, reader = new_user(), new_user()
    study, case = study_with_case(editor, allow_case_navigation=navigation)
    services.display_set_create(reader_study=study, title="case 2")
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    size = question_for(study, "NUMB", question_text="Size", widget="NUMBER_INPUT")
    url = f"/reader-studies/{study.slug}/read/{case.pk}/"
    login(client, reader)
    assert client.post(url, {f"q-{size.pk}": "3"}).status_code == 302

    refused = client.post(url, {f"q-{size.pk}": "4"})
    assert refused.status_code == 400
    assert REFUSAL in refused.content.decode()
    assert Answer.objects.get(creator=reader).answer == 3
    # the same answer again (a resent form) changes nothing and is no second answer
    assert client.post(url, {f"q-{size.pk}": "3"}).status_code == 302
