from django.apps import AppConfig


class ReaderStudiesConfig(AppConfig):
    name = "reader_studies"
