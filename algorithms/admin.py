from django.contrib import admin

from algorithms.models import Algorithm, AlgorithmImage, AlgorithmInterface


class AlgorithmInterfaceInline(admin.TabularInline):
    model = AlgorithmInterface
    extra = 0
    filter_horizontal = ("inputs", "outputs")


@admin.register(Algorithm)
class AlgorithmAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "requires_gpu", "time_limit", "memory_limit_gb", "public")
    list_filter = ("requires_gpu", "public")
    search_fields = ("title", "slug")
    readonly_fields = ("slug", "editors_group", "users_group")
    inlines = (AlgorithmInterfaceInline,)


@admin.register(AlgorithmImage)
class AlgorithmImageAdmin(admin.ModelAdmin):
    list_display = ("pk", "algorithm", "status", "is_active", "image_sha256", "size", "created")
    list_filter = ("status", "is_active")
    search_fields = ("algorithm__title", "image_sha256")
    readonly_fields = ("image_sha256", "size", "status", "status_reason", "image", "user_upload")
    raw_id_fields = ("algorithm", "creator")
