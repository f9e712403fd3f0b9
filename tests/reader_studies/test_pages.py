"""The minimal reader-study pages: who sees which study, sanitised help text, progress."""

import pytest

from reader_studies import services
from tests.archives.helpers import login
from tests.reader_studies.helpers import new_user, question_for, study_with_case

pytestmark = pytest.mark.django_db


def test_list_and_detail_pages(client):
    editor, reader, outsider = new_user(), new_user(), new_user()
    study, case = study_with_case(
        editor, help_text_markdown="Read **carefully**<script>alert('x')</script>"
    )
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    question = question_for(study, "NUMB", question_text="Nodule size")
    services.answer_create(creator=reader, question=question, display_set=case, answer=3)

    login(client, outsider)
    assert "Chest study" not in client.get("/reader-studies/").content.decode()
    # the shared link of a private study shows an outsider its title and the request button
    page = client.get(f"/reader-studies/{study.slug}/").content.decode()
    assert "Request to read this study" in page
    assert "carefully" not in page
    assert client.get(f"/reader-studies/{study.slug}/read/").status_code == 404

    login(client, reader)
    assert "Chest study" in client.get("/reader-studies/").content.decode()
    page = client.get(f"/reader-studies/{study.slug}/").content.decode()
    assert "Read <strong>carefully</strong>" in page
    assert "<script>alert" not in page
    assert "Nodule size" in page
    assert "Your progress: 100.0% of answers, 100.0% of cases complete." in page
    assert "Progress per reader" not in page

    login(client, editor)
    page = client.get(f"/reader-studies/{study.slug}/").content.decode()
    assert "Progress per reader" in page
    assert f"<tr><td>{reader.username}</td><td>100.0%</td><td>100.0%</td><td>" in page
