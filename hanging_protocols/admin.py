from django.contrib import admin

from hanging_protocols.models import HangingProtocol


@admin.register(HangingProtocol)
class HangingProtocolAdmin(admin.ModelAdmin):
    list_display = ("title", "creator", "modified")
    search_fields = ("title", "slug")
    readonly_fields = ("slug", "created", "modified")
