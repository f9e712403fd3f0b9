"""Algorithm container images: upload, validation without docker, activation."""
