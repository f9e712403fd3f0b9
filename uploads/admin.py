from django.contrib import admin

from uploads.models import UserUpload


@admin.register(UserUpload)
class UserUploadAdmin(admin.ModelAdmin):
    list_display = ("filename", "creator", "status", "size", "created")
    list_filter = ("status",)
    search_fields = ("filename", "creator__username", "id")
    readonly_fields = ("id", "creator", "s3_upload_id", "created", "size", "max_presigned_part")
