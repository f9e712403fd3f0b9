from django.apps import AppConfig


class HangingProtocolsConfig(AppConfig):
    name = "hanging_protocols"
