from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "archives"

    def ready(self) -> None:
        # archives receive imported images and let their members see them
        from archives.selectors import image_crumbs, images_in_archives_visible_to, target_crumbs
        from archives.services import attach_to_archive, attach_to_archive_item
        from archives.targets import archive_item_request_target, archive_request_target
        from cases.crumbs import register_image_crumbs, register_target_crumbs
        from cases.selectors import register_image_visibility
        from cases.targets import register_request_target, register_target

        register_target("archive", attach_to_archive)
        register_target("archive-item", attach_to_archive_item)
        register_request_target("archive", archive_request_target)
        register_request_target("archive_item", archive_item_request_target)
        register_image_visibility("archives", images_in_archives_visible_to)
        register_image_crumbs("archives", image_crumbs)
        register_target_crumbs("archive", target_crumbs)
        register_target_crumbs("archive-item", target_crumbs)
