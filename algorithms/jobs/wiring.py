"""Hooks jobs register at start-up: the upload-session target for input images and the
images job members may see. (The sweeps are in the settings' beat schedule.)"""


def connect_jobs() -> None:
    from algorithms.jobs.selectors import job_images_for
    from algorithms.jobs.services import UPLOAD_TARGET, attach_imported_images
    from cases.selectors import register_image_visibility
    from cases.targets import register_target

    register_target(UPLOAD_TARGET, attach_imported_images)
    register_image_visibility("algorithms.jobs", job_images_for)
