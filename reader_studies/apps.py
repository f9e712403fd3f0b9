from django.apps import AppConfig


class ReaderStudiesConfig(AppConfig):
    name = "reader_studies"

    def ready(self) -> None:
        # display sets receive imported images and let readers and editors see them
        from cases.selectors import register_image_visibility
        from cases.targets import register_request_target, register_target
        from reader_studies.bulk_cases import (
            TARGET_KIND,
            attach_to_reader_study,
            reader_study_request_target,
        )
        from reader_studies.selectors import images_in_reader_studies_visible_to
        from reader_studies.services import attach_to_display_set

        register_target("display-set", attach_to_display_set)
        register_target(TARGET_KIND, attach_to_reader_study)
        register_request_target("reader_study", reader_study_request_target)
        register_image_visibility("reader_studies", images_in_reader_studies_visible_to)
        _stamp_question_changes()


def _stamp_question_changes() -> None:
    from django.db.models.signals import post_delete, post_save

    from reader_studies.models import CategoricalOption, Question
    from reader_studies.services import questions_changed

    for signal in (post_save, post_delete):
        for model in (Question, CategoricalOption):
            signal.connect(questions_changed, sender=model, dispatch_uid="reader_studies.stamp")
