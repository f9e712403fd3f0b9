from django.contrib import admin

from components.models import ComponentInterface, ComponentInterfaceValue


@admin.register(ComponentInterface)
class ComponentInterfaceAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "kind", "relative_path", "store_in_database")
    list_filter = ("kind", "store_in_database")
    search_fields = ("slug", "title", "relative_path")
    readonly_fields = ("slug",)


@admin.register(ComponentInterfaceValue)
class ComponentInterfaceValueAdmin(admin.ModelAdmin):
    list_display = ("pk", "interface", "file", "image")
    list_filter = ("interface",)
    raw_id_fields = ("image",)
    list_select_related = ("interface",)
